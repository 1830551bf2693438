/*
 * tap.h - the smallest TAP producer for C unit tests, run by prove.
 *
 *	int main(void) { ok(1 + 1 == 2, "adds"); return tap_done(); }
 *
 * The plan is printed at the end ("1..N"), so tests need not count.
 */
#ifndef PR_TAP_H
#define PR_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_run, tap_failed;

__attribute__((format(printf, 2, 3), unused))
static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

__attribute__((unused))
static int tap_done(void)
{
	printf("1..%d\n", tap_run);
	if (tap_failed)
		printf("# failed %d of %d\n", tap_failed, tap_run);
	return tap_failed ? 1 : 0;
}

#endif
