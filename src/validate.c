/* validate.c - semantic rules for releases; see validate.h. */
#include "validate.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "utf8.h"
#include "util.h"
#include "xmlutil.h"

/* The facts language versions must agree on, in the order of facts[]. */
enum fact {
	FACT_DATE,
	FACT_EMBARGO,
	FACT_SOURCES,
	FACT_FIELDS,
	FACT_COUNTRIES,
	NR_FACTS,
};

/* What the rules across files need to know of each release. */
struct summary {
	const char *path;
	const char *id, *lang, *date, *embargo;
	/* Sorted keys joined by ' ', always ours; of a lent summary (rs) only
	 * made when another version of its id is compared with it. */
	char *sources, *fields, *countries;
	const struct release_summary *rs;      /* lent (validator_add_summary) */
	long line, column;                     /* of the id attribute */
	long fact_line[NR_FACTS], fact_column[NR_FACTS];  /* of each fact's element */
	int context;    /* only there to be agreed with (validator_add_context) */
	int owns;       /* path ... embargo are copies, to be freed */
};

struct validator {
	const struct site *site;
	struct diag *d;
	time_t now;
	struct date today;
	struct summary *sums;
	size_t nr_sums, alloc_sums;
	/* While a release is checked: its people's ids, sorted. */
	struct sorted_ref *people;
	size_t nr_people;
};

/* A ref's key and its place in the document.  Sorted by key (then place),
 * repeats and lookups cost O(n log n): comparing every ref with every
 * other, as before, took minutes on a hostile file of 100,000 refs. */
struct sorted_ref {
	const char *key;
	size_t index;
};

static int sorted_ref_cmp(const void *a, const void *b)
{
	const struct sorted_ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int sorted_ref_find(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sorted_ref *)elem)->key);
}

/* The caller frees the result. */
static struct sorted_ref *sort_refs(const struct release_ref *refs, size_t nr)
{
	struct sorted_ref *sorted = xcalloc(nr + 1, sizeof(*sorted));
	size_t i;

	for (i = 0; i < nr; i++) {
		sorted[i].key = refs[i].key;
		sorted[i].index = i;
	}
	qsort(sorted, nr, sizeof(*sorted), sorted_ref_cmp);
	return sorted;
}

/* repeated[i] is 1 when a ref before refs[i] has its key; the caller frees. */
static char *repeated_refs(const struct release_ref *refs, size_t nr)
{
	struct sorted_ref *sorted = sort_refs(refs, nr);
	char *repeated = xcalloc(nr + 1, 1);
	size_t i;

	for (i = 1; i < nr; i++)
		if (!strcmp(sorted[i].key, sorted[i - 1].key))
			repeated[sorted[i].index] = 1;
	free(sorted);
	return repeated;
}

struct validator *validator_new(const struct site *site, struct diag *d, time_t now)
{
	struct validator *v = xcalloc(1, sizeof(*v));

	v->site = site;
	v->d = d;
	v->now = now;
	date_from_time(now, &v->today);
	return v;
}

static void summary_release(struct summary *s)
{
	if (s->owns) {
		free((char *)s->path);
		free((char *)s->id);
		free((char *)s->lang);
		free((char *)s->date);
		free((char *)s->embargo);
	}
	free(s->sources);
	free(s->fields);
	free(s->countries);
}

void validator_free(struct validator *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->nr_sums; i++)
		summary_release(&v->sums[i]);
	free(v->sums);
	free(v);
}

/* ---- helpers ------------------------------------------------------------ */

static void report_node(struct validator *v, const struct release *rel, const xmlNode *node,
			enum diag_severity sev, const char *rule, const char *msg)
{
	struct diag_loc loc;

	xmldoc_loc_node(rel->xml, node, &loc);
	diag_report(v->d, &loc, sev, rule, "%s", msg);
}

static void report_attr(struct validator *v, const struct release *rel, const xmlNode *node,
			const char *attr, const char *rule, const char *msg)
{
	struct diag_loc loc;

	xmldoc_loc_attr(rel->xml, node, attr, &loc);
	diag_report(v->d, &loc, DIAG_ERROR, rule, "%s", msg);
}

/* Appends 'value' in quotes, cut short when long: a message is not the
 * place for a three-megabyte attribute. */
