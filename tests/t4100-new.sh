#!/bin/sh
test_description='pr-publish new: a draft that validates'
. "$(dirname "$0")/lib/test-lib.sh"

test_expect_success 'new writes a valid draft dated today and prints its path' '
	make_archive &&
	pr-publish new --source transnational-threats-department --field countering-terrorism \
		--place Seoul --place Vienna "OSCE and Republic of Korea: conference" >out &&
	test "$(cat out)" = "drafts/2026-11-25-osce-and-republic-of-korea-conference.en.xml" &&
	grep "<date>2026-11-25</date>" "$(cat out)" &&
	grep "<place>Seoul</place>" "$(cat out)" &&
	grep "<source ref=\"transnational-threats-department\"/>" "$(cat out)" &&
	pr-publish validate -W "$(cat out)"
'

test_expect_success 'the id transliterates Cyrillic and diacritics' '
	pr-publish new --lang ru "ОБСЕ: семинар в Бишкеке" >out &&
	test "$(cat out)" = "drafts/2026-11-25-obse-seminar-v-bishkeke.ru.xml" &&
	pr-publish new --lang de "Österreich übernimmt" >out &&
	test "$(cat out)" = "drafts/2026-11-25-osterreich-ubernimmt.de.xml" &&
	pr-publish validate drafts
'

test_expect_success 'markup in the headline is escaped, not interpreted' '
	pr-publish new "<script>alert(1)</script> & more" >out &&
	grep "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" "$(cat out)" &&
	pr-publish validate "$(cat out)"
'

test_expect_success 'a second draft with the same headline does not overwrite the first' '
	pr-publish new "Same headline" >one &&
	echo "edited" >>"$(cat one)" &&
	pr-publish new "Same headline" >two &&
	test "$(cat two)" = "drafts/2026-11-25-same-headline-2.en.xml" &&
	grep edited "$(cat one)" &&
	pr-publish validate "$(cat two)"
'

test_expect_success 'a very long headline still gives a valid id' '
	pr-publish new "$(printf "word%.0s " $(seq 1 60))" >out &&
	pr-publish validate "$(cat out)"
'

test_expect_success 'an unknown source or field is a usage error with a hint' '
	run_expect 2 pr-publish new --field polcing "x" &&
	grep "did you mean .policing." err &&
	run_expect 2 pr-publish new --lang xx "x" &&
	grep "not one of the site.s languages" err
'

test_done
