#!/bin/sh
test_description='pr-publish spell: hostile input stays bounded'
. "$(dirname "$0")/lib/test-lib.sh"

# A release whose body paragraph is the text in file $1.
release_with_body() {
	{
		printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		printf "<release id=\"2020-01-11-storm\" xml:lang=\"en\">\n"
		printf "<headline>Storm</headline>\n<dateline><date>2020-01-11</date><place>Vienna</place></dateline>\n"
		printf "<sources><source ref=\"secretariat\"/></sources>\n<body><p>"
		cat "$1"
		printf "</p></body>\n</release>\n"
	} >releases/2020-01-11-storm.en.xml
}

test_expect_success PYTHON 'a storm of 10,000 distinct junk words finishes quickly' '
	make_archive &&
	python3 -c "
import random
r = random.Random(7)
print(\" \".join(\"\".join(r.choice(\"qxzjkvw\") for _ in range(r.randint(4, 12))) for _ in range(10000)))
" >storm.txt &&
	release_with_body storm.txt &&
	start=$(date +%s) &&
	run_expect 1 pr-publish spell --suggest &&
	end=$(date +%s) &&
	echo "# storm: $((end - start)) s" &&
	test $((end - start)) -lt 20 &&
	test "$(grep -c "misspelled word" err)" = 200 &&
	grep "note: more than 200 misspellings: the rest of this file is not reported" err
'

test_expect_success 'suggestions stop after 20 words, and say so' '
	test "$(grep -c "(suggestions:" err)" -le 20 &&
	grep "no more suggestions in this run" err
'

test_expect_success 'the same storm as plain text' '
	run_expect 1 pr-publish spell --text --lang en storm.txt
'

test_expect_success PYTHON 'a 100 KB word is skipped with a warning, not given to hunspell' '
	python3 -c "print(\"Security \" + \"a\" * 100000 + \" today\")" >big.txt &&
	release_with_body big.txt &&
	run_expect 1 pr-publish spell -W &&
	grep "warning: word of 100000 characters not checked (over 100) \[spell-long\]" err &&
	! grep "misspelled" err
'

test_expect_success PYTHON 'words just under and over the limit of 100 characters' '
	python3 -c "print(\"x\" * 100, \"y\" * 101)" >edge.txt &&
	run_expect 1 pr-publish spell --text --lang en edge.txt &&
	grep "misspelled word .xxxx" err &&
	grep "word of 101 characters not checked" err
'

test_expect_success 'invalid UTF-8 in plain text is an error at its place; the rest is checked' '
	printf "good text\nthe \377 mispeled\n" >bad.txt &&
	run_expect 1 pr-publish spell --text --lang en bad.txt &&
	grep "^bad.txt:2:5: error: invalid UTF-8 byte 0xFF" err &&
	grep "^bad.txt:2:7: .*misspelled word .mispeled." err
'

test_expect_success 'control characters and escapes never reach the terminal' '
	printf "xqzbad\033[31m here\n" >esc.txt &&
	run_expect 1 pr-publish spell --text --lang en esc.txt &&
	grep "word .xqzbad." err &&
	! grep "$(printf "\033")" err
'

test_expect_success 'an xml:lang that is no site language (or not a language) is skipped' '
	cat >storm.txt <<-\EOT &&
	<span xml:lang="zz-Qqqq">qqqqq wwwww</span> <span xml:lang="x-klingon">zzzzz</span> fine
	EOT
	release_with_body storm.txt &&
	pr-publish validate releases >/dev/null 2>&1;
	pr-publish spell releases >out 2>err;
	! grep -e qqqqq -e zzzzz err
'

test_expect_success 'a release that is not valid XML is reported, not checked' '
	printf "<release><p>unclosed" >releases/2020-01-12-broken.en.xml &&
	run_expect 1 pr-publish spell releases/2020-01-12-broken.en.xml &&
	grep "xml-syntax\|schema" err
'

test_expect_success 'a missing file is a system error' '
	run_expect 3 pr-publish spell no/such.en.xml &&
	run_expect 3 pr-publish spell --text --lang en no/such.txt
'

test_done