static void add_quoted(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s), cut = n;

	if (n > 80) {
		cut = 80;
		while (cut && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	strbuf_addch(sb, '\'');
	strbuf_add(sb, s, cut);
	strbuf_addstr(sb, cut < n ? "...'" : "'");
}

/* The first bidi control character in an element's source text, so that the
 * finding points at it: its code point in *cp and byte offset, or -1 (when
 * it was written as a character reference, say). */
static long find_bidi_offset(const struct release *rel, const xmlNode *elem, uint32_t *cp)
{
	const struct xmldoc *x = rel->xml;
	long start = xmldoc_node_offset(x, elem);
	char close[80];
	size_t i, close_len;

	if (start < 0)
		return -1;
	close_len = (size_t)snprintf(close, sizeof(close), "</%s", (const char *)elem->name);
	if (close_len >= sizeof(close))
		return -1;
	for (i = (size_t)start; i < x->len; ) {
		size_t n;

		if (x->buf[i] == '<' && i + close_len <= x->len && !memcmp(x->buf + i, close, close_len))
			break;
		n = utf8_decode(x->buf + i, x->len - i, cp);
		if (!n) {
			i++;
			continue;
		}
		if (utf8_is_bidi_control(*cp))
			return (long)i;
		i += n;
	}
	return -1;
}

static void report_bidi(struct validator *v, const struct release *rel, const xmlNode *elem,
			const char *what)
{
	struct strbuf msg = STRBUF_INIT;
	struct diag_loc loc;
	uint32_t cp = 0;
	long off = find_bidi_offset(rel, elem, &cp);

	if (off >= 0) {
		xmldoc_loc_offset(rel->xml, (size_t)off, &loc);
		strbuf_addf(&msg, "bidirectional control character U+%04X in the %s can make it "
			    "display differently from what it says; delete it", (unsigned)cp, what);
	} else {
		xmldoc_loc_node(rel->xml, elem, &loc);
		strbuf_addf(&msg, "bidirectional control characters (U+202A-U+202E, U+2066-U+2069...) "
			    "in the %s can make it display differently from what it says; delete them",
			    what);
	}
	diag_report(v->d, &loc, DIAG_ERROR, "bidi", "%s", msg.buf);
	strbuf_release(&msg);
}

static int has_bidi(const char *s)
{
	size_t len = strlen(s), i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (!n)
			return 0;
		if (utf8_is_bidi_control(cp))
			return 1;
		i += n;
	}
	return 0;
}

static int ref_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, without repeats, joined by ' '. */
static char *joined_strs(const char **keys, size_t nr)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	qsort(keys, nr, sizeof(*keys), ref_cmp);
	for (i = 0; i < nr; i++) {
		if (i && !strcmp(keys[i], keys[i - 1]))
			continue;
		if (sb.len)
			strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, keys[i]);
	}
	return strbuf_detach(&sb);
}

static char *joined_keys(const struct release_ref *refs, size_t nr)
{
	const char **keys = xcalloc(nr + 1, sizeof(*keys));
	char *s;
	size_t i;

	for (i = 0; i < nr; i++)
		keys[i] = refs[i].key;
	s = joined_strs(keys, nr);
	free(keys);
	return s;
}

static char *joined_list(char *const *list, size_t nr)
{
	const char **keys = xcalloc(nr + 1, sizeof(*keys));
	char *s;
	size_t i;

	for (i = 0; i < nr; i++)
		keys[i] = list[i];
	s = joined_strs(keys, nr);
	free(keys);
	return s;
}

/* ---- the rules on one release ------------------------------------------ */

/* The other dates a release carries: the event's, corrections', the
 * withdrawal's.  Real days too, and an event's end not before its start. */
