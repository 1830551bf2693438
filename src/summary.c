/* summary.c - release summaries and their cache; see summary.h. */
#include "summary.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitlib.h"
#include <libxml/tree.h>

#include "util.h"
#include "xmlutil.h"

/* Bump when a summary's fields or their meaning change, when a rule of
 * validate.c changes what a clean file is, or when the layout below
 * changes: an older cache is then ignored. */
#define SUMMARY_CACHE_MAGIC "pr-publish-summary-cache 7\n"

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

	put_item(&sb, s);
	output_sha256_of(sb.buf, sb.len, s->item);
	strbuf_release(&sb);
}

struct release_summary *summary_from_release(const struct release *rel)
{
	struct release_summary *s = xcalloc(1, sizeof(*s));
	const xmlNode *where[SUMMARY_NR_FACTS];
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
	output_sha256_of(rel->xml->buf, rel->xml->len, s->content);
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
	if (!s || s->borrowed)
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

void summary_key_blob_id(const struct summary_key *key, struct git_oid *out)
{
	size_t n = sizeof(out->id) < sizeof(*key) ? sizeof(out->id) : sizeof(*key);

	memset(out, 0, sizeof(*out));
	memcpy(out->id, key, n);
}

/* ---- the cache file ----------------------------------------------------- */

/*
 * The file is read whole into one buffer, and its summaries point into
 * it: no copy of a string, no parsing.  Native byte order and
 * alignment (the cache of another machine is not ours: the header says
 * so):
 *
 *	struct disk_header
 *	struct disk_record[count]     sorted by path
 *	struct disk_group[nr_groups]  sorted by prefix
 *	uint32_t slot[nr_slots]       list entries: string offsets, each list
 *	                              followed by a 0
 *	char strings[strings_size]    NUL-terminated strings; offset 0 is
 *	                              the empty string at the start and
 *	                              stands for NULL, the last byte is NUL
 *
 * The checksum covers every byte after it; an offset is checked against
 * its area before it is used, so that a damaged file that still passes the
 * checksum cannot make us read outside the buffer.
 */
#define CACHE_ENDIAN 0x01020304u

enum {
	STR_PATH, STR_ID, STR_LANG, STR_TYPE, STR_ORIGINAL_LANG, STR_DATE, STR_EMBARGO,
	STR_UPDATED, STR_HEADLINE, STR_SUBTITLE, STR_SUMMARY, NR_STRS
};
enum { LIST_PLACES, LIST_SOURCES, LIST_FIELDS, LIST_COUNTRIES, NR_LISTS };

/* Those a summary cannot lack. */
#define REQUIRED_STRS ((1u << STR_PATH) | (1u << STR_ID) | (1u << STR_LANG) | \
		       (1u << STR_TYPE) | (1u << STR_DATE))

struct disk_header {
	char magic[32];                   /* SUMMARY_CACHE_MAGIC, NUL-padded */
	char site[OUTPUT_HASH_HEX];       /* SHA-256 of the site file, hex */
	uint64_t checksum;                /* checksum64() of all after it */
	uint64_t size;                    /* of the whole file */
	uint64_t count, nr_slots, strings_size, nr_groups;
	uint32_t endian, record_size;
};

struct disk_record {
	uint64_t key[4];                  /* size, mtime_ns, ino, dev */
	int64_t line, column, fact_line[SUMMARY_NR_FACTS], fact_column[SUMMARY_NR_FACTS];
	uint32_t str[NR_STRS];
	uint32_t list_start[NR_LISTS], list_nr[NR_LISTS];
	uint32_t withdrawn;
	char content[OUTPUT_HASH_HEX], item[OUTPUT_HASH_HEX];
};

/* A folder cached whole: the records [first, first + nr) are its files. */
struct disk_group {
	uint64_t key[4];
	uint32_t prefix;                  /* string offset */
	uint32_t first, nr, unused;
};

