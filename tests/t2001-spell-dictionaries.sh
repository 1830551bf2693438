#!/bin/sh
test_description='pr-publish spell: dictionaries, word lists, --add'
. "$(dirname "$0")/lib/test-lib.sh"

# No house lists but the archive's own: an empty folder in their place.
mkdir -p .nolists
PR_PUBLISH_DICTDIR=$PWD/.nolists
export PR_PUBLISH_DICTDIR
TYPOS=2020-01-10-typos.en.xml

# site.xml with language LANG's dictionary attribute set to NAME.
set_dictionary() {
	sed "s|<language code=\"$1\" dictionary=\"[^\"]*\">|<language code=\"$1\" dictionary=\"$2\">|" \
		site.xml >site.tmp && mv site.tmp site.xml
}

test_expect_success 'a language without its dictionary: exit 3, naming the package' '
	make_archive &&
	put_release spell/$TYPOS &&
	set_dictionary en xx_XX &&
	run_expect 3 pr-publish spell &&
	grep "pr-publish: error: no hunspell dictionary .xx_XX. for language .en." err &&
	grep "hunspell-en-gb" err
'

test_expect_success 'the German span still needs the German dictionary only once' '
	test "$(grep -c "no hunspell dictionary" err)" = 1
'

test_expect_success 'a dictionary name is never a path (the site schema refuses it)' '
	make_archive &&
	set_dictionary en ../../../../usr/share/hunspell/en_GB &&
	run_expect 1 pr-publish spell &&
	grep "site.xml:.*dictionary" err &&
	! grep "misspelled" err
'

test_expect_success 'dictionaries/ next to site.xml comes before the system folder' '
	make_archive &&
	mkdir -p dictionaries &&
	printf "1\nzzz\n" >dictionaries/en_GB.dic &&
	printf "SET UTF-8\n" >dictionaries/en_GB.aff &&
	run_expect 1 pr-publish spell &&
	grep "word .meets." err
'

test_expect_success 'a corrupt dictionary is a system error, not a silent pass' '
	printf "garbage\n" >dictionaries/en_GB.dic &&
	run_expect 3 pr-publish spell &&
	grep "is corrupt" err &&
	rm dictionaries/en_GB.dic dictionaries/en_GB.aff
'

test_expect_success 'dictionaries are loaded lazily: only the languages that occur' '
	run_expect 1 pr-publish spell --stats &&
	grep "^spell: en: " err &&
	grep "^spell: de: " err &&
	! grep -e "^spell: fr: " -e "^spell: ru: " err
'

test_expect_success 'preloading: check reports the findings of every language, in file order' '
	make_archive &&
	put_release spell/$TYPOS &&
	sed "0,/Konferenz/s//Konferrenz/" "$REPO/releases/2020/2020-10-15-korea-conference.de.xml" \
		>releases/2020-10-15-korea-conference.de.xml &&
	sed "0,/coopération/s//coopérattion/" \
		"$REPO/releases/2024/2024-10-01-seminaire-mediterranee-eau-climat-securite.fr.xml" \
		>releases/2024-10-01-seminaire-mediterranee-eau-climat-securite.fr.xml &&
	run_expect 1 pr-publish check &&
	grep "korea-conference.de.xml:[0-9]*:[0-9]*: error: misspelled word .Konferrenz." err &&
	grep "securite.fr.xml:[0-9]*:[0-9]*: error: misspelled word .coopérattion." err &&
	grep "$TYPOS:[0-9]*:[0-9]*: error: misspelled word .Amassador." err &&
	grep "misspelled" err | sed -n "1p;\$p" >order &&
	head -n 1 order | grep "$TYPOS" &&
	grep "securite.fr.xml" order &&
	run_expect 1 pr-publish spell --stats &&
	grep "^spell: de: " err && grep "^spell: en: " err && grep "^spell: fr: " err
'

test_expect_success 'preloading: a dictionary that fails to load is reported as before, exit 3' '
	set_dictionary fr xx_XX &&
	run_expect 3 pr-publish check &&
	test "$(grep -c "pr-publish: error: no hunspell dictionary .xx_XX. for language .fr." err)" = 1 &&
	grep "^hint: install the Debian package hunspell-fr" err &&
	grep "misspelled word .Konferrenz." err &&
	run_expect 3 pr-publish spell &&
	test "$(grep -c "no hunspell dictionary .xx_XX." err)" = 1 &&
	grep "misspelled word .Amassador." err
'

test_expect_success 'preloading: a wrong guess from a file name costs nothing and says nothing' '
	mv releases/2024-10-01-seminaire-mediterranee-eau-climat-securite.fr.xml . &&
	cp releases/$TYPOS releases/looks-french.fr.xml &&
	run_expect 1 pr-publish spell releases/looks-french.fr.xml &&
	grep "looks-french.fr.xml:[0-9]*:[0-9]*: error: misspelled word .Amassador." err &&
	! grep "xx_XX" err
