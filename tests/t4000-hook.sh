#!/bin/sh
test_description='git hooks: pre-commit on a clone, pre-receive on the central repository'
. "$(dirname "$0")/lib/test-lib.sh"

GOOD=$REPO/releases/2020/2020-10-15-korea-conference.en.xml
GOOD_DE=$REPO/releases/2020/2020-10-15-korea-conference.de.xml

git_identity() {
	git config user.name "Press Officer" && git config user.email officer@osce.example
}

test_expect_success 'set up a central repository and a clone' '
	git init -q --bare -b main central.git &&
	git clone -q central.git work 2>/dev/null &&
	(cd work && git_identity && git checkout -q -b main &&
	 cp "$REPO/site.xml" . && mkdir -p releases/2020 &&
	 cp "$GOOD" "$GOOD_DE" releases/2020/ &&
	 git add . && git commit -q -m "the archive" && git push -q origin main)
'

test_expect_success 'hook install puts pre-receive in a bare repository' '
	(cd central.git && pr-publish hook install >../out) &&
	grep "installed the pre-receive hook" out &&
	test -x central.git/hooks/pre-receive &&
	grep "hook pre-receive" central.git/hooks/pre-receive
'

test_expect_success 'hook install puts pre-commit in a clone' '
	(cd work && pr-publish hook install >../out) &&
	grep "installed the pre-commit hook" out &&
	test -x work/.git/hooks/pre-commit
'

test_expect_success 'installing again over our own hook is fine' '
	(cd work && pr-publish hook install)
'

test_expect_success 'an existing hook of someone else is not clobbered' '
	git init -q other &&
	printf "#!/bin/sh\necho theirs\n" >other/.git/hooks/pre-commit &&
	(cd other && run_expect 3 pr-publish hook install) &&
	grep "is not ours" other/err &&
	grep "echo theirs" other/.git/hooks/pre-commit &&
	(cd other && pr-publish hook install --force) &&
	grep "hook pre-commit" other/.git/hooks/pre-commit
'

test_expect_success 'pre-commit refuses a staged release with a finding' '
	(cd work &&
	 sed "s/countering-terrorism/policng/" "$GOOD" >releases/2020/2020-10-15-korea-conference.en.xml &&
	 git add releases && test_must_fail git commit -q -m bad 2>../err) &&
	grep "2020-10-15-korea-conference.en.xml:[0-9]*:[0-9]*: error: unknown field of work .policng.; did you mean .policing." err &&
	grep "commit refused" err &&
	(cd work && git reset -q --hard)
'

test_expect_success 'pre-commit checks the index, not the work tree' '
	(cd work &&
	 sed "s/Seoul/Geneva/" "$GOOD" >releases/2020/2020-10-15-korea-conference.en.xml &&
	 git add releases &&
	 echo "<broken" >releases/2020/2020-10-15-korea-conference.en.xml &&
	 git commit -q -m "good staged, bad unstaged" &&
	 git show HEAD:releases/2020/2020-10-15-korea-conference.en.xml | grep Geneva &&
	 git checkout -q -- releases)
'

test_expect_success 'pre-commit under commit -a checks what -a stages (GIT_INDEX_FILE)' '
	(cd work &&
	 echo "<broken" >releases/2020/2020-10-15-korea-conference.en.xml &&
	 test_must_fail git commit -q -a -m "bad via -a" 2>../err) &&
	grep "xml-syntax" err &&
	(cd work && git checkout -q -- releases && git log --oneline | grep -v "bad via")
'

