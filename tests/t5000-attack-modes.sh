#!/bin/sh
test_description='hostile releases in every mode: check, pre-commit, pre-receive

Each hostile release (entity and DTD tricks, XInclude, gzip, UTF-16,
invalid UTF-8, NUL and control characters, terminal escapes, bidi
overrides, <script> and javascript: links, "]]>", path traversal in the id
and the language, absurd dates, a 5 MB file, deep nesting, a misspelling
storm, file names that look like options or hold a newline) goes through
pr-publish check, git commit with the pre-commit hook, and git push to a
bare repository with the pre-receive hook.  Each must be refused (check
exits 1; the commit and the push fail) with a message that names the file
and the line, with nothing written (public/ unchanged; no commit; the
central repository keeps its refs and objects), no connection to a
loopback listener, and within bounded time and memory.'
. "$(dirname "$0")/lib/test-lib.sh"

GOOD=$FIXTURES/validate/2021-03-01-good.en.xml
HOSTILE=$FIXTURES/validate/hostile
ATTACK=$FIXTURES/attack

# Bounded runs, as t1200 does: a crash (134, 139), the time limit (124) or
# death by memory (137) all show as the wrong exit code.  AddressSanitizer
# reserves terabytes of address space and valgrind is slow.
LIMIT_SECONDS=20
LIMIT_KB=2097152
case "$PR_PUBLISH_BIN_DIR" in *asan*) LIMIT_KB=unlimited ;; esac
if test -n "$PR_PUBLISH_SLOW"; then
	LIMIT_SECONDS=300
	LIMIT_KB=unlimited
fi

# usage: bounded DIR COMMAND...: runs COMMAND in DIR; its exit code in
# $got, its output in out and err (here)
bounded() {
	(cd "$1" && shift && ulimit -v "$LIMIT_KB" && exec timeout "$LIMIT_SECONDS" "$@") >out 2>err
	got=$?
	case $got in
	124|134|137|139) echo "bounded: exit $got (timeout, crash or memory) from: $*"
			 head -c 2000 err; return 1 ;;
	esac
	return 0
}

# ---- a loopback listener (as in t1200) that cannot outlive the test ----

test_expect_success PYTHON 'start a loopback listener that records connections' '
	start_listener &&
	test_set_prereq LISTENER
'
PORT=$(cat port 2>/dev/null)
cleanup 'test -n "$LISTENER_PID" && kill "$LISTENER_PID" 2>/dev/null; true'

no_connection() {
	if test -s connections; then
		echo "something connected to the listener:"; cat connections
		return 1
	fi
	! grep -q -e LEAKED -e "root:x:" out err
}

# ---- the hostile cases ----
#
# Each case is a file cases/N/path (where the release goes, below
# releases/) and cases/N/content, and cases/N/expect: a grep pattern for
# the finding, file and line, as check prints it (the hooks print the same
# line, after "remote: " for pre-receive).

# usage: good_with SED-SCRIPT: the good fixture changed, on stdout
good_with() {
	sed "$1" "$GOOD"
}

# usage: add_case NAME PATH EXPECT: content on stdin
add_case() {
	mkdir -p "cases/$1" &&
	printf "%s" "$2" >"cases/$1/path" &&
	printf "%s" "$3" >"cases/$1/expect" &&
	cat >"cases/$1/content" &&
	echo "$1" >>cases/list
}

P=releases/2021/2021-03-01-good.en.xml
E=releases/2021/2021-03-01-good\\.en\\.xml