_Static_assert(sizeof(struct disk_header) % 8 == 0, "header keeps records aligned");
_Static_assert(sizeof(struct disk_record) % 8 == 0, "records stay aligned");
_Static_assert(sizeof(struct disk_group) % 8 == 0, "groups stay aligned");

struct summary_cache {
	const char *map;                 /* the file's bytes, mapped; NULL when unused */
	size_t map_len;
	int guard;                       /* its slot in guards[] */
	const struct disk_record *recs;
	const struct disk_group *groups;
	const uint32_t *slots;
	const char *strings;
	size_t nr, nr_groups, nr_slots, strings_size;
	struct release_summary *sums;    /* [nr]: filled when taken */
	unsigned char *taken;            /* [nr]: whether given out */
	char **ptrs;                     /* [nr_slots]: the lists of taken ones */
	size_t next;                     /* where the next take looks first */
};

/* The checksum (util.h, checksum64(): CRC-32C on four streams, ~1 ms for
 * a 12 MB cache) covers every byte from here on.  It catches damage; the
 * cache is not a defence against someone who can write beside the output
 * (they could write the output itself). */
#define CHECKSUMMED_FROM (offsetof(struct disk_header, checksum) + sizeof(uint64_t))

/*
 * The summaries a load gives out (and their lists) are ~6 MB of fresh
 * memory at 12,500 releases, whose page faults (one per 4 KiB) cost more
 * than filling them.  So these buffers are asked for in huge pages (2 MiB), where the system
 * gives them on request (transparent huge pages in "madvise" or "always"
 * mode; elsewhere this is ordinary memory).  They are not zeroed (each is
 * written before it is read), and are freed with free().
 */
#define HUGE_PAGE ((size_t)2 << 20)

static void *big_alloc(size_t size)
{
	void *p;

	if (size < HUGE_PAGE)
		return xmalloc(size);
	size = (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	if (posix_memalign(&p, HUGE_PAGE, size))
		return xmalloc(size);
	madvise(p, size, MADV_HUGEPAGE);
	return p;
}

static void header_init(struct disk_header *h, const char *site_hash)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, SUMMARY_CACHE_MAGIC, strlen(SUMMARY_CACHE_MAGIC));
	memcpy(h->site, site_hash, OUTPUT_HASH_HEX);
	h->endian = CACHE_ENDIAN;
	h->record_size = sizeof(struct disk_record);
}

/* Are the header's sizes those of a file of len bytes? */
static int layout_ok(const struct disk_header *h, size_t len)
{
	uint64_t max = len, need = sizeof(*h);

	if (h->size != len || h->count > max / sizeof(struct disk_record) ||
	    h->nr_groups > max / sizeof(struct disk_group) || h->nr_slots > max / 4 ||
	    h->strings_size > max)
		return 0;
	need += h->count * sizeof(struct disk_record) + h->nr_groups * sizeof(struct disk_group) +
		h->nr_slots * 4;
	/* Offsets are 32 bits: so are the areas they point into. */
	return need + h->strings_size == len && h->strings_size >= 1 &&
	       h->strings_size <= UINT32_MAX && h->nr_slots <= UINT32_MAX &&
	       need % 8 == 0;
}

/*
 * The cache is mapped, not read: mapping 12 MB of the page cache costs
 * ~0.2 ms where copying it into fresh memory cost 2-8 ms, most of it page
 * faults, on every build and publication.  A mapped file that someone
 * truncates while we use it raises SIGBUS when a page past its new end is
 * touched.  We only ever replace the cache by a rename, which leaves the
 * inode we hold whole, so that takes a truncation by hand during a run;
 * then the process stops with a message and exit status 3, as on any
 * system error (builds and publications are made to be stopped at any
 * point: the next run finishes or drops what this one left).  A SIGBUS
 * anywhere else (libgit2 maps pack files) gets the previous disposition.
 */
#define MAX_GUARDS 8

static struct guard {
	const char *start;            /* NULL: a free slot */
	size_t len;
	char msg[512];
	size_t msg_len;
} guards[MAX_GUARDS];
static struct sigaction previous_sigbus;
static int sigbus_installed;

