/*
 * summary.h - what a build needs to know of a release without its tree,
 * and the cache that keeps it between builds.
 *
 * A struct release_summary holds everything the listings, feeds, sitemap
 * and the rules across files (validate.h) use of one release file: its
 * id, language, dates, taxonomy, the headline, subtitle and summary as
 * serialised XML, where its facts are written (for findings), and the
 * SHA-256 of its bytes.  A page or feed that shows a release in full
 * parses it again when it is rendered, and checks that the bytes still
 * hash to what was validated.
 *
 * The cache (".<out>.cache" beside the output folder) maps each file's
 * (path, size, mtime in ns, inode) to its summary.  A build reads and
 * validates again only the files whose key changed; the cache is only
 * trusted for a file whose key matches exactly, and a cache that is not
 * ours, of another version or another site file, or damaged in any way
 * (a checksum covers it) is ignored and rebuilt.  A file is only cached
 * when its validation found nothing at all, so warnings are shown again.
 *
 * The cache file is binary and mapped whole (summary.c describes the
 * layout): the summaries it gives out are *borrowed*: their
 * strings and lists point into that buffer (never write through them) and the
 * structs themselves belong to the cache.  Ownership:
 *
 *  - summary_from_release() gives an owned summary (borrowed == 0);
 *  - summary_cache_take() gives a borrowed one (borrowed == 1), valid
 *    until summary_cache_free() of its cache: free the cache only after
 *    the last use of every summary taken from it;
 *  - summary_free() frees an owned summary and does nothing to a borrowed
 *    one, so a list of both kinds is freed with one loop, before the
 *    cache.
 *
 * It is mapped, not read (the page cache is not copied).  A cache file is
 * only ever replaced by a rename; one that someone cuts short by hand
 * while it is in use stops the process with a message and exit status 3
 * (summary.c: on_sigbus()), a damaged one is ignored.
 *
 * A folder can also be cached whole, as a group: its path prefix
 * ("releases/2020/"), a key of its own version (a git tree's id) and how
 * many files it has.  While that key holds, its summaries are taken at
 * once, without a look at its entries; a group is only written when the
 * cache holds a summary of every one of its files (and of nothing else
 * under the prefix), so that a folder with a file that is not clean is
 * always read entry by entry.
 */
#ifndef PR_SUMMARY_H
#define PR_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "release.h"
#include "site_output.h"

enum summary_fact {
	SUMMARY_FACT_DATE,
	SUMMARY_FACT_EMBARGO,
	SUMMARY_FACT_SOURCES,
	SUMMARY_FACT_FIELDS,
	SUMMARY_FACT_COUNTRIES,
	SUMMARY_NR_FACTS,
};

/* What identifies a file's version without reading it. */
struct summary_key {
	uint64_t size, mtime_ns, ino, dev;
};

struct release_summary {
	char *path;
	char *id, *lang, *type, *original_lang, *date, *embargo, *updated;
	int withdrawn;
	char *headline, *subtitle, *summary;   /* the elements as XML, or NULL */
	char **places, **sources, **fields, **countries;
	size_t nr_places, nr_sources, nr_fields, nr_countries;
	long line, column;                     /* of the id attribute */
	long fact_line[SUMMARY_NR_FACTS], fact_column[SUMMARY_NR_FACTS];
	char content[OUTPUT_HASH_HEX + 1];     /* SHA-256 of the file's bytes */
	char item[OUTPUT_HASH_HEX + 1];        /* SHA-256 of all of the above */
	struct summary_key key;
	int clean;      /* validated without any finding: may be cached */
	int borrowed;   /* from a summary cache, which owns it (see above) */
};

/* The summary of a loaded release (its bytes are rel->xml->buf); the
 * caller's, summary_free. */
struct release_summary *summary_from_release(const struct release *rel);
void summary_free(struct release_summary *s);

/* The key of the file at path (stat), 0 or -1 with errno. */
int summary_key_of(const char *path, struct summary_key *out);
/* The key of a git blob (or tree, for a group): its id, packed (the bytes
 * identify the version; a cache of blob keys is kept apart from one of
 * file keys). */
struct git_oid;
void summary_key_of_blob(const struct git_oid *id, struct summary_key *out);
/* The id summary_key_of_blob() packed into key. */
void summary_key_blob_id(const struct summary_key *key, struct git_oid *out);

/* A folder's files, cached whole: those whose path starts with prefix
 * (ending in '/'), nr of them, as of the folder's version key. */
struct summary_group {
	const char *prefix;
	struct summary_key key;
	size_t nr;
};

struct summary_cache;

/* Reads the cache at path made for the site file whose SHA-256 is
 * site_hash; an absent, foreign or damaged cache gives an empty one.
 * Never fails; the result is the caller's (summary_cache_free). */
struct summary_cache *summary_cache_load(const char *path, const char *site_hash);
/* The cached summary of path when its key is key, else NULL.  It is
 * borrowed: valid until summary_cache_free(c), read-only; each record is
 * given out once (a second take of the same path gives NULL).  The
 * cache's record of path is checked (offsets in bounds, required fields
 * there) before it is given out; a record that does not hold is not
 * given out. */
struct release_summary *summary_cache_take(struct summary_cache *c, const char *path,
					   const struct summary_key *key);
/* The cached summaries of the group prefix when its key is key: the first
 * of *nr consecutive ones (in path order), borrowed as those of
 * summary_cache_take() are, and given out once.  NULL when the group is not
 * there under that key, or one of its records does not hold or was taken
 * already (then none of them is given out). */
struct release_summary *summary_cache_take_group(struct summary_cache *c, const char *prefix,
						 const struct summary_key *key, size_t *nr);
/* How many summaries it held when loaded. */
size_t summary_cache_size(const struct summary_cache *c);
/* Frees c and every summary taken from it. */
void summary_cache_free(struct summary_cache *c);

/* Writes the clean summaries of sums (owned or borrowed) to path,
 * atomically: one buffer, one write, a rename; with those of groups
 * (nr_groups of them, or none) whose files are exactly nr clean summaries
 * of sums (the others are left out).  0 or -1 with errno. */
int summary_cache_write(const char *path, const char *site_hash,
			struct release_summary *const *sums, size_t nr,
			const struct summary_group *groups, size_t nr_groups);

/* For tests: makes the checksum of the cache file at path match its bytes
 * again, so that a test can damage it past the checksum.  0 or -1. */
int summary_cache_reseal(const char *path);

#endif
