/* site.c - loading site.xml into lookup tables. */
#include "site.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "schema.h"
#include "util.h"
#include "xmlutil.h"

static const char *const taxonomy_elements[TAXONOMY_NR] = { "fields", "sources", "countries" };

const char *taxonomy_name(enum taxonomy t)
{
	switch (t) {
	case TAXONOMY_FIELDS:
		return "field of work";
	case TAXONOMY_SOURCES:
		return "source";
	case TAXONOMY_COUNTRIES:
	case TAXONOMY_NR:
		break;
	}
	return "country";
}

static int term_cmp(const void *a, const void *b)
{
	return strcmp(((const struct site_term *)a)->key, ((const struct site_term *)b)->key);
}

static size_t key_slot(const char *key, size_t mask)
{
	return (size_t)hash_bytes(key, strlen(key)) & mask;
}

/* A build looks a term up for every field and source of every release
 * (~75,000 at 12,500 releases): by hash (site_term()), not by bsearch's
 * ~7 strcmp()s. */
static void index_terms(struct site *site)
{
	int t;
	size_t i, k, mask;

	for (t = 0; t < TAXONOMY_NR; t++) {
		for (mask = 15; mask < 2 * site->nr_terms[t]; mask = mask * 2 + 1)
			;
		site->term_mask[t] = mask;
		site->term_slots[t] = xcalloc(mask + 1, sizeof(uint32_t));
		for (i = 0; i < site->nr_terms[t]; i++) {
			if (!site->terms[t][i].key)
				continue;
			for (k = key_slot(site->terms[t][i].key, mask); site->term_slots[t][k];
			     k = (k + 1) & mask)
				;
			site->term_slots[t][k] = (uint32_t)(i + 1);
		}
	}
}

static void load_term(struct site *site, struct site_term *term, xmlNode *node)
{
	xmlNode *child;
	size_t alloc = 0;

	term->node = node;
	term->key = xml_attr(site->xml, node, "key");
	term->parent = xml_attr(site->xml, node, "parent");
	term->kind = xml_attr(site->xml, node, "kind");
	{
		const char *status = xml_attr(site->xml, node, "status");
		term->closed = status && !strcmp(status, "closed");
	}
	for (child = node->children; child; child = child->next) {
		struct site_label *l;

		if (!xml_is(child, "label"))
			continue;
		ALLOC_GROW(term->labels, term->nr_labels + 1, alloc);
		l = &term->labels[term->nr_labels++];
		l->lang = xml_lang_attr(site->xml, child);
		l->abbr = xml_attr(site->xml, child, "abbr");
		l->text = xml_text(site->xml, child);
	}
}

static int check_site(struct site *site, struct diag *d)
{
	const char *deflang = site->languages[0].code;
	struct diag_loc loc;
	size_t i, j;
	int t, bad = 0;

	for (i = 0; i < site->nr_languages; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(site->languages[i].code, site->languages[j].code)) {
				xmldoc_loc_offset(site->xml, 0, &loc);
				diag_report(d, &loc, DIAG_ERROR, "site",
					    "language '%s' is listed twice", site->languages[i].code);
				bad = 1;
			}
	for (t = 0; t < TAXONOMY_NR; t++) {
		struct site_term *terms = site->terms[t];
		size_t n = site->nr_terms[t];

		for (i = 0; i < n; i++) {
			if (i && !strcmp(terms[i].key, terms[i - 1].key)) {
				xmldoc_loc_node(site->xml, terms[i].node, &loc);
				diag_report(d, &loc, DIAG_ERROR, "site", "%s key '%s' is used twice",
					    taxonomy_name((enum taxonomy)t), terms[i].key);
				bad = 1;
			}
			if (terms[i].parent && !site_term(site, (enum taxonomy)t, terms[i].parent)) {
				xmldoc_loc_attr(site->xml, terms[i].node, "parent", &loc);
				diag_report(d, &loc, DIAG_ERROR, "site", "parent '%s' of '%s' is not a %s",
					    terms[i].parent, terms[i].key, taxonomy_name((enum taxonomy)t));
				bad = 1;
			}
			for (j = 0; j < terms[i].nr_labels; j++)
				if (!strcmp(terms[i].labels[j].lang, deflang))
					break;
			if (j == terms[i].nr_labels) {
				xmldoc_loc_node(site->xml, terms[i].node, &loc);
				diag_report(d, &loc, DIAG_ERROR, "site",
					    "term '%s' has no label in the default language '%s'",
					    terms[i].key, deflang);
				bad = 1;
			}
			for (j = 0; j < terms[i].nr_labels; j++) {
				if (!site_language(site, terms[i].labels[j].lang)) {
					xmldoc_loc_node(site->xml, terms[i].node, &loc);
					diag_report(d, &loc, DIAG_ERROR, "site",
						    "term '%s' has a label in '%s', which is not a site language",
						    terms[i].key, terms[i].labels[j].lang);
					bad = 1;
				}
			}
		}
	}
	return bad ? XMLDOC_INVALID : 0;
}

