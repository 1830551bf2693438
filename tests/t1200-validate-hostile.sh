#!/bin/sh
test_description='validate: hostile and broken input is refused at the right place, safely

Entity tricks, foreign encodings, binary bytes, truncated, compressed and
oversized files, deep nesting, huge attributes, very long files, unsafe links
and awkward file names: each must give exit 1 with the right rule at the
right line (and column where it matters), within bounded time and memory,
without fetching anything and without printing what an entity points to.'
. "$(dirname "$0")/lib/test-lib.sh"

H=validate/hostile

# usage: run_bounded CODE COMMAND ARGS...
# run_expect under a memory cap and a time limit: a crash (134, 139), the
# time limit (124) or death by memory (137) all show as the wrong exit code.
# AddressSanitizer reserves terabytes of address space and valgrind is slow,
# so they get no memory cap and more time.
LIMIT_SECONDS=10
LIMIT_KB=1048576
case "$PR_PUBLISH_BIN_DIR" in *asan*) LIMIT_KB=unlimited ;; esac
if test -n "$PR_PUBLISH_SLOW"; then
	LIMIT_SECONDS=300
	LIMIT_KB=unlimited
fi
run_bounded() {
	want=$1
	shift
	(ulimit -v "$LIMIT_KB" && exec timeout "$LIMIT_SECONDS" "$@") >out 2>err
	got=$?
	if test "$got" != "$want"; then
		echo "expected exit $want, got $got from: $*"
		echo "--- stdout"; head -c 2000 out; echo "--- stderr"; head -c 2000 err
		return 1
	fi
}

# usage: validate_one FILE [CODE]: a fresh archive with FILE (already in
# place under releases/) validated alone, bounded.
validate_archive() {
	run_bounded "${1:-1}" pr-publish validate
}

fresh_archive() {
	rm -rf releases site.xml && make_archive
}

# The good fixture with its text changed: usage: good_with NAME SED-SCRIPT
good_with() {
	sed "$2" "$FIXTURES/validate/2021-03-01-good.en.xml" >"releases/$1"
}

# Nothing of /etc/passwd may reach the output.
no_passwd() {
	! grep -q -e "root:" -e "/bin/.*sh\$" -e "nologin" out err
}

# ---- a loopback listener that records every connection ----

test_expect_success PYTHON 'start a loopback listener that records connections' '
	start_listener &&
	test_set_prereq LISTENER
'
PORT=$(cat port 2>/dev/null)
cleanup 'test -n "$LISTENER_PID" && kill "$LISTENER_PID" 2>/dev/null; true'

# Copies a hostile fixture into releases/, pointing it at the listener.
put_hostile() {
	mkdir -p releases &&
	sed "s/@PORT@/${PORT:-9}/g" "$FIXTURES/$H/$1" >"releases/$1"
}

no_connection() {
	if test -s connections; then
		echo "pr-publish connected to the listener:"; cat connections
		return 1
	fi
	! grep -q LEAKED out err
}

# ---- entity tricks ----

test_expect_success 'billion laughs: DOCTYPE refused at once, nothing expanded' '
	fresh_archive && put_hostile 2021-03-01-billion-laughs.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-billion-laughs.en.xml:2:1: error: DOCTYPE declarations are not allowed in releases; delete the <!DOCTYPE ...> line .*\\[xml-doctype\\]$" err &&
	grep "^validate: 1 error, 0 warnings in 1 file$" err &&
	! grep -q lollol out err
'

test_expect_success 'external entity to /etc/passwd: refused, no content printed' '
	fresh_archive && put_hostile 2021-03-01-entity-passwd.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-entity-passwd.en.xml:2:1: error: DOCTYPE .*\\[xml-doctype\\]$" err &&
	no_passwd &&
	run_bounded 1 pr-publish validate --format=json &&
	grep "\"line\":2,\"column\":1,\"severity\":\"error\",\"rule\":\"xml-doctype\"" out &&
	no_passwd &&
	run_bounded 1 pr-publish validate --color=always &&
	no_passwd
'

