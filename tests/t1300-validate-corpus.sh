#!/bin/sh
test_description='validate: real published releases, converted from the shared corpus, are clean'
. "$(dirname "$0")/lib/test-lib.sh"

# usage: lines_are N FILE
lines_are() {
	test "$(wc -l <"$2")" -eq "$1" || { echo "$2: $(wc -l <"$2") lines, not $1"; return 1; }
}

test_expect_success SHARED,PYTHON 'every corpus release converts' '
	make_archive &&
	ls "$SHARED"/corpus/*.json >corpus.list &&
	test -s corpus.list &&
	while read -r json; do
		python3 "$REPO/tests/lib/corpus2release.py" "$REPO/site.xml" "$json" releases \
			>>converted 2>>notes ||
		{ echo "cannot convert $json:"; cat notes; return 1; }
	done <corpus.list &&
	lines_are $(wc -l <corpus.list) converted &&
	ls releases/*.xml >written &&
	lines_are $(wc -l <corpus.list) written &&
	test_set_prereq CORPUS
'

test_expect_success CORPUS 'the converted corpus validates in one run: exit 0' '
	run_expect 0 pr-publish validate &&
	test_must_be_empty out &&
	! grep ": error: " err &&
	grep "^validate: 0 errors, [0-9]* warnings\\{0,1\\} in $(wc -l <corpus.list) files$" err
'

test_expect_success CORPUS 'the only warnings are releases without a field of work' '
	grep ": warning: " err >warnings || : &&
	! grep -v "\\[field-missing\\]$" warnings &&
	grep -c "no field of work.*<fields> is left out" notes >nr_notes &&
	lines_are $(cat nr_notes) warnings &&
	test -s warnings
'

test_expect_success CORPUS 'a release without a field of work is written without <fields>' '
	for f in $(sed -n "s/^\\(.*\\.xml\\):2:1: warning: .*\\[field-missing\\]$/\\1/p" warnings); do
		! grep -q "<fields>" "$f" || { echo "$f has <fields>"; return 1; }
	done
'

test_expect_success CORPUS 'the converted set uses the closed office-in-yerevan' '
	grep -l "<source ref=\"office-in-yerevan\"/>" releases/*.xml &&
	sed -n "/<term key=\"office-in-yerevan\"/,/<\\/term>/p" "$REPO/site.xml" >term &&
	grep "status=\"closed\"" term
'

test_expect_success CORPUS 'the converted set uses the field safety-of-journalists' '
	grep -l "<field ref=\"safety-of-journalists\"/>" releases/*.xml &&
	grep "<term key=\"safety-of-journalists\"" "$REPO/site.xml"
'

test_expect_success CORPUS 'JSON: the corpus run prints warnings only, as valid JSON lines' '
	run_expect 0 pr-publish validate --format=json &&
	python3 -c "
import json, sys
rows = [json.loads(l) for l in open(\"out\", encoding=\"utf-8\")]
assert rows, \"no warnings at all?\"
assert all(r[\"severity\"] == \"warning\" and r[\"rule\"] == \"field-missing\" for r in rows), rows
"
'

test_expect_success CORPUS 'with --werror the missing fields fail the run' '
	run_expect 1 pr-publish validate --werror
'

test_done
