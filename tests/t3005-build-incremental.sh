#!/bin/sh
test_description='build: after one release changes, only its outputs are rewritten'
. "$(dirname "$0")/lib/test-lib.sh"

KOREA=releases/2020/2020-10-15-korea-conference.en.xml

# Every build here hashes again what the record says it may keep, and
# fails if a kept hash does not hold.
PR_PUBLISH_CHECK_MEMO=1
export PR_PUBLISH_CHECK_MEMO

# "inode path" of every file: a rewritten file gets a new inode, a carried
# over one keeps it (hard link from the previous build).
inodes() {
	(cd public && find . -type f ! -name .pr-publish-manifest ! -name .pr-publish-plan -printf "%i %P\n" | LC_ALL=C sort -k2)
}

test_expect_success 'a site built from the samples' '
	make_archive &&
	cp -R "$REPO/releases/." releases/ &&
	pr-publish build -q &&
	inodes >before
'

test_expect_success 'nothing changed: nothing rewritten, every file the same' '
	touch releases/*/*.xml &&
	run_expect 0 pr-publish build &&
	grep "is up to date: 78 pages, 72 feeds, 7 other files unchanged" err &&
	inodes >after &&
	test_cmp before after
'

test_expect_success 'a new headline rewrites its page and the listings and feeds it is in' '
	sed "s|<headline>OSCE and Republic of Korea conference|<headline>OSCE and Korea conference|" \
		$KOREA >new && mv new $KOREA &&
	run_expect 0 pr-publish build &&
	grep "^build: 9 pages, 12 feeds, 0 other files rewritten; 136 unchanged; 0 removed" err &&
	inodes >after &&
	join -1 2 -2 2 before after | awk "\$2 != \$3 { print \$1 }" >rewritten &&
	cat >expect <<-\EOF &&
	en/2020/2020-10-15-korea-conference.html
	en/archive/2020/10/index.html
	en/archive/2020/index.html
	en/atom.xml
	en/fields/countering-terrorism/atom.xml
	en/fields/countering-terrorism/index.html
	en/fields/countering-terrorism/rss.xml
	en/fields/cyber-ict-security/atom.xml
	en/fields/cyber-ict-security/index.html
	en/fields/cyber-ict-security/rss.xml
	en/index.html
	en/rss.xml
	en/sources/asian-partners/atom.xml
	en/sources/asian-partners/index.html
	en/sources/asian-partners/rss.xml
	en/sources/secretariat/atom.xml
	en/sources/secretariat/index.html
	en/sources/secretariat/rss.xml
	en/sources/transnational-threats-department/atom.xml
	en/sources/transnational-threats-department/index.html
	en/sources/transnational-threats-department/rss.xml
	EOF
	test_cmp expect rewritten &&
	grep -F "<h1>OSCE and Korea conference" public/en/2020/2020-10-15-korea-conference.html
'

test_expect_success 'the incremental result is byte for byte a full build'"'"'s' '
	run_expect 0 pr-publish build --out full &&
	diff -r full public &&
	rm -rf full
'

test_expect_success 'a correction keeps the guid and changes the dates' '
	grep -F "<guid isPermaLink=\"false\">tag:newsroom.osce.example,2020-10-15:2020-10-15-korea-conference/en</guid>" public/en/rss.xml &&
	sed "s|</notes>|</notes><corrections><correction date=\"2020-10-20\">Headline shortened.</correction></corrections>|" \
		$KOREA >new && mv new $KOREA &&
	inodes >before &&
	run_expect 0 pr-publish build &&
	grep -F "<guid isPermaLink=\"false\">tag:newsroom.osce.example,2020-10-15:2020-10-15-korea-conference/en</guid>" public/en/rss.xml &&
	grep -F "<updated>2020-10-20T00:00:00Z</updated>" public/en/fields/cyber-ict-security/atom.xml &&
	grep -F ">Updated: <time datetime=\"2020-10-20\">20 October 2020</time>" public/en/2020/2020-10-15-korea-conference.html &&
	grep -F "<lastmod>2020-10-20T00:00:00Z</lastmod>" public/sitemap-2020.xml
'

test_expect_success 'a deleted release: its pages go, listings follow, the rest stays' '
	inodes >before &&
	rm releases/2024/2024-12-05-court-of-conciliation-and-arbitration-30-years.en.xml &&
	run_expect 0 pr-publish build &&
	grep "removed" err &&
	! grep " 0 removed" err &&
	! test -e public/en/2024/2024-12-05-court-of-conciliation-and-arbitration-30-years.html &&
	inodes >after &&
	join -1 2 -2 2 before after | awk "\$2 == \$3 { print \$1 }" >kept &&
	grep "^de/2020/2020-10-15-korea-conference.html$" kept &&
	grep "^fr/index.html$" kept
'

test_expect_success 'a file deleted by hand from the output is made again' '
	rm public/fr/index.html &&
	run_expect 0 pr-publish build &&
	grep "^build: 1 pages, 0 feeds, 0 other files rewritten" err &&
	test -f public/fr/index.html
'

# The folders whose outputs were all there are remembered beside the output
# (.public.scan) with their ctime, and not read again while it stays; a
# deletion changes it.  A folder is remembered once it has not changed
# for two seconds (timestamps may be that coarse): hence the sleep.
test_expect_success 'a file deleted by hand from a remembered folder is made again' '
	run_expect 0 pr-publish build &&
	sleep 3 &&
	run_expect 0 pr-publish build &&
	grep "^[0-9]* [0-9]* [0-9]* fr$" .public.scan &&
	ls -i .public.scan >before &&
	run_expect 0 pr-publish build &&
	grep "is up to date" err &&
	ls -i .public.scan >after &&
	test_cmp before after &&
	rm public/fr/index.html &&
	run_expect 0 pr-publish build &&
	grep "^build: 1 pages, 0 feeds, 0 other files rewritten" err &&
	test -f public/fr/index.html &&
	rm public/de/2020/2020-10-15-korea-conference.html &&
	run_expect 0 pr-publish build &&
	grep "^build: 1 pages, 0 feeds, 0 other files rewritten" err &&
	test -f public/de/2020/2020-10-15-korea-conference.html
'

test_expect_success 'a damaged scan state: every folder is read' '
	printf "pr-publish-scan 1\nnonsense\nend\n" >.public.scan &&
	rm public/fr/index.html &&
	run_expect 0 pr-publish build &&
	grep "^build: 1 pages, 0 feeds, 0 other files rewritten" err &&
	test -f public/fr/index.html &&
	head -1 .public.scan >head &&
	echo "pr-publish-scan 1" >expect &&
	test_cmp expect head
'

# A manifest edited by hand: out of order, a line twice, an output that is
# no longer made.  The build keeps what it can, removes the stray output
# once, and writes a clean manifest.
test_expect_success 'a manifest out of order, with a line twice and a stray output' '
	man=public/.pr-publish-manifest &&
	echo "stray" >public/en/stray.html &&
	{ head -1 $man &&
	  sed 1d $man | sort -r &&
	  sed -n "2p;5p" $man &&
	  printf "%064d en/stray.html\n" 0; } >m && mv m $man &&
	run_expect 0 pr-publish build &&
	grep "^build: 0 pages, 0 feeds, 0 other files rewritten; [0-9]* unchanged; 1 removed" err &&
	! test -e public/en/stray.html &&
	sed 1d $man | cut -d" " -f2 >listed &&
	LC_ALL=C sort -u listed >expect &&
	test_cmp expect listed &&
	run_expect 0 pr-publish build &&
	grep "is up to date" err
'

# .pr-publish-plan records the last plan: its key, its shape and each
# entry's digests.  While this build's plan has the same key and shape,
# an output that shows no changed release keeps the manifest's hash
# without being hashed again.
test_expect_success 'the plan is recorded with the manifest' '
	run_expect 0 pr-publish build &&
	head -4 public/.pr-publish-plan >head &&
	sed -n 1p head >magic && echo "pr-publish-plan 1" >expect && test_cmp expect magic &&
	grep -c "^[0-9a-f]* [a-z][a-z]/20[0-9][0-9]/[^/]*\.html$" public/.pr-publish-manifest >pages &&
	sed -n 4p head >count && test_cmp pages count &&
	test $(($(wc -c <public/.pr-publish-plan) - $(wc -c <head))) = $((16 * $(cat count)))
'

test_expect_success 'an output that shows no changed release keeps its manifest hash' '
	man=public/.pr-publish-manifest &&
	cp $man man.saved &&
	sed "s|^[0-9a-f]* fr/index.html$|$(printf "%064d" 0) fr/index.html|" man.saved >$man &&
	grep -q "^0* fr/index.html$" $man &&
	sed "s|<headline>OSCE and Korea conference|<headline>OSCE and Korea conference on security|" \
		$KOREA >new && mv new $KOREA &&
	run_expect 3 pr-publish build &&
	grep "internal error: a kept hash does not hold (PR_PUBLISH_CHECK_MEMO)" err &&
	PR_PUBLISH_CHECK_MEMO= run_expect 0 pr-publish build &&
	grep "^build: 9 pages, 12 feeds, 0 other files rewritten" err &&
	grep -q "^0* fr/index.html$" $man &&
	run_expect 0 pr-publish build --force &&
	! grep -q "^0* fr/index.html$" $man
'

# A version that knew nothing of the record wrote the manifest without
# naming it, and left it: it describes an older build.
test_expect_success 'a record the manifest does not name is not gone by' '
	man=public/.pr-publish-manifest &&
	grep -q "^record [0-9a-f]*$" $man &&
	sed "/^record /d; s|^[0-9a-f]* fr/index.html$|$(printf "%064d" 0) fr/index.html|" \
		$man >m && mv m $man &&
	sed "s|<headline>OSCE and Korea conference|<headline>OSCE and Korea conference on security|" \
		$KOREA >new && mv new $KOREA &&
	run_expect 0 pr-publish build &&
	grep "^build: 10 pages, 12 feeds, 0 other files rewritten" err &&
	! grep -q "^0* fr/index.html$" $man &&
	grep -q "^record [0-9a-f]*$" $man &&
	sed "s|conference on security|conference|" $KOREA >new && mv new $KOREA &&
	run_expect 0 pr-publish build
'

test_expect_success 'a damaged or foreign record is not gone by' '
	rm -rf full &&
	cp public/.pr-publish-plan plan.saved &&
	head -c 150 plan.saved >public/.pr-publish-plan &&
	sed "s|conference on security|conference on cooperation|" $KOREA >new && mv new $KOREA &&
	run_expect 0 pr-publish build &&
	grep "^build: 9 pages, 12 feeds, 0 other files rewritten" err &&
	run_expect 0 pr-publish build --out full &&
	diff -r full public &&
	sed "4s/^16$/15/" public/.pr-publish-plan >plan && mv plan public/.pr-publish-plan &&
	sed "s|conference on cooperation|conference|" $KOREA >new && mv new $KOREA &&
	run_expect 0 pr-publish build &&
	grep "^build: 9 pages, 12 feeds, 0 other files rewritten" err &&
	rm -rf full && run_expect 0 pr-publish build --out full &&
	diff -r full public && rm -rf full
'

# The files a commit replaces go to .public.trash beside the output (as
# links, so that the renames do not free them); the next build empties it
# of them while it plans, and keeps only its own.
trash_names() {
	ls .public.trash | sed "s/[0-9]*$//" | sort -u
}

test_expect_success 'replaced files wait in the trash, and the next build empties it' '
	sed "s|<headline>|<headline>Trash one: |" $KOREA >new && mv new $KOREA &&
	run_expect 0 pr-publish build -q &&
	test -d .public.trash &&
	test $(trash_names | wc -l) = 1 &&
	# the pages it replaced, the manifest and plan, the staging folder and
	# the journal; none of them is still an output
	test $(ls .public.trash | wc -l) -gt 20 &&
	for f in .public.trash/*; do
		test -d "$f" || test $(stat -c %h "$f") = 1 || return 1
	done &&
	test -z "$(find .public.trash -type f -exec grep -l "Trash one" {} +)" &&
	first=$(trash_names) &&
	sed "s|<headline>|<headline>Trash two: |" $KOREA >new && mv new $KOREA &&
	run_expect 0 pr-publish build -q &&
	test $(trash_names | wc -l) = 1 &&
	test "$(trash_names)" != "$first" &&
	test -n "$(find .public.trash -type f -exec grep -l "Trash one" {} +)"
'

test_expect_success 'a link to a live output left in the trash (a kill between link and rename)' '
	ln public/en/index.html .public.trash/left-by-a-kill &&
	ln public/.pr-publish-manifest .public.trash/left-by-a-kill-2 &&
	cp public/en/index.html index.before &&
	pr-publish build -q &&
	! test -e .public.trash/left-by-a-kill &&
	test_cmp index.before public/en/index.html &&
	test $(stat -c %h public/en/index.html) = 1 &&
	run_expect 0 pr-publish build &&
	grep "is up to date" err
'

test_expect_success 'a trash that cannot be made: the build frees the files itself' '
	rm -rf .public.trash &&
	echo "not a folder" >.public.trash &&
	sed "s|<headline>|<headline>No trash: |" $KOREA >new && mv new $KOREA &&
	run_expect 0 pr-publish build &&
	grep "^build: 9 pages, 12 feeds" err &&
	test "$(cat .public.trash)" = "not a folder" &&
	! ls -a | grep "^\.public\.new-" &&
	! test -e .public.journal &&
	rm .public.trash
'

# Without PR_PUBLISH_CHECK_MEMO, when the record holds and every output is
# in the folder, the outputs of jobs that show no changed release are kept
# by the manifest as a whole, unlooked-at (output_tree_keep_rest()).  Each
# step builds "fast" so, and "checked" with the check (which hashes every
# output again): the same summary, the same bytes, and a whole new build's.
fast() {
	env -u PR_PUBLISH_CHECK_MEMO pr-publish build --out fast >fast.out 2>fast.err
}
checked() {
	pr-publish build --out checked >checked.out 2>checked.err
}
same_three() {
	fast && checked &&
	sed "s/ -> .*//" fast.err >fast.line && sed "s/ -> .*//" checked.err >checked.line &&
	test_cmp checked.line fast.line &&
	rm -rf whole && pr-publish build -q --force --out whole &&
	diff -r whole fast && diff -r whole checked
}

