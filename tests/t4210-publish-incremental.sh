#!/bin/sh
test_description='publish renders incrementally: summaries cached by blob, the site tree updated

Publishing keeps the summaries of main'"'"'s releases in a cache keyed by
blob id, renders into public/ through the journal, and makes the site
branch'"'"'s tree from the stamp public/ carries plus what the build
rewrote.  Whatever the path (cache or not, stamp or full walk, killed
between main and the journal), the site branch must hold exactly the files
of public/.'
. "$(dirname "$0")/lib/test-lib.sh"


# usage: draft ID: a draft of release ID in arch/drafts
draft() {
	korea_release "$1" >"arch/drafts/$1.en.xml"
}

publish() {
	(cd arch && pr-publish publish -q "drafts/$1.en.xml")
}

stamp_is_site() {
	echo "site-tree $(git -C arch rev-parse "site^{tree}")" >expect.stamp &&
	test_cmp expect.stamp arch/public/.pr-publish-stamp
}

# usage: killed_publish ID: publish, killed by SIGKILL after main and the
# site branch moved, before the journal of public/ is committed
killed_publish() {
	(cd arch && PR_PUBLISH_TEST_INTERRUPT=publish-before-journal \
		exec pr-publish publish -q "drafts/$1.en.xml") 2>/dev/null
	test $? = 137
}

CACHE=arch/.git/pr-publish-summaries.cache
WALK_CACHE=arch/.git/pr-publish-site.cache

test_expect_success 'an archive of 20 releases, published once: caches filled, public/ stamped' '
	bulk_archive arch 100 119 &&
	draft 2020-10-15-first && publish 2020-10-15-first &&
	test -s $CACHE &&
	site_is_current arch && stamp_is_site
'

test_expect_success 'publications and a withdraw: the updated site tree equals the folder, without a walk' '
	rm -f $WALK_CACHE &&
	for i in 1 2 3; do
		draft 2020-10-15-next-$i && publish 2020-10-15-next-$i &&
		site_is_current arch && stamp_is_site || return 1
	done &&
	(cd arch && pr-publish withdraw -q 2020-10-15-next-2 --reason "Published by mistake.") &&
	site_is_current arch && stamp_is_site &&
	grep -q "Published by mistake" arch/public/en/2020/2020-10-15-next-2.html &&
	# the folder was never walked: that would have written its stat cache
	test ! -e $WALK_CACHE
'

test_expect_success 'build --commit renders the same way and leaves the site current' '
	(cd arch && pr-publish build -q --commit) &&
	site_is_current arch && stamp_is_site &&
	test ! -e $WALK_CACHE
'

test_expect_success 'public/ deleted by hand: the next publication walks the new folder' '
	rm -rf arch/public &&
	draft 2020-10-15-after-rm && publish 2020-10-15-after-rm &&
	site_is_current arch && stamp_is_site &&
	test -e $WALK_CACHE
'

test_expect_success 'public/ rebuilt by build: its stamp goes, the next publication walks it' '
	rm -f $WALK_CACHE &&
	echo "<p>by hand</p>" >arch/public/extra.html &&
	(cd arch && pr-publish build -q --force) &&
	test ! -e arch/public/.pr-publish-stamp &&
	draft 2020-10-15-after-build && publish 2020-10-15-after-build &&
	site_is_current arch && stamp_is_site &&
	test -e $WALK_CACHE
'

test_expect_success 'the site branch moved by someone else: the tree still equals the folder' '
	git -C arch branch -f site site~2 &&
	draft 2020-10-15-after-move && publish 2020-10-15-after-move &&
	site_is_current arch && stamp_is_site
'

test_expect_success 'killed between main and the journal: public/ lags, the next publication repairs it' '
	draft 2020-10-15-killed &&
	before=$(cd arch/public && find . -type f | sort | xargs sha256sum | sha256sum) &&
	killed_publish 2020-10-15-killed &&
	git -C arch cat-file -e main:releases/2020/2020-10-15-killed.en.xml &&
	git -C arch log -1 --format=%B site | grep -q "^Source: $(git -C arch rev-parse main)$" &&
	# public/ is as it was, stamp and all; nothing staged is left
	after=$(cd arch/public && find . -type f | sort | xargs sha256sum | sha256sum) &&
	test "$before" = "$after" &&
	test ! -e arch/public/en/2020/2020-10-15-killed.html &&
	draft 2020-10-15-repair && publish 2020-10-15-repair &&
	site_is_current arch && stamp_is_site &&
	test -f arch/public/en/2020/2020-10-15-killed.html &&
	test -z "$(ls -a arch | grep "^\.public\.new-")"
