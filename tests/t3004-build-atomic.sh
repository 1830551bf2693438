#!/bin/sh
test_description='build: a failed build leaves the previous site intact'
. "$(dirname "$0")/lib/test-lib.sh"

test_expect_success 'a site built from the samples' '
	make_archive &&
	cp -R "$REPO/releases/." releases/ &&
	pr-publish build -q &&
	cp -R public snapshot
'

test_expect_success 'an invalid release stops the build; public/ is untouched' '
	put_release build/2025-06-03-corrected.en.xml releases/2025/2025-06-03-corrected.en.xml &&
	sed "s|<field ref=\"elections\"/>|<field ref=\"electons\"/>|" \
		releases/2025/2025-06-03-corrected.en.xml >bad &&
	mv bad releases/2025/2025-06-03-corrected.en.xml &&
	run_expect 1 pr-publish build &&
	grep "unknown field of work .electons." err &&
	grep "nothing was written" err &&
	diff -r snapshot public &&
	! ls -a | grep "^\.public\.new"
'

test_expect_success 'an invalid release on a first build creates no folder' '
	run_expect 1 pr-publish build --out first &&
	! test -e first
'

test_expect_success 'a stylesheet failing halfway leaves public/ as it was, and no temporary folder' '
	rm releases/2025/2025-06-03-corrected.en.xml &&
	mkdir stylesheets && cp "$REPO"/stylesheets/* stylesheets/ &&
	sed "s|<xsl:template match=\"page\\[@kind=.release.\\]\" mode=\"main\">|&<xsl:message terminate=\"yes\">boom</xsl:message>|" \
		"$REPO/stylesheets/html.xsl" >stylesheets/html.xsl &&
	! cmp -s stylesheets/html.xsl "$REPO/stylesheets/html.xsl" &&
	run_expect 3 pr-publish build &&
	grep "boom" err &&
	grep "left as it was" err &&
	diff -r snapshot public &&
	! ls -a | grep "^\.public\.new" &&
	rm -rf stylesheets
'

test_expect_success 'a folder not made by build is never replaced' '
	mkdir mine && echo precious >mine/notes.txt &&
	run_expect 3 pr-publish build --out mine &&
	grep "not made by .pr-publish build." err &&
	test "$(cat mine/notes.txt)" = precious
'

test_expect_success 'an empty folder may be built into' '
	mkdir empty &&
	run_expect 0 pr-publish build --out empty -q &&
	test -f empty/en/index.html
'

test_expect_success 'a file in the way is an error, and stays' '
	echo x >afile &&
	run_expect 3 pr-publish build --out afile &&
	test "$(cat afile)" = x
'

test_expect_success 'a build that writes replaces the whole folder in one step' '
	echo stale >public/stale.html &&
	run_expect 0 pr-publish build --force &&
	! test -e public/stale.html &&
	diff -r snapshot public
'

test_done
