/* build.c - planning the site and making its input documents; see build.h. */
#include "build.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "datetime.h"
#include "fragments.h"
#include "util.h"
#include "xmlutil.h"

/* Part of every output's hash: bump it when what an input document is
 * made of, or how it is described to the hash, changes. */
#define BUILD_HASH_SCHEME "pr-publish-build-hash 3"

/* "2020-10-15T08:00:00Z" and its NUL, and then some: a year of up to 7
 * digits (an entry has two, and a smaller entry is a faster plan). */
#define INSTANT_SIZE 24

#define OUTPUT_HASH_BYTES (OUTPUT_HASH_HEX / 2)

/* One published language version of a release. */
struct entry {
	const struct release_summary *rel;
	size_t src;             /* its index in the build's sources */
	size_t lang;            /* index in site->languages */
	const char *path;       /* "en/2020/2020-10-15-x.html", in p->paths */
	char day[11];           /* rel->date's first ten characters, here for speed */
	char published[INSTANT_SIZE];     /* the embargo's instant, else the date at 00:00Z */
	char updated[INSTANT_SIZE];       /* the newest of published and the corrections */
	/* rel->item, then rel->content, as bytes (jh_item) */
	unsigned char digests[2 * OUTPUT_HASH_BYTES];
	struct entry **versions;   /* every language version, self included (in p->by_id) */
	size_t nr_versions;
	int withdrawn;          /* a notice at its address, in no listing or feed */
	/* The site's terms of its fields, then of its sources (indexes in
	 * site->terms[], in p->term_refs): looked up once, in the summaries'
	 * order, not in each language's listings' pass over them. */
	const uint32_t *terms;
	unsigned nr_terms[2];
	int dirty;              /* changed since the memo's or the record's build */
	xmlDocPtr texts;        /* headline, subtitle, summary parsed; made when first needed */
	int texts_done;
};

enum group_type {
	GROUP_HOME,
	GROUP_YEAR,
	GROUP_MONTH,
	GROUP_FIELD,
	GROUP_SOURCE,
	GROUP_NR
};

static const char *const group_names[GROUP_NR] = { "home", "year", "month", "field", "source" };

/* A listing: the entries of one language in one home, year, month, field
 * or source, newest first.  Its pages are numbered from the oldest, so that
 * a page once full never changes when newer releases come: page k (1..P)
 * holds the k-th page-size items counted from the oldest, and index.html
 * the rest, the newest (all of them when there are fewer than page-size,
 * else between page-size and twice that less one; see list_span()). */
struct group {
	enum group_type type;
	size_t lang;
	char *key;              /* NULL, "2020", "2020-10", a taxonomy key */
	const char *label;      /* the term's label in the language, or NULL */
	char *dir;              /* "en/fields/arms-control/" */
	struct entry **items;   /* home, year, month: a slice of p->by_lang, not owned */
	size_t nr, alloc;
	int owns_items;
	size_t numbered;        /* P: the numbered pages, page-1.html..page-P.html */
};

enum job_type {
	JOB_ROOT,
	JOB_CSS,
	JOB_SITEMAP,    /* sitemap.xml: the index of the sitemaps below */
	JOB_SITEMAP_PART,   /* sitemap-pages.xml, or a year's sitemap-YYYY.xml */
	JOB_INDEX,      /* fields, sources or archive index of a language */
	JOB_LIST,       /* one page of a group */
	JOB_FEED,       /* RSS and Atom of a group */
	JOB_RELEASE,
};

enum index_type { INDEX_ARCHIVE, INDEX_FIELDS, INDEX_SOURCES };

/* One file of the sitemap: the pages that are not releases (year[0] is
 * NUL), or the releases of one year, p->entries[first..end) less the
 * withdrawn.  A new release rewrites its year's file and the index only. */
struct sitemap_part {
	char year[8];
	size_t first, end;
	char lastmod[INSTANT_SIZE];   /* the newest of its pages' dates, or "" */
};
static const char *const index_names[] = { "archive", "fields", "sources" };

struct job {
	enum job_type type;
	size_t lang;
	const struct group *group;
	struct entry *entry;
	size_t page;            /* JOB_LIST: 0 the index, else 1..P from the oldest */
	const struct sitemap_part *part;   /* JOB_SITEMAP_PART */
	enum index_type index;
	const char *paths[2];   /* its outputs: one, or RSS and Atom */
	char *owned[2];         /* those of them made for it */
	char hash[2][OUTPUT_HASH_HEX + 1];
	int written[2];         /* 1 rendered, 0 carried over (phase two) */
	int fresh[2];           /* the previous build made it from this hash */
	size_t known[2];        /* where its manifest has it (output_tree_is_fresh()) */
	int kept[2];            /* carried over before phase two (keep_fresh()) */
	int untouched;          /* p->bulk and shows no dirty entry: neither its paths nor
				 * its hashes are looked at (output_tree_keep_rest()) */
};

/*
 * The releases jobs show in full, loaded once and shared.  Feeds overlap:
 * a language's newest releases are in its feed, in their fields' and their
 * sources' feeds, and each has its page; parsing a release again for each
 * of them made a full build of 12,500 releases parse 19,144.  So a job
 * takes a release from this table (by entry) and gives it back; it stays
 * loaded while jobs use it, and afterwards while a job still to run shows
 * it (pending), up to SHARED_KEEP of those, the least recently used going
 * first.  Phase two runs each release's page right after the last feed
 * that shows it (order_jobs()), so that nearly every release is parsed
 * once.  Jobs on other threads use the same copy: the stylesheets only
 * read it (render_releases_read_only()); when they may write to it, every
 * job loads its own, as the loader gives it.
 */
#define SHARED_KEEP 512    /* ~30 KB each loaded: some 15 MB */

struct shared_release {
	struct release *rel;    /* the loader's, or NULL */
	struct render_memo memo;   /* what rendering it kept, while it is loaded */
	size_t users;           /* jobs rendering with it now */
	size_t pending;         /* jobs to run that show it (a hint: see count_pending()) */
	int loading;            /* a thread is loading it; the others wait */
	struct shared_release *older, *newer;   /* in kept while unused */
};

struct shared_releases {
	int on;                        /* else every job loads its own */
	struct shared_release *by_entry;   /* per entry of p->entries */
	struct shared_release kept;    /* loaded and unused: kept.newer the oldest */
	size_t nr_kept;
	pthread_mutex_t lock;
	pthread_cond_t loaded;         /* a load ended */
};

struct plan {
	const struct site *site;
	const struct build_options *opts;
	struct renderer *r;
	struct diag *d;
	struct build_result *res;
	char *base;             /* base URL, ending in '/' */
	char *host;
	struct entry *entries;  /* sorted: date desc, id, lang */
	size_t nr_entries;
	char *paths;               /* the entries' paths, one after another */
	uint32_t *term_refs;       /* the entries' terms, one after another */
	struct entry **by_id;      /* the entries by id and language */
	struct entry ***by_lang;   /* per language, the entries in order */
	size_t *nr_by_lang;
	struct group *groups;
	size_t nr_groups, alloc_groups;
	struct job *jobs;
	size_t nr_jobs, alloc_jobs;
	struct sitemap_part *sitemap_parts;   /* [0] the other pages, then years, newest first */
	size_t nr_sitemap_parts;
	xmlNodePtr *site_nodes;    /* per language, the <site> element to copy */
	xmlDocPtr scratch;         /* owns site_nodes */
	struct output_tree *tree;
	const struct build_loader *loader;
	struct job *release_jobs;  /* the entries' pages, in their order, at the end of jobs */
	size_t *order;             /* phase two's jobs, in order (order_jobs()) */
	size_t nr_order;
	struct shared_releases shared;
	struct group **group_index;   /* sorted by type, lang, key: find_group() */
	pthread_mutex_t texts_lock;   /* entry->texts */
	int inline_releases;       /* copy releases into inputs (PR_PUBLISH_DUMP_INPUTS) */
	const struct render_release *inline_rels;   /* the releases loaded for it */
	size_t nr_inline_rels;
	char key[OUTPUT_HASH_HEX + 1];   /* the renderer's key and the site file's bytes */
	struct output_sha256 key_sha;    /* a hash begun with key (one block): every job's start */
	const struct build_memo *memo;   /* holds for the jobs that show no dirty entry */
	char shape[OUTPUT_HASH_HEX + 1];   /* plan_shape() */
	int record_holds;          /* else the folder's record does, for the same jobs */
	int check_memo;            /* PR_PUBLISH_CHECK_MEMO: hash those too, and compare */
	/* The record holds and every output of its manifest is in the
	 * folder: a job that shows no dirty entry keeps its outputs as the
	 * manifest has them, unlooked-at (job->untouched). */
	int bulk;
	int hashed;                /* every job's hash is known: worth a memo */
	/* Phase two runs on several threads; the first failure stops them. */
	pthread_mutex_t lock;
	int failed;
	char *error;               /* a stylesheet's failure, reported afterwards */
};

/* ---- small helpers ------------------------------------------------------ */

static void iso_instant(time_t t, char out[INSTANT_SIZE])
{
	struct date d;
	long secs;
	char buf[64] = "";

	date_from_time(t, &d);
	secs = (long)(t - (time_t)date_to_days(&d) * 86400);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02ld:%02ld:%02ldZ", d.year, d.month, d.day,
		 secs / 3600, secs / 60 % 60, secs % 60);
	memcpy(out, buf, INSTANT_SIZE - 1);
	out[INSTANT_SIZE - 1] = '\0';
}

static size_t page_size(const struct plan *p)
{
	return p->site->page_size > 0 ? (size_t)p->site->page_size : 20;
}

static const char *lang_code(const struct plan *p, size_t lang)
{
	return p->site->languages[lang].code;
}

static size_t lang_index(const struct site *site, const char *code)
{
	size_t i;

	for (i = 0; i < site->nr_languages; i++)
		if (!strcmp(site->languages[i].code, code))
			return i;
	return 0;
}

/* a then b, in a new string. */
static char *str_concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = xmalloc(la + lb + 1);

	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

/* "../../" for "en/2020/x.html". */
static char *root_of(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	const char *c;

	strbuf_addstr(&sb, "");
	for (c = path; *c; c++)
		if (*c == '/')
			strbuf_addstr(&sb, "../");
	return strbuf_detach(&sb);
}

static xmlNodePtr add_el(xmlNodePtr parent, const char *name)
{
	return xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);
}

static xmlNodePtr add_text_el(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
}

static void set_attr(xmlNodePtr node, const char *name, const char *value)
{
	if (value)
		xmlNewProp(node, (const xmlChar *)name, (const xmlChar *)value);
}

static void set_attr_num(xmlNodePtr node, const char *name, size_t n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%zu", n);
	set_attr(node, name, buf);
}

/* The text of the site file's <NAME xml:lang="LANG"> (title, publisher),
 * else the default language's. */
static const xmlNode *site_text_node(const struct site *site, const char *name, const char *lang)
{
	const xmlNode *root = xmlDocGetRootElement(site->xml->doc), *c, *fallback = NULL;

	for (c = root->children; c; c = c->next) {
		const char *l;
		if (!xml_is(c, name))
			continue;
		l = xml_lang_attr(site->xml, c);
		if (l && !strcmp(l, lang))
			return c;
		if (!fallback || (l && !strcmp(l, site->languages[0].code)))
			fallback = c;
	}
	return fallback;
}

/* ---- entries -------------------------------------------------------------- */

/* What the entries are sorted by, made once per release: the date as a
 * number (0 when it is not YYYY-MM-DD: compared as text then), so that
 * the sort compares numbers, and strings only on a tie. */
struct entry_key {
	const struct release_summary *rel;
	size_t src;
	unsigned date;
	time_t embargo;         /* the lifted embargo's instant, else 0 */
	size_t path_at, ref_at; /* its room in p->paths and p->term_refs */
};

static unsigned date_key(const char *d)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (d[i] != '-')
				return 0;
			continue;
		}
		if (d[i] < '0' || d[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(d[i] - '0');
	}
	return d[10] ? 0 : v + 1;
}

/* Date (newest first), id, language: the order of every listing. */
static int entry_key_cmp(const void *a, const void *b)
{
	const struct entry_key *x = a, *y = b;
	int c;

	if (x->date && y->date) {
		if (x->date != y->date)
			return x->date < y->date ? 1 : -1;
	} else if ((c = strcmp(y->rel->date, x->rel->date))) {
		return c;
	}
	c = strcmp(x->rel->id, y->rel->id);
	return c ? c : strcmp(x->rel->lang, y->rel->lang);
}