/* Takes ownership of x, loaded by site_load() or site_parse_memory(). */
static int site_from_xmldoc(struct site **out, struct xmldoc *x, struct diag *d)
{
	struct site *site;
	xmlNode *root, *node;
	size_t lang_alloc = 0;
	int ret;

	site = xcalloc(1, sizeof(*site));
	site->page_size = 20;
	site->feed_items = 30;
	site->spelling_is_error = 1;
	site->xml = x;
	ret = schema_validate(SCHEMA_SITE, site->xml, d);
	if (ret)
		goto fail;
	site->path = site->xml->path;
	root = xmlDocGetRootElement(site->xml->doc);
	for (node = root->children; node; node = node->next) {
		if (xml_is(node, "base-url")) {
			site->base_url = xml_text(site->xml, node);
		} else if (xml_is(node, "languages")) {
			xmlNode *l;
			for (l = node->children; l; l = l->next) {
				struct site_language *sl;
				if (!xml_is(l, "language"))
					continue;
				ALLOC_GROW(site->languages, site->nr_languages + 1, lang_alloc);
				sl = &site->languages[site->nr_languages++];
				sl->code = xml_attr(site->xml, l, "code");
				sl->dictionary = xml_attr(site->xml, l, "dictionary");
				sl->name = xml_text(site->xml, l);
			}
		} else if (xml_is(node, "settings")) {
			xmlNode *s;
			for (s = node->children; s; s = s->next) {
				if (xml_is(s, "page-size"))
					site->page_size = strtol(xml_text(site->xml, s), NULL, 10);
				else if (xml_is(s, "feed-items"))
					site->feed_items = strtol(xml_text(site->xml, s), NULL, 10);
				else if (xml_is(s, "spelling"))
					site->spelling_is_error =
						!strcmp(xml_attr(site->xml, s, "severity"), "error");
			}
		} else if (xml_is(node, "taxonomy")) {
			xmlNode *group;
			for (group = node->children; group; group = group->next) {
				int t;
				xmlNode *term;
				size_t alloc = 0;

				if (group->type != XML_ELEMENT_NODE)
					continue;
				for (t = 0; t < TAXONOMY_NR; t++)
					if (xml_is(group, taxonomy_elements[t]))
						break;
				if (t == TAXONOMY_NR)
					continue;
				for (term = group->children; term; term = term->next) {
					if (!xml_is(term, "term"))
						continue;
					ALLOC_GROW(site->terms[t], site->nr_terms[t] + 1, alloc);
					memset(&site->terms[t][site->nr_terms[t]], 0, sizeof(struct site_term));
					load_term(site, &site->terms[t][site->nr_terms[t]++], term);
				}
				qsort(site->terms[t], site->nr_terms[t], sizeof(struct site_term), term_cmp);
			}
		}
	}
	index_terms(site);
	ret = check_site(site, d);
	if (ret)
		goto fail;
	*out = site;
	return 0;
fail:
	site_free(site);
	return ret;
}

int site_load(struct site **out, const char *path, struct diag *d)
{
	struct xmldoc *x;
	int ret;

	*out = NULL;
	ret = xmldoc_load_file(&x, path, d);
	if (ret)
		return ret;
	return site_from_xmldoc(out, x, d);
}