static void check_other_dates(struct validator *v, const struct release *rel)
{
	struct strbuf msg = STRBUF_INIT;
	const xmlNode *start = xml_child(rel->event, "date"), *end = xml_child(rel->event, "end-date");
	const xmlNode *c;
	struct date ds, de, dc;
	const char *why = NULL;
	int have_start = 0, have_end = 0;

	if (start) {
		const char *t = xml_text(rel->xml, start);
		have_start = !date_parse(t, &ds, &why);
		if (!have_start) {
			strbuf_addf(&msg, "event date '%s' is not a real date: %s", t, why);
			report_node(v, rel, start, DIAG_ERROR, "date", msg.buf);
		}
	}
	if (end) {
		const char *t = xml_text(rel->xml, end);
		have_end = !date_parse(t, &de, &why);
		strbuf_reset(&msg);
		if (!have_end) {
			strbuf_addf(&msg, "event end date '%s' is not a real date: %s", t, why);
			report_node(v, rel, end, DIAG_ERROR, "date", msg.buf);
		} else if (have_start && date_cmp(&de, &ds) < 0) {
			strbuf_addf(&msg, "the event ends (%s) before it starts (%s)", t,
				    xml_text(rel->xml, start));
			report_node(v, rel, end, DIAG_ERROR, "date", msg.buf);
		}
	}
	for (c = xml_child(rel->corrections, "correction"); c; c = xml_next(c, "correction")) {
		const char *t = xml_attr(rel->xml, c, "date");
		strbuf_reset(&msg);
		if (t && date_parse(t, &dc, &why)) {
			strbuf_addf(&msg, "correction date '%s' is not a real date: %s", t, why);
			report_attr(v, rel, c, "date", "date", msg.buf);
		} else if (t && date_cmp(&dc, &v->today) > 0) {
			strbuf_addf(&msg, "correction date %s is in the future", t);
			report_attr(v, rel, c, "date", "date-future", msg.buf);
		}
	}
	if (rel->withdrawn) {
		const char *t = xml_attr(rel->xml, rel->withdrawn, "date");
		if (t && date_parse(t, &dc, &why)) {
			strbuf_reset(&msg);
			strbuf_addf(&msg, "withdrawal date '%s' is not a real date: %s", t, why);
			report_attr(v, rel, rel->withdrawn, "date", "date", msg.buf);
		}
	}
	strbuf_release(&msg);
}

static void check_dates(struct validator *v, const struct release *rel)
{
	struct strbuf msg = STRBUF_INIT;
	struct date date, id_date, emb_local;
	const char *why = NULL;
	time_t emb_time = 0;
	int have_date, have_embargo = 0;

	have_date = !date_parse(rel->date, &date, &why);
	if (!have_date) {
		strbuf_addf(&msg, "dateline date '%s' is not a real date: %s", rel->date, why);
		report_node(v, rel, rel->date_node, DIAG_ERROR, "date", msg.buf);
	}
	if (rel->embargo) {
		why = NULL;
		have_embargo = !datetime_parse(rel->embargo, &emb_time, &emb_local, &why);
		if (!have_embargo) {
			strbuf_reset(&msg);
			strbuf_addf(&msg, "embargo '%s' is not valid: %s", rel->embargo, why);
			report_node(v, rel, rel->embargo_node, DIAG_ERROR, "embargo", msg.buf);
		}
	}
	if (have_date && date_cmp(&date, &v->today) > 0) {
		if (!rel->embargo) {
			strbuf_reset(&msg);
			strbuf_addf(&msg, "dateline date %s is in the future (today is %04d-%02d-%02d); "
				    "correct the date, or add an <embargo> until which it stays unpublished",
				    rel->date, v->today.year, v->today.month, v->today.day);
			report_node(v, rel, rel->date_node, DIAG_ERROR, "date-future", msg.buf);
		} else if (have_embargo && date_cmp(&emb_local, &date) < 0) {
			strbuf_reset(&msg);
			strbuf_addf(&msg, "dateline date %s is in the future, and the embargo (%s) "
				    "lifts before it", rel->date, rel->embargo);
			report_node(v, rel, rel->date_node, DIAG_ERROR, "date-future", msg.buf);
		}
	}
	if (have_date && have_embargo && date_cmp(&emb_local, &date) != 0) {
		strbuf_reset(&msg);
		strbuf_addf(&msg, "embargo lifts on %04d-%02d-%02d but the dateline says %s; "
			    "make them the same day", emb_local.year, emb_local.month,
			    emb_local.day, rel->date);
		report_node(v, rel, rel->embargo_node, DIAG_WARNING, "embargo", msg.buf);
	}
	/* The id starts with the release's date: 2020-10-15-korea-conference. */
	if (have_date && strlen(rel->id) > 10) {
		char prefix[11];

		memcpy(prefix, rel->id, 10);
		prefix[10] = '\0';
		why = NULL;
		if (date_parse(prefix, &id_date, &why) || date_cmp(&id_date, &date) != 0) {
			strbuf_reset(&msg);
			strbuf_addf(&msg, "id '%s' starts with %s but the dateline date is %s; "
				    "an id begins with its release's date", rel->id, prefix, rel->date);
			report_attr(v, rel, rel->root, "id", "id-date", msg.buf);
		}
	}
	strbuf_release(&msg);
}

