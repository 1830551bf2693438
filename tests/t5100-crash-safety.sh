#!/bin/sh
test_description='crash safety: publish and build killed at many points

pr-publish publish and pr-publish build are killed with SIGKILL and SIGTERM
after delays spread over their run time.  After each kill the archive must
be exactly as before or exactly as after the command:

  main      the commit point: its tree is the one before, or the one an
            uninterrupted publish makes (compared by tree, as commit ids
            carry the time)
  site      derived from main; the site branch and the site folder public/
            may lag main by one publication after a SIGKILL (it cannot be
            held off, and they move after main), never be ahead of it, and
            public/ may be half updated with its journal committed; trying
            the publication again renders them from main (checked)
  draft     still there while main is before; after main moved it may be
            left behind by a SIGKILL only
  SIGTERM   held off during the final stretch: all before or all after
  build     public/ before or after; after a SIGKILL also "journal": the
            build committed its journal and the next build applies it

and git fsck --strict is clean, no *.lock file of git is left (but those
of main, site and the index after a SIGKILL: the next publication removes
or finishes them), and the next publish or build succeeds.  strace kills
publish at each rename that ends such a lock, to see the repair happen.  PR_PUBLISH_KILLS sets the kills per signal and
command (default 12; CI runs 30).'
. "$(dirname "$0")/lib/test-lib.sh"

KILLS=${PR_PUBLISH_KILLS:-12}
test -n "$PR_PUBLISH_SLOW" && KILLS=${PR_PUBLISH_KILLS:-4}

# The state of archive DIR on stdout, one line per part:
#   main TREE COUNT / site TREE / public HASH / draft HASH|none
snapshot() {
	echo "main $(git -C "$1" rev-parse -q --verify 'main^{tree}') $(git -C "$1" rev-list --count main)" &&
	echo "site $(git -C "$1" rev-parse -q --verify 'site^{tree}' || echo none)" &&
	echo "public $(listing "$1/public")" &&
	if test -f "$1/$2"; then
		echo "draft $(sha256sum <"$1/$2" | cut -c1-64)"
	else
		echo "draft none"
	fi
}

# A checksum of every file under DIR and its path (or 'none').
listing() {
	if test -d "$1"; then
		(cd "$1" && find . -type f -print0 | sort -z | xargs -0r sha256sum) | sha256sum | cut -c1-64
	else
		echo none
	fi
}

# usage: part STATE-FILE NAME: the value of one part
part() {
	sed -n "s/^$2 //p" "$1"
}

# usage: no_git_locks DIR [ALLOWED...]: no *.lock under DIR/.git but ALLOWED
no_git_locks() {
	dir=$1
	shift
	locks=$(find "$dir/.git" -name "*.lock" | sed "s|^$dir/.git/||" | grep -v -x -F "$(printf "%s\n" "$@" none)")
	test -z "$locks" || { echo "stale git lock files: $locks"; return 1; }
}

# The reflogs of main and HEAD tell main's history: one entry per commit,
# none for a move that did not happen.  usage: reflog_is_history DIR
reflog_is_history() {
	git -C "$1" rev-list --first-parent main >history &&
	git -C "$1" log -g --format=%H main >reflog.main &&
	git -C "$1" log -g --format=%H HEAD >reflog.head &&
	test_cmp history reflog.main &&
	test_cmp history reflog.head
}

command -v strace >/dev/null && test_set_prereq STRACE

# strace kills publish exactly when it renames FILE (the rename is not
# done).  usage: kill_at_rename DIR FILE DRAFT (FILE under DIR/.git)
kill_at_rename() {
	test_expect_code 137 strace -f -o strace.out -P "$PWD/$1/.git/$2" \
		-e trace=rename -e inject=rename:signal=KILL:when=1 \
		sh -c "cd $1 && exec pr-publish publish -q $3" 2>/dev/null
}

# libgit2 moves a ref by writing REF.lock, appending to the reflogs, and
# renaming the lock over the ref: a SIGKILL before the rename leaves the
# lock and the reflog entries.  usage: kill_at_main_move DIR DRAFT
kill_at_main_move() {
	kill_at_rename "$1" refs/heads/main.lock "$2"
}

