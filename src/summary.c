/* summary.c - release summaries and their cache; see summary.h. */
#include "summary.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <libxml/tree.h>

#include "util.h"
#include "xmlutil.h"

/* Bump when a summary's fields or their meaning change, or when a rule of
 * validate.c changes what a clean file is: an older cache is then
 * ignored. */
#define SUMMARY_CACHE_MAGIC "pr-publish-summary-cache 4\n"

/* ---- making one --------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static char *node_xml(const struct release *rel, const xmlNode *node)
{
	xmlBufferPtr buf;
	char *s;

	if (!node)
		return NULL;
	buf = xmlBufferCreate();
	xmlNodeDump(buf, rel->xml->doc, (xmlNodePtr)node, 0, 0);
	s = xstrndup((const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
	xmlBufferFree(buf);
	return s;
}

static char **keys_of(const struct release_ref *refs, size_t nr)
{
	char **out = xcalloc(nr + 1, sizeof(*out));
	size_t i;

	for (i = 0; i < nr; i++)
		out[i] = xstrdup(refs[i].key ? refs[i].key : "");
	return out;
}

/* The fields a listing shows, in one canonical encoding: the item hash. */
/* Decimal digits of n at the end of buf[32]; returns where they start.
 * No printf: the cache is written with hundreds of thousands of these. */
static char *decimal(char buf[32], unsigned long long n, int negative)
{
	char *p = buf + 32;

	do
		*--p = (char)('0' + n % 10);
	while ((n /= 10));
	if (negative)
		*--p = '-';
	return p;
}

static void put_bytes(struct strbuf *sb, const char *s, size_t len)
{
	char buf[32], *digits = decimal(buf, len, 0);
	size_t nd = (size_t)(buf + 32 - digits);

	strbuf_grow(sb, nd + len + 2);
	strbuf_add(sb, digits, nd);
	strbuf_addch(sb, ':');
	strbuf_add(sb, s, len);
	strbuf_addch(sb, '\n');
}

static void put_str(struct strbuf *sb, const char *s)
{
	if (!s)
		strbuf_add(sb, "-\n", 2);
	else
		put_bytes(sb, s, strlen(s));
}

static void put_num(struct strbuf *sb, long long n)
{
	char buf[32], *digits;

	digits = n < 0 ? decimal(buf, 0ull - (unsigned long long)n, 1)
		       : decimal(buf, (unsigned long long)n, 0);
	put_bytes(sb, digits, (size_t)(buf + 32 - digits));
}

static void put_list(struct strbuf *sb, char *const *list, size_t nr)
{
	size_t i;

	put_num(sb, (long long)nr);
	for (i = 0; i < nr; i++)
		put_str(sb, list[i]);
}

static void put_item(struct strbuf *sb, const struct release_summary *s)
{
	put_str(sb, s->id);
	put_str(sb, s->lang);
	put_str(sb, s->type);
	put_str(sb, s->original_lang);
	put_str(sb, s->date);
	put_str(sb, s->embargo);
	put_str(sb, s->updated);
	put_num(sb, s->withdrawn);
	put_str(sb, s->headline);
	put_str(sb, s->subtitle);
	put_str(sb, s->summary);
	put_list(sb, s->places, s->nr_places);
	put_list(sb, s->sources, s->nr_sources);
	put_list(sb, s->fields, s->nr_fields);
	put_list(sb, s->countries, s->nr_countries);
}

static void item_hash(struct release_summary *s)
{
	struct strbuf sb = STRBUF_INIT;
	struct output_sha256 sha;

	put_item(&sb, s);
	output_sha256_init(&sha);
	output_sha256_add(&sha, sb.buf, sb.len);
	output_sha256_hex(&sha, s->item);
	strbuf_release(&sb);
}

struct release_summary *summary_from_release(const struct release *rel)
{
	struct release_summary *s = xcalloc(1, sizeof(*s));
	const xmlNode *where[SUMMARY_NR_FACTS];
	struct output_sha256 sha;
	struct diag_loc loc;
	size_t i;

