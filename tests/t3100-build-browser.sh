#!/bin/sh
test_description='build: a real browser (headless Chromium) shows the page'
. "$(dirname "$0")/lib/test-lib.sh"

command -v chromium >/dev/null && test_set_prereq CHROMIUM

# The text of the page's dateline paragraph, tags removed.
dateline_text() {
	grep -o "<p class=\"dateline\">.*</p>" "$1" | sed "s|</p>.*||; s/<[^>]*>//g"
}

# Headless, offline, in a profile of its own (as root, without a sandbox).
dump_dom() {
	profile=$(mktemp -d) &&
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --dump-dom "file://$1" 2>/dev/null
	status=$?
	rm -rf "$profile"
	return $status
}

test_expect_success 'build the sample archive' '
	cp "$REPO/site.xml" . && cp -r "$REPO/releases" . &&
	pr-publish build -q --out "$PWD/public" &&
	test -f public/en/2020/2020-10-15-korea-conference.html
'

test_expect_success CHROMIUM 'the page opened from disk shows headline, dateline and body' '
	dump_dom "$PWD/public/en/2020/2020-10-15-korea-conference.html" >dom.html &&
	grep "<h1[^>]*>OSCE and Republic of Korea conference" dom.html &&
	test "$(dateline_text dom.html)" = "SEOUL/VIENNA, 15 October 2020 –" &&
	grep "Transnational Threats Department" dom.html &&
	grep "<html lang=\"en\"" dom.html
'

test_expect_success CHROMIUM 'the German and Russian pages show localised datelines' '
	dump_dom "$PWD/public/de/2020/2020-10-15-korea-conference.html" >de.html &&
	test "$(dateline_text de.html)" = "SEOUL/WIEN, 15. Oktober 2020 –" &&
	dump_dom "$PWD/public/ru/2025/2025-03-10-minority-languages-digital-services.html" >ru.html &&
	dateline_text ru.html | grep "10 марта 2025"
'

test_expect_success CHROMIUM 'a <script> in a headline stays text in the browser' '
	mkdir -p hostile/releases/2021 && cp "$REPO/site.xml" hostile/ &&
	sed "s|<headline>[^<]*</headline>|<headline>\&lt;script\&gt;document.title=\"pwned\"\&lt;/script\&gt; Visit</headline>|" \
		"$REPO/releases/2020/2020-10-15-korea-conference.en.xml" |
	sed "s/2020-10-15-korea-conference/2021-01-05-visit/; s|<date>2020-10-15</date>|<date>2021-01-05</date>|" \
		>hostile/releases/2021/2021-01-05-visit.en.xml &&
	pr-publish build -q --site hostile/site.xml --out "$PWD/hostile/public" &&
	dump_dom "$PWD/hostile/public/en/2021/2021-01-05-visit.html" >x.html &&
	grep "&lt;script&gt;document.title" x.html &&
	! grep "<title>pwned" x.html
'

test_done