test_expect_success STRACE 'a SIGKILL while main moves: the next publication undoes the move' '
	bulk_archive cut 1 3 &&
	korea_release 2020-10-15-cut >cut/drafts/2020-10-15-cut.en.xml &&
	before=$(git -C cut rev-parse main) &&
	kill_at_main_move cut drafts/2020-10-15-cut.en.xml &&
	test -f cut/.git/refs/heads/main.lock &&
	test "$(git -C cut rev-parse main)" = "$before" &&
	(cd cut && pr-publish publish -q drafts/2020-10-15-cut.en.xml) 2>err &&
	grep "removed .*/refs/heads/main.lock., left by a pr-publish that was killed" err &&
	no_git_locks cut &&
	test "$(git -C cut rev-parse main~1)" = "$before" &&
	reflog_is_history cut &&
	site_is_current cut
'

test_expect_success STRACE 'a SIGKILL before libgit2 fills main.lock: the empty lock is removed too' '
	korea_release 2020-10-15-cut-empty >cut/drafts/2020-10-15-cut-empty.en.xml &&
	before=$(git -C cut rev-parse main) &&
	# libgit2 writes the new id into the lock after the reflogs: killed
	# as it opens the reflog of main, it leaves the lock empty
	test_expect_code 137 strace -f -o strace.out -P "$PWD/cut/.git/logs/refs/heads/main" \
		-e trace=openat -e inject=openat:signal=KILL:when=1 \
		sh -c "cd cut && exec pr-publish publish -q drafts/2020-10-15-cut-empty.en.xml" 2>/dev/null &&
	test -f cut/.git/refs/heads/main.lock &&
	test ! -s cut/.git/refs/heads/main.lock &&
	test "$(git -C cut rev-parse main)" = "$before" &&
	(cd cut && pr-publish publish -q drafts/2020-10-15-cut-empty.en.xml) 2>err &&
	grep "removed .*/refs/heads/main.lock., left by a pr-publish that was killed" err &&
	no_git_locks cut &&
	test "$(git -C cut rev-parse main~1)" = "$before" &&
	reflog_is_history cut &&
	site_is_current cut
'

test_expect_success STRACE 'a lock of main that a killed publication did not leave stays' '
	korea_release 2020-10-15-cut-2 >cut/drafts/2020-10-15-cut-2.en.xml &&
	before=$(git -C cut rev-parse main) &&
	kill_at_main_move cut drafts/2020-10-15-cut-2.en.xml &&
	# someone else (git) holds the lock now
	git -C cut rev-parse main >cut/.git/refs/heads/main.lock &&
	(cd cut && test_expect_code 3 pr-publish publish -q drafts/2020-10-15-cut-2.en.xml) 2>err &&
	grep "stayed locked" err &&
	! grep "removed" err &&
	test "$(git -C cut rev-parse main)" = "$before" &&
	test "$(cat cut/.git/refs/heads/main.lock)" = "$before" &&
	rm cut/.git/refs/heads/main.lock
'

fsck_clean() {
	git -C "$1" fsck --strict --no-progress >fsck.out 2>&1 || { cat fsck.out; return 1; }
	! grep -E -i "^(error|warning|broken|missing)" fsck.out || { cat fsck.out; return 1; }
}

# The delay of kill number I of N, spread over 0..1.2*T seconds with a
# jitter of up to 20 ms, so that every stretch of the run is hit.
delay_of() {
	awk -v i="$1" -v n="$2" -v t="$3" -v seed="$1$$" \
		'BEGIN { srand(seed); printf "%.3f\n", t * 1.2 * i / n + rand() * 0.02 }'
}

# usage: timed CMD...: runs CMD, prints its wall time in seconds
timed() {
	start=$(date +%s.%N) && "$@" >/dev/null 2>&1 && end=$(date +%s.%N) &&
	awk -v a="$start" -v b="$end" "BEGIN { printf \"%.3f\n\", b - a }"
}

# publish writes the new index as .git/pr-publish-index, then makes it
# git's index.lock and renames that over the index: a SIGKILL at the
# rename leaves git's lock file, one while it writes a half-written spare.
kill_at_spare_write() {
	test_expect_code 137 strace -f -o strace.out -P "$PWD/$1/.git/pr-publish-index" \
		-e trace=write -e inject=write:signal=KILL:when=1 \
		sh -c "cd $1 && exec pr-publish publish -q $2" 2>/dev/null
}