	s->path = xstrdup(rel->xml->path);
	s->id = dup_or_null(rel->id);
	s->lang = dup_or_null(rel->lang);
	s->type = dup_or_null(rel->type);
	s->original_lang = dup_or_null(rel->original_lang);
	s->date = dup_or_null(rel->date);
	s->embargo = dup_or_null(rel->embargo);
	s->updated = dup_or_null(rel->updated);
	s->withdrawn = rel->withdrawn != NULL;
	s->headline = node_xml(rel, rel->headline);
	s->subtitle = node_xml(rel, rel->subtitle);
	s->summary = node_xml(rel, rel->summary);
	s->places = keys_of(rel->places, rel->nr_places);
	s->nr_places = rel->nr_places;
	s->sources = keys_of(rel->sources, rel->nr_sources);
	s->nr_sources = rel->nr_sources;
	s->fields = keys_of(rel->fields, rel->nr_fields);
	s->nr_fields = rel->nr_fields;
	s->countries = keys_of(rel->countries, rel->nr_countries);
	s->nr_countries = rel->nr_countries;
	xmldoc_loc_attr(rel->xml, rel->root, "id", &loc);
	s->line = loc.line;
	s->column = loc.column;
	where[SUMMARY_FACT_DATE] = rel->date_node;
	where[SUMMARY_FACT_EMBARGO] = rel->embargo_node;
	where[SUMMARY_FACT_SOURCES] = xml_child(rel->root, "sources");
	where[SUMMARY_FACT_FIELDS] = xml_child(rel->root, "fields");
	where[SUMMARY_FACT_COUNTRIES] = xml_child(rel->root, "countries");
	for (i = 0; i < SUMMARY_NR_FACTS; i++) {
		xmldoc_loc_node(rel->xml, where[i] ? where[i] : rel->root, &loc);
		s->fact_line[i] = loc.line;
		s->fact_column[i] = loc.column;
	}
	output_sha256_init(&sha);
	output_sha256_add(&sha, rel->xml->buf, rel->xml->len);
	output_sha256_hex(&sha, s->content);
	item_hash(s);
	return s;
}

static void free_list(char **list, size_t nr)
{
	size_t i;

	for (i = 0; list && i < nr; i++)
		free(list[i]);
	free(list);
}

void summary_free(struct release_summary *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->id);
	free(s->lang);
	free(s->type);
	free(s->original_lang);
	free(s->date);
	free(s->embargo);
	free(s->updated);
	free(s->headline);
	free(s->subtitle);
	free(s->summary);
	free_list(s->places, s->nr_places);
	free_list(s->sources, s->nr_sources);
	free_list(s->fields, s->nr_fields);
	free_list(s->countries, s->nr_countries);
	free(s);
}

int summary_key_of(const char *path, struct summary_key *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st) < 0)
		return -1;
	out->size = (uint64_t)st.st_size;
	out->mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
	out->ino = (uint64_t)st.st_ino;
	out->dev = (uint64_t)st.st_dev;
	return 0;
}

void summary_key_of_blob(const struct git_oid *id, struct summary_key *out)
{
	size_t n = sizeof(id->id) < sizeof(*out) ? sizeof(id->id) : sizeof(*out);

	memset(out, 0, sizeof(*out));
	memcpy(out, id->id, n);
}

/* ---- the cache file ----------------------------------------------------- */

struct summary_cache {
	struct release_summary **sums;   /* sorted by path; taken ones NULL */
	char **paths;                    /* theirs, for the search */
	size_t nr;
};

/* FNV-1a style, 64 bits, on four interleaved lanes of 8-byte words (a
 * byte at a time, the multiplications of a 10 MB cache were one chain):
 * catches damage, cheaply; the cache is not a defence against someone who
 * can write beside the output (they could write the output itself). */
static uint64_t checksum(const char *p, size_t len)
{
	const uint64_t prime = 1099511628211ull;
	uint64_t lane[4] = { 1469598103934665603ull, 0x9e3779b97f4a7c15ull,
			     0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull };
	uint64_t h;
	size_t i = 0, k;

	for (; len - i >= 32; i += 32)
		for (k = 0; k < 4; k++) {
			uint64_t w;
			memcpy(&w, p + i + 8 * k, 8);
			lane[k] = (lane[k] ^ w) * prime;
			lane[k] ^= lane[k] >> 29;
		}
	for (; i < len; i++)
		lane[0] = (lane[0] ^ (unsigned char)p[i]) * prime;
	h = (uint64_t)len * prime;
	for (k = 0; k < 4; k++) {
		h = (h ^ lane[k]) * prime;
		h ^= h >> 32;
	}
	return h;
}

struct reader {
	const char *p, *end;
	int bad;
};