test_expect_success 'the hostile cases' '
	rm -rf cases && mkdir cases && : >cases/list &&
	for f in billion-laughs entity-passwd doctype-after-comment; do
		sed "s/2021-03-01-$f/2021-03-01-good/" "$HOSTILE/2021-03-01-$f.en.xml" |
		add_case "$f" "$P" "^$E:[23]:1: error: DOCTYPE .*\\[xml-doctype\\]" || return 1
	done &&
	for f in external-dtd parameter-entity; do
		sed "s/2021-03-01-$f/2021-03-01-good/; s/@PORT@/${PORT:-9}/g" "$HOSTILE/2021-03-01-$f.en.xml" |
		add_case "$f" "$P" "^$E:2:1: error: DOCTYPE .*\\[xml-doctype\\]" || return 1
	done &&
	sed "s/2021-03-01-xinclude/2021-03-01-good/; s/@PORT@/${PORT:-9}/g" "$HOSTILE/2021-03-01-xinclude.en.xml" |
	add_case xinclude "$P" "^$E:24:5: error: XInclude .*\\[schema\\]" &&
	sed "s/2021-03-01-entity-undeclared/2021-03-01-good/" "$HOSTILE/2021-03-01-entity-undeclared.en.xml" |
	add_case entity-undeclared "$P" "^$E:24:8: error: unknown entity .*\\[xml-syntax\\]" &&
	gzip -c "$GOOD" | add_case gzip "$P" "^$E:1:1: error: file is gzip-compressed.*\\[encoding\\]" &&
	iconv -f UTF-8 -t UTF-16 "$GOOD" | add_case utf16 "$P" "^$E:1:1: error: file is UTF-16.*\\[encoding\\]" &&
	iconv -f UTF-8 -t UTF-16LE "$GOOD" | add_case utf16-no-bom "$P" "^$E:1:1: error: file is UTF-16 (without.*\\[encoding\\]" &&
	good_with "s/said Jane Doe/said Jos$(printf "\\351") Doe/" |
	add_case invalid-utf8 "$P" "^$E:23:82: error: invalid UTF-8 byte 0xE9.*\\[encoding\\]" &&
	good_with "s/It went well/It went\\x00 well/" |
	add_case nul "$P" "^$E:23:63: error: NUL byte .*\\[control-char\\]" &&
	good_with "s/It went well/It went\\x1b]0;owned\\x07\\x1b[2J well/" |
	add_case terminal-escape "$P" "^$E:23:63: error: control character U+001B .*\\[control-char\\]" &&
	good_with "s/OSCE trains/OSCE$(printf "\\302\\233")trains/" |
	add_case c1-csi "$P" "^$E:3:17: error: control character U+009B .*\\[control-char\\]" &&
	good_with "s/<headline>OSCE/<headline>OSCE $(printf "\\342\\200\\256")/" |
	add_case bidi "$P" "^$E:3:18: error: bidirectional control character U+202E .*\\[bidi\\]" &&
	good_with "s|<p>More at|<script>alert(1)</script><p>More at|" |
	add_case script "$P" "^$E:24:5: error: element .script. is not allowed.*\\[schema\\]" &&
	good_with "s|https://www.osce.org/secretariat|javascript:alert(document.cookie)|" |
	add_case javascript-link "$P" "^$E:24:19: error: link .javascript:alert(document.cookie). .*\\[link\\]" &&
	good_with "s|It went well|It went ]]> well|" |
	add_case cdata-end "$P" "^$E:23:[0-9]*: error: .*\\[xml-syntax\\]" &&
	good_with "s|id=\"2021-03-01-good\"|id=\"../../etc/x\"|" |
	add_case id-traversal "$P" "^$E:2:10: error: attribute .id. .*\\[schema\\]" &&
	good_with "s|xml:lang=\"en\"|xml:lang=\"../en\"|" |
	add_case lang-traversal "$P" "^$E:2:[0-9]*: error: .*\\[\\(schema\\|lang\\)\\]" &&
	good_with "s|<date>2021-03-01</date>|<date>2021-02-30</date>|" |
	add_case date-feb30 "$P" "^$E:5:[0-9]*: error: .*\\[date\\]" &&
	good_with "s|<date>2021-03-01</date>|<date>99999-12-31</date>|" |
	add_case date-five-digits "$P" "^$E:5:[0-9]*: error: .*\\[\\(date\\|schema\\)\\]" &&
	good_with "s|<date>2021-03-01</date>|<date>0000-00-00</date>|" |
	add_case date-zero "$P" "^$E:5:[0-9]*: error: .*\\[\\(date\\|schema\\)\\]" &&
	{ sed -n "1,22p" "$GOOD" && printf "    <p>" &&
	  head -c 5242880 /dev/zero | tr "\\000" x && printf "</p>\\n" &&
	  sed -n "23,\$p" "$GOOD"; } |
	add_case huge "$P" "^$E: error: file is [0-9]* bytes, over the limit .*\\[file-size\\]" &&
	{ sed -n "1,22p" "$GOOD" && printf "    <p>" &&
	  awk "BEGIN { for (i = 0; i < 100000; i++) printf \"<em>\"; printf \"x\";
		       for (i = 0; i < 100000; i++) printf \"</em>\"; print \"</p>\" }" &&
	  sed -n "23,\$p" "$GOOD"; } |
	add_case deep "$P" "^$E:23:[0-9]*: error: elements are nested too deeply.*\\[xml-syntax\\]" &&
	{ sed -n "1,22p" "$GOOD" && printf "    <p>" &&
	  awk "BEGIN { split(\"a b c d e f g h i j k l m n o p q r s t u v w x y z\", l, \" \");
		       for (i = 0; i < 20000; i++) printf \"qzv%s%s%sx \", l[i % 26 + 1],
			       l[int(i / 26) % 26 + 1], l[int(i / 676) % 26 + 1]; print \"</p>\" }" &&
	  sed -n "23,\$p" "$GOOD"; } |
	add_case misspelling-storm "$P" "^$E:23:[0-9]*: error: misspelled word .*\\[spell\\]" &&
	cat "$GOOD" |
	add_case option-name "releases/2021/--site=evil.en.xml" \
		"^releases/2021/--site=evil\\.en\\.xml:2:10: error: id .* \\[id\\]" &&
	cat "$GOOD" |
	add_case newline-name "releases/2021/new