for cut in rename-index-lock write-spare; do
	test_expect_success STRACE "a SIGKILL at the $cut step of the index: the next publication finishes the index" '
		id=2020-10-15-cut-'$cut' &&
		korea_release $id >cut/drafts/$id.en.xml &&
		before=$(git -C cut rev-parse main) &&
		case '$cut' in
		rename-index-lock)
			kill_at_rename cut index.lock drafts/$id.en.xml &&
			test -f cut/.git/index.lock ;;
		write-spare)
			kill_at_spare_write cut drafts/$id.en.xml &&
			test -f cut/.git/pr-publish-index ;;
		esac &&
		# main moved, the index did not
		test "$(git -C cut rev-parse main~1)" = "$before" &&
		git -C cut status --porcelain --untracked-files=no >status &&
		grep "^D  releases/2020/$id.en.xml" status &&
		(cd cut && pr-publish publish -q drafts/$id.en.xml) 2>err &&
		grep "already published as it is" err &&
		no_git_locks cut &&
		test -z "$(ls cut/.git | grep pr-publish-index)" &&
		git -C cut status --porcelain --untracked-files=no >status &&
		test_must_be_empty status &&
		site_is_current cut
	'
done

test_expect_success STRACE 'a SIGKILL at the rename of index.lock: any next publication finishes the index' '
	korea_release 2020-10-15-cut-again >cut/drafts/2020-10-15-cut-again.en.xml &&
	kill_at_rename cut index.lock drafts/2020-10-15-cut-again.en.xml &&
	test -f cut/.git/index.lock &&
	# another publication, not the retry, finishes the index
	korea_release 2020-10-15-cut-other >cut/drafts/2020-10-15-cut-other.en.xml &&
	(cd cut && pr-publish publish -q drafts/2020-10-15-cut-other.en.xml) 2>err &&
	grep "finished writing .*/index., which a pr-publish that was killed had left" err &&
	no_git_locks cut &&
	git -C cut status --porcelain --untracked-files=no >status &&
	test_must_be_empty status
'

test_expect_success STRACE 'an index.lock of ours made from an older index is removed, not used' '
	korea_release 2020-10-15-cut-stale >cut/drafts/2020-10-15-cut-stale.en.xml &&
	kill_at_rename cut index.lock drafts/2020-10-15-cut-stale.en.xml &&
	test -f cut/.git/index.lock &&
	# as if git had written the index between our reading it and our
	# taking index.lock: the record names an index of another size
	awk "NR == 2 { \$4 = \$4 + 1 } { print }" cut/.git/pr-publish.mutex >record &&
	cp record cut/.git/pr-publish.mutex &&
	cp cut/.git/index index.before &&
	korea_release 2020-10-15-cut-next >cut/drafts/2020-10-15-cut-next.en.xml &&
	(cd cut && pr-publish publish -q drafts/2020-10-15-cut-next.en.xml) 2>err &&
	grep "removed .*/index.lock., left by a pr-publish that was killed; the index changed" err &&
	no_git_locks cut &&
	# the stale draft is published but not in the index: trying it
	# again brings the index along
	(cd cut && pr-publish publish -q drafts/2020-10-15-cut-stale.en.xml) 2>err &&
	grep "already published as it is" err &&
	git -C cut status --porcelain --untracked-files=no >status &&
	test_must_be_empty status
'

test_expect_success 'a damaged record of a cut move or index write is ignored' '
	bulk_archive odd 1 2 &&
	main=$(git -C odd rev-parse main) &&
	tree=$(git -C odd rev-parse "main^{tree}") &&
	printf "%s\n" "$main" >odd/.git/refs/heads/other.lock &&
	n=0 &&
	for record in "pr-publish-move 1\n" "pr-publish-move 1\n$main $main\n" \
		"pr-publish-move 1\n$main $tree refs/heads/other\n" \
		"pr-publish-move 1\n$tree $main refs/heads/../../index\n" \
		"pr-publish-move 1\n$main $main refs/heads/other" \
		"pr-publish-index 1\n1 2\n" "pr-publish-index 1\n1 2 0 0 0 relative/\n" \
		"pr-publish-index 1\n1 2 0 0 0\n" "pr-publish-index 1\nx y /\n" "garbage\n"; do
		n=$((n + 1)) &&
		printf "$record" >odd/.git/pr-publish.mutex &&
		korea_release 2020-10-15-odd-$n >odd/drafts/2020-10-15-odd-$n.en.xml &&
		(cd odd && pr-publish publish -q drafts/2020-10-15-odd-$n.en.xml) 2>err &&
		! grep -E "removed|finished writing" err &&
		test ! -s odd/.git/pr-publish.mutex || return 1
	done &&
	# only a lock that holds the recorded new id is ours: other.lock
	# holds another
	test "$(cat odd/.git/refs/heads/other.lock)" = "$main" &&
	test -f odd/.git/index &&
	git -C odd status --porcelain --untracked-files=no >status &&
	test_must_be_empty status
