/*
 * fuzz-site.c - bytes as a site file: the safe loader, the site schema, the
 * taxonomy checks, then the lookups the other stages make on what loaded
 * (each term by key, its label in every language, suggestions for near
 * misses).
 */
#include <string.h>

#include <libxml/xmlerror.h>

#include "fuzz.h"
#include "site.h"
#include "util.h"
#include "xmldoc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmldoc_init();
	return 0;
}

static void exercise(const struct site *site)
{
	size_t i, j;
	int t;

	for (t = 0; t < TAXONOMY_NR; t++) {
		for (i = 0; i < site->nr_terms[t]; i++) {
			const struct site_term *term = &site->terms[t][i];
			char *near;

			if (site_term(site, (enum taxonomy)t, term->key) == NULL)
				abort();   /* every loaded key must be found */
			for (j = 0; j < site->nr_languages; j++)
				site_term_label(site, term, site->languages[j].code);
			site_term_label(site, term, "xx");
			/* A typo: the last character dropped. */
			near = xstrdup(term->key);
			if (*near)
				near[strlen(near) - 1] = '\0';
			site_term_suggest(site, (enum taxonomy)t, near);
			free(near);
		}
		site_term(site, (enum taxonomy)t, "");
		site_term_suggest(site, (enum taxonomy)t, "");
	}
	for (j = 0; j < site->nr_languages; j++)
		if (site_language(site, site->languages[j].code) == NULL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct site *site;
	struct diag d;

	fuzz_diag(&d, size & 1 ? DIAG_FORMAT_JSON : DIAG_FORMAT_TEXT);
	if (!site_parse_memory(&site, "site.xml", (const char *)data, size, &d)) {
		exercise(site);
		site_free(site);
	}
	/* libxml2 keeps a copy of the last error until the next one: free it,
	 * or libFuzzer takes that for a leak and stops looking for real ones. */
	xmlResetLastError();
	return 0;
}
