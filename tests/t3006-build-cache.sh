#!/bin/sh
test_description='build: the summary cache beside the output is used only when it matches'
. "$(dirname "$0")/lib/test-lib.sh"

KOREA=releases/2020/2020-10-15-korea-conference.en.xml

test_expect_success 'a build writes the cache beside the output, not in it' '
	make_archive &&
	cp -R "$REPO/releases/." releases/ &&
	pr-publish build -q &&
	test -s .public.cache &&
	head -1 .public.cache | grep "^pr-publish-summary-cache " &&
	! test -e public/.public.cache
'

test_expect_success 'a rebuild from the cache makes the same bytes as one without' '
	pr-publish build -q --out nocache-first &&
	rm .nocache-first.cache &&
	pr-publish build -q --force --out forced &&
	diff -r public nocache-first &&
	diff -r public forced &&
	rm -rf nocache-first forced .forced.cache
'

test_expect_success 'a changed file is read again (same size, new mtime)' '
	sed "s|<headline>OSCE and Republic of Korea conference|<headline>OSCE and Republic of Korea CONFERENCE|" \
		$KOREA >new && test $(wc -c <new) = $(wc -c <$KOREA) && mv new $KOREA &&
	run_expect 0 pr-publish build &&
	grep -F "OSCE and Republic of Korea CONFERENCE" public/en/2020/2020-10-15-korea-conference.html &&
	grep -F "OSCE and Republic of Korea CONFERENCE" public/en/index.html
'

test_expect_success 'a file changed to be invalid is validated again' '
	cp -p $KOREA keep &&
	sed "s|<field ref=\"countering-terrorism\"/>|<field ref=\"countering-terrorizm\"/>|" keep >$KOREA &&
	run_expect 1 pr-publish build &&
	grep "field-unknown" err &&
	cp keep $KOREA
'

test_expect_success 'a corrupt cache is ignored, and rebuilt' '
	pr-publish build -q &&
	cp public/en/index.html before.html &&
	sed "s/OSCE/XXXX/g" .public.cache >bad && mv bad .public.cache &&
	run_expect 0 pr-publish build &&
	test_cmp before.html public/en/index.html &&
	head -c 100 .public.cache >bad && mv bad .public.cache &&
	run_expect 0 pr-publish build &&
	test_cmp before.html public/en/index.html &&
	echo "not a cache" >.public.cache &&
	run_expect 0 pr-publish build --force &&
	test_cmp before.html public/en/index.html &&
	test "$(head -c 24 .public.cache)" = pr-publish-summary-cache &&
	test $(wc -c <.public.cache) -gt 1000
'

test_expect_success 'a file whose key is unchanged is taken from the cache, not read' '
	pr-publish build -q &&
	cp -p $KOREA keep &&
	sed "s|<headline>OSCE and Republic of Korea CONFERENCE|<headline>OSCE and Republic of Korea Conference|" \
		keep >new && test $(wc -c <new) = $(wc -c <$KOREA) &&
	cat new >$KOREA && touch -r keep $KOREA &&
	run_expect 0 pr-publish build &&
	grep -F "OSCE and Republic of Korea CONFERENCE" public/en/index.html &&
	run_expect 0 pr-publish build --force &&
	grep -F "OSCE and Republic of Korea Conference" public/en/index.html &&
	cp keep $KOREA
'

test_expect_success 'a changed version is checked against its cached language versions' '
	KOREA_DE=releases/2020/2020-10-15-korea-conference.de.xml &&
	pr-publish build -q &&
	cp -p $KOREA_DE keep-de &&
	sed "s|<field ref=\"cyber-ict-security\"/>|<field ref=\"arms-control\"/>|" keep-de >$KOREA_DE &&
	run_expect 1 pr-publish build &&
	grep "korea-conference.en.xml:15:3: error: the en version .* has fields of work .countering-terrorism cyber-ict-security. but the de version .* has .arms-control countering-terrorism.; language versions must agree \\[translation\\]" err &&
	cp -p keep-de $KOREA_DE &&
	run_expect 0 pr-publish build
'

test_expect_success 'a cache for another site file is not used' '
	sed "s|<headline>OSCE and Republic of Korea CONFERENCE|<headline>OSCE and Korea|" $KOREA >new &&
	touch -r $KOREA new && mv new $KOREA &&
	cp .public.cache old-cache &&
	printf "\n" >>site.xml &&
	run_expect 0 pr-publish build &&
	grep -F "<h1>OSCE and Korea" public/en/2020/2020-10-15-korea-conference.html
'

test_expect_success 'the cache is trusted only for the exact key: --force reads every file' '
	sed "s|<headline>OSCE and Korea|<headline>OSCE und Korea|" $KOREA >new &&
	touch -r $KOREA new && mv new $KOREA &&
	run_expect 0 pr-publish build --force &&
	grep -F "<h1>OSCE und Korea" public/en/2020/2020-10-15-korea-conference.html &&
	pr-publish build -q --out plain && rm .plain.cache &&
	diff -r public plain
'

# usage: cache_id: the cache file's inode and mtime (a rewrite changes both)
cache_id() {
	stat -c "%i %Y.%y" .public.cache
}

test_expect_success 'a few changed files are read again each time; the cache is rewritten after 16' '
	mkdir -p releases/2019 &&
	for i in $(test_seq 1 20); do
		korea_release 2019-05-0$((i % 9 + 1))-cache-$i |
		sed "s/2020-10-15/2019-05-0$((i % 9 + 1))/g" \
			>releases/2019/2019-05-0$((i % 9 + 1))-cache-$i.en.xml || return 1
	done &&
	pr-publish build -q &&
	before=$(cache_id) &&
	for i in $(test_seq 1 15); do
		f=releases/2019/2019-05-0$((i % 9 + 1))-cache-$i.en.xml &&
		sed "s|<headline>|<headline>Changed $i: |" $f >new && mv new $f &&
		pr-publish build -q &&
		grep -F "Changed $i: " public/en/index.html public/en/2019/*.html >/dev/null &&
		test "$(cache_id)" = "$before" || return 1
	done &&
	# every change is still seen, from the files (not a stale cache)
	pr-publish build -q --out check-full --force &&
	diff -r public check-full &&
	rm -rf check-full .check-full.cache &&
	f=releases/2019/2019-05-08-cache-16.en.xml &&
	sed "s|<headline>|<headline>Changed 16: |" $f >new && mv new $f &&
	pr-publish build -q &&
	test "$(cache_id)" != "$before" &&
	# and the rewritten cache holds the changes
	pr-publish build -q >out 2>&1 &&
	test_must_be_empty out &&
	grep -F "Changed 16: " public/en/2019/2019-05-08-cache-16.html
'

test_expect_success 'a clock that goes back checks future dates again' '
	PR_PUBLISH_NOW=2020-10-01T00:00:00Z run_expect 1 pr-publish build &&
	grep "date-future" err
'

test_done
