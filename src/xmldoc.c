/* xmldoc.c - safe loading of untrusted XML; see xmldoc.h. */
#include "xmldoc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#include "utf8.h"
#include "util.h"

struct xmldoc_pos {
	const xmlNode *node;
	size_t offset;
};

/* Stylesheets may be compiled on one thread while releases are parsed on
 * others (cmd_build.c): the list is read and grown under a lock. */
static char **allowed_dirs;
static size_t nr_allowed_dirs, alloc_allowed_dirs;
static pthread_mutex_t allowed_lock = PTHREAD_MUTEX_INITIALIZER;

static xmlParserInputPtr refusing_loader(const char *url, const char *id,
					 xmlParserCtxtPtr ctxt)
{
	size_t i;
	int allowed = 0;

	(void)id;
	if (url && !strstr(url, "..") && !strstr(url, "://")) {
		const char *path = starts_with(url, "file://") ? url + 7 : url;

		pthread_mutex_lock(&allowed_lock);
		for (i = 0; i < nr_allowed_dirs && !allowed; i++) {
			size_t n = strlen(allowed_dirs[i]);
			allowed = !strncmp(path, allowed_dirs[i], n) && path[n] == '/';
		}
		pthread_mutex_unlock(&allowed_lock);
		if (allowed)
			return xmlNewInputFromFile(ctxt, path);
	}
	return NULL;
}

void xmldoc_allow_dir(const char *dir)
{
	pthread_mutex_lock(&allowed_lock);
	ALLOC_GROW(allowed_dirs, nr_allowed_dirs + 1, alloc_allowed_dirs);
	allowed_dirs[nr_allowed_dirs++] = xstrdup(dir);
	pthread_mutex_unlock(&allowed_lock);
}

void xmldoc_init(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(refusing_loader);
	/* Globals some libxml2 entry points still consult. */
	xmlSubstituteEntitiesDefault(0);
	xmlLoadExtDtdDefaultValue = 0;
	xmlLineNumbersDefault(1);
}

/* ---- positions ---------------------------------------------------------- */

/*
 * A column is counted in characters from the start of its line, and a
 * minified release is one line of megabytes: counting from the line's start
 * for each of thousands of findings took minutes.  So every MARK_STEP bytes
 * (at the start of a character) we note the column reached, and count from
 * the nearest note before the offset.  Notes fall only on bytes that are not
 * UTF-8 continuation bytes, where utf8_width() from the line's start also
 * passes, so the columns are exactly those it gives, even in invalid UTF-8.
 */
#define MARK_STEP 4096

struct xmldoc_mark {
	size_t offset;
	size_t column;   /* characters from the line's start to offset */
};

static void build_marks(struct xmldoc *x)
{
	size_t alloc = 0, i = 0, chars = 0, next = MARK_STEP;

	x->nr_marks = 0;
	while (i < x->len) {
		uint32_t cp;
		size_t n;

		if (i >= next && ((unsigned char)x->buf[i] & 0xc0) != 0x80) {
			ALLOC_GROW(x->marks, x->nr_marks + 1, alloc);
			x->marks[x->nr_marks].offset = i;
			x->marks[x->nr_marks].column = chars;
			x->nr_marks++;
			next = i + MARK_STEP;
		}
		if (x->buf[i] == '\n') {
			chars = 0;
			i++;
			continue;
		}
		n = utf8_decode(x->buf + i, x->len - i, &cp);
		i += n ? n : 1;
		chars++;
	}
}

static void build_line_index(struct xmldoc *x)
{
	size_t alloc = 0, i;

	x->nr_lines = 0;
	ALLOC_GROW(x->line_starts, 1, alloc);
	x->line_starts[x->nr_lines++] = 0;
	for (i = 0; i < x->len; i++) {
		if (x->buf[i] == '\n') {
			ALLOC_GROW(x->line_starts, x->nr_lines + 1, alloc);
			x->line_starts[x->nr_lines++] = i + 1;
		}
	}
	build_marks(x);
}

