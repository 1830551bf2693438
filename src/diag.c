/* diag.c - printing findings as text (gcc style) or JSON Lines. */
#include "diag.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

#define COLOR_RESET "\033[0m"
#define COLOR_BOLD "\033[1m"
#define COLOR_ERROR "\033[1;31m"
#define COLOR_WARNING "\033[1;35m"
#define COLOR_NOTE "\033[1;36m"
#define COLOR_CARET "\033[1;32m"

void diag_init(struct diag *d, enum diag_format format)
{
	memset(d, 0, sizeof(*d));
	d->format = format;
	d->text_out = stderr;
	d->json_out = stdout;
}

/* What a held diag kept: its bytes, and after each part the stream it was
 * for, in the order they were written. */
struct diag_held {
	struct strbuf bytes;
	struct held_part {
		FILE *to;
		size_t end;   /* in bytes */
	} *parts;
	size_t nr_parts, alloc_parts;
};

void diag_hold(struct diag *held, const struct diag *like)
{
	*held = *like;
	held->errors = held->warnings = held->files = 0;
	held->held = xcalloc(1, sizeof(*held->held));
}

void diag_flush_held(struct diag *d, struct diag *held)
{
	struct diag_held *h = held->held;
	size_t i, start = 0;

	for (i = 0; i < h->nr_parts; i++) {
		fwrite(h->bytes.buf + start, 1, h->parts[i].end - start, h->parts[i].to);
		start = h->parts[i].end;
	}
	d->errors += held->errors;
	d->warnings += held->warnings;
	d->files += held->files;
	diag_drop_held(held);
}

void diag_drop_held(struct diag *held)
{
	struct diag_held *h = held->held;

	if (!h)
		return;
	strbuf_release(&h->bytes);
	free(h->parts);
	free(h);
	held->held = NULL;
}

/* Everything printed goes through here: to the stream, or kept. */
static void emit(struct diag *d, FILE *to, const char *buf, size_t len)
{
	struct diag_held *h = d ? d->held : NULL;

	if (!h) {
		fwrite(buf, 1, len, to);
		return;
	}
	strbuf_add(&h->bytes, buf, len);
	if (h->nr_parts && h->parts[h->nr_parts - 1].to == to) {
		h->parts[h->nr_parts - 1].end = h->bytes.len;
		return;
	}
	ALLOC_GROW(h->parts, h->nr_parts + 1, h->alloc_parts);
	h->parts[h->nr_parts].to = to;
	h->parts[h->nr_parts++].end = h->bytes.len;
}

static void emitf(struct diag *d, FILE *to, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void emitf(struct diag *d, FILE *to, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	emit(d, to, sb.buf ? sb.buf : "", sb.len);
	strbuf_release(&sb);
}

static const char *severity_name(enum diag_severity s)
{
	switch (s) {
	case DIAG_ERROR:
		return "error";
	case DIAG_WARNING:
		return "warning";
	case DIAG_NOTE:
		break;
	}
	return "note";
}

static const char *severity_color(enum diag_severity s)
{
	switch (s) {
	case DIAG_ERROR:
		return COLOR_ERROR;
	case DIAG_WARNING:
		return COLOR_WARNING;
	case DIAG_NOTE:
		break;
	}
	return COLOR_NOTE;
}

void diag_escape(struct strbuf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (!n) {
			strbuf_addf(out, "\\x%02X", (unsigned char)s[i]);
			i++;
			continue;
		}
		if (cp == '\t')
			strbuf_addch(out, ' ');
		else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			strbuf_addf(out, "\\x%02X", (unsigned)cp);
		else if (utf8_is_bidi_control(cp) || cp == 0xfeff)
			strbuf_addf(out, "\\u{%04X}", (unsigned)cp);
		else
			strbuf_add(out, s + i, n);
		i += n;
	}
}

static void json_string(struct strbuf *out, const char *s)
{
	size_t len = strlen(s), i = 0;

	strbuf_addch(out, '"');
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (!n) {
			strbuf_addstr(out, "\\ufffd");
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			strbuf_addch(out, '\\');
			strbuf_addch(out, (char)cp);
		} else if (cp == '\n') {
			strbuf_addstr(out, "\\n");
		} else if (cp == '\t') {
			strbuf_addstr(out, "\\t");
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
			   utf8_is_bidi_control(cp) || cp == 0x2028 || cp == 0x2029) {
			strbuf_addf(out, "\\u%04x", (unsigned)cp);
		} else {
			strbuf_add(out, s + i, n);
		}
		i += n;
	}
	strbuf_addch(out, '"');
}

/* The line'th line of src, as [*start, *end), but not past max bytes: a
 * file of 100,000 findings would otherwise be searched from its start, or
 * along a megabyte-long line, for each of them. */