static void check_refs(struct validator *v, const struct release *rel, enum taxonomy t,
		       const struct release_ref *refs, size_t nr, const char *rule)
{
	struct strbuf msg = STRBUF_INIT;
	char *repeated = repeated_refs(refs, nr);
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct site_term *hint;

		if (repeated[i]) {
			strbuf_reset(&msg);
			strbuf_addf(&msg, "%s '%s' is listed twice", taxonomy_name(t), refs[i].key);
			report_node(v, rel, refs[i].node, DIAG_WARNING, rule, msg.buf);
			continue;
		}
		if (site_term(v->site, t, refs[i].key))
			continue;
		strbuf_reset(&msg);
		strbuf_addf(&msg, "unknown %s '%s'", taxonomy_name(t), refs[i].key);
		hint = site_term_suggest(v->site, t, refs[i].key);
		if (hint)
			strbuf_addf(&msg, "; did you mean '%s' (%s)?", hint->key,
				    site_term_label(v->site, hint, rel->lang)->text);
		else
			strbuf_addf(&msg, "; the known keys are in %s", v->site->path);
		report_attr(v, rel, refs[i].node, "ref", rule, msg.buf);
	}
	free(repeated);
	strbuf_release(&msg);
}

static int person_known(const struct validator *v, const char *id)
{
	return bsearch(id, v->people, v->nr_people, sizeof(*v->people), sorted_ref_find) != NULL;
}

/* Longer addresses are not links a reader follows (browsers and servers
 * commonly stop at 2,048). */
#define LINK_MAX 2048

