#!/bin/sh
test_description='build: the sample archive as a website, checked by tidy and feedparser'
. "$(dirname "$0")/lib/test-lib.sh"

BASE=https://newsroom.osce.example/
PY=/usr/bin/python3
test -x $PY && $PY -c "import feedparser" 2>/dev/null && test_set_prereq FEEDPARSER
command -v tidy >/dev/null && test_set_prereq TIDY

test_expect_success 'build renders the sample archive into public/ beside site.xml' '
	make_archive &&
	cp -R "$REPO/releases/." releases/ &&
	run_expect 0 pr-publish build &&
	test_must_be_empty out &&
	grep "^build: [0-9]* pages, [0-9]* feeds, 7 other files rewritten; 0 unchanged; 0 removed; 8 releases published, 0 under embargo" err &&
	test -f public/index.html &&
	test -f public/style.css &&
	test -f public/sitemap.xml &&
	test -f public/.pr-publish-manifest
'

test_expect_success 'one page per release and language, at <lang>/<year>/<id>.html' '
	for f in releases/*/*.xml; do
		base=${f##*/} && id=${base%.*.xml} && lang=${base%.xml} && lang=${lang##*.} &&
		test -f "public/$lang/${id%%-*}/$id.html" || return 1
	done &&
	test $(find public -name "20??-??-??-*.html" | wc -l) = 8
'

test_expect_success 'each language has its index, archive, fields, sources and feeds' '
	for l in en fr de it ru es; do
		for f in index.html rss.xml atom.xml archive/index.html fields/index.html \
			 sources/index.html; do
			test -f "public/$l/$f" || { echo "missing $l/$f"; return 1; }
		done
	done &&
	test -f public/en/fields/countering-terrorism/index.html &&
	test -f public/en/fields/countering-terrorism/rss.xml &&
	test -f public/en/sources/secretariat/atom.xml &&
	test -f public/en/archive/2020/index.html &&
	test -f public/en/archive/2020/10/index.html
'

test_expect_success 'the dateline is the site'"'"'s, in each language and script' '
	grep -F "<span class=\"places\">SEOUL/VIENNA</span>, <time datetime=\"2020-10-15\">15 October 2020</time> –" public/en/2020/2020-10-15-korea-conference.html &&
	grep -F "SEOUL/WIEN</span>, <time datetime=\"2020-10-15\">15. Oktober 2020</time>" public/de/2020/2020-10-15-korea-conference.html &&
	grep -F "ГААГА</span>, <time datetime=\"2025-03-10\">10 марта 2025</time>" public/ru/2025/2025-03-10-minority-languages-digital-services.html &&
	grep -F "HELSINKI/VIENA</span>, <time datetime=\"2025-11-25\">25 de noviembre de 2025</time>" public/es/2025/2025-11-25-declaracion-violencia-contra-la-mujer.html &&
	grep -F "<time datetime=\"2024-10-01\">1er octobre 2024</time>" public/fr/2024/2024-10-01-seminaire-mediterranee-eau-climat-securite.html &&
	grep -F "<time datetime=\"2024-05-14\">14 maggio 2024</time>" public/it/2024/2024-05-14-formazione-polizia-frontiera-documenti-falsi.html
'

test_expect_success 'month headings: the nominative in Russian, the genitive in a date' '
	grep -F ">Март 2025<" public/ru/archive/index.html &&
	grep -F ">Noviembre de 2025<" public/es/archive/index.html &&
	grep -F ">October 2020<" public/en/archive/index.html
'

test_expect_success 'UI strings come in the page'"'"'s language' '
	grep -F ">Notes to editors</h2>" public/en/2020/2020-10-15-korea-conference.html &&
	grep -F ">Hinweise für Redaktionen</h2>" public/de/2020/2020-10-15-korea-conference.html &&
	grep -F ">Контакты</h2>" public/ru/2025/2025-03-10-minority-languages-digital-services.html &&
	grep -F ">Aggiornato: <time datetime=\"2024-05-16\">16 maggio 2024</time>" public/it/2024/2024-05-14-formazione-polizia-frontiera-documenti-falsi.html
'

test_expect_success 'fields of work and sources link to their listings, relatively' '
	page=public/en/2020/2020-10-15-korea-conference.html &&
	grep -F "<a href=\"../../en/fields/countering-terrorism/index.html\">Countering terrorism</a>" $page &&
	grep -F "<a href=\"../../en/sources/secretariat/index.html\">OSCE Secretariat</a>" $page &&
	grep -F "href=\"../../style.css\"" $page &&
	! grep -F "href=\"/" $page
'

test_expect_success 'language versions: hreflang alternates and a visible switcher' '
	page=public/en/2020/2020-10-15-korea-conference.html &&
	grep -F "<link rel=\"alternate\" hreflang=\"de\" href=\"${BASE}de/2020/2020-10-15-korea-conference.html\">" $page &&
	grep -F "<link rel=\"alternate\" hreflang=\"en\" href=\"${BASE}en/2020/2020-10-15-korea-conference.html\">" $page &&
	grep -F "<a href=\"../../de/2020/2020-10-15-korea-conference.html\" hreflang=\"de\" lang=\"de\">Deutsch</a>" $page &&
	grep -F "<link rel=\"canonical\" href=\"${BASE}en/2020/2020-10-15-korea-conference.html\">" $page
'

test_expect_success 'JSON-LD NewsArticle with translations, and Open Graph' '
	en=public/en/2020/2020-10-15-korea-conference.html &&
	de=public/de/2020/2020-10-15-korea-conference.html &&
	$PY - "$en" "$de" <<-\PYEOF
	import json, re, sys
	def ld(path):
	    html = open(path, encoding="utf-8").read()
	    m = re.search(r"<script type=\"application/ld\+json\">(.*?)</script>", html, re.S)
	    return html, json.loads(m.group(1))
	html, en = ld(sys.argv[1])
	_, de = ld(sys.argv[2])
	assert en["@type"] == "NewsArticle", en
	assert en["inLanguage"] == "en" and de["inLanguage"] == "de"
	assert en["dateline"] == "SEOUL/VIENNA, 15 October 2020", en["dateline"]
	assert en["datePublished"] == "2020-10-15T00:00:00Z"
	assert en["publisher"]["alternateName"] == "OSCE"
	assert en["workTranslation"] == [{"@id": de["url"]}], en.get("workTranslation")
	assert de["translationOfWork"] == {"@id": en["url"]}, de.get("translationOfWork")
	assert "<meta property=\"og:locale\" content=\"en_GB\">" in html
	assert "<meta property=\"og:locale:alternate\" content=\"de_DE\">" in html
	assert "<meta property=\"og:type\" content=\"article\">" in html
	PYEOF
'

test_expect_success 'listings are paginated by the site'"'"'s page-size, from the oldest' '
	# 3 English releases, one a page: the index shows the newest, page-2
	# the one before, page-1 the oldest; newer/older link them in turn.
	sed "s|<page-size>20</page-size>|<page-size>1</page-size>|" site.xml >site2.xml &&
	mv site2.xml site.xml &&
	run_expect 0 pr-publish build --out paged &&
	test -f paged/en/page-1.html &&
	test -f paged/en/page-2.html &&
	! test -f paged/en/page-3.html &&
	grep -F "2025-03-10-minority-languages-digital-services" paged/en/index.html &&
	grep -F "2024-12-05-court-of-conciliation" paged/en/page-2.html &&
	grep -F "2020-10-15-korea-conference" paged/en/page-1.html &&
	! grep -F "2020-10-15-korea-conference" paged/en/index.html paged/en/page-2.html &&
	grep -F "<a href=\"../en/page-2.html\" rel=\"next\">Older</a>" paged/en/index.html &&
	! grep -F "Newer" paged/en/index.html &&
	grep -F "<a href=\"../en/index.html\" rel=\"prev\">Newer</a>" paged/en/page-2.html &&
	grep -F "<span>Page 2: <time datetime=\"2024-12-05\">5 December 2024</time></span>" paged/en/page-2.html &&
	grep -F "<a href=\"../en/page-1.html\" rel=\"next\">Older</a>" paged/en/page-2.html &&
	grep -F "<a href=\"../en/page-2.html\" rel=\"prev\">Newer</a>" paged/en/page-1.html &&
	! grep -F "Older" paged/en/page-1.html &&
	grep -F "<title>Latest releases (Page 1) – " paged/en/page-1.html &&
	! grep -F " of " paged/en/page-1.html &&
	# the language versions of a listing are its index, not a numbered page
	grep -F "hreflang=\"de\" href=\"${BASE}de/index.html\"" paged/en/index.html &&
	! grep -F "hreflang" paged/en/page-1.html &&
	git checkout -q -- . 2>/dev/null; cp "$REPO/site.xml" site.xml
'

test_expect_success 'fewer than twice page-size: all on the index, no numbered page' '
	sed "s|<page-size>20</page-size>|<page-size>2</page-size>|" site.xml >site2.xml &&
	mv site2.xml site.xml &&
	run_expect 0 pr-publish build --out paged2 &&
	! test -f paged2/en/page-1.html &&
	test $(grep -o "<article class=\"teaser\">" paged2/en/index.html | wc -l) = 3 &&
	! grep -F "class=\"pagination\"" paged2/en/index.html &&
	cp "$REPO/site.xml" site.xml
'

# Teasers, headers and footers are made once a build for each depth of
# page and pasted into the others (src/fragments.h): a piece pasted at the
# wrong depth would send its links nowhere.
test_expect_success 'every relative link of every page leads to a file of the site' '
	$PY - public >dead <<-\PYEOF &&
	import os, re, sys
	root = sys.argv[1]
	checked = 0
	for d, _, files in os.walk(root):
	    for name in files:
	        if not name.endswith(".html"):
	            continue
	        page = os.path.join(d, name)
	        for href in re.findall(r"(?:href|src)=\"([^\"#]*)", open(page, encoding="utf-8").read()):
	            if not href or re.match(r"[a-z]+:", href):
	                continue
	            checked += 1
	            target = os.path.normpath(os.path.join(d, href.replace("%20", " ")))
	            if not os.path.isfile(target) or not target.startswith(root):
	                print(page, href)
	print("checked", checked, file=sys.stderr)
	PYEOF
	test_must_be_empty dead &&
	# the same release, listed at three depths, links to itself from each
	id=2020-10-15-korea-conference &&
	grep -F "<a href=\"../en/2020/$id.html\">" public/en/index.html &&
	grep -F "<a href=\"../../../en/2020/$id.html\">" public/en/archive/2020/index.html &&
	grep -F "<a href=\"../../../../en/2020/$id.html\">" public/en/archive/2020/10/index.html
'

test_expect_success TIDY 'every page is valid HTML according to tidy' '
	find public -name "*.html" | sort >pages &&
	test $(wc -l <pages) -gt 50 &&
	while read -r page; do
		tidy -q -e "$page" 2>tidy.err || { echo "$page"; cat tidy.err; return 1; }
	done <pages
'

test_expect_success FEEDPARSER 'every feed parses in feedparser, without bozo, with the right ids and dates' '
	$PY "$FIXTURES/build/check-feeds.py" check public $BASE 30 >feeds.out &&
	grep "^72 feeds, " feeds.out
'

test_expect_success FEEDPARSER 'feed items: guid from id and language, English RFC 822 dates, absolute links' '
	$PY "$FIXTURES/build/check-feeds.py" dump public/ru/rss.xml >ru.out &&
	grep -F "tag:newsroom.osce.example,2025-03-10:2025-03-10-minority-languages-digital-services/ru 2025-03-10T08:00:00Z" ru.out &&
	grep -F "<pubDate>Mon, 10 Mar 2025 08:00:00 +0000</pubDate>" public/ru/rss.xml &&
	grep -F "<lastBuildDate>Mon, 10 Mar 2025 08:00:00 +0000</lastBuildDate>" public/ru/rss.xml &&
	grep -F "<atom:link href=\"${BASE}ru/rss.xml\" rel=\"self\" type=\"application/rss+xml\"/>" public/ru/rss.xml &&
	grep -F "<guid isPermaLink=\"false\">" public/ru/rss.xml &&
	grep -F "<category domain=\"${BASE}ru/fields/\">" public/ru/rss.xml &&
	grep -F "<content:encoded>&lt;p&gt;&lt;strong&gt;ГААГА, 10 марта 2025 –" public/ru/rss.xml
'

test_expect_success FEEDPARSER 'a corrected release: Atom updated is the correction, published the release' '
	$PY "$FIXTURES/build/check-feeds.py" dump public/it/atom.xml >it.out &&
	grep -F "2024-05-14T00:00:00Z 2024-05-16T00:00:00Z" it.out &&
	grep -F "<updated>2024-05-16T00:00:00Z</updated>" public/it/atom.xml &&
	grep -F "<lastBuildDate>Thu, 16 May 2024 00:00:00 +0000</lastBuildDate>" public/it/rss.xml
'

test_expect_success 'the sitemap lists pages with their language versions' '
	grep -F "<loc>${BASE}en/2020/2020-10-15-korea-conference.html</loc>" public/sitemap-2020.xml &&
	grep -F "<xhtml:link rel=\"alternate\" hreflang=\"de\" href=\"${BASE}de/2020/2020-10-15-korea-conference.html\"/>" public/sitemap-2020.xml &&
	! grep -F "2024-" public/sitemap-2020.xml &&
	grep -F "<loc>${BASE}en/2024/2024-12-05-court-of-conciliation-and-arbitration-30-years.html</loc>" public/sitemap-2024.xml &&
	grep -F "<loc>${BASE}en/index.html</loc>" public/sitemap-pages.xml &&
	! grep -F "/20" public/sitemap-pages.xml &&
	for f in public/sitemap*.xml; do xmllint --noout "$f" || return 1; done
'

test_expect_success 'sitemap.xml is an index of one sitemap per year and one of the other pages' '
	$PY - public <<-\PYEOF
	import sys, xml.etree.ElementTree as ET
	ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
	root = ET.parse(sys.argv[1] + "/sitemap.xml").getroot()
	assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex", root.tag
	got = [(s.find("s:loc", ns).text, s.find("s:lastmod", ns).text) for s in root.findall("s:sitemap", ns)]
	base = "https://newsroom.osce.example/"
	assert got == [
	    (base + "sitemap-pages.xml", "2025-11-25T00:00:00Z"),
	    (base + "sitemap-2025.xml", "2025-11-25T00:00:00Z"),
	    (base + "sitemap-2024.xml", "2024-12-05T00:00:00Z"),
	    (base + "sitemap-2020.xml", "2020-10-15T00:00:00Z"),
	], got
	urls = set()
	for loc, _ in got:
	    part = ET.parse(sys.argv[1] + "/" + loc[len(base):]).getroot()
	    assert part.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset", part.tag
	    urls |= {u.find("s:loc", ns).text for u in part.findall("s:url", ns)}
	# every release page and language home, once, and the front door
	assert len(urls) == 8 + 6 + 1, sorted(urls)
	PYEOF
'

test_expect_success '--out puts the site elsewhere; a build in another folder finds the archive' '
	mkdir sub &&
	(cd sub && run_expect 0 pr-publish build --out ../elsewhere -q) &&
	test_must_be_empty sub/err &&
	test -f elsewhere/en/index.html
'

test_expect_success 'stylesheets: the archive'"'"'s own stylesheets/ win over the shipped ones' '
	cp -R "$REPO/stylesheets" stylesheets &&
	sed "s|<text xml:lang=\"en\">Notes to editors</text>|<text xml:lang=\"en\">Editors, note</text>|" \
		"$REPO/stylesheets/labels.xml" >stylesheets/labels.xml &&
	run_expect 0 pr-publish build --out own &&
	grep -F ">Editors, note</h2>" own/en/2020/2020-10-15-korea-conference.html &&
	rm -rf stylesheets
'

test_expect_success 'without stylesheets anywhere: a system error naming what to do' '
	PR_PUBLISH_STYLESHEETS=/nonexistent run_expect 3 pr-publish build --out none &&
	grep "no stylesheets" err &&
	! test -e none
'

# The releases are walked while the site file is read (cmd_build()): what
# the walk finds is reported only when the site is good, once, in its place.
test_expect_success 'the walk begun before the site file is read reports once, or not at all' '
	mkdir -p early &&
	cp site.xml early/ &&
	(cd early && run_expect 3 pr-publish build -q) &&
	test "$(grep -c "cannot open .releases.: No such file" early/err)" = 1 &&
	test $(wc -l <early/err) = 1 &&
	echo "<site" >early/site.xml &&
	(cd early && run_expect 1 pr-publish build -q) &&
	grep "site.xml:2:1: error: .*\[xml-syntax\]" early/err &&
	! grep releases early/err &&
	mkdir -p early/releases/2020 &&
	cp releases/2020/2020-10-15-korea-conference.en.xml early/releases/2020/ &&
	cp site.xml early/ &&
	(cd early && run_expect 0 pr-publish build --out ../early-own) &&
	grep " 1 releases published" early/err &&
	(cd early && PR_PUBLISH_SITE=../site.xml run_expect 0 pr-publish build --out ../early-out) &&
	grep " 8 releases published" early/err
'

test_expect_success 'build -h documents the command; a stray argument is a usage error' '
	run_expect 0 pr-publish build -h &&
	grep -e "--out=DIR" out &&
	grep -e "--force" out &&
	run_expect 2 pr-publish build releases
'

test_done