static void on_sigbus(int sig, siginfo_t *info, void *ctx)
{
	const char *addr = info ? (const char *)info->si_addr : NULL;
	int i;

	(void)ctx;
	for (i = 0; i < MAX_GUARDS; i++) {
		const char *start = __atomic_load_n(&guards[i].start, __ATOMIC_ACQUIRE);

		if (start && addr >= start && addr < start + guards[i].len) {
			ssize_t ignored = write(STDERR_FILENO, guards[i].msg, guards[i].msg_len);
			(void)ignored;
			_exit(3);
		}
	}
	/* Not ours: as if we had not been here (the fault happens again). */
	sigaction(sig, &previous_sigbus, NULL);
}

/* A slot for the mapping of path at map, or -1 when none is free (then it
 * is not mapped).  Only the thread that loads caches calls this. */
static int guard_add(const char *path, const char *map, size_t len)
{
	int i;

	if (!sigbus_installed) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigbus;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGBUS, &sa, &previous_sigbus) < 0)
			return -1;
		sigbus_installed = 1;
	}
	for (i = 0; i < MAX_GUARDS; i++) {
		struct guard *g = &guards[i];

		if (__atomic_load_n(&g->start, __ATOMIC_ACQUIRE))
			continue;
		snprintf(g->msg, sizeof(g->msg),
			 "pr-publish: error: '%s' was cut short while in use; run again "
			 "(it is a cache: deleting it is safe)\n", path);
		g->msg_len = strlen(g->msg);
		g->len = len;
		__atomic_store_n(&g->start, map, __ATOMIC_RELEASE);
		return i;
	}
	return -1;
}

static void guard_drop(int i)
{
	if (i >= 0)
		__atomic_store_n(&guards[i].start, NULL, __ATOMIC_RELEASE);
}

/* The cache file at path, mapped; NULL when it is absent or no regular
 * file (nothing reported: then there is no cache). */
static const char *map_cache(const char *path, size_t *len, int *guard)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	void *map = MAP_FAILED;

	*len = 0;
	*guard = -1;
	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size < SIZE_MAX / 2) {
		*len = (size_t)st.st_size;
		map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	}
	close(fd);
	if (map == MAP_FAILED)
		return NULL;
	*guard = guard_add(path, map, *len);
	if (*guard < 0) {
		munmap(map, *len);
		return NULL;
	}
	return map;
}

static void unmap_cache(struct summary_cache *c)
{
	if (!c->map)
		return;
	guard_drop(c->guard);
	munmap((void *)c->map, c->map_len);
	c->map = NULL;
}

struct summary_cache *summary_cache_load(const char *path, const char *site_hash)
{
	struct summary_cache *c = xcalloc(1, sizeof(*c));
	const struct disk_header *h;
	struct disk_header want;

	c->map = map_cache(path, &c->map_len, &c->guard);
	if (!c->map)
		return c;
	if (c->map_len < sizeof(*h)) {
		unmap_cache(c);
		return c;
	}
	h = (const struct disk_header *)c->map;
	header_init(&want, site_hash);
	if (memcmp(h->magic, want.magic, sizeof(want.magic)) ||
	    memcmp(h->site, want.site, sizeof(want.site)) || h->endian != want.endian ||
	    h->record_size != want.record_size || !layout_ok(h, c->map_len) ||
	    checksum64(c->map + CHECKSUMMED_FROM, c->map_len - CHECKSUMMED_FROM) != h->checksum)
		goto unusable;
	c->nr = (size_t)h->count;
	c->nr_groups = (size_t)h->nr_groups;
	c->nr_slots = (size_t)h->nr_slots;
	c->strings_size = (size_t)h->strings_size;
	c->recs = (const struct disk_record *)(c->map + sizeof(*h));
	c->groups = (const struct disk_group *)(c->recs + c->nr);
	c->slots = (const uint32_t *)(c->groups + c->nr_groups);
	c->strings = (const char *)(c->slots + c->nr_slots);
	if (c->strings[0] || c->strings[c->strings_size - 1])
		goto unusable;
	c->sums = big_alloc((c->nr + 1) * sizeof(*c->sums));
	c->taken = xcalloc(c->nr + 1, 1);
	c->ptrs = big_alloc((c->nr_slots + 1) * sizeof(*c->ptrs));
	return c;
unusable:
	unmap_cache(c);
	memset(c, 0, sizeof(*c));
	return c;
}

