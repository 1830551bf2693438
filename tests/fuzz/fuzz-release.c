/*
 * fuzz-release.c - bytes as a release file: the safe loader (xmldoc), the
 * release schema, the model (release.c) and every validation rule.
 *
 * The validator checks against the repository's site.xml (loaded once).
 * When the input claims the id of a sample release (also loaded once), the
 * sample is checked first, so that the rules across language versions
 * (translation, id-duplicate) run too.  The input's length picks the findings format (text or JSON).
 */
#include <string.h>
#include <time.h>

#include <libxml/xmlerror.h>

#include "fuzz.h"
#include "datetime.h"
#include "release.h"
#include "site.h"
#include "validate.h"
#include "xmldoc.h"

#define SAMPLE "releases/2020/2020-10-15-korea-conference.en.xml"
/* The name the input is checked under: the German version of the sample. */
#define INPUT_NAME "releases/2020/2020-10-15-korea-conference.de.xml"

static struct site *site;
static struct release *sample;
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
	    release_load(&sample, PR_FUZZ_ROOT "/" SAMPLE, &d)) {
		fprintf(stderr, "fuzz-release: cannot load %s/site.xml and %s\n",
			PR_FUZZ_ROOT, SAMPLE);
		abort();
	}
	/* The fixed clock of the tests: every sample is before it. */
	if (datetime_parse("2026-11-25T12:00:00Z", &now, &today, &why))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct validator *v;
	struct release *rel;
	struct diag d;

	fuzz_diag(&d, size & 1 ? DIAG_FORMAT_JSON : DIAG_FORMAT_TEXT);
	v = validator_new(site, &d, now);
	if (!release_parse_memory(&rel, INPUT_NAME, (const char *)data, size, &d)) {
		/* The sample only when it can meet the input at the end, as a
		 * file checked too or as a published version to agree with. */
		if (!strcmp(rel->id, sample->id)) {
			if (size & 2)
				validator_add_context(v, sample);
			else
				validator_check_release(v, sample);
		}
		validator_check_release(v, rel);
		release_free(rel);
	}
	validator_finish(v);
	validator_free(v);
	/* libxml2 keeps a copy of the last error until the next one: free it,
	 * or libFuzzer takes that for a leak and stops looking for real ones. */
	xmlResetLastError();
	return 0;
}