/* One field: NULL for "-", else a copy. */
static char *get_str(struct reader *r, int *absent)
{
	const char *colon;
	unsigned long long n = 0;
	char *s;

	*absent = 0;
	if (r->bad)
		return NULL;
	if (r->end - r->p >= 2 && r->p[0] == '-' && r->p[1] == '\n') {
		r->p += 2;
		*absent = 1;
		return NULL;
	}
	for (colon = r->p; colon < r->end && *colon >= '0' && *colon <= '9' && colon - r->p < 10;
	     colon++)
		n = n * 10 + (unsigned long long)(*colon - '0');
	if (colon == r->p || colon >= r->end || *colon != ':' ||
	    (unsigned long long)(r->end - colon - 1) < n + 1 || colon[1 + n] != '\n' ||
	    memchr(colon + 1, '\0', n)) {
		r->bad = 1;
		return NULL;
	}
	s = xstrndup(colon + 1, n);
	r->p = colon + 1 + n + 1;
	return s;
}

static char *get_opt(struct reader *r)
{
	int absent;

	return get_str(r, &absent);
}

static char *get_req(struct reader *r)
{
	int absent;
	char *s = get_str(r, &absent);

	if (absent)
		r->bad = 1;
	return s;
}

/* One number, read in place: what strtoll() of get_req() accepts ("%lld"
 * as written), without a copy. */
static long long get_num(struct reader *r)
{
	const char *colon, *q;
	unsigned long long n = 0, v = 0;
	int negative = 0;

	if (r->bad)
		return 0;
	for (colon = r->p; colon < r->end && *colon >= '0' && *colon <= '9' && colon - r->p < 10;
	     colon++)
		n = n * 10 + (unsigned long long)(*colon - '0');
	if (colon == r->p || colon >= r->end || *colon != ':' || n == 0 || n > 20 ||
	    (unsigned long long)(r->end - colon - 1) < n + 1 || colon[1 + n] != '\n') {
		r->bad = 1;
		return 0;
	}
	q = colon + 1;
	if (*q == '-') {
		negative = 1;
		q++;
	}
	if (q == colon + 1 + n) {
		r->bad = 1;
		return 0;
	}
	for (; q < colon + 1 + n; q++) {
		if (*q < '0' || *q > '9' || v > (9223372036854775807ull - (unsigned)(*q - '0')) / 10) {
			r->bad = 1;
			return 0;
		}
		v = v * 10 + (unsigned)(*q - '0');
	}
	r->p = colon + 1 + n + 1;
	return negative ? -(long long)v : (long long)v;
}

static char **get_list(struct reader *r, size_t *nr)
{
	long long n = get_num(r);
	char **out;
	size_t i;

	*nr = 0;
	if (r->bad || n < 0 || n > 100000) {
		r->bad = 1;
		return xcalloc(1, sizeof(char *));
	}
	out = xcalloc((size_t)n + 1, sizeof(*out));
	for (i = 0; i < (size_t)n && !r->bad; i++) {
		out[i] = get_req(r);
		*nr = i + 1;
	}
	return out;
}

static void put_record(struct strbuf *sb, const struct release_summary *s)
{
	size_t i;

	put_str(sb, s->path);
	put_num(sb, (long long)s->key.size);
	put_num(sb, (long long)s->key.mtime_ns);
	put_num(sb, (long long)s->key.ino);
	put_num(sb, (long long)s->key.dev);
	put_str(sb, s->content);
	put_str(sb, s->item);
	put_num(sb, s->line);
	put_num(sb, s->column);
	for (i = 0; i < SUMMARY_NR_FACTS; i++) {
		put_num(sb, s->fact_line[i]);
		put_num(sb, s->fact_column[i]);
	}
	put_item(sb, s);
}

