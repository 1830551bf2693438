#!/bin/sh
test_description='build: releases validated on several threads give the findings of one'
. "$(dirname "$0")/lib/test-lib.sh"

# usage: same_on_threads NAME CODE [ARGS...]
# Builds with PR_PUBLISH_THREADS=1, 2 and 4, each into its own folder
# NAME-N; the exit code, stdout and stderr (but for the folder's name and
# the seconds the build took) must be those of one thread, which exits CODE.
same_on_threads() {
	name=$1 &&
	echo "$2" >"$name.code" &&
	shift 2 &&
	for n in 1 2 4; do
		PR_PUBLISH_THREADS=$n pr-publish build --out "$name-$n" "$@" \
			>"$name.out.$n" 2>"$name.err.$n"
		echo $? >"$name.code.$n" &&
		sed -e "s/ ([0-9.]* m\\?s)\$//" -e "s/ -> '$name-$n'\$/ -> 'OUT'/" \
			"$name.err.$n" >"$name.err.$n.tmp" &&
		mv "$name.err.$n.tmp" "$name.err.$n" || return 1
	done &&
	test_cmp "$name.code" "$name.code.1" &&
	for n in 2 4; do
		test_cmp "$name.code.1" "$name.code.$n" &&
		test_cmp "$name.out.1" "$name.out.$n" &&
		test_cmp "$name.err.1" "$name.err.$n" || return 1
	done
}

# The Korea release as ID, in LANG (en or de), with a change made by sed
# EXPR, in DIR.  usage: bulk DIR ID LANG EXPR
bulk() {
	mkdir -p "$1" &&
	sed -e "s/2020-10-15-korea-conference/$2/" -e "$4" \
		"$REPO/releases/2020/2020-10-15-korea-conference.$3.xml" >"$1/$2.$3.xml"
}

# The validation fixtures, and 300 releases more, every few with a finding
# of some kind: per file (unknown field, schema, syntax, a missing field of
# work, which is a warning) and across files (an id used twice, language
# versions that disagree).  Well over the 64 files it takes to use threads.
test_expect_success 'an archive with findings of every kind' '
	make_archive &&
	for f in "$FIXTURES"/validate/*.xml; do
		put_release "validate/$(basename "$f")" "releases/2021/$(basename "$f")" || return 1
	done &&
	for f in billion-laughs doctype-after-comment entity-undeclared; do
		put_release validate/hostile/2021-03-01-$f.en.xml || return 1
	done &&
	for i in $(test_seq 100 399); do
		id=2020-10-15-bulk-$i dir=releases/2020/$((i / 50)) &&
		case $((i % 7)) in
		0) bulk $dir $id en "s/countering-terrorism/countering-terrorizm/" ;;
		1) bulk $dir $id en "/<fields>/,/<\/fields>/d" ;;
		2) bulk $dir $id en "" && bulk $dir $id de "s/cyber-ict-security/arms-control/" ;;
		3) bulk $dir $id en "" && bulk releases/dup $id en "" ;;
		4) bulk $dir $id en "" && head -c 700 $dir/$id.en.xml >$dir/$id.de.xml ;;
		5) bulk $dir $id en "s|<summary>|<bogus/><summary>|" ;;
		*) bulk $dir $id en "" ;;
		esac || return 1
	done &&
	test $(find releases -name "*.xml" | wc -l) -gt 400
'

test_expect_success 'text: the same findings, in the same order' '
	same_on_threads text 1 &&
	test_must_be_empty text.out.1 &&
	for rule in field-unknown field-missing translation id-duplicate schema xml-syntax \
		    xml-doctype date bidi link; do
		grep -q "\\[$rule\\]$" text.err.1 || return 1
	done &&
	grep "^build: [0-9]* errors, [0-9]* warnings in 4[0-9][0-9] files$" text.err.1 &&
	test $(grep -c "error:" text.err.1) -gt 250 &&
	! test -e text-1
'

test_expect_success 'text with --werror, and with the source lines and carets' '
	same_on_threads werror 1 --werror &&
	same_on_threads color 1 --color=always &&
	grep -q "^ *[0-9]* | .*<field ref=" color.err.1 &&
	grep -q "^       | *.*\\^" color.err.1
'

test_expect_success 'json: the same lines on stdout, the same summary' '
	same_on_threads json 1 --format json &&
	same_on_threads jsonw 1 --format json --werror &&
	test $(wc -l <json.out.1) -gt 250 &&
	grep -q "\"rule\":\"id-duplicate\"" json.out.1 &&
	grep -q "\"rule\":\"translation\"" json.out.1
'

test_expect_success 'warnings only: the same site and cache; --werror fails alike' '
	mkdir warn && (cd warn && make_archive &&
	for i in $(test_seq 100 249); do
		case $((i % 5)) in
		0) bulk releases/2020 2020-10-15-bulk-$i en "/<fields>/,/<\/fields>/d" ;;
		*) bulk releases/2020 2020-10-15-bulk-$i en "" ;;
		esac || return 1
	done &&
	same_on_threads site 0 &&
	grep "^build: 0 errors, 30 warnings in 150 files$" site.err.1 &&
	diff -r site-1 site-2 && diff -r site-1 site-4 &&
	cmp .site-1.cache .site-2.cache && cmp .site-1.cache .site-4.cache &&
	same_on_threads strict 1 --werror &&
	grep "^build: 0 errors, 30 warnings in 150 files$" strict.err.1)
'

test_expect_success 'summaries from the cache, and files read again, across files' '
	(cd warn &&
	PR_PUBLISH_THREADS=1 pr-publish build -q --out warm && test -s .warm.cache &&
	for i in $(test_seq 100 249); do
		id=2020-10-15-bulk-$i &&
		case $((i % 6)) in
		1) bulk releases/2020 $id de "s/cyber-ict-security/arms-control/" ;;
		2) bulk releases/2020 $id en "s/countering-terrorism/countering-terrorizm/" ;;
		3) bulk releases/dup $id en "" ;;
		esac || return 1
	done &&
	for n in 1 2 4; do
		cp .warm.cache .mixed-$n.cache || return 1
	done &&
	same_on_threads mixed 1 &&
	grep -q "language versions must agree \[translation\]$" mixed.err.1 &&
	grep -q "\[id-duplicate\]$" mixed.err.1 &&
	grep -q "\[field-unknown\]$" mixed.err.1)
'

test_expect_success 'a file that cannot be read (when not root)' '
	bulk releases/2020 2020-10-15-unreadable en "" &&
	chmod 000 releases/2020/2020-10-15-unreadable.en.xml &&
	if ! cat releases/2020/2020-10-15-unreadable.en.xml >/dev/null 2>&1; then
		test_set_prereq UNREADABLE
	fi
'

test_expect_success UNREADABLE 'a system error is printed in its place, and ends the build' '
	same_on_threads unreadable 3 &&
	grep "^pr-publish: error: cannot open .releases/2020/2020-10-15-unreadable.en.xml.: " unreadable.err.1
'

test_done