/*
 * The keys in listing order.  The summaries come in the order of their
 * paths, releases/YYYY/<id>.<lang>.xml, and an id begins with its date:
 * that is by date, then id, then language, oldest first.  Then the order
 * wanted is the runs of one date, newest run first, each as it is; a
 * check of that and a copy cost less than the sort (1.7 ms at 12,500
 * releases), which stays for any other order.
 */
static void sort_keys(struct entry_key *keys, size_t nr)
{
	struct entry_key *out;
	size_t i, end, at = 0;

	for (i = 1; i < nr; i++) {
		const struct entry_key *x = &keys[i - 1], *y = &keys[i];
		int c;

		if (!x->date || !y->date || x->date > y->date)
			break;
		if (x->date == y->date &&
		    ((c = strcmp(x->rel->id, y->rel->id)) > 0 ||
		     (!c && strcmp(x->rel->lang, y->rel->lang) >= 0)))
			break;
	}
	if (i < nr) {
		qsort(keys, nr, sizeof(*keys), entry_key_cmp);
		return;
	}
	out = xmalloc((nr + 1) * sizeof(*out));
	for (end = nr; end > 0; end = i) {
		for (i = end - 1; i > 0 && keys[i - 1].date == keys[end - 1].date; i--)
			;
		memcpy(out + at, keys + i, (end - i) * sizeof(*out));
		at += end - i;
	}
	memcpy(keys, out, nr * sizeof(*out));
	free(out);
}

static int entry_ptr_by_id(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
	int c = strcmp(x->rel->id, y->rel->id);

	if (c)
		return c;
	return x->lang < y->lang ? -1 : x->lang > y->lang;
}

/* "2020-10-15T00:00:00Z" from the first ten characters of a date. */
static void day_instant(const char *date, char out[INSTANT_SIZE])
{
	size_t n = strnlen(date, 10);

	memcpy(out, date, n);
	memcpy(out + n, "T00:00:00Z", sizeof("T00:00:00Z"));
}

/* The 32 bytes of a SHA-256 written in hex (the summary's hashes are,
 * always in lower case).  Sixteen characters at a time: every entry has
 * two, 1.6 MB of hex at 12,500 releases, a character at a time ~1 ms. */
