#!/bin/sh
test_description='publish, correct, withdraw and log releases in a git archive'
. "$(dirname "$0")/lib/test-lib.sh"

KOREA_EN=$REPO/releases/2020/2020-10-15-korea-conference.en.xml
KOREA_DE=$REPO/releases/2020/2020-10-15-korea-conference.de.xml

# An archive: a git repository with the site file, drafts/ and public/ ignored.
new_archive() {
	git init -q -b main "$1" &&
	(cd "$1" &&
	 git config user.name "Press Officer" && git config user.email officer@osce.example &&
	 cp "$REPO/site.xml" . && printf "drafts/\npublic/\n" >.gitignore &&
	 git add . && git commit -q -m "The archive" && mkdir drafts)
}

test_expect_success 'publish commits the draft at its canonical place and renders the site' '
	new_archive arch &&
	cp "$KOREA_EN" arch/drafts/ &&
	(cd arch && pr-publish publish drafts/2020-10-15-korea-conference.en.xml >../out 2>../err) &&
	grep "published 2020-10-15-korea-conference (en) as releases/2020/2020-10-15-korea-conference.en.xml" out &&
	git -C arch log -1 --format=%s main >subject &&
	grep "^Publish 2020-10-15-korea-conference (en): OSCE and Republic of Korea" subject &&
	git -C arch log -1 --format="%an <%ae>" main | grep "Press Officer <officer@osce.example>" &&
	git -C arch cat-file -e main:releases/2020/2020-10-15-korea-conference.en.xml &&
	test_cmp "$KOREA_EN" arch/releases/2020/2020-10-15-korea-conference.en.xml &&
	test ! -e arch/drafts/2020-10-15-korea-conference.en.xml &&
	test -z "$(git -C arch status --porcelain)"
'

test_expect_success 'the rendered site is a commit on the site branch, built from main' '
	git -C arch log -1 --format=%B site >msg &&
	grep "Source: $(git -C arch rev-parse main)" msg &&
	git -C arch ls-tree -r --name-only site >files &&
	grep "^en/2020/2020-10-15-korea-conference.html$" files &&
	test -f arch/public/en/2020/2020-10-15-korea-conference.html
'

test_expect_success 'a draft with a finding publishes nothing and keeps the draft' '
	main=$(git -C arch rev-parse main) && site=$(git -C arch rev-parse site) &&
	sed "s/countering-terrorism/policng/; s/korea-conference/korea-conference/" "$KOREA_DE" >arch/drafts/2020-10-15-korea-conference.de.xml &&
	(cd arch && run_expect 1 pr-publish publish drafts/2020-10-15-korea-conference.de.xml) &&
	grep "unknown field of work .policng." arch/err &&
	grep "nothing was published" arch/err &&
	test "$(git -C arch rev-parse main)" = "$main" &&
	test "$(git -C arch rev-parse site)" = "$site" &&
	test -f arch/drafts/2020-10-15-korea-conference.de.xml
'

# Spelling is checked last, while the commit and the site are already
# made (the dictionary loads meanwhile): a misspelling must still leave
# main, site, public/, the work tree, the index and the draft as they were.
test_expect_success 'a misspelt draft publishes nothing, though its site was rendered' '
	main=$(git -C arch rev-parse main) && site=$(git -C arch rev-parse site) &&
	(cd arch && find public -type f | sort | xargs sha256sum) >public.before &&
	sed "s/<headline>/<headline>Konferenzz /" "$KOREA_DE" >arch/drafts/2020-10-15-korea-conference.de.xml &&
	(cd arch && run_expect 1 pr-publish publish drafts/2020-10-15-korea-conference.de.xml) &&
	grep "drafts/2020-10-15-korea-conference.de.xml:3:[0-9]*: error: misspelled word .Konferenzz. \[spell\]" arch/err &&
	grep "nothing was published" arch/err &&
	! grep -e "^published" -e "site rendered" arch/out &&
	test "$(git -C arch rev-parse main)" = "$main" &&
	test "$(git -C arch rev-parse site)" = "$site" &&
	(cd arch && find public -type f | sort | xargs sha256sum) >public.after &&
	test_cmp public.before public.after &&
	test -z "$(git -C arch status --porcelain --untracked-files=no)" &&
	test ! -e arch/releases/2020/2020-10-15-korea-conference.de.xml &&
	test -f arch/drafts/2020-10-15-korea-conference.de.xml