'

test_expect_success 'an archive of 100 releases, published once' '
	bulk_archive arch 100 199 &&
	korea_release 2020-10-15-first >arch/drafts/2020-10-15-first.en.xml &&
	(cd arch && pr-publish publish -q drafts/2020-10-15-first.en.xml) &&
	site_is_current arch
'

test_expect_success 'measure how long publish and build take' '
	rm -rf probe && cp -a arch probe &&
	korea_release 2020-10-15-probe >probe/drafts/2020-10-15-probe.en.xml &&
	T_PUBLISH=$(cd probe && timed pr-publish publish -q drafts/2020-10-15-probe.en.xml) &&
	T_BUILD=$(cd probe && timed pr-publish build -q --force) &&
	echo "publish takes ${T_PUBLISH}s, build --force ${T_BUILD}s" &&
	test -n "$T_PUBLISH" && test -n "$T_BUILD" &&
	rm -rf probe
'

# One kill of publish: usage: kill_publish SIGNAL I
# Leaves the outcome in the file outcomes (before / after / after-lagging).
kill_publish() {
	test -n "$T5100_TRACE" && set -x
	sig=$1 i=$2
	id=2020-10-15-crash-$(echo "$sig" | tr A-Z a-z)-$i
	draft=drafts/$id.en.xml
	korea_release "$id" >arch/$draft &&
	snapshot arch "$draft" >before &&
	# What an uninterrupted publish makes of the same state.
	rm -rf ref && cp -a arch ref &&
	(cd ref && pr-publish publish -q "$draft") &&
	snapshot ref "$draft" >after &&
	rm -rf ref &&
	delay=$(delay_of "$i" "$KILLS" "$T_PUBLISH") || return 1
	(cd arch && exec pr-publish publish -q "$draft") >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -s "$sig" "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	snapshot arch "$draft" >now &&
	main=$(part now main) site=$(part now site) pub=$(part now public) dr=$(part now draft) &&
	if test "$main" = "$(part before main)"; then
		# Not published: nothing else may have moved either.
		test_cmp before now || { echo "kill $sig after ${delay}s: main is before, the rest is not"; return 1; }
		outcome=before
	elif test "$main" = "$(part after main)"; then
		outcome=after
		case "$site" in
		"$(part after site)") ;;
		"$(part before site)") outcome=after-lagging ;;
		*) echo "kill $sig after ${delay}s: site branch in between"; return 1 ;;
		esac
		case "$pub" in
		"$(part after public)") ;;
		"$(part before public)") outcome=after-lagging ;;
		*)
			# A SIGKILL while the committed journal was applied: the
			# next publication finishes it (as a build does).
			if test "$sig" = KILL && test -f arch/.public.journal; then
				outcome=after-lagging
			else
				echo "kill $sig after ${delay}s: public/ in between"; return 1
			fi ;;
		esac
		case "$dr" in
		none) ;;
		"$(part before draft)") outcome=after-lagging ;;
		*) echo "kill $sig after ${delay}s: the draft was changed"; return 1 ;;
		esac
		if test "$sig" = TERM && test "$outcome" != after; then
			echo "SIGTERM after ${delay}s was not held off: main moved, the rest did not"
			cat before after now
			return 1
		fi
	else
		echo "kill $sig after ${delay}s (exit $rc): main is neither before nor after"
		cat before after now
		return 1
	fi &&
	echo "$sig $delay $rc $outcome" >>outcomes &&
	fsck_clean arch &&
	# A SIGKILL while a ref or the index is written leaves its lock file;
	# the next publication removes or finishes it (no lock at all is
	# allowed after the retry).
	if test "$sig" = KILL; then
		no_git_locks arch refs/heads/site.lock refs/heads/main.lock index.lock \
			pr-publish-index.lock
	else
		no_git_locks arch
	fi &&
	# The officer tries again: it completes, or says it is done.
	retried=
	if test -f "arch/$draft"; then
		retried=yes
		(cd arch && pr-publish publish -q "$draft") 2>err &&
		if test "$outcome" = after-lagging; then
			grep -q "is already published as it is" err &&
			rm "arch/$draft"
		fi
	fi &&
	snapshot arch "$draft" >now &&
	test "$(part now main)" = "$(part after main)" &&
	test ! -e "arch/$draft" &&
	no_git_locks arch &&
	# The work tree and the index show what main has (build keeps its
	# lock file .public.lock beside public/: untracked files are not looked at).
	git -C arch status --porcelain --untracked-files=no >status &&
	test_must_be_empty status &&
	# A lagging site is brought forward by trying again (when the draft
	# was left), else by the next publication: the next kill_publish
	# compares against a reference made from this state.
	if test "$outcome" != after-lagging || test -n "$retried"; then
		site_is_current arch
	fi
}

