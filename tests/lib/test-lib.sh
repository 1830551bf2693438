# test-lib.sh - sourced by every tests/tNNNN-*.sh script, after setting
# test_description.  It loads sharness (git's test library made standalone,
# Debian package 'sharness') and adds what our tests share.
#
#   PR_PUBLISH_BIN_DIR  where the pr-publish under test is (make sets it:
#                       the build, build-asan or a valgrind wrapper)
#   SHARED              ../shared beside the repository (seeds, corpus)
#   REPO                the repository (fixtures, releases/, site.xml)

: "${PR_PUBLISH_BIN_DIR:=$(cd "$(dirname "$0")/.." && pwd)}"
export PR_PUBLISH_BIN_DIR
# sharness takes the test directory from the working directory; prove runs
# us from the repository's top, so say where we are.
SHARNESS_TEST_DIRECTORY=$(cd "$(dirname "$0")" && pwd)
export SHARNESS_TEST_DIRECTORY

# Trash directories go outside the repository, so that no test finds the
# repository's own site.xml by walking up from its working directory.
# One root per checkout, so that two checkouts testing at once (CI beside a
# developer's tree) never share a trash directory.
root=${TMPDIR:-/tmp}/pr-publish-tests.$(cd "$(dirname "$0")/.." && pwd | cksum | cut -d" " -f1)
mkdir -p "$root"

. /usr/share/sharness/sharness.sh

# sharness drops what the tests print unless run with -v, and prove shows
# only which tests failed.  PR_PUBLISH_TEST_LOGS (a folder, absolute) keeps
# it, one log per script, so that a failure in CI can be read afterwards.
if test -n "$PR_PUBLISH_TEST_LOGS" && test "$verbose" != t; then
	mkdir -p "$PR_PUBLISH_TEST_LOGS" &&
	exec 3>"$PR_PUBLISH_TEST_LOGS/$(basename "$0" .sh).log" 4>&3
fi

REPO=$(cd "$SHARNESS_TEST_DIRECTORY/.." && pwd)
SHARED=${PR_PUBLISH_SHARED:-$REPO/../shared}
FIXTURES=$SHARNESS_TEST_DIRECTORY/fixtures
PATH=$PR_PUBLISH_BIN_DIR:$PATH
# A fixed clock: the samples are all before it; the tests never depend on
# the real date.
PR_PUBLISH_NOW=2026-11-25T12:00:00Z
NO_COLOR=1
export REPO SHARED FIXTURES PATH PR_PUBLISH_NOW NO_COLOR
unset PR_PUBLISH_SITE

test -d "$SHARED" && test_set_prereq SHARED
command -v python3 >/dev/null && test_set_prereq PYTHON

# A fresh archive in the trash directory: the site file and nothing else.
make_archive() {
	cp "$REPO/site.xml" site.xml && mkdir -p releases
}

# The Korea release of the samples under another id, on stdout.
# usage: korea_release ID
korea_release() {
	sed "s/2020-10-15-korea-conference/$1/" "$REPO/releases/2020/2020-10-15-korea-conference.en.xml"
}

# A git archive in DIR (main branch, an officer's identity, drafts/ and
# public/ ignored) whose one commit holds the Korea release under the ids
# 2020-10-15-bulk-FROM to -TO.  usage: bulk_archive DIR FROM TO
bulk_archive() {
	git init -q -b main "$1" &&
	(cd "$1" &&
	 git config user.name "Press Officer" && git config user.email officer@osce.example &&
	 cp "$REPO/site.xml" . && printf "drafts/\npublic/\n" >.gitignore &&
	 mkdir -p releases/2020 drafts &&
	 for i in $(test_seq "$2" "$3"); do
		korea_release 2020-10-15-bulk-$i >releases/2020/2020-10-15-bulk-$i.en.xml || return 1
	 done &&
	 git add . && git commit -q -m "The archive")
}

# The site branch of archive DIR names its main, and holds exactly the
# files of DIR/public/ with their bytes (hidden files: the manifest, the
# stamp, left out).  usage: site_is_current DIR
site_is_current() {
	git -C "$1" log -1 --format=%B site | grep -q "^Source: $(git -C "$1" rev-parse main)$" &&
	git -C "$1" ls-tree -r site | awk '{ print $3 "  " $4 }' | sort -k2 >site.list &&
	(cd "$1/public" && find . -type f ! -name ".*" | sed "s|^\./||" | sort) >public.paths &&
	sed "s|^|$PWD/$1/public/|" public.paths | git hash-object --no-filters --stdin-paths |
	paste -d " " - public.paths | sed "s/ /  /" | sort -k2 >public.list &&
	test_cmp site.list public.list &&
	test -s site.list
}

# Copies a fixture release into place under the name its id asks for.
# usage: put_release FIXTURE [DEST]
put_release() {
	dest=${2:-releases/$(basename "$1")}
	mkdir -p "$(dirname "$dest")" && cp "$FIXTURES/$1" "$dest"
}

# test_expect_code but also keeps stdout/stderr in out/err.
# usage: run_expect CODE pr-publish ARGS...
run_expect() {
	want=$1
	shift
	"$@" >out 2>err
	got=$?
	if test "$got" != "$want"; then
		echo "expected exit $want, got $got from: $*"
		echo "--- stdout"; cat out; echo "--- stderr"; cat err
		return 1
	fi
}

# Starts tests/lib/listener.py in the background (its own stdio, none of the
# harness' descriptors: prove waits for every holder of its pipe) and waits
# for its port: sets LISTENER_PID and PORT.  The caller kills it with
# cleanup 'kill "$LISTENER_PID"'.
start_listener() {
	: >connections &&
	python3 "$SHARNESS_TEST_DIRECTORY/lib/listener.py" </dev/null >listener.log 2>&1 \
		3>&- 4>&- 5>&- 6>&- 7>&- &
	LISTENER_PID=$! &&
	for i in $(test_seq 1 100); do test -s port && break; sleep 0.1; done &&
	test -s port &&
	PORT=$(cat port)
}
