#!/bin/sh
test_description='spelling verdicts kept in .git: a check of known words loads no dictionary'
. "$(dirname "$0")/lib/test-lib.sh"

KOREA=releases/2020/2020-10-15-korea-conference.en.xml
WORDS=.git/pr-publish-spell/en.words

command -v strace >/dev/null && test_set_prereq STRACE

# Runs a command under strace, its opens into the file trace (LeakSanitizer
# cannot work under ptrace: off for this run in the sanitizer build).
traced() {
	ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=open,openat -o trace "$@"
}

# Did the last run's stats say that the English dictionary was loaded?
loaded() {
	grep "^spell: en: .*dictionary loaded in" err
}
not_loaded() {
	grep "^spell: en: .*dictionary not needed (kept verdicts)" err
}

test_expect_success 'a first check in a git archive loads the dictionary and keeps its verdicts' '
	git init -q -b main . &&
	make_archive && mkdir -p releases/2020 &&
	cp "$REPO/$KOREA" $KOREA &&
	run_expect 0 pr-publish spell --stats $KOREA &&
	loaded &&
	head -1 $WORDS | grep "^pr-publish-spell-verdicts 1 [0-9a-f]\{64\}$" &&
	grep "^1 conference$" $WORDS &&
	test $(wc -l <$WORDS) -gt 100
'

test_expect_success 'the same words again: no dictionary, the same result' '
	cp $WORDS words.before &&
	run_expect 0 pr-publish spell --stats $KOREA &&
	not_loaded &&
	grep "^spell: en: 681 words, 0 misspelled" err &&
	test_cmp words.before $WORDS
'

test_expect_success 'a misspelling is still found, and kept as one' '
	sed "s/participants/partisipants/g" $KOREA >releases/2020/typo.en.xml &&
	run_expect 1 pr-publish spell --stats releases/2020/typo.en.xml &&
	grep "misspelled word .partisipants." err &&
	grep "^0 partisipants$" $WORDS &&
	run_expect 1 pr-publish spell --stats --suggest releases/2020/typo.en.xml &&
	grep "misspelled word .partisipants. (suggestions: participants" err &&
	loaded &&
	rm releases/2020/typo.en.xml
'

test_expect_success 'a new word in a word list: the verdicts are dropped, the word accepted' '
	sed "s/participants/Zyxwvqconf/g" $KOREA >releases/2020/new.en.xml &&
	run_expect 1 pr-publish spell releases/2020/new.en.xml &&
	mkdir -p dictionaries && echo Zyxwvqconf >dictionaries/en.dic &&
	run_expect 0 pr-publish spell --stats releases/2020/new.en.xml &&
	loaded &&
	run_expect 0 pr-publish spell --stats releases/2020/new.en.xml &&
	not_loaded &&
	rm -r dictionaries releases/2020/new.en.xml
'

test_expect_success 'another site file: the verdicts are dropped' '
	run_expect 0 pr-publish spell --stats $KOREA &&
	loaded &&
	echo "<!-- changed -->" >>site.xml &&
	run_expect 0 pr-publish spell --stats $KOREA &&
	loaded &&
	run_expect 0 pr-publish spell --stats $KOREA &&
	not_loaded
'

test_expect_success 'a verdicts file of another key, damaged or cut short is not trusted' '
	sed "1s/ [0-9a-f]*$/ $(printf %064d 0)/; s/^1 participants$/1 partisipants/" $WORDS >other &&
	cp other $WORDS &&
	sed "s/participants/partisipants/g" $KOREA >releases/2020/typo.en.xml &&
	run_expect 1 pr-publish spell --stats releases/2020/typo.en.xml &&
	grep "misspelled word .partisipants." err &&
	loaded &&
	printf "garbage\n\001\002\n" >$WORDS &&
	run_expect 1 pr-publish spell releases/2020/typo.en.xml &&
	grep "misspelled word .partisipants." err &&
	head -c 200 $WORDS >cut && mv cut $WORDS &&
	run_expect 1 pr-publish spell releases/2020/typo.en.xml &&
	grep "misspelled word .partisipants." err &&
	rm releases/2020/typo.en.xml
'

test_expect_success 'a word list with a bad line: no verdicts kept, its warning said every time' '
	mkdir -p dictionaries && printf "good\nbad word here\n" >dictionaries/en.dic &&
	rm -f $WORDS &&
	run_expect 0 pr-publish spell $KOREA &&
	grep "\[spell-list\]" err &&
	! test -e $WORDS &&
	run_expect 0 pr-publish spell $KOREA &&
	grep "\[spell-list\]" err &&
	rm -r dictionaries
'

test_expect_success 'outside a git work tree nothing is kept' '
	mkdir plain && (cd plain && make_archive && mkdir -p releases/2020 &&
		cp "$REPO/$KOREA" $KOREA &&
		pr-publish spell $KOREA && ! test -e .git)
'

test_expect_success STRACE 'check: with every word known, the dictionary files are not even opened' '
	run_expect 0 pr-publish spell $KOREA &&
	traced pr-publish check -q $KOREA &&
	! grep "en_GB\.dic" trace &&
	sed "s/participants/partisipants/g" $KOREA >releases/2020/typo.en.xml &&
	! traced pr-publish check -q releases/2020/typo.en.xml &&
	grep "en_GB\.dic" trace &&
	rm releases/2020/typo.en.xml
'

test_expect_success STRACE 'publish: known words load no dictionary; a misspelling still stops it' '
	git config user.name "Press Officer" && git config user.email officer@osce.example &&
	printf "drafts/\npublic/\n" >.gitignore &&
	git add site.xml .gitignore $KOREA && git commit -q -m "The archive" &&
	mkdir -p drafts &&
	korea_release 2020-10-15-known >drafts/2020-10-15-known.en.xml &&
	traced pr-publish publish -q drafts/2020-10-15-known.en.xml &&
	! grep "en_GB\.dic" trace &&
	git cat-file -e main:releases/2020/2020-10-15-known.en.xml &&
	korea_release 2020-10-15-typo | sed "s/participants/partisipants/g" >drafts/2020-10-15-typo.en.xml &&
	run_expect 1 pr-publish publish drafts/2020-10-15-typo.en.xml &&
	grep "misspelled word .partisipants." err &&
	! git cat-file -e main:releases/2020/2020-10-15-typo.en.xml 2>/dev/null
'

test_done
