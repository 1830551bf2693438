#!/bin/sh
# bench-archive.sh [N] - the archive's costs: publishing one release into an
# archive of N (default 12,500), against plain git add && git commit of the
# same file; the pre-commit hook on one changed release; the pre-receive
# hook on a push of 100 releases.  Best of 3 where it repeats.
set -eu
n=${1:-${BENCH_N:-12500}}
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tools/bench-settle.sh"
prog=$repo/pr-publish
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PR_PUBLISH_NOW=2026-11-25T12:00:00Z

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
ms() { echo "scale=0; ($1) * 1000 / 1" | bc; }

# An archive of n releases, copies of the samples under new ids.
mk_archive() {
	python3 - "$repo" "$1" "$n" <<'PY'
import os, re, sys, glob
repo, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
samples = sorted(glob.glob(os.path.join(repo, "releases", "*", "*.xml")))
texts = [open(p, encoding="utf-8").read() for p in samples]
for i in range(n):
    t = texts[i % len(texts)]
    old = re.search(r'\bid="([^"]+)"', t).group(1)
    lang = re.search(r'xml:lang="([^"]+)"', t).group(1)
    new = "%s-b%05d" % (old, i // len(texts))
    d = os.path.join(out, "releases", old[:4])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "%s.%s.xml" % (new, lang)), "w", encoding="utf-8") as f:
        f.write(t.replace('id="%s"' % old, 'id="%s"' % new, 1))
PY
}

a=$tmp/archive
git init -q -b main "$a"
git -C "$a" config user.name Bench && git -C "$a" config user.email bench@example.org
# No automatic gc: git starts one in the background after a commit that
# leaves over 6,700 loose objects, and it would run during the timings.
git -C "$a" config gc.auto 0
cp "$repo/site.xml" "$a/" && printf 'drafts/\npublic/\n' >"$a/.gitignore"
mk_archive "$a"
git -C "$a" add -A && git -C "$a" commit -q -m "archive of $n releases"
echo "archive: $n releases in git"

# The site as it stands, so that publishing renders only what changes.
t0=$(now); (cd "$a" && "$prog" build -q) >/dev/null; t1=$(now)
echo "  first full build: $(elapsed "$t0" "$t1") s"

# The first publication after a build reads every release blob and walks
# public/ once (it fills publish's caches and stamps public/, and keeps
# the dictionary's verdicts on its words: the releases published next are
# copies of it, as a release that was checked before it is published); the
# following ones are what an officer waits for.
mkdir -p "$a/drafts"
# usage: draft ID DATE: the Korea release as a draft with that id and date
draft() {
	sed -e "s/2020-10-15-korea-conference/$1/" -e "s|<date>2020-10-15</date>|<date>$2</date>|" \
		"$repo/releases/2020/2020-10-15-korea-conference.en.xml" >"$a/drafts/$1.en.xml"
}
# usage: publish_best LABEL DATE [TAG]: the best of 3 publications of new
# releases of that date; TAG "cold" drops the kept spelling verdicts first,
# so that the dictionary is loaded as for a release of new words.
publish_best() {
	best=
	for run in 1 2 3; do
		id=$2-bench-$run${3:+-$3}
		draft "$id" "$2"
		[ "${3:-}" = cold ] && rm -rf "$a/.git/pr-publish-spell"
		t0=$(now); (cd "$a" && "$prog" publish -q "drafts/$id.en.xml"); t1=$(now)
		t=$(elapsed "$t0" "$t1")
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
	done
	echo "$1: $(ms "$best") ms (best of 3)"
}
draft 2020-10-15-bench-first 2020-10-15
t0=$(now); (cd "$a" && "$prog" publish -q drafts/2020-10-15-bench-first.en.xml); t1=$(now)
echo "  first publication after a build (fills the caches): $(ms "$(elapsed "$t0" "$t1")") ms"
# The set-up wrote hundreds of MB (releases, git objects, the site): let
# the kernel write them back first, or their writeback is measured too,
# and let the deletions of the benchmarks before settle (bench-settle.sh).
# (No gc either: gc deletes the loose objects.)
bench_settle
# Today's release is the newest: it rewrites the front pages of its
# listings, its feeds, indexes and sitemaps (about 25 files).  A release
# dated years back also moves every listing page newer than it.
publish_best "publish one release of today (check, render what changed, commit main and site)" 2026-11-25
publish_best "  the same with its words new to the kept verdicts (the dictionary loads beside)" 2026-11-25 cold
publish_best "  publish one release dated 2020-10-15, amid the archive (newer listing pages move)" 2020-10-15

sed 's/2020-10-15-korea-conference/2020-10-15-bench-git/' \
	"$repo/releases/2020/2020-10-15-korea-conference.en.xml" >"$a/releases/2020/2020-10-15-bench-git.en.xml"
t0=$(now); git -C "$a" add releases/2020/2020-10-15-bench-git.en.xml && git -C "$a" commit -q -m plain; t1=$(now)
echo "  for comparison, git add && git commit of one file: $(ms "$(elapsed "$t0" "$t1")") ms"

sed 's/Seoul/Geneva/' "$a/releases/2020/2020-10-15-bench-git.en.xml" >"$a/x" && mv "$a/x" "$a/releases/2020/2020-10-15-bench-git.en.xml"
git -C "$a" add releases/2020/2020-10-15-bench-git.en.xml
best=
for run in 1 2 3; do
	t0=$(now); (cd "$a" && "$prog" hook pre-commit 2>/dev/null); t1=$(now)
	t=$(elapsed "$t0" "$t1")
	if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
done
echo "pre-commit hook, one changed English release (dictionary load included): $(ms "$best") ms (best of 3)"

c=$tmp/central.git
git clone -q --bare "$a" "$c"
(cd "$c" && "$prog" hook install >/dev/null)
w=$tmp/work
git clone -q "$c" "$w"
git -C "$w" config user.name Bench && git -C "$w" config user.email bench@example.org
i=0
while [ $i -lt 100 ]; do
	id=$(printf "2020-10-15-push-%03d" $i)
	sed "s/2020-10-15-korea-conference/$id/" "$repo/releases/2020/2020-10-15-korea-conference.en.xml" \
		>"$w/releases/2020/$id.en.xml"
	i=$((i + 1))
done
git -C "$w" add -A && git -C "$w" commit -q --no-verify -m "100 releases"
t0=$(now); git -C "$w" push -q origin main 2>"$tmp/push.err"; t1=$(now)
grep -q "100 releases checked, 0 errors" "$tmp/push.err" || { cat "$tmp/push.err"; exit 1; }
echo "pre-receive hook, a push of 100 releases (whole git push): $(ms "$(elapsed "$t0" "$t1")") ms"