/*
 * The line index and the column marks cost a pass over every character
 * (utf8_decode() each): made for every release a build validated, that
 * was ~12% of a first build of 12,500 releases, for the few findings
 * there are.  So they are made the first time a position is asked for.
 * A document may be asked on several threads (the site file's): the
 * first makes it under a lock.
 */
static pthread_mutex_t index_lock = PTHREAD_MUTEX_INITIALIZER;

static void need_line_index(const struct xmldoc *cx)
{
	struct xmldoc *x = (struct xmldoc *)cx;   /* only ever allocated writable */

	if (__atomic_load_n(&x->indexed, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&index_lock);
	if (!x->indexed) {
		build_line_index(x);
		__atomic_store_n(&x->indexed, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&index_lock);
}

/* A position near the start, without the index: the few every release's
 * summary keeps (its id's and its facts', in the first lines) cost less
 * counted from the start than the index of the whole file.  Only the first
 * DIRECT_LOOKUPS of a document: many findings make the index pay. */
#define DIRECT_MAX 16384
#define DIRECT_LOOKUPS 16

static int loc_direct(const struct xmldoc *cx, size_t offset, struct diag_loc *out)
{
	struct xmldoc *x = (struct xmldoc *)cx;
	const char *p = x->buf, *end = x->buf + offset, *nl;
	long line = 1;

	if (offset > DIRECT_MAX ||
	    __atomic_fetch_add(&x->direct_lookups, 1, __ATOMIC_RELAXED) >= DIRECT_LOOKUPS)
		return 0;
	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		line++;
		p = nl + 1;
	}
	out->line = line;
	out->line_src = p;
	out->column = (long)utf8_width(p, (size_t)(end - p)) + 1;
	return 1;
}

void xmldoc_loc_offset(const struct xmldoc *x, size_t offset, struct diag_loc *out)
{
	size_t lo = 0, hi;

	memset(out, 0, sizeof(*out));
	out->file = x->path;
	out->src = x->buf;
	out->srclen = x->len;
	if (offset > x->len)
		offset = x->len;
	if (!__atomic_load_n(&x->indexed, __ATOMIC_ACQUIRE) && loc_direct(x, offset, out))
		return;
	need_line_index(x);
	hi = x->nr_lines;
	if (!x->nr_lines)
		return;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->line_starts[mid] <= offset)
			lo = mid;
		else
			hi = mid;
	}
	out->line = (long)lo + 1;
	out->line_src = x->buf + x->line_starts[lo];
	{
		size_t from = x->line_starts[lo], col = 0, mlo = 0, mhi = x->nr_marks;

		/* The last mark at or before offset, if it is on this line. */
		while (mlo < mhi) {
			size_t mid = mlo + (mhi - mlo) / 2;
			if (x->marks[mid].offset <= offset)
				mlo = mid + 1;
			else
				mhi = mid;
		}
		if (mlo && x->marks[mlo - 1].offset >= from) {
			from = x->marks[mlo - 1].offset;
			col = x->marks[mlo - 1].column;
		}
		out->column = (long)(col + utf8_width(x->buf + from, offset - from)) + 1;
	}
}

static int pos_cmp(const void *a, const void *b)
{
	uintptr_t pa = (uintptr_t)((const struct xmldoc_pos *)a)->node;
	uintptr_t pb = (uintptr_t)((const struct xmldoc_pos *)b)->node;
	return pa < pb ? -1 : pa > pb;
}

long xmldoc_node_offset(const struct xmldoc *x, const xmlNode *elem)
{
	struct xmldoc_pos key = { elem, 0 }, *hit;

	if (!x->pos)
		return -1;
	hit = bsearch(&key, x->pos, x->nr_pos, sizeof(*x->pos), pos_cmp);
	return hit ? (long)hit->offset : -1;
}

