#!/bin/sh
test_description='build: the same archive gives the same bytes, whatever the clock, order or place'
. "$(dirname "$0")/lib/test-lib.sh"

fixtures="2025-06-02-hostile-headline.en.xml 2025-06-03-corrected.en.xml"

test_expect_success 'an archive built once' '
	mkdir a && (cd a && make_archive && cp -R "$REPO/releases/." releases/ &&
		for f in $fixtures; do put_release build/$f releases/2025/$f || return 1; done &&
		pr-publish build -q) &&
	test -f a/public/en/2025/2025-06-03-corrected.html
'

test_expect_success 'the same releases copied in reverse order, with other times, elsewhere' '
	mkdir -p b/deeper/path && cp "$REPO/site.xml" b/deeper/path/site.xml &&
	(cd a && find releases -name "*.xml" | sort -r) >list &&
	while read -r f; do
		mkdir -p "b/deeper/path/$(dirname "$f")" &&
		cp "a/$f" "b/deeper/path/$f" &&
		touch -d "2001-02-03 04:05:06" "b/deeper/path/$f" || return 1
	done <list &&
	(cd b/deeper/path && PR_PUBLISH_NOW=2031-01-01T00:00:00Z TZ=Pacific/Kiritimati \
		LC_ALL=C.UTF-8 pr-publish build -q) &&
	diff -r a/public b/deeper/path/public
'

# Listings go by date (newest first), then id, then language.  The files
# come by path, which is that order but where an id is another's prefix:
# "osce-2.en.xml" comes before "osce.en.xml", and "osce" before "osce-2".
test_expect_success 'listings are by date, then id, whatever the order of the paths' '
	mkdir c && (cd c && make_archive && cp -R "$REPO/releases/." releases/ &&
		korea_release 2020-10-15-osce >releases/2020/2020-10-15-osce.en.xml &&
		korea_release 2020-10-15-osce-2 >releases/2020/2020-10-15-osce-2.en.xml &&
		pr-publish build -q) &&
	grep -o "2020/2020-10-15-[a-z0-9-]*\.html" c/public/en/index.html | uniq >order &&
	printf "%s\n" 2020/2020-10-15-korea-conference.html 2020/2020-10-15-osce.html \
		2020/2020-10-15-osce-2.html >expect &&
	test_cmp expect order &&
	grep -o "[0-9]*/20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]" c/public/en/index.html |
		sed "s|.*/||" >dates &&
	test $(wc -l <dates) -gt 3 && sort -r dates >newest-first && test_cmp newest-first dates
'

test_expect_success 'a second build changes nothing and says so' '
	(cd a && run_expect 0 pr-publish build) &&
	grep "is up to date" a/err
'

test_expect_success 'a forced full rebuild gives the same bytes' '
	cp -R a/public before &&
	(cd a && pr-publish build -q --force) &&
	diff -r before a/public
'

test_expect_success 'the manifest lists every output, sorted, with its input hash' '
	(cd a/public && find . -type f ! -name .pr-publish-manifest ! -name .pr-publish-plan | sed "s|^\./||" | LC_ALL=C sort) >files &&
	sed "1d;/^record /d" a/public/.pr-publish-manifest | cut -d" " -f2 >listed &&
	test_cmp files listed &&
	head -1 a/public/.pr-publish-manifest >head &&
	echo "pr-publish-manifest 1" >expect &&
	test_cmp expect head
'

# Stylesheets that name generate-id() may write into the releases they are
# handed, so every output then loads its own copy, and a release's feed
# text is made for each feed anew instead of kept (render_memo): the
# same bytes either way.
test_expect_success 'stylesheets that load a release per output give the same bytes' '
	mkdir a/stylesheets &&
	cp "$REPO"/stylesheets/* a/stylesheets/ &&
	sed "s|<xsl:template match=\"item\">|&<xsl:variable name=\"unused\" select=\"generate-id(.)\"/>|" \
		"$REPO/stylesheets/rss.xsl" >a/stylesheets/rss.xsl &&
	grep -q "generate-id" a/stylesheets/rss.xsl &&
	(cd a && pr-publish build -q --out own) &&
	rm -rf a/stylesheets &&
	diff -r -x .pr-publish-manifest -x .pr-publish-plan a/public a/own
'

test_done
