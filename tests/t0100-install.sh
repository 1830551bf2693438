#!/bin/sh
test_description='make install: the program, its man page, stylesheets and word lists'
. "$(dirname "$0")/lib/test-lib.sh"

# A make of its own: under make asan or valgrind the outer make's variables
# (BUILD, SAN_FLAGS) would otherwise leak in through MAKEFLAGS.
plain_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@"
}

test_expect_success 'install into a staging folder' '
	{ plain_make -s -C "$REPO" install DESTDIR="$PWD/stage" PREFIX=/usr >log 2>&1 || { cat log; false; }; } &&
	test -x stage/usr/bin/pr-publish &&
	test -f stage/usr/share/man/man1/pr-publish.1 &&
	test -f stage/usr/share/pr-publish/stylesheets/html.xsl &&
	test -f stage/usr/share/pr-publish/dictionaries/names.dic
'

test_expect_success 'the installed program renders and spells with its own files' '
	mkdir archive && cp "$REPO/site.xml" archive/ && cp -r "$REPO/releases" archive/ &&
	(cd archive && unset PR_PUBLISH_DATADIR PR_PUBLISH_STYLESHEETS PR_PUBLISH_DICTDIR &&
	 ../stage/usr/bin/pr-publish spell && ../stage/usr/bin/pr-publish build -q) &&
	test -f archive/public/en/index.html
'

test_expect_success 'the man page is well-formed for man(1)' '
	if command -v man >/dev/null; then
		MANWIDTH=80 man -l stage/usr/share/man/man1/pr-publish.1 >man.txt 2>man.err &&
		grep "pr-publish - validate, spell-check, render and archive" man.txt &&
		test_must_be_empty man.err
	fi
'

test_expect_success 'uninstall removes what install put there' '
	plain_make -s -C "$REPO" uninstall DESTDIR="$PWD/stage" PREFIX=/usr &&
	test ! -e stage/usr/bin/pr-publish &&
	test ! -e stage/usr/share/pr-publish
'

test_done
