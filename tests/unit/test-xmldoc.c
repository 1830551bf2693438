/* test-xmldoc.c - the trusted reading gives the tree of the checked one,
 * and is no less safe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "diag.h"
#include "tap.h"
#include "xmldoc.h"

static const char release[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<release xmlns=\"urn:x\" id=\"a\">\n  <headline>Österreich &amp; l’OSCE</headline>\n"
	"  <body><p>One <em>two</em> three.</p></body>\n</release>\n";

static char *dump(const struct xmldoc *x)
{
	xmlChar *mem = NULL;
	int len = 0;

	xmlDocDumpMemory(x->doc, &mem, &len);
	return (char *)mem;
}

static int trusted_result(const char *s, size_t *errors)
{
	struct diag d;
	struct xmldoc *x = NULL;
	int ret;

	diag_init(&d, DIAG_FORMAT_TEXT);
	d.quiet = 1;
	ret = xmldoc_parse_memory_trusted(&x, "t.xml", s, strlen(s), &d);
	*errors = d.errors;
	xmldoc_free(x);
	return ret;
}

/* The findings of parsing s (len bytes) as an untrusted file, as text. */
static char *findings(const char *s, size_t len, size_t *errors)
{
	struct diag d;
	struct xmldoc *x = NULL;
	char *text = NULL;
	size_t text_len = 0;

	diag_init(&d, DIAG_FORMAT_TEXT);
	d.quiet = 1;
	d.show_source = 0;
	d.color = 0;
	d.text_out = open_memstream(&text, &text_len);
	xmldoc_parse_memory(&x, "c.xml", s, len, &d);
	fclose(d.text_out);
	*errors = d.errors;
	xmldoc_free(x);
	return text;
}

/* A control character is found wherever it is in the eight bytes the
 * check reads at a time, and what looks like one but is not passes. */
static void controls(void)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = { { "\x01", 1 }, { "\x1f", 1 }, { "\x7f", 1 }, { "\xc2\x85", 2 },
		    { "\xc2\x9f", 2 }, { "\0", 1 } };
	static const char *const good[] = { "\t", "\n", "\r", "\xc3\xa9", "\xc2\xab", "\xc2\xa0",
					    " ", "~" };
	char buf[128], want[32];
	size_t b, off, errors, missed = 0, wrong = 0;
	char *text;

	for (b = 0; b < sizeof(bad) / sizeof(bad[0]); b++)
		for (off = 0; off < 24; off++) {
			size_t len = 0;

			memcpy(buf, "<r>", 3);
			len = 3;
			memset(buf + len, 'a', off);
			len += off;
			memcpy(buf + len, bad[b].bytes, bad[b].len);
			len += bad[b].len;
			memcpy(buf + len, "bbbbbbbbbbbbbbbbbbb</r>\n", 24);
			len += 24;
			text = findings(buf, len, &errors);
			snprintf(want, sizeof(want), "c.xml:1:%zu:", 4 + off);
			missed += errors != 1;
			wrong += !text || !strstr(text, want) ||
				 (!strstr(text, "control") && !strstr(text, "NUL"));
			if (errors != 1 || !text || !strstr(text, want))
				printf("# bad %zu at %zu: %s\n", b, off, text ? text : "");
			free(text);
		}
	ok(!missed && !wrong, "a control character is found at every offset, at its column");
	missed = 0;
	for (b = 0; b < sizeof(good) / sizeof(good[0]); b++)
		for (off = 0; off < 24; off++) {
			snprintf(buf, sizeof(buf), "<r>%.*s%s%s</r>\n", (int)off,
				 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", good[b], "bbbbbbbbbbbbbbbbbbb");
			text = findings(buf, strlen(buf), &errors);
			missed += errors != 0;
			free(text);
		}
	ok(!missed, "tabs, line ends and Latin-1 letters after 0xC2 pass at every offset");
}

int main(void)
{
	struct diag d;
	struct xmldoc *checked = NULL, *trusted = NULL;
	char *a, *b;
	size_t errors;

	xmldoc_init();
	diag_init(&d, DIAG_FORMAT_TEXT);
	d.quiet = 1;
	ok(xmldoc_parse_memory(&checked, "c.xml", release, strlen(release), &d) == XMLDOC_OK,
	   "a release reads");
	ok(xmldoc_parse_memory_trusted(&trusted, "t.xml", release, strlen(release), &d) ==
	   XMLDOC_OK, "and reads trusted");
	a = dump(checked);
	b = dump(trusted);
	ok(a && b && !strcmp(a, b), "to the same tree");
	ok(checked->nr_pos > 0 && trusted->nr_pos == 0 && trusted->nr_lines == 0,
	   "without the positions, which only findings need");
	xmlFree(a);
	xmlFree(b);
	xmldoc_free(checked);
	xmldoc_free(trusted);

	ok(trusted_result("<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>", &errors) ==
	   XMLDOC_INVALID && errors == 1, "a DOCTYPE is still refused");
	ok(trusted_result("<r><a></r>", &errors) == XMLDOC_INVALID && errors == 1,
	   "bad XML is still an error");
	ok(trusted_result("<r>\xFF</r>", &errors) == XMLDOC_INVALID && errors == 1,
	   "invalid UTF-8 is still an error (the parser's)");
	controls();
	return tap_done();
}