line.en.xml" "^releases/2021/new\\\\x0Aline\\.en\\.xml:2:10: error: id .*\\[id\\]" &&
	test $(wc -l <cases/list) -ge 25
'

# ---- the archive in each mode ----

git_identity() {
	git config user.name "Press Officer" && git config user.email officer@osce.example
}

test_expect_success 'an archive with a site built, a central repository, two clones' '
	mkdir arch && (cd arch && make_archive && mkdir -p releases/2021 &&
		cp "$GOOD" releases/2021/ && pr-publish build -q) &&
	test -f arch/public/en/index.html &&
	rm arch/releases/2021/2021-03-01-good.en.xml &&
	git init -q --bare -b main central.git &&
	git clone -q central.git seed 2>/dev/null &&
	(cd seed && git_identity && git checkout -q -b main &&
	 cp "$REPO/site.xml" . && git add . && git commit -q -m "the archive" &&
	 git push -q origin main) &&
	(cd central.git && pr-publish hook install >/dev/null) &&
	git clone -q central.git committer &&
	(cd committer && git_identity && pr-publish hook install >/dev/null) &&
	git clone -q central.git pusher &&
	(cd pusher && git_identity) &&
	test -x committer/.git/hooks/pre-commit && test -x central.git/hooks/pre-receive
'

# A listing of every file under DIR with its checksum.
listing() {
	(cd "$1" && find . -print0 | sort -z | xargs -0 -n 200 sha256sum 2>/dev/null; find . -type d | sort) >"$2"
}

