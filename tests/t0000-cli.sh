#!/bin/sh
test_description='the command line: help, version, errors, exit codes'
. "$(dirname "$0")/lib/test-lib.sh"

test_expect_success 'no command prints usage and exits 2' '
	run_expect 2 pr-publish &&
	grep "usage: pr-publish COMMAND" err
'

test_expect_success '--version names the program and version' '
	run_expect 0 pr-publish --version &&
	grep -E "^pr-publish [0-9]+\.[0-9]+\.[0-9]+" out
'

test_expect_success 'help lists every command with its summary' '
	run_expect 0 pr-publish help &&
	grep "^  validate  *check releases" out &&
	grep "^  help  " out
'

test_expect_success 'help COMMAND and COMMAND -h print the same text' '
	pr-publish help validate >help.out &&
	pr-publish validate -h >h.out &&
	test_cmp help.out h.out &&
	grep "usage: pr-publish validate" h.out &&
	grep -e "--format=FORMAT" h.out
'

test_expect_success 'an unknown command is one line and a hint, exit 2' '
	run_expect 2 pr-publish valdate &&
	grep "pr-publish: .valdate. is not a pr-publish command" err &&
	grep "did you mean .validate." err
'

test_expect_success 'an unknown option names itself and suggests a near one' '
	make_archive &&
	run_expect 2 pr-publish validate --formt=json &&
	grep "unknown option .--formt=json." err &&
	grep "did you mean .--format." err &&
	grep "pr-publish validate -h" err
'

test_expect_success 'an option without its value is a usage error' '
	run_expect 2 pr-publish validate --site
'

test_expect_success 'a bad --format value is a usage error' '
	run_expect 2 pr-publish validate --format=xml &&
	grep "unknown format" err
'

test_expect_success 'help for an unknown command is a usage error' '
	run_expect 2 pr-publish help nope
'

test_expect_success 'without a site file: system error naming what to do' '
	nosite=$(mktemp -d) &&
	(cd "$nosite" && run_expect 3 pr-publish validate) &&
	grep "pass --site FILE" "$nosite/err" &&
	rm -rf "$nosite"
'

test_expect_success 'a missing path is a system error (exit 3)' '
	run_expect 3 pr-publish validate no/such/file.en.xml &&
	grep "cannot open .no/such/file.en.xml." err
'

test_expect_success 'control characters in names are escaped in messages' '
	run_expect 2 pr-publish "$(printf "x\033[31my")" &&
	! grep "$(printf "\033")" err &&
	grep "x\\\\x1B\[31my" err
'

# libgit2 and the fourteen libraries it needs are loaded (src/gitlib.h) by
# the commands that open a git archive, not at every start.
test_expect_success 'libgit2 is loaded by the commands that open an archive only' '
	bulk_archive arch 1 2 &&
	(cd arch && LD_DEBUG=files pr-publish validate releases >../out 2>../debug) &&
	grep "file=libxml2" debug >/dev/null &&
	! grep "file=libgit2" debug &&
	(cd arch && LD_DEBUG=files pr-publish hook pre-commit >../out 2>../debug) &&
	grep "file=libgit2.* dynamically loaded by" debug
'

test_expect_success 'the man page documents every option --help shows' '
	for cmd in $(pr-publish help | sed -n "s/^  \([a-z][a-z-]*\)  .*/\1/p"); do
		grep -q "^\\.SS $cmd\$" "$REPO/pr-publish.1" || { echo "man: no section for $cmd"; return 1; }
		for opt in $(pr-publish help $cmd | grep -o -e "--[a-z][a-z-]*" | sort -u); do
			test "$opt" = --help && continue
			grep -q -e "$(echo "$opt" | sed "s/-/\\\\\\\\-/g")" "$REPO/pr-publish.1" ||
				{ echo "man: $cmd $opt missing"; return 1; }
		done
	done
'

test_done