test_expect_success LISTENER 'external DTD on the network: refused and never fetched' '
	fresh_archive && put_hostile 2021-03-01-external-dtd.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-external-dtd.en.xml:2:1: error: DOCTYPE declarations are not allowed in releases (this one names an external DTD); .*\\[xml-doctype\\]$" err &&
	no_connection
'

test_expect_success LISTENER 'parameter entities: refused and never fetched' '
	fresh_archive && put_hostile 2021-03-01-parameter-entity.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-parameter-entity.en.xml:2:1: error: DOCTYPE .*\\[xml-doctype\\]$" err &&
	no_connection
'

test_expect_success 'the DOCTYPE is found where it is, not in a comment before it' '
	fresh_archive && put_hostile 2021-03-01-doctype-after-comment.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-doctype-after-comment.en.xml:3:1: error: DOCTYPE .*\\[xml-doctype\\]$" err
'

test_expect_success LISTENER 'XInclude: refused by the schema, never followed' '
	fresh_archive && put_hostile 2021-03-01-xinclude.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-xinclude.en.xml:24:5: error: XInclude (.xi:include.) is not allowed in releases and is never followed; put the text itself in the release \\[schema\\]$" err &&
	no_passwd &&
	no_connection
'

test_expect_success 'an entity reference without a DOCTYPE is an unknown entity' '
	fresh_archive && put_hostile 2021-03-01-entity-undeclared.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-entity-undeclared.en.xml:24:8: error: unknown entity .&xxe;.: .*\\[xml-syntax\\]$" err
'

test_expect_success LISTENER 'links to the listener are checked, never fetched' '
	fresh_archive &&
	good_with 2021-03-01-good.en.xml "s|https://www.osce.org/secretariat|http://127.0.0.1:$PORT/x|" &&
	validate_archive 0 &&
	no_connection
'