void xmldoc_loc_node(const struct xmldoc *x, const xmlNode *node, struct diag_loc *out)
{
	long off;

	while (node && node->type != XML_ELEMENT_NODE)
		node = node->parent;
	off = node ? xmldoc_node_offset(x, node) : -1;
	if (off >= 0) {
		xmldoc_loc_offset(x, (size_t)off, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	out->file = x->path;
	out->src = x->buf;
	out->srclen = x->len;
	out->line = node ? xmlGetLineNo(node) : 0;
	if (out->line < 0)
		out->line = 0;
}

void xmldoc_loc_attr(const struct xmldoc *x, const xmlNode *elem, const char *attr,
		     struct diag_loc *out)
{
	long off = xmldoc_node_offset(x, elem);
	size_t i, n = strlen(attr);

	if (off < 0) {
		xmldoc_loc_node(x, elem, out);
		return;
	}
	/* Scan the start tag for ' attr=' (quotes hide '>' in values). */
	for (i = (size_t)off + 1; i < x->len && x->buf[i] != '>'; i++) {
		if (x->buf[i] == '"' || x->buf[i] == '\'') {
			const char *q = memchr(x->buf + i + 1, x->buf[i], x->len - i - 1);
			if (!q)
				break;
			i = (size_t)(q - x->buf);
			continue;
		}
		if ((x->buf[i] == ' ' || x->buf[i] == '\t' || x->buf[i] == '\n' ||
		     x->buf[i] == '\r') && i + 1 + n < x->len &&
		    !memcmp(x->buf + i + 1, attr, n) &&
		    (x->buf[i + 1 + n] == '=' || x->buf[i + 1 + n] == ' ')) {
			xmldoc_loc_offset(x, i + 1, out);
			return;
		}
	}
	xmldoc_loc_offset(x, (size_t)off, out);
}

/* ---- pre-parse checks on the raw bytes ---------------------------------- */

static void report_at(struct diag *d, const struct xmldoc *x, size_t offset,
		      const char *rule, const char *msg)
{
	struct diag_loc loc;

	xmldoc_loc_offset(x, offset, &loc);
	diag_report(d, &loc, DIAG_ERROR, rule, "%s", msg);
}

/* The encoding named in the XML declaration, if any, in *name. */
static int declared_encoding(const char *buf, size_t len, char *name, size_t size)
{
	const char *end, *p;
	size_t n;

	if (len < 5 || memcmp(buf, "<?xml", 5))
		return 0;
	end = memchr(buf, '>', len < 200 ? len : 200);
	if (!end)
		return 0;
	p = buf;
	while ((p = memchr(p, 'e', (size_t)(end - p))) && end - p > 8) {
		if (!memcmp(p, "encoding", 8) && p > buf && (p[-1] == ' ' || p[-1] == '\t' ||
							     p[-1] == '\n' || p[-1] == '\r'))
			break;
		p++;
	}
	if (!p || end - p <= 8)
		return 0;
	p += 8;
	while (p < end && (*p == ' ' || *p == '=' || *p == '\t'))
		p++;
	if (p >= end || (*p != '"' && *p != '\''))
		return 0;
	{
		const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
		if (!q)
			return 0;
		n = (size_t)(q - p - 1);
		if (n >= size)
			n = size - 1;
		memcpy(name, p + 1, n);
		name[n] = '\0';
	}
	return 1;
}

/* Compressed files and archives: libxml2 would inflate gzip behind our back,
 * and the others are no better served by "invalid UTF-8 byte". */
static const struct {
	const char *magic;
	size_t len;
	const char *what, *how;
} compressed_formats[] = {
	{ "\x1f\x8b", 2, "gzip-compressed", "decompress it (gunzip)" },
	{ "\xfd" "7zXZ", 6, "xz-compressed", "decompress it (unxz)" },
	{ "BZh", 3, "bzip2-compressed", "decompress it (bunzip2)" },
	{ "\x28\xb5\x2f\xfd", 4, "zstd-compressed", "decompress it (unzstd)" },
	{ "PK\x03\x04", 4, "a zip archive (or a word-processor document)",
	  "save the release itself as UTF-8 XML" },
};

/* Whether any of the eight bytes of word may be a control character or
 * the first byte of one (C0, DEL, 0xC2 of C1): the test of a zero byte
 * ("Bit Twiddling Hacks"), which may say yes for a byte that is not one,
 * never no for one that is.  check_raw() looked at a release byte by byte,
 * 3% of a full build's instructions. */
static int may_be_control(uint64_t word)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t del = word ^ (ones * 0x7f), c2 = word ^ (ones * 0xc2);

	return ((((word - ones * 0x20) & ~word) | ((del - ones) & ~del) |
		 ((c2 - ones) & ~c2)) & highs) != 0;
}

static int check_raw(struct xmldoc *x, struct diag *d)
{
	const unsigned char *u = (const unsigned char *)x->buf;
	size_t bad, i, skip = 0, slow;
	char enc[64];

	for (i = 0; i < ARRAY_SIZE(compressed_formats); i++) {
		if (x->len >= compressed_formats[i].len &&
		    !memcmp(x->buf, compressed_formats[i].magic, compressed_formats[i].len)) {
			struct diag_loc loc;
			xmldoc_loc_offset(x, 0, &loc);
			loc.column = 1;
			diag_report(d, &loc, DIAG_ERROR, "encoding",
				    "file is %s, not XML; %s and save it as UTF-8",
				    compressed_formats[i].what, compressed_formats[i].how);
			return -1;
		}
	}
	if (x->len >= 2 && ((u[0] == 0xfe && u[1] == 0xff) || (u[0] == 0xff && u[1] == 0xfe))) {
		report_at(d, x, 0, "encoding",
			  "file is UTF-16; save it as UTF-8 (releases are UTF-8 only)");
		return -1;
	}
	/* UTF-16 without a byte order mark: "<?" as "<\0?\0" or "\0<\0?". */
	if (x->len >= 4 && ((u[0] == '<' && !u[1] && u[2] && !u[3]) ||
			    (!u[0] && u[1] == '<' && !u[2] && u[3]))) {
		report_at(d, x, 0, "encoding",
			  "file is UTF-16 (without a byte order mark); save it as UTF-8 "
			  "(releases are UTF-8 only)");
		return -1;
	}
	if (x->len >= 3 && !memcmp(x->buf, "\xEF\xBB\xBF", 3))
		skip = 3;
	if (declared_encoding(x->buf + skip, x->len - skip, enc, sizeof(enc)) &&
	    strcasecmp(enc, "UTF-8") && strcasecmp(enc, "UTF8")) {
		struct diag_loc loc;
		const char *at = strstr(x->buf + skip, "encoding");
		xmldoc_loc_offset(x, at ? (size_t)(at - x->buf) : 0, &loc);
		diag_report(d, &loc, DIAG_ERROR, "encoding",
			    "declared encoding '%s' is not accepted; convert the file to UTF-8 "
			    "and declare encoding=\"UTF-8\"", enc);
		return -1;
	}
	bad = utf8_validate(x->buf, x->len);
	if (bad < x->len) {
		struct diag_loc loc;
		xmldoc_loc_offset(x, bad, &loc);
		diag_report(d, &loc, DIAG_ERROR, "encoding",
			    "invalid UTF-8 byte 0x%02X; the file must be saved as UTF-8",
			    (unsigned char)x->buf[bad]);
		return -1;
	}
	for (i = 0, slow = 0; i < x->len; i++) {
		unsigned char c;
		uint64_t word;

		/* Eight bytes at a time where none can be one; where one may
		 * be (a line's end is one of them), the eight one by one. */
		if (!slow) {
			while (x->len - i >= 8 &&
			       (memcpy(&word, x->buf + i, 8), !may_be_control(word)))
				i += 8;
			if (i >= x->len)
				break;
			slow = 8;
		}
		slow--;
		c = (unsigned char)x->buf[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			struct diag_loc loc;
			xmldoc_loc_offset(x, i, &loc);
			diag_report(d, &loc, DIAG_ERROR, "control-char",
				    c ? "control character U+%04X is not allowed in a release; delete it"
				      : "NUL byte (U+%04X) in the file: it is binary, UTF-16 or corrupt; "
					"save the release as UTF-8 text", c);
			return -1;
		}
		/* C1 controls are U+0080-U+009F, encoded C2 80 - C2 9F; DEL too. */
		if (c == 0x7f || (c == 0xc2 && i + 1 < x->len &&
				  (unsigned char)x->buf[i + 1] >= 0x80 &&
				  (unsigned char)x->buf[i + 1] <= 0x9f)) {
			struct diag_loc loc;
			xmldoc_loc_offset(x, i, &loc);
			diag_report(d, &loc, DIAG_ERROR, "control-char",
				    "control character U+%04X is not allowed in a release; delete it "
				    "(text pasted from another program often carries these)",
				    c == 0x7f ? 0x7fu : (unsigned)(unsigned char)x->buf[i + 1]);
			return -1;
		}
	}
	return 0;
}

/* ---- parsing ------------------------------------------------------------ */

struct parse_state {
	struct xmldoc *x;
	struct diag *d;
	int reported;
	size_t alloc_pos;
	size_t skip;   /* bytes of BOM before what the parser sees */
};

static void syntax_message(struct strbuf *out, const char *msg)
{
	char a[128], b[128];
	int line;

	if (sscanf(msg, "Opening and ending tag mismatch: %127s line %d and %127s", a, &line, b) == 3)
		strbuf_addf(out, "closing tag '%s' does not match '%s' opened on line %d", b, a, line);
	else if (sscanf(msg, "Premature end of data in tag %127s line %d", a, &line) == 2)
		strbuf_addf(out, "the file ends before element '%s' (opened on line %d) is closed; "
			    "is it truncated?", a, line);
	else if (!strncmp(msg, "Excessive depth in document", 27))
		strbuf_addstr(out, "elements are nested too deeply (more than 256 levels)");
	else if (sscanf(msg, "Entity '%127[^']' not defined", a) == 1)
		strbuf_addf(out, "unknown entity '&%s;': only &lt; &gt; &amp; &quot; &apos; "
			    "and numeric references are allowed; type the character itself", a);
	else if (!strncmp(msg, "Start tag expected", 18) || !strncmp(msg, "Document is empty", 17))
		strbuf_addstr(out, "the file is empty or is not XML");
	else if (!strncmp(msg, "Extra content at the end of the document", 40))
		strbuf_addstr(out, "text or elements after the closing tag of the root element");
	else {
		size_t n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			n--;
		strbuf_addstr(out, "XML syntax error: ");
		/* libxml2 capitalises its messages; we do not. */
		if (n && msg[0] >= 'A' && msg[0] <= 'Z' && !(msg[1] >= 'A' && msg[1] <= 'Z')) {
			strbuf_addch(out, (char)(msg[0] - 'A' + 'a'));
			strbuf_add(out, msg + 1, n - 1);
		} else {
			strbuf_add(out, msg, n);
		}
	}
}

/* Whether the parser had read all its input when it failed: then the file
 * was most likely cut short (a failed upload, a full disk) and saying so
 * helps more than libxml2's "expected '>'". */
static int at_end_of_input(const struct parse_state *st, const xmlError *err)
{
	const xmlParserCtxt *ctxt = err->ctxt;
	const xmlChar *p;

	if (err->domain != XML_FROM_PARSER || !ctxt || ctxt->_private != st || !ctxt->input ||
	    !ctxt->input->cur || !ctxt->input->end || ctxt->inputNr != 1)
		return 0;
	for (p = ctxt->input->cur; p < ctxt->input->end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return 0;
	/* Something must be open: a complete document with junk after it
	 * is not truncated. */
	return ctxt->node != NULL || ctxt->nameNr > 0;
}

static void truncated_message(struct strbuf *out, const struct parse_state *st,
			      const xmlError *err)
{
	const xmlParserCtxt *ctxt = err->ctxt;
	const xmlNode *open = ctxt->node;

	if (open && open->type == XML_ELEMENT_NODE && open->name) {
		/* Our record of the start tag, not libxml2's line, which is where
		 * the parser stood when it made the node: past the end of a start
		 * tag cut short. Not sorted yet: the newest is last. */
		long line = xmlGetLineNo(open);
		size_t i;

		for (i = st->x->nr_pos; i > 0; i--) {
			if (st->x->pos[i - 1].node == open) {
				struct diag_loc at;
				xmldoc_loc_offset(st->x, st->x->pos[i - 1].offset, &at);
				line = at.line;
				break;
			}
		}
		strbuf_addf(out, "the file ends inside element '%s'", open->name);
		if (line > 0)
			strbuf_addf(out, " (opened on line %ld)", line);
		strbuf_addstr(out, "; is it truncated? restore the complete file");
	} else {
		strbuf_addstr(out, "the file ends in the middle of the XML; is it truncated? "
			      "restore the complete file");
	}
}

static void on_parse_error(void *data, xmlErrorPtr err)
{
	struct parse_state *st = data;
	struct strbuf msg = STRBUF_INIT;
	struct diag_loc loc;

	if (st->reported || !err || err->level < XML_ERR_ERROR)
		return;
	st->reported = 1;
	memset(&loc, 0, sizeof(loc));
	loc.file = st->x->path;
	loc.src = st->x->buf;
	loc.srclen = st->x->len;
	loc.line = err->line > 0 ? err->line : 0;
	loc.column = err->int2 > 0 ? err->int2 : 0;
	need_line_index(st->x);
	if ((err->code == XML_ERR_UNDECLARED_ENTITY || err->code == XML_WAR_UNDECLARED_ENTITY) &&
	    loc.line > 0 && (size_t)loc.line <= st->x->nr_lines && loc.column > 0) {
		/* libxml2 points past the reference; point at its '&'. */
		size_t start = st->x->line_starts[loc.line - 1], off = start, orig;
		long c;

		for (c = 1; c < loc.column && off < st->x->len && st->x->buf[off] != '\n'; c++) {
			uint32_t cp;
			size_t n = utf8_decode(st->x->buf + off, st->x->len - off, &cp);
			off += n ? n : 1;
		}
		orig = off;
		while (off > start && st->x->buf[off] != '&' && orig - off < 130)
			off--;
		if (st->x->buf[off] == '&')
			xmldoc_loc_offset(st->x, off, &loc);
	}
	if (at_end_of_input(st, err))
		truncated_message(&msg, st, err);
	else
		syntax_message(&msg, err->message ? err->message : "unknown error");
	diag_report(st->d, &loc, DIAG_ERROR, "xml-syntax", "%s", msg.buf);
	strbuf_release(&msg);
}

/* Called by the parser at "<!DOCTYPE name ...", before any of the internal
 * subset is read: stop right there. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *st = ctxt->_private;
	struct diag_loc loc;

	(void)name;
	memset(&loc, 0, sizeof(loc));
	loc.file = st->x->path;
	loc.src = st->x->buf;
	loc.srclen = st->x->len;
	loc.line = ctxt->input ? ctxt->input->line : 0;
	if (ctxt->input && ctxt->input->cur && ctxt->input->base) {
		/* The parser stands just past "<!DOCTYPE name [PUBLIC|SYSTEM ...]";
		 * the declaration starts at the last "<!DOCTYPE" before that (an
		 * earlier one may sit in a comment). */
		size_t end = (size_t)ctxt->input->consumed +
			     (size_t)(ctxt->input->cur - ctxt->input->base) + st->skip, i;
		if (end > st->x->len)
			end = st->x->len;
		for (i = end; i >= 9; i--) {
			if (!memcmp(st->x->buf + i - 9, "<!DOCTYPE", 9)) {
				struct diag_loc at;
				xmldoc_loc_offset(st->x, i - 9, &at);
				loc.line = at.line;
				loc.column = at.column;
				break;
			}
		}
	}
	if (!st->reported)
		diag_report(st->d, &loc, DIAG_ERROR, "xml-doctype",
			    "DOCTYPE declarations are not allowed in releases%s; delete the "
			    "<!DOCTYPE ...> line (entities and external DTDs are never loaded)",
			    (eid || sid) ? " (this one names an external DTD)" : "");
	st->reported = 1;
	xmlStopParser(ctxt);
}

