#!/bin/sh
test_description='build --watch: builds again when a release, the site file or a stylesheet changes'
. "$(dirname "$0")/lib/test-lib.sh"

KOREA=releases/2020/2020-10-15-korea-conference.en.xml
PAGE=public/en/2020/2020-10-15-korea-conference.html
# A watch keeps its last build's hashes (build.h, struct build_memo): every
# one it keeps is checked against the hash made again, and a build with
# one that does not hold fails.
PR_PUBLISH_CHECK_MEMO=1
export PR_PUBLISH_CHECK_MEMO
# valgrind makes every build slow; a watch waits for them.
if test -n "$PR_PUBLISH_SLOW"; then WAIT_TENTHS=3000; else WAIT_TENTHS=300; fi

# Starts build --watch in the background, its stdio in watch.out and
# watch.err and none of the harness' descriptors (prove waits for every
# holder of its pipe): sets WATCH_PID.  usage: start_watch [ARGS...]
start_watch() {
	: >watch.err &&
	pr-publish build --watch "$@" </dev/null >watch.out 2>watch.err 3>&- 4>&- 5>&- 6>&- 7>&- &
	WATCH_PID=$!
}

# Waits until the watch has said it is watching N times: the N-th build
# (or attempt) is over.  usage: wait_rounds N
wait_rounds() {
	for i in $(test_seq 1 $WAIT_TENTHS); do
		test "$(grep -c "^build: watching for changes" watch.err)" -ge "$1" && return 0
		sleep 0.1
	done
	echo "no build $1 after $((WAIT_TENTHS / 10)) s:"; cat watch.err
	return 1
}

# The lines of the last build, after the (N-1)-th "watching".  usage: round N
round() {
	awk -v n="$1" '/^build: watching for changes/ { seen++; next } seen == n - 1' watch.err
}

stop_watch() {
	kill -INT "$WATCH_PID" && wait "$WATCH_PID"
}

test_expect_success '--watch and --commit do not go together' '
	run_expect 2 pr-publish build --watch --commit &&
	grep "do not go together" err
'

test_expect_success 'set up: the samples and their stylesheets, and a watch started' '
	make_archive &&
	cp -R "$REPO/releases/." releases/ &&
	cp -R "$REPO/stylesheets" stylesheets &&
	cp $KOREA korea.orig &&
	start_watch &&
	wait_rounds 1 &&
	round 1 | grep "^build: 78 pages, 72 feeds, 7 other files rewritten" &&
	test -f $PAGE
'

test_expect_success 'a release saved by renaming: its page and the listings that show it' '
	sed "s|<headline>OSCE and Republic of Korea conference|<headline>Watched headline one|" \
		korea.orig >new && mv new $KOREA &&
	wait_rounds 2 &&
	round 2 | grep "^build: 9 pages, 12 feeds, 0 other files rewritten; 136 unchanged" &&
	round 2 | grep " ms since the change)$" &&
	grep -F "<h1>Watched headline one" $PAGE
'

test_expect_success 'a release written in place' '
	sed "s|<headline>OSCE and Republic of Korea conference|<headline>Watched headline two|" \
		korea.orig >new && cat new >$KOREA &&
	wait_rounds 3 &&
	round 3 | grep "^build: 9 pages, 12 feeds, 0 other files rewritten" &&
	grep -F "<h1>Watched headline two" $PAGE
'

test_expect_success 'a broken release: said with its place, and the site left as it was' '
	find public -type f -printf "%i %P\n" | sort >inodes.before &&
	printf "<release" >$KOREA &&
	wait_rounds 4 &&
	round 4 >r4 &&
	grep "^releases/2020/2020-10-15-korea-conference.en.xml:1:9: error: the file ends inside element" r4 &&
	grep "invalid releases; nothing was written" r4 &&
	grep -F "<h1>Watched headline two" $PAGE &&
	find public -type f -printf "%i %P\n" | sort >inodes.after &&
	test_cmp inodes.before inodes.after
'

test_expect_success 'mended, it is built again (and said again while broken)' '
	printf "<release" >$KOREA &&
	wait_rounds 5 &&
	round 5 | grep "korea-conference.en.xml:1:9: error" &&
	cp korea.orig $KOREA &&
	wait_rounds 6 &&
	round 6 | grep "^build: 9 pages, 12 feeds" &&
	grep -F "<h1>OSCE and Republic of Korea conference" $PAGE
