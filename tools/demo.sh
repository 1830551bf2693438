#!/bin/sh
# demo.sh - the whole job on the sample releases, as `make run` shows it:
# a demo archive (a git repository) in build/demo/archive, every sample
# release published into it, the site rendered and committed.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
prog=$repo/pr-publish
demo=$repo/build/demo
archive=$demo/archive

rm -rf "$demo"
mkdir -p "$archive"
cd "$archive"
git init -q -b main .
# The demo's own identity, unless git already knows who you are.
git config user.name >/dev/null 2>&1 || git config user.name "pr-publish demo"
git config user.email >/dev/null 2>&1 || git config user.email "demo@pr-publish.invalid"
cp "$repo/site.xml" .
printf 'drafts/\npublic/\n' >.gitignore
git add site.xml .gitignore
git commit -q -m "Start the archive with its site file"
"$prog" hook install >/dev/null

mkdir -p drafts
cp "$repo"/releases/*/*.xml drafts/
# Originals first, so that each translation finds the version it agrees with.
originals=$(grep -L 'original-lang=' drafts/*.xml)
translations=$(grep -l 'original-lang=' drafts/*.xml || true)
# One publication, one commit, as an officer would do it.
for draft in $originals $translations; do
	"$prog" publish -q "$draft"
done

echo
echo "The demo archive:  $archive  ($(git rev-list --count main) commits on main)"
git log --format='    %h %s' main | head -n 12
echo "The rendered site: $archive/public/en/index.html  (also on the git branch 'site')"
