#!/bin/sh
test_description='build: text from releases stays text; stylesheets run boxed in'
. "$(dirname "$0")/lib/test-lib.sh"

PY=/usr/bin/python3
HOSTILE=2025/2025-06-02-hostile-headline
PAGE=public/en/$HOSTILE.html

test_expect_success 'set up an archive with a hostile headline' '
	make_archive &&
	cp -R "$REPO/releases/." releases/ &&
	put_release build/2025-06-02-hostile-headline.en.xml releases/$HOSTILE.en.xml &&
	run_expect 0 pr-publish build
'

test_expect_success 'a <script> in a headline is text on the page, not an element' '
	grep -F "<h1>Headline &lt;/script&gt;&lt;script&gt;alert(\"pwned\")&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; ]]&gt; \"quotes\"</h1>" $PAGE &&
	! grep -rF "<script>alert" public &&
	! grep -rF "<b>bold" public &&
	! grep -rF "<img src=x" public
'

test_expect_success 'a browser-like parser finds one script element, the JSON-LD, holding the headline' '
	$PY - $PAGE <<-\PYEOF
	import json, sys
	from html.parser import HTMLParser
	class P(HTMLParser):
	    def __init__(self):
	        super().__init__()
	        self.scripts, self.cur, self.tags = [], None, []
	    def handle_starttag(self, tag, attrs):
	        self.tags.append(tag)
	        if tag == "script":
	            self.cur = [dict(attrs).get("type"), ""]
	    def handle_data(self, data):
	        if self.cur is not None:
	            self.cur[1] += data
	    def handle_endtag(self, tag):
	        if tag == "script" and self.cur is not None:
	            self.scripts.append(self.cur)
	            self.cur = None
	p = P()
	p.feed(open(sys.argv[1], encoding="utf-8").read())
	assert len(p.scripts) == 1, p.scripts
	assert p.scripts[0][0] == "application/ld+json", p.scripts
	ld = json.loads(p.scripts[0][1])
	assert ld["headline"] == "Headline </script><script>alert(\"pwned\")</script> & <b>bold</b> ]]> \"quotes\"", ld["headline"]
	assert ld["description"].startswith("Summary with <img src=x"), ld["description"]
	assert "b" not in p.tags and "img" not in p.tags, p.tags
	PYEOF
'

test_expect_success 'JSON-LD escapes < > & so that nothing can close the script' '
	grep -F "\"headline\":\"Headline \\u003c/script\\u003e\\u003cscript\\u003ealert(\\\"pwned\\\")" $PAGE
'

test_expect_success 'in feeds the headline is escaped text, the full text escaped twice' '
	grep -F "<title>Headline &lt;/script&gt;&lt;script&gt;alert(\"pwned\")&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; ]]&gt; \"quotes\"</title>" public/en/rss.xml &&
	grep -F "&lt;p&gt;A paragraph with &amp;lt;script&amp;gt;alert(2)&amp;lt;/script&amp;gt; as text" public/en/rss.xml &&
	grep -F "<title type=\"text\">Headline &lt;/script&gt;" public/en/atom.xml &&
	xmllint --noout public/en/rss.xml public/en/atom.xml
'

test_expect_success 'feedparser reads the hostile title back as the very text' '
	$PY - public/en/atom.xml <<-\PYEOF
	import sys, feedparser
	d = feedparser.parse(sys.argv[1])
	assert not d.bozo, d.bozo_exception
	titles = [e.title for e in d.entries]
	want = "Headline </script><script>alert(\"pwned\")</script> & <b>bold</b> ]]> \"quotes\""
	assert want in titles, titles
	PYEOF
'

test_expect_success 'links keep their query strings, escaped once' '
	grep -F "<a href=\"https://example.org/?a=1&amp;b=2\" rel=\"external noopener\">link</a>" $PAGE
'

# The pages are written by src/html_out.c, not by libxml2's serialiser;
# its bytes are libxml2's, hostile text and links included
# (tests/unit/test-html-out.c tries every character).
test_expect_success 'the pages are byte for byte what libxml2 would write' '
	PR_PUBLISH_LIBXML2_HTML=1 run_expect 0 pr-publish build --out by-libxml2 &&
	diff -r by-libxml2 public &&
	rm -rf by-libxml2
'

