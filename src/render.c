/* render.c - stylesheets, their extension functions and their sandbox; see render.h. */
#define _GNU_SOURCE /* memmem */
#include "render.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include <libxml/parserInternals.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxslt/extensions.h>
#include <libxslt/imports.h>
#include <libxslt/security.h>
#include <libxslt/templates.h>
#include <libxslt/transform.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "datadir.h"
#include "datetime.h"
#include "fragments.h"
#include "html_out.h"
#include "site_output.h"
#include "utf8.h"
#include "util.h"
#include "xmldoc.h"
#include "xmlutil.h"

/* Bump when an extension function's output changes: it is part of the
 * render key, so the next build renders everything again. */
#define RENDER_ABI "pr-publish-render 1"

/* The box the stylesheets run in.  Ours need a depth of some 20 and a few
 * hundred thousand XPath operations for the largest listing. */
#define RENDER_MAX_DEPTH 200
#define RENDER_MAX_VARS 20000
#define RENDER_MAX_XPATH_OPS 50000000UL

static const char *const stylesheet_files[RENDER_NR] = {
	"html.xsl", "rss.xsl", "atom.xsl", "sitemap.xsl",
};

struct label {
	const char *key, *lang, *text;
};

struct renderer {
	struct diag *d;
	char *dir;
	xsltStylesheetPtr styles[RENDER_NR];
	xsltSecurityPrefsPtr sec;
	struct xmldoc *labels_xml;
	struct label *labels;      /* sorted by key, then lang */
	size_t nr_labels;
	char *css;
	size_t css_len;
	char key[OUTPUT_HASH_HEX + 1];
	struct strbuf errors;      /* what libxslt said while compiling */
	const struct render_release *releases;   /* for pr:release(); lent */
	size_t nr_releases;
	int marks_releases;        /* see render_releases_read_only() */
	int own_html[RENDER_NR];   /* its results written by html_out_page() */
	struct fragments *fragments;   /* for <pr:fragment>; lent, or NULL */
};

/* Where libxslt's and libxml2's messages go in this thread: libxslt's
 * generic error function is one global for the process, so it is set once
 * and sends every message to the buffer of the thread that caused it. */
static _Thread_local struct strbuf *thread_errors;

/* render_apply_releases(): what pr:release() finds during this thread's
 * transformation, instead of the renderer's table. */
static _Thread_local const struct render_release *call_releases;
static _Thread_local size_t call_nr_releases;
static _Thread_local int call_has_releases;

/* pr:item()'s maker, for this thread (render_call_items()). */
static _Thread_local render_item_fn call_item_fn;
static _Thread_local void *call_item_data;

/* This thread's transformation: whether <pr:fragment> pastes pieces
 * (el_fragment()), and how many it pasted. */
static _Thread_local struct fragments *call_fragments;
static _Thread_local size_t call_pasted;

/* ---- dates -------------------------------------------------------------- */

struct date_lang {
	const char *lang;
	const char *months[12];       /* in a date: "15 октября" */
	const char *months_nom[12];   /* on its own: "Октябрь 2020" */
};

static const struct date_lang date_langs[] = {
	{ "en",
	  { "January", "February", "March", "April", "May", "June", "July", "August",
	    "September", "October", "November", "December" },
	  { NULL } },
	{ "fr",
	  { "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
	    "septembre", "octobre", "novembre", "décembre" },
	  { NULL } },
	{ "de",
	  { "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
	    "September", "Oktober", "November", "Dezember" },
	  { NULL } },
	{ "it",
	  { "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
	    "settembre", "ottobre", "novembre", "dicembre" },
	  { "Gennaio", "Febbraio", "Marzo", "Aprile", "Maggio", "Giugno", "Luglio", "Agosto",
	    "Settembre", "Ottobre", "Novembre", "Dicembre" } },
	{ "ru",
	  { "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
	    "сентября", "октября", "ноября", "декабря" },
	  { "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
	    "Сентябрь", "Октябрь", "Ноябрь", "Декабрь" } },
	{ "es",
	  { "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
	    "septiembre", "octubre", "noviembre", "diciembre" },
	  { "Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
	    "Septiembre", "Octubre", "Noviembre", "Diciembre" } },
};

/* "de-AT" -> the "de" table; English for anything else. */
static const struct date_lang *date_lang_of(const char *lang)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(date_langs); i++) {
		size_t n = strlen(date_langs[i].lang);
		if (lang && !strncmp(lang, date_langs[i].lang, n) && (!lang[n] || lang[n] == '-'))
			return &date_langs[i];
	}
	return &date_langs[0];
}

char *render_format_date(const char *date, const char *lang)
{
	const struct date_lang *dl = date_lang_of(lang);
	const char *why;
	struct date d;
	const char *m;

	if (!date || date_parse(date, &d, &why) < 0)
		return NULL;
	m = dl->months[d.month - 1];
	if (!strcmp(dl->lang, "de"))
		return xasprintf("%d. %s %d", d.day, m, d.year);
	if (!strcmp(dl->lang, "fr") && d.day == 1)
		return xasprintf("1er %s %d", m, d.year);
	if (!strcmp(dl->lang, "es"))
		return xasprintf("%d de %s de %d", d.day, m, d.year);
	return xasprintf("%d %s %d", d.day, m, d.year);
}

/* "2020-10" -> "October 2020", "octobre 2020", "Октябрь 2020"... */
static char *format_month(const char *ym, const char *lang)
{
	const struct date_lang *dl = date_lang_of(lang);
	char buf[16];
	const char *why, *m;
	struct date d;

	if (strlen(ym) != 7)
		return NULL;
	snprintf(buf, sizeof(buf), "%s-01", ym);
	if (date_parse(buf, &d, &why) < 0)
		return NULL;
	m = dl->months_nom[0] ? dl->months_nom[d.month - 1] : dl->months[d.month - 1];
	if (!strcmp(dl->lang, "es"))
		return xasprintf("%s de %d", m, d.year);
	return xasprintf("%s %d", m, d.year);
}

/* A date or an instant -> RFC 822 (as RSS 2.0 wants it), in English and UTC. */
static char *format_rfc822(const char *s)
{
	static const char *const days[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
						"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char *why;
	struct date d, local;
	time_t t;
	long secs;

	if (strlen(s) == 10) {
		if (date_parse(s, &d, &why) < 0)
			return NULL;
		t = (time_t)date_to_days(&d) * 86400;
	} else if (datetime_parse(s, &t, &local, &why) < 0) {
		return NULL;
	}
	date_from_time(t, &d);
	secs = (long)(t - (time_t)date_to_days(&d) * 86400);
	return xasprintf("%s, %02d %s %04d %02ld:%02ld:%02ld +0000", days[date_weekday(&d)],
			 d.day, months[d.month - 1], d.year, secs / 3600, secs / 60 % 60, secs % 60);
}

/* ---- text --------------------------------------------------------------- */

/* The upper case of c, or c; ß is handled by the caller. */
static uint32_t upper_cp(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 32;
	if (c < 0x80)
		return c;
	if ((c >= 0xe0 && c <= 0xfe && c != 0xf7))
		return c - 0x20;
	if (c == 0xff)
		return 0x178;
	if (c == 0x131)
		return 'I';
	if (c == 0x17f)
		return 'S';
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
		return (c & 1) ? c - 1 : c;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
		return (c & 1) ? c : c - 1;
	if (c >= 0x218 && c <= 0x21f)   /* Romanian ș, ț */
		return (c & 1) ? c - 1 : c;
	/* Greek */
	if (c == 0x3c2)
		return 0x3a3;
	if (c >= 0x3b1 && c <= 0x3cb)
		return c - 0x20;
	if (c == 0x3ac)
		return 0x386;
	if (c >= 0x3ad && c <= 0x3af)
		return c - 0x25;
	if (c == 0x3cc)
		return 0x38c;
	if (c == 0x3cd || c == 0x3ce)
		return c - 0x3f;
	/* Cyrillic */
	if (c >= 0x430 && c <= 0x44f)
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45f)
		return c - 0x50;
	if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) ||
	    (c >= 0x4d0 && c <= 0x52f))
		return (c & 1) ? c - 1 : c;
	if (c >= 0x4c1 && c <= 0x4ce)
		return (c & 1) ? c : c - 1;
	if (c == 0x4cf)
		return 0x4c0;
	/* Armenian */
	if (c >= 0x561 && c <= 0x586)
		return c - 0x30;
	/* Latin Extended Additional (Vietnamese and others) */
	if ((c >= 0x1e00 && c <= 0x1e95) || (c >= 0x1ea0 && c <= 0x1eff))
		return (c & 1) ? c - 1 : c;
	return c;
}