/* The string at off, or NULL for 0; *bad set when off is outside. */
static char *str_at(const struct summary_cache *c, uint32_t off, int *bad)
{
	if (!off)
		return NULL;
	if (off >= c->strings_size) {
		*bad = 1;
		return NULL;
	}
	return (char *)(c->strings + off);
}

static int path_cmp(const struct summary_cache *c, size_t i, const char *path)
{
	int bad = 0;
	const char *p = str_at(c, c->recs[i].str[STR_PATH], &bad);

	return strcmp(p ? p : "", path);
}

/* Where path's record is, or c->nr. */
static size_t find(struct summary_cache *c, const char *path)
{
	size_t lo = 0, hi = c->nr;

	/* The files come in about the order they were written in. */
	if (c->next < c->nr && !path_cmp(c, c->next, path))
		return c->next;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = path_cmp(c, mid, path);

		if (!cmp)
			return mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return c->nr;
}

/* Fills s from record i; 0, or -1 when the record does not hold. */
static int fill(struct summary_cache *c, size_t i, struct release_summary *s)
{
	const struct disk_record *r = &c->recs[i];
	char **lists[NR_LISTS] = { NULL, NULL, NULL, NULL };
	size_t *counts[NR_LISTS] = { &s->nr_places, &s->nr_sources, &s->nr_fields,
				     &s->nr_countries };
	char *str[NR_STRS];
	int bad = 0;
	size_t k, j;

	for (k = 0; k < NR_STRS; k++) {
		str[k] = str_at(c, r->str[k], &bad);
		if (!str[k] && (REQUIRED_STRS & (1u << k)))
			bad = 1;
	}
	for (k = 0; k < NR_LISTS && !bad; k++) {
		uint64_t start = r->list_start[k], n = r->list_nr[k];

		if (start + n >= c->nr_slots || c->slots[start + n]) {
			bad = 1;
			break;
		}
		lists[k] = c->ptrs + start;
		for (j = 0; j < n && !bad; j++)
			if (!(lists[k][j] = str_at(c, c->slots[start + j], &bad)))
				bad = 1;
		lists[k][n] = NULL;
		*counts[k] = (size_t)n;
	}
	if (bad)
		return -1;
	s->path = str[STR_PATH];
	s->id = str[STR_ID];
	s->lang = str[STR_LANG];
	s->type = str[STR_TYPE];
	s->original_lang = str[STR_ORIGINAL_LANG];
	s->date = str[STR_DATE];
	s->embargo = str[STR_EMBARGO];
	s->updated = str[STR_UPDATED];
	s->headline = str[STR_HEADLINE];
	s->subtitle = str[STR_SUBTITLE];
	s->summary = str[STR_SUMMARY];
	s->places = lists[LIST_PLACES];
	s->sources = lists[LIST_SOURCES];
	s->fields = lists[LIST_FIELDS];
	s->countries = lists[LIST_COUNTRIES];
	s->withdrawn = r->withdrawn != 0;
	s->line = (long)r->line;
	s->column = (long)r->column;
	for (k = 0; k < SUMMARY_NR_FACTS; k++) {
		s->fact_line[k] = (long)r->fact_line[k];
		s->fact_column[k] = (long)r->fact_column[k];
	}
	memcpy(s->content, r->content, OUTPUT_HASH_HEX);
	s->content[OUTPUT_HASH_HEX] = '\0';
	memcpy(s->item, r->item, OUTPUT_HASH_HEX);
	s->item[OUTPUT_HASH_HEX] = '\0';
	s->key.size = r->key[0];
	s->key.mtime_ns = r->key[1];
	s->key.ino = r->key[2];
	s->key.dev = r->key[3];
	s->clean = 1;
	s->borrowed = 1;
	return 0;
}