'

test_expect_success 'a new release appears, in a new folder too; removed, it goes' '
	korea_release 2020-10-15-watch-new >releases/2020/2020-10-15-watch-new.en.xml &&
	wait_rounds 7 &&
	round 7 | grep "9 releases published" &&
	test -f public/en/2020/2020-10-15-watch-new.html &&
	mkdir releases/more &&
	wait_rounds 8 &&
	korea_release 2020-10-15-watch-deep >releases/more/2020-10-15-watch-deep.en.xml &&
	wait_rounds 9 &&
	round 9 | grep "10 releases published" &&
	test -f public/en/2020/2020-10-15-watch-deep.html &&
	rm releases/2020/2020-10-15-watch-new.en.xml &&
	wait_rounds 10 &&
	round 10 | grep "9 releases published" &&
	! test -e public/en/2020/2020-10-15-watch-new.html
'

test_expect_success 'files that are not releases are not built for' '
	touch releases/2020/.swap releases/2020/notes.txt &&
	sleep 0.5 &&
	test "$(grep -c "^build: watching for changes" watch.err)" = 10
'

test_expect_success 'the site file changed: every release is validated against it again' '
	cp site.xml site.orig &&
	sed "s|<term key=\"asian-partners\"|<term key=\"asian-partners-renamed\"|" site.orig >new &&
	mv new site.xml &&
	wait_rounds 11 &&
	round 11 >r11 &&
	grep "korea-conference.en.xml:.*asian-partners" r11 &&
	grep "invalid releases; nothing was written" r11 &&
	mv site.orig site.xml &&
	wait_rounds 12 &&
	round 12 | grep "^build: .public. is up to date"
'

test_expect_success 'a stylesheet changed: everything is rendered again with it' '
	sed "s|</xsl:stylesheet>|<!-- changed --></xsl:stylesheet>|" stylesheets/html.xsl >new &&
	mv new stylesheets/html.xsl &&
	wait_rounds 13 &&
	round 13 | grep "^build: [1-9][0-9]* pages, .* releases published"
'

test_expect_success 'what the watch built is what a whole new build makes' '
	sed "s|<headline>OSCE and Republic of Korea conference|<headline>Watched headline three|" \
		korea.orig >new && mv new $KOREA &&
	wait_rounds 14 &&
	round 14 | grep "^build: 9 pages, 12 feeds" &&
	pr-publish build -q --force --out fresh &&
	diff -r public fresh
'

test_expect_success 'SIGINT stops it with status 0, leaving no staging folder behind' '
	stop_watch &&
	grep "^build: stopped watching" watch.err &&
	! ls -d .public.new-* 2>/dev/null
'

test_expect_success 'what it validated is kept for the next build' '
	run_expect 0 pr-publish build &&
	grep "is up to date" err
'

test_expect_success 'an embargo that lifts while it watches is published then' '
	today=$(date -u +%Y-%m-%d) && now=$(date -u +%s) &&
	lift=$(date -u -d "@$((now + 3))" +%Y-%m-%dT%H:%M:%SZ) &&
	if test "$(date -u -d "@$((now + 3))" +%Y-%m-%d)" != "$today"
	then
		say "midnight UTC is too close; skipped"
	else
		mkdir later && (
		cd later && make_archive &&
		mkdir -p releases/x &&
		sed -e "s/2026-12-01/$today/g" -e "s|<embargo>[^<]*</embargo>|<embargo>$lift</embargo>|" \
			"$FIXTURES/build/2026-12-01-embargoed-statement.en.xml" \
			>releases/x/$today-embargoed-statement.en.xml &&
		unset PR_PUBLISH_NOW &&
		start_watch &&
		wait_rounds 1 &&
		grep "^next embargo: $lift $today-embargoed-statement" watch.out &&
		! test -e public/en/${today%%-*}/$today-embargoed-statement.html &&
		wait_rounds 2 &&
		round 2 | grep "1 releases published, 0 under embargo" &&
		test -f public/en/${today%%-*}/$today-embargoed-statement.html &&
		stop_watch
		)
	fi
'

test_done