# Pieces pasted into pages (pr:fragment) are bytes only our serialiser
# writes: a page it refuses (here: a processing instruction) is made again
# without them, for libxml2 to write.
test_expect_success 'a page our serialiser refuses is made again, without pasted pieces' '
	mkdir -p stylesheets &&
	cp "$REPO"/stylesheets/* stylesheets/ &&
	sed "s|<main>|<xsl:processing-instruction name=\"pi\">x</xsl:processing-instruction>&|" \
		"$REPO"/stylesheets/html.xsl >stylesheets/html.xsl &&
	grep -F "processing-instruction" stylesheets/html.xsl &&
	run_expect 0 pr-publish build --out with-pi &&
	PR_PUBLISH_LIBXML2_HTML=1 run_expect 0 pr-publish build --out with-pi-libxml2 &&
	diff -r with-pi-libxml2 with-pi &&
	grep -F "<?pi x>" with-pi/en/index.html &&
	grep -F "<article class=\"teaser\">" with-pi/en/index.html &&
	! grep -rF "pr-fragment" with-pi &&
	rm -rf stylesheets with-pi with-pi-libxml2
'

# Our own stylesheets, made hostile: the sandbox must stop them.
write_sheet() {
	mkdir -p stylesheets &&
	cp "$REPO"/stylesheets/* stylesheets/ &&
	cat >stylesheets/html.xsl
}

test_expect_success 'a stylesheet may not read files: document() is refused' '
	write_sheet <<-\EOF &&
	<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
	  <xsl:template match="/"><html><body><xsl:copy-of select="document('"'"'/etc/passwd'"'"')"/></body></html></xsl:template>
	</xsl:stylesheet>
	EOF
	rm -rf public && mkdir public && cp "$REPO/site.xml" public/marker &&
	run_expect 3 pr-publish build --out sandbox &&
	grep "stylesheet .html.xsl. failed" err &&
	! test -e sandbox &&
	! grep -r "root:" . --include=*.html
'

test_expect_success 'a stylesheet may not write files: exsl:document is refused' '
	write_sheet <<-\EOF &&
	<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
	                xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl">
	  <xsl:template match="/"><exsl:document href="/tmp/pr-publish-escaped-$$"><x/></exsl:document><html/></xsl:template>
	</xsl:stylesheet>
	EOF
	run_expect 3 pr-publish build --out sandbox &&
	! test -e sandbox &&
	! ls /tmp/pr-publish-escaped-* 2>/dev/null
'

test_expect_success 'a stylesheet may not include files from outside its folder' '
	write_sheet <<-\EOF &&
	<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
	  <xsl:include href="/etc/passwd"/>
	</xsl:stylesheet>
	EOF
	run_expect 3 pr-publish build --out sandbox &&
	grep "does not compile" err &&
	! test -e sandbox
'

# The stylesheets are compiled on a thread of their own while the releases
# are read (cmd_build.c): what it finds is printed once, after the
# releases' findings; a build stopped by those drops it.
test_expect_success 'a stylesheet that does not compile: once, and only when the releases are good' '
	write_sheet <<-\EOF &&
	<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
	  <xsl:template match="/"><xsl:value-of select="(("/></xsl:template>
	</xsl:stylesheet>
	EOF
	run_expect 3 pr-publish build --out sandbox &&
	test $(grep -c "does not compile" err) = 1 &&
	! test -e sandbox &&
	cp "$REPO/tests/fixtures/validate/2021-02-29-date-feb29.en.xml" releases/2020/ &&
	run_expect 1 pr-publish build --out sandbox &&
	grep "2021-02-29-date-feb29.en.xml:" err &&
	! grep "does not compile" err &&
	rm releases/2020/2021-02-29-date-feb29.en.xml &&
	rm -rf stylesheets
'

test_expect_success 'runaway recursion stops at the template depth limit' '
	write_sheet <<-\EOF &&
	<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
	  <xsl:template match="/"><xsl:call-template name="r"/></xsl:template>
	  <xsl:template name="r"><x><xsl:call-template name="r"/></x></xsl:template>
	</xsl:stylesheet>
	EOF
	run_expect 3 pr-publish build --out sandbox &&
	grep -i "recurs\|depth" err &&
	! test -e sandbox
'

test_expect_success 'runaway XPath stops at the operation limit' '
	write_sheet <<-\EOF &&
	<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
	  <xsl:template match="/"><html><xsl:value-of select="count(//node()[count(//node()[count(//node()[count(//node()[count(//node()[count(//node()) &gt; 0]) &gt; 0]) &gt; 0]) &gt; 0]) &gt; 0])"/></html></xsl:template>
	</xsl:stylesheet>
	EOF
	run_expect 3 pr-publish build --out sandbox &&
	grep "Operation limit exceeded" err &&
	! test -e sandbox &&
	rm -rf stylesheets
'

test_done