static void check_link(struct validator *v, const struct release *rel, const xmlNode *a)
{
	const char *href = xml_attr(rel->xml, a, "href");
	const char *p = href, *end;
	char scheme[16];
	size_t n = 0;

	if (!href)
		return;
	if (strlen(href) > LINK_MAX) {
		struct strbuf msg = STRBUF_INIT;
		strbuf_addf(&msg, "link of %zu characters is too long (the limit is %d); link to "
			    "a shorter address: ", strlen(href), LINK_MAX);
		add_quoted(&msg, href);
		report_attr(v, rel, a, "href", "link", msg.buf);
		strbuf_release(&msg);
		return;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	while (p + n < end && n < sizeof(scheme) - 1 && p[n] != ':') {
		scheme[n] = p[n];
		n++;
	}
	scheme[n] = '\0';
	if (p + n < end && p[n] == ':' &&
	    (!strcasecmp(scheme, "https") || !strcasecmp(scheme, "http"))) {
		const char *rest = p + n + 1;
		if (end - rest > 2 && rest[0] == '/' && rest[1] == '/' && rest[2] != '/') {
			const char *c;
			for (c = rest; c < end; c++)
				if ((unsigned char)*c <= ' ' || *c == '"' || *c == '<' || *c == '>')
					break;
			if (c == end)
				return;
		}
	} else if (p + n < end && p[n] == ':' && !strcasecmp(scheme, "mailto")) {
		if (memchr(p + n + 1, '@', (size_t)(end - p - n - 1)))
			return;
	}
	{
		struct strbuf msg = STRBUF_INIT;
		strbuf_addstr(&msg, "link ");
		add_quoted(&msg, href);
		strbuf_addstr(&msg, " is not allowed: links must be absolute http://, https:// "
			      "or mailto: addresses");
		report_attr(v, rel, a, "href", "link", msg.buf);
		strbuf_release(&msg);
	}
}

/* Walks every element: empty text, links, language spans, quotations. */
static void check_tree(struct validator *v, const struct release *rel, const xmlNode *node)
{
	static const char *const must_have_text[] = {
		"headline", "subtitle", "summary", "p", "li", "subhead", "place", "name",
		"role", "organization", "email", "phone", "withdrawn", "q", "a",
	};
	struct strbuf msg = STRBUF_INIT;
	const xmlNode *c;

	for (c = node->children; c; c = c->next) {
		const char *by;
		size_t i;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (i = 0; i < ARRAY_SIZE(must_have_text); i++) {
			if (xml_is(c, must_have_text[i]) && xml_is_blank(xml_text(rel->xml, c))) {
				strbuf_reset(&msg);
				strbuf_addf(&msg, "empty <%s>: write its text or delete the element",
					    c->name);
				report_node(v, rel, c, DIAG_ERROR, "empty", msg.buf);
				break;
			}
		}
		if (xml_is(c, "a"))
			check_link(v, rel, c);
		/* Spans in languages other than the site's are fine (a phrase in
		 * Albanian in an Italian release); spelling skips them. */
		by = (xml_is(c, "q") || xml_is(c, "blockquote")) ? xml_attr(rel->xml, c, "by") : NULL;
		if (by && !person_known(v, by)) {
			strbuf_reset(&msg);
			strbuf_addf(&msg, "quotation by '%s', who is not in <people>; add a <person "
				    "id=\"%s\"> there", by, by);
			report_attr(v, rel, c, "by", "person-unknown", msg.buf);
		}
		check_tree(v, rel, c);
	}
	strbuf_release(&msg);
}

static void check_release(struct validator *v, const struct release *rel)
{
	struct strbuf msg = STRBUF_INIT;
	char *repeated;
	size_t i;

	if (!site_language(v->site, rel->lang)) {
		strbuf_addf(&msg, "language '%s' is not one of the site's languages (", rel->lang);
		for (i = 0; i < v->site->nr_languages; i++)
			strbuf_addf(&msg, "%s%s", i ? ", " : "", v->site->languages[i].code);
		strbuf_addch(&msg, ')');
		report_attr(v, rel, rel->root, "xml:lang", "lang", msg.buf);
	}
	if (rel->original_lang && !strcmp(rel->original_lang, rel->lang)) {
		strbuf_reset(&msg);
		strbuf_addf(&msg, "original-lang '%s' is this file's own language; omit it on the "
			    "original", rel->lang);
		report_attr(v, rel, rel->root, "original-lang", "lang", msg.buf);
	}
	if (!release_file_name_matches(rel->xml->path, rel->id, rel->lang)) {
		strbuf_reset(&msg);
		strbuf_addf(&msg, "id '%s' and xml:lang '%s' do not agree with the file name; "
			    "name the file '%s.%s.xml'", rel->id, rel->lang, rel->id, rel->lang);
		report_attr(v, rel, rel->root, "id", "id", msg.buf);
	}
	if (has_bidi(rel->id)) {
		report_attr(v, rel, rel->root, "id", "bidi",
			    "the id contains a bidirectional control character");
	}
	{
		const xmlNode *texts[] = { rel->headline, rel->subtitle, rel->summary };
		for (i = 0; i < ARRAY_SIZE(texts); i++)
			if (texts[i] && has_bidi(xml_text(rel->xml, texts[i])))
				report_bidi(v, rel, texts[i], (const char *)texts[i]->name);
		for (i = 0; i < rel->nr_places; i++)
			if (has_bidi(rel->places[i].key))
				report_bidi(v, rel, rel->places[i].node, "place name");
	}
	check_dates(v, rel);
	check_other_dates(v, rel);
	check_refs(v, rel, TAXONOMY_SOURCES, rel->sources, rel->nr_sources, "source-unknown");
	check_refs(v, rel, TAXONOMY_FIELDS, rel->fields, rel->nr_fields, "field-unknown");
	if (!rel->nr_fields)
		report_node(v, rel, rel->root, DIAG_WARNING, "field-missing",
			    "no field of work: the release will appear in no field's listing or "
			    "feed; add <fields><field ref=\"...\"/></fields>");
	check_refs(v, rel, TAXONOMY_COUNTRIES, rel->countries, rel->nr_countries, "country-unknown");
	for (i = 0; i < rel->nr_places; i++) {
		const char *country = xml_attr(rel->xml, rel->places[i].node, "country");
		const struct site_term *hint;
		if (country && !site_term(v->site, TAXONOMY_COUNTRIES, country)) {
			strbuf_reset(&msg);
			strbuf_addf(&msg, "unknown country '%s' for place ", country);
			add_quoted(&msg, rel->places[i].key);
			hint = site_term_suggest(v->site, TAXONOMY_COUNTRIES, country);
			if (hint)
				strbuf_addf(&msg, "; did you mean '%s' (%s)?", hint->key,
					    site_term_label(v->site, hint, rel->lang)->text);
			else
				strbuf_addf(&msg, "; the known keys are in %s", v->site->path);
			report_attr(v, rel, rel->places[i].node, "country", "country-unknown", msg.buf);
		}
	}
	repeated = repeated_refs(rel->people, rel->nr_people);
	for (i = 0; i < rel->nr_people; i++)
		if (repeated[i]) {
			strbuf_reset(&msg);
			strbuf_addf(&msg, "person id '%s' is used twice", rel->people[i].key);
			report_attr(v, rel, rel->people[i].node, "id", "person-unknown", msg.buf);
		}
	free(repeated);
	v->people = sort_refs(rel->people, rel->nr_people);
	v->nr_people = rel->nr_people;
	check_tree(v, rel, rel->root);
	free(v->people);
	v->people = NULL;
	v->nr_people = 0;
	strbuf_release(&msg);
}

static void add_summary(struct validator *v, const struct release *rel, int context);

void validator_check_release(struct validator *v, const struct release *rel)
{
	check_release(v, rel);
	add_summary(v, rel, 0);
}

void validator_check_rules(struct validator *v, const struct release *rel)
{
	check_release(v, rel);
}

void validator_add_context(struct validator *v, const struct release *rel)
{
	add_summary(v, rel, 1);
}

static void add_summary(struct validator *v, const struct release *rel, int context)
{
	struct summary *s;
	struct diag_loc loc;

	ALLOC_GROW(v->sums, v->nr_sums + 1, v->alloc_sums);
	s = &v->sums[v->nr_sums++];
	memset(s, 0, sizeof(*s));
	s->owns = 1;
	s->path = xstrdup(rel->xml->path);
	s->id = xstrdup(rel->id);
	s->lang = xstrdup(rel->lang);
	s->date = xstrdup(rel->date);
	s->embargo = rel->embargo ? xstrdup(rel->embargo) : NULL;
	s->sources = joined_keys(rel->sources, rel->nr_sources);
	s->fields = joined_keys(rel->fields, rel->nr_fields);
	s->countries = joined_keys(rel->countries, rel->nr_countries);
	xmldoc_loc_attr(rel->xml, rel->root, "id", &loc);
	s->line = loc.line;
	s->column = loc.column;
	s->context = context;
	{
		/* Where each fact is written, for findings across versions; a
		 * missing one is reported at the root. */
		const xmlNode *where[NR_FACTS];
		size_t i;

		where[FACT_DATE] = rel->date_node;
		where[FACT_EMBARGO] = rel->embargo_node;
		where[FACT_SOURCES] = xml_child(rel->root, "sources");
		where[FACT_FIELDS] = xml_child(rel->root, "fields");
		where[FACT_COUNTRIES] = xml_child(rel->root, "countries");
		for (i = 0; i < NR_FACTS; i++) {
			if (where[i])
				xmldoc_loc_node(rel->xml, where[i], &loc);
			else
				xmldoc_loc_node(rel->xml, rel->root, &loc);
			s->fact_line[i] = loc.line;
			s->fact_column[i] = loc.column;
		}
	}
}

void validator_reserve(struct validator *v, size_t n)
{
	ALLOC_GROW(v->sums, v->nr_sums + n, v->alloc_sums);
}

void validator_add_summary(struct validator *v, const struct release_summary *rs)
{
	struct summary *s;
	size_t i;

	ALLOC_GROW(v->sums, v->nr_sums + 1, v->alloc_sums);
	s = &v->sums[v->nr_sums++];
	memset(s, 0, sizeof(*s));
	/* Lent, and outlives the validator: nothing copied, and the lists
	 * joined only if another language version needs comparing (a copy
	 * and a sort per file were most of a no-op build's validation). */
	s->rs = rs;
	s->path = rs->path;
	s->id = rs->id;
	s->lang = rs->lang;
	s->date = rs->date;
	s->embargo = rs->embargo;
	s->line = rs->line;
	s->column = rs->column;
	for (i = 0; i < NR_FACTS; i++) {
		s->fact_line[i] = rs->fact_line[i];
		s->fact_column[i] = rs->fact_column[i];
	}
}

int validator_check_file(struct validator *v, const char *path)
{
	struct release *rel;
	int ret;

	v->d->files++;
	ret = release_load(&rel, path, v->d);
	if (ret)
		return ret;
	validator_check_release(v, rel);
	release_free(rel);
	return 0;
}

/* ---- rules across files ------------------------------------------------- */

static int summary_cmp(const void *a, const void *b)
{
	const struct summary *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c)
		return c;
	c = strcmp(x->lang, y->lang);
	return c ? c : strcmp(x->path, y->path);
}

