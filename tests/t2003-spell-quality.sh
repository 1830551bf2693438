#!/bin/sh
test_description='pr-publish spell: quality on real text (seeds, corpus, injected typos)'
. "$(dirname "$0")/lib/test-lib.sh"

PR_PUBLISH_DICTDIR=$REPO/dictionaries
export PR_PUBLISH_DICTDIR

# The part of a seed page after its navigation (which ends "- About us").
after_navigation() {
	sed -n '/^- About us$/,$p' "$1" | tail -n +2
}

test_expect_success 'an archive to check in' '
	make_archive
'

test_expect_success SHARED 'the English seed release: no finding' '
	after_navigation "$SHARED/seeds/004_1f229a348aa74149.txt" >seed-en.txt &&
	test -s seed-en.txt &&
	run_expect 0 pr-publish spell --text --lang en seed-en.txt &&
	grep "spell: 0 errors, 0 warnings in 1 file" err
'

test_expect_success SHARED 'the German seed page: no finding (IKT-Sicherheit, OSZE-Teilnehmerstaaten)' '
	after_navigation "$SHARED/seeds/000_a6593ce44b5cd203.txt" >seed-de.txt &&
	grep "IKT-Sicherheit" seed-de.txt && grep "OSZE-Teilnehmerstaaten" seed-de.txt &&
	run_expect 0 pr-publish spell --text --lang de seed-de.txt &&
	grep "spell: 0 errors, 0 warnings in 1 file" err
'

test_expect_success SHARED 'the seeds without the house lists do have findings (the lists matter)' '
	mkdir -p nolists &&
	PR_PUBLISH_DICTDIR=$PWD/nolists run_expect 1 pr-publish spell --text --lang en seed-en.txt &&
	grep "word .Kupchyna." err
'

for rel in "$REPO"/releases/*/*.xml; do
	lang=$(basename "$rel" .xml); lang=${lang##*.}
	test_expect_success PYTHON "injected typos are caught in $lang, their neighbours are not flagged" '
		python3 "$FIXTURES/spell/inject-typos.py" "$rel" typo-$lang.txt typos-$lang.txt &&
		test -s typos-$lang.txt &&
		pr-publish spell --format=json --text --lang $lang typo-$lang.txt >found-$lang.json 2>/dev/null;
		python3 - typos-$lang.txt found-$lang.json <<-\EOF
		import json, sys
		typos = open(sys.argv[1], encoding="utf-8").read().split()
		found = [json.loads(l)["message"].split("'"'"'")[1] for l in open(sys.argv[2], encoding="utf-8")]
		# the word as reported may keep an elision (L’attivvità) or a suspended hyphen
		found = [f.strip("-").replace("\u2019", "'"'"'").split("'"'"'")[-1] for f in found]
		caught = sum(1 for t in typos if t in found)
		false = [f for f in found if f not in typos]
		print("# %d of %d typos caught (%.0f%%), %d correct words flagged %s"
		      % (caught, len(typos), 100.0 * caught / len(typos), len(false), false))
		sys.exit(0 if caught >= 0.9 * len(typos) and not false else 1)
		EOF
	'
done

test_expect_success SHARED,PYTHON 'corpus: false flags per 1,000 words, names and others' '
	for f in "$SHARED"/corpus/*.json; do
		python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d[\"headline\"]); print(\"\\n\".join(d[\"paragraphs\"]))" "$f" >"$(basename "$f" .json).txt" || return 1
	done &&
	pr-publish spell --stats --text --lang en [0-9]*-en.txt >/dev/null 2>err;
	line=$(grep "^spell: en: " err) &&
	echo "$line" | sed -n "s/^spell: en: \([0-9]*\) words, [0-9]* misspelled (\([0-9]*\) capitalised, \([0-9]*\) other).*/\1 \2 \3/p" >figures &&
	read words names others <figures &&
	echo "# corpus: $words words; per 1,000 words: names $(( names * 1000 / words )).$(( names * 10000 / words % 10 )), others $(( others * 1000 / words )).$(( others * 10000 / words % 10 ))" &&
	test $(( others * 1000 / words )) -lt 2
'

test_done