static void add_utf8(struct strbuf *sb, uint32_t c)
{
	char b[4];

	if (c < 0x80) {
		strbuf_addch(sb, (char)c);
		return;
	}
	if (c < 0x800) {
		b[0] = (char)(0xc0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3f));
		strbuf_add(sb, b, 2);
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | c >> 12);
		b[1] = (char)(0x80 | (c >> 6 & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		strbuf_add(sb, b, 3);
	} else {
		b[0] = (char)(0xf0 | c >> 18);
		b[1] = (char)(0x80 | (c >> 12 & 0x3f));
		b[2] = (char)(0x80 | (c >> 6 & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		strbuf_add(sb, b, 4);
	}
}

char *render_upper(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(s), i = 0;

	strbuf_grow(&sb, len);
	while (i < len) {
		uint32_t c;
		size_t n = utf8_decode(s + i, len - i, &c);

		if (!n) {           /* not from a validated file; pass it on */
			strbuf_addch(&sb, s[i++]);
			continue;
		}
		i += n;
		if (c == 0xdf)
			strbuf_addstr(&sb, "SS");
		else
			add_utf8(&sb, upper_cp(c));
	}
	return strbuf_detach(&sb);
}

/* The ASCII bytes json_add() writes as they are: not a control, a quote,
 * a backslash or < > &. */
static int json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' &&
	       c != '&';
}

/* A JSON string literal that can sit inside an HTML <script>: besides what
 * JSON needs, '<', '>' and '&' become \u escapes (so "</script" and "<!--"
 * cannot occur), and so do U+2028 and U+2029. */
static void json_add(struct strbuf *sb, const char *s)
{
	size_t len = strlen(s), i = 0;

	strbuf_addch(sb, '"');
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t n;

		/* A run of plain ASCII at once: a character at a time, JSON-LD
		 * took 85,000 instructions a release page. */
		if (json_plain(c)) {
			for (n = i + 1; n < len && json_plain((unsigned char)s[n]); n++)
				;
			strbuf_add(sb, s + i, n - i);
			i = n;
			continue;
		}
		switch (c) {
		case '"':
			strbuf_addstr(sb, "\\\"");
			i++;
			continue;
		case '\\':
			strbuf_addstr(sb, "\\\\");
			i++;
			continue;
		case '\n':
			strbuf_addstr(sb, "\\n");
			i++;
			continue;
		case '\t':
			strbuf_addstr(sb, "\\t");
			i++;
			continue;
		case '<':
		case '>':
		case '&':
			strbuf_addf(sb, "\\u%04x", c);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			strbuf_addf(sb, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (!n) {
			strbuf_addstr(sb, "\\ufffd");
			i++;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029)
			strbuf_addf(sb, "\\u%04x", (unsigned)cp);
		else
			strbuf_add(sb, s + i, n);
		i += n;
	}
	strbuf_addch(sb, '"');
}

static char *json_string(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	json_add(&sb, s);
	return strbuf_detach(&sb);
}

/* Links allowed out of a release: absolute http(s) and mailto, nothing
 * that could run (javascript:, data:) or reach into the site. */
static int url_is_safe(const char *href, const char **start, size_t *len)
{
	const char *p = href, *end, *c;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (c = p; c < end; c++)
		if ((unsigned char)*c <= ' ' || *c == '"' || *c == '<' || *c == '>' || *c == '\\')
			return 0;
	*start = p;
	*len = (size_t)(end - p);
	if (!strncasecmp(p, "https://", 8) || !strncasecmp(p, "http://", 7)) {
		const char *host = p + (p[4] == ':' ? 7 : 8);
		return host < end && *host != '/';
	}
	if (!strncasecmp(p, "mailto:", 7))
		return memchr(p + 7, '@', (size_t)(end - p - 7)) != NULL;
	return 0;
}

/* ---- labels ------------------------------------------------------------- */

static int label_cmp(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->lang, y->lang);
}

static const char *label_find(const struct renderer *r, const char *key, const char *lang)
{
	struct label probe = { key, lang, NULL };
	const struct label *l;

	if (!r->nr_labels)
		return NULL;
	l = bsearch(&probe, r->labels, r->nr_labels, sizeof(probe), label_cmp);
	return l ? l->text : NULL;
}

static int load_labels(struct renderer *r)
{
	char *path = xasprintf("%s/labels.xml", r->dir);
	xmlNode *root, *l, *t;
	size_t alloc = 0;
	int ret;

	ret = xmldoc_load_file(&r->labels_xml, path, r->d);
	free(path);
	if (ret)
		return -1;
	root = xmlDocGetRootElement(r->labels_xml->doc);
	for (l = root ? root->children : NULL; l; l = l->next) {
		const char *key;

		if (!xml_is(l, "label"))
			continue;
		key = xml_attr(r->labels_xml, l, "key");
		if (!key)
			continue;
		for (t = l->children; t; t = t->next) {
			struct label *lb;
			const char *lang;

			if (!xml_is(t, "text") || !(lang = xml_lang_attr(r->labels_xml, t)))
				continue;
			ALLOC_GROW(r->labels, r->nr_labels + 1, alloc);
			lb = &r->labels[r->nr_labels++];
			lb->key = key;
			lb->lang = lang;
			lb->text = xml_text(r->labels_xml, t);
		}
	}
	if (r->nr_labels)
		qsort(r->labels, r->nr_labels, sizeof(*r->labels), label_cmp);
	return 0;
}

/* ---- the extension functions -------------------------------------------- */

static const struct renderer *renderer_of(xmlXPathParserContextPtr ctxt)
{
	xsltTransformContextPtr tctxt = xsltXPathGetTransformContext(ctxt);

	return tctxt ? tctxt->_private : NULL;
}

static int release_cmp(const void *a, const void *b)
{
	const struct render_release *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : strcmp(x->lang, y->lang);
}

/* Pops nargs string arguments into args[0..nargs-1] (xmlFree them). */
static int pop_strings(xmlXPathParserContextPtr ctxt, int nargs, int min, int max,
		       xmlChar **args)
{
	int i;

	if (nargs < min || nargs > max) {
		xmlXPathSetArityError(ctxt);
		return -1;
	}
	for (i = nargs - 1; i >= 0; i--)
		args[i] = xmlXPathPopString(ctxt);
	return 0;
}

static void free_strings(xmlChar **args, int nargs)
{
	int i;

	for (i = 0; i < nargs; i++)
		xmlFree(args[i]);
}

/* Hands a malloc'd result (NULL: "") back to XPath. */
static void return_string(xmlXPathParserContextPtr ctxt, char *s)
{
	valuePush(ctxt, xmlXPathNewString((const xmlChar *)(s ? s : "")));
	free(s);
}

#define ARG(i) ((const char *)args[i])

static void fn_format_date(xmlXPathParserContextPtr ctxt, int nargs)
{
	xmlChar *args[2];

	if (pop_strings(ctxt, nargs, 2, 2, args) < 0)
		return;
	return_string(ctxt, render_format_date(ARG(0), ARG(1)));
	free_strings(args, nargs);
}

static void fn_format_month(xmlXPathParserContextPtr ctxt, int nargs)
{
	xmlChar *args[2];

	if (pop_strings(ctxt, nargs, 2, 2, args) < 0)
		return;
	return_string(ctxt, format_month(ARG(0), ARG(1)));
	free_strings(args, nargs);
}

static void fn_upper(xmlXPathParserContextPtr ctxt, int nargs)
{
	xmlChar *args[2];

	/* An optional language, for the day Turkish needs its dotted İ. */
	if (pop_strings(ctxt, nargs, 1, 2, args) < 0)
		return;
	return_string(ctxt, render_upper(ARG(0)));
	free_strings(args, nargs);
}

static void fn_rfc822(xmlXPathParserContextPtr ctxt, int nargs)
{
	xmlChar *args[1];

	if (pop_strings(ctxt, nargs, 1, 1, args) < 0)
		return;
	return_string(ctxt, format_rfc822(ARG(0)));
	free_strings(args, nargs);
}

static void fn_json(xmlXPathParserContextPtr ctxt, int nargs)
{
	xmlChar *args[1];

	if (pop_strings(ctxt, nargs, 1, 1, args) < 0)
		return;
	return_string(ctxt, json_string(ARG(0)));
	free_strings(args, nargs);
}

/*
 * pr:json-members(name, value, ...): members of a JSON object, each
 * ',"name":' and its value as pr:json() writes it.  A value given as a
 * node-set is the string of its first node, and when it is empty the
 * member is left out (an optional one).  One call for what took a
 * dozen instructions of the stylesheet a member, on every release page.
 */
static void fn_json_members(xmlXPathParserContextPtr ctxt, int nargs)
{
	struct strbuf sb = STRBUF_INIT;
	xmlXPathObjectPtr *args;
	int i;

	if (nargs < 2 || nargs % 2) {
		xmlXPathSetArityError(ctxt);
		return;
	}
	args = xcalloc((size_t)nargs, sizeof(*args));
	for (i = nargs - 1; i >= 0; i--)
		args[i] = valuePop(ctxt);
	for (i = 0; i < nargs && !ctxt->error; i += 2) {
		xmlXPathObjectPtr value = args[i + 1];
		xmlChar *name, *text;

		if (!args[i] || !value) {
			xmlXPathSetTypeError(ctxt);
			break;
		}
		if (value->type == XPATH_NODESET &&
		    (!value->nodesetval || !value->nodesetval->nodeNr))
			continue;
		name = xmlXPathCastToString(args[i]);
		text = xmlXPathCastToString(value);
		strbuf_addch(&sb, ',');
		json_add(&sb, (const char *)(name ? name : (const xmlChar *)""));
		strbuf_addch(&sb, ':');
		json_add(&sb, (const char *)(text ? text : (const xmlChar *)""));
		xmlFree(name);
		xmlFree(text);
	}
	for (i = 0; i < nargs; i++)
		xmlXPathFreeObject(args[i]);
	free(args);
	if (ctxt->error) {
		strbuf_release(&sb);
		return;
	}
	return_string(ctxt, strbuf_detach(&sb));
}

static void fn_safe_url(xmlXPathParserContextPtr ctxt, int nargs)
{
	xmlChar *args[1];
	const char *start;
	size_t len;

	if (pop_strings(ctxt, nargs, 1, 1, args) < 0)
		return;
	if (url_is_safe(ARG(0), &start, &len))
		return_string(ctxt, xstrndup(start, len));
	else
		return_string(ctxt, NULL);
	free_strings(args, nargs);
}

/* pr:label(key, lang, {1}, {2}): the string for lang, else English, else
 * the key itself (a missing label shows, it does not vanish). */
static void fn_label(xmlXPathParserContextPtr ctxt, int nargs)
{
	const struct renderer *r = renderer_of(ctxt);
	struct strbuf sb = STRBUF_INIT;
	xmlChar *args[4];
	const char *text, *p;

	if (pop_strings(ctxt, nargs, 2, 4, args) < 0)
		return;
	text = r ? label_find(r, ARG(0), ARG(1)) : NULL;
	if (!text && r)
		text = label_find(r, ARG(0), "en");
	if (!text)
		text = ARG(0);
	for (p = text; *p; p++) {
		if (p[0] == '{' && p[1] >= '1' && p[1] <= '2' && p[2] == '}' &&
		    nargs > 2 + (p[1] - '1')) {
			strbuf_addstr(&sb, ARG(2 + (p[1] - '1')));
			p += 2;
		} else {
			strbuf_addch(&sb, *p);
		}
	}
	return_string(ctxt, strbuf_detach(&sb));
	free_strings(args, nargs);
}

/* first and its following siblings as XML, as pr:markup() writes them. */
static void dump_nodes(xmlBufferPtr buf, xmlNodePtr first)
{
	for (; first; first = first->next)
		xmlNodeDump(buf, first->doc, first, 0, 0);
}

/* pr:markup(nodes): the nodes (a result tree fragment's content) as XML
 * markup in a string.  Text is escaped by the serialiser, so the string is
 * well-formed HTML built only from what the templates made. */
static void fn_markup(xmlXPathParserContextPtr ctxt, int nargs)
{
	xmlXPathObjectPtr obj;
	xmlBufferPtr buf;
	int i;

	if (nargs != 1) {
		xmlXPathSetArityError(ctxt);
		return;
	}
	obj = valuePop(ctxt);
	if (!obj || (obj->type != XPATH_NODESET && obj->type != XPATH_XSLT_TREE)) {
		xmlXPathFreeObject(obj);
		xmlXPathSetTypeError(ctxt);
		return;
	}
	buf = xmlBufferCreate();
	for (i = 0; obj->nodesetval && i < obj->nodesetval->nodeNr; i++) {
		xmlNodePtr n = obj->nodesetval->nodeTab[i];

		if (n->type == XML_DOCUMENT_NODE || n->type == XML_HTML_DOCUMENT_NODE)
			dump_nodes(buf, n->children);
		else
			xmlNodeDump(buf, n->doc, n, 0, 0);
	}
	valuePush(ctxt, xmlXPathNewString(xmlBufferContent(buf)));
	xmlBufferFree(buf);
	xmlXPathFreeObject(obj);
}

/* The release of the <item> item (by its @id and @lang), or NULL. */
static const struct render_release *find_release_in(const struct renderer *r, xmlNodePtr item)
{
	const struct render_release *table = r ? r->releases : NULL, *found = NULL;
	size_t nr_table = r ? r->nr_releases : 0;

	if (call_has_releases) {
		table = call_releases;
		nr_table = call_nr_releases;
	}
	if (r && nr_table && item && item->type == XML_ELEMENT_NODE) {
		xmlChar *id = xmlGetProp(item, (const xmlChar *)"id");
		xmlChar *lang = xmlGetProp(item, (const xmlChar *)"lang");

		if (id && lang) {
			struct render_release probe = { (const char *)id, (const char *)lang, NULL, NULL };
			found = bsearch(&probe, table, nr_table, sizeof(probe), release_cmp);
		}
		xmlFree(id);
		xmlFree(lang);
	}
	return found;
}

static const struct render_release *find_release(xmlXPathParserContextPtr ctxt, xmlNodePtr item)
{
	return find_release_in(renderer_of(ctxt), item);
}

/* The <item> a function of an optional item is about: its argument's
 * first node, else the context node.  0, or -1 with the error set; *arg
 * (NULL when there is none) is the caller's to free. */
static int item_arg(xmlXPathParserContextPtr ctxt, int nargs, xmlNodePtr *item,
		    xmlXPathObjectPtr *arg)
{
	*item = ctxt->context ? ctxt->context->node : NULL;
	*arg = NULL;
	if (nargs > 1) {
		xmlXPathSetArityError(ctxt);
		return -1;
	}
	if (nargs == 1) {
		*arg = valuePop(ctxt);
		if (!*arg || (*arg)->type != XPATH_NODESET) {
			xmlXPathFreeObject(*arg);
			*arg = NULL;
			xmlXPathSetTypeError(ctxt);
			return -1;
		}
		*item = (*arg)->nodesetval && (*arg)->nodesetval->nodeNr ?
			(*arg)->nodesetval->nodeTab[0] : NULL;
	}
	return 0;
}

/* pr:release([item]): the <release> of the <item> (by its @id and @lang;
 * the context node when no argument is given), from the release's own
 * parsed document, or an empty node-set.  Input documents refer to
 * releases instead of carrying copies of them. */
static void fn_release(xmlXPathParserContextPtr ctxt, int nargs)
{
	const struct render_release *found;
	xmlXPathObjectPtr arg;
	xmlNodePtr item;

	if (item_arg(ctxt, nargs, &item, &arg) < 0)
		return;
	found = find_release(ctxt, item);
	xmlXPathFreeObject(arg);
	valuePush(ctxt, xmlXPathNewNodeSet(found ? (xmlNodePtr)found->root : NULL));
}

void render_call_items(render_item_fn fn, void *data)
{
	call_item_fn = fn;
	call_item_data = data;
}

static void fn_item(xmlXPathParserContextPtr ctxt, int nargs)
{
	xmlNodePtr item, whole = NULL;
	xmlXPathObjectPtr arg;

	if (item_arg(ctxt, nargs, &item, &arg) < 0)
		return;
	if (item && item->type == XML_ELEMENT_NODE && call_item_fn)
		whole = call_item_fn(call_item_data, item);
	xmlXPathFreeObject(arg);
	valuePush(ctxt, xmlXPathNewNodeSet(whole ? whole : item));
}

void render_memo_clear(struct render_memo *m)
{
	free(m->feed_html);
	free(m->feed_text);
	m->feed_html = NULL;
	m->feed_text = NULL;
}

/* Keeps mine in *slot unless another thread kept its own first: what is
 * kept, and mine freed if it is not. */
static char *memo_keep(char **slot, char *mine)
{
	char *kept = NULL;

	if (__atomic_compare_exchange_n(slot, &kept, mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return mine;
	free(mine);
	return kept;
}

/*
 * pr:feed-html(): the full text of the context <item>'s release as its
 * feeds carry it, when an earlier output kept it, else "".
 * pr:feed-html($html): pr:markup($html), kept for the release's next
 * outputs.  A release of today is in a dozen feeds at once (its language's,
 * its fields' and sources', each RSS and Atom), each with the thirty newest
 * of its kind: the text of each of those was made over again for every
 * feed, most of what publishing one release spent rendering.
 */
static void fn_feed_html(xmlXPathParserContextPtr ctxt, int nargs)
{
	const struct render_release *found;
	struct render_memo *memo;
	char *kept, *mine;

	if (nargs > 1) {
		xmlXPathSetArityError(ctxt);
		return;
	}
	found = find_release(ctxt, ctxt->context ? ctxt->context->node : NULL);
	memo = found ? found->memo : NULL;
	if (nargs == 0) {
		kept = memo ? __atomic_load_n(&memo->feed_html, __ATOMIC_ACQUIRE) : NULL;
		valuePush(ctxt, xmlXPathNewString((const xmlChar *)(kept ? kept : "")));
		return;
	}
	fn_markup(ctxt, 1);
	if (!memo || ctxt->error || !ctxt->value || ctxt->value->type != XPATH_STRING)
		return;
	/* The first to finish keeps its copy; the same bytes either way. */
	mine = xstrdup((const char *)ctxt->value->stringval);
	memo_keep(&memo->feed_html, mine);
}

/*
 * html as libxml2's serialiser writes text in an XML document
 * (xmlEscapeContent(): < > & and carriage returns), malloc'd.
 */
static char *escape_xml_text(const char *html)
{
	struct strbuf sb = STRBUF_INIT;
	const char *start = html, *p;

	strbuf_grow(&sb, strlen(html) + strlen(html) / 8);
	for (p = html; *p; p++) {
		const char *with;

		switch (*p) {
		case '<':
			with = "&lt;";
			break;
		case '>':
			with = "&gt;";
			break;
		case '&':
			with = "&amp;";
			break;
		case '\r':
			with = "&#13;";
			break;
		default:
			continue;
		}
		strbuf_add(&sb, start, (size_t)(p - start));
		strbuf_addstr(&sb, with);
		start = p + 1;
	}
	strbuf_add(&sb, start, (size_t)(p - start));
	return strbuf_detach(&sb);
}

/*
 * inst's content made for the context node in an element of no page (the
 * caller's to free), for an extension element that writes it itself;
 * NULL when no element could be made.
 */
static xmlNodePtr make_aside(xsltTransformContextPtr ctxt, xmlNodePtr node, xmlNodePtr inst)
{
	xmlNodePtr insert = ctxt->insert;
	xmlNodePtr holder = xmlNewDocNode(ctxt->output, NULL, (const xmlChar *)"div", NULL);

	if (!holder)
		return NULL;
	ctxt->insert = holder;
	xsltApplyOneTemplate(ctxt, node, inst->children, NULL, NULL);
	ctxt->insert = insert;
	/* libxslt appends to the last text node it made, if it is still the
	 * insertion point's last child: not one of these. */
	ctxt->lasttext = NULL;
	ctxt->lasttsize = ctxt->lasttuse = 0;
	return holder;
}

/*
 * <pr:feed-text>content</pr:feed-text>: the content, HTML, written as text
 * (a feed's content:encoded, an Atom content of type html), for the
 * context <item>'s release.  The first output of the release makes it,
 * writes it as XML (pr:markup()) and escapes that once; the others take
 * both from the release's memo (render.h).  The text goes in as a node
 * the serialiser writes as it is (xmlStringTextNoenc, what libxslt makes
 * for disable-output-escaping): the escaping is escape_xml_text()'s, the
 * same four substitutions libxml2 makes, so the bytes are those libxml2
 * would have written.  A release is in a dozen feeds, RSS and Atom, and
 * libxml2 escaped its text, some 5 KB, in each, after XSLT had copied it
 * three times: 1.3 billion instructions a full build for the escaping.
 */
static void el_feed_text(xsltTransformContextPtr ctxt, xmlNodePtr node, xmlNodePtr inst,
			 xsltElemPreCompPtr comp)
{
	const struct render_release *found = find_release_in(ctxt->_private, node);
	struct render_memo *memo = found ? found->memo : NULL;
	char *text = memo ? __atomic_load_n(&memo->feed_text, __ATOMIC_ACQUIRE) : NULL;
	char *own_text = NULL;
	xmlNodePtr insert = ctxt->insert, t;

	(void)comp;
	if (!insert || ctxt->state != XSLT_STATE_OK)
		return;
	if (!text) {
		char *html = memo ? __atomic_load_n(&memo->feed_html, __ATOMIC_ACQUIRE) : NULL;
		char *own_html = NULL;

		if (!html) {
			xmlNodePtr holder = make_aside(ctxt, node, inst);
			xmlBufferPtr buf = xmlBufferCreate();

			if (!holder || !buf) {
				xmlFreeNode(holder);
				xmlBufferFree(buf);
				return;
			}
			dump_nodes(buf, holder->children);
			own_html = xstrdup((const char *)xmlBufferContent(buf));
			xmlBufferFree(buf);
			xmlFreeNode(holder);
			if (ctxt->state != XSLT_STATE_OK) {
				free(own_html);
				return;
			}
			html = memo ? memo_keep(&memo->feed_html, own_html) : own_html;
			if (memo)
				own_html = NULL;
		}
		own_text = escape_xml_text(html);
		free(own_html);
		text = own_text;
		if (memo) {
			text = memo_keep(&memo->feed_text, own_text);
			own_text = NULL;
		}
	}
	t = xmlNewDocTextLen(ctxt->output, (const xmlChar *)text, (int)strlen(text));
	if (t) {
		t->name = xmlStringTextNoenc;
		xmlAddChild(insert, t);
	}
	free(own_text);
}

/*
 * <pr:fragment key="{...}">content</pr:fragment>: the content, made by the
 * first page of a build that shows it, its bytes kept under the key, then
 * pasted into every page with the same key (fragments.h).  The key must
 * name everything the content is made of; a build's table starts empty, so
 * only what one build holds constant (the site, the labels, a release's
 * summary) may be left out of it.  Without a table (a feed, a sitemap, a
 * page written by libxml2), or where the content holds what html_out
 * cannot write, it is only the content.
 *
 * relative-to="root" names a global variable whose value, a page's way
 * back to the site's root ("", "../", "../../", ...), the content writes
 * out but does nothing else with: then the key leaves it out.  The content
 * is made with a mark in its place, and each paste writes the page's value
 * where the marks were (html_out_paste()), so one piece serves every depth.
 */
static xmlAttrPtr inst_attr(xmlNodePtr inst, const char *name)
{
	xmlAttrPtr a;

	for (a = inst->properties; a; a = a->next)
		if (!a->ns && xmlStrEqual(a->name, (const xmlChar *)name))
			return a;
	return NULL;
}

/*
 * A key made of text, {@name} and {$name} alone (html.xsl's are), read
 * here: libxslt's evaluation of an attribute value template, some 7,000
 * instructions a key, was a third of what a pasted teaser cost.  Any
 * other key is libxslt's, compiled once with the stylesheet (compiled for
 * every page, it had cost as much as the pieces saved).
 */
enum key_part_kind { KEY_TEXT, KEY_ATTR, KEY_VAR };

struct key_part {
	enum key_part_kind kind;
	xmlChar *text;  /* the text, or the attribute's or variable's name */
};

struct fragment_comp {
	xsltElemPreComp comp;  /* first: libxslt's view of it */
	size_t nr_parts;       /* 0: libxslt evaluates the key */
	struct key_part *parts;
};

static void fragment_comp_free(xsltElemPreCompPtr comp)
{
	struct fragment_comp *fc = (struct fragment_comp *)comp;
	size_t i;

	for (i = 0; i < fc->nr_parts; i++)
		xmlFree(fc->parts[i].text);
	free(fc->parts);
	free(fc);
}

static int is_name_char(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (unsigned char)c >= 0x80 ||
	       (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
}

/* value as parts, or 0 when it holds more than text, {@name} and {$name}. */
static size_t simple_key(const xmlChar *value, struct key_part **out)
{
	struct key_part *parts = NULL;
	size_t nr = 0, alloc = 0;
	struct strbuf text = STRBUF_INIT;
	const xmlChar *p = value;

	*out = NULL;
	for (;;) {
		if (!*p || (*p == '{' && p[1] != '{')) {
			if (text.len) {
				ALLOC_GROW(parts, nr + 1, alloc);
				parts[nr].kind = KEY_TEXT;
				parts[nr++].text = xmlStrndup((const xmlChar *)text.buf, (int)text.len);
				strbuf_reset(&text);
			}
			if (!*p)
				break;
			/* {@name} or {$name}, no space, no prefix */
			if ((p[1] == '@' || p[1] == '$') && is_name_char(p[2], 1)) {
				const xmlChar *name = p + 2, *end = name;

				while (is_name_char(*end, 0))
					end++;
				if (*end == '}') {
					ALLOC_GROW(parts, nr + 1, alloc);
					parts[nr].kind = p[1] == '@' ? KEY_ATTR : KEY_VAR;
					parts[nr++].text = xmlStrndup(name, (int)(end - name));
					p = end + 1;
					continue;
				}
			}
			goto not_simple;
		}
		if ((*p == '{' && p[1] == '{') || (*p == '}' && p[1] == '}')) {
			strbuf_addch(&text, (char)*p);
			p += 2;
			continue;
		}
		if (*p == '}')
			goto not_simple;
		strbuf_addch(&text, (char)*p++);
	}
	strbuf_release(&text);
	*out = parts;
	return nr;
not_simple:
	while (nr)
		xmlFree(parts[--nr].text);
	free(parts);
	strbuf_release(&text);
	return 0;
}

static xsltElemPreCompPtr fragment_precomp(xsltStylesheetPtr style, xmlNodePtr inst,
					   xsltTransformFunction function)
{
	struct fragment_comp *fc = xcalloc(1, sizeof(*fc));
	xmlAttrPtr key = inst_attr(inst, "key");

	xsltInitElemPreComp(&fc->comp, style, inst, function, fragment_comp_free);
	if (key) {
		xmlChar *value = xmlNodeListGetString(inst->doc, key->children, 1);

		fc->nr_parts = value ? simple_key(value, &fc->parts) : 0;
		xmlFree(value);
		/* Also for a simple key, which falls back on it where a name
		 * means more than a string to read. */
		xsltCompileAttr(style, key);
	}
	return &fc->comp;
}

/* Whether a local variable or parameter of that name is in scope, hiding
 * the global one from $name. */
static int local_named(xsltTransformContextPtr ctxt, const xmlChar *name)
{
	xsltStackElemPtr var;
	int i;

	for (i = ctxt->varsNr; i > ctxt->varsBase; i--)
		for (var = ctxt->varsTab[i - 1]; var; var = var->next)
			if (xmlStrEqual(var->name, name))
				return 1;
	return 0;
}

/* The global variable name (no namespace) when its value, computed, is a
 * string; else NULL. */
static xsltStackElemPtr global_string_var(xsltTransformContextPtr ctxt, const xmlChar *name)
{
	xsltStackElemPtr var =
		name && ctxt->globalVars ? xmlHashLookup2(ctxt->globalVars, name, NULL) : NULL;

	if (!var || !var->computed || !var->value || var->value->type != XPATH_STRING)
		return NULL;
	return var;
}

/* The string value of the global variable name for this page, if that is
 * what $name means here (no local variable of the name, the global a
 * string); NULL when it is not. */
static const xmlChar *global_string(xsltTransformContextPtr ctxt, const xmlChar *name)
{
	xsltStackElemPtr var = local_named(ctxt, name) ? NULL : global_string_var(ctxt, name);

	if (!var)
		return NULL;
	return var->value->stringval ? var->value->stringval : (const xmlChar *)"";
}

/* The key of comp's pr:fragment for the context node, into key: 0, or -1
 * when it has none. */
static int fragment_key(xsltTransformContextPtr ctxt, xmlNodePtr node, xmlNodePtr inst,
			const struct fragment_comp *fc, struct strbuf *key)
{
	xmlAttrPtr attr;
	xmlChar *value;
	size_t i;

	for (i = 0; fc && i < fc->nr_parts; i++) {
		const struct key_part *part = &fc->parts[i];
		const xmlChar *text = NULL;

		switch (part->kind) {
		case KEY_TEXT:
			text = part->text;
			break;
		case KEY_ATTR:
			for (attr = node && node->type == XML_ELEMENT_NODE ? node->properties : NULL;
			     attr && (attr->ns || !xmlStrEqual(attr->name, part->text));
			     attr = attr->next)
				;
			if (!attr || !attr->children)
				text = (const xmlChar *)"";
			else if (attr->children->type == XML_TEXT_NODE && !attr->children->next)
				text = attr->children->content;
			else
				goto libxslt;
			break;
		case KEY_VAR:
			if (!(text = global_string(ctxt, part->text)))
				goto libxslt;
			break;
		}
		strbuf_addstr(key, (const char *)text);
	}
	if (fc && fc->nr_parts)
		return 0;
libxslt:
	strbuf_reset(key);
	attr = inst_attr(inst, "key");
	if (!attr)
		return -1;
	value = attr->psvi ? xsltEvalAVT(ctxt, attr->psvi, inst)
			   : xmlNodeListGetString(inst->doc, attr->children, 1);
	if (!value)
		return -1;
	strbuf_addstr(key, (const char *)value);
	xmlFree(value);
	return 0;
}

/* What stands for a relative-to variable while a piece is made: letters
 * and digits, which every attribute and text write as they are, and
 * random, so that no release can hold it.  Made once (render_new()). */
static char relative_mark[24];

static void make_relative_mark(void)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned char rnd[16] = { 0 };
	size_t i;

	if (relative_mark[0])
		return;
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
		uint64_t h = hash_bytes(&rnd, sizeof(rnd)) ^ (uint64_t)(uintptr_t)&rnd ^
			     (uint64_t)time(NULL);
		memcpy(rnd, &h, sizeof(h));
		memcpy(rnd + 8, &h, sizeof(h));
	}
	memcpy(relative_mark, "prroot", 6);
	for (i = 0; i < sizeof(rnd); i++)
		relative_mark[6 + i] = digits[rnd[i] % 36];
	relative_mark[6 + sizeof(rnd)] = '\0';
}

/*
 * The global variable relative-to names, for a page: NULL, with
 * *content_only set when the content must be made as it is (a value other
 * than a way back to the root, or a local variable of the name hiding the
 * global), or with an error reported when there is no such string
 * variable.
 */
static xsltStackElemPtr relative_var(xsltTransformContextPtr ctxt, xmlNodePtr inst,
				     int *content_only)
{
	xmlAttrPtr a = inst_attr(inst, "relative-to");
	const xmlChar *name, *c;
	xsltStackElemPtr var;

	*content_only = 0;
	if (!a)
		return NULL;
	name = a->children && a->children->type == XML_TEXT_NODE ? a->children->content : NULL;
	if (!(var = global_string_var(ctxt, name))) {
		xsltTransformError(ctxt, NULL, inst,
				   "pr:fragment relative-to=\"%s\": no global variable of that "
				   "name holds a string; name one that holds a page's way back "
				   "to the root, such as $root\n",
				   name ? (const char *)name : "");
		ctxt->state = XSLT_STATE_STOPPED;
		return NULL;
	}
	if (local_named(ctxt, name)) {
		*content_only = 1;
		return NULL;
	}
	for (c = var->value->stringval; c && *c; c++)
		if (*c != '.' && *c != '/') {
			*content_only = 1;
			return NULL;
		}
	return var;
}

/* Takes every mark out of sb: the offsets they were at, in what is left,
 * into *holes (the caller frees it); how many. */
static size_t take_marks(struct strbuf *sb, size_t **holes)
{
	size_t mark_len = strlen(relative_mark), nr = 0, alloc = 0, at = 0, out = 0;
	char *hit;

	*holes = NULL;
	while (sb->buf && (hit = memmem(sb->buf + at, sb->len - at, relative_mark, mark_len))) {
		size_t run = (size_t)(hit - (sb->buf + at));

		memmove(sb->buf + out, sb->buf + at, run);
		out += run;
		ALLOC_GROW(*holes, nr + 1, alloc);
		(*holes)[nr++] = out;
		at += run + mark_len;
	}
	if (nr) {
		memmove(sb->buf + out, sb->buf + at, sb->len - at);
		sb->len = out + sb->len - at;
		sb->buf[sb->len] = '\0';
	}
	return nr;
}

static void el_fragment(xsltTransformContextPtr ctxt, xmlNodePtr node, xmlNodePtr inst,
			xsltElemPreCompPtr comp)
{
	struct fragments *table = call_fragments;
	const struct html_fragment *f;
	xmlNodePtr insert = ctxt->insert, holder, paste, c;
	xsltStackElemPtr var;
	xmlXPathObjectPtr value = NULL;
	struct strbuf key = STRBUF_INIT, sb = STRBUF_INIT;
	int content_only = 0;

	var = table && insert ? relative_var(ctxt, inst, &content_only) : NULL;
	if (!table || !insert || content_only || ctxt->state != XSLT_STATE_OK) {
		if (ctxt->state == XSLT_STATE_OK)
			xsltApplyOneTemplate(ctxt, node, inst->children, NULL, NULL);
		return;
	}
	/* Only ours: libxslt hands an extension element the precomp its
	 * function made (fragment_precomp()). */
	if (fragment_key(ctxt, node, inst,
			 comp && comp->free == fragment_comp_free ? (struct fragment_comp *)comp : NULL,
			 &key) < 0) {
		xsltTransformError(ctxt, NULL, inst,
				   "pr:fragment has no key: give it key=\"...\" naming all "
				   "its content is made of\n");
		ctxt->state = XSLT_STATE_STOPPED;
		strbuf_release(&key);
		return;
	}
	f = fragments_get(table, key.buf ? key.buf : "");
	if (!f) {
		size_t *holes = NULL, nr_holes = 0;

		/* Made aside, then written. */
		if (var) {
			value = var->value;
			var->value = xmlXPathNewString((const xmlChar *)relative_mark);
		}
		holder = make_aside(ctxt, node, inst);
		if (var) {
			xmlXPathFreeObject(var->value);
			var->value = value;
		}
		if (!holder) {
			strbuf_release(&key);
			return;
		}
		if (ctxt->state == XSLT_STATE_OK && !html_out_nodes(holder->children, &sb)) {
			nr_holes = var ? take_marks(&sb, &holes) : 0;
			f = fragments_add(table, key.buf ? key.buf : "", sb.buf ? sb.buf : "", sb.len,
					  holes, nr_holes);
			free(holes);
		} else if (!var) {
			/* Not a piece: the content itself goes in. */
			while ((c = holder->children)) {
				xmlUnlinkNode(c);
				xmlAddChild(insert, c);
			}
		} else if (ctxt->state == XSLT_STATE_OK) {
			/* Not a piece, and made with the mark: made again. */
			xsltApplyOneTemplate(ctxt, node, inst->children, NULL, NULL);
		}
		strbuf_release(&sb);
		xmlFreeNode(holder);
	}
	strbuf_release(&key);
	if (f && (paste = html_out_paste(ctxt->output, f,
					 var ? (const char *)var->value->stringval : NULL))) {
		xmlAddChild(insert, paste);
		call_pasted++;
	}
}

static const struct {
	const char *name;
	xmlXPathFunction fn;
} functions[] = {
	{ "release", fn_release },
	{ "item", fn_item },
	{ "format-date", fn_format_date },
	{ "format-month", fn_format_month },
	{ "upper", fn_upper },
	{ "rfc822", fn_rfc822 },
	{ "json", fn_json },
	{ "json-members", fn_json_members },
	{ "safe-url", fn_safe_url },
	{ "label", fn_label },
	{ "markup", fn_markup },
	{ "feed-html", fn_feed_html },
};

/* ---- errors from libxslt ------------------------------------------------ */

static void collect_error(void *data, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void collect_error(void *data, const char *fmt, ...)
{
	struct strbuf *sb = thread_errors;
	va_list ap;

	(void)data;
	if (!sb || sb->len > 2000)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

/* Messages of this thread go to sb until errors_end(). */
static void errors_begin(struct strbuf *sb)
{
	strbuf_reset(sb);
	thread_errors = sb;
	xmlSetGenericErrorFunc(NULL, collect_error);
}

/* One line, no final newline. */
static void errors_end(struct strbuf *sb)
{
	size_t i;

	xmlSetGenericErrorFunc(NULL, NULL);
	thread_errors = NULL;
	while (sb->len && (sb->buf[sb->len - 1] == '\n'))
		sb->buf[--sb->len] = '\0';
	for (i = 0; i < sb->len; i++)
		if (sb->buf[i] == '\n')
			sb->buf[i] = ' ';
}

/* ---- what the stylesheets do to the releases ------------------------------ */

/*
 * libxslt since 1.1.39 (the fix of CVE-2023-40403) answers generate-id() by
 * writing an id into the node asked about (node->psvi, and a flag in
 * node->extra) and takes them back only from its input document: asked
 * about a release's node, it leaves the id there for the next
 * transformation to find instead of making its own, and two threads would
 * write it at once.  (Debian's 1.1.35-1+deb12u4 keeps the ids in a table of
 * the transformation instead; we cannot tell which one we run with.)  Nothing
 * else it does writes to a document it did not make: keys are built on the
 * input document only (key() on a release's node is an error, and a
 * release's nodes match no key() pattern).  XPath is written in attributes
 * only, so a stylesheet that has generate-id in no attribute of its own, of
 * what it includes or of what it imports leaves releases as it found them.
 */
static int attrs_name(const xmlNode *n, const char *name)
{
	const xmlAttr *a;

	for (a = n->properties; a; a = a->next) {
		/* The value as libxslt reads it, entities and all. */
		xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
		int found = v && strstr((const char *)v, name);

		xmlFree(v);
		if (found)
			return 1;
	}
	return 0;
}

static int doc_names(const xmlDoc *doc, const char *name)
{
	const xmlNode *top = (const xmlNode *)doc, *n = top;

	if (!doc)
		return 0;
	for (;;) {
		if (n->type == XML_ELEMENT_NODE && attrs_name(n, name))
			return 1;
		if ((n->type == XML_ELEMENT_NODE || n == top) && n->children) {
			n = n->children;
			continue;
		}
		while (n != top && !n->next)
			n = n->parent;
		if (n == top)
			return 0;
		n = n->next;
	}
}

static int style_names(const xsltStylesheet *style, const char *name)
{
	const xsltDocument *inc;
	const xsltStylesheet *imp;

	if (doc_names(style->doc, name))
		return 1;
	for (inc = style->docList; inc; inc = inc->next)
		if (doc_names(inc->doc, name))
			return 1;
	for (imp = style->imports; imp; imp = imp->next)
		if (style_names(imp, name))
			return 1;
	return 0;
}

int render_releases_read_only(const struct renderer *r)
{
	return !r->marks_releases;
}

/* ---- set-up ------------------------------------------------------------- */

static int has_stylesheets(const char *dir)
{
	char *probe = xasprintf("%s/html.xsl", dir);
	struct stat st;
	int yes = !stat(probe, &st);

	free(probe);
	return yes;
}

char *render_find_stylesheets(const char *archive_root, struct diag *d)
{
	const char *env = getenv("PR_PUBLISH_STYLESHEETS");
	char *dir = xasprintf("%s/stylesheets", archive_root), *shipped;

	if (has_stylesheets(dir))
		return dir;
	if (env && *env) {
		if (has_stylesheets(env)) {
			free(dir);
			return xstrdup(env);
		}
		diag_system_error(d, "no stylesheets: neither '%s' nor $PR_PUBLISH_STYLESHEETS ('%s') "
				  "has html.xsl", dir, env);
		free(dir);
		return NULL;
	}
	shipped = datadir_sub("stylesheets");
	if (shipped && has_stylesheets(shipped)) {
		free(dir);
		return shipped;
	}
	free(shipped);
	diag_system_error(d, "no stylesheets: '%s' has no html.xsl and none were installed; "
			  "set PR_PUBLISH_STYLESHEETS to a folder of them", dir);
	free(dir);
	return NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads a whole (small) file.  0 or -1 with errno. */
static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	size_t n;

	*out = NULL;
	*len = 0;
	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	if (ferror(f)) {
		fclose(f);
		strbuf_release(&sb);
		return -1;
	}
	fclose(f);
	*len = sb.len;
	*out = sb.buf ? strbuf_detach(&sb) : xstrdup("");
	return 0;
}

/* Digest of RENDER_ABI and every file in the stylesheet folder. */
static int compute_key(struct renderer *r)
{
	struct output_sha256 sha;
	DIR *dh = opendir(r->dir);
	struct dirent *de;
	char **names = NULL;
	size_t nr = 0, alloc = 0, i;
	int ret = 0;

	if (!dh) {
		diag_system_error(r->d, "cannot read '%s': %s", r->dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dh))) {
		if (de->d_name[0] == '.')
			continue;
		ALLOC_GROW(names, nr + 1, alloc);
		names[nr++] = xstrdup(de->d_name);
	}
	closedir(dh);
	if (nr)
		qsort(names, nr, sizeof(*names), name_cmp);
	output_sha256_init(&sha);
	output_sha256_add(&sha, RENDER_ABI, sizeof(RENDER_ABI));
	for (i = 0; i < nr; i++) {
		char *path = xasprintf("%s/%s", r->dir, names[i]), *buf;
		struct stat st;
		size_t len;

		if (!stat(path, &st) && S_ISREG(st.st_mode)) {
			if (read_file(path, &buf, &len) < 0) {
				diag_system_error(r->d, "cannot read '%s': %s", path, strerror(errno));
				ret = -1;
			} else {
				output_sha256_add(&sha, names[i], strlen(names[i]) + 1);
				output_sha256_add(&sha, &len, sizeof(len));
				output_sha256_add(&sha, buf, len);
				free(buf);
			}
		}
		free(path);
		free(names[i]);
	}
	free(names);
	output_sha256_hex(&sha, r->key);
	return ret;
}

/* Whether what style makes is written by html_out_page(), not by libxslt:
 * xsl:output method="html", indent="no", encoding UTF-8 (as html.xsl
 * has it), unless PR_PUBLISH_LIBXML2_HTML is set (to compare the two:
 * tests/t3001, tools/bench-build.sh). */
static int html_out_fits(xsltStylesheetPtr style)
{
	const xmlChar *method, *encoding;
	const char *env = getenv("PR_PUBLISH_LIBXML2_HTML");
	int indent;

	if (env && *env)
		return 0;
	XSLT_GET_IMPORT_PTR(method, style, method)
	XSLT_GET_IMPORT_PTR(encoding, style, encoding)
	XSLT_GET_IMPORT_INT(indent, style, indent)
	return method && xmlStrEqual(method, (const xmlChar *)"html") && indent == 0 &&
	       encoding && !xmlStrcasecmp(encoding, (const xmlChar *)"UTF-8");
}

int render_new(struct renderer **out, const char *dir, struct diag *d)
{
	struct renderer *r = xcalloc(1, sizeof(*r));
	char real[PATH_MAX];
	size_t i;
	int k;

	*out = NULL;
	r->d = d;
	if (!realpath(dir, real)) {
		diag_system_error(d, "cannot open '%s': %s", dir, strerror(errno));
		goto fail;
	}
	r->dir = xstrdup(real);
	if (compute_key(r) < 0 || load_labels(r) < 0)
		goto fail;
	{
		char *css = xasprintf("%s/style.css", r->dir);
		if (read_file(css, &r->css, &r->css_len) < 0) {
			diag_system_error(d, "cannot read '%s': %s", css, strerror(errno));
			free(css);
			goto fail;
		}
		free(css);
	}

	/* xsl:include and xsl:import may read this folder and nothing else;
	 * libxslt asks for them by URI, escaped ("trash%20directory"). */
	xmldoc_allow_dir(r->dir);
	{
		xmlChar *uri = xmlPathToURI((const xmlChar *)r->dir);

		if (uri && strcmp((const char *)uri, r->dir))
			xmldoc_allow_dir((const char *)uri);
		xmlFree(uri);
	}
	xsltMaxDepth = RENDER_MAX_DEPTH;
	xsltMaxVars = RENDER_MAX_VARS;
	xsltSetGenericErrorFunc(NULL, collect_error);
	for (i = 0; i < ARRAY_SIZE(functions); i++)
		xsltRegisterExtModuleFunction((const xmlChar *)functions[i].name,
					      (const xmlChar *)RENDER_NS, functions[i].fn);
	make_relative_mark();
	xsltRegisterExtModuleElement((const xmlChar *)"fragment", (const xmlChar *)RENDER_NS,
				     fragment_precomp, el_fragment);
	xsltRegisterExtModuleElement((const xmlChar *)"feed-text", (const xmlChar *)RENDER_NS,
				     NULL, el_feed_text);
	for (k = 0; k < RENDER_NR; k++) {
		char *path = xasprintf("%s/%s", r->dir, stylesheet_files[k]);

		errors_begin(&r->errors);
		r->styles[k] = xsltParseStylesheetFile((const xmlChar *)path);
		errors_end(&r->errors);
		if (!r->styles[k] || r->styles[k]->errors) {
			diag_system_error(d, "stylesheet '%s' does not compile%s%s", path,
					  r->errors.len ? ": " : "", r->errors.len ? r->errors.buf : "");
			free(path);
			goto fail;
		}
		free(path);
		r->marks_releases |= style_names(r->styles[k], "generate-id");
		r->own_html[k] = html_out_fits(r->styles[k]);
	}

	r->sec = xsltNewSecurityPrefs();
	xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
	xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
	xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
	xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
	xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
	*out = r;
	return 0;
fail:
	render_free(r);
	return -1;
}

void render_set_diag(struct renderer *r, struct diag *d)
{
	r->d = d;
}

void render_free(struct renderer *r)
{
	size_t i;
	int k;

	if (!r)
		return;
	for (k = 0; k < RENDER_NR; k++)
		if (r->styles[k])
			xsltFreeStylesheet(r->styles[k]);
	if (r->sec)
		xsltFreeSecurityPrefs(r->sec);
	for (i = 0; i < ARRAY_SIZE(functions); i++)
		xsltUnregisterExtModuleFunction((const xmlChar *)functions[i].name,
						(const xmlChar *)RENDER_NS);
	xsltUnregisterExtModuleElement((const xmlChar *)"fragment", (const xmlChar *)RENDER_NS);
	xsltUnregisterExtModuleElement((const xmlChar *)"feed-text", (const xmlChar *)RENDER_NS);
	xsltSetGenericErrorFunc(NULL, NULL);
	xsltCleanupGlobals();
	free(r->labels);
	xmldoc_free(r->labels_xml);
	free(r->css);
	strbuf_release(&r->errors);
	free(r->dir);
	free(r);
}

const char *render_key(const struct renderer *r)
{
	return r->key;
}

const char *render_css(const struct renderer *r, size_t *len)
{
	*len = r->css_len;
	return r->css;
}

void render_use_fragments(struct renderer *r, struct fragments *t)
{
	r->fragments = t;
}

void render_set_releases(struct renderer *r, const struct render_release *rels, size_t nr)
{
	r->releases = rels;
	r->nr_releases = nr;
}

/* One transformation of input by style, boxed in: its result, or NULL
 * (libxslt's messages in the thread's error buffer). */
static xmlDocPtr transform(const struct renderer *r, xsltStylesheetPtr style, xmlDocPtr input)
{
	xsltTransformContextPtr ctxt = xsltNewTransformContext(style, input);
	xmlDocPtr res = NULL;

	if (!ctxt)
		return NULL;
	ctxt->_private = (void *)r;
	if (xsltSetCtxtSecurityPrefs(r->sec, ctxt) < 0)
		goto out;
	ctxt->maxTemplateDepth = RENDER_MAX_DEPTH;
	ctxt->maxTemplateVars = RENDER_MAX_VARS;
	if (ctxt->xpathCtxt) {
		ctxt->xpathCtxt->opLimit = RENDER_MAX_XPATH_OPS;
		ctxt->xpathCtxt->opCount = 0;
	}
	res = xsltApplyStylesheetUser(style, input, NULL, NULL, NULL, ctxt);
	if (res && ctxt->state != XSLT_STATE_OK) {
		xmlFreeDoc(res);
		res = NULL;
	}
out:
	xsltFreeTransformContext(ctxt);
	return res;
}

int render_apply_quiet(const struct renderer *r, enum render_kind kind, xmlDocPtr input,
		       char **out, size_t *len, struct strbuf *err)
{
	xsltStylesheetPtr style = r->styles[kind];
	xmlDocPtr res = NULL;
	xmlChar *text = NULL;
	int text_len = 0, ret = -1;

	*out = NULL;
	*len = 0;
	errors_begin(err);
	/* Pieces are pasted only into pages html_out_page() writes. */
	call_fragments = r->own_html[kind] ? r->fragments : NULL;
	call_pasted = 0;
	res = transform(r, style, input);
	if (!res)
		goto out;
	if (r->own_html[kind]) {
		struct strbuf sb = STRBUF_INIT;

		if (!html_out_page(res, &sb)) {
			*len = sb.len;
			*out = sb.len ? strbuf_detach(&sb) : xstrdup("");
			ret = 0;
			goto out;
		}
		strbuf_release(&sb);
		/* libxml2 writes it: made again, without pieces. */
		if (call_pasted) {
			xmlFreeDoc(res);
			call_fragments = NULL;
			if (!(res = transform(r, style, input)))
				goto out;
		}
	}
	if (xsltSaveResultToString(&text, &text_len, res, style) < 0 || text_len < 0)
		goto out;
	*out = xmalloc((size_t)text_len + 1);
	if (text_len)
		memcpy(*out, text, (size_t)text_len);
	(*out)[text_len] = '\0';
	*len = (size_t)text_len;
	ret = 0;
out:
	call_fragments = NULL;
	errors_end(err);
	if (ret) {
		struct strbuf msg = STRBUF_INIT;

		strbuf_addf(&msg, "stylesheet '%s' failed%s%s", stylesheet_files[kind],
			    err->len ? ": " : "", err->len ? err->buf : "");
		strbuf_reset(err);
		strbuf_add(err, msg.buf, msg.len);
		strbuf_release(&msg);
	}
	xmlFree(text);
	if (res)
		xmlFreeDoc(res);
	return ret;
}

int render_apply_releases(const struct renderer *r, enum render_kind kind, xmlDocPtr input,
			  const struct render_release *rels, size_t nr, char **out, size_t *len,
			  struct strbuf *err)
{
	int ret;

	call_releases = rels;
	call_nr_releases = nr;
	call_has_releases = 1;
	ret = render_apply_quiet(r, kind, input, out, len, err);
	call_has_releases = 0;
	call_releases = NULL;
	call_nr_releases = 0;
	return ret;
}

int render_apply(struct renderer *r, enum render_kind kind, xmlDocPtr input,
		 char **out, size_t *len)
{
	struct strbuf err = STRBUF_INIT;
	int ret = render_apply_quiet(r, kind, input, out, len, &err);

	if (ret)
		diag_system_error(r->d, "%s", err.buf);
	strbuf_release(&err);
	return ret;
}
