#!/bin/sh
test_description='validate: each rule, on a fixture that breaks it, at the right line and column'
. "$(dirname "$0")/lib/test-lib.sh"

# usage: check_rule FIXTURE LINE:COL RULE [NR_ERRORS]
# A fresh archive holding just FIXTURE (from fixtures/validate/) must fail
# validation (exit 1) with RULE at LINE:COL, and with NR_ERRORS errors in all
# (default 1: the fixture breaks that rule and nothing else).
check_rule() {
	rm -rf releases site.xml && make_archive && put_release "validate/$1" &&
	run_expect 1 pr-publish validate &&
	test_must_be_empty out &&
	grep "^releases/$1:$2: error: .* \\[$3\\]\$" err &&
	grep "^validate: ${4:-1} errors\\{0,1\\}, 0 warnings in 1 file\$" err
}

test_expect_success 'the good fixture is clean' '
	rm -rf releases && make_archive && put_release validate/2021-03-01-good.en.xml &&
	run_expect 0 pr-publish validate &&
	grep "^validate: 0 errors, 0 warnings in 1 file$" err
'

# ---- dates ----

test_expect_success 'date: 2021-02-29 is not a day' '
	check_rule 2021-02-29-date-feb29.en.xml 5:5 date &&
	grep "dateline date .2021-02-29. is not a real date: no such day in that month" err
'

test_expect_success 'date: 1900-01-01 is out of range' '
	check_rule 1900-01-01-date-year-1900.en.xml 5:5 date &&
	grep "year out of range (1975-2099)" err
'

test_expect_success 'schema: 99999-01-01 is not YYYY-MM-DD' '
	check_rule 2021-03-01-date-five-digit-year.en.xml 5:5 schema &&
	grep "value .99999-01-01. in element .date. is not valid; dates are written YYYY-MM-DD" err
'

test_expect_success 'schema: -0044-03-15 is not YYYY-MM-DD' '
	check_rule 2021-03-01-date-bce.en.xml 5:5 schema &&
	grep "value .-0044-03-15. in element .date. is not valid" err
'

test_expect_success 'date-future: a future date without embargo' '
	check_rule 2027-01-15-date-future.en.xml 5:5 date-future &&
	grep "dateline date 2027-01-15 is in the future (today is 2026-11-25)" err &&
	grep "add an <embargo>" err
'

test_expect_success 'a future date with an embargo that day is fine' '
	rm -rf releases && make_archive &&
	put_release validate/2027-01-15-date-future-embargo.en.xml &&
	run_expect 0 pr-publish validate &&
	grep "^validate: 0 errors, 0 warnings in 1 file$" err
'

test_expect_success 'the clock decides what is future: PR_PUBLISH_NOW moved back' '
	rm -rf releases && make_archive && put_release validate/2027-01-15-date-future.en.xml &&
	PR_PUBLISH_NOW=2027-01-15T00:00:00Z run_expect 0 pr-publish validate &&
	PR_PUBLISH_NOW=2027-01-14T23:59:59Z run_expect 1 pr-publish validate &&
	grep "today is 2027-01-14" err
'

test_expect_success 'schema: an embargo without a time zone' '
	check_rule 2027-01-15-embargo-no-zone.en.xml 8:3 schema &&
	grep "value .2027-01-15T09:00:00. in element .embargo. is not valid; an embargo is a date and time with its zone" err
'

test_expect_success 'embargo: 25:00 is no time of day' '
	check_rule 2027-01-15-embargo-hour-25.en.xml 8:3 embargo &&
	grep "embargo .2027-01-15T25:00:00+01:00. is not valid: no such time of day" err
'

test_expect_success 'embargo (warning): lifting on another day than the dateline' '
	rm -rf releases && make_archive && put_release validate/2021-03-01-embargo-other-day.en.xml &&
	run_expect 0 pr-publish validate &&
	grep "^releases/2021-03-01-embargo-other-day.en.xml:8:3: warning: embargo lifts on 2021-03-02 but the dateline says 2021-03-01; make them the same day \\[embargo\\]$" err &&
	run_expect 1 pr-publish validate -W
'

# ---- the taxonomy ----

test_expect_success 'source-unknown, with a suggestion' '
	check_rule 2021-03-01-source-unknown.en.xml 9:13 source-unknown &&
	grep "unknown source .secretariet.; did you mean .secretariat. (OSCE Secretariat)?" err
'