for sig in KILL TERM; do
	test_expect_success "publish killed by SIG$sig $KILLS times: before or after, never between" '
		for i in $(test_seq 1 $KILLS); do
			kill_publish '$sig' $i || return 1
		done
	'
done

test_expect_success 'the kills hit every stretch: some before, some after' '
	cut -d" " -f4 outcomes | sort | uniq -c >counts &&
	cat counts &&
	grep -q " before$" counts &&
	grep -q " after" counts
'

test_expect_success 'after all the kills, one more publication brings everything up to date' '
	korea_release 2020-10-15-last >arch/drafts/2020-10-15-last.en.xml &&
	(cd arch && pr-publish publish -q drafts/2020-10-15-last.en.xml) &&
	site_is_current arch &&
	fsck_clean arch && no_git_locks arch &&
	test -z "$(git -C arch status --porcelain --untracked-files=no)" &&
	test -z "$(ls -A arch/drafts)" &&
	# no staging folder of a killed publisher is left behind
	test -z "$(find arch -maxdepth 1 -name ".public.publish*")" &&
	# every publication landed, one commit each
	n=$(grep -c . outcomes) &&
	test "$(git -C arch rev-list --count main)" = $((n + 3)) &&
	reflog_is_history arch
'

# One kill of build: usage: kill_build SIGNAL I
kill_build() {
	sig=$1 i=$2
	# Something to do: a release more in the work tree, every other time
	# a full render.
	id=2020-10-15-build-$(echo "$sig" | tr A-Z a-z)-$i &&
	korea_release "$id" >"arch/releases/2020/$id.en.xml" &&
	force= &&
	if test $((i % 2)) = 0; then force=--force; fi &&
	before=$(listing arch/public) &&
	rm -rf ref && cp -a arch ref &&
	(cd ref && pr-publish build -q $force) &&
	after=$(listing ref/public) &&
	rm -rf ref &&
	test "$before" != "$after" &&
	delay=$(delay_of "$i" "$KILLS" "$T_BUILD") || return 1
	(cd arch && exec pr-publish build -q $force) >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -s "$sig" "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	now=$(listing arch/public) &&
	case "$now" in
	"$before") echo "build $sig $delay $rc before" >>build-outcomes ;;
	"$after") echo "build $sig $delay $rc after" >>build-outcomes ;;
	*)
		# A SIGKILL can land while a committed journal is being
		# applied: the build has happened, and the next one finishes
		# applying it before anything else (checked below).
		if test "$sig" = KILL && test -f arch/.public.journal; then
			echo "build $sig $delay $rc journal" >>build-outcomes
		else
			echo "build killed by $sig after ${delay}s (exit $rc): public/ in between"
			return 1
		fi ;;
	esac &&
	(cd arch && pr-publish build -q) &&
	test "$(listing arch/public)" = "$after"
}

for sig in KILL TERM; do
	test_expect_success "build killed by SIG$sig $KILLS times: public/ before or after, never between" '
		for i in $(test_seq 1 $KILLS); do
			kill_build '$sig' $i || return 1
		done &&
		cut -d" " -f5 build-outcomes | sort | uniq -c
	'
done

test_expect_success 'the build kills hit both sides' '
	grep -q " before$" build-outcomes && grep -q " after$" build-outcomes
'

# A killed build may leave its .public.new-XXXXXX folder; the next build of
# the same output sweeps it (the last kill_build ran one).
test_expect_success 'no temporary folder of a killed build is left behind' '
	ls -a arch | grep "^\.public\.new-" >left
	test_must_be_empty left
'

test_done