static void cross_report(struct validator *v, const struct summary *s, long line, long column,
			 const char *rule, const char *msg)
{
	struct diag_loc loc = { s->path, line, column, NULL, 0 };

	diag_report(v->d, &loc, DIAG_ERROR, rule, "%s", msg);
}

static void compare_versions(struct validator *v, const struct summary *a, const struct summary *b)
{
	static const struct {
		enum fact fact;
		const char *what;
		size_t offset;
	} facts[] = {
		{ FACT_DATE, "dateline date", offsetof(struct summary, date) },
		{ FACT_EMBARGO, "embargo", offsetof(struct summary, embargo) },
		{ FACT_SOURCES, "sources", offsetof(struct summary, sources) },
		{ FACT_FIELDS, "fields of work", offsetof(struct summary, fields) },
		{ FACT_COUNTRIES, "countries", offsetof(struct summary, countries) },
	};
	struct strbuf msg = STRBUF_INIT;
	size_t i;

	/* The finding goes to the file being checked, not to its context. */
	if (b->context && !a->context) {
		const struct summary *t = a;
		a = b;
		b = t;
	}
	if (a->context && b->context)
		return;
	for (i = 0; i < ARRAY_SIZE(facts); i++) {
		const char *x = *(char *const *)((const char *)a + facts[i].offset);
		const char *y = *(char *const *)((const char *)b + facts[i].offset);

		if (!x)
			x = "";
		if (!y)
			y = "";
		if (!strcmp(x, y))
			continue;
		strbuf_reset(&msg);
		strbuf_addf(&msg, "the %s version of '%s' has ", b->lang, b->id);
		if (*y)
			strbuf_addf(&msg, "%s '%s'", facts[i].what, y);
		else
			strbuf_addf(&msg, "no %s", facts[i].what);
		strbuf_addf(&msg, " but the %s version (%s) has ", a->lang, a->path);
		if (*x)
			strbuf_addf(&msg, "'%s'", x);
		else
			strbuf_addstr(&msg, "none");
		strbuf_addstr(&msg, "; language versions must agree");
		cross_report(v, b, b->fact_line[facts[i].fact], b->fact_column[facts[i].fact],
			     "translation", msg.buf);
	}
	strbuf_release(&msg);
}