test_expect_success 'field-unknown: polcing, did you mean policing' '
	check_rule 2021-03-01-field-unknown.en.xml 12:12 field-unknown &&
	grep "unknown field of work .polcing.; did you mean .policing. (Policing)?" err
'

test_expect_success 'country-unknown: in <countries> and on a place' '
	check_rule 2021-03-01-country-unknown.en.xml 15:14 country-unknown 2 &&
	grep "15:14: error: unknown country .austira.; did you mean .austria. (Austria)?" err &&
	grep "^releases/2021-03-01-country-unknown.en.xml:6:12: error: unknown country .autsria. for place .Vienna.; did you mean .austria." err
'

test_expect_success 'the suggestion is labelled in the release language' '
	rm -rf releases && make_archive &&
	sed -e "s/xml:lang=\"en\"/xml:lang=\"de\"/" -e "s/field-unknown/field-unknown-de/" \
		"$FIXTURES/validate/2021-03-01-field-unknown.en.xml" \
		>releases/2021-03-01-field-unknown-de.de.xml &&
	run_expect 1 pr-publish validate &&
	grep "did you mean .policing. (Polizeiarbeit)?" err
'

test_expect_success 'field-missing is a warning at the release element' '
	rm -rf releases && make_archive && put_release validate/2021-03-01-field-missing.en.xml &&
	run_expect 0 pr-publish validate &&
	grep "^releases/2021-03-01-field-missing.en.xml:2:1: warning: no field of work.* \\[field-missing\\]$" err
'

test_expect_success 'person-unknown: a quotation by someone not in <people>' '
	check_rule 2021-03-01-person-unknown.en.xml 23:42 person-unknown &&
	grep "quotation by .john-doe., who is not in <people>; add a <person id=\"john-doe\"> there" err
'

# ---- languages and ids ----

test_expect_success 'lang: xml:lang not a site language' '
	check_rule 2021-03-01-lang-polish.pl.xml 2:38 lang &&
	grep "language .pl. is not one of the site.s languages (en, fr, de, it, ru, es)" err
'

test_expect_success 'lang: original-lang naming the file'"'"'s own language' '
	check_rule 2021-03-01-lang-original.en.xml 2:54 lang &&
	grep "original-lang .en. is this file.s own language" err
'

test_expect_success 'id: the id does not match the file name' '
	check_rule 2021-03-01-id-file-name.en.xml 2:10 id &&
	grep "name the file .2021-03-01-police-training.en.xml." err
'

test_expect_success 'id-date: the id date is not the dateline date' '
	check_rule 2021-03-02-id-date.en.xml 2:10 id-date &&
	grep "id .2021-03-02-id-date. starts with 2021-03-02 but the dateline date is 2021-03-01" err
'

test_expect_success 'id-duplicate: the same id and language in two files' '
	rm -rf releases && make_archive &&
	put_release validate/2021-03-01-good.en.xml releases/2021/2021-03-01-good.en.xml &&
	put_release validate/2021-03-01-good.en.xml releases/old/2021-03-01-good.en.xml &&
	run_expect 1 pr-publish validate &&
	grep "^releases/old/2021-03-01-good.en.xml:2:10: error: id .2021-03-01-good. (en) is already used by releases/2021/2021-03-01-good.en.xml; every release needs its own id \\[id-duplicate\\]$" err &&
	grep "^validate: 1 error, 0 warnings in 2 files$" err
'

test_expect_success 'two languages of one id are not duplicates' '
	rm -rf releases && make_archive &&
	put_release validate/2021-03-01-good.en.xml &&
	sed "s/xml:lang=\"en\"/xml:lang=\"fr\"/" "$FIXTURES/validate/2021-03-01-good.en.xml" \
		>releases/2021-03-01-good.fr.xml &&
	run_expect 0 pr-publish validate
'

# ---- translations ----

test_expect_success 'translation: versions disagreeing on sources, fields and countries' '
	rm -rf releases && make_archive &&
	put_release validate/2021-03-01-translation.en.xml &&
	put_release validate/2021-03-01-translation.de.xml &&
	run_expect 1 pr-publish validate &&
	grep "^releases/2021-03-01-translation.en.xml:8:3: error: .* has sources .secretariat. but the de version (releases/2021-03-01-translation.de.xml) has .odihr.; language versions must agree \\[translation\\]$" err &&
	grep "^releases/2021-03-01-translation.en.xml:11:3: error: .* has fields of work .policing. but .* has .border-management.; .*\\[translation\\]$" err &&
	grep "^releases/2021-03-01-translation.en.xml:14:3: error: .* has countries .austria. but .* has .germany.; .*\\[translation\\]$" err &&
	grep "^validate: 3 errors, 0 warnings in 2 files$" err