'

test_expect_success 'a misspelt draft with a rule broken too: every finding, nothing rendered' '
	main=$(git -C arch rev-parse main) &&
	sed "s/<headline>/<headline>Konferenzz /; s/countering-terrorism/policng/" "$KOREA_DE" \
		>arch/drafts/2020-10-15-korea-conference.de.xml &&
	(cd arch && run_expect 1 pr-publish publish drafts/2020-10-15-korea-conference.de.xml) &&
	grep "unknown field of work .policng." arch/err &&
	grep "misspelled word .Konferenzz." arch/err &&
	grep "\[translation\]" arch/err &&
	grep "publish: checked: 3 errors" arch/err &&
	test "$(git -C arch rev-parse main)" = "$main"
'

test_expect_success 'a translation that disagrees with the published version is refused' '
	sed "s/<date>2020-10-15</<date>2020-10-15</; s/countering-terrorism/policing/" "$KOREA_DE" >arch/drafts/2020-10-15-korea-conference.de.xml &&
	(cd arch && run_expect 1 pr-publish publish drafts/2020-10-15-korea-conference.de.xml) &&
	grep "\[translation\]" arch/err
'

test_expect_success 'the German version publishes beside the English one' '
	cp "$KOREA_DE" arch/drafts/ &&
	(cd arch && pr-publish publish drafts/2020-10-15-korea-conference.de.xml) &&
	git -C arch cat-file -e main:releases/2020/2020-10-15-korea-conference.de.xml
'

test_expect_success 'republishing a changed release without a correction is refused' '
	main=$(git -C arch rev-parse main) &&
	sed "s/Seoul/Busan/" "$KOREA_EN" >arch/drafts/2020-10-15-korea-conference.en.xml &&
	(cd arch && run_expect 1 pr-publish publish drafts/2020-10-15-korea-conference.en.xml) &&
	grep "already published; to correct it" arch/err &&
	test "$(git -C arch rev-parse main)" = "$main"
'

test_expect_success 'a correction keeps the id and is recorded' '
	sed "s|</release>|  <corrections><correction date=\"2026-11-25\">The second place was corrected.</correction></corrections>\n</release>|" \
		"$KOREA_EN" >arch/drafts/2020-10-15-korea-conference.en.xml &&
	(cd arch && pr-publish publish drafts/2020-10-15-korea-conference.en.xml >../out) &&
	grep "corrected 2020-10-15-korea-conference (en)" out &&
	git -C arch log -1 --format=%s main | grep "^Correct 2020-10-15-korea-conference (en)" &&
	git -C arch show main:releases/2020/2020-10-15-korea-conference.en.xml | grep "The second place was corrected"
'

test_expect_success 'log shows the history of a release' '
	(cd arch && pr-publish log 2020-10-15-korea-conference >../out) &&
	test "$(wc -l <out)" = 6 &&
	sed -n 2p out | grep "Correct 2020-10-15-korea-conference (en)" &&
	sed -n 4p out | grep "Publish 2020-10-15-korea-conference (de)" &&
	grep "\[de\]" out && grep "Press Officer <officer@osce.example>" out &&
	(cd arch && run_expect 1 pr-publish log 2020-10-15-no-such-release)
'

test_expect_success 'withdraw keeps the release in git and takes it off the site' '
	(cd arch && pr-publish withdraw --reason="Published in error" 2020-10-15-korea-conference >../out) &&
	grep "withdrew 2020-10-15-korea-conference (2 language versions)" out &&
	(cd arch && pr-publish log 2020-10-15-korea-conference >../out) &&
	head -2 out | grep "Withdraw 2020-10-15-korea-conference: Published in error" &&
	git -C arch log -1 --format=%s main | grep "^Withdraw 2020-10-15-korea-conference: Published in error" &&
	git -C arch show main:releases/2020/2020-10-15-korea-conference.de.xml | grep "<withdrawn date=\"2026-11-25\" xml:lang=\"en\">Published in error</withdrawn>" &&
	git -C arch show main~1:releases/2020/2020-10-15-korea-conference.de.xml | grep -v withdrawn >/dev/null &&
	pr-publish validate --site arch/site.xml arch/releases