static int find_line(const struct diag_loc *loc, size_t max, size_t *start, size_t *end)
{
	const char *src = loc->src;
	size_t i = 0, len = loc->srclen;
	long cur = 1;

	if (loc->line_src && loc->line_src >= src && loc->line_src <= src + len) {
		i = (size_t)(loc->line_src - src);
		cur = loc->line;
	}
	while (cur < loc->line) {
		const char *nl = memchr(src + i, '\n', len - i);
		if (!nl)
			return -1;
		i = (size_t)(nl - src) + 1;
		cur++;
	}
	*start = i;
	if (len - i > max)
		len = i + max;
	{
		const char *nl = memchr(src + i, '\n', len - i);
		*end = nl ? (size_t)(nl - src) : len;
	}
	if (*end > *start && src[*end - 1] == '\r')
		(*end)--;
	return 0;
}

static void print_source_line(struct diag *d, const struct diag_loc *loc)
{
	struct strbuf line = STRBUF_INIT;
	size_t start, end, shown;
	long col;

	if (!loc->src || loc->line <= 0 || find_line(loc, 202, &start, &end) < 0)
		return;
	/* Long lines (minified files) are cut around the column. */
	shown = end - start;
	if (shown > 200)
		shown = 200;
	diag_escape(&line, loc->src + start, shown);
	emitf(d, d->text_out, " %5ld | %s%s\n", loc->line, line.buf ? line.buf : "",
		end - start > shown ? " ..." : "");
	col = loc->column;
	if (col > 0) {
		/* The caret goes under the column'th character of the escaped
		 * text; escapes widen, so count the escaped prefix. */
		struct strbuf prefix = STRBUF_INIT;
		size_t i = start, width;
		long c = 1;

		while (c < col && i < start + shown) {
			uint32_t cp;
			size_t n = utf8_decode(loc->src + i, start + shown - i, &cp);
			if (!n)
				n = 1;
			diag_escape(&prefix, loc->src + i, n);
			i += n;
			c++;
		}
		width = utf8_width(prefix.buf ? prefix.buf : "", prefix.len);
		emitf(d, d->text_out, "       | %*s%s^%s\n", (int)width, "",
			d->color ? COLOR_CARET : "", d->color ? COLOR_RESET : "");
		strbuf_release(&prefix);
	}
	strbuf_release(&line);
}

static void report_text(struct diag *d, const struct diag_loc *loc,
			enum diag_severity severity, const char *rule, const char *msg)
{
	struct strbuf where = STRBUF_INIT, text = STRBUF_INIT;

	diag_escape(&where, loc->file, strlen(loc->file));
	if (loc->line > 0)
		strbuf_addf(&where, ":%ld", loc->line);
	if (loc->line > 0 && loc->column > 0)
		strbuf_addf(&where, ":%ld", loc->column);
	diag_escape(&text, msg, strlen(msg));
	emitf(d, d->text_out, "%s%s:%s %s%s:%s %s [%s]\n",
		d->color ? COLOR_BOLD : "", where.buf, d->color ? COLOR_RESET : "",
		d->color ? severity_color(severity) : "", severity_name(severity),
		d->color ? COLOR_RESET : "", text.buf ? text.buf : "", rule);
	if (d->show_source)
		print_source_line(d, loc);
	strbuf_release(&where);
	strbuf_release(&text);
}

static void report_json(struct diag *d, const struct diag_loc *loc,
			enum diag_severity severity, const char *rule, const char *msg)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_addstr(&out, "{\"file\":");
	json_string(&out, loc->file);
	strbuf_addf(&out, ",\"line\":%ld,\"column\":%ld,\"severity\":\"%s\",\"rule\":",
		    loc->line, loc->column, severity_name(severity));
	json_string(&out, rule);
	strbuf_addstr(&out, ",\"message\":");
	json_string(&out, msg);
	strbuf_addstr(&out, "}\n");
	emit(d, d->json_out, out.buf, out.len);
	strbuf_release(&out);
}

void diag_report(struct diag *d, const struct diag_loc *loc,
		 enum diag_severity severity, const char *rule, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);

	if (severity == DIAG_ERROR)
		d->errors++;
	else if (severity == DIAG_WARNING)
		d->warnings++;

	if (d->format == DIAG_FORMAT_JSON)
		report_json(d, loc, severity, rule, msg.buf);
	else
		report_text(d, loc, severity, rule, msg.buf);
	strbuf_release(&msg);
}

void diag_system_error(struct diag *d, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT, esc = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	diag_escape(&esc, msg.buf, msg.len);
	emitf(d, stderr, "pr-publish: %serror:%s %s\n", d && d->color ? COLOR_ERROR : "",
		d && d->color ? COLOR_RESET : "", esc.buf ? esc.buf : "");
	strbuf_release(&msg);
	strbuf_release(&esc);
}

int diag_failed(const struct diag *d)
{
	return d->errors > 0 || (d->werror && d->warnings > 0);
}

void diag_summary(struct diag *d, const char *what)
{
	if (d->quiet)
		return;
	fprintf(stderr, "%s: %zu error%s, %zu warning%s in %zu file%s\n", what,
		d->errors, d->errors == 1 ? "" : "s",
		d->warnings, d->warnings == 1 ? "" : "s",
		d->files, d->files == 1 ? "" : "s");
}