struct release_summary *summary_cache_take(struct summary_cache *c, const char *path,
					   const struct summary_key *key)
{
	const struct disk_record *r;
	size_t i;

	if (!c || !c->nr)
		return NULL;
	i = find(c, path);
	if (i == c->nr || c->taken[i])
		return NULL;
	r = &c->recs[i];
	if (r->key[0] != key->size || r->key[1] != key->mtime_ns || r->key[2] != key->ino ||
	    r->key[3] != key->dev)
		return NULL;
	if (fill(c, i, &c->sums[i]) < 0 || strcmp(c->sums[i].path, path))
		return NULL;
	c->taken[i] = 1;
	c->next = i + 1;
	return &c->sums[i];
}

/* The group of prefix, or NULL. */
static const struct disk_group *find_group(const struct summary_cache *c, const char *prefix)
{
	size_t lo = 0, hi = c->nr_groups;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int bad = 0, cmp;
		const char *p = str_at(c, c->groups[mid].prefix, &bad);

		if (!p)
			return NULL;
		cmp = strcmp(p, prefix);
		if (!cmp)
			return &c->groups[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct release_summary *summary_cache_take_group(struct summary_cache *c, const char *prefix,
						 const struct summary_key *key, size_t *nr)
{
	const struct disk_group *g;
	size_t i, first, len = strlen(prefix);

	*nr = 0;
	if (!c || !c->nr_groups || !(g = find_group(c, prefix)))
		return NULL;
	if (g->key[0] != key->size || g->key[1] != key->mtime_ns || g->key[2] != key->ino ||
	    g->key[3] != key->dev || g->first > c->nr || g->nr > c->nr - g->first)
		return NULL;
	first = g->first;
	/* All or none. */
	for (i = first; i < first + g->nr; i++)
		if (c->taken[i] || fill(c, i, &c->sums[i]) < 0 ||
		    strncmp(c->sums[i].path, prefix, len))
			return NULL;
	memset(c->taken + first, 1, g->nr);
	c->next = first + g->nr;
	*nr = g->nr;
	return &c->sums[first];
}

size_t summary_cache_size(const struct summary_cache *c)
{
	return c ? c->nr : 0;
}

void summary_cache_free(struct summary_cache *c)
{
	if (!c)
		return;
	unmap_cache(c);
	free(c->sums);
	free(c->taken);
	free(c->ptrs);
	free(c);
}

/* ---- writing it --------------------------------------------------------- */

static int sum_path_cmp(const void *a, const void *b)
{
	const struct release_summary *x = *(struct release_summary *const *)a;
	const struct release_summary *y = *(struct release_summary *const *)b;

	return strcmp(x->path, y->path);
}

struct writer {
	char *buf;
	uint32_t *slots;
	size_t nr_slots;
	char *strings;
	size_t strings_len;
};

static uint32_t add_str(struct writer *w, const char *s)
{
	size_t len, off = w->strings_len;

	if (!s)
		return 0;
	len = strlen(s) + 1;
	memcpy(w->strings + off, s, len);
	w->strings_len += len;
	return (uint32_t)off;
}

static void add_list(struct writer *w, struct disk_record *r, int k, char *const *list, size_t nr)
{
	size_t j;

	r->list_start[k] = (uint32_t)w->nr_slots;
	r->list_nr[k] = (uint32_t)nr;
	for (j = 0; j < nr; j++)
		w->slots[w->nr_slots++] = add_str(w, list[j] ? list[j] : "");
	w->slots[w->nr_slots++] = 0;
}

static size_t opt_len(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static size_t list_len(char *const *list, size_t nr)
{
	size_t j, len = 0;

	for (j = 0; j < nr; j++)
		len += list[j] ? strlen(list[j]) + 1 : 1;
	return len;
}

static void put_disk_record(struct writer *w, struct disk_record *r,
			    const struct release_summary *s)
{
	const char *str[NR_STRS] = {
		s->path, s->id, s->lang, s->type, s->original_lang, s->date, s->embargo,
		s->updated, s->headline, s->subtitle, s->summary,
	};
	size_t k;

	memset(r, 0, sizeof(*r));
	r->key[0] = s->key.size;
	r->key[1] = s->key.mtime_ns;
	r->key[2] = s->key.ino;
	r->key[3] = s->key.dev;
	r->line = s->line;
	r->column = s->column;
	for (k = 0; k < SUMMARY_NR_FACTS; k++) {
		r->fact_line[k] = s->fact_line[k];
		r->fact_column[k] = s->fact_column[k];
	}
	for (k = 0; k < NR_STRS; k++)
		r->str[k] = add_str(w, str[k]);
	add_list(w, r, LIST_PLACES, s->places, s->nr_places);
	add_list(w, r, LIST_SOURCES, s->sources, s->nr_sources);
	add_list(w, r, LIST_FIELDS, s->fields, s->nr_fields);
	add_list(w, r, LIST_COUNTRIES, s->countries, s->nr_countries);
	r->withdrawn = s->withdrawn != 0;
	memcpy(r->content, s->content, OUTPUT_HASH_HEX);
	memcpy(r->item, s->item, OUTPUT_HASH_HEX);
}

struct kept_group {
	const struct summary_group *g;
	size_t first;
};

static int kept_group_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kept_group *)a)->g->prefix,
		      ((const struct kept_group *)b)->g->prefix);
}

