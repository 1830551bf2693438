/*
 * fuzz.h - what every fuzz target in tests/fuzz/ shares.
 *
 * A target defines LLVMFuzzerInitialize() (once per process) and
 * LLVMFuzzerTestOneInput() (once per input).  The same source is linked
 * two ways: with clang's libFuzzer for `make fuzz`, and with replay.c and
 * the normal compiler for `make check`, which runs every corpus file once.
 *
 * Targets never write files and free everything they allocate per input, so
 * that libFuzzer's leak detection (-detect_leaks=1) means something.
 * Findings go to /dev/null: the point is running the code that prints them.
 */
#ifndef PR_FUZZ_H
#define PR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"

/* The repository, for site.xml and the sample releases (set by make). */
#ifndef PR_FUZZ_ROOT
#define PR_FUZZ_ROOT "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A diag whose findings, text with source lines and colour or JSON, go to
 * /dev/null, opened once and kept for the process. */
__attribute__((unused))
static void fuzz_diag(struct diag *d, enum diag_format format)
{
	static FILE *null;

	if (!null && !(null = fopen("/dev/null", "w"))) {
		perror("fuzz: /dev/null");
		abort();
	}
	diag_init(d, format);
	d->text_out = null;
	d->json_out = null;
	d->color = 1;
	d->show_source = 1;
}

#endif
