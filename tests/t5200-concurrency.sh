#!/bin/sh
test_description='concurrency: many publishers in one archive, many pushers to one central repository

N publishers at once into one archive: exactly N publications land, none is
lost, the site is rendered from the last, no lock is left.  N clones push
to one bare repository with the pre-receive hook at once, retrying on a
non-fast-forward with git pull --rebase: every release ends up on main.'
. "$(dirname "$0")/lib/test-lib.sh"

N=${PR_PUBLISH_WRITERS:-8}

git_identity() {
	git config user.name "Press Officer $1" && git config user.email "officer$1@osce.example"
}

test_expect_success "$N publishers at once into one archive: all $N land" '
	git init -q -b main arch &&
	(cd arch && git_identity 0 &&
	 cp "$REPO/site.xml" . && printf "drafts/\npublic/\n" >.gitignore &&
	 git add . && git commit -q -m "The archive" && mkdir drafts) &&
	for i in $(test_seq 1 $N); do
		korea_release 2020-10-15-together-$i >arch/drafts/2020-10-15-together-$i.en.xml || return 1
	done &&
	(cd arch &&
	 for i in $(test_seq 1 $N); do
		pr-publish publish -q drafts/2020-10-15-together-$i.en.xml >../publish-$i.out 2>&1 &
	 done &&
	 wait) &&
	test "$(git -C arch rev-list --count main)" = $((N + 1)) &&
	git -C arch ls-tree --name-only main releases/2020/ >landed &&
	test "$(wc -l <landed)" = $N &&
	for i in $(test_seq 1 $N); do
		grep -q "2020-10-15-together-$i.en.xml" landed || { echo "lost: $i"; cat publish-$i.out; return 1; }
	done &&
	test -z "$(ls -A arch/drafts)" &&
	test -z "$(git -C arch status --porcelain --untracked-files=no)"
'

test_expect_success 'no lock is left, fsck is clean, the site is built from the last' '
	test -z "$(find arch/.git -name "*.lock")" &&
	git -C arch fsck --strict --no-progress >fsck.out 2>&1 &&
	! grep -E -i "^(error|warning|broken|missing)" fsck.out &&
	git -C arch log -1 --format=%B site | grep "^Source: $(git -C arch rev-parse main)$" &&
	for i in $(test_seq 1 $N); do
		test -f arch/public/en/2020/2020-10-15-together-$i.html || return 1
	done &&
	test -z "$(find arch -maxdepth 1 -name ".public.publish*")" &&
	korea_release 2020-10-15-after >arch/drafts/2020-10-15-after.en.xml &&
	(cd arch && timeout 60 pr-publish publish -q drafts/2020-10-15-after.en.xml)
'

test_expect_success "$N clones push to one central repository at once: all $N land" '
	git init -q --bare -b main central.git &&
	git clone -q central.git seed 2>/dev/null &&
	(cd seed && git_identity 0 && git checkout -q -b main &&
	 cp "$REPO/site.xml" . && git add . && git commit -q -m "the archive" &&
	 git push -q origin main) &&
	(cd central.git && pr-publish hook install >/dev/null) &&
	for i in $(test_seq 1 $N); do
		git clone -q central.git clone-$i &&
		(cd clone-$i && git_identity $i && mkdir -p releases/2020 &&
		 korea_release 2020-10-15-pushed-$i >releases/2020/2020-10-15-pushed-$i.en.xml &&
		 git add releases && git commit -q -m "release $i") || return 1
	done &&
	for i in $(test_seq 1 $N); do
		(cd clone-$i &&
		 tries=0 &&
		 until git push -q origin main 2>push.err; do
			tries=$((tries + 1)) &&
			test $tries -lt 40 || { echo "clone $i gave up"; cat push.err; exit 1; }
			grep -q -e "non-fast-forward" -e "fetch first" -e "cannot lock ref" -e "failed to update ref" push.err ||
				{ echo "clone $i: push refused for another reason"; cat push.err; exit 1; }
			git pull -q --rebase origin main || exit 1
		 done) >pusher-$i.out 2>&1 &
	done &&
	wait &&
	git -C central.git ls-tree --name-only main releases/2020/ >landed &&
	cat pusher-*.out &&
	test "$(wc -l <landed)" = $N &&
	for i in $(test_seq 1 $N); do
		grep -q "2020-10-15-pushed-$i.en.xml" landed || { echo "lost: $i"; cat pusher-$i.out; return 1; }
	done &&
	test "$(git -C central.git rev-list --count main)" = $((N + 1)) &&
	git -C central.git fsck --strict --no-progress >fsck.out 2>&1 &&
	! grep -E -i "^(error|warning|broken|missing)" fsck.out &&
	test -z "$(find central.git -name "*.lock")"
'

test_done