'

test_expect_success 'preloading: word list warnings come once, when the language is first used' '
	make_archive &&
	put_release spell/$TYPOS &&
	mkdir -p dictionaries &&
	printf "good\n%s\n" "$(printf "bad\377")" >dictionaries/names.dic &&
	run_expect 1 pr-publish spell &&
	test "$(grep -c "dictionaries/names.dic:2: warning: ignored" err)" = 2 &&
	rm -r dictionaries
'

test_expect_success '--add puts a name in names.dic, sorted, and it is accepted' '
	run_expect 0 pr-publish spell --add Oficer &&
	grep "added .Oficer. to dictionaries/names.dic" out &&
	run_expect 0 pr-publish spell --add Amassador &&
	run_expect 0 pr-publish spell --add Zebedee &&
	run_expect 0 pr-publish spell --add Amassador &&
	grep "already in" out &&
	printf "Amassador\nOficer\nZebedee\n" >expect &&
	test_cmp expect dictionaries/names.dic &&
	run_expect 1 pr-publish spell &&
	! grep -e Amassador -e Oficer err &&
	grep confrence err
'

test_expect_success '--add --lang puts a word in LANG.dic, for that language only' '
	run_expect 0 pr-publish spell --add Sicherhiet --lang de &&
	grep "^Sicherhiet\$" dictionaries/de.dic &&
	run_expect 1 pr-publish spell &&
	! grep Sicherhiet err &&
	printf "Sicherhiet\n" >de.txt && printf "Sicherhiet\n" >en.txt &&
	run_expect 0 pr-publish spell --text --lang de de.txt &&
	run_expect 1 pr-publish spell --text --lang en en.txt
'

test_expect_success '--add keeps comments at the top and byte order' '
	printf "# our words\nzeta\nAlpha\n" >dictionaries/it.dic &&
	run_expect 0 pr-publish spell --add beta --lang it &&
	printf "# our words\nAlpha\nbeta\nzeta\n" >expect &&
	test_cmp expect dictionaries/it.dic &&
	! ls dictionaries/*.tmp.* 2>/dev/null
'

test_expect_success '--add refuses what is not a word' '
	run_expect 2 pr-publish spell --add "two words" &&
	run_expect 2 pr-publish spell --add "a/b/c" &&
	run_expect 2 pr-publish spell --add "$(printf "bad\033word")" &&
	run_expect 2 pr-publish spell --add x --lang xx &&
	run_expect 2 pr-publish spell --add x releases
'

test_expect_success 'WORD/MODEL: a name that inflects like a model word' '
	printf "Xyzzyk and Xyzzyks\n" >en.txt &&
	run_expect 0 pr-publish spell --add Xyzzyk &&
	run_expect 1 pr-publish spell --text --lang en en.txt &&
	grep "word .Xyzzyks." err && ! grep "word .Xyzzyk. \\[spell" err &&
	printf "Quuxel and Quuxels\n" >en.txt &&
	run_expect 0 pr-publish spell --add Quuxel/castle &&
	grep "^Quuxel/castle\$" dictionaries/names.dic &&
	run_expect 0 pr-publish spell --text --lang en en.txt
'

test_expect_success 'German compounds with the house lists: OSZE-Teilnehmerstaaten, IKT-Sicherheit' '
	printf "Die OSZE-Teilnehmerstaaten und die IKT-Sicherheit der OSZE.\n" >de.txt &&
	run_expect 0 pr-publish spell --text --lang de de.txt
'

test_expect_success 'taxonomy labels and abbreviations are accepted in their language' '
	printf "Die KVZ und die TNTD.\n" >de.txt &&
	run_expect 0 pr-publish spell --text --lang de de.txt &&
	printf "The KVZ.\n" >en.txt &&
	run_expect 1 pr-publish spell --text --lang en en.txt &&
	grep "word .KVZ." err
'

test_expect_success 'an English possessive of a listed name: OSCE’s, ODIHR’s' '
	printf "The OSCE\342\200\231s and ODIHR\342\200\231s work.\n" >en.txt &&
	run_expect 0 pr-publish spell --text --lang en en.txt
'

test_expect_success 'a bad line in a word list is a warning naming the line' '
	printf "good\n%s\n" "$(printf "bad\377")" >>dictionaries/names.dic &&
	run_expect 0 pr-publish spell --text --lang en en.txt &&
	grep "dictionaries/names.dic:[0-9]*: warning: ignored" err
'

test_expect_success 'PR_PUBLISH_DICTDIR adds the repository lists' '
	printf "Kupchyna said so.\n" >en.txt &&
	run_expect 1 pr-publish spell --text --lang en en.txt &&
	PR_PUBLISH_DICTDIR=$REPO/dictionaries run_expect 0 pr-publish spell --text --lang en en.txt
'

test_done
