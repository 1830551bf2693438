#!/bin/sh
test_description='validate: the sample archive and a good release are clean, text and JSON'
. "$(dirname "$0")/lib/test-lib.sh"

# Each line of out must be a JSON object with the finding's fields.
check_json_lines() {
	python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    assert isinstance(d, dict), line
    for k, t in (("file", str), ("line", int), ("column", int), ("severity", str),
                 ("rule", str), ("message", str)):
        assert isinstance(d.get(k), t), "%s: %r" % (k, line)
    assert d["severity"] in ("error", "warning", "note"), line
    n += 1
print(n)
' "$1"
}

test_expect_success 'the sample archive validates clean: exit 0, only the summary' '
	run_expect 0 pr-publish validate --site "$REPO/site.xml" "$REPO/releases" &&
	test_must_be_empty out &&
	echo "validate: 0 errors, 0 warnings in 8 files" >expect &&
	test_cmp expect err
'

test_expect_success 'without PATH, validate checks releases/ beside the site file' '
	run_expect 0 pr-publish validate --site "$REPO/site.xml" &&
	test_must_be_empty out &&
	grep "^validate: 0 errors, 0 warnings in 8 files$" err
'

test_expect_success 'in an archive, site.xml and releases/ are found from the working directory' '
	make_archive &&
	put_release validate/2021-03-01-good.en.xml releases/2021/2021-03-01-good.en.xml &&
	run_expect 0 pr-publish validate &&
	test_must_be_empty out &&
	echo "validate: 0 errors, 0 warnings in 1 file" >expect &&
	test_cmp expect err
'

test_expect_success '--quiet drops the summary too' '
	run_expect 0 pr-publish validate -q --site "$REPO/site.xml" "$REPO/releases" &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success PYTHON 'JSON: a clean archive prints nothing on stdout' '
	run_expect 0 pr-publish validate --format=json --site "$REPO/site.xml" "$REPO/releases" &&
	test_must_be_empty out &&
	grep "^validate: 0 errors" err
'

test_expect_success PYTHON 'JSON: a broken archive prints one valid JSON object per finding' '
	rm -rf broken && mkdir broken &&
	cp "$FIXTURES/validate/2021-03-01-field-unknown.en.xml" \
	   "$FIXTURES/validate/2021-03-01-bidi-headline.en.xml" \
	   "$FIXTURES/validate/2021-03-01-field-missing.en.xml" broken/ &&
	printf "<release>\\033]0;pwned\\007" >broken/2021-03-01-escape.en.xml &&
	run_expect 1 pr-publish validate --format=json --site "$REPO/site.xml" broken &&
	test "$(check_json_lines out)" = 4 &&
	python3 -c "
import json, sys
rows = [json.loads(l) for l in open(\"out\", encoding=\"utf-8\")]
by_rule = {r[\"rule\"]: r for r in rows}
f = by_rule[\"field-unknown\"]
assert f[\"file\"] == \"broken/2021-03-01-field-unknown.en.xml\", f
assert (f[\"line\"], f[\"column\"], f[\"severity\"]) == (12, 12, \"error\"), f
assert \"polcing\" in f[\"message\"] and \"policing\" in f[\"message\"], f
assert (by_rule[\"bidi\"][\"line\"], by_rule[\"bidi\"][\"column\"]) == (3, 18), by_rule[\"bidi\"]
assert by_rule[\"field-missing\"][\"severity\"] == \"warning\"
assert by_rule[\"control-char\"][\"line\"] == 1
" &&
	# no raw escape or bidi character reaches stdout
	! grep -q "$(printf "\\033")" out &&
	! grep -q "$(printf "\\342\\200\\256")" out &&
	grep "^validate: 3 errors, 1 warning in 4 files$" err
'

test_expect_success 'the text format names file:line:col, severity, message and rule' '
	run_expect 1 pr-publish validate --site "$REPO/site.xml" \
		"$FIXTURES/validate/2021-03-01-field-unknown.en.xml" &&
	test_must_be_empty out &&
	grep -x "$FIXTURES/validate/2021-03-01-field-unknown.en.xml:12:12: error: unknown field of work .polcing.; did you mean .policing. (Policing)? \\[field-unknown\\]" err
'

test_expect_success 'warnings alone exit 0; --werror makes them fail' '
	run_expect 0 pr-publish validate --site "$REPO/site.xml" \
		"$FIXTURES/validate/2021-03-01-field-missing.en.xml" &&
	grep ":2:1: warning: no field of work.*\\[field-missing\\]" err &&
	run_expect 1 pr-publish validate --werror --site "$REPO/site.xml" \
		"$FIXTURES/validate/2021-03-01-field-missing.en.xml"
'

test_expect_success '--color=always shows the source line and a caret under the column' '
	run_expect 1 pr-publish validate --color=always --site "$REPO/site.xml" \
		"$FIXTURES/validate/2021-03-01-field-unknown.en.xml" &&
	grep -q "$(printf "\\033")\\[" err &&
	sed "s/$(printf "\\033")\\[[0-9;]*m//g" err >plain &&
	cat >expect <<-\EOF &&
	    12 |     <field ref="polcing"/>
	       |            ^
	EOF
	sed -n "2,3p" plain >actual &&
	test_cmp expect actual
'

# U+202E is three bytes, shown as the eight characters \u{202E}: the caret
# goes under the escape's first character.
test_expect_success 'the caret counts characters, and escapes, not bytes' '
	run_expect 1 pr-publish validate --color=always --site "$REPO/site.xml" \
		"$FIXTURES/validate/2021-03-01-bidi-headline.en.xml" &&
	sed "s/$(printf "\\033")\\[[0-9;]*m//g" err >plain &&
	grep "2021-03-01-bidi-headline.en.xml:3:18: error: .*U+202E.*\\[bidi\\]" plain &&
	cat >expect <<-\EOF &&
	     3 |   <headline>OSCE \u{202E}trains police officers in Vienna</headline>
	       |                  ^
	EOF
	sed -n "2,3p" plain >actual &&
	test_cmp expect actual
'

test_expect_success '--color=never and NO_COLOR print no escape sequences' '
	run_expect 1 pr-publish validate --color=never --site "$REPO/site.xml" \
		"$FIXTURES/validate/2021-03-01-field-unknown.en.xml" &&
	! grep -q "$(printf "\\033")" err
'

test_done
