#!/bin/sh
# bench-build.sh - how long `pr-publish build` takes on a large archive.
#
# Makes an archive of about N release files (default 3,000) from the
# samples: each sample release (with its translations) is copied under new
# ids on dates spread over ten years, so that the archive, field and source
# listings fill as in a real newsroom.  Then times, in a fresh output folder:
#   full      the first build (everything rendered)
#   noop      a rebuild with nothing changed
#   one       a rebuild after one release's headline changed
#   force     a full rebuild with --force (checked byte-identical to 'one')
# usage: tools/bench-build.sh [N]
set -eu
n=${1:-3000}
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$repo/site.xml" "$tmp/"
python3 - "$repo" "$tmp" "$n" <<'PY'
import datetime, glob, os, re, sys
repo, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
groups = {}
for p in sorted(glob.glob(os.path.join(repo, "releases", "*", "*.xml"))):
    t = open(p, encoding="utf-8").read()
    rid = re.search(r'\bid="([^"]+)"', t).group(1)
    groups.setdefault(rid, []).append(t)
ids = sorted(groups)
start = datetime.date(2015, 1, 1)
made = i = 0
while made < n:
    old = ids[i % len(ids)]
    day = start + datetime.timedelta(days=(i * 7919) % 3650)
    d = day.isoformat()
    new = "%s-%s-%05d" % (d, old[11:], i)
    for t in groups[old]:
        lang = re.search(r'xml:lang="([^"]+)"', t).group(1)
        t = t.replace('id="%s"' % old, 'id="%s"' % new, 1)
        t = re.sub(r"(<dateline>\s*<date>)[^<]*", r"\g<1>" + d, t)
        t = re.sub(r"(<embargo>)[0-9-]{10}", r"\g<1>" + d, t)
        t = re.sub(r'(<correction date=")[^"]*', r"\g<1>" + (day + datetime.timedelta(days=2)).isoformat(), t)
        t = re.sub(r"(<event\b.*?</event>)", "", t, flags=re.S)
        folder = os.path.join(out, "releases", d[:4])
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "%s.%s.xml" % (new, lang)), "w", encoding="utf-8") as f:
            f.write(t)
        made += 1
    i += 1
print(i, made)
PY
files=$(find "$tmp/releases" -name '*.xml' | wc -l)
export PR_PUBLISH_NOW=2026-11-25T12:00:00Z PR_PUBLISH_STYLESHEETS="$repo/stylesheets"

run() {
	label=$1
	shift
	start=$(date +%s.%N)
	(cd "$tmp" && "$repo/pr-publish" build "$@") >"$tmp/out" 2>"$tmp/err" || {
		echo "build failed:"; head "$tmp/err"; exit 1; }
	end=$(date +%s.%N)
	printf '  %-6s %6.2fs  %s\n' "$label" "$(echo "$end - $start" | bc)" "$(tail -1 "$tmp/err")"
}

echo "build: $files release files ($(du -sh "$tmp/releases" | cut -f1))"
run full
run noop
f=$(find "$tmp/releases" -name '*.en.xml' | sort | sed -n 10p)
sed 's|<headline>|<headline>Changed: |' "$f" >"$tmp/x" && mv "$tmp/x" "$f"
run one
cp -R "$tmp/public" "$tmp/incremental"
run force --force
diff -r "$tmp/incremental" "$tmp/public" >/dev/null && echo "  force == one: byte-identical"
echo "  outputs: $(find "$tmp/public" -type f | wc -l) files, $(du -sh "$tmp/public" | cut -f1)"