test_expect_success 'kept by the record as a whole: a run of changes, as if hashed again' '
	fast && checked &&
	sed "s|<headline>|<headline>Fast one: |" $KOREA >new && mv new $KOREA &&
	same_three &&
	grep "^build: 9 pages, 12 feeds" fast.err &&
	sed "s|<p>|<p>Only the text. |" $KOREA >new && mv new $KOREA &&
	same_three &&
	cp "$REPO/releases/2024/2024-12-05-court-of-conciliation-and-arbitration-30-years.en.xml" \
		releases/2024/ &&
	same_three &&
	rm releases/2024/2024-12-05-court-of-conciliation-and-arbitration-30-years.en.xml &&
	same_three &&
	! grep " 0 removed" fast.err
'

test_expect_success 'kept by the record as a whole: an output deleted by hand is made again' '
	rm fast/en/index.html checked/en/index.html &&
	same_three &&
	grep "^build: 1 pages, 0 feeds, 0 other files rewritten" fast.err &&
	fast &&
	grep "is up to date" fast.err &&
	rm -rf fast checked whole .fast.* .checked.* .whole.* &&
	pr-publish build -q
'

test_expect_success 'one thread or several: the same bytes' '
	PR_PUBLISH_THREADS=1 run_expect 0 pr-publish build --out one &&
	PR_PUBLISH_THREADS=3 run_expect 0 pr-publish build --out three &&
	diff -r one public && diff -r three public &&
	rm -rf one three
'

test_expect_success 'a changed stylesheet renders everything again' '
	mkdir stylesheets && cp "$REPO"/stylesheets/* stylesheets/ &&
	echo "/* changed */" >>stylesheets/style.css &&
	run_expect 0 pr-publish build &&
	grep "^build: [0-9]* pages, [0-9]* feeds, 7 other files rewritten; 0 unchanged" err &&
	rm -rf stylesheets
'

test_done
