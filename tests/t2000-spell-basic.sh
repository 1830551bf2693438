#!/bin/sh
test_description='pr-publish spell: findings, positions, languages, formats'
. "$(dirname "$0")/lib/test-lib.sh"

PR_PUBLISH_DICTDIR=$REPO/dictionaries
export PR_PUBLISH_DICTDIR
TYPOS=2020-01-10-typos.en.xml

test_expect_success 'the sample archive has no misspelling' '
	(cd "$REPO" && pr-publish spell) >out 2>err &&
	grep "spell: 0 errors, 0 warnings in [0-9]* files" err ||
	{ cat err; false; }
'

test_expect_success 'misspellings are errors under severity="error": exit 1' '
	make_archive &&
	put_release spell/$TYPOS &&
	run_expect 1 pr-publish spell &&
	grep "misspelled word .Amassador. \[spell\]" err &&
	grep "spell: 4 errors" err
'

test_expect_success 'the column is that of the word, after an entity reference' '
	grep "^releases/$TYPOS:3:28: error: misspelled word .Amassador." err
'

test_expect_success 'a word on a later line, after a character reference and inside <em>' '
	grep "^releases/$TYPOS:13:36: error: misspelled word .confrence." err
'

test_expect_success 'a span switches dictionary: German words pass, a German typo does not' '
	grep "^releases/$TYPOS:14:53: error: misspelled word .Sicherhiet." err &&
	! grep -e "Stadt" -e "Wien" -e "word .und." -e "word .die." err
'

test_expect_success 'a span in a language the site does not publish in is skipped' '
	! grep -e Kamra -e Deputati err
'

test_expect_success 'names, e-mail addresses and phones of contacts are not checked, roles are' '
	! grep -e Xyzzyq -e Plughson -e "osce.example" err &&
	grep "^releases/$TYPOS:20:19: error: misspelled word .Oficer." err
'

test_expect_success 'comments and markup are not text' '
	! grep -e "word .comment." -e "word .em." err
'

test_expect_success 'JSON lines carry file, line, column, rule' '
	run_expect 1 pr-publish spell --format=json releases/$TYPOS &&
	grep "^{\"file\":\"releases/$TYPOS\",\"line\":3,\"column\":28,\"severity\":\"error\",\"rule\":\"spell\",\"message\":\"misspelled word .Amassador.\"}\$" out &&
	test $(wc -l <out) = 4
'

test_expect_success 'severity="warning": warnings and exit 0, -W makes them fail' '
	sed "s|<spelling severity=\"error\"/>|<spelling severity=\"warning\"/>|" site.xml >site.tmp &&
	mv site.tmp site.xml &&
	run_expect 0 pr-publish spell &&
	grep "warning: misspelled word .Amassador." err &&
	run_expect 1 pr-publish spell -W
'

test_expect_success '--suggest gives suggestions' '
	run_expect 0 pr-publish spell --suggest releases/$TYPOS &&
	grep "misspelled word .Amassador. (suggestions: Ambassador" err
'

test_expect_success 'without --suggest, no suggestions' '
	run_expect 0 pr-publish spell releases/$TYPOS &&
	! grep suggestions err
'

test_expect_success 'plain text: --text --lang, positions by line and column' '
	printf "Bonjour\nla s\303\251curit\303\251 et l\342\200\231OSCE\302\240: un parlemant.\n" >fr.txt &&
	run_expect 0 pr-publish spell --text --lang fr fr.txt &&
	grep "^fr.txt:2:28: warning: misspelled word .parlemant." err &&
	test "$(grep -c "misspelled" err)" = 1
'

test_expect_success 'plain text from standard input' '
	echo "a mispelled word" | pr-publish spell --text --lang en - 2>err;
	grep "^-:1:3: warning: misspelled word .mispelled." err
'

test_expect_success '--lang must be a site language' '
	run_expect 2 pr-publish spell --text --lang xx fr.txt &&
	grep "not a language of the site" err
'

test_expect_success '--text without a file is a usage error' '
	run_expect 2 pr-publish spell --text
'

test_expect_success 'the same German words in English text are flagged' '
	sed "s|<span xml:lang=\"de\">\(.*\)</span>|\1|" releases/$TYPOS >tmp.xml &&
	mkdir -p en && mv tmp.xml en/$TYPOS &&
	run_expect 0 pr-publish spell en/$TYPOS &&
	grep "warning: misspelled word .Stadt." err
'

test_expect_success 'help names the command and its options' '
	run_expect 0 pr-publish spell -h &&
	grep "usage: pr-publish spell" out &&
	grep -e "--suggest" out && grep -e "--add=WORD" out
'

test_done
