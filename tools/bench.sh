#!/bin/sh
# bench.sh - how long validating a large archive takes, in one process.
#
# Makes an archive of N releases (default 10,000) by copying the samples
# under new ids, then times `pr-publish validate` on it (best of 3).
set -eu
n=${1:-10000}
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$repo/site.xml" "$tmp/"
python3 - "$repo" "$tmp" "$n" <<'PY'
import os, re, sys, glob
repo, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
samples = sorted(glob.glob(os.path.join(repo, "releases", "*", "*.xml")))
texts = [open(p, encoding="utf-8").read() for p in samples]
for i in range(n):
    t = texts[i % len(texts)]
    old = re.search(r'\bid="([^"]+)"', t).group(1)
    lang = re.search(r'xml:lang="([^"]+)"', t).group(1)
    new = "%s-bench-%05d" % (old, i)
    d = os.path.join(out, "releases", old[:4])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "%s.%s.xml" % (new, lang)), "w", encoding="utf-8") as f:
        f.write(t.replace('id="%s"' % old, 'id="%s"' % new, 1))
PY
echo "validate: $n releases ($(du -sh "$tmp/releases" | cut -f1))"
best=
for run in 1 2 3; do
	start=$(date +%s.%N)
	(cd "$tmp" && PR_PUBLISH_NOW=2026-11-25 "$repo/pr-publish" validate -q) >/dev/null 2>"$tmp/err" || {
		echo "validate failed:"; head "$tmp/err"; exit 1; }
	end=$(date +%s.%N)
	t=$(echo "$end - $start" | bc)
	echo "  run $run: ${t}s"
	if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
done
echo "validate: best of 3: ${best}s for $n releases ($(echo "scale=1; $n / $best" | bc) releases/s)"