/*
 * libxml2 2.9's own position records (record_info) leave begin_pos unset for
 * elements with content, so we take positions ourselves: when a start tag has
 * been read the input points just past its '>', and since '<' cannot occur
 * in attribute values, the last '<' before that is the tag's own.
 */
static void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
			     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
			     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *st = ctxt->_private;
	struct xmldoc *x = st->x;
	size_t end, i;

	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces,
			      nb_attributes, nb_defaulted, attributes);
	if (!ctxt->node || !ctxt->input)
		return;
	end = (size_t)ctxt->input->consumed + (size_t)(ctxt->input->cur - ctxt->input->base) +
	      st->skip;
	if (end > x->len)
		end = x->len;
	for (i = end; i > 0 && x->buf[i - 1] != '<'; i--)
		;
	if (!i)
		return;
	ALLOC_GROW(x->pos, x->nr_pos + 1, st->alloc_pos);
	x->pos[x->nr_pos].node = ctxt->node;
	x->pos[x->nr_pos].offset = i - 1;
	x->nr_pos++;
}

static int parse_buffer(struct xmldoc *x, struct diag *d, int trusted)
{
	struct parse_state st = { x, d, 0, 0, 0 };
	xmlParserCtxtPtr ctxt;
	size_t skip = 0;
	int ok;

	if (x->len >= 3 && !memcmp(x->buf, "\xEF\xBB\xBF", 3))
		skip = 3;
	st.skip = skip;
	if (x->len - skip > INT32_MAX)
		return -1;
	if (x->len == skip) {
		/* libxml2 will not even make a parser for no bytes. */
		struct diag_loc loc;
		xmldoc_loc_offset(x, 0, &loc);
		diag_report(d, &loc, DIAG_ERROR, "xml-syntax",
			    "the file is empty; a release starts with <?xml version=\"1.0\" "
			    "encoding=\"UTF-8\"?> and a <release> element");
		return XMLDOC_INVALID;
	}
	ctxt = xmlCreateMemoryParserCtxt(x->buf + skip, (int)(x->len - skip));
	if (!ctxt) {
		diag_system_error(d, "%s: cannot create an XML parser", x->path);
		return XMLDOC_SYSTEM;
	}
	ctxt->_private = &st;
	if (!trusted)
		ctxt->sax->startElementNs = on_start_element;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->externalSubset = NULL;
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA |
				      XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlSetStructuredErrorFunc(&st, on_parse_error);
	xmlParseDocument(ctxt);
	xmlSetStructuredErrorFunc(NULL, NULL);

	ok = ctxt->wellFormed && !st.reported && ctxt->myDoc && !ctxt->myDoc->intSubset &&
	     xmlDocGetRootElement(ctxt->myDoc);
	if (!ok && !st.reported) {
		struct diag_loc loc;
		xmldoc_loc_offset(x, x->len, &loc);
		diag_report(d, &loc, DIAG_ERROR, "xml-syntax", "the file is not well-formed XML");
	}
	if (ok) {
		x->doc = ctxt->myDoc;
		ctxt->myDoc = NULL;
		if (x->nr_pos)
			qsort(x->pos, x->nr_pos, sizeof(*x->pos), pos_cmp);
	} else if (ctxt->myDoc) {
		xmlFreeDoc(ctxt->myDoc);
		ctxt->myDoc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return ok ? XMLDOC_OK : XMLDOC_INVALID;
}

/* trusted: the bytes were checked before (xmldoc_load_file_trusted()). */
static int finish(struct xmldoc **out, struct xmldoc *x, struct diag *d, int trusted)
{
	int ret;

	if (!trusted) {
		if (check_raw(x, d) < 0) {
			xmldoc_free(x);
			return XMLDOC_INVALID;
		}
	}
	ret = parse_buffer(x, d, trusted);
	if (ret != XMLDOC_OK) {
		xmldoc_free(x);
		return ret;
	}
	*out = x;
	return XMLDOC_OK;
}

static int parse_memory(struct xmldoc **out, const char *name, const char *buf,
			size_t len, struct diag *d, int trusted)
{
	struct xmldoc *x;

	*out = NULL;
	x = xcalloc(1, sizeof(*x));
	x->path = xstrdup(name);
	if (len > XMLDOC_MAX_SIZE) {
		struct diag_loc loc = { x->path, 0, 0, NULL, 0 };
		diag_report(d, &loc, DIAG_ERROR, "file-size",
			    "file is %zu bytes, over the limit of %u bytes for a release",
			    len, XMLDOC_MAX_SIZE);
		xmldoc_free(x);
		return XMLDOC_INVALID;
	}
	x->buf = xmalloc(len + 1);
	memcpy(x->buf, buf, len);
	x->buf[len] = '\0';
	x->len = len;
	return finish(out, x, d, trusted);
}

int xmldoc_parse_memory(struct xmldoc **out, const char *name, const char *buf,
			size_t len, struct diag *d)
{
	return parse_memory(out, name, buf, len, d, 0);
}

int xmldoc_parse_memory_trusted(struct xmldoc **out, const char *name, const char *buf,
				size_t len, struct diag *d)
{
	return parse_memory(out, name, buf, len, d, 1);
}

static int load_file(struct xmldoc **out, const char *path, struct diag *d, int trusted)
{
	struct xmldoc *x;
	struct stat st;
	size_t got = 0;
	int fd;

	*out = NULL;
	/* O_NONBLOCK: opening a FIFO would otherwise wait for a writer
	 * forever, before fstat() could tell it is no file. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		diag_system_error(d, "cannot open '%s': %s", path, strerror(errno));
		return XMLDOC_SYSTEM;
	}
	/* A regular file ignores O_NONBLOCK, so it can stay set: clearing it
	 * took two fcntl() calls a file. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_system_error(d, "'%s' is not a regular file", path);
		close(fd);
		return XMLDOC_SYSTEM;
	}
	x = xcalloc(1, sizeof(*x));
	x->path = xstrdup(path);
	if (st.st_size > (off_t)XMLDOC_MAX_SIZE) {
		struct diag_loc loc = { x->path, 0, 0, NULL, 0 };
		diag_report(d, &loc, DIAG_ERROR, "file-size",
			    "file is %lld bytes, over the limit of %u bytes for a release; "
			    "is it really a press release?", (long long)st.st_size, XMLDOC_MAX_SIZE);
		close(fd);
		xmldoc_free(x);
		return XMLDOC_INVALID;
	}
	/* Read at most the cap plus one byte: the file may grow meanwhile. */
	x->buf = xmalloc((size_t)st.st_size + 2);
	while (got < (size_t)st.st_size + 1) {
		ssize_t n = read(fd, x->buf + got, (size_t)st.st_size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_system_error(d, "cannot read '%s': %s", path, strerror(errno));
			close(fd);
			xmldoc_free(x);
			return XMLDOC_SYSTEM;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		/* The size fstat() gave, from a read that asked for a byte
		 * more: that is the end (a regular file reads short only
		 * there), with no further read to say so. */
		if (got == (size_t)st.st_size)
			break;
	}
	close(fd);
	if (got > (size_t)st.st_size) {
		diag_system_error(d, "'%s' changed while it was read; try again", path);
		xmldoc_free(x);
		return XMLDOC_SYSTEM;
	}
	x->buf[got] = '\0';
	x->len = got;
	return finish(out, x, d, trusted);
}

int xmldoc_load_file(struct xmldoc **out, const char *path, struct diag *d)
{
	return load_file(out, path, d, 0);
}

int xmldoc_load_file_trusted(struct xmldoc **out, const char *path, struct diag *d)
{
	return load_file(out, path, d, 1);
}

const char *xmldoc_keep(struct xmldoc *x, char *s)
{
	ALLOC_GROW(x->strings, x->nr_strings + 1, x->alloc_strings);
	x->strings[x->nr_strings++] = s;
	return s;
}

void xmldoc_free(struct xmldoc *x)
{
	size_t i;

	if (!x)
		return;
	for (i = 0; i < x->nr_strings; i++)
		free(x->strings[i]);
	free(x->strings);
	if (x->doc)
		xmlFreeDoc(x->doc);
	free(x->pos);
	free(x->line_starts);
	free(x->marks);
	free(x->buf);
	free(x->path);
	free(x);
}