test_expect_success 'pre-commit takes the other language versions from the index' '
	(cd work &&
	 sed "s/<date>2020-10-15</<date>2020-10-16</" "$GOOD_DE" \
		>releases/2020/2020-10-15-korea-conference.de.xml &&
	 git add releases && git commit -q --no-verify -m "de with another date" &&
	 cp "$GOOD_DE" releases/2020/2020-10-15-korea-conference.de.xml &&
	 sed "s/Seoul/Vienna/" "$GOOD" >releases/2020/2020-10-15-korea-conference.en.xml &&
	 git add releases/2020/2020-10-15-korea-conference.en.xml &&
	 test_must_fail git commit -q -m "en against the staged de" 2>../err) &&
	grep "korea-conference.en.xml:[0-9]*:[0-9]*: error: the en version .* but the de version .* has .2020-10-16.; language versions must agree \[translation\]" err &&
	(cd work && git add releases && git commit -q -m "de agrees again" &&
	 sed "s/<date>2020-10-15</<date>2020-10-17</" "$GOOD_DE" \
		>releases/2020/2020-10-15-korea-conference.de.xml &&
	 sed "s/Seoul/Prague/" "$GOOD" >releases/2020/2020-10-15-korea-conference.en.xml &&
	 git add releases/2020/2020-10-15-korea-conference.en.xml &&
	 git commit -q -m "an unstaged de does not count" 2>../err &&
	 git checkout -q -- releases &&
	 git reset -q --hard HEAD~3)
'

test_expect_success 'pre-commit reads the staged site.xml, and refuses one that is a folder' '
	(cd work &&
	 git mv site.xml site.tmp && mkdir site.xml && git mv site.tmp site.xml/site.xml &&
	 sed "s/Seoul/Vienna/" "$GOOD" >releases/2020/2020-10-15-korea-conference.en.xml &&
	 git add releases &&
	 test_must_fail git commit -q -m "site.xml is a folder" 2>../err &&
	 git reset -q --hard) &&
	grep "^site.xml: error: not a file, not a regular file" err
'

# pre-commit starts loading a dictionary before it has read the index: the
# one of the first language of the work tree's site.xml.  That is a guess,
# and only a guess: the staged site.xml and the staged files decide.
test_expect_success 'pre-commit: a wrong dictionary guess changes no finding' '
	(cd work &&
	 sed "s/code=\"en\" dictionary=\"en_GB\"/code=\"en\" dictionary=\"de_DE\"/" site.xml >site.new &&
	 ! cmp -s site.xml site.new && mv site.new site.xml &&
	 sed "s/Seoul/Vienna/" "$GOOD" >releases/2020/2020-10-15-korea-conference.en.xml &&
	 git add releases && git commit -q -m "English, guessed German" 2>../err &&
	 sed "s/<headline>/<headline>Cooperashun /" "$GOOD" \
		>releases/2020/2020-10-15-korea-conference.en.xml &&
	 git add releases && test_must_fail git commit -q -m "misspelt" 2>../err2 &&
	 git reset -q --hard HEAD~1) &&
	grep "1 release checked, 0 errors, 0 warnings" err && ! grep -e ": error:" -e ": warning:" err &&
	grep "korea-conference.en.xml:[0-9]*:[0-9]*: error: .*Cooperashun.* \[spell\]" err2
'

test_expect_success 'pre-commit: a German release under the English guess' '
	(cd work &&
	 sed "s/<headline>/<headline>Zusammenarbiet /" "$GOOD_DE" \
		>releases/2020/2020-10-15-korea-conference.de.xml &&
	 git add releases && test_must_fail git commit -q -m "misspelt de" 2>../err &&
	 git reset -q --hard) &&
	grep "korea-conference.de.xml:[0-9]*:[0-9]*: error: .*Zusammenarbiet.* \[spell\]" err
'

test_expect_success 'pre-commit: a hostile work-tree site.xml is never used' '
	(cd work &&
	 printf "<!DOCTYPE site [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<site>&x;<languages><language code=\"en\" dictionary=\"../../etc/passwd\"/></languages></site>\n" >site.xml &&
	 sed "s/Seoul/Prague/" "$GOOD" >releases/2020/2020-10-15-korea-conference.en.xml &&
	 git add releases && git commit -q -m "hostile site.xml in the work tree" 2>../err &&
	 git show HEAD:site.xml | cmp - "$REPO/site.xml" &&
	 rm site.xml && mkfifo site.xml &&
	 sed "s/Seoul/Bern/" "$GOOD" >releases/2020/2020-10-15-korea-conference.en.xml &&
	 git add releases && git commit -q -m "site.xml a FIFO in the work tree" 2>>../err &&
	 rm site.xml && git reset -q --hard HEAD~2) &&
	test $(grep -c "^pr-publish pre-commit: 1 release checked, 0 errors, 0 warnings$" err) = 2 &&
	test $(wc -l <err) = 2