int site_parse_memory(struct site **out, const char *name, const char *buf, size_t len,
		      struct diag *d)
{
	struct xmldoc *x;
	int ret;

	*out = NULL;
	ret = xmldoc_parse_memory(&x, name, buf, len, d);
	if (ret)
		return ret;
	return site_from_xmldoc(out, x, d);
}

int site_peek_first_language(const char *path, char **code, char **dictionary)
{
	struct xmldoc *x = NULL;
	struct diag quiet;
	struct stat st;
	xmlNode *node, *l;
	FILE *devnull;
	int ret = -1;

	*code = *dictionary = NULL;
	/* What the loader would say about a file it cannot read (its system
	 * errors go to stderr) is not to be said here. */
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, R_OK) < 0 ||
	    !(devnull = fopen("/dev/null", "w")))
		return -1;
	diag_init(&quiet, DIAG_FORMAT_TEXT);
	quiet.text_out = quiet.json_out = devnull;
	if (xmldoc_load_file(&x, path, &quiet) == 0) {
		for (node = xmlDocGetRootElement(x->doc)->children; node && ret; node = node->next) {
			if (!xml_is(node, "languages"))
				continue;
			for (l = node->children; l && ret; l = l->next) {
				const char *c, *dict;

				if (!xml_is(l, "language") || !(c = xml_attr(x, l, "code")))
					continue;
				dict = xml_attr(x, l, "dictionary");
				*code = xstrdup(c);
				*dictionary = dict ? xstrdup(dict) : NULL;
				ret = 0;
			}
		}
	}
	xmldoc_free(x);
	fclose(devnull);
	return ret;
}

void site_free(struct site *site)
{
	int t;
	size_t i;

	if (!site)
		return;
	for (t = 0; t < TAXONOMY_NR; t++) {
		for (i = 0; i < site->nr_terms[t]; i++)
			free(site->terms[t][i].labels);
		free(site->terms[t]);
		free(site->term_slots[t]);
	}
	free(site->languages);
	xmldoc_free(site->xml);
	free(site);
}

const struct site_term *site_term(const struct site *site, enum taxonomy t, const char *key)
{
	const uint32_t *slots = site->term_slots[t];
	size_t k;

	if (!slots)
		return NULL;
	for (k = key_slot(key, site->term_mask[t]); slots[k]; k = (k + 1) & site->term_mask[t])
		if (!strcmp(site->terms[t][slots[k] - 1].key, key))
			return &site->terms[t][slots[k] - 1];
	return NULL;
}

const struct site_language *site_language(const struct site *site, const char *code)
{
	size_t i;

	for (i = 0; i < site->nr_languages; i++)
		if (!strcmp(site->languages[i].code, code))
			return &site->languages[i];
	return NULL;
}

const struct site_label *site_term_label(const struct site *site,
					 const struct site_term *term, const char *lang)
{
	size_t i;

	for (i = 0; i < term->nr_labels; i++)
		if (!strcmp(term->labels[i].lang, lang))
			return &term->labels[i];
	for (i = 0; i < term->nr_labels; i++)
		if (!strcmp(term->labels[i].lang, site->languages[0].code))
			return &term->labels[i];
	return term->nr_labels ? &term->labels[0] : NULL;
}

const struct site_term *site_term_suggest(const struct site *site, enum taxonomy t,
					  const char *key)
{
	const struct site_term *best = NULL;
	size_t best_dist = (size_t)-1, i, limit, klen = strlen(key);

	if (klen > 64)
		return NULL;
	limit = klen / 3 > 2 ? klen / 3 : 2;
	for (i = 0; i < site->nr_terms[t]; i++) {
		const char *cand = site->terms[t][i].key;
		size_t dist = edit_distance(key, cand);

		/* "police" for "policing", "trafficking" for the full key. */
		if (dist > limit && klen >= 4 && (strstr(cand, key) || strstr(key, cand)))
			dist = limit;
		if (dist < best_dist) {
			best_dist = dist;
			best = &site->terms[t][i];
		}
	}
	return best_dist <= limit ? best : NULL;
}