static int hex64(const char *s)
{
	size_t i;

	if (!s || strlen(s) != OUTPUT_HASH_HEX)
		return 0;
	for (i = 0; i < OUTPUT_HASH_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static struct release_summary *get_record(struct reader *r)
{
	struct release_summary *s = xcalloc(1, sizeof(*s));
	long long n;
	char *content;
	size_t i;

	s->path = get_req(r);
	s->key.size = (uint64_t)get_num(r);
	s->key.mtime_ns = (uint64_t)get_num(r);
	s->key.ino = (uint64_t)get_num(r);
	s->key.dev = (uint64_t)get_num(r);
	content = get_req(r);
	if (!hex64(content))
		r->bad = 1;
	else
		memcpy(s->content, content, OUTPUT_HASH_HEX + 1);
	free(content);
	content = get_req(r);
	if (!hex64(content))
		r->bad = 1;
	else
		memcpy(s->item, content, OUTPUT_HASH_HEX + 1);
	free(content);
	s->line = (long)get_num(r);
	s->column = (long)get_num(r);
	for (i = 0; i < SUMMARY_NR_FACTS; i++) {
		s->fact_line[i] = (long)get_num(r);
		s->fact_column[i] = (long)get_num(r);
	}
	s->id = get_req(r);
	s->lang = get_req(r);
	s->type = get_req(r);
	s->original_lang = get_opt(r);
	s->date = get_req(r);
	s->embargo = get_opt(r);
	s->updated = get_opt(r);
	n = get_num(r);
	s->withdrawn = n != 0;
	s->headline = get_opt(r);
	s->subtitle = get_opt(r);
	s->summary = get_opt(r);
	s->places = get_list(r, &s->nr_places);
	s->sources = get_list(r, &s->nr_sources);
	s->fields = get_list(r, &s->nr_fields);
	s->countries = get_list(r, &s->nr_countries);
	if (r->bad) {
		summary_free(s);
		return NULL;
	}
	s->clean = 1;
	return s;
}

static int sum_path_cmp(const void *a, const void *b)
{
	const struct release_summary *x = *(struct release_summary *const *)a;
	const struct release_summary *y = *(struct release_summary *const *)b;

	return strcmp(x->path, y->path);
}

static int read_all(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;
	char *buf;

	*out = NULL;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)1 << 31) {
		close(fd);
		return -1;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

struct summary_cache *summary_cache_load(const char *path, const char *site_hash)
{
	struct summary_cache *c = xcalloc(1, sizeof(*c));
	char *buf = NULL, *head = NULL, *tail;
	size_t len = 0, alloc = 0, i;
	unsigned long long count, sum;
	struct reader r;
	int off = 0;

	if (read_all(path, &buf, &len) < 0)
		goto out;
	head = xasprintf("%ssite %s\n", SUMMARY_CACHE_MAGIC, site_hash);
	if (len < strlen(head) || memcmp(buf, head, strlen(head)))
		goto out;
	/* The last line: "sum <16 hex> <count>\n", over all before it. */
	if (len < 2 || buf[len - 1] != '\n')
		goto out;
	buf[len - 1] = '\0';
	tail = strrchr(buf, '\n');
	if (!tail || sscanf(tail + 1, "sum %16llx %llu%n", &sum, &count, &off) != 2 ||
	    tail[1 + off] || checksum(buf, (size_t)(tail + 1 - buf)) != sum)
		goto out;
	r.p = buf + strlen(head);
	r.end = tail + 1;
	r.bad = 0;
	while (r.p < r.end && !r.bad) {
		struct release_summary *s = get_record(&r);
		if (!s)
			break;
		ALLOC_GROW(c->sums, c->nr + 1, alloc);
		c->sums[c->nr++] = s;
	}
	if (r.bad || c->nr != count) {
		for (i = 0; i < c->nr; i++)
			summary_free(c->sums[i]);
		c->nr = 0;
		goto out;
	}
	if (c->nr)
		qsort(c->sums, c->nr, sizeof(*c->sums), sum_path_cmp);
	c->paths = xcalloc(c->nr + 1, sizeof(*c->paths));
	for (i = 0; i < c->nr; i++)
		c->paths[i] = xstrdup(c->sums[i]->path);
out:
	free(head);
	free(buf);
	return c;
}

struct release_summary *summary_cache_take(struct summary_cache *c, const char *path,
					   const struct summary_key *key)
{
	size_t lo = 0, hi = c->nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(c->paths[mid], path);

		if (!cmp) {
			struct release_summary *s = c->sums[mid];
			if (!s || memcmp(&s->key, key, sizeof(*key)))
				return NULL;
			c->sums[mid] = NULL;
			return s;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t summary_cache_size(const struct summary_cache *c)
{
	return c ? c->nr : 0;
}

void summary_cache_free(struct summary_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nr; i++) {
		summary_free(c->sums[i]);
		if (c->paths)
			free(c->paths[i]);
	}
	free(c->paths);
	free(c->sums);
	free(c);
}

int summary_cache_write(const char *path, const char *site_hash,
			struct release_summary *const *sums, size_t nr)
{
	struct strbuf sb = STRBUF_INIT;
	char *tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
	size_t i, count = 0, done = 0;
	int fd, ret = -1;

	strbuf_addf(&sb, "%ssite %s\n", SUMMARY_CACHE_MAGIC, site_hash);
	for (i = 0; i < nr; i++)
		if (sums[i] && sums[i]->clean) {
			put_record(&sb, sums[i]);
			count++;
		}
	strbuf_addf(&sb, "sum %016llx %zu\n", (unsigned long long)checksum(sb.buf, sb.len), count);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		goto out;
	while (done < sb.len) {
		ssize_t n = write(fd, sb.buf + done, sb.len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (close(fd) < 0 || done < sb.len || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		goto out;
	}
	ret = 0;
out:
	free(tmp);
	strbuf_release(&sb);
	return ret;
}