/* The facts of a lent summary in the form compare_versions() needs. */
static void join_lists(struct summary *s)
{
	const struct release_summary *rs = s->rs;

	if (!rs || s->sources)
		return;
	s->sources = joined_list(rs->sources, rs->nr_sources);
	s->fields = joined_list(rs->fields, rs->nr_fields);
	s->countries = joined_list(rs->countries, rs->nr_countries);
}

static int summary_ptr_cmp(const void *a, const void *b)
{
	return summary_cmp(*(const struct summary *const *)a, *(const struct summary *const *)b);
}

void validator_finish(struct validator *v)
{
	struct strbuf msg = STRBUF_INIT;
	struct summary **by_id;
	size_t i, first = 0;
	int sorted = 1;

	if (!v->nr_sums)
		return;
	/* Pointers are sorted, not the summaries (~130 bytes each), and only
	 * when they are not in order already (files come sorted by path,
	 * which is mostly by id and language). */
	by_id = xcalloc(v->nr_sums, sizeof(*by_id));
	for (i = 0; i < v->nr_sums; i++) {
		by_id[i] = &v->sums[i];
		if (i && sorted && summary_cmp(by_id[i - 1], by_id[i]) > 0)
			sorted = 0;
	}
	if (!sorted)
		qsort(by_id, v->nr_sums, sizeof(*by_id), summary_ptr_cmp);
	for (i = 0; i < v->nr_sums; i++) {
		const struct summary *s = by_id[i];

		if (i && strcmp(s->id, by_id[i - 1]->id))
			first = i;
		if (i > first && !strcmp(s->lang, by_id[i - 1]->lang)) {
			strbuf_reset(&msg);
			strbuf_addf(&msg, "id '%s' (%s) is already used by %s; every release needs "
				    "its own id", s->id, s->lang, by_id[i - 1]->path);
			cross_report(v, s, s->line, s->column, "id-duplicate", msg.buf);
			continue;
		}
		if (i > first) {
			join_lists(by_id[first]);
			join_lists(by_id[i]);
			compare_versions(v, by_id[first], s);
		}
	}
	free(by_id);
	strbuf_release(&msg);
}