/* The groups whose files are exactly clean[first, first + nr), sorted by
 * prefix (a prefix given twice is left out): *out, their number. */
static size_t keep_groups(const struct release_summary *const *clean, size_t count,
			  const struct summary_group *groups, size_t nr_groups,
			  struct kept_group **out)
{
	struct kept_group *kept = xcalloc(nr_groups + 1, sizeof(*kept));
	size_t i, j, n = 0;

	for (i = 0; i < nr_groups; i++) {
		const char *prefix = groups[i].prefix;
		size_t lo = 0, hi = count, end;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(clean[mid]->path, prefix) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* The paths under a prefix are next to each other once sorted. */
		for (end = lo; end < count && starts_with(clean[end]->path, prefix); end++)
			;
		if (end - lo == groups[i].nr) {
			kept[n].g = &groups[i];
			kept[n++].first = lo;
		}
	}
	qsort(kept, n, sizeof(*kept), kept_group_cmp);
	for (i = j = 0; i < n; i++) {
		int twice = (i > 0 && !strcmp(kept[i - 1].g->prefix, kept[i].g->prefix)) ||
			    (i + 1 < n && !strcmp(kept[i + 1].g->prefix, kept[i].g->prefix));

		if (!twice)
			kept[j++] = kept[i];
	}
	*out = kept;
	return j;
}

