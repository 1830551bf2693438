#!/bin/sh
# bench-spell.sh - how fast pr-publish spell checks, per language.
#
#   sh tools/bench-spell.sh        (make bench runs it)
#
# For each of the six languages, in one process each:
#   load      the one-time cost of loading the hunspell dictionary and the
#             house lists and taxonomy labels (spell --stats)
#   distinct  words per second over 20,000 different words taken from the
#             system dictionary (every word a real hunspell lookup)
#   prose     the language's sample release, its text repeated to some
#             100,000 words (real text: repeated words come from the
#             speller's cache): dictionary lookups per second, and words per
#             second of the whole run (process start, dictionary load,
#             tokenizing and checking included)
set -e
cd "$(dirname "$0")/.."
PR=${PR_PUBLISH:-./pr-publish}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

stats() {   # lang file -> "words load check"
	"$PR" spell --site site.xml --stats --text --lang "$1" "$2" 2>&1 >/dev/null |
		sed -n "s/^spell: $1: \([0-9]*\) words.*loaded in \([0-9.]*\) s, checked in \([0-9.]*\) s/\1 \2 \3/p"
}

now() { date +%s.%N; }

printf '%-4s %9s %9s %13s %9s %15s %15s\n' lang "load s" distinct "distinct w/s" prose "prose lookup/s" "prose w/s wall"
for lang in en fr de it ru es; do
	dict=$(sed -n "s/.*<language code=\"$lang\" dictionary=\"\([^\"]*\)\".*/\1/p" site.xml)
	# 20,000 distinct words from the dictionary (stems, flags cut off).
	tail -n +2 "/usr/share/hunspell/$dict.dic" | cut -d/ -f1 | cut -f1 |
		grep -v '[0-9.]' | awk 'NR % 3 == 0' | head -n 20000 | tr '\n' ' ' >"$tmp/distinct.txt"
	set -- $(stats "$lang" "$tmp/distinct.txt")
	load=$2
	nd=$1
	distinct=$(awk -v w="$1" -v t="$3" 'BEGIN { if (t > 0) printf "%.0f", w / t; else printf "0" }')
	# The sample release of that language, its text repeated.
	rel=$(ls releases/*/*."$lang".xml | head -n 1)
	sed -e 's/<[^>]*>/ /g' "$rel" | tr -s ' \n' ' ' >"$tmp/one.txt"
	: >"$tmp/prose.txt"
	n=0
	while [ "$n" -lt 100000 ]; do
		cat "$tmp/one.txt" >>"$tmp/prose.txt"
		echo >>"$tmp/prose.txt"
		n=$((n + $(wc -w <"$tmp/one.txt")))
	done
	start=$(now)
	set -- $(stats "$lang" "$tmp/prose.txt")
	end=$(now)
	prose=$(awk -v w="$1" -v t="$3" 'BEGIN { if (t > 0) printf "%.0f", w / t; else printf "0" }')
	wall=$(awk -v w="$1" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", w / (b - a) }')
	printf '%-4s %9s %9s %13s %9s %15s %15s\n' "$lang" "$load" "$nd" "$distinct" "$1" "$prose" "$wall"
done
