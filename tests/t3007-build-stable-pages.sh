#!/bin/sh
test_description='build: a new release rewrites its listings'"'"' indexes, not their numbered pages'
. "$(dirname "$0")/lib/test-lib.sh"

COURT=releases/2024/2024-12-05-court-of-conciliation-and-arbitration-30-years.en.xml

# "inode path" of every file: a rewritten file gets a new inode, a carried
# over one keeps it (hard link from the previous build).
inodes() {
	(cd public && find . -type f ! -name .pr-publish-manifest ! -name .pr-publish-plan -printf "%i %P\n" | LC_ALL=C sort -k2)
}

# The files of after that are new or have another inode than in before.
rewritten() {
	awk 'NR == FNR { was[$2] = $1; next } was[$2] != $1 { print $2 }' "$1" "$2"
}

# new_court DATE: the court release again, as a new English release of DATE.
new_court() {
	id=$1-court-again &&
	mkdir -p releases/${1%%-*} &&
	sed -e "s|2024-12-05-court-of-conciliation-and-arbitration-30-years|$id|" \
		-e "s|<date>2024-12-05</date>|<date>$1</date>|g" $COURT >releases/${1%%-*}/$id.en.xml
}

test_expect_success 'the samples, one release a page' '
	make_archive &&
	cp -R "$REPO/releases/." releases/ &&
	sed "s|<page-size>20</page-size>|<page-size>1</page-size>|" site.xml >site2.xml &&
	mv site2.xml site.xml &&
	run_expect 0 pr-publish build &&
	test -f public/en/page-2.html &&
	! test -f public/en/page-3.html &&
	cp public/en/page-1.html page-1.before &&
	inodes >before
'

test_expect_success 'a new newest release rewrites exactly its indexes, the new and the last numbered page, feeds, sitemaps' '
	new_court 2025-12-01 &&
	run_expect 0 pr-publish build &&
	grep "^build: 16 pages, 8 feeds, 3 other files rewritten; 139 unchanged; 0 removed" err &&
	inodes >after &&
	rewritten before after >got &&
	cat >expect <<-\EOF &&
	en/2025/2025-12-01-court-again.html
	en/archive/2025/12/index.html
	en/archive/2025/index.html
	en/archive/2025/page-1.html
	en/archive/index.html
	en/atom.xml
	en/fields/conflict-prevention-and-resolution/atom.xml
	en/fields/conflict-prevention-and-resolution/index.html
	en/fields/conflict-prevention-and-resolution/page-1.html
	en/fields/conflict-prevention-and-resolution/rss.xml
	en/fields/index.html
	en/fields/rule-of-law/atom.xml
	en/fields/rule-of-law/index.html
	en/fields/rule-of-law/page-1.html
	en/fields/rule-of-law/rss.xml
	en/index.html
	en/page-2.html
	en/page-3.html
	en/rss.xml
	en/sources/court-of-conciliation-and-arbitration/atom.xml
	en/sources/court-of-conciliation-and-arbitration/index.html
	en/sources/court-of-conciliation-and-arbitration/page-1.html
	en/sources/court-of-conciliation-and-arbitration/rss.xml
	en/sources/index.html
	sitemap-2025.xml
	sitemap-pages.xml
	sitemap.xml
	EOF
	test_cmp expect got &&
	# the page that was newest now links to the new one, which links to the index
	grep -F "<a href=\"../en/page-3.html\" rel=\"prev\">Newer</a>" public/en/page-2.html &&
	grep -F "<a href=\"../en/index.html\" rel=\"prev\">Newer</a>" public/en/page-3.html &&
	grep -F "<a href=\"../en/page-3.html\" rel=\"next\">Older</a>" public/en/index.html &&
	grep -F "2025-12-01-court-again.html" public/en/index.html &&
	grep -F "2025-03-10-minority-languages-digital-services.html" public/en/page-3.html &&
	grep -F "<loc>https://newsroom.osce.example/en/2025/2025-12-01-court-again.html</loc>" public/sitemap-2025.xml
'

test_expect_success 'a numbered page keeps its bytes as newer releases come' '
	new_court 2026-01-05 &&
	new_court 2026-02-10 &&
	run_expect 0 pr-publish build &&
	test -f public/en/page-5.html &&
	cmp page-1.before public/en/page-1.html &&
	grep -F "2020-10-15-korea-conference.html" public/en/page-1.html &&
	inodes >after2 &&
	rewritten after after2 >got &&
	# page-3 was the newest numbered page: only its "newer" link changed
	grep "^en/page-3.html$" got &&
	! grep -e "^en/page-[12].html$" -e "^sitemap-202[0-5].xml$" got
'

test_expect_success 'a change on a numbered page rewrites that page, not the index' '
	inodes >before &&
	sed "s|<headline>OSCE and Republic of Korea conference|<headline>OSCE and Korea conference|" \
		releases/2020/2020-10-15-korea-conference.en.xml >new &&
	mv new releases/2020/2020-10-15-korea-conference.en.xml &&
	run_expect 0 pr-publish build &&
	inodes >after &&
	rewritten before after >got &&
	grep "^en/page-1.html$" got &&
	! grep -e "^en/index.html$" -e "^en/page-[2-5].html$" got &&
	grep -F "OSCE and Korea conference" public/en/page-1.html
'

test_expect_success 'and the result is byte for byte a full build'"'"'s' '
	run_expect 0 pr-publish build --out full &&
	diff -r full public
'

test_done
