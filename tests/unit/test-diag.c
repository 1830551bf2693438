/* test-diag.c - a held diag prints nothing until flushed, and then what the
 * diag it is like would have printed, in the order of the flushes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "tap.h"

static const char src[] = "<release>\n  <field ref=\"polcing\"/>\n</release>\n";

static void report_some(struct diag *d, const char *file)
{
	struct diag_loc loc = { file, 2, 3, src, sizeof(src) - 1, NULL };

	diag_report(d, &loc, DIAG_ERROR, "field-unknown", "unknown field of work '%s'", "polcing");
	diag_report(d, &loc, DIAG_WARNING, "field-missing", "no field of \x1b[31mwork");
}

/* A diag printing to memory: *buf holds what it printed after fflush. */
static FILE *memory_diag(struct diag *d, enum diag_format format, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	diag_init(d, format);
	d->show_source = 1;
	d->werror = 1;
	d->text_out = d->json_out = f;
	return f;
}

static int same_output(FILE *fa, char *const *a, FILE *fb, char *const *b)
{
	fflush(fa);
	fflush(fb);
	return *a && *b && !strcmp(*a, *b);
}

static void check_format(enum diag_format format, const char *name)
{
	struct diag d, e, ha, hb;
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	FILE *fa = memory_diag(&d, format, &a, &alen);
	FILE *fb = memory_diag(&e, format, &b, &blen);

	report_some(&d, "a.xml");
	report_some(&d, "b.xml");
	/* Made in the other order, flushed in file order. */
	diag_hold(&hb, &e);
	diag_hold(&ha, &e);
	report_some(&hb, "b.xml");
	report_some(&ha, "a.xml");
	fflush(fb);
	ok(blen == 0 && e.errors == 0, "%s: a held diag prints and counts nothing", name);
	ok(hb.errors == 1 && hb.warnings == 1, "%s: it counts its own", name);
	diag_flush_held(&e, &ha);
	diag_flush_held(&e, &hb);
	ok(same_output(fa, &a, fb, &b) && alen > 100, "%s: flushed, the same bytes in order", name);
	ok(e.errors == d.errors && e.warnings == d.warnings && diag_failed(&e),
	   "%s: and the same counts", name);
	ok(!ha.held && !hb.held, "%s: flushing frees what was held", name);
	fclose(fa);
	fclose(fb);
	free(a);
	free(b);
}

/* A system error (stderr) is held too, and printed when flushed. */
static void check_system_error(void)
{
	struct diag d, h;
	FILE *err = tmpfile();
	int saved = dup(STDERR_FILENO);
	char got[256] = "";
	size_t n;

	diag_init(&d, DIAG_FORMAT_TEXT);
	diag_hold(&h, &d);
	fflush(stderr);
	dup2(fileno(err), STDERR_FILENO);
	diag_system_error(&h, "cannot open '%s': %s", "x.xml", "Permission denied");
	ok(ftell(err) == 0 && lseek(STDERR_FILENO, 0, SEEK_CUR) == 0,
	   "a held system error is not printed");
	diag_flush_held(&d, &h);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(err);
	n = fread(got, 1, sizeof(got) - 1, err);
	got[n] = '\0';
	ok(!strcmp(got, "pr-publish: error: cannot open 'x.xml': Permission denied\n"),
	   "and is printed when flushed");
	fclose(err);
}

int main(void)
{
	check_format(DIAG_FORMAT_TEXT, "text");
	check_format(DIAG_FORMAT_JSON, "json");
	check_system_error();
	return tap_done();
}