'

test_expect_success 'killed between main and the journal, then tried again: the site catches up' '
	draft 2020-10-15-killed-again &&
	killed_publish 2020-10-15-killed-again &&
	test ! -e arch/public/en/2020/2020-10-15-killed-again.html &&
	(cd arch && pr-publish publish -q drafts/2020-10-15-killed-again.en.xml) 2>err &&
	grep "is already published as it is" err &&
	site_is_current arch && stamp_is_site &&
	test -f arch/public/en/2020/2020-10-15-killed-again.html
'

test_expect_success 'a damaged summary cache is ignored' '
	# The same length, another text: only the checksum can tell.
	sed "s/Republic of Korea/Republic of Kxrea/g" $CACHE >cache.bad &&
	! cmp -s cache.bad $CACHE &&
	cp cache.bad $CACHE &&
	git -C arch rm -q releases/2020/2020-10-15-bulk-100.en.xml &&
	git -C arch commit -q -m "drop one" &&
	(cd arch && pr-publish build -q --commit) &&
	site_is_current arch &&
	! grep -r "Kxrea" arch/public &&
	grep -q "Republic of Korea" arch/public/en/index.html
'

test_expect_success 'a cached summary is never used for another blob at the same path' '
	draft 2020-10-15-fill && publish 2020-10-15-fill &&
	# cache every summary of main as it is now
	for i in $(test_seq 1 16); do
		korea_release 2020-10-15-fill-$i >arch/releases/2020/2020-10-15-fill-$i.en.xml || return 1
	done &&
	git -C arch add releases && git -C arch commit -q -m "16 more" &&
	(cd arch && pr-publish build -q --commit) &&
	grep -q "2020-10-15-bulk-101.en.xml" $CACHE &&
	# the same path, another blob: a new headline
	sed "s|<headline>OSCE and Republic of Korea conference|<headline>Changed headline of 101|" \
		arch/releases/2020/2020-10-15-bulk-101.en.xml >x &&
	mv x arch/releases/2020/2020-10-15-bulk-101.en.xml &&
	git -C arch commit -q -a -m "change 101 behind the cache" &&
	(cd arch && pr-publish build -q --commit) &&
	site_is_current arch &&
	grep -rq "Changed headline of 101" arch/public/en/index.html arch/public/en/page-*.html
'

# usage: release_of ID DATE: the Korea release as ID, dated DATE
release_of() {
	korea_release "$1" | sed "s|<date>2020-10-15</date>|<date>$2</date>|"
}

test_expect_success 'a year folder is cached whole, under its tree' '
	mkdir -p arch/releases/2021 &&
	for i in 1 2 3; do
		release_of 2021-03-0$i-year 2021-03-0$i >arch/releases/2021/2021-03-0$i-year.en.xml ||
		return 1
	done &&
	git -C arch add releases && git -C arch commit -q -m "2021 by hand" &&
	rm -f $CACHE &&
	draft 2020-10-15-year-1 && publish 2020-10-15-year-1 &&
	# the folder is in the cache as a group, named by its prefix alone
	tr "\000" "\n" <$CACHE | grep -qx "releases/2021/" &&
	draft 2020-10-15-year-2 && publish 2020-10-15-year-2 &&
	site_is_current arch &&
	for i in 1 2 3; do
		test -f arch/public/en/2021/2021-03-0$i-year.html || return 1
	done &&
	grep -q "2021-03-03-year" arch/public/en/index.html
'

test_expect_success 'a year folder changed with git commands is read again' '
	sed "s|<headline>OSCE and Republic of Korea conference|<headline>Changed by hand in 2021|" \
		arch/releases/2021/2021-03-01-year.en.xml >x &&
	mv x arch/releases/2021/2021-03-01-year.en.xml &&
	git -C arch rm -q releases/2021/2021-03-02-year.en.xml &&
	release_of 2021-03-04-year 2021-03-04 >arch/releases/2021/2021-03-04-year.en.xml &&
	git -C arch add releases && git -C arch commit -q -a -m "2021 changed by hand" &&
	# published into another year: 2021 is only read for its summaries
	draft 2020-10-15-year-3 && publish 2020-10-15-year-3 &&
	site_is_current arch &&
	grep -q "Changed by hand in 2021" arch/public/en/2021/2021-03-01-year.html &&
	test ! -e arch/public/en/2021/2021-03-02-year.html &&
	test -f arch/public/en/2021/2021-03-04-year.html &&
	grep -q "2021-03-04-year" arch/public/en/index.html &&
	! grep -q "2021-03-02-year" arch/public/en/index.html