'

test_expect_success 'translation: versions disagreeing on the date' '
	rm -rf releases && make_archive &&
	put_release validate/2021-03-01-translation-date.en.xml &&
	put_release validate/2021-03-01-translation-date.de.xml &&
	run_expect 1 pr-publish validate &&
	grep "^releases/2021-03-01-translation-date.en.xml:5:5: error: the en version of .2021-03-01-translation-date. has dateline date .2021-03-01. but the de version .* has .2021-03-02.; language versions must agree \\[translation\\]$" err &&
	grep "^releases/2021-03-01-translation-date.de.xml:2:10: error: .*\\[id-date\\]$" err
'

test_expect_success 'translation: one version with an embargo, one without' '
	rm -rf releases && make_archive &&
	put_release validate/2027-01-15-date-future-embargo.en.xml &&
	sed -e "s/xml:lang=\"en\"/xml:lang=\"de\"/" -e "/<embargo>/d" \
		"$FIXTURES/validate/2027-01-15-date-future-embargo.en.xml" \
		>releases/2027-01-15-date-future-embargo.de.xml &&
	run_expect 1 pr-publish validate &&
	grep "^releases/2027-01-15-date-future-embargo.de.xml:5:5: error: .*\\[date-future\\]$" err &&
	grep ":8:3: error: the en version .* has embargo .2027-01-15T09:00:00+01:00. but the de version .* has none; language versions must agree \\[translation\\]$" err &&
	grep "^validate: 2 errors, 0 warnings in 2 files$" err
'

# ---- links and text ----

test_expect_success 'link: javascript:' '
	check_rule 2021-03-01-link-javascript.en.xml 24:19 link &&
	grep "link .javascript:alert(document.cookie). is not allowed: links must be absolute http://, https:// or mailto: addresses" err
'

test_expect_success 'empty: an empty headline' '
	check_rule 2021-03-01-empty-headline.en.xml 3:3 empty &&
	grep "empty <headline>: write its text or delete the element" err
'

test_expect_success 'empty: an empty paragraph' '
	check_rule 2021-03-01-empty-p.en.xml 24:5 empty &&
	grep "empty <p>: write its text or delete the element" err
'

test_expect_success 'bidi: an override in the headline, at its column' '
	check_rule 2021-03-01-bidi-headline.en.xml 3:18 bidi &&
	grep "bidirectional control character U+202E in the headline" err &&
	! grep -q "$(printf "\\342\\200\\256")" err
'

# ---- the schema ----

test_expect_success 'schema: an unknown element' '
	check_rule 2021-03-01-schema-unknown-element.en.xml 24:5 schema &&
	grep "element .para. is not allowed here (check its place and spelling)" err
'

test_expect_success 'schema: a missing headline is named, at the element where it belongs' '
	check_rule 2021-03-01-schema-missing-headline.en.xml 3:3 schema &&
	grep "element .release. is missing its .headline. element" err
'

test_expect_success 'schema: a key that is not a key, at the attribute' '
	check_rule 2021-03-01-schema-bad-key.en.xml 12:12 schema &&
	grep "attribute .ref. of element .field. has the value .Policing., which is not valid; a key is lowercase" err
'

test_expect_success 'schema: an enumerated attribute with another value lists the choices' '
	check_rule 2021-03-01-schema-bad-type.en.xml 2:56 schema &&
	grep "attribute .type. of element .release. has the value .blog., which is not valid; write one of: press-release, news, statement, media-advisory" err
'

test_expect_success 'schema: an attribute the element does not have' '
	rm -rf releases && make_archive &&
	sed "s/<source ref=\"secretariat\"\\/>/<source ref=\"secretariat\" colour=\"red\"\\/>/" \
		"$FIXTURES/validate/2021-03-01-good.en.xml" >releases/2021-03-01-good.en.xml &&
	run_expect 1 pr-publish validate &&
	grep "^releases/2021-03-01-good.en.xml:9:31: error: attribute .colour. is not allowed on element .source.; delete it \\[schema\\]$" err
'

test_expect_success 'schema: a required attribute missing' '
	rm -rf releases && make_archive &&
	sed "s/ xml:lang=\"en\"//" "$FIXTURES/validate/2021-03-01-good.en.xml" \
		>releases/2021-03-01-good.en.xml &&
	run_expect 1 pr-publish validate &&
	grep "^releases/2021-03-01-good.en.xml:2:1: error: element .release. needs the attribute .xml:lang.; add it \\[schema\\]$" err