'

test_expect_success 'pre-receive accepts a good push' '
	(cd work && git push -q origin main 2>../err) &&
	grep "release.* checked, 0 errors" err &&
	test "$(git -C central.git rev-parse main)" = "$(git -C work rev-parse main)"
'

test_expect_success 'pre-receive rejects a bad push and names file, line and rule' '
	before=$(git -C central.git rev-parse main) &&
	(cd work &&
	 sed "s/<date>2020-10-15</<date>2020-02-30</" "$GOOD_DE" >releases/2020/2020-10-15-korea-conference.de.xml &&
	 git commit -q --no-verify -am "bad date" &&
	 test_must_fail git push origin main 2>../err) &&
	grep "remote: releases/2020/2020-10-15-korea-conference.de.xml:[0-9]*:[0-9]*: error: .* \[date\]" err &&
	grep "push rejected" err &&
	test "$(git -C central.git rev-parse main)" = "$before" &&
	(cd work && git reset -q --hard HEAD~1)
'

test_expect_success 'pre-receive checks every pushed commit, not only the tip' '
	before=$(git -C central.git rev-parse main) &&
	(cd work &&
	 sed "s/countering-terrorism/policng/" "$GOOD" >releases/2020/2020-10-15-korea-conference.en.xml &&
	 git commit -q --no-verify -am "bad in the middle" &&
	 cp "$GOOD" releases/2020/ && git commit -q --no-verify -am "fixed at the tip" &&
	 test_must_fail git push origin main 2>../err) &&
	grep "policng" err &&
	test "$(git -C central.git rev-parse main)" = "$before" &&
	(cd work && git reset -q --hard HEAD~2)
'

test_expect_success 'pre-receive rejects a symbolic link among the releases' '
	(cd work &&
	 ln -s /etc/passwd releases/2020/2020-10-15-link.en.xml &&
	 git add releases && git commit -q --no-verify -m "a link" &&
	 test_must_fail git push origin main 2>../err) &&
	grep "symbolic link.*\[git-mode\]" err &&
	! grep "root:" err &&
	(cd work && git reset -q --hard HEAD~1)
'

test_expect_success 'pre-receive rejects a release outside its canonical place' '
	(cd work &&
	 mkdir -p releases/misc && cp "$GOOD" releases/misc/ &&
	 git add releases && git commit -q --no-verify -m "misplaced" &&
	 test_must_fail git push origin main 2>../err) &&
	grep "belongs at .releases/2020/2020-10-15-korea-conference.en.xml.*\[path\]" err &&
	(cd work && git reset -q --hard HEAD~1)
'

test_expect_success 'pre-receive refuses an oversized blob by its size' '
	(cd work &&
	 python3 -c "print(\"<release>\" + \"x\" * 5000000 + \"</release>\")" >releases/2020/2020-10-16-big.en.xml &&
	 git add releases && git commit -q --no-verify -m "big" &&
	 test_must_fail git push origin main 2>../err) &&
	grep "over the limit.*\[file-size\]" err &&
	(cd work && git reset -q --hard HEAD~1)
'

test_expect_success 'pre-receive: a push of 100 releases is checked and accepted' '
	(cd work &&
	 i=0 && while test $i -lt 100; do
		id=$(printf "2020-10-15-bulk-%03d" $i) &&
		sed "s/2020-10-15-korea-conference/$id/" "$GOOD" >releases/2020/$id.en.xml &&
		i=$((i + 1)) || return 1
	 done &&
	 git add releases && git commit -q --no-verify -m "100 releases" &&
	 git push -q origin main 2>../err) &&
	grep "100 releases checked, 0 errors" err &&
	test "$(git -C central.git rev-parse main)" = "$(git -C work rev-parse main)"
'

test_done