static void unhex(unsigned char out[OUTPUT_HASH_BYTES], const char *hex)
{
#ifdef __SSE2__
	const __m128i nine = _mm_set1_epi8('9'), zero = _mm_set1_epi8('0');
	const __m128i letter = _mm_set1_epi8('a' - 10 - '0'), upper = _mm_set1_epi8(0x20);
	const __m128i low = _mm_set1_epi16(0x00ff);
	size_t i;

	for (i = 0; i < 2 * OUTPUT_HASH_BYTES; i += 32) {
		__m128i a = _mm_loadu_si128((const __m128i *)(hex + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(hex + i + 16));
		/* '0'-'9' less '0'; 'a'-'f' (or 'A'-'F') less 'a' - 10. */
		__m128i la = _mm_cmpgt_epi8(a, nine), lb = _mm_cmpgt_epi8(b, nine);

		a = _mm_or_si128(a, _mm_and_si128(la, upper));
		b = _mm_or_si128(b, _mm_and_si128(lb, upper));
		a = _mm_sub_epi8(_mm_sub_epi8(a, zero), _mm_and_si128(la, letter));
		b = _mm_sub_epi8(_mm_sub_epi8(b, zero), _mm_and_si128(lb, letter));
		/* Each pair of nibbles, high then low, into the low byte of
		 * its 16-bit lane. */
		a = _mm_and_si128(_mm_or_si128(_mm_slli_epi16(a, 4), _mm_srli_epi16(a, 8)), low);
		b = _mm_and_si128(_mm_or_si128(_mm_slli_epi16(b, 4), _mm_srli_epi16(b, 8)), low);
		_mm_storeu_si128((__m128i *)(out + i / 2), _mm_packus_epi16(a, b));
	}
#else
	size_t i;

	for (i = 0; i < OUTPUT_HASH_BYTES; i++) {
		unsigned char h = (unsigned char)hex[2 * i], l = (unsigned char)hex[2 * i + 1];

		out[i] = (unsigned char)((h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10) << 4 |
					 (l <= '9' ? l - '0' : (l | 0x20) - 'a' + 10));
	}
#endif
}

/* One entry from its key: at its sorted place i, with its path and
 * terms in the room its key was given. */
static void fill_entry(struct plan *p, const struct entry_key *key, size_t i)
{
	const struct release_summary *rel = key->rel;
	struct entry *e = &p->entries[i];
	char *path = p->paths + key->path_at;
	uint32_t *ref = p->term_refs + key->ref_at;
	size_t ll = strlen(rel->lang), il = strlen(rel->id), dl = strnlen(rel->date, 4);
	int t;

	e->rel = rel;
	e->src = key->src;
	e->lang = lang_index(p->site, rel->lang);
	e->withdrawn = rel->withdrawn;
	memcpy(e->day, rel->date, strnlen(rel->date, 10));
	unhex(e->digests, rel->item);
	unhex(e->digests + OUTPUT_HASH_BYTES, rel->content);
	/* "en/2020/2020-10-15-x.html" */
	e->path = path;
	memcpy(path, rel->lang, ll);
	path += ll;
	*path++ = '/';
	memcpy(path, rel->date, dl);
	path += dl;
	*path++ = '/';
	memcpy(path, rel->id, il);
	path += il;
	memcpy(path, ".html", 6);
	if (key->embargo)
		iso_instant(key->embargo, e->published);
	else
		day_instant(rel->date, e->published);
	memcpy(e->updated, e->published, sizeof(e->updated));
	if (rel->updated && strcmp(rel->updated, rel->date) > 0)
		day_instant(rel->updated, e->updated);
	e->terms = ref;
	for (t = 0; t < 2; t++) {
		enum taxonomy tax = t ? TAXONOMY_SOURCES : TAXONOMY_FIELDS;
		char *const *refs = t ? rel->sources : rel->fields;
		size_t n = t ? rel->nr_sources : rel->nr_fields, r;

		for (r = 0; r < n; r++) {
			const struct site_term *term = site_term(p->site, tax, refs[r]);
			if (term) {
				*ref++ = (uint32_t)(term - p->site->terms[tax]);
				e->nr_terms[t]++;
			}
		}
	}
}

/*
 * The entries are filled on every thread, each taking a part of the
 * sources in their order (the summaries are read in the order they lie
 * in memory: in sorted order their cache misses took half of the time),
 * each entry at its sorted place.  Filling 12,500 entries is some 5 ms of
 * fresh memory and cache misses on one thread, while the other waited.
 */
struct filling {
	struct plan *p;
	const struct entry_key *keys;
	const size_t *sorted_at;
	size_t nr, parts;
};

static void fill_part(void *data, size_t part)
{
	const struct filling *f = data;
	size_t j, from = f->nr * part / f->parts, to = f->nr * (part + 1) / f->parts;

	for (j = from; j < to; j++)
		if (f->sorted_at[j] != SIZE_MAX)   /* else under embargo */
			fill_entry(f->p, &f->keys[f->sorted_at[j]], f->sorted_at[j]);
}

static void collect_entries(struct plan *p, struct release_summary *const *rels, size_t nr)
{
	struct entry_key *keys = xcalloc(nr + 1, sizeof(*keys));
	unsigned *keys_date = xcalloc(nr + 1, sizeof(*keys_date));
	size_t *sorted_at = xcalloc(nr + 1, sizeof(*sorted_at));
	time_t next = 0;
	size_t i, j, nr_keys = 0, paths_len = 0, nr_refs = 0;
	int id_by_date = 1;

	for (i = 0; i < nr; i++) {
		const struct release_summary *rel = rels[i];
		time_t t = 0;
		struct date local;
		const char *why;

		if (rel->embargo && !datetime_parse(rel->embargo, &t, &local, &why) &&
		    t > p->opts->now) {
			p->res->embargoed++;
			if (!p->res->next_embargo || t < next ||
			    (t == next && strcmp(rel->id, p->res->next_embargo_id) < 0)) {
				char inst[INSTANT_SIZE];
				next = t;
				iso_instant(t, inst);
				free(p->res->next_embargo);
				free(p->res->next_embargo_id);
				p->res->next_embargo = xstrdup(inst);
				p->res->next_embargo_id = xstrdup(rel->id);
			}
			continue;
		}
		keys[nr_keys].rel = rel;
		keys[nr_keys].src = i;
		keys[nr_keys].date = date_key(rel->date);
		keys[nr_keys].embargo = rel->embargo ? t : 0;
		keys[nr_keys].path_at = paths_len;
		keys[nr_keys].ref_at = nr_refs;
		nr_keys++;
		/* "en/2020/2020-10-15-x.html" */
		paths_len += strlen(rel->lang) + 6 + strlen(rel->id) + 6;
		nr_refs += rel->nr_fields + rel->nr_sources;
	}
	sort_keys(keys, nr_keys);

	/* Every entry's path in one block (p->paths), in the room its key
	 * was given (fill_part()). */
	for (i = 0; i < nr; i++)
		sorted_at[i] = SIZE_MAX;
	for (i = 0; i < nr_keys; i++)
		sorted_at[keys[i].src] = i;
	p->entries = xcalloc(nr_keys + 1, sizeof(*p->entries));
	p->nr_entries = nr_keys;
	p->paths = xmalloc(paths_len + 1);
	p->term_refs = xmalloc((nr_refs + 1) * sizeof(*p->term_refs));
	{
		struct filling f = { p, keys, sorted_at, nr, thread_count() };

		run_on_threads(f.parts, fill_part, &f);
	}
	for (i = 0; i < nr_keys; i++)
		keys_date[i] = keys[i].date;
	free(keys);
	free(sorted_at);
	p->res->releases = p->nr_entries;

	/* Language versions: entries sharing an id, a run of p->by_id in
	 * the order of the site's languages.  An id begins with its date
	 * (a validation rule), so the versions of one are already next to
	 * one another in the entries' order; only if some id does not is
	 * the whole sorted by id. */
	p->by_id = xcalloc(p->nr_entries + 1, sizeof(*p->by_id));
	for (i = 0; i < p->nr_entries; i++) {
		p->by_id[i] = &p->entries[i];
		if (id_by_date && (!keys_date[i] || strncmp(p->entries[i].rel->id, p->entries[i].rel->date, 10)))
			id_by_date = 0;
	}
	if (!id_by_date && p->nr_entries)
		qsort(p->by_id, p->nr_entries, sizeof(*p->by_id), entry_ptr_by_id);
	for (i = 0; i < p->nr_entries; i = j) {
		size_t k;
		for (j = i + 1; j < p->nr_entries && !strcmp(p->by_id[j]->rel->id, p->by_id[i]->rel->id);
		     j++)
			;
		/* In the entries' order they are by language code: by index. */
		for (k = i + 1; id_by_date && k < j; k++) {
			struct entry *e = p->by_id[k];
			size_t m;
			for (m = k; m > i && p->by_id[m - 1]->lang > e->lang; m--)
				p->by_id[m] = p->by_id[m - 1];
			p->by_id[m] = e;
		}
		for (k = i; k < j; k++) {
			p->by_id[k]->versions = p->by_id + i;
			p->by_id[k]->nr_versions = j - i;
		}
	}

	free(keys_date);

	p->by_lang = xcalloc(p->site->nr_languages, sizeof(*p->by_lang));
	p->nr_by_lang = xcalloc(p->site->nr_languages, sizeof(*p->nr_by_lang));
	for (i = 0; i < p->nr_entries; i++)
		p->nr_by_lang[p->entries[i].lang] += !p->entries[i].withdrawn;
	for (i = 0; i < p->site->nr_languages; i++) {
		p->by_lang[i] = xcalloc(p->nr_by_lang[i] + 1, sizeof(struct entry *));
		p->nr_by_lang[i] = 0;
	}
	/* Listings and feeds drop withdrawn releases; their pages stay. */
	for (i = 0; i < p->nr_entries; i++) {
		struct entry *e = &p->entries[i];
		if (!e->withdrawn)
			p->by_lang[e->lang][p->nr_by_lang[e->lang]++] = e;
	}
}

/* ---- groups ---------------------------------------------------------------- */

static struct group *new_group(struct plan *p, enum group_type type, size_t lang, const char *key,
			       const char *label)
{
	struct group *g;
	const char *code = lang_code(p, lang);

	ALLOC_GROW(p->groups, p->nr_groups + 1, p->alloc_groups);
	g = &p->groups[p->nr_groups++];
	memset(g, 0, sizeof(*g));
	g->type = type;
	g->lang = lang;
	g->key = key ? xstrdup(key) : NULL;
	g->label = label;
	switch (type) {
	case GROUP_HOME:
		g->dir = xasprintf("%s/", code);
		break;
	case GROUP_YEAR:
		g->dir = xasprintf("%s/archive/%s/", code, key);
		break;
	case GROUP_MONTH:
		g->dir = xasprintf("%s/archive/%.4s/%s/", code, key, key + 5);
		break;
	case GROUP_FIELD:
		g->dir = xasprintf("%s/fields/%s/", code, key);
		break;
	case GROUP_SOURCE:
	case GROUP_NR:
		g->dir = xasprintf("%s/sources/%s/", code, key);
		break;
	}
	return g;
}

/* Groups are made in a fixed order (language, type, key) and never move
 * afterwards: jobs point at them. */
static void make_groups(struct plan *p)
{
	const struct site *site = p->site;
	size_t lang, i, k;
	int t;

	/* Count first so the array is never reallocated under the jobs. */
	for (lang = 0; lang < site->nr_languages; lang++) {
		struct entry **es = p->by_lang[lang];
		size_t n = p->nr_by_lang[lang];
		struct group *g = new_group(p, GROUP_HOME, lang, NULL, NULL), *year = NULL, *month = NULL;

		/* The entries are in date order: a year, a month is a run. */
		g->items = es;
		g->nr = n;
		for (i = 0; i < n; i++) {
			const char *date = es[i]->day;
			if (!year || strncmp(year->key, date, 4)) {
				char key[8];
				snprintf(key, sizeof(key), "%.4s", date);
				year = new_group(p, GROUP_YEAR, lang, key, NULL);
				year->items = es + i;
			}
			year->nr++;
		}
		for (i = 0; i < n; i++) {
			const char *date = es[i]->day;
			if (!month || strncmp(month->key, date, 7)) {
				char key[8];
				snprintf(key, sizeof(key), "%.7s", date);
				month = new_group(p, GROUP_MONTH, lang, key, NULL);
				month->items = es + i;
			}
			month->nr++;
		}
		/* One pass over the entries per taxonomy, then the groups in
		 * the site's order of terms. */
		for (t = 0; t < 2; t++) {
			enum taxonomy tax = t ? TAXONOMY_SOURCES : TAXONOMY_FIELDS;
			size_t nt = site->nr_terms[tax];
			struct entry ***lists = xcalloc(nt + 1, sizeof(*lists));
			size_t *nrs = xcalloc(nt + 1, sizeof(*nrs)), *allocs = xcalloc(nt + 1, sizeof(*allocs));

			for (i = 0; i < n; i++) {
				const uint32_t *refs = es[i]->terms + (t ? es[i]->nr_terms[0] : 0);
				size_t r;

				for (r = 0; r < es[i]->nr_terms[t]; r++) {
					k = refs[r];
					if (nrs[k] && lists[k][nrs[k] - 1] == es[i])
						continue;
					ALLOC_GROW(lists[k], nrs[k] + 1, allocs[k]);
					lists[k][nrs[k]++] = es[i];
				}
			}
			for (k = 0; k < nt; k++) {
				const struct site_term *term = &site->terms[tax][k];
				struct group *tg;

				if (!nrs[k])
					continue;
				tg = new_group(p, t ? GROUP_SOURCE : GROUP_FIELD, lang, term->key,
					       site_term_label(site, term, lang_code(p, lang))->text);
				tg->items = lists[k];
				tg->nr = nrs[k];
				tg->alloc = allocs[k];
				tg->owns_items = 1;
			}
			for (k = 0; k < nt; k++)
				if (!nrs[k])
					free(lists[k]);
			free(lists);
			free(nrs);
			free(allocs);
		}
	}
	for (i = 0; i < p->nr_groups; i++) {
		struct group *g = &p->groups[i];
		size_t size = page_size(p);
		g->numbered = g->nr < size ? 0 : g->nr / size - 1;
	}
}

/* The items page shows (0 the index, else 1..P from the oldest), as a
 * span of g->items (newest first): *first and the count returned. */
static size_t list_span(const struct plan *p, const struct group *g, size_t page, size_t *first)
{
	size_t size = page_size(p);

	if (!page) {
		*first = 0;
		return g->nr - g->numbered * size;
	}
	*first = g->nr - page * size;
	return size;
}

static int group_cmp3(enum group_type type, size_t lang, const char *key, const struct group *g)
{
	if (type != g->type)
		return type < g->type ? -1 : 1;
	if (lang != g->lang)
		return lang < g->lang ? -1 : 1;
	if (!key || !g->key)
		return !key ? (g->key ? -1 : 0) : 1;
	return strcmp(key, g->key);
}

static int group_ptr_cmp(const void *a, const void *b)
{
	const struct group *x = *(struct group *const *)a, *y = *(struct group *const *)b;

	return group_cmp3(x->type, x->lang, x->key, y);
}

/* The groups sorted by type, language and key, for find_group(). */
static void index_groups(struct plan *p)
{
	size_t i;

	p->group_index = xcalloc(p->nr_groups + 1, sizeof(*p->group_index));
	for (i = 0; i < p->nr_groups; i++)
		p->group_index[i] = &p->groups[i];
	if (p->nr_groups)
		qsort(p->group_index, p->nr_groups, sizeof(*p->group_index), group_ptr_cmp);
}

static const struct group *find_group(const struct plan *p, enum group_type type, size_t lang,
				      const char *key)
{
	size_t lo = 0, hi = p->nr_groups;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = group_cmp3(type, lang, key, p->group_index[mid]);
		if (!c)
			return p->group_index[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* page 0 is the listing's index.html, page k its page-k.html. */
static char *group_page_path(const struct group *g, size_t page)
{
	char name[48];

	if (!page)
		return str_concat(g->dir, "index.html");
	snprintf(name, sizeof(name), "page-%zu.html", page);
	return str_concat(g->dir, name);
}

/* ---- jobs ------------------------------------------------------------------ */

static struct job *add_job(struct plan *p, enum job_type type, size_t lang)
{
	struct job *j;

	ALLOC_GROW(p->jobs, p->nr_jobs + 1, p->alloc_jobs);
	j = &p->jobs[p->nr_jobs++];
	memset(j, 0, sizeof(*j));
	j->type = type;
	j->lang = lang;
	return j;
}

/* The sitemap's files: the other pages, then each year with a published
 * release that is not withdrawn (those are in no sitemap). */
static void make_sitemap_parts(struct plan *p)
{
	struct sitemap_part *part;
	size_t i, lang, n = 1;

	/* One for the other pages, one per year (the entries are by date). */
	for (i = 0; i < p->nr_entries; i++)
		if (!i || strncmp(p->entries[i - 1].rel->date, p->entries[i].rel->date, 4))
			n++;
	p->sitemap_parts = xcalloc(n + 1, sizeof(*p->sitemap_parts));
	part = &p->sitemap_parts[p->nr_sitemap_parts++];
	for (lang = 0; lang < p->site->nr_languages; lang++) {
		const struct group *home = find_group(p, GROUP_HOME, lang, NULL);
		if (home && home->nr && strcmp(home->items[0]->updated, part->lastmod) > 0)
			memcpy(part->lastmod, home->items[0]->updated, INSTANT_SIZE);
	}
	part = NULL;
	for (i = 0; i < p->nr_entries; i++) {
		const struct entry *e = &p->entries[i];

		if (e->withdrawn)
			continue;
		if (!part || strncmp(part->year, e->rel->date, 4)) {
			part = &p->sitemap_parts[p->nr_sitemap_parts++];
			snprintf(part->year, sizeof(part->year), "%.4s", e->rel->date);
			part->first = i;
		}
		part->end = i + 1;
		if (strcmp(e->updated, part->lastmod) > 0)
			memcpy(part->lastmod, e->updated, INSTANT_SIZE);
	}
}

static char *sitemap_part_path(const struct sitemap_part *part)
{
	return part->year[0] ? xasprintf("sitemap-%s.xml", part->year) : xstrdup("sitemap-pages.xml");
}

static void make_jobs(struct plan *p)
{
	size_t i, pg, n = 3 + p->nr_sitemap_parts + 3 * p->site->nr_languages + p->nr_entries;
	int ix;

	/* How many, first: the table is 18,000 jobs for 12,500 releases. */
	for (i = 0; i < p->nr_groups; i++)
		n += p->groups[i].numbered + 2;
	/* Not zeroed here: add_job() clears each (18,000 jobs, 4.8 MB). */
	p->jobs = xmalloc(n * sizeof(*p->jobs));
	p->alloc_jobs = n;

	add_job(p, JOB_ROOT, 0);
	add_job(p, JOB_CSS, 0);
	add_job(p, JOB_SITEMAP, 0);
	for (i = 0; i < p->nr_sitemap_parts; i++)
		add_job(p, JOB_SITEMAP_PART, 0)->part = &p->sitemap_parts[i];
	for (i = 0; i < p->site->nr_languages; i++)
		for (ix = INDEX_ARCHIVE; ix <= INDEX_SOURCES; ix++)
			add_job(p, JOB_INDEX, i)->index = (enum index_type)ix;
	for (i = 0; i < p->nr_groups; i++) {
		const struct group *g = &p->groups[i];
		for (pg = 0; pg <= g->numbered; pg++) {
			struct job *j = add_job(p, JOB_LIST, g->lang);
			j->group = g;
			j->page = pg;
		}
		if (g->type == GROUP_HOME || g->type == GROUP_FIELD || g->type == GROUP_SOURCE)
			add_job(p, JOB_FEED, g->lang)->group = g;
	}
	p->release_jobs = p->jobs + p->nr_jobs;
	for (i = 0; i < p->nr_entries; i++)
		add_job(p, JOB_RELEASE, p->entries[i].lang)->entry = &p->entries[i];
}

/* ---- input documents ------------------------------------------------------- */

/* <site>: what every page shows of the site, in one language. */
static xmlNodePtr make_site_node(struct plan *p, size_t lang)
{
	const struct site *site = p->site;
	const char *code = lang_code(p, lang);
	xmlNodePtr node = xmlNewDocNode(p->scratch, NULL, (const xmlChar *)"site", NULL);
	const xmlNode *title = site_text_node(site, "title", code);
	const xmlNode *publisher = site_text_node(site, "publisher", code);
	size_t i;

	set_attr(node, "lang", code);
	set_attr(node, "default-lang", site->languages[0].code);
	set_attr(node, "base", p->base);
	set_attr(node, "host", p->host);
	set_attr(node, "title", title ? xml_text(site->xml, title) : "");
	set_attr(node, "publisher", publisher ? xml_text(site->xml, publisher) : "");
	set_attr(node, "publisher-abbr", publisher ? xml_attr(site->xml, publisher, "abbr") : NULL);
	for (i = 0; i < site->nr_languages; i++) {
		const struct site_language *l = &site->languages[i];
		const xmlNode *t = site_text_node(site, "title", l->code);
		xmlNodePtr ln = add_el(node, "language");

		set_attr(ln, "code", l->code);
		set_attr(ln, "name", l->name);
		set_attr(ln, "locale", l->dictionary ? l->dictionary : l->code);
		set_attr(ln, "title", t ? xml_text(site->xml, t) : "");
	}
	return node;
}

static xmlDocPtr new_input(struct plan *p, const char *root_name, const char *kind, size_t lang,
			   const char *path, xmlNodePtr *root_out)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = xmlNewDocNode(doc, NULL, (const xmlChar *)root_name, NULL);
	char *rel_root = root_of(path);

	xmlDocSetRootElement(doc, root);
	set_attr(root, "kind", kind);
	set_attr(root, "lang", lang_code(p, lang));
	set_attr(root, "path", path);
	set_attr(root, "root", rel_root);
	free(rel_root);
	xmlAddChild(root, xmlDocCopyNode(p->site_nodes[lang], doc, 1));
	*root_out = root;
	return doc;
}

static void add_copy(xmlNodePtr parent, const xmlNode *node)
{
	if (node)
		xmlAddChild(parent, xmlDocCopyNode((xmlNodePtr)node, parent->doc, 1));
}

static void add_terms(struct plan *p, xmlNodePtr item, const struct entry *e, enum taxonomy tax,
		      const char *el, char *const *refs, size_t nr)
{
	const char *code = lang_code(p, e->lang);
	struct strbuf path = STRBUF_INIT;
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct site_term *term = site_term(p->site, tax, refs[i]);
		const struct site_label *label = term ? site_term_label(p->site, term, code) : NULL;
		xmlNodePtr n = add_text_el(item, el, label ? label->text : refs[i]);

		set_attr(n, "key", refs[i]);
		if (tax != TAXONOMY_COUNTRIES) {
			/* Not xasprintf(): printf's machinery, for some
			 * 100,000 paths a full build, was 1% of its time. */
			strbuf_reset(&path);
			strbuf_addstr(&path, code);
			strbuf_addstr(&path, tax == TAXONOMY_FIELDS ? "/fields/" : "/sources/");
			strbuf_addstr(&path, refs[i]);
			strbuf_addstr(&path, "/index.html");
			set_attr(n, "path", path.buf);
		}
	}
	strbuf_release(&path);
}

enum item_detail { ITEM_SHORT, ITEM_FULL };

/* The headline, subtitle and summary of e as nodes (children of the root
 * of e->texts), parsed from the summary's XML once, on first use. */
static const xmlNode *entry_texts(struct plan *p, struct entry *e)
{
	struct strbuf sb = STRBUF_INIT;
	const struct release_summary *s = e->rel;
	const xmlNode *root;
	xmlDocPtr mine;

	/* Made once, then only read.  Parsed outside the lock, which only
	 * publishes (parsed under it, the other thread waited for the
	 * parser: 3,000 sleeps a full build); two threads may parse the
	 * same at once, and the first keeps its own. */
	if (__atomic_load_n(&e->texts_done, __ATOMIC_ACQUIRE))
		goto made;
	strbuf_addstr(&sb, "<s>");
	if (s->headline)
		strbuf_addstr(&sb, s->headline);
	if (s->subtitle)
		strbuf_addstr(&sb, s->subtitle);
	if (s->summary)
		strbuf_addstr(&sb, s->summary);
	strbuf_addstr(&sb, "</s>");
	/* Our own serialisation of validated elements: no DTD, no entities
	 * but the predefined ones, no network. */
	mine = xmlReadMemory(sb.buf, (int)sb.len, NULL, "UTF-8",
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	strbuf_release(&sb);
	pthread_mutex_lock(&p->texts_lock);
	if (!e->texts_done) {
		e->texts = mine;
		mine = NULL;
		__atomic_store_n(&e->texts_done, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&p->texts_lock);
	if (mine)
		xmlFreeDoc(mine);
made:
	root = e->texts ? xmlDocGetRootElement(e->texts) : NULL;
	return root ? root->children : NULL;
}

/* The root of the loaded release of e, when the dump copies it in. */
static const xmlNode *inline_root(const struct plan *p, const struct entry *e)
{
	size_t i;

	for (i = 0; i < p->nr_inline_rels; i++)
		if (!strcmp(p->inline_rels[i].id, e->rel->id) &&
		    !strcmp(p->inline_rels[i].lang, e->rel->lang))
			return p->inline_rels[i].root;
	return NULL;
}

/* An <item> with what names its release: id, lang, then (whole) type and
 * original-lang, then path, date, month. */
static xmlNodePtr add_item_el(xmlNodePtr parent, const struct entry *e, int whole)
{
	const struct release_summary *rel = e->rel;
	xmlNodePtr item = add_el(parent, "item");
	char ym[8] = { 0 };

	set_attr(item, "id", rel->id);
	set_attr(item, "lang", rel->lang);
	if (whole) {
		set_attr(item, "type", rel->type);
		set_attr(item, "original-lang", rel->original_lang);
	}
	set_attr(item, "path", e->path);
	set_attr(item, "date", rel->date);
	/* 2020-10, the date's first seven bytes (no printf: an item a
	 * listing shows, some 100,000 a full build) */
	memcpy(ym, rel->date, strnlen(rel->date, 7));
	set_attr(item, "month", ym);
	return item;
}

static xmlNodePtr add_item(struct plan *p, xmlNodePtr parent, struct entry *e,
			   enum item_detail detail)
{
	const struct release_summary *rel = e->rel;
	const xmlNode *t;
	xmlNodePtr item = add_item_el(parent, e, 1);
	size_t i;

	set_attr(item, "published", e->published);
	set_attr(item, "updated", e->updated);
	{
		/* tag:host,2020-10-15:2020-10-15-x/en (as add_terms() makes a
		 * path: not with printf) */
		struct strbuf guid = STRBUF_INIT;

		strbuf_addstr(&guid, "tag:");
		strbuf_addstr(&guid, p->host);
		strbuf_addch(&guid, ',');
		strbuf_add(&guid, rel->id, strnlen(rel->id, 10));
		strbuf_addch(&guid, ':');
		strbuf_addstr(&guid, rel->id);
		strbuf_addch(&guid, '/');
		strbuf_addstr(&guid, rel->lang);
		set_attr(item, "guid", guid.buf);
		strbuf_release(&guid);
	}
	for (t = entry_texts(p, e); t; t = t->next)
		if (t->type == XML_ELEMENT_NODE)
			add_copy(item, t);
	for (i = 0; i < rel->nr_places; i++)
		add_text_el(item, "place", rel->places[i]);
	add_terms(p, item, e, TAXONOMY_FIELDS, "field", rel->fields, rel->nr_fields);
	add_terms(p, item, e, TAXONOMY_SOURCES, "source", rel->sources, rel->nr_sources);
	if (detail == ITEM_FULL) {
		add_terms(p, item, e, TAXONOMY_COUNTRIES, "country", rel->countries,
			  rel->nr_countries);
		/* The stylesheets reach the release through pr:release(); its
		 * bytes are in the job's hash through its content hash. */
		if (p->inline_releases)
			add_copy(item, inline_root(p, e));
	}
	return item;
}

/* A listing's item: what the page shows outside its teasers (which are
 * made once a build, pr:fragment), and its entry, for pr:item() to make
 * the whole <item> of when a teaser is made.  A listing page made 81,000
 * whole items at 12,500 releases, most for teasers already made: a third
 * of the listings' time. */
static xmlNodePtr add_listed_item(xmlNodePtr parent, struct entry *e)
{
	xmlNodePtr item = add_item_el(parent, e, 0);

	item->_private = e;
	return item;
}

static void add_alternate(xmlNodePtr parent, const char *lang, const char *path, int original)
{
	xmlNodePtr a = add_el(parent, "alternate");

	set_attr(a, "lang", lang);
	set_attr(a, "path", path);
	if (original)
		set_attr(a, "original", "1");
}

/* The same group in the other languages, for the language switcher. */
static void add_group_alternates(struct plan *p, xmlNodePtr root, const struct group *g)
{
	size_t lang;

	for (lang = 0; lang < p->site->nr_languages; lang++) {
		const struct group *o;
		char *path;

		if (lang == g->lang || !(o = find_group(p, g->type, lang, g->key)))
			continue;
		path = group_page_path(o, 0);
		add_alternate(root, lang_code(p, lang), path, 0);
		free(path);
	}
}

static xmlDocPtr doc_root(struct plan *p, const char **path_out, char **path_owned)
{
	xmlNodePtr root;
	xmlDocPtr doc = new_input(p, "page", "languages", 0, "index.html", &root);
	size_t lang;

	*path_out = "index.html";
	*path_owned = NULL;
	for (lang = 0; lang < p->site->nr_languages; lang++) {
		const struct group *g = find_group(p, GROUP_HOME, lang, NULL);
		char *path = group_page_path(g, 0);
		add_alternate(root, lang_code(p, lang), path, 0);
		free(path);
	}
	return doc;
}

/* sitemap.xml: the sitemap index, every part with its date. */
static xmlDocPtr doc_sitemap(struct plan *p)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = xmlNewDocNode(doc, NULL, (const xmlChar *)"sitemap-index", NULL);
	size_t i;

	xmlDocSetRootElement(doc, root);
	set_attr(root, "base", p->base);
	for (i = 0; i < p->nr_sitemap_parts; i++) {
		const struct sitemap_part *part = &p->sitemap_parts[i];
		xmlNodePtr sm = add_el(root, "sitemap");
		char *path = sitemap_part_path(part);

		set_attr(sm, "path", path);
		if (part->lastmod[0])
			set_attr(sm, "lastmod", part->lastmod);
		free(path);
	}
	return doc;
}

/* A sitemap-YYYY.xml, or sitemap-pages.xml: the front door and each
 * language's newest releases. */
static xmlDocPtr doc_sitemap_part(struct plan *p, const struct sitemap_part *part)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = xmlNewDocNode(doc, NULL, (const xmlChar *)"sitemap", NULL), url;
	size_t lang, i, k;

	xmlDocSetRootElement(doc, root);
	set_attr(root, "base", p->base);
	if (!part->year[0]) {
		url = add_el(root, "url");
		set_attr(url, "path", "index.html");
		for (lang = 0; lang < p->site->nr_languages; lang++) {
			const struct group *g = find_group(p, GROUP_HOME, lang, NULL);
			char *path = group_page_path(g, 0);
			size_t o;

			url = add_el(root, "url");
			set_attr(url, "path", path);
			free(path);
			if (g->nr)
				set_attr(url, "lastmod", g->items[0]->updated);
			for (o = 0; o < p->site->nr_languages; o++) {
				const struct group *og = find_group(p, GROUP_HOME, o, NULL);
				path = group_page_path(og, 0);
				add_alternate(url, lang_code(p, o), path, 0);
				free(path);
			}
		}
		return doc;
	}
	for (i = part->first; i < part->end; i++) {
		const struct entry *e = &p->entries[i];

		if (e->withdrawn)
			continue;
		url = add_el(root, "url");
		set_attr(url, "path", e->path);
		set_attr(url, "lastmod", e->updated);
		if (e->nr_versions > 1)
			for (k = 0; k < e->nr_versions; k++)
				if (!e->versions[k]->withdrawn)
					add_alternate(url, e->versions[k]->rel->lang,
						      e->versions[k]->path, 0);
	}
	return doc;
}

static xmlDocPtr doc_index(struct plan *p, const struct job *j, char **path_out)
{
	const char *code = lang_code(p, j->lang);
	const char *name = index_names[j->index];
	xmlNodePtr root, year = NULL;
	xmlDocPtr doc;
	size_t i, lang;

	*path_out = xasprintf("%s/%s/index.html", code, name);
	doc = new_input(p, "page", "index", j->lang, *path_out, &root);
	set_attr(root, "type", name);
	for (lang = 0; lang < p->site->nr_languages; lang++) {
		char *path;
		if (lang == j->lang)
			continue;
		path = xasprintf("%s/%s/index.html", lang_code(p, lang), name);
		add_alternate(root, lang_code(p, lang), path, 0);
		free(path);
	}
	for (i = 0; i < p->nr_groups; i++) {
		const struct group *g = &p->groups[i];
		xmlNodePtr gn;
		char *path;

		if (g->lang != j->lang)
			continue;
		if (j->index == INDEX_ARCHIVE && g->type != GROUP_YEAR && g->type != GROUP_MONTH)
			continue;
		if (j->index == INDEX_FIELDS && g->type != GROUP_FIELD)
			continue;
		if (j->index == INDEX_SOURCES && g->type != GROUP_SOURCE)
			continue;
		gn = add_el(g->type == GROUP_MONTH && year ? year : root, "group");
		if (g->type == GROUP_YEAR)
			year = gn;
		set_attr(gn, "type", group_names[g->type]);
		set_attr(gn, "key", g->key);
		set_attr(gn, "label", g->label);
		path = group_page_path(g, 0);
		set_attr(gn, "path", path);
		free(path);
		set_attr_num(gn, "count", g->nr);
	}
	return doc;
}

static xmlDocPtr doc_list(struct plan *p, const struct job *j, char **path_out)
{
	const struct group *g = j->group;
	size_t first, n = list_span(p, g, j->page, &first), i;
	xmlNodePtr root;
	xmlDocPtr doc;

	*path_out = group_page_path(g, j->page);
	doc = new_input(p, "page", "list", g->lang, *path_out, &root);
	set_attr(root, "type", group_names[g->type]);
	set_attr(root, "key", g->key);
	set_attr(root, "label", g->label);
	/* A numbered page says nothing that changes with newer releases
	 * (how many there are, how many pages): it stays as it is. */
	if (j->page) {
		char *newer = group_page_path(g, j->page < g->numbered ? j->page + 1 : 0);
		set_attr_num(root, "page", j->page);
		set_attr(root, "newer", newer);
		free(newer);
	}
	if (j->page != 1 && g->numbered) {
		char *older = group_page_path(g, j->page ? j->page - 1 : g->numbered);
		set_attr(root, "older", older);
		free(older);
	}
	if (g->type == GROUP_HOME || g->type == GROUP_FIELD || g->type == GROUP_SOURCE) {
		char *rss = xasprintf("%srss.xml", g->dir), *atom = xasprintf("%satom.xml", g->dir);
		set_attr(root, "rss", rss);
		set_attr(root, "atom", atom);
		free(rss);
		free(atom);
	}
	/* The same listing in another language has other pages: only the
	 * indexes are one another's alternates. */
	if (!j->page)
		add_group_alternates(p, root, g);
	/* Whole items where the inputs are dumped for xsltproc, which has no
	 * pr:item() to make them. */
	for (i = first; i < first + n; i++)
		if (p->inline_releases)
			add_item(p, root, g->items[i], ITEM_SHORT);
		else
			add_listed_item(root, g->items[i]);
	return doc;
}

/* pr:item() for a listed item of the job's input: the whole <item>, made
 * now in the job's scratch document (render_item_fn). */
struct item_maker {
	struct plan *p;
	xmlDocPtr input, scratch;
};

static xmlNodePtr make_listed_item(void *data, const xmlNode *listed)
{
	struct item_maker *m = data;
	xmlNodePtr root;

	if (!m->input || listed->doc != m->input || !listed->_private)
		return NULL;
	if (!m->scratch) {
		m->scratch = xmlNewDoc((const xmlChar *)"1.0");
		root = xmlNewDocNode(m->scratch, NULL, (const xmlChar *)"items", NULL);
		xmlDocSetRootElement(m->scratch, root);
	}
	return add_item(m->p, xmlDocGetRootElement(m->scratch), listed->_private, ITEM_SHORT);
}

static xmlDocPtr doc_feed(struct plan *p, const struct job *j, char **rss, char **atom)
{
	const struct group *g = j->group;
	size_t limit = p->site->feed_items > 0 ? (size_t)p->site->feed_items : 30, i;
	char updated[INSTANT_SIZE] = "";
	xmlNodePtr root;
	xmlDocPtr doc;
	char *page;

	*rss = xasprintf("%srss.xml", g->dir);
	*atom = xasprintf("%satom.xml", g->dir);
	doc = new_input(p, "feed", group_names[g->type], g->lang, *rss, &root);
	xmlUnsetProp(root, (const xmlChar *)"path");
	xmlUnsetProp(root, (const xmlChar *)"root");
	set_attr(root, "rss", *rss);
	set_attr(root, "atom", *atom);
	set_attr(root, "key", g->key);
	set_attr(root, "label", g->label);
	page = group_page_path(g, 0);
	set_attr(root, "page", page);
	free(page);
	/* The feed changes when an item does: its date is the newest item's,
	 * never the clock's. */
	for (i = 0; i < g->nr && i < limit; i++)
		if (strcmp(g->items[i]->updated, updated) > 0)
			memcpy(updated, g->items[i]->updated, sizeof(updated));
	set_attr(root, "updated", *updated ? updated : "1975-01-01T00:00:00Z");
	for (i = 0; i < g->nr && i < limit; i++)
		add_item(p, root, g->items[i], ITEM_FULL);
	return doc;
}

static xmlDocPtr doc_release(struct plan *p, const struct job *j)
{
	struct entry *e = j->entry;
	xmlNodePtr root;
	xmlDocPtr doc = new_input(p, "page", "release", e->lang, e->path, &root);
	size_t k;

	for (k = 0; k < e->nr_versions; k++) {
		const struct entry *v = e->versions[k];
		if (v == e)
			continue;
		add_alternate(root, v->rel->lang, v->path,
			      !v->rel->original_lang && e->rel->original_lang &&
				      !strcmp(e->rel->original_lang, v->rel->lang));
	}
	add_item(p, root, e, ITEM_FULL);
	return doc;
}

/* ---- rendering ------------------------------------------------------------- */

static const char *const kind_names[RENDER_NR] = { "html", "rss", "atom", "sitemap" };

enum count_as { COUNT_PAGE, COUNT_FEED, COUNT_OTHER };

static void count(struct plan *p, enum count_as as, int written)
{
	size_t *made[] = { &p->res->pages, &p->res->feeds, &p->res->other };
	size_t *wrote[] = { &p->res->pages_written, &p->res->feeds_written, &p->res->other_written };

	(*made[as])++;
	if (written)
		(*wrote[as])++;
}

/* The hash an output is known by: the renderer's key and the site file
 * (p->key), the kind of output, and everything its input document is made
 * of, described without making it: the job's own facts, each item's
 * summary (its item hash) and, for what shows a release in full, the
 * SHA-256 of the release file's bytes (pr:release() reaches those, not the
 * document).  What derives from these and the site file (paths, labels,
 * guids, dates) is covered by them. */
struct job_hasher {
	struct output_sha256 sha;
};

static void jh_str(struct job_hasher *h, const char *s)
{
	if (!s)
		output_sha256_add(&h->sha, "\001", 1);
	else
		output_sha256_add(&h->sha, s, strlen(s) + 1);
}

static void jh_num(struct job_hasher *h, size_t n)
{
	unsigned long long v = n;

	output_sha256_add(&h->sha, &v, sizeof(v));
}

/* An item: its summary's hash, and its file's for what shows it in full;
 * as bytes, half the hex. */
static void jh_item(struct job_hasher *h, const struct entry *e, int full)
{
	output_sha256_add(&h->sha, e->digests, full ? 2 * OUTPUT_HASH_BYTES : OUTPUT_HASH_BYTES);
}

static void describe_job(const struct plan *p, const struct job *j, struct job_hasher *h)
{
	size_t limit = p->site->feed_items > 0 ? (size_t)p->site->feed_items : 30;
	const struct group *g = j->group;
	size_t i, k, lang, first, n;

	jh_num(h, (size_t)j->type);
	jh_num(h, j->lang);
	switch (j->type) {
	case JOB_CSS:
	case JOB_ROOT:
		break;
	case JOB_SITEMAP:
		jh_num(h, p->nr_sitemap_parts);
		for (i = 0; i < p->nr_sitemap_parts; i++) {
			jh_str(h, p->sitemap_parts[i].year);
			jh_str(h, p->sitemap_parts[i].lastmod);
		}
		break;
	case JOB_SITEMAP_PART:
		jh_str(h, j->part->year);
		if (!j->part->year[0]) {
			for (lang = 0; lang < p->site->nr_languages; lang++) {
				const struct group *home = find_group(p, GROUP_HOME, lang, NULL);
				jh_str(h, home && home->nr ? home->items[0]->updated : NULL);
			}
			break;
		}
		for (i = j->part->first; i < j->part->end; i++) {
			const struct entry *e = &p->entries[i];
			if (e->withdrawn)
				continue;
			jh_str(h, e->path);
			jh_str(h, e->updated);
			jh_num(h, e->nr_versions);
			for (k = 0; k < e->nr_versions; k++) {
				jh_num(h, (size_t)e->versions[k]->withdrawn);
				jh_str(h, e->versions[k]->path);
			}
		}
		break;
	case JOB_INDEX:
		jh_num(h, (size_t)j->index);
		for (i = 0; i < p->nr_groups; i++) {
			const struct group *o = &p->groups[i];
			if (o->lang != j->lang)
				continue;
			jh_num(h, (size_t)o->type);
			jh_str(h, o->key);
			jh_num(h, o->nr);
		}
		break;
	case JOB_LIST:
		/* What the page shows, and nothing that changes with newer
		 * releases unless the page does (doc_list()). */
		jh_num(h, (size_t)g->type);
		jh_str(h, g->key);
		jh_num(h, j->page);
		if (j->page) {
			jh_num(h, j->page == g->numbered);
		} else {
			jh_num(h, g->numbered);
			for (lang = 0; lang < p->site->nr_languages; lang++)
				jh_num(h, find_group(p, g->type, lang, g->key) != NULL);
		}
		n = list_span(p, g, j->page, &first);
		for (i = first; i < first + n; i++)
			jh_item(h, g->items[i], 0);
		break;
	case JOB_FEED:
		jh_num(h, (size_t)g->type);
		jh_str(h, g->key);
		for (i = 0; i < g->nr && i < limit; i++)
			jh_item(h, g->items[i], 1);
		break;
	case JOB_RELEASE:
		jh_item(h, j->entry, 1);
		jh_num(h, j->entry->nr_versions);
		for (k = 0; k < j->entry->nr_versions; k++) {
			const struct entry *v = j->entry->versions[k];
			jh_str(h, v->path);
			jh_str(h, v->rel->lang);
			jh_str(h, v->rel->original_lang);
		}
		break;
	}
}

/* The input document of a job (NULL for the CSS) and the paths of its one
 * or two outputs (the caller's). */
static xmlDocPtr job_doc(struct plan *p, const struct job *j, char *paths[2])
{
	xmlDocPtr doc = NULL;
	const char *const_path = NULL;
	char *owned = NULL;

	paths[0] = paths[1] = NULL;
	switch (j->type) {
	case JOB_CSS:
		const_path = "style.css";
		break;
	case JOB_ROOT:
		doc = doc_root(p, &const_path, &owned);
		break;
	case JOB_SITEMAP:
		doc = doc_sitemap(p);
		const_path = "sitemap.xml";
		break;
	case JOB_SITEMAP_PART:
		doc = doc_sitemap_part(p, j->part);
		paths[0] = sitemap_part_path(j->part);
		break;
	case JOB_INDEX:
		doc = doc_index(p, j, &paths[0]);
		break;
	case JOB_LIST:
		doc = doc_list(p, j, &paths[0]);
		break;
	case JOB_FEED:
		doc = doc_feed(p, j, &paths[0], &paths[1]);
		break;
	case JOB_RELEASE:
		doc = doc_release(p, j);
		const_path = j->entry->path;
		break;
	}
	if (!paths[0])
		paths[0] = xstrdup(const_path);
	free(owned);
	return doc;
}

static int job_outputs(const struct job *j, enum render_kind kinds[2], enum count_as *as)
{
	switch (j->type) {
	case JOB_FEED:
		kinds[0] = RENDER_RSS;
		kinds[1] = RENDER_ATOM;
		*as = COUNT_FEED;
		return 2;
	case JOB_SITEMAP:
	case JOB_SITEMAP_PART:
		kinds[0] = RENDER_SITEMAP;
		*as = COUNT_OTHER;
		return 1;
	case JOB_CSS:
	case JOB_ROOT:
		kinds[0] = RENDER_HTML;
		*as = COUNT_OTHER;
		return 1;
	case JOB_INDEX:
	case JOB_LIST:
	case JOB_RELEASE:
		break;
	}
	kinds[0] = RENDER_HTML;
	*as = COUNT_PAGE;
	return 1;
}

/* The entries a job shows in full, through pr:release(). */
static size_t job_full_entries(const struct plan *p, const struct job *j,
			       const struct entry *const **out)
{
	size_t limit = p->site->feed_items > 0 ? (size_t)p->site->feed_items : 30;

	switch (j->type) {
	case JOB_RELEASE:
		*out = (const struct entry *const *)&j->entry;
		return 1;
	case JOB_FEED:
		*out = (const struct entry *const *)j->group->items;
		return j->group->nr < limit ? j->group->nr : limit;
	default:
		*out = NULL;
		return 0;
	}
}

static int lookup_cmp(const void *a, const void *b);

/* The paths of a job's one or two outputs (the caller's). */
static void job_paths(const struct plan *p, struct job *j)
{
	char **own = j->owned;

	own[0] = own[1] = NULL;
	j->paths[1] = NULL;
	switch (j->type) {
	case JOB_CSS:
		j->paths[0] = "style.css";
		break;
	case JOB_ROOT:
		j->paths[0] = "index.html";
		break;
	case JOB_SITEMAP:
		j->paths[0] = "sitemap.xml";
		break;
	case JOB_SITEMAP_PART:
		j->paths[0] = own[0] = sitemap_part_path(j->part);
		break;
	case JOB_INDEX:
		j->paths[0] = own[0] = xasprintf("%s/%s/index.html", lang_code(p, j->lang),
						 index_names[j->index]);
		break;
	case JOB_LIST:
		j->paths[0] = own[0] = group_page_path(j->group, j->page);
		break;
	case JOB_FEED:
		j->paths[0] = own[0] = str_concat(j->group->dir, "rss.xml");
		j->paths[1] = own[1] = str_concat(j->group->dir, "atom.xml");
		break;
	case JOB_RELEASE:
		j->paths[0] = j->entry->path;
		break;
	}
}

/* ---- the memo (build --watch) ------------------------------------------ */

struct build_memo {
	char key[OUTPUT_HASH_HEX + 1];
	struct entry *entries;     /* the plan's, their pointers to summaries dropped */
	size_t nr_entries;
	char *paths;               /* what their path points into */
	uint32_t *term_refs;       /* and their terms */
	struct job *jobs;          /* their hashes; the rest is stale */
	size_t nr_jobs;
};

void build_memo_free(struct build_memo *m)
{
	if (!m)
		return;
	free(m->entries);
	free(m->paths);
	free(m->term_refs);
	free(m->jobs);
	free(m);
}

/* The same in everything the listings, the sitemap and the indexes are
 * made of (the rest: the summary's digest, which is only in the pages and
 * feeds that show it). */
static int same_shape(const struct entry *e, const struct entry *o)
{
	return e->lang == o->lang && e->withdrawn == o->withdrawn &&
	       e->nr_versions == o->nr_versions && !strcmp(e->path, o->path) &&
	       !strcmp(e->published, o->published) && !strcmp(e->updated, o->updated) &&
	       e->nr_terms[0] == o->nr_terms[0] && e->nr_terms[1] == o->nr_terms[1] &&
	       !memcmp(e->terms, o->terms, (e->nr_terms[0] + e->nr_terms[1]) * sizeof(*e->terms));
}

/* Whether the memo's hashes hold for this plan, where it shows no dirty
 * entry: the same key (renderer, site file), the same entries in the same
 * order, each with the digests it had or only those changed; then the
 * groups, pages and jobs are the same, in the same order.  Marks the
 * entries that changed. */
static void use_memo(struct plan *p)
{
	const struct build_memo *m = p->opts->memo ? *p->opts->memo : NULL;
	const char *check = getenv("PR_PUBLISH_CHECK_MEMO");
	size_t i;

	p->check_memo = check && *check;
	if (!m || strcmp(m->key, p->key) || m->nr_entries != p->nr_entries ||
	    m->nr_jobs != p->nr_jobs)
		return;
	for (i = 0; i < p->nr_jobs; i++)
		if (m->jobs[i].type != p->jobs[i].type || m->jobs[i].lang != p->jobs[i].lang ||
		    m->jobs[i].page != p->jobs[i].page)
			return;
	for (i = 0; i < p->nr_entries; i++) {
		struct entry *e = &p->entries[i];
		const struct entry *o = &m->entries[i];

		if (!memcmp(e->digests, o->digests, sizeof(e->digests)))
			continue;
		if (!same_shape(e, o)) {
			for (i = 0; i < p->nr_entries; i++)
				p->entries[i].dirty = 0;
			return;
		}
		e->dirty = 1;
	}
	p->memo = m;
}

/* Whether job j shows a dirty entry (use_memo()): only its hash may have
 * changed. */
static int job_is_dirty(const struct plan *p, const struct job *j)
{
	size_t limit = p->site->feed_items > 0 ? (size_t)p->site->feed_items : 30;
	size_t i, n, first;

	switch (j->type) {
	case JOB_LIST:
		n = list_span(p, j->group, j->page, &first);
		for (i = first; i < first + n; i++)
			if (j->group->items[i]->dirty)
				return 1;
		return 0;
	case JOB_FEED:
		for (i = 0; i < j->group->nr && i < limit; i++)
			if (j->group->items[i]->dirty)
				return 1;
		return 0;
	case JOB_RELEASE:
		/* Its own and the other versions (self included). */
		for (i = 0; i < j->entry->nr_versions; i++)
			if (j->entry->versions[i]->dirty)
				return 1;
		return 0;
	case JOB_ROOT:
	case JOB_CSS:
	case JOB_SITEMAP:
	case JOB_SITEMAP_PART:
	case JOB_INDEX:
		break;
	}
	return 0;
}

/* Hands this plan's entries and hashes to *opts->memo, for the next. */
static void keep_memo(struct plan *p)
{
	struct build_memo *m;
	size_t i;

	if (!p->opts->memo)
		return;
	build_memo_free(*p->opts->memo);
	*p->opts->memo = NULL;
	if (!p->hashed)
		return;
	m = xcalloc(1, sizeof(*m));
	memcpy(m->key, p->key, sizeof(m->key));
	for (i = 0; i < p->nr_entries; i++) {
		struct entry *e = &p->entries[i];

		if (e->texts)
			xmlFreeDoc(e->texts);
		e->texts = NULL;
		e->rel = NULL;
		e->versions = NULL;
	}
	m->entries = p->entries;
	m->nr_entries = p->nr_entries;
	m->paths = p->paths;
	m->term_refs = p->term_refs;
	for (i = 0; i < p->nr_jobs; i++) {
		struct job *j = &p->jobs[i];

		free(j->owned[0]);
		free(j->owned[1]);
		memset(j->owned, 0, sizeof(j->owned));
		memset(j->paths, 0, sizeof(j->paths));
		j->group = NULL;
		j->entry = NULL;
		j->part = NULL;
	}
	m->jobs = p->jobs;
	m->nr_jobs = p->nr_jobs;
	p->entries = NULL;
	p->nr_entries = 0;
	p->paths = NULL;
	p->term_refs = NULL;
	p->jobs = NULL;
	p->nr_jobs = 0;
	*p->opts->memo = m;
}

/*
 * The record: what a new process knows of the last build's plan.  The memo
 * lives only as long as the process; the record is committed with the
 * output's manifest (site_output.h), which lists every output's hash.  It
 * holds the plan's key, its shape (plan_shape()) and, per entry, the first
 * RECORD_DIGEST bytes of each of its two digests:
 *
 *     pr-publish-plan 1\n <key>\n <shape, hex>\n <entries>\n <bytes...>
 *
 * When this plan has the same key and shape, the outputs that show no entry
 * whose digests changed were made from the hash the manifest gives them:
 * they are not hashed again.  Hashing was a fifth of the CPU time of a
 * rebuild after one change at 12,500 releases.
 */
#define RECORD_MAGIC "pr-publish-plan 1\n"
#define RECORD_DIGEST 8

/* Small pieces for a SHA-256, gathered: one output_sha256_add() per few
 * KB, not per piece (plan_shape() has some 200,000 at 12,500 releases). */
struct sha_gather {
	struct output_sha256 sha;
	size_t len;
	unsigned char buf[4096];
};

static void gather(struct sha_gather *g, const void *p, size_t n)
{
	if (g->len + n > sizeof(g->buf)) {
		output_sha256_add(&g->sha, g->buf, g->len);
		g->len = 0;
		if (n > sizeof(g->buf)) {
			output_sha256_add(&g->sha, p, n);
			return;
		}
	}
	memcpy(g->buf + g->len, p, n);
	g->len += n;
}

static void gather_str(struct sha_gather *g, const char *s)
{
	gather(g, s, strlen(s) + 1);
}

/* The shape is hashed in SHAPE_PARTS parts at once, on as many threads
 * as there are (the same parts whatever their number, so the same bytes):
 * 1.4 MB at 12,500 releases, ~2.5 ms of SHA-256 on one thread. */
#define SHAPE_PARTS 4

struct shaping {
	const struct plan *p;
	unsigned char digest[SHAPE_PARTS][OUTPUT_HASH_BYTES];
};

/* Part k: its share of the entries; the last, the jobs' places too. */
static void shape_part(void *data, size_t k)
{
	struct shaping *sh = data;
	const struct plan *p = sh->p;
	struct sha_gather *g = xmalloc(sizeof(*g));
	size_t i, from = p->nr_entries * k / SHAPE_PARTS, to = p->nr_entries * (k + 1) / SHAPE_PARTS;

	output_sha256_init(&g->sha);
	g->len = 0;
	for (i = from; i < to; i++) {
		const struct entry *e = &p->entries[i];
		uint32_t head[5] = { (uint32_t)e->lang, (uint32_t)e->withdrawn,
				     (uint32_t)e->nr_versions, e->nr_terms[0], e->nr_terms[1] };

		gather(g, head, sizeof(head));
		gather_str(g, e->path);
		gather_str(g, e->published);
		gather_str(g, e->updated);
		gather(g, e->terms, (e->nr_terms[0] + e->nr_terms[1]) * sizeof(*e->terms));
	}
	for (i = 0; k == SHAPE_PARTS - 1 && i < p->nr_jobs; i++) {
		const struct job *j = &p->jobs[i];
		uint32_t place[3] = { (uint32_t)j->type, (uint32_t)j->lang, (uint32_t)j->page };

		gather(g, place, sizeof(place));
	}
	output_sha256_add(&g->sha, g->buf, g->len);
	output_sha256_bytes(&g->sha, sh->digest[k]);
	free(g);
}

/* What the listings, sitemap and indexes are made of (same_shape()), for
 * every entry in order, and every job's place: a SHA-256 of the counts
 * and of the parts' SHA-256s, in hex, in p->shape. */
static void plan_shape(struct plan *p)
{
	struct shaping sh;
	struct output_sha256 sha;
	uint32_t counts[2] = { (uint32_t)p->nr_entries, (uint32_t)p->nr_jobs };

	sh.p = p;
	run_on_threads(SHAPE_PARTS, shape_part, &sh);
	output_sha256_init(&sha);
	output_sha256_add(&sha, counts, sizeof(counts));
	output_sha256_add(&sha, sh.digest, sizeof(sh.digest));
	output_sha256_hex(&sha, p->shape);
}

static void record_digests(const struct entry *e, unsigned char out[2 * RECORD_DIGEST])
{
	memcpy(out, e->digests, RECORD_DIGEST);
	memcpy(out + RECORD_DIGEST, e->digests + OUTPUT_HASH_BYTES, RECORD_DIGEST);
}

/* The record of this plan, for the next build (output_tree_set_record()). */
static void make_record(struct plan *p, char **out, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addf(&sb, RECORD_MAGIC "%s\n%s\n%zu\n", p->key, p->shape, p->nr_entries);
	strbuf_grow(&sb, p->nr_entries * 2 * RECORD_DIGEST);
	for (i = 0; i < p->nr_entries; i++) {
		unsigned char d[2 * RECORD_DIGEST];

		record_digests(&p->entries[i], d);
		strbuf_add(&sb, d, sizeof(d));
	}
	*len = sb.len;
	*out = strbuf_detach(&sb);
}

/* When the memo does not hold: whether the folder's record does (then
 * the entries whose digests changed since are marked dirty). */
static void use_record(struct plan *p)
{
	size_t len, i, nr, head;
	const char *rec = output_tree_record(p->tree, &len), *at;
	char *end;

	if (p->memo || !rec)
		return;
	head = sizeof(RECORD_MAGIC) - 1;
	if (len < head + 2 * (OUTPUT_HASH_HEX + 1) || memcmp(rec, RECORD_MAGIC, head) ||
	    memcmp(rec + head, p->key, OUTPUT_HASH_HEX) || rec[head + OUTPUT_HASH_HEX] != '\n' ||
	    memcmp(rec + head + OUTPUT_HASH_HEX + 1, p->shape, OUTPUT_HASH_HEX) ||
	    rec[head + 2 * OUTPUT_HASH_HEX + 1] != '\n')
		return;
	at = rec + head + 2 * (OUTPUT_HASH_HEX + 1);
	/* The count: digits and a newline, within the record. */
	if (!memchr(at, '\n', len - (size_t)(at - rec)) || *at < '0' || *at > '9')
		return;
	errno = 0;
	nr = (size_t)strtoull(at, &end, 10);
	if (errno || *end != '\n' || nr != p->nr_entries)
		return;
	at = end + 1;
	if ((size_t)(rec + len - at) != nr * 2 * RECORD_DIGEST)
		return;
	for (i = 0; i < nr; i++, at += 2 * RECORD_DIGEST) {
		unsigned char d[2 * RECORD_DIGEST];

		record_digests(&p->entries[i], d);
		p->entries[i].dirty = !!memcmp(d, at, sizeof(d));
	}
	p->record_holds = 1;
}

/* The hashes of j's outputs (job_outputs()), made from its description. */
static void job_hashes(const struct plan *p, const struct job *j,
		       char hash[2][OUTPUT_HASH_HEX + 1])
{
	enum render_kind kinds[2];
	enum count_as as;
	int n = job_outputs(j, kinds, &as), k;
	struct job_hasher base;

	base.sha = p->key_sha;
	if (j->type == JOB_CSS) {
		size_t len;
		const char *css = render_css(p->r, &len);
		output_sha256_add(&base.sha, "css", 4);
		output_sha256_add(&base.sha, css, len);
		output_sha256_hex(&base.sha, hash[0]);
		return;
	}
	describe_job(p, j, &base);
	for (k = 0; k < n; k++) {
		struct job_hasher h = base;
		output_sha256_add(&h.sha, kind_names[kinds[k]], strlen(kind_names[kinds[k]]) + 1);
		output_sha256_hex(&h.sha, hash[k]);
	}
}

static void fail_job(struct plan *p, const char *msg);

/* Phase one: every output's path and the hash of what it is made from
 * (the memo's, when it holds for it). */
static void hash_job(struct plan *p, struct job *j)
{
	enum render_kind kinds[2];
	enum count_as as;
	int n = job_outputs(j, kinds, &as), k;

	/* 18,000 paths made and looked up in the manifest, three cache misses
	 * each, were a fifth of a rebuild after one change. */
	if (p->bulk && !job_is_dirty(p, j)) {
		for (k = 0; k < n; k++)
			j->fresh[k] = 1;
		j->untouched = 1;
		return;
	}
	job_paths(p, j);
	if ((p->memo || p->record_holds) && !job_is_dirty(p, j)) {
		int recorded = 1;

		if (p->memo) {
			memcpy(j->hash, p->memo->jobs[j - p->jobs].hash, sizeof(j->hash));
			for (k = 0; k < n; k++)
				j->fresh[k] = output_tree_is_fresh(p->tree, j->paths[k],
								   j->hash[k], &j->known[k]);
		} else {
			/* The manifest's hash, and whether the file is there. */
			for (k = 0; k < n && recorded; k++) {
				int made = output_tree_made_from(p->tree, j->paths[k], j->hash[k],
								 &j->known[k]);
				recorded = made >= 0;
				j->fresh[k] = made > 0;
			}
		}
		if (recorded) {
			if (p->check_memo) {
				char check[2][OUTPUT_HASH_HEX + 1];

				job_hashes(p, j, check);
				for (k = 0; k < n; k++)
					if (strcmp(check[k], j->hash[k]))
						fail_job(p, "internal error: a kept hash does not "
							 "hold (PR_PUBLISH_CHECK_MEMO)");
			}
			return;
		}
		/* Not in the manifest (damaged by hand): hashed as any other. */
	}
	job_hashes(p, j, j->hash);
	/* Whether the previous build made them from the same: here, on the
	 * hashing threads too. */
	for (k = 0; k < n; k++)
		j->fresh[k] = output_tree_is_fresh(p->tree, j->paths[k], j->hash[k], &j->known[k]);
}

/* ---- shared releases (struct shared_releases) ------------------------------ */

static void shared_init(struct plan *p)
{
	struct shared_releases *sh = &p->shared;

	sh->on = render_releases_read_only(p->r);
	sh->by_entry = xcalloc(p->nr_entries + 1, sizeof(*sh->by_entry));
	sh->kept.older = sh->kept.newer = &sh->kept;
	pthread_mutex_init(&sh->lock, NULL);
	pthread_cond_init(&sh->loaded, NULL);
}

static void kept_unlink(struct shared_releases *sh, struct shared_release *s)
{
	s->older->newer = s->newer;
	s->newer->older = s->older;
	s->older = s->newer = NULL;
	sh->nr_kept--;
}

static void kept_add_newest(struct shared_releases *sh, struct shared_release *s)
{
	s->newer = &sh->kept;
	s->older = sh->kept.older;
	s->older->newer = s;
	sh->kept.older = s;
	sh->nr_kept++;
}

static void unload_entry(struct plan *p, size_t entry, struct release *rel)
{
	if (rel && p->loader->unload)
		p->loader->unload(p->loader->data, p->entries[entry].src, rel);
}

/* The release of e, loaded or shared: give it back with shared_put().  0,
 * or -1 with a message in err. */
static int shared_get(struct plan *p, const struct entry *e, struct release **out,
		      struct strbuf *err)
{
	struct shared_releases *sh = &p->shared;
	struct shared_release *s = &sh->by_entry[e - p->entries];
	int ret;

	if (!sh->on)
		return p->loader->load(p->loader->data, e->src, out, err);
	pthread_mutex_lock(&sh->lock);
	while (s->loading)
		pthread_cond_wait(&sh->loaded, &sh->lock);
	if (s->rel) {
		if (!s->users)
			kept_unlink(sh, s);
		s->users++;
		*out = s->rel;
		pthread_mutex_unlock(&sh->lock);
		return 0;
	}
	/* Parsed outside the lock; who wants it meanwhile waits for it.  A
	 * failed load leaves it unloaded: they try for themselves. */
	s->loading = 1;
	pthread_mutex_unlock(&sh->lock);
	ret = p->loader->load(p->loader->data, e->src, out, err);
	pthread_mutex_lock(&sh->lock);
	s->loading = 0;
	if (!ret) {
		s->rel = *out;
		s->users = 1;
	}
	pthread_cond_broadcast(&sh->loaded);
	pthread_mutex_unlock(&sh->lock);
	return ret;
}

/* Gives back rel, the release of e that a job is done with: unloaded now
 * if no job still to run shows it, else kept for a while. */
static void shared_put(struct plan *p, const struct entry *e, struct release *rel)
{
	struct shared_releases *sh = &p->shared;
	size_t i = (size_t)(e - p->entries), drop_entry = i;
	struct shared_release *s = &sh->by_entry[i];
	struct release *drop = NULL;

	if (!sh->on) {
		unload_entry(p, i, rel);
		return;
	}
	pthread_mutex_lock(&sh->lock);
	if (s->pending)
		s->pending--;
	if (!--s->users) {
		if (!s->pending) {
			drop = s->rel;
			s->rel = NULL;
			render_memo_clear(&s->memo);
		} else {
			kept_add_newest(sh, s);
			if (sh->nr_kept > SHARED_KEEP) {
				struct shared_release *oldest = sh->kept.newer;

				kept_unlink(sh, oldest);
				drop = oldest->rel;
				oldest->rel = NULL;
				render_memo_clear(&oldest->memo);
				drop_entry = (size_t)(oldest - sh->by_entry);
			}
		}
	}
	pthread_mutex_unlock(&sh->lock);
	unload_entry(p, drop_entry, drop);
}

/* Whether phase two renders an output of j (once keep_fresh() ran). */
static int job_renders(const struct job *j)
{
	return !j->kept[0] || (j->type == JOB_FEED && !j->kept[1]);
}

/* Carries the fresh outputs over, here on one thread: nearly every job of
 * a build after a small change, and then only the others go to phase
 * two's threads (18,000 jobs handed out under two locks cost more than
 * rendering the few that changed).  0 or -1 (reported by the tree). */
static int keep_fresh(struct plan *p)
{
	size_t i;
	int k, r;

	for (i = 0; i < p->nr_jobs; i++) {
		struct job *j = &p->jobs[i];
		enum render_kind kinds[2];
		enum count_as as;
		int n = job_outputs(j, kinds, &as);

		for (k = 0; k < n; k++) {
			if (j->untouched) {
				j->kept[k] = 1;   /* by output_tree_keep_rest() */
				continue;
			}
			r = j->fresh[k] ? output_tree_keep(p->tree, j->paths[k], j->hash[k], j->known[k]) : 0;
			if (r < 0)
				return -1;
			j->kept[k] = r;
		}
	}
	return 0;
}

/* How many jobs of phase two will show each release in full. */
static void count_pending(struct plan *p)
{
	size_t i, k, n;

	for (i = 0; i < p->nr_jobs; i++) {
		const struct job *j = &p->jobs[i];
		const struct entry *const *full;

		if (!job_renders(j))
			continue;
		n = job_full_entries(p, j, &full);
		for (k = 0; k < n; k++)
			p->shared.by_entry[full[k] - p->entries].pending++;
	}
}

/* Phase two's order: the jobs as made, but a release's page right after
 * the last feed to render that shows the release, which is then given back
 * for the last time.  (In the order made, the pages came after every feed,
 * when SHARED_KEEP releases could no longer hold those the feeds loaded.) */
static void order_jobs(struct plan *p)
{
	size_t *last = xcalloc(p->nr_entries + 1, sizeof(*last));   /* that feed's index + 1 */
	size_t i, k, n, e, nr = 0;

	for (i = 0; i < p->nr_jobs; i++) {
		const struct entry *const *full;

		if (p->jobs[i].type != JOB_FEED || !job_renders(&p->jobs[i]))
			continue;
		n = job_full_entries(p, &p->jobs[i], &full);
		for (k = 0; k < n; k++)
			last[full[k] - p->entries] = i + 1;
	}
	p->order = xcalloc(p->nr_jobs + 1, sizeof(*p->order));
	for (i = 0; i < p->nr_jobs; i++) {
		const struct job *j = &p->jobs[i];
		const struct entry *const *full;

		if (j->type == JOB_RELEASE && last[j->entry - p->entries])
			continue;
		if (job_renders(j))
			p->order[nr++] = i;
		if (j->type != JOB_FEED)
			continue;
		n = job_full_entries(p, j, &full);
		for (k = 0; k < n; k++) {
			e = (size_t)(full[k] - p->entries);
			if (last[e] == i + 1) {
				if (job_renders(&p->release_jobs[e]))
					p->order[nr++] = (size_t)(&p->release_jobs[e] - p->jobs);
				last[e] = SIZE_MAX;   /* placed */
			}
		}
	}
	p->nr_order = nr;
	free(last);
}

/* Unloads what is still kept (jobs that were to show it did not run). */
static void shared_free(struct plan *p)
{
	struct shared_releases *sh = &p->shared;
	size_t i;

	if (!sh->by_entry)
		return;
	for (i = 0; i < p->nr_entries; i++) {
		unload_entry(p, i, sh->by_entry[i].rel);
		render_memo_clear(&sh->by_entry[i].memo);
	}
	free(sh->by_entry);
	pthread_cond_destroy(&sh->loaded);
	pthread_mutex_destroy(&sh->lock);
}

/* The releases a job shows in full, loaded: a table for pr:release(),
 * sorted by id and language.  0, or -1 with a message in err. */
static int load_full(struct plan *p, const struct job *j, struct render_release **out,
		     struct release ***loaded, size_t *nr, struct strbuf *err)
{
	const struct entry *const *full;
	size_t n = job_full_entries(p, j, &full), i;

	*out = xcalloc(n + 1, sizeof(**out));
	*loaded = xcalloc(n + 1, sizeof(**loaded));
	*nr = 0;
	for (i = 0; i < n; i++) {
		struct release *rel;

		if (shared_get(p, full[i], &rel, err) < 0)
			return -1;
		(*loaded)[i] = rel;
		(*out)[i].id = full[i]->rel->id;
		(*out)[i].lang = full[i]->rel->lang;
		(*out)[i].root = rel->root;
		/* Only a release that outputs share keeps what they made. */
		(*out)[i].memo = p->shared.on ? &p->shared.by_entry[full[i] - p->entries].memo : NULL;
		*nr = i + 1;
	}
	if (n)
		qsort(*out, n, sizeof(**out), lookup_cmp);
	return 0;
}

static void unload_full(struct plan *p, const struct job *j, struct render_release *table,
			struct release **loaded, size_t nr)
{
	const struct entry *const *full;
	size_t i;

	job_full_entries(p, j, &full);
	for (i = 0; i < nr; i++)
		shared_put(p, full[i], loaded[i]);
	free(loaded);
	free(table);
}

static void fail_job(struct plan *p, const char *msg)
{
	pthread_mutex_lock(&p->lock);
	if (!p->failed && msg && !p->error)
		p->error = xstrdup(msg);
	p->failed = 1;
	pthread_mutex_unlock(&p->lock);
}

/* Phase two: carry each output over, or render it.  Runs on worker
 * threads: reports nothing itself but through the output tree. */
static int run_job(struct plan *p, struct job *j, struct strbuf *err)
{
	enum render_kind kinds[2];
	enum count_as as;
	int n = job_outputs(j, kinds, &as), k, ret = 0;
	struct render_release *table = NULL;
	struct release **loaded = NULL;
	size_t nr_loaded = 0;
	xmlDocPtr doc = NULL;
	struct item_maker maker;
	char *paths[2];

	/* Only jobs that render come here (order_jobs()); what of them was
	 * fresh was carried over by keep_fresh(). */
	for (k = 0; k < n; k++)
		j->written[k] = 0;
	/* Only now, and only for this job, the releases it shows in full. */
	if (load_full(p, j, &table, &loaded, &nr_loaded, err) < 0) {
		fail_job(p, err->buf);
		unload_full(p, j, table, loaded, nr_loaded);
		return -1;
	}
	doc = job_doc(p, j, paths);
	maker.p = p;
	maker.input = doc;
	maker.scratch = NULL;
	render_call_items(make_listed_item, &maker);
	for (k = 0; k < n && !ret; k++) {
		char *out;
		size_t len;

		if (j->kept[k])
			continue;
		if (!doc) {
			const char *css = render_css(p->r, &len);
			ret = output_tree_write(p->tree, j->paths[k], j->hash[k], css, len);
		} else if (render_apply_releases(p->r, kinds[k], doc, table, nr_loaded, &out, &len,
						 err) < 0) {
			fail_job(p, err->buf);
			ret = -1;
		} else {
			ret = output_tree_write(p->tree, j->paths[k], j->hash[k], out, len);
			free(out);
		}
		if (!ret)
			j->written[k] = 1;
	}
	render_call_items(NULL, NULL);
	if (maker.scratch)
		xmlFreeDoc(maker.scratch);
	if (doc)
		xmlFreeDoc(doc);
	unload_full(p, j, table, loaded, nr_loaded);
	free(paths[0]);
	free(paths[1]);
	return ret;
}

/* ---- threads --------------------------------------------------------------- */

enum phase { PHASE_HASH, PHASE_RUN };

struct worker_pool {
	struct plan *p;
	enum phase phase;
	size_t next, total;
	pthread_mutex_t lock;
};

static void *worker(void *data)
{
	struct worker_pool *w = data;
	struct plan *p = w->p;
	struct strbuf err = STRBUF_INIT;

	for (;;) {
		size_t i, n, chunk = w->phase == PHASE_RUN ? 4 : 16;

		pthread_mutex_lock(&w->lock);
		i = w->next;
		n = i < w->total ? (w->total - i < chunk ? w->total - i : chunk) : 0;
		w->next += n;
		pthread_mutex_unlock(&w->lock);
		if (!n || (w->phase == PHASE_RUN && p->failed))
			break;
		for (; n; n--, i++) {
			if (w->phase == PHASE_HASH) {
				hash_job(p, &p->jobs[i]);
			} else if (!p->failed && run_job(p, &p->jobs[p->order[i]], &err) < 0) {
				fail_job(p, NULL);
			}
		}
	}
	strbuf_release(&err);
	return NULL;
}

/* Runs phase over total items on the pool's threads, this one included. */
static void run_parallel(struct plan *p, enum phase phase, size_t total, size_t threads)
{
	struct worker_pool w;
	pthread_t *tids = xcalloc(threads, sizeof(*tids));
	size_t i, started = 0;

	memset(&w, 0, sizeof(w));
	w.p = p;
	w.phase = phase;
	w.total = total;
	pthread_mutex_init(&w.lock, NULL);
	if (total < 64)
		threads = 1;
	for (i = 1; i < threads; i++)
		if (!start_helper_thread(&tids[i], worker, &w))
			started = i;
		else
			break;
	worker(&w);
	for (i = 1; i <= started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&w.lock);
	free(tids);
}

/* ---- inputs for xsltproc ------------------------------------------------- */

/* PR_PUBLISH_DUMP_INPUTS=DIR: every job's input document, with the
 * releases copied in, at DIR/<output path>.xml; for comparing with
 * xsltproc (tools/bench-build.sh).  Not for production. */
static void dump_inputs(struct plan *p, const char *dir)
{
	size_t i;

	p->inline_releases = 1;
	for (i = 0; i < p->nr_jobs; i++) {
		char *paths[2], *file, *slash;
		struct render_release *table = NULL;
		struct release **loaded = NULL;
		size_t nr_loaded = 0;
		struct strbuf err = STRBUF_INIT;
		xmlDocPtr doc;

		load_full(p, &p->jobs[i], &table, &loaded, &nr_loaded, &err);
		p->inline_rels = table;
		p->nr_inline_rels = nr_loaded;
		doc = job_doc(p, &p->jobs[i], paths);
		p->inline_rels = NULL;
		p->nr_inline_rels = 0;

		if (doc) {
			file = xasprintf("%s/%s.xml", dir, paths[0]);
			for (slash = file + strlen(dir) + 1; (slash = strchr(slash, '/')); slash++) {
				*slash = '\0';
				mkdir(file, 0777);
				*slash = '/';
			}
			xmlSaveFile(file, doc);
			free(file);
			xmlFreeDoc(doc);
		}
		unload_full(p, &p->jobs[i], table, loaded, nr_loaded);
		strbuf_release(&err);
		free(paths[0]);
		free(paths[1]);
	}
	p->inline_releases = 0;
}

static int lookup_cmp(const void *a, const void *b)
{
	const struct render_release *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : strcmp(x->lang, y->lang);
}

/* ---- the whole ------------------------------------------------------------- */

static void base_and_host(struct plan *p)
{
	const char *base = p->site->base_url ? p->site->base_url : "";
	const char *h, *end;

	while (*base == ' ' || *base == '\n' || *base == '\t')
		base++;
	p->base = xasprintf("%s%s", base, ends_with(base, "/") ? "" : "/");
	h = strstr(p->base, "://");
	h = h ? h + 3 : p->base;
	for (end = h; *end && *end != '/' && *end != ':' && *end != '?' && *end != '#'; end++)
		;
	p->host = end > h ? xstrndup(h, (size_t)(end - h)) : xstrdup("localhost");
}

static void plan_release(struct plan *p)
{
	size_t i;

	if (p->opts->exiting && !p->opts->memo) {
		/* Only what is more than memory: the tree's threads, its
		 * staging folder, its lock. */
		if (p->tree != p->opts->tree)
			output_tree_free(p->tree);
		return;
	}
	shared_free(p);
	keep_memo(p);
	for (i = 0; i < p->nr_entries; i++) {
		if (p->entries[i].texts)
			xmlFreeDoc(p->entries[i].texts);
	}
	free(p->group_index);
	free(p->entries);
	free(p->paths);
	free(p->term_refs);
	free(p->by_id);
	for (i = 0; p->by_lang && i < p->site->nr_languages; i++)
		free(p->by_lang[i]);
	free(p->by_lang);
	free(p->nr_by_lang);
	for (i = 0; i < p->nr_groups; i++) {
		free(p->groups[i].key);
		free(p->groups[i].dir);
		if (p->groups[i].owns_items)
			free(p->groups[i].items);
	}
	free(p->groups);
	for (i = 0; i < p->nr_jobs; i++) {
		free(p->jobs[i].owned[0]);
		free(p->jobs[i].owned[1]);
	}
	free(p->jobs);
	free(p->order);
	free(p->sitemap_parts);
	free(p->site_nodes);
	if (p->scratch)
		xmlFreeDoc(p->scratch);
	free(p->base);
	free(p->host);
	free(p->error);
	if (p->tree != p->opts->tree)
		output_tree_free(p->tree);
}

int build_site_summaries(struct build_result *out, const struct build_options *opts,
			 const struct site *site, struct release_summary *const *sums, size_t nr,
			 const struct build_loader *loader, struct renderer *r, struct diag *d)
{
	struct plan p;
	struct fragments *fragments;
	size_t i, nr_outputs = 0, fresh = 0, threads = thread_count();
	const char *dump = getenv("PR_PUBLISH_DUMP_INPUTS");
	int ret = -1;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	pthread_mutex_init(&p.lock, NULL);
	pthread_mutex_init(&p.texts_lock, NULL);
	p.site = site;
	p.opts = opts;
	p.r = r;
	p.d = d;
	p.res = out;
	p.loader = loader;
	/* First: the tree looks for its outputs on a thread meanwhile. */
	if (opts->tree)
		p.tree = opts->tree;
	else if (opts->opened)
		p.tree = opts->opened;
	else if (output_tree_open(&p.tree, opts->out_dir, opts->force, d) < 0)
		goto out;
	base_and_host(&p);
	collect_entries(&p, sums, nr);
	make_groups(&p);
	index_groups(&p);
	make_sitemap_parts(&p);
	make_jobs(&p);
	shared_init(&p);

	p.scratch = xmlNewDoc((const xmlChar *)"1.0");
	xmlDocSetRootElement(p.scratch, xmlNewDocNode(p.scratch, NULL, (const xmlChar *)"sites", NULL));
	p.site_nodes = xcalloc(site->nr_languages, sizeof(*p.site_nodes));
	for (i = 0; i < site->nr_languages; i++) {
		p.site_nodes[i] = make_site_node(&p, i);
		xmlAddChild(xmlDocGetRootElement(p.scratch), p.site_nodes[i]);
	}
	{
		struct output_sha256 sha;

		output_sha256_init(&sha);
		output_sha256_add(&sha, BUILD_HASH_SCHEME, sizeof(BUILD_HASH_SCHEME));
		output_sha256_add(&sha, render_key(r), OUTPUT_HASH_HEX);
		output_sha256_add(&sha, site->xml->buf, site->xml->len);
		output_sha256_hex(&sha, p.key);
		output_sha256_init(&p.key_sha);
		output_sha256_add(&p.key_sha, p.key, OUTPUT_HASH_HEX);
	}
	if (dump && *dump)
		dump_inputs(&p, dump);

	plan_shape(&p);
	use_memo(&p);
	use_record(&p);
	/* Not for a watch, whose memo keeps every hash; nor when the hashes
	 * kept are to be checked. */
	p.bulk = p.record_holds && !opts->memo && !p.check_memo &&
		 output_tree_missing(p.tree) == 0;
	run_parallel(&p, PHASE_HASH, p.nr_jobs, threads);
	if (p.failed) {
		diag_system_error(d, "%s", p.error);
		goto out;
	}
	p.hashed = 1;
	{
		char *rec;
		size_t len;

		make_record(&p, &rec, &len);
		output_tree_set_record(p.tree, rec, len);
	}
	for (i = 0; i < p.nr_jobs; i++) {
		struct job *j = &p.jobs[i];
		enum render_kind kinds[2];
		enum count_as as;
		int k, n = job_outputs(j, kinds, &as);

		for (k = 0; k < n; k++) {
			nr_outputs++;
			fresh += (size_t)j->fresh[k];
		}
	}
	/* Nothing to render and nothing gone: leave the folder alone.  (A
	 * caller's tree is always prepared: it asks what changed.) */
	if (!opts->tree && fresh == nr_outputs && nr_outputs == output_tree_previous(p.tree)) {
		for (i = 0; i < p.nr_jobs; i++) {
			enum render_kind kinds[2];
			enum count_as as;
			int k, n = job_outputs(&p.jobs[i], kinds, &as);
			for (k = 0; k < n; k++)
				count(&p, as, 0);
		}
		out->out.reused = nr_outputs;
		out->out.unchanged = 1;
		ret = 0;
		goto out;
	}
	if (output_tree_begin(p.tree) < 0)
		goto out;
	if (keep_fresh(&p) < 0)
		goto out;
	count_pending(&p);
	order_jobs(&p);
	if (opts->progress)
		opts->progress(opts->progress_data, 0, p.nr_jobs);
	/* Pieces the pages of this build share (fragments.h), made by the
	 * first page to show each. */
	fragments = fragments_new();
	render_use_fragments(p.r, fragments);
	run_parallel(&p, PHASE_RUN, p.nr_order, threads);
	render_use_fragments(p.r, NULL);
	fragments_free(fragments);
	if (p.failed) {
		if (p.error)
			diag_system_error(d, "%s", p.error);
		goto out;
	}
	if (p.bulk && output_tree_keep_rest(p.tree) < 0) {
		diag_system_error(d, "internal error: the outputs to keep are not an update's");
		goto out;
	}
	for (i = 0; i < p.nr_jobs; i++) {
		enum render_kind kinds[2];
		enum count_as as;
		int k, n = job_outputs(&p.jobs[i], kinds, &as);
		for (k = 0; k < n; k++)
			count(&p, as, p.jobs[i].written[k]);
	}
	if (opts->progress)
		opts->progress(opts->progress_data, p.nr_jobs, p.nr_jobs);
	if ((opts->tree ? output_tree_prepare : output_tree_commit)(p.tree, &out->out) < 0)
		goto out;
	ret = 0;
out:
	plan_release(&p);
	pthread_mutex_destroy(&p.texts_lock);
	pthread_mutex_destroy(&p.lock);
	return ret;
}

/* build_site(): the releases are loaded already. */
static int loaded_load(void *data, size_t i, struct release **out, struct strbuf *err)
{
	struct release *const *rels = data;

	(void)err;
	*out = rels[i];
	return 0;
}

int build_site(struct build_result *out, const struct build_options *opts,
	       const struct site *site, struct release *const *rels, size_t nr,
	       struct renderer *r, struct diag *d)
{
	struct release_summary **sums = xcalloc(nr + 1, sizeof(*sums));
	struct build_loader loader = { loaded_load, NULL, (void *)rels };
	size_t i;
	int ret;

	for (i = 0; i < nr; i++)
		sums[i] = summary_from_release(rels[i]);
	ret = build_site_summaries(out, opts, site, sums, nr, &loader, r, d);
	for (i = 0; i < nr; i++)
		summary_free(sums[i]);
	free(sums);
	return ret;
}

void build_result_release(struct build_result *res)
{
	free(res->next_embargo);
	free(res->next_embargo_id);
	res->next_embargo = res->next_embargo_id = NULL;
}