test_expect_success LISTENER 'all hostile fixtures in one run: nothing fetched, nothing leaked' '
	fresh_archive &&
	for f in "$FIXTURES/$H"/*.xml; do put_hostile "$(basename "$f")" || return 1; done &&
	validate_archive &&
	grep "^validate: 7 errors, 0 warnings in 7 files$" err &&
	no_connection && no_passwd
'

test_expect_success LISTENER 'the listener did work: a real client is recorded' '
	python3 -c "
import sys, urllib.request
urllib.request.urlopen(\"http://127.0.0.1:%s/probe\" % sys.argv[1], timeout=5).read()
" "$PORT" &&
	grep -c "connection from 127.0.0.1" connections >count &&
	echo 1 >expect &&
	test_cmp expect count
'

# ---- encodings and bytes ----

test_expect_success 'invalid UTF-8: the byte, at its line and column' '
	fresh_archive &&
	good_with 2021-03-01-good.en.xml "s/said Jane Doe/said Jos$(printf "\\351") Doe/" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:23:82: error: invalid UTF-8 byte 0xE9; the file must be saved as UTF-8 \\[encoding\\]$" err
'

test_expect_success 'a UTF-16 file, with and without a byte order mark' '
	fresh_archive &&
	iconv -f UTF-8 -t UTF-16 "$FIXTURES/validate/2021-03-01-good.en.xml" \
		>releases/2021-03-01-good.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:1:1: error: file is UTF-16; save it as UTF-8 .*\\[encoding\\]$" err &&
	iconv -f UTF-8 -t UTF-16LE "$FIXTURES/validate/2021-03-01-good.en.xml" \
		>releases/2021-03-01-good.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:1:1: error: file is UTF-16 (without a byte order mark); save it as UTF-8 .*\\[encoding\\]$" err
'

test_expect_success 'a file in ISO-8859-1 that says so' '
	fresh_archive &&
	sed -e "s/UTF-8/ISO-8859-1/" -e "s/said Jane Doe/said José Doe/" \
		"$FIXTURES/validate/2021-03-01-good.en.xml" |
	iconv -f UTF-8 -t ISO-8859-1 >releases/2021-03-01-good.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:1:21: error: declared encoding .ISO-8859-1. is not accepted; convert the file to UTF-8 and declare encoding=\"UTF-8\" \\[encoding\\]$" err
'

test_expect_success 'another declared encoding after a UTF-8 byte order mark' '
	fresh_archive &&
	{ printf "\\357\\273\\277" &&
	  sed "s/UTF-8/ISO-8859-1/" "$FIXTURES/validate/2021-03-01-good.en.xml"; } \
		>releases/2021-03-01-good.en.xml &&
	validate_archive &&
	# the byte order mark is a character of line 1, and the caret counts it
	grep "^releases/2021-03-01-good.en.xml:1:22: error: declared encoding .ISO-8859-1. is not accepted.*\\[encoding\\]$" err
'

test_expect_success 'a NUL byte' '
	fresh_archive &&
	good_with 2021-03-01-good.en.xml "s/It went well/It went\\x00 well/" &&
	test $(tr -cd "\\000" <releases/2021-03-01-good.en.xml | wc -c) = 1 &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:23:63: error: NUL byte .*\\[control-char\\]$" err
'

test_expect_success 'C0 control characters: ESC, and it is not echoed raw' '
	fresh_archive &&
	good_with 2021-03-01-good.en.xml "s/It went well/It went\\x1b]0;owned\\x07 well/" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:23:63: error: control character U+001B is not allowed in a release; delete it \\[control-char\\]$" err &&
	run_bounded 1 pr-publish validate --color=always &&
	sed "s/$(printf "\\033")\\[[0-9;]*m//g" err >plain &&
	! grep -q "$(printf "\\033")" plain &&
	! grep -q "$(printf "\\007")" plain &&
	grep "It went\\\\x1B\\]0;owned\\\\x07 well" plain
'

test_expect_success 'C0 control characters: a vertical tab' '
	fresh_archive &&
	good_with 2021-03-01-good.en.xml "s/OSCE trains/OSCE\\x0btrains/" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:3:17: error: control character U+000B .*\\[control-char\\]$" err
'

test_expect_success 'C1 control characters: U+0085 and U+009B' '
	fresh_archive &&
	good_with 2021-03-01-good.en.xml "s/It went well/It went$(printf "\\302\\205") well/" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:23:63: error: control character U+0085 is not allowed in a release; delete it .*\\[control-char\\]$" err &&
	good_with 2021-03-01-good.en.xml "s/OSCE trains/OSCE$(printf "\\302\\233")trains/" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:3:17: error: control character U+009B .*\\[control-char\\]$" err
'

test_expect_success 'a truncated file: the open element and its line' '
	fresh_archive &&
	head -c 700 "$FIXTURES/validate/2021-03-01-good.en.xml" >releases/2021-03-01-good.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:[0-9]*:[0-9]*: error: the file ends inside element .release. (opened on line 2); is it truncated? .*\\[xml-syntax\\]$" err &&
	head -c 500 "$FIXTURES/validate/2021-03-01-good.en.xml" >releases/2021-03-01-good.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:21:11: error: the file ends inside element .people. (opened on line 17); is it truncated?.*\\[xml-syntax\\]$" err
'

test_expect_success 'a gzip-compressed release is not inflated: it is not XML' '
	fresh_archive &&
	gzip -c "$FIXTURES/validate/2021-03-01-good.en.xml" >releases/2021-03-01-good.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:1:1: error: file is gzip-compressed, not XML; decompress it (gunzip) and save it as UTF-8 \\[encoding\\]$" err &&
	grep "^validate: 1 error, 0 warnings in 1 file$" err
'

test_expect_success 'a release that is a FIFO does not hang the run' '
	fresh_archive &&
	mkfifo fifo.en.xml &&
	run_bounded 3 pr-publish validate fifo.en.xml &&
	grep "fifo.en.xml. is not a regular file" err
'

# ---- size and shape ----

test_expect_success 'a 50 MB file: refused by size, without reading it' '
	fresh_archive &&
	{ sed -n "1,22p" "$FIXTURES/validate/2021-03-01-good.en.xml" &&
	  printf "    <p>" &&
	  head -c 52428800 /dev/zero | tr "\\000" x &&
	  printf "</p>\\n" &&
	  sed -n "23,\$p" "$FIXTURES/validate/2021-03-01-good.en.xml"; } >releases/2021-03-01-good.en.xml &&
	test $(wc -c <releases/2021-03-01-good.en.xml) -gt 52428800 &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml: error: file is [0-9]* bytes, over the limit of 4194304 bytes for a release; .*\\[file-size\\]$" err
'

test_expect_success '100,000 nested elements: refused at the depth limit' '
	fresh_archive &&
	{ sed -n "1,22p" "$FIXTURES/validate/2021-03-01-good.en.xml" &&
	  printf "    <p>" &&
	  awk "BEGIN { for (i = 0; i < 100000; i++) printf \"<em>\"; printf \"x\";
		       for (i = 0; i < 100000; i++) printf \"</em>\"; print \"</p>\" }" &&
	  sed -n "23,\$p" "$FIXTURES/validate/2021-03-01-good.en.xml"; } >releases/2021-03-01-good.en.xml &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:23:[0-9]*: error: elements are nested too deeply (more than 256 levels) \\[xml-syntax\\]$" err
'

# usage: with_line_24 TEXT-BEFORE TEXT-AFTER: the good fixture with line 24
# replaced by TEXT-BEFORE, 3 MB of "a", TEXT-AFTER (too long for sed).
with_line_24() {
	{ sed -n "1,23p" "$FIXTURES/validate/2021-03-01-good.en.xml" &&
	  printf "%s" "$1" && head -c 3145728 /dev/zero | tr "\\000" a && printf "%s\\n" "$2" &&
	  sed -n "25,\$p" "$FIXTURES/validate/2021-03-01-good.en.xml"; } >releases/2021-03-01-good.en.xml
}

test_expect_success 'a 3 MB link: refused, and the message stays short' '
	fresh_archive &&
	with_line_24 "    <p>More at <a href=\"https://www.osce.org/" "\">the OSCE website</a>.</p>" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:24:19: error: link of 3145749 characters is too long (the limit is 2048); link to a shorter address: .https://www.osce.org/a*\\.\\.\\.. \\[link\\]$" err &&
	test $(wc -c <err) -lt 1000
'

test_expect_success 'a 3 MB attribute the schema does not know' '
	fresh_archive &&
	with_line_24 "    <p data-x=\"" "\">More at <a href=\"https://www.osce.org/\">the OSCE website</a>.</p>" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:24:8: error: attribute .data-x. is not allowed on element .p.; delete it \\[schema\\]$" err &&
	test $(wc -c <err) -lt 1000
'

# 70,000 lines: past 65,535, where libxml2 2.9 stops counting without BIG_LINES.
make_long() {
	{ sed -n "1,22p" "$FIXTURES/validate/2021-03-01-good.en.xml" &&
	  printf "    <p>" && awk "BEGIN { for (i = 0; i < 70000; i++) print \"filler\" }" &&
	  printf "</p>\\n" &&
	  sed -n "23,\$p" "$FIXTURES/validate/2021-03-01-good.en.xml" | sed "$1"; } >releases/2021-03-01-good.en.xml &&
	test $(wc -l <releases/2021-03-01-good.en.xml) = 70027
}

test_expect_success 'past line 65,535: a semantic finding has the right line' '
	fresh_archive &&
	make_long "s|https://www.osce.org/secretariat|javascript:alert(1)|" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:70025:19: error: link .javascript:alert(1). .*\\[link\\]$" err &&
	run_bounded 1 pr-publish validate --color=always &&
	sed "s/$(printf "\\033")\\[[0-9;]*m//g" err >plain &&
	grep "^ 70025 |     <p>More at <a href=\"javascript:alert(1)\">" plain &&
	grep "^       |                   ^$" plain
'

test_expect_success 'past line 65,535: a syntax error has the right line' '
	fresh_archive &&
	make_long "s|<p>More at|<p>More <b>at|" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:70025:[0-9]*: error: closing tag .p. does not match .b. opened on line 70025 \\[xml-syntax\\]$" err
'

test_expect_success 'past line 65,535: a schema error has the right line' '
	fresh_archive &&
	make_long "s|<p>More at|<para>x</para><p>More at|" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:70025:5: error: element .para. is not allowed here .*\\[schema\\]$" err
'

test_expect_success 'past line 65,535: a control character has the right line' '
	fresh_archive &&
	make_long "s|More at|More\\x01 at|" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:70025:12: error: control character U+0001 .*\\[control-char\\]$" err
'

# ---- text that deceives ----

test_expect_success 'bidi override in the headline and in a place name' '
	fresh_archive &&
	good_with 2021-03-01-good.en.xml "s/<headline>OSCE/<headline>OSCE $(printf "\\342\\200\\256")/;s/>Vienna</>Vie$(printf "\\342\\201\\247")nna</" &&
	validate_archive &&
	grep "^releases/2021-03-01-good.en.xml:3:18: error: bidirectional control character U+202E in the headline .*\\[bidi\\]$" err &&
	grep "^releases/2021-03-01-good.en.xml:6:33: error: bidirectional control character U+2067 in the place name .*\\[bidi\\]$" err
'

test_expect_success 'links: javascript:, data:, relative and " JavaScript:"' '
	fresh_archive &&
	for f in link-javascript link-data link-relative link-javascript-space; do
		put_release "validate/2021-03-01-$f.en.xml" || return 1
	done &&
	validate_archive &&
	grep "^releases/2021-03-01-link-javascript.en.xml:24:19: error: link .javascript:alert(document.cookie). is not allowed.*\\[link\\]$" err &&
	grep "^releases/2021-03-01-link-data.en.xml:24:19: error: link .data:text/html;base64,.* is not allowed.*\\[link\\]$" err &&
	grep "^releases/2021-03-01-link-relative.en.xml:24:19: error: link .\\.\\./secretariat. is not allowed.*\\[link\\]$" err &&
	grep "^releases/2021-03-01-link-javascript-space.en.xml:24:19: error: link . JavaScript:alert(1). is not allowed.*\\[link\\]$" err &&
	grep "^validate: 4 errors, 0 warnings in 4 files$" err
'

test_expect_success 'links: what is allowed stays allowed' '
	fresh_archive &&
	good_with 2021-03-01-good.en.xml "s|https://www.osce.org/secretariat|mailto:press@osce.example|" &&
	validate_archive 0 &&
	good_with 2021-03-01-good.en.xml "s|https://www.osce.org/secretariat|HTTPS://www.osce.org/x?a=1\\&amp;b=2|" &&
	validate_archive 0 &&
	for bad in "https:///etc/passwd" "http://exa mple.org/" "mailto:nobody" "vbscript:msgbox" \
		   "//evil.example/" "file:///etc/passwd"; do
		good_with 2021-03-01-good.en.xml "s|https://www.osce.org/secretariat|$bad|" &&
		validate_archive 1 &&
		grep -q ":24:19: error: link .* \\[link\\]$" err || { echo "accepted: $bad"; return 1; }
	done
'

# ---- file names ----

test_expect_success 'a file name that looks like an option: use -- or ./' '
	fresh_archive &&
	sed "s/2021-03-01-good/2021-03-01-x/" "$FIXTURES/validate/2021-03-01-good.en.xml" >-x.en.xml &&
	run_bounded 2 pr-publish validate -x.en.xml &&
	grep "unknown option .-x.en.xml." err &&
	run_bounded 1 pr-publish validate -- -x.en.xml &&
	grep "^-x.en.xml:2:10: error: id .2021-03-01-x. and xml:lang .en. do not agree with the file name; name the file .2021-03-01-x.en.xml. \\[id\\]$" err &&
	run_bounded 1 pr-publish validate ./-x.en.xml &&
	grep "^\\./-x.en.xml:2:10: error: .*\\[id\\]$" err
'

test_expect_success 'a file name with a newline is escaped, one finding per line' '
	fresh_archive &&
	name=$(printf "releases/new\\nline.en.xml") &&
	cp "$FIXTURES/validate/2021-03-01-good.en.xml" "$name" &&
	validate_archive &&
	grep "^releases/new\\\\x0Aline.en.xml:2:10: error: id .2021-03-01-good. and xml:lang .en. do not agree with the file name; .*\\[id\\]$" err &&
	test $(wc -l <err) = 2 &&
	run_bounded 1 pr-publish validate --format=json &&
	test $(wc -l <out) = 1 &&
	grep "^{\"file\":\"releases/new\\\\nline.en.xml\",\"line\":2,\"column\":10," out
'

test_done
