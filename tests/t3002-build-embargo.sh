#!/bin/sh
test_description='build: an embargoed release appears nowhere until its time; a withdrawn one leaves a notice'
. "$(dirname "$0")/lib/test-lib.sh"

ID=2026-12-01-embargoed-statement

test_expect_success 'set up: the samples and a release under embargo in two languages' '
	make_archive &&
	cp -R "$REPO/releases/." releases/ &&
	put_release build/$ID.en.xml releases/2026/$ID.en.xml &&
	put_release build/$ID.ru.xml releases/2026/$ID.ru.xml
'

test_expect_success 'before the embargo: built, and the next embargo named on stdout' '
	run_expect 0 pr-publish build &&
	echo "next embargo: 2026-12-01T08:00:00Z $ID" >expect &&
	test_cmp expect out &&
	grep "8 releases published, 2 under embargo" err
'

test_expect_success 'before the embargo: no page, listing, feed or sitemap mentions it' '
	! test -e public/en/2026 &&
	! test -e public/ru/2026 &&
	! grep -rl -e "$ID" -e "EMBARGOED-TEXT" -e "Embargoed statement" public &&
	! test -e public/en/fields/elections &&
	! test -e public/en/archive/2026
'

test_expect_success 'a minute before it lifts, still nothing' '
	PR_PUBLISH_NOW=2026-12-01T07:59:00Z run_expect 0 pr-publish build &&
	! grep -rl "$ID" public &&
	grep "next embargo: 2026-12-01T08:00:00Z" out
'

test_expect_success 'once PR_PUBLISH_NOW passes the embargo it is everywhere' '
	PR_PUBLISH_NOW=2026-12-01T08:00:00Z run_expect 0 pr-publish build &&
	test_must_be_empty out &&
	grep "10 releases published, 0 under embargo" err &&
	test -f public/en/2026/$ID.html &&
	test -f public/ru/2026/$ID.html &&
	grep -F "EMBARGOED-TEXT" public/en/2026/$ID.html &&
	grep -F "$ID.html" public/en/index.html &&
	grep -F "$ID.html" public/en/fields/elections/index.html &&
	grep -F "$ID.html" public/en/archive/2026/12/index.html &&
	grep -F "<loc>https://newsroom.osce.example/en/2026/$ID.html</loc>" public/sitemap-2026.xml &&
	grep -F "tag:newsroom.osce.example,2026-12-01:$ID/en" public/en/rss.xml &&
	grep -F "<pubDate>Tue, 01 Dec 2026 08:00:00 +0000</pubDate>" public/en/rss.xml &&
	grep -F "<published>2026-12-01T08:00:00Z</published>" public/en/atom.xml &&
	grep -F "ВЕНА</span>, <time datetime=\"2026-12-01\">1 декабря 2026</time>" public/ru/2026/$ID.html
'

test_expect_success 'the published pages are the same as a fresh build'"'"'s' '
	PR_PUBLISH_NOW=2026-12-01T08:00:00Z run_expect 0 pr-publish build --out fresh &&
	diff -r public fresh
'

test_expect_success 'a withdrawn release: a notice at its address, gone from listings, feeds, sitemap' '
	put_release build/2025-06-04-withdrawn.en.xml releases/2025/2025-06-04-withdrawn.en.xml &&
	PR_PUBLISH_NOW=2026-12-01T08:00:00Z run_expect 0 pr-publish build &&
	page=public/en/2025/2025-06-04-withdrawn.html &&
	grep -F "<p class=\"withdrawn\">This release was withdrawn on 5 June 2025. It was issued before the text was cleared.</p>" $page &&
	grep -F "<meta name=\"robots\" content=\"noindex\">" $page &&
	! grep -F "WITHDRAWN-" $page &&
	! grep -F "application/ld+json" $page &&
	! grep -rlF "2025-06-04-withdrawn" public --exclude=2025-06-04-withdrawn.html --exclude=.pr-publish-manifest
'

test_done
