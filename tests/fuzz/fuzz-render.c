/*
 * fuzz-render.c - a valid release rendered: its page, the listings and the
 * RSS and Atom feeds it appears in, through the real stylesheets.
 *
 * Bytes that load and validate cleanly against the repository's site.xml
 * (the input is checked under the name its own id and language ask for)
 * are built into a private temporary folder, which is checked for the
 * page and the feeds and removed again.  This target is the one exception
 * to "targets never write files": build_site() writes a tree, so it writes
 * one of its own under /tmp and deletes it before returning.  The
 * stylesheets are compiled once per process.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libxml/xmlerror.h>

#include "fuzz.h"
#include "build.h"
#include "datetime.h"
#include "release.h"
#include "render.h"
#include "site.h"
#include "site_output.h"
#include "util.h"
#include "validate.h"
#include "xmldoc.h"

static struct site *site;
static struct renderer *renderer;
static time_t now;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct diag d;
	struct date today;
	const char *why;

	(void)argc;
	(void)argv;
	xmldoc_init();
	diag_init(&d, DIAG_FORMAT_TEXT);
	if (site_load(&site, PR_FUZZ_ROOT "/site.xml", &d) ||
	    render_new(&renderer, PR_FUZZ_ROOT "/stylesheets", &d) < 0) {
		fprintf(stderr, "fuzz-render: cannot load %s/site.xml and its stylesheets\n",
			PR_FUZZ_ROOT);
		abort();
	}
	if (datetime_parse("2026-11-25T12:00:00Z", &now, &today, &why))
		abort();
	return 0;
}

static int exists(const char *dir, const char *lang, const char *name)
{
	struct stat st;
	char *path = xasprintf("%s/%s/%s", dir, lang, name);
	int yes = stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;

	free(path);
	return yes;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct release *probe = NULL, *rel = NULL;
	struct validator *v;
	struct build_options bo;
	struct build_result res;
	struct diag d;
	char *name = NULL, *out = NULL;
	char tmpl[] = "/tmp/pr-publish-fuzz-render-XXXXXX";

	fuzz_diag(&d, DIAG_FORMAT_TEXT);
	/* Once to learn the id and language, once under the name they ask for. */
	if (release_parse_memory(&probe, "fuzz.xml", (const char *)data, size, &d))
		goto out;
	name = xasprintf("releases/%.4s/%s.%s.xml", probe->id, probe->id, probe->lang);
	if (release_parse_memory(&rel, name, (const char *)data, size, &d))
		goto out;
	v = validator_new(site, &d, now);
	validator_check_release(v, rel);
	validator_finish(v);
	validator_free(v);
	if (d.errors || d.warnings)
		goto out;  /* only what publishing would render */

	if (!mkdtemp(tmpl))
		abort();
	out = xasprintf("%s/public", tmpl);
	memset(&bo, 0, sizeof(bo));
	memset(&res, 0, sizeof(res));
	bo.out_dir = out;
	bo.force = 1;
	bo.now = now;
	if (build_site(&res, &bo, site, &rel, 1, renderer, &d) < 0) {
		/* A valid release that cannot be rendered is a bug. */
		fprintf(stderr, "fuzz-render: a valid release failed to render\n");
		abort();
	}
	if (!rel->embargo && !rel->withdrawn &&
	    (!exists(out, rel->lang, "rss.xml") || !exists(out, rel->lang, "atom.xml"))) {
		fprintf(stderr, "fuzz-render: rendered, but the feeds are missing\n");
		abort();
	}
	build_result_release(&res);
	if (output_remove_tree(tmpl) < 0)
		abort();
out:
	free(out);
	free(name);
	release_free(rel);
	release_free(probe);
	xmlResetLastError();
	return 0;
}
