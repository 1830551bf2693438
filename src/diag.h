/*
 * diag.h - diagnostics: every finding about an input goes through here.
 *
 * A finding names a file, a line and a column, a severity, a rule id and a
 * message, and is printed the way gcc prints its own:
 *
 *     releases/2020/x.en.xml:12:5: error: unknown field of work 'polcing' [field-unknown]
 *
 * On a terminal the offending source line follows with a caret under the
 * column.  With DIAG_FORMAT_JSON each finding is one JSON object on a line of
 * its own on stdout (JSON Lines), for tools and editors.
 *
 * Text that came from the input (in messages and source lines) is escaped:
 * control characters, terminal escapes and bidi overrides are printed as
 * \xNN or \u{NNNN}, so a hostile file cannot rewrite the officer's terminal.
 *
 * Modules never print; they report here.  The CLI owns the struct diag.
 */
#ifndef PR_DIAG_H
#define PR_DIAG_H

#include <stddef.h>
#include <stdio.h>

enum diag_severity {
	DIAG_NOTE,
	DIAG_WARNING,
	DIAG_ERROR,
};

enum diag_format {
	DIAG_FORMAT_TEXT,
	DIAG_FORMAT_JSON,
};

/* Where a finding is.  src/srclen, when set, is the file's text (borrowed for
 * the call only) from which the caret line is shown. */
struct diag_loc {
	const char *file;
	long line;    /* 1-based; 0 = the file as a whole */
	long column;  /* 1-based, in characters; 0 = unknown */
	const char *src;
	size_t srclen;
	const char *line_src;  /* where line starts in src, when known */
};

struct diag_held;

struct diag {
	enum diag_format format;
	int color;        /* colour the severity and caret */
	int show_source;  /* print the source line and caret */
	int werror;       /* count warnings as errors */
	int quiet;        /* no summary line */
	FILE *text_out;   /* text findings (stderr) */
	FILE *json_out;   /* JSON findings (stdout) */
	size_t errors;
	size_t warnings;
	size_t files;     /* files looked at, for the summary */
	struct diag_held *held;  /* set: output kept back (diag_hold()), owned */
};

void diag_init(struct diag *d, enum diag_format format);

/*
 * Findings made on another thread: *held reports like `like` (format,
 * colour, -Werror...) with counts of its own, but prints nothing; what it
 * would have printed, system errors included, is kept in order until
 * diag_flush_held(d, held) prints it to d's streams, adds its counts to d's
 * and frees it.  The owner of d flushes the held diags in the order it
 * wants the findings in: the output is then that of reporting straight to d.
 */
void diag_hold(struct diag *held, const struct diag *like);
void diag_flush_held(struct diag *d, struct diag *held);
/* Frees what held kept, printing nothing (its counts are lost). */
void diag_drop_held(struct diag *held);

void diag_report(struct diag *d, const struct diag_loc *loc,
		 enum diag_severity severity, const char *rule,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Errors about the run itself, not an input: "pr-publish: error: ..." */
void diag_system_error(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Errors counted, warnings too under werror. */
int diag_failed(const struct diag *d);

/* "3 errors, 1 warning in 10 files" (to stderr unless quiet). */
void diag_summary(struct diag *d, const char *what);

/* Appends s (len bytes) to out with control, escape and bidi characters
 * made visible; invalid UTF-8 bytes become \xNN. */
struct strbuf;
void diag_escape(struct strbuf *out, const char *s, size_t len);

#endif