# usage: attack NAME: the case through the three modes
attack() {
	name=$1
	path=$(cat "cases/$name/path") expect=$(cat "cases/$name/expect")

	# 1. pr-publish check
	listing arch/public public.before &&
	mkdir -p "arch/$(dirname "$path")" &&
	cp "cases/$name/content" "arch/$path" &&
	bounded arch pr-publish check &&
	test "$got" = 1 || { echo "$name: check exited $got"; cat err; return 1; }
	grep -q -e "$expect" err || { echo "$name: check did not say: $expect"; head -c 3000 err; return 1; }
	! grep -q "$(printf "\\033")" err || { echo "$name: a raw escape reached the terminal"; return 1; }
	rm -f "arch/$path" &&
	listing arch/public public.after &&
	test_cmp public.before public.after &&

	# 2. git commit, the pre-commit hook
	head=$(git -C committer rev-parse HEAD) &&
	mkdir -p "committer/$(dirname "$path")" &&
	cp "cases/$name/content" "committer/$path" &&
	git -C committer add -- "$path" &&
	bounded committer git commit -q -m "$name" &&
	test "$got" != 0 || { echo "$name: the commit was accepted"; return 1; }
	grep -q -e "$expect" err || { echo "$name: pre-commit did not say: $expect"; head -c 3000 err; return 1; }
	grep -q "commit refused" err &&
	! grep -q "$(printf "\\033")" err &&
	test "$(git -C committer rev-parse HEAD)" = "$head" &&
	git -C committer reset -q --hard &&
	git -C committer clean -q -f -d -x &&

	# 3. git push, the pre-receive hook
	git -C central.git for-each-ref >refs.before &&
	(cd central.git && find objects -type f | sort) >objects.before &&
	mkdir -p "pusher/$(dirname "$path")" &&
	cp "cases/$name/content" "pusher/$path" &&
	git -C pusher add -- "$path" &&
	git -C pusher commit -q --no-verify -m "$name" &&
	bounded pusher git push origin main &&
	test "$got" != 0 || { echo "$name: the push was accepted"; return 1; }
	grep -q -e "^remote: ${expect#^}" err || { echo "$name: pre-receive did not say: $expect"; head -c 3000 err; return 1; }
	grep -q "push rejected" err &&
	! grep -q "$(printf "\\033")" err &&
	git -C central.git for-each-ref >refs.after &&
	test_cmp refs.before refs.after &&
	(cd central.git && find objects -type f | sort) >objects.after &&
	test_cmp objects.before objects.after &&
	git -C pusher reset -q --hard origin/main &&
	git -C pusher clean -q -f -d -x &&
	no_connection
}

for name in billion-laughs entity-passwd doctype-after-comment external-dtd parameter-entity \
	    xinclude entity-undeclared gzip utf16 utf16-no-bom invalid-utf8 nul terminal-escape \
	    c1-csi bidi script javascript-link cdata-end id-traversal lang-traversal date-feb30 \
	    date-five-digits date-zero huge deep misspelling-storm option-name newline-name; do
	test_expect_success "$name: refused by check, pre-commit and pre-receive" "
		attack $name
	"
done

test_expect_success 'every case was tried' '
	test $(wc -l <cases/list) = 28
'

test_expect_success 'nothing was written outside the trash directory' '
	test ! -e /etc/x && test ! -e ../etc/x && test ! -e ../../etc/x
'

test_expect_success LISTENER 'the listener did work: a real client is recorded' '
	python3 -c "
import sys, urllib.request
urllib.request.urlopen(\"http://127.0.0.1:%s/probe\" % sys.argv[1], timeout=5).read()
" "$PORT" &&
	test "$(grep -c "connection from 127.0.0.1" connections)" = 1
'

test_expect_success 'and after all that, a good release still goes through every mode' '
	cp "$GOOD" arch/releases/2021/ &&
	(cd arch && pr-publish check) &&
	mkdir -p committer/releases/2021 && cp "$GOOD" committer/releases/2021/ &&
	git -C committer add releases && git -C committer commit -q -m good &&
	git -C committer push -q origin main 2>err &&
	test "$(git -C central.git rev-parse main)" = "$(git -C committer rev-parse main)"
'

test_done
