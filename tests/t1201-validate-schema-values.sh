#!/bin/sh
test_description='validate: keys, language codes, ids, dates and instants are refused exactly as the schema files refuse them

pr-publish checks the values of the schemas'"'"' patterned types itself, with
the patterns compiled once (src/schema_values.h), instead of letting
libxml2 compile them again for every value.  The verdict must not change:
for every such value in a release (and in the site file), set to a good,
awkward or bad value, pr-publish must report a schema error exactly when
xmllint finds the file not valid against the schema files.'
. "$(dirname "$0")/lib/test-lib.sh"

# usage: schema_verdicts SCHEMA FILES...: the files xmllint refuses, sorted.
schema_verdicts() {
	schema=$1
	shift
	xmllint --noout --relaxng "$REPO/schema/$schema" "$@" 2>&1 |
	sed -n "s/ fails to validate\$//p" | sort -u
}

test_expect_success PYTHON 'release values: the same verdicts as xmllint on schema/release.rng' '
	make_archive &&
	python3 "$REPO/tests/lib/schema-cases.py" release cases &&
	schema_verdicts release.rng cases/case-*.xml >want &&
	test_expect_code 1 pr-publish validate --format=json cases/case-*.xml >findings 2>err &&
	sed -n "s/^{\"file\":\"\\([^\"]*\\)\".*\"rule\":\"schema\".*/\\1/p" findings | sort -u >got &&
	test_cmp want got &&
	# Neither side accepts or refuses everything: the cases bite.
	test $(wc -l <want) -gt 100 &&
	test $(ls cases/case-*.xml | wc -l) -gt $(($(wc -l <want) + 100))
'

test_expect_success PYTHON 'a bad value is named, with its place and what a good one looks like' '
	grep "^{\"file\":\"cases/case-[0-9]*.en.xml\",\"line\":[0-9]*,\"column\":[0-9]*,\"severity\":\"error\",\"rule\":\"schema\",\"message\":\"attribute .date. of element .withdrawn. has the value .2021-3-01., which is not valid; dates are written YYYY-MM-DD" findings &&
	grep "\"message\":\"value .2021-3-01. in element .end-date. is not valid; dates are written YYYY-MM-DD" findings &&
	grep "\"message\":\"attribute .xml:lang. of element .span. has the value .EN., which is not valid; a language code is lowercase" findings
'

test_expect_success PYTHON 'site values: the same verdicts as xmllint on schema/site.rng' '
	python3 "$REPO/tests/lib/schema-cases.py" site sites "$REPO/site.xml" &&
	schema_verdicts site.rng sites/site-*.xml >want &&
	: >got &&
	for f in sites/site-*.xml; do
		rm -rf one && mkdir -p one/releases && cp "$f" one/site.xml &&
		(cd one && pr-publish validate --format=json >findings 2>err;
		 grep -q "\"rule\":\"schema\"" findings) && echo "$f" >>got
	done &&
	sort -o got got &&
	test_cmp want got &&
	test -s want
'

test_done