'

test_expect_success 'schema: text where only elements go' '
	rm -rf releases && make_archive &&
	sed "s/<field ref=\"policing\"\\/>/<field ref=\"policing\">Policing<\\/field>/" \
		"$FIXTURES/validate/2021-03-01-good.en.xml" >releases/2021-03-01-good.en.xml &&
	run_expect 1 pr-publish validate &&
	grep "^releases/2021-03-01-good.en.xml:12:5: error: element .field. must be empty, as in <field ref=\"...\"/>; delete the text inside it \\[schema\\]$" err
'

# ---- XML ----

test_expect_success 'xml-syntax: mismatched tags, with the line of the opening tag' '
	rm -rf releases && make_archive &&
	sed "s/<\\/headline>/<\\/hedline>/" "$FIXTURES/validate/2021-03-01-good.en.xml" \
		>releases/2021-03-01-good.en.xml &&
	run_expect 1 pr-publish validate &&
	grep "^releases/2021-03-01-good.en.xml:3:[0-9]*: error: closing tag .hedline. does not match .headline. opened on line 3 \\[xml-syntax\\]$" err
'

test_expect_success 'xml-syntax: an undefined entity' '
	rm -rf releases && make_archive &&
	sed "s/It went well/It went \\&nbsp;well/" "$FIXTURES/validate/2021-03-01-good.en.xml" \
		>releases/2021-03-01-good.en.xml &&
	run_expect 1 pr-publish validate &&
	grep "^releases/2021-03-01-good.en.xml:23:64: error: unknown entity .&nbsp;.: only &lt; &gt; &amp; &quot; &apos; and numeric references are allowed; type the character itself \\[xml-syntax\\]$" err
'

test_expect_success 'xml-syntax: an empty file is a finding, not a system error' '
	rm -rf releases && make_archive &&
	: >releases/2021-03-01-good.en.xml &&
	run_expect 1 pr-publish validate &&
	grep "^releases/2021-03-01-good.en.xml:1:1: error: the file is empty; .*\\[xml-syntax\\]$" err &&
	printf "\\357\\273\\277" >releases/2021-03-01-good.en.xml &&
	run_expect 1 pr-publish validate &&
	grep "1:1: error: the file is empty" err
'

test_expect_success 'every finding in one run: the whole fixture set' '
	rm -rf releases && make_archive &&
	cp "$FIXTURES"/validate/*.xml releases/ &&
	run_expect 1 pr-publish validate &&
	for rule in date date-future embargo source-unknown field-unknown country-unknown \
		    person-unknown lang id id-date link empty bidi translation schema; do
		grep -q "\\[$rule\\]\$" err || { echo "no finding for rule $rule"; return 1; }
	done
'

# ---- the other dates: event, corrections ----

# usage: good_with SED-SCRIPT: the good fixture, edited, as the only release
good_with() {
	rm -rf releases site.xml && make_archive && mkdir -p releases &&
	sed "$1" "$FIXTURES/validate/2021-03-01-good.en.xml" >releases/2021-03-01-good.en.xml
}

test_expect_success 'date: an event date that is not a day' '
	good_with "s|  <people>|  <event><name>Training</name><date>2021-02-30</date></event>\n  <people>|" &&
	run_expect 1 pr-publish validate &&
	grep "^releases/2021-03-01-good.en.xml:17:[0-9]*: error: event date .2021-02-30. is not a real date: no such day in that month \[date\]$" err
'

test_expect_success 'date: an event that ends before it starts' '
	good_with "s|  <people>|  <event><name>Training</name><date>2021-02-20</date><end-date>2021-02-10</end-date></event>\n  <people>|" &&
	run_expect 1 pr-publish validate &&
	grep "error: the event ends (2021-02-10) before it starts (2021-02-20) \[date\]$" err
'

test_expect_success 'date: a correction dated on no day, or in the future' '
	good_with "s|</release>|  <corrections><correction date=\"2021-04-31\">x</correction><correction date=\"2027-01-01\">y</correction></corrections>\n</release>|" &&
	run_expect 1 pr-publish validate &&
	grep "correction date .2021-04-31. is not a real date: no such day in that month \[date\]$" err &&
	grep "correction date 2027-01-01 is in the future \[date-future\]$" err
'

test_done