'

test_expect_success 'concurrent publishers all land, none is lost' '
	new_archive busy &&
	for i in 1 2 3 4 5 6; do
		id=2020-10-15-concurrent-$i &&
		sed "s/2020-10-15-korea-conference/$id/" "$KOREA_EN" >busy/drafts/$id.en.xml || return 1
	done &&
	(cd busy &&
	 for i in 1 2 3 4 5 6; do
		pr-publish publish -q drafts/2020-10-15-concurrent-$i.en.xml >/dev/null 2>&1 &
	 done; wait) &&
	test "$(git -C busy rev-list --count main)" = 7 &&
	test "$(git -C busy ls-tree --name-only main releases/2020/ | wc -l)" = 6 &&
	git -C busy fsck --no-progress 2>&1 | { ! grep -i error; } &&
	test -z "$(find busy/.git -name "*.lock")"
'

test_expect_success 'publish --push sends the branch and the site to the central repository' '
	git init -q --bare -b main central.git &&
	(cd central.git && pr-publish hook install) &&
	git -C arch remote add origin "$PWD/central.git" &&
	sed "s/2020-10-15-korea-conference/2020-10-15-pushed/" "$KOREA_EN" >arch/drafts/2020-10-15-pushed.en.xml &&
	(cd arch && pr-publish publish --push drafts/2020-10-15-pushed.en.xml 2>../err) &&
	test "$(git -C central.git rev-parse main)" = "$(git -C arch rev-parse main)" &&
	test "$(git -C central.git rev-parse site)" = "$(git -C arch rev-parse site)"
'

test_expect_success 'an embargoed release is committed but reaches the site when its time comes' '
	new_archive emb &&
	sed "s/2020-10-15-korea-conference/2026-11-25-embargoed/; s|<date>2020-10-15</date>|<date>2026-11-25</date>|; s|</dateline>|</dateline>\n  <embargo>2026-11-25T15:00:00+01:00</embargo>|" \
		"$KOREA_EN" >emb/drafts/2026-11-25-embargoed.en.xml &&
	(cd emb && pr-publish publish -q drafts/2026-11-25-embargoed.en.xml) &&
	git -C emb cat-file -e main:releases/2026/2026-11-25-embargoed.en.xml &&
	! git -C emb ls-tree -r --name-only site | grep embargoed &&
	test ! -e emb/public/en/2026/2026-11-25-embargoed.html &&
	(cd emb && PR_PUBLISH_NOW=2026-11-25T14:01:00Z pr-publish build -q --commit) &&
	git -C emb ls-tree -r --name-only site | grep "^en/2026/2026-11-25-embargoed.html$" &&
	test -f emb/public/en/2026/2026-11-25-embargoed.html &&
	git -C emb log -1 --format=%B site | grep "Source: $(git -C emb rev-parse main)"
'

# The index is written from its bytes (gitindex.c), not through libgit2:
# git must read it, see the commits' trees in it, and rebuild from its
# cache of trees the very tree of main.
index_matches_main() {
	git -C "$1" ls-files -s | awk "{print \$1, \$2, \$4}" >index.list &&
	git -C "$1" ls-tree -r main | awk "{print \$1, \$3, \$4}" >main.list &&
	test_cmp main.list index.list &&
	test "$(git -C "$1" write-tree)" = "$(git -C "$1" rev-parse "main^{tree}")" &&
	test -z "$(git -C "$1" status --porcelain --untracked-files=no)"
}

test_expect_success 'after publications the index is the one git would write' '
	index_matches_main arch &&
	git -C arch commit -q --allow-empty -m "a commit by git itself" &&
	test "$(git -C arch rev-parse "HEAD^{tree}")" = "$(git -C arch rev-parse "HEAD~1^{tree}")"
'

test_expect_success 'an index of version 4 (left to libgit2) is kept up to date too' '
	new_archive arch4 &&
	git -C arch4 update-index --index-version 4 &&
	cp "$KOREA_EN" arch4/drafts/ &&
	(cd arch4 && pr-publish publish -q drafts/2020-10-15-korea-conference.en.xml) &&
	index_matches_main arch4
'

test_done