int summary_cache_write(const char *path, const char *site_hash,
			struct release_summary *const *sums, size_t nr,
			const struct summary_group *groups, size_t nr_groups)
{
	const struct release_summary **clean = xcalloc(nr + 1, sizeof(*clean));
	char *tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
	size_t i, count = 0, nr_slots = 0, strings_len = 1, head_len, total, done = 0, nr_kept;
	struct kept_group *kept = NULL;
	struct disk_header *h;
	struct disk_group *dg;
	struct writer w;
	int fd, ret = -1, sorted = 1;

	memset(&w, 0, sizeof(w));
	for (i = 0; i < nr; i++) {
		const struct release_summary *s = sums[i];
		size_t k;

		if (!s || !s->clean || !s->path || !s->id || !s->lang || !s->type || !s->date)
			continue;
		if (count && strcmp(clean[count - 1]->path, s->path) >= 0)
			sorted = 0;
		clean[count++] = s;
		strings_len += strlen(s->path) + strlen(s->id) + strlen(s->lang) +
			       strlen(s->type) + strlen(s->date) + 5 + opt_len(s->original_lang) +
			       opt_len(s->embargo) + opt_len(s->updated) + opt_len(s->headline) +
			       opt_len(s->subtitle) + opt_len(s->summary);
		strings_len += list_len(s->places, s->nr_places) +
			       list_len(s->sources, s->nr_sources) +
			       list_len(s->fields, s->nr_fields) +
			       list_len(s->countries, s->nr_countries);
		nr_slots += s->nr_places + s->nr_sources + s->nr_fields + s->nr_countries;
		for (k = 0; k < NR_LISTS; k++)
			nr_slots++;
	}
	if (!sorted)
		qsort(clean, count, sizeof(*clean), sum_path_cmp);
	nr_kept = keep_groups(clean, count, groups, nr_groups, &kept);
	for (i = 0; i < nr_kept; i++)
		strings_len += strlen(kept[i].g->prefix) + 1;
	/* Strings, slots and records are addressed with 32 bits. */
	if (strings_len > UINT32_MAX || nr_slots > UINT32_MAX || count > UINT32_MAX) {
		errno = EFBIG;
		goto out;
	}
	head_len = sizeof(*h) + count * sizeof(struct disk_record) +
		   nr_kept * sizeof(struct disk_group) + nr_slots * 4;
	head_len = (head_len + 7) & ~(size_t)7;
	/* The slots may end off the 8-byte grid: pad them with terminators. */
	nr_slots = (head_len - sizeof(*h) - count * sizeof(struct disk_record) -
		    nr_kept * sizeof(struct disk_group)) / 4;
	total = head_len + strings_len;
	w.buf = xcalloc(1, total);
	h = (struct disk_header *)w.buf;
	dg = (struct disk_group *)(w.buf + sizeof(*h) + count * sizeof(struct disk_record));
	w.slots = (uint32_t *)(dg + nr_kept);
	w.strings = w.buf + head_len;
	w.strings_len = 1;   /* offset 0: NULL */
	for (i = 0; i < count; i++)
		put_disk_record(&w, (struct disk_record *)(w.buf + sizeof(*h)) + i, clean[i]);
	for (i = 0; i < nr_kept; i++) {
		const struct summary_group *g = kept[i].g;

		dg[i].key[0] = g->key.size;
		dg[i].key[1] = g->key.mtime_ns;
		dg[i].key[2] = g->key.ino;
		dg[i].key[3] = g->key.dev;
		dg[i].prefix = add_str(&w, g->prefix);
		dg[i].first = (uint32_t)kept[i].first;
		dg[i].nr = (uint32_t)g->nr;
	}
	header_init(h, site_hash);
	h->size = total;
	h->count = count;
	h->nr_groups = nr_kept;
	h->nr_slots = nr_slots;
	h->strings_size = strings_len;
	h->checksum = checksum64(w.buf + CHECKSUMMED_FROM, total - CHECKSUMMED_FROM);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		goto out;
	while (done < total) {
		ssize_t n = write(fd, w.buf + done, total - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (close(fd) < 0 || done < total || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		goto out;
	}
	ret = 0;
out:
	free(w.buf);
	free(tmp);
	free(kept);
	free(clean);
	return ret;
}

int summary_cache_reseal(const char *path)
{
	struct disk_header h;
	char *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd = open(path, O_RDWR | O_CLOEXEC), ret = -1;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(h))
		goto out;
	buf = xmalloc((size_t)st.st_size);
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	memcpy(&h, buf, sizeof(h));
	h.checksum = checksum64(buf + CHECKSUMMED_FROM, got - CHECKSUMMED_FROM);
	if (pwrite(fd, &h.checksum, sizeof(h.checksum), offsetof(struct disk_header, checksum)) !=
	    (ssize_t)sizeof(h.checksum))
		goto out;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}