'

test_expect_success 'a cache whose group was damaged is ignored' '
	rm -f $CACHE &&
	draft 2020-10-15-year-4 && publish 2020-10-15-year-4 &&
	tr "\000" "\n" <$CACHE | grep -qx "releases/2021/" &&
	# the group of 2021 named as the one of 2020: only the checksum can tell
	sed "s|releases/2021/\x00|releases/2020/\x00|" $CACHE >cache.bad &&
	! cmp -s cache.bad $CACHE &&
	cp cache.bad $CACHE &&
	draft 2020-10-15-year-5 && publish 2020-10-15-year-5 &&
	site_is_current arch &&
	test -f arch/public/en/2020/2020-10-15-year-5.html &&
	test -f arch/public/en/2021/2021-03-04-year.html &&
	grep -q "2021-03-04-year" arch/public/en/index.html
'

test_expect_success 'publish renders what main holds, not an uncommitted edit in the work tree' '
	f=arch/releases/2020/2020-10-15-bulk-119.en.xml &&
	cp $f bulk.keep &&
	sed "s|<headline>|<headline>Uncommitted edit: |" bulk.keep >$f &&
	git -C arch status --porcelain --untracked-files=no | grep "bulk-119" &&
	# a link to an edited copy is not followed either
	g=arch/releases/2020/2020-10-15-bulk-118.en.xml &&
	sed "s|<headline>|<headline>Linked edit: |" $g >linked.xml &&
	mv $g bulk118.keep && ln -s "$PWD/linked.xml" $g &&
	draft 2020-10-15-after-edit && publish 2020-10-15-after-edit &&
	site_is_current arch &&
	grep -l "bulk-119" arch/public/en/rss.xml &&
	! grep -r "Uncommitted edit" arch/public &&
	! grep -r "Linked edit" arch/public &&
	rm $g && mv bulk118.keep $g && cp bulk.keep $f
'

test_expect_success 'a year folder git cannot read fails the publication; nothing moves' '
	git clone -q --no-local arch broken &&
	(cd broken && git config user.name "Press Officer" && git config user.email officer@osce.example) &&
	git -C broken rev-parse main >main.before &&
	tree=$(git -C broken rev-parse "main:releases/2020") &&
	# the clone packed its objects: unpack them to lose just one
	(cd broken && mv .git/objects/pack pack.keep && mkdir .git/objects/pack &&
	 for p in pack.keep/*.pack; do git unpack-objects -q <"$p" || exit 1; done &&
	 rm -rf pack.keep) &&
	obj=broken/.git/objects/$(echo $tree | cut -c1-2)/$(echo $tree | cut -c3-) &&
	test -f $obj && rm -f $obj &&
	mkdir -p broken/drafts &&
	korea_release 2021-03-05-broken | sed "s/2020-10-15/2021-03-05/g" \
		>broken/drafts/2021-03-05-broken.en.xml &&
	(cd broken && test_expect_code 3 pr-publish publish -q drafts/2021-03-05-broken.en.xml) 2>err &&
	grep "cannot read the folder .releases/2020/. of the commit" err &&
	git -C broken rev-parse main | test_cmp main.before - &&
	test -f broken/drafts/2021-03-05-broken.en.xml
'

test_expect_success 'a site ref lock left by a killed publisher is cleared by the next one' '
	git -C arch rev-parse site >site.before &&
	cp arch/.git/refs/heads/site arch/.git/refs/heads/site.lock 2>/dev/null ||
		git -C arch rev-parse site >arch/.git/refs/heads/site.lock &&
	draft 2020-10-15-after-lock && publish 2020-10-15-after-lock &&
	test ! -e arch/.git/refs/heads/site.lock &&
	! git -C arch rev-parse site | cmp -s - site.before &&
	site_is_current arch
'

test_done
