/* release.c - loading a release file into struct release. */
#include "release.h"

#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "util.h"
#include "xmlutil.h"

static void collect_refs(struct release *rel, const xmlNode *parent, const char *child,
			 const char *attr, struct release_ref **out, size_t *nr)
{
	const xmlNode *c;
	size_t alloc = 0;

	for (c = parent ? parent->children : NULL; c; c = c->next) {
		struct release_ref *r;
		if (!xml_is(c, child))
			continue;
		ALLOC_GROW(*out, *nr + 1, alloc);
		r = &(*out)[(*nr)++];
		r->key = attr ? xml_attr(rel->xml, c, attr) : xml_text(rel->xml, c);
		r->node = c;
	}
}

static void extract(struct release *rel)
{
	const xmlNode *root = xmlDocGetRootElement(rel->xml->doc), *dateline;
	const char *type;

	rel->root = root;
	rel->id = xml_attr(rel->xml, root, "id");
	rel->lang = xml_lang_attr(rel->xml, root);
	type = xml_attr(rel->xml, root, "type");
	rel->type = type ? type : "press-release";
	rel->original_lang = xml_attr(rel->xml, root, "original-lang");
	rel->headline = xml_child(root, "headline");
	rel->subtitle = xml_child(root, "subtitle");
	rel->summary = xml_child(root, "summary");
	dateline = xml_child(root, "dateline");
	rel->date_node = xml_child(dateline, "date");
	rel->date = xml_text(rel->xml, rel->date_node);
	collect_refs(rel, dateline, "place", NULL, &rel->places, &rel->nr_places);
	rel->embargo_node = xml_child(root, "embargo");
	rel->embargo = rel->embargo_node ? xml_text(rel->xml, rel->embargo_node) : NULL;
	collect_refs(rel, xml_child(root, "sources"), "source", "ref", &rel->sources, &rel->nr_sources);
	collect_refs(rel, xml_child(root, "fields"), "field", "ref", &rel->fields, &rel->nr_fields);
	collect_refs(rel, xml_child(root, "countries"), "country", "ref", &rel->countries,
		     &rel->nr_countries);
	collect_refs(rel, xml_child(root, "people"), "person", "id", &rel->people, &rel->nr_people);
	rel->event = xml_child(root, "event");
	rel->body = xml_child(root, "body");
	rel->contacts = xml_child(root, "contacts");
	rel->notes = xml_child(root, "notes");
	rel->corrections = xml_child(root, "corrections");
	rel->withdrawn = xml_child(root, "withdrawn");
	{
		const xmlNode *c;
		for (c = xml_child(rel->corrections, "correction"); c; c = xml_next(c, "correction")) {
			const char *date = xml_attr(rel->xml, c, "date");
			if (date && (!rel->updated || strcmp(date, rel->updated) > 0))
				rel->updated = date;
		}
	}
}

static int finish(struct release **out, struct xmldoc *x, struct diag *d)
{
	struct release *rel;
	int ret = schema_validate(SCHEMA_RELEASE, x, d);

	if (ret) {
		xmldoc_free(x);
		return ret;
	}
	rel = xcalloc(1, sizeof(*rel));
	rel->xml = x;
	extract(rel);
	*out = rel;
	return 0;
}

int release_load(struct release **out, const char *path, struct diag *d)
{
	struct xmldoc *x;
	int ret;

	*out = NULL;
	ret = xmldoc_load_file(&x, path, d);
	if (ret)
		return ret;
	return finish(out, x, d);
}

int release_parse_memory(struct release **out, const char *name, const char *buf,
			 size_t len, struct diag *d)
{
	struct xmldoc *x;
	int ret;

	*out = NULL;
	ret = xmldoc_parse_memory(&x, name, buf, len, d);
	if (ret)
		return ret;
	return finish(out, x, d);
}

/* A release of a document read before: no schema, no rules. */
static int finish_unchecked(struct release **out, struct xmldoc *x)
{
	*out = xcalloc(1, sizeof(**out));
	(*out)->xml = x;
	extract(*out);
	return 0;
}

int release_load_unchecked(struct release **out, const char *path, struct diag *d)
{
	struct xmldoc *x;
	int ret;

	*out = NULL;
	ret = xmldoc_load_file_trusted(&x, path, d);
	return ret ? ret : finish_unchecked(out, x);
}

int release_parse_memory_unchecked(struct release **out, const char *name, const char *buf,
				   size_t len, struct diag *d)
{
	struct xmldoc *x;
	int ret;

	*out = NULL;
	ret = xmldoc_parse_memory_trusted(&x, name, buf, len, d);
	return ret ? ret : finish_unchecked(out, x);
}

void release_free(struct release *rel)
{
	if (!rel)
		return;
	free(rel->places);
	free(rel->sources);
	free(rel->fields);
	free(rel->countries);
	free(rel->people);
	xmldoc_free(rel->xml);
	free(rel);
}

int release_file_name_matches(const char *path, const char *id, const char *lang)
{
	const char *base = strrchr(path, '/');
	size_t lid = strlen(id), llang = strlen(lang);

	base = base ? base + 1 : path;
	return strlen(base) == lid + 1 + llang + 4 && !strncmp(base, id, lid) &&
	       base[lid] == '.' && !strncmp(base + lid + 1, lang, llang) &&
	       !strcmp(base + lid + 1 + llang, ".xml");
}
