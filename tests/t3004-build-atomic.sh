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

test_expect_success 'an invalid release is reported, not the folder in the way' '
	# The folder is opened while the releases are validated; when they
	# stop the build, what the opening found is not said.
	put_release build/2025-06-03-corrected.en.xml releases/2025/2025-06-03-corrected.en.xml &&
	sed "s|<field ref=\"elections\"/>|<field ref=\"electons\"/>|" \
		releases/2025/2025-06-03-corrected.en.xml >bad &&
	mv bad releases/2025/2025-06-03-corrected.en.xml &&
	run_expect 1 pr-publish build --out mine &&
	grep "unknown field of work .electons." err &&
	! grep "not made by" err &&
	test "$(cat mine/notes.txt)" = precious &&
	rm releases/2025/2025-06-03-corrected.en.xml
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

test_expect_success 'a forced build replaces the whole folder in one step' '
	echo stale >public/stale.html &&
	run_expect 0 pr-publish build --force &&
	! test -e public/stale.html &&
	diff -r snapshot public
'

test_expect_success 'two builds of one folder at once: the second stops, nothing changes' '
	cp -R public before-lock &&
	h=$(printf "%s" "$(pwd -P)/public" | sha256sum | cut -c1-16) &&
	flock "${TMPDIR:-/tmp}/pr-publish-build-$h.lock" sh -c "pr-publish build --force >lock.out 2>lock.err; echo \$? >lock.rc" &&
	test "$(cat lock.rc)" = 3 &&
	grep "another build of .public. is running" lock.err &&
	diff -r before-lock public
'

test_expect_success 'interrupted after committing: the next build finishes the job' '
	sed "s|<headline>OSCE and Republic of Korea conference|<headline>Interrupted conference|" \
		releases/2020/2020-10-15-korea-conference.en.xml >new &&
	mv new releases/2020/2020-10-15-korea-conference.en.xml &&
	PR_PUBLISH_TEST_INTERRUPT=after-journal run_expect 3 pr-publish build &&
	test -f .public.journal &&
	diff -r before-lock public &&
	run_expect 0 pr-publish build &&
	grep "is up to date" err &&
	! test -e .public.journal &&
	! ls -a | grep "^\.public\.new" &&
	grep -F "<h1>Interrupted conference" public/en/2020/2020-10-15-korea-conference.html &&
	run_expect 0 pr-publish build --out full &&
	diff -r full public
'

test_done
