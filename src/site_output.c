/* site_output.c - the output tree, its manifest and the swap; see site_output.h. */
#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE */
#include "site_output.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* ---- SHA-256 (FIPS 180-4) ------------------------------------------------ */

static const unsigned int sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(struct output_sha256 *s, const unsigned char *p)
{
	unsigned int w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (unsigned int)p[4 * i] << 24 | (unsigned int)p[4 * i + 1] << 16 |
		       (unsigned int)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		unsigned int s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		unsigned int s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
	e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
	s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

/* The same compression with the SHA extensions of x86 (SHA-NI), where the
 * processor has them: several times faster, and a build hashes every
 * output's description on every run.  PR_PUBLISH_NO_SHA_NI=1 keeps to the
 * portable code (for comparing the two). */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SHA_NI_CODE 1

__attribute__((target("sha,sse4.1,ssse3"))) static void sha_blocks_ni(struct output_sha256 *s,
								    const unsigned char *p,
								    size_t blocks)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i state0, state1, tmp, msg, w[4], abef, cdgh;
	int g;

	tmp = _mm_loadu_si128((const __m128i *)&s->h[0]);
	state1 = _mm_loadu_si128((const __m128i *)&s->h[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);              /* CDAB */
	state1 = _mm_shuffle_epi32(state1, 0x1B);        /* EFGH */
	state0 = _mm_alignr_epi8(tmp, state1, 8);        /* ABEF */
	state1 = _mm_blend_epi16(state1, tmp, 0xF0);     /* CDGH */
	for (; blocks; blocks--, p += 64) {
		abef = state0;
		cdgh = state1;
		for (g = 0; g < 16; g++) {
			__m128i cur;

			if (g < 4) {
				cur = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), mask);
			} else {
				/* W[t-16] + s0(W[t-15]) + W[t-7], then + s1(W[t-2]). */
				cur = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
				cur = _mm_add_epi32(cur, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
				cur = _mm_sha256msg2_epu32(cur, w[(g + 3) & 3]);
			}
			w[g & 3] = cur;
			msg = _mm_add_epi32(cur, _mm_loadu_si128((const __m128i *)&sha_k[4 * g]));
			state1 = _mm_sha256rnds2_epu32(state1, state0, msg);
			msg = _mm_shuffle_epi32(msg, 0x0E);
			state0 = _mm_sha256rnds2_epu32(state0, state1, msg);
		}
		state0 = _mm_add_epi32(state0, abef);
		state1 = _mm_add_epi32(state1, cdgh);
	}
	tmp = _mm_shuffle_epi32(state0, 0x1B);           /* FEBA */
	state1 = _mm_shuffle_epi32(state1, 0xB1);        /* DCHG */
	state0 = _mm_blend_epi16(tmp, state1, 0xF0);     /* DCBA */
	state1 = _mm_alignr_epi8(state1, tmp, 8);        /* HGFE */
	_mm_storeu_si128((__m128i *)&s->h[0], state0);
	_mm_storeu_si128((__m128i *)&s->h[4], state1);
}

#endif

/* Compresses n whole blocks at p into s->h. */
static void sha_blocks(struct output_sha256 *s, const unsigned char *p, size_t n)
{
#ifdef HAVE_SHA_NI_CODE
	if (cpu_has_sha_ni()) {
		sha_blocks_ni(s, p, n);
		return;
	}
#endif
	for (; n; n--, p += 64)
		sha_block(s, p);
}

void output_sha256_init(struct output_sha256 *s)
{
	static const unsigned int init[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, init, sizeof(init));
	s->fill = 0;
	s->total = 0;
}

void output_sha256_add(struct output_sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->total += len;
	while (len) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;

		if (!s->fill && len >= 64) {
			size_t whole = len / 64;
			sha_blocks(s, p, whole);
			p += 64 * whole;
			len -= 64 * whole;
			continue;
		}
		memcpy(s->block + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill == 64) {
			sha_blocks(s, s->block, 1);
			s->fill = 0;
		}
	}
}

void output_sha256_bytes(struct output_sha256 *s, unsigned char out[OUTPUT_HASH_HEX / 2])
{
	unsigned long long bits = s->total * 8;
	unsigned char pad[72];
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
	int i;

	memset(pad, 0, sizeof(pad));
	pad[0] = 0x80;
	for (i = 0; i < 8; i++)
		pad[padlen + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
	output_sha256_add(s, pad, padlen + 8);
	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

void output_sha256_hex(struct output_sha256 *s, char hex[OUTPUT_HASH_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char bytes[OUTPUT_HASH_HEX / 2];
	int i;

	output_sha256_bytes(s, bytes);
	/* By hand, not snprintf: a build finishes some 20,000 of these. */
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[bytes[i] >> 4];
		hex[2 * i + 1] = digits[bytes[i] & 15];
	}
	hex[OUTPUT_HASH_HEX] = '\0';
}

void output_sha256_of(const void *data, size_t len, char hex[OUTPUT_HASH_HEX + 1])
{
	struct output_sha256 sha;

	output_sha256_init(&sha);
	output_sha256_add(&sha, data, len);
	output_sha256_hex(&sha, hex);
}

/* ---- the manifest ------------------------------------------------------- */

#define NOT_OLD SIZE_MAX

struct manifest_entry {
	char *path;         /* old[]: in manifest_buf; cur[]: old[old].path or its own */
	/* OUTPUT_HASH_HEX digits, not NUL-terminated.  old[]: in manifest_buf,
	 * NULL when not to be trusted (--force); cur[]: old[old].hash when the
	 * same, else its own (own_hash).  Pointers, not copies: at 18,000
	 * outputs the two arrays and the sort's copy were 6 MB of fresh
	 * memory, and a build touches every entry. */
	const char *hash;
	char *staged;       /* incremental: its name in the staging folder */
	int exists;         /* a regular file in the folder (scan_outputs()) */
	int own_hash;       /* cur[]: hash is malloc'd */
	size_t dir;         /* old[]: its folder in the scan (scan_outputs()) */
	size_t old;         /* cur[]: its path's entry in old[], or NOT_OLD */
};

enum tree_mode {
	MODE_WHOLE,         /* a complete new tree, swapped in at the end */
	MODE_UPDATE,        /* changed files staged, then renamed into place */
};

struct output_tree {
	struct diag *d;
	char *dir;          /* the published folder, as given */
	char *parent, *base;
	char *tmp;          /* the staging folder */
	char *journal;      /* <parent>/.<base>.journal */
	int lock_fd;
	enum tree_mode mode;
	int dir_exists;
	int had_manifest;
	int committed;
	int prepared;       /* output_tree_prepare() done: cur sorted, stats known */
	struct output_stats stats;    /* what output_tree_prepare() found */
	char *stamp;        /* output_tree_set_stamp(), or NULL */
	char *record;       /* output_tree_set_record(), or NULL */
	size_t record_len;
	char *prev_record;  /* the folder's, read by output_tree_open() */
	size_t prev_record_len;
	char named_record[OUTPUT_HASH_HEX + 1];   /* the SHA-256 the manifest gives it */
	size_t nr_written, nr_staged;
	struct manifest_entry *old;   /* sorted by path */
	size_t nr_old;
	struct manifest_entry *cur;   /* in the order produced */
	size_t nr_cur, alloc_cur;
	char **dirs;        /* folders made in the new tree, sorted */
	size_t nr_dirs, alloc_dirs;
	pthread_mutex_t lock;         /* writes come from several threads */
	int scanned;                  /* old[].exists is known (atomic) */
	pthread_t scan_thread;        /* scanning while the caller plans */
	int scan_thread_on;
	char *manifest_buf;           /* the manifest's bytes: old[].path */
	uint64_t *slots;              /* old[] by path (manifest_index()) */
	size_t mask;
	char *scan_state;             /* <parent>/.<base>.scan */
	char *trash;                  /* <parent>/.<base>.trash (trash_link()) */
	char trash_gen[64];           /* the prefix of this tree's names in it */
	int trash_ready;              /* 1 made, -1 cannot be, 0 not yet tried */
	size_t nr_trashed;
	pthread_t trash_thread;       /* emptying it while the caller plans */
	int trash_thread_on;
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct manifest_entry *)a)->path,
		      ((const struct manifest_entry *)b)->path);
}

static void manifest_index(struct output_tree *t);

/* Reads dir/.pr-publish-manifest.  1 when read, 0 when absent, -1 when
 * present but unreadable.  One read, the paths left in the buffer, and
 * no sort when it is sorted (as we write it). */
static int manifest_read(struct output_tree *t)
{
	static const char head[] = "pr-publish-manifest 1\n";
	char *path = xasprintf("%s/%s", t->dir, OUTPUT_MANIFEST), *p, *end;
	size_t len = 0, lines = 0;
	int sorted = 1;

	t->manifest_buf = read_regular_file(path, (size_t)1 << 30, &len);
	free(path);
	if (!t->manifest_buf)
		return errno == ENOENT ? 0 : -1;
	if (len < sizeof(head) - 1 || memcmp(t->manifest_buf, head, sizeof(head) - 1))
		return -1;
	end = t->manifest_buf + len;
	for (p = t->manifest_buf + sizeof(head) - 1; p && p < end; lines++)
		if ((p = memchr(p, '\n', (size_t)(end - p))))
			p++;
	t->old = xcalloc(lines + 1, sizeof(*t->old));
	for (p = t->manifest_buf + sizeof(head) - 1; p < end; ) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		struct manifest_entry *e;

		/* A line without its newline (cut short) is not one. */
		if (!nl)
			break;
		*nl = '\0';
		if (!strncmp(p, "record ", 7) && nl - p == 7 + OUTPUT_HASH_HEX) {
			memcpy(t->named_record, p + 7, OUTPUT_HASH_HEX + 1);
		} else if (nl - p >= OUTPUT_HASH_HEX + 2 && p[OUTPUT_HASH_HEX] == ' ') {
			e = &t->old[t->nr_old++];
			e->hash = p;
			e->path = p + OUTPUT_HASH_HEX + 1;
			if (t->nr_old > 1 && strcmp(t->old[t->nr_old - 2].path, e->path) >= 0)
				sorted = 0;
		}
		p = nl + 1;
	}
	if (!sorted) {
		size_t i, kept = 0;

		/* Damaged: a path listed twice counts once (the first). */
		qsort(t->old, t->nr_old, sizeof(*t->old), entry_cmp);
		for (i = 0; i < t->nr_old; i++)
			if (!kept || strcmp(t->old[kept - 1].path, t->old[i].path))
				t->old[kept++] = t->old[i];
		t->nr_old = kept;
	}
	/* 32-bit indexes in the slots: a manifest of four billion outputs is not ours. */
	if (t->nr_old >= UINT32_MAX)
		return -1;
	manifest_index(t);
	return 1;
}

/* The index of old[] by path: open addressing, slots hold index + 1 in
 * their low half and the path's hash's high half above it, so that a
 * probe reads old[] and the path (two cache misses, at 18,000 outputs)
 * only where the hash agrees.  Made once when the manifest is read
 * (lookups come from several threads); a bsearch per output cost ~15
 * string comparisons each. */
static void manifest_index(struct output_tree *t)
{
	size_t i;

	t->mask = 15;
	while (t->mask < 2 * t->nr_old)
		t->mask = t->mask * 2 + 1;
	t->slots = xcalloc(t->mask + 1, sizeof(*t->slots));
	/* Paths are unique (manifest_read()). */
	for (i = 0; i < t->nr_old; i++) {
		const char *path = t->old[i].path;
		uint64_t h = hash_bytes(path, strlen(path));
		size_t k = (size_t)h & t->mask;

		while (t->slots[k])
			k = (k + 1) & t->mask;
		t->slots[k] = (h & 0xffffffff00000000ull) | (uint64_t)(i + 1);
	}
}

static struct manifest_entry *manifest_find(const struct output_tree *t, const char *path)
{
	uint64_t h, tag, slot;
	size_t k;

	if (!t->nr_old || !t->slots)
		return NULL;
	h = hash_bytes(path, strlen(path));
	tag = h & 0xffffffff00000000ull;
	for (k = (size_t)h & t->mask; (slot = t->slots[k]); k = (k + 1) & t->mask) {
		struct manifest_entry *e = &t->old[(uint32_t)slot - 1];

		if ((slot & 0xffffffff00000000ull) == tag && !strcmp(e->path, path))
			return e;
	}
	return NULL;
}

/*
 * cur[] against old[] without comparing strings where it can: old[] is
 * sorted by path with each path once, and a cur[] entry knows its path's
 * place in it (record()), so two entries that are both there compare by
 * that place.  A manifest of 18,000 outputs was sorted and merged with
 * strcmp() on every build.
 */
static int cur_cmp(const void *a, const void *b)
{
	const struct manifest_entry *x = a, *y = b;

	if (x->old != NOT_OLD && y->old != NOT_OLD)
		return (x->old > y->old) - (x->old < y->old);
	return strcmp(x->path, y->path);
}

/* cur[] in cur_cmp()'s order without a sort where it can: the entries
 * the manifest had go to their place in it, and the few new ones, sorted,
 * are merged in by path.  (A qsort() of 18,000 entries was ~1 ms of a
 * rebuild after one change.)  A path recorded twice: the qsort(), after
 * which the caller finds it. */
static void sort_cur(struct output_tree *t)
{
	struct manifest_entry *out, *fresh;
	size_t *at, i, o, n = 0, k = 0, nr_new = 0;

	if (!t->nr_old || !t->nr_cur) {
		qsort(t->cur, t->nr_cur, sizeof(*t->cur), cur_cmp);
		return;
	}
	at = xmalloc(t->nr_old * sizeof(*at));
	for (o = 0; o < t->nr_old; o++)
		at[o] = SIZE_MAX;
	for (i = 0; i < t->nr_cur; i++) {
		o = t->cur[i].old;
		if (o == NOT_OLD) {
			nr_new++;
		} else if (at[o] != SIZE_MAX) {
			free(at);
			qsort(t->cur, t->nr_cur, sizeof(*t->cur), cur_cmp);
			return;
		} else {
			at[o] = i;
		}
	}
	fresh = xmalloc((nr_new + 1) * sizeof(*fresh));
	for (i = 0; i < t->nr_cur; i++)
		if (t->cur[i].old == NOT_OLD)
			fresh[k++] = t->cur[i];
	qsort(fresh, nr_new, sizeof(*fresh), cur_cmp);
	out = xmalloc(t->nr_cur * sizeof(*out));
	for (k = 0, o = 0; o < t->nr_old; o++) {
		if (at[o] == SIZE_MAX)
			continue;
		while (k < nr_new && strcmp(fresh[k].path, t->old[o].path) < 0)
			out[n++] = fresh[k++];
		out[n++] = t->cur[at[o]];
	}
	while (k < nr_new)
		out[n++] = fresh[k++];
	free(t->cur);
	t->cur = out;
	t->alloc_cur = t->nr_cur;
	free(fresh);
	free(at);
}

/* cur[] entry c against old[i]: <0, 0 (the same path) or >0. */
static int cur_vs_old(const struct output_tree *t, const struct manifest_entry *c, size_t i)
{
	if (c->old != NOT_OLD)
		return (c->old > i) - (c->old < i);
	return strcmp(c->path, t->old[i].path) < 0 ? -1 : 1;
}

/* ---- files -------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

int output_remove_tree(const char *path)
{
	return nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

/* Is dir an empty folder? */
static int dir_is_empty(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	int empty = 1;

	if (!dh)
		return 0;
	while (empty && (de = readdir(dh)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(dh);
	return empty;
}

/* mkdir -p full, below root_len bytes of it that exist. */
static int make_dir(char *full, size_t root_len)
{
	char *slash;
	int ret;

	if (!mkdir(full, 0777) || errno == EEXIST)
		return 0;
	if (errno != ENOENT || !(slash = strrchr(full, '/')) || (size_t)(slash - full) <= root_len)
		return -1;
	*slash = '\0';
	ret = make_dir(full, root_len);
	*slash = '/';
	if (ret < 0)
		return -1;
	return !mkdir(full, 0777) || errno == EEXIST ? 0 : -1;
}

/* Makes the folder of path below root once per build; called with t->lock
 * held. */
static int make_parents(struct output_tree *t, const char *root, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *full, **pos;
	size_t lo = 0, hi = t->nr_dirs;
	int ret;

	if (!slash)
		return 0;
	dir = xstrndup(path, (size_t)(slash - path));
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->dirs[mid], dir);
		if (!c) {
			free(dir);
			return 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	full = xasprintf("%s/%s", root, dir);
	ret = make_dir(full, strlen(root));
	if (ret < 0) {
		diag_system_error(t->d, "cannot make folder '%s': %s", full, strerror(errno));
		free(full);
		free(dir);
		return -1;
	}
	free(full);
	ALLOC_GROW(t->dirs, t->nr_dirs + 1, t->alloc_dirs);
	pos = t->dirs + lo;
	memmove(pos + 1, pos, (t->nr_dirs - lo) * sizeof(*pos));
	*pos = dir;
	t->nr_dirs++;
	return 0;
}

/* ---- the journal: an incremental build's renames, rolled forward -------- */

/*
 * An incremental build writes its new files into the staging folder under
 * plain numbers, then the journal (<parent>/.<base>.journal) listing every
 * rename and deletion, with "end" as its last line: renaming the journal
 * into place is the moment the build commits.  Applying it is idempotent
 * (a rename whose source is gone was done; a deletion of what is not there
 * is done), so a build interrupted while applying it is finished by the
 * next one before it does anything else.  Before the journal exists, the
 * published folder has not been touched.
 */

static void remove_empty_parents(const char *dir, const char *path)
{
	char *p = xasprintf("%s/%s", dir, path), *slash;
	size_t root = strlen(dir);

	while ((slash = strrchr(p, '/')) && (size_t)(slash - p) > root) {
		*slash = '\0';
		if (rmdir(p) < 0)
			break;
	}
	free(p);
}

/* A rename of the journal: from (in the staging folder) to (its place). */
struct journal_rename {
	char *from, *to;
	int replaced;           /* the file it replaced, held open (O_PATH), or -1 */
};

/* How many replaced files a journal holds at most: enough for a
 * publication, few enough not to starve the other threads of descriptors
 * (beyond it, a rename frees the file it replaces itself). */
#define HOLD_REPLACED_MAX 64

/*
 * The trash, <parent>/.<base>.trash: a file a commit replaces is linked
 * there before the rename, which then does not free it; the next tree
 * opened on the folder empties the trash on a thread of its own while its
 * caller plans (output_tree_open()).  Freeing a file waits for the disk
 * where the file system discards freed blocks at once (ext4 without a
 * journal, mounted with discard: 0.05-1.5 ms a file, ~3 ms of a rebuild
 * after one change at 12,500 releases, the manifest's 2 MB the most),
 * and that wait is better spent beside the next plan than in a commit.
 * At most TRASH_MAX files a commit; the others are freed as before.  A
 * name in the trash is a second link to a file, or the last of one that
 * is no longer anywhere else: removing it is always safe.
 */
#define TRASH_MAX 64

/* Puts path into the trash by op: link() for a file about to be replaced,
 * rename() for the empty staging folder and the journal.  1 when done. */
static int trash_put(struct output_tree *t, const char *path,
		     int (*op)(const char *from, const char *to))
{
	char *name;
	int ok;

	if (t->trash_ready <= 0)
		return 0;
	name = xasprintf("%s/%s%zu", t->trash, t->trash_gen, t->nr_trashed);
	ok = !op(path, name);
	free(name);
	t->nr_trashed += (size_t)ok;
	return ok;
}

/* Links path, a file about to be replaced, into the trash: 1 when done. */
static int trash_link(struct output_tree *t, const char *path)
{
	if (t->nr_trashed >= TRASH_MAX)
		return 0;
	if (!t->trash_ready)
		t->trash_ready = mkdir(t->trash, 0700) < 0 && errno != EEXIST ? -1 : 1;
	return trash_put(t, path, link);
}

/* Empties the trash of what earlier trees put there (not of this one's
 * names: they are for the next). */
static void *trash_empty_main(void *data)
{
	struct output_tree *t = data;
	DIR *dh = opendir(t->trash);
	struct dirent *de;
	char **names = NULL;
	size_t nr = 0, alloc = 0, i, gen = strlen(t->trash_gen);

	if (!dh)
		return NULL;
	while ((de = readdir(dh)))
		if (de->d_name[0] != '.' && strncmp(de->d_name, t->trash_gen, gen)) {
			ALLOC_GROW(names, nr + 1, alloc);
			names[nr++] = xstrdup(de->d_name);
		}
	for (i = 0; i < nr; i++) {
		if (unlinkat(dirfd(dh), names[i], 0) < 0 && errno == EISDIR) {
			char *full = xasprintf("%s/%s", t->trash, names[i]);
			output_remove_tree(full);
			free(full);
		}
		free(names[i]);
	}
	free(names);
	closedir(dh);
	return NULL;
}

/* Renames r, making its folder when missing (not above root_len); hold
 * says whether to hold the file it replaces.  0, or -1 with errno. */
static int journal_rename_one(struct output_tree *t, struct journal_rename *r, size_t root_len,
			      int hold)
{
	struct stat st;
	char *slash;

	/* The file replaced goes to the trash, or is held until every rename
	 * is done: the last reference to it frees its blocks, which is
	 * ext4's slowest part of a rename, and inside one it holds the file
	 * system's rename lock. */
	if (!trash_link(t, r->to) && hold)
		r->replaced = open(r->to, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (!rename(r->from, r->to))
		return 0;
	if (errno == ENOENT && lstat(r->from, &st) < 0)
		return 0;   /* done before the interruption */
	slash = strrchr(r->to, '/');
	if (errno != ENOENT || !slash)
		return -1;
	*slash = '\0';
	make_dir(r->to, root_len);
	*slash = '/';
	return rename(r->from, r->to);
}

static void release_replaced(struct journal_rename *renames, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (renames[i].replaced >= 0) {
			close(renames[i].replaced);
			renames[i].replaced = -1;
		}
}

/*
 * Applies the journal at t->journal.  0, or -1 reported.  The renames go
 * first (until the journal is gone, their order does not matter: any
 * state between is finished by the next build), then the deletions, in
 * order, as they empty folders.  The files the renames replaced are let
 * go after the last rename: the renames of a publication (some 30) took
 * 8.7 ms with the blocks freed inside each, 1.0 ms without (and the
 * freeing 6 ms after them).
 */
static int journal_apply(struct output_tree *t)
{
	FILE *f = fopen(t->journal, "r");
	struct journal_rename *renames = NULL;
	size_t nr_renames = 0, alloc_renames = 0;
	struct strbuf deletions = STRBUF_INIT;
	char line[4200], *stage = NULL, *at;
	int ret = -1, complete = 0;
	size_t i;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		diag_system_error(t->d, "cannot read '%s': %s", t->journal, strerror(errno));
		return -1;
	}
	/* A journal is only ever renamed into place whole: check it is. */
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "end\n"))
			complete = 1;
	if (!complete) {
		diag_system_error(t->d, "'%s' is incomplete; delete it and build with --force",
				  t->journal);
		goto out;
	}
	rewind(f);
	if (!fgets(line, sizeof(line), f) || strcmp(line, "pr-publish-journal 1\n"))
		goto bad;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		char *arg = line + 2;

		if (!strcmp(line, "end\n"))
			break;
		if (len < 3 || line[len - 1] != '\n' || line[1] != ' ')
			goto bad;
		line[len - 1] = '\0';
		if (line[0] == 'S') {
			free(stage);
			stage = xstrdup(arg);
		} else if (line[0] == 'R' && stage) {
			char *sp = strchr(arg, ' ');
			struct journal_rename *r;

			if (!sp)
				goto bad;
			*sp = '\0';
			ALLOC_GROW(renames, nr_renames + 1, alloc_renames);
			r = &renames[nr_renames++];
			r->from = xasprintf("%s/%s", stage, arg);
			r->to = xasprintf("%s/%s", t->dir, sp + 1);
			r->replaced = -1;
		} else if (line[0] == 'D') {
			/* NUL-separated, applied after the renames. */
			strbuf_add(&deletions, arg, strlen(arg) + 1);
		} else {
			goto bad;
		}
	}
	for (i = 0; i < nr_renames; i++)
		if (journal_rename_one(t, &renames[i], strlen(t->dir), i < HOLD_REPLACED_MAX) < 0) {
			diag_system_error(t->d, "cannot rename '%s' to '%s': %s", renames[i].from,
					  renames[i].to, strerror(errno));
			goto out;
		}
	release_replaced(renames, nr_renames);
	for (at = deletions.buf; at && at < deletions.buf + deletions.len; at += strlen(at) + 1) {
		char *to = xasprintf("%s/%s", t->dir, at);

		if (unlink(to) < 0 && errno != ENOENT) {
			diag_system_error(t->d, "cannot remove '%s': %s", to, strerror(errno));
			free(to);
			goto out;
		}
		free(to);
		remove_empty_parents(t->dir, at);
	}
	/* The staging folder and the journal go too: to the trash, when it
	 * takes them (a folder's block is freed like a file's). */
	if (stage && !trash_put(t, stage, rename))
		output_remove_tree(stage);
	if (!trash_put(t, t->journal, rename) && unlink(t->journal) < 0) {
		diag_system_error(t->d, "cannot remove '%s': %s", t->journal, strerror(errno));
		goto out;
	}
	ret = 0;
	goto out;
bad:
	diag_system_error(t->d, "'%s' is damaged; delete it and build with --force", t->journal);
out:
	release_replaced(renames, nr_renames);
	for (i = 0; i < nr_renames; i++) {
		free(renames[i].from);
		free(renames[i].to);
	}
	free(renames);
	strbuf_release(&deletions);
	free(stage);
	fclose(f);
	return ret;
}

/* ---- opening, writing, committing --------------------------------------- */

/* Folders .<base>.new-XXXXXX of a build that was killed: ours (we hold the
 * lock of this output), and no longer of use to anyone. */
static void sweep_stale(struct output_tree *t)
{
	char *prefix = xasprintf(".%s.new-", t->base);
	DIR *dh = opendir(t->parent);
	struct dirent *de;

	while (dh && (de = readdir(dh))) {
		if (!strncmp(de->d_name, prefix, strlen(prefix))) {
			char *path = xasprintf("%s/%s", t->parent, de->d_name);
			output_remove_tree(path);
			free(path);
		}
	}
	if (dh)
		closedir(dh);
	free(prefix);
}

static void scan_outputs(struct output_tree *t);

static void *scan_thread_main(void *data)
{
	scan_outputs(data);
	return NULL;
}

int output_tree_open(struct output_tree **out, const char *dir, int force, struct diag *d)
{
	struct output_tree *t = xcalloc(1, sizeof(*t));
	const char *slash;
	struct stat st;
	char *lock_path;
	int have_manifest;

	*out = NULL;
	t->d = d;
	t->lock_fd = -1;
	pthread_mutex_init(&t->lock, NULL);
	t->dir = xstrdup(dir);
	while (strlen(t->dir) > 1 && ends_with(t->dir, "/"))
		t->dir[strlen(t->dir) - 1] = '\0';
	slash = strrchr(t->dir, '/');
	t->parent = slash ? xstrndup(t->dir, (size_t)(slash - t->dir)) : xstrdup(".");
	if (!*t->parent) {
		free(t->parent);
		t->parent = xstrdup("/");
	}
	t->base = slash ? xstrdup(slash + 1) : xstrdup(t->dir);
	t->journal = xasprintf("%s/.%s.journal", t->parent, t->base);
	t->scan_state = xasprintf("%s/.%s.scan", t->parent, t->base);
	t->trash = xasprintf("%s/.%s.trash", t->parent, t->base);
	{
		/* Unique to this tree among those of the folder (one at a time:
		 * the lock), in this process and any other. */
		static unsigned long opened;
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		snprintf(t->trash_gen, sizeof(t->trash_gen), "%ld-%lld.%09ld-%lu-", (long)getpid(),
			 (long long)now.tv_sec, now.tv_nsec,
			 __atomic_add_fetch(&opened, 1, __ATOMIC_RELAXED));
	}

	/* One build of a folder at a time.  The lock file is named after the
	 * folder's real path and kept in the temporary folder: not in the
	 * folder (which may be swapped) nor beside it (an archive's working
	 * tree), and not on the parent folder (a caller may lock that). */
	{
		char real[PATH_MAX], hex[OUTPUT_HASH_HEX + 1];
		const char *tmpdir = getenv("TMPDIR");
		char *key;

		if (!realpath(t->parent, real)) {
			diag_system_error(d, "cannot open '%s': %s", t->parent, strerror(errno));
			goto fail;
		}
		key = xasprintf("%s/%s", real, t->base);
		output_sha256_of(key, strlen(key), hex);
		free(key);
		lock_path = xasprintf("%s/pr-publish-build-%.16s.lock",
				      tmpdir && *tmpdir ? tmpdir : "/tmp", hex);
	}
	t->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (t->lock_fd < 0) {
		diag_system_error(d, "cannot open '%s': %s", lock_path, strerror(errno));
		free(lock_path);
		goto fail;
	}
	if (flock(t->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			diag_system_error(d, "another build of '%s' is running (it holds '%s')",
					  t->dir, lock_path);
		else
			diag_system_error(d, "cannot lock '%s': %s", lock_path, strerror(errno));
		free(lock_path);
		goto fail;
	}
	free(lock_path);

	if (!lstat(t->dir, &st)) {
		if (!S_ISDIR(st.st_mode)) {
			diag_system_error(d, "'%s' exists and is not a folder; not replacing it", t->dir);
			goto fail;
		}
		t->dir_exists = 1;
	} else if (errno != ENOENT) {
		diag_system_error(d, "cannot look at '%s': %s", t->dir, strerror(errno));
		goto fail;
	}
	/* An earlier build committed but was stopped while applying. */
	if (t->dir_exists && journal_apply(t) < 0)
		goto fail;
	/* Only now: a committed journal renames files out of its folder. */
	sweep_stale(t);
	have_manifest = t->dir_exists ? manifest_read(t) : 0;
	t->had_manifest = have_manifest > 0;
	if (have_manifest < 0) {
		diag_system_error(d, "'%s/%s' is damaged; delete '%s' and build again", t->dir,
				  OUTPUT_MANIFEST, t->dir);
		goto fail;
	}
	if (t->dir_exists && !have_manifest && !dir_is_empty(t->dir)) {
		diag_system_error(d, "'%s' is not empty and was not made by 'pr-publish build' "
				  "(no %s in it); not replacing it", t->dir, OUTPUT_MANIFEST);
		goto fail;
	}
	if (force) {
		size_t i;
		for (i = 0; i < t->nr_old; i++)
			t->old[i].hash = NULL;
	} else if (t->had_manifest) {
		/* Absent or unreadable: the caller does without. */
		char *path = xasprintf("%s/%s", t->dir, OUTPUT_RECORD);

		t->prev_record = t->named_record[0]
			? read_regular_file(path, (size_t)1 << 28, &t->prev_record_len) : NULL;
		free(path);
		/* One the manifest does not name (left by hand, or by a version
		 * that did not know of it, while it wrote the manifest) does
		 * not describe the outputs. */
		if (t->prev_record) {
			char hex[OUTPUT_HASH_HEX + 1];

			output_sha256_of(t->prev_record, t->prev_record_len, hex);
			if (strcmp(hex, t->named_record)) {
				free(t->prev_record);
				t->prev_record = NULL;
				t->prev_record_len = 0;
			}
		}
	}
	t->mode = t->had_manifest && !force ? MODE_UPDATE : MODE_WHOLE;
	/* Which outputs are still there is read now, beside the caller's
	 * planning, when any may be kept. */
	if (t->mode == MODE_UPDATE && t->nr_old &&
	    !start_helper_thread(&t->scan_thread, scan_thread_main, t))
		t->scan_thread_on = 1;
	/* What the last commits replaced, freed meanwhile too. */
	if (!access(t->trash, F_OK) && !start_helper_thread(&t->trash_thread, trash_empty_main, t))
		t->trash_thread_on = 1;

	*out = t;
	return 0;
fail:
	output_tree_free(t);
	return -1;
}

/*
 * Which outputs of the manifest are still in the folder (deleted by hand:
 * made again).  Reading every folder of a large site is ~16 ms, so the
 * scan remembers, in <parent>/.<base>.scan beside the output, each folder
 * in which it found every output the manifest lists there, with the
 * folder's device, inode and ctime as they were *before* it was read.
 * Deleting, adding or renaming an entry changes its folder's ctime (which,
 * unlike the mtime, cannot be set back by hand), so a folder whose stat is
 * still the remembered one holds what it held: its outputs are there
 * without reading it.  Every other folder is read.
 *
 * A change in the same clock tick as the ctime we saw would not change
 * it: a folder changed less than SCAN_SETTLE_NS before the scan began is
 * read, but not remembered, until it has settled (file systems with
 * coarse timestamps round them down by up to 2 s).
 */
#define SCAN_STATE_HEAD "pr-publish-scan 1\n"
#define SCAN_SETTLE_NS 2000000000ull

struct scan_folder {
	char *path;             /* relative, "" for the top */
	size_t nr_outputs, found;
	uint64_t dev, ino, ctime_ns;
	int remembered;         /* its stat as the state file has it */
	int trusted;            /* remembered and unchanged: not read */
	int keep;               /* goes to the new state file */
};

struct scan_state_entry {
	const char *path;
	uint64_t dev, ino, ctime_ns;
};

static int folder_cmp(const void *a, const void *b)
{
	return strcmp(((const struct scan_folder *)a)->path, ((const struct scan_folder *)b)->path);
}

static int state_cmp(const void *a, const void *b)
{
	return strcmp(((const struct scan_state_entry *)a)->path,
		      ((const struct scan_state_entry *)b)->path);
}

/* The state file's folders, sorted, pointing into *buf; nothing when it
 * is absent or damaged (every folder is read then). */
static struct scan_state_entry *scan_state_read(const char *path, char **buf, size_t *nr)
{
	struct scan_state_entry *out = NULL;
	size_t len = 0, alloc = 0;
	char *p, *end;
	int sorted = 1;

	*nr = 0;
	*buf = read_regular_file(path, (size_t)1 << 30, &len);
	if (!*buf)
		return NULL;
	end = *buf + len;
	if (len < strlen(SCAN_STATE_HEAD) + 4 || memcmp(*buf, SCAN_STATE_HEAD, strlen(SCAN_STATE_HEAD)) ||
	    memcmp(end - 4, "end\n", 4))
		return NULL;
	end -= 4;
	for (p = *buf + strlen(SCAN_STATE_HEAD); p < end; ) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *q;
		struct scan_state_entry e;

		if (!nl)
			goto bad;
		*nl = '\0';
		errno = 0;
		e.dev = strtoull(p, &q, 10);
		if (*q != ' ')
			goto bad;
		e.ino = strtoull(q + 1, &q, 10);
		if (*q != ' ')
			goto bad;
		e.ctime_ns = strtoull(q + 1, &q, 10);
		if (*q != ' ' || errno)
			goto bad;
		e.path = q + 1;
		if (*nr && strcmp(out[*nr - 1].path, e.path) >= 0)
			sorted = 0;
		ALLOC_GROW(out, *nr + 1, alloc);
		out[(*nr)++] = e;
		p = nl + 1;
	}
	if (!sorted && *nr)
		qsort(out, *nr, sizeof(*out), state_cmp);
	return out;
bad:
	free(out);
	*nr = 0;
	return NULL;
}

/* Writes the folders to remember, atomically; a state that cannot be
 * written only makes the next scan read more. */
static void scan_state_write(const char *path, const struct scan_folder *f, size_t nr)
{
	struct strbuf sb = STRBUF_INIT;
	char *tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
	size_t i;

	strbuf_addstr(&sb, SCAN_STATE_HEAD);
	for (i = 0; i < nr; i++)
		if (f[i].keep)
			strbuf_addf(&sb, "%llu %llu %llu %s\n", (unsigned long long)f[i].dev,
				    (unsigned long long)f[i].ino, (unsigned long long)f[i].ctime_ns,
				    f[i].path);
	strbuf_addstr(&sb, "end\n");
	unlink(tmp);
	if (write_new_file(tmp, sb.buf, sb.len) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
	free(tmp);
	strbuf_release(&sb);
}

/* Reads one folder (fd, closed here): marks the outputs listed in it. */
static void scan_read_folder(struct output_tree *t, struct scan_folder *f, size_t index, int fd)
{
	struct strbuf rel = STRBUF_INIT;
	DIR *dh = fdopendir(fd);
	struct dirent *de;
	size_t rel_len;

	if (!dh) {
		close(fd);
		return;
	}
	strbuf_addstr(&rel, f->path);
	if (rel.len)
		strbuf_addch(&rel, '/');
	rel_len = rel.len;
	while ((de = readdir(dh))) {
		unsigned char type = de->d_type;
		struct manifest_entry *e;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (type == DT_UNKNOWN) {
			struct stat st;
			type = fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? DT_UNKNOWN
			       : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (type != DT_REG)
			continue;
		rel.len = rel_len;
		strbuf_addstr(&rel, de->d_name);
		e = manifest_find(t, rel.buf);
		if (e && e->dir == index && !e->exists) {
			e->exists = 1;
			f->found++;
		}
	}
	closedir(dh);
	strbuf_release(&rel);
}

static uint64_t ctime_ns_of(const struct stat *st)
{
	return (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec;
}

static void scan_outputs(struct output_tree *t)
{
	struct scan_folder *folders = NULL;
	struct scan_state_entry *state = NULL;
	size_t nr = 0, alloc = 0, nr_state = 0, i, kept = 0, read = 0;
	char *state_buf = NULL;
	struct timespec began;
	uint64_t now_ns;
	int root;

	pthread_mutex_lock(&t->lock);
	if (t->scanned)
		goto out;
	clock_gettime(CLOCK_REALTIME, &began);
	now_ns = (uint64_t)began.tv_sec * 1000000000u + (uint64_t)began.tv_nsec;
	root = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		goto out;
	/* The folders of the manifest's outputs, each once. */
	for (i = 0; i < t->nr_old; i++) {
		const char *path = t->old[i].path, *slash = strrchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) : 0;

		if (nr && strlen(folders[nr - 1].path) == len &&
		    !memcmp(folders[nr - 1].path, path, len))
			continue;
		ALLOC_GROW(folders, nr + 1, alloc);
		memset(&folders[nr], 0, sizeof(*folders));
		folders[nr++].path = xstrndup(path, len);
	}
	if (nr)
		qsort(folders, nr, sizeof(*folders), folder_cmp);
	for (i = 0; nr && i + 1 < nr; ) {
		if (!strcmp(folders[i].path, folders[i + 1].path)) {
			free(folders[i + 1].path);
			memmove(folders + i + 1, folders + i + 2, (nr - i - 2) * sizeof(*folders));
			nr--;
		} else {
			i++;
		}
	}
	for (i = 0; i < t->nr_old; i++) {
		const char *path = t->old[i].path, *slash = strrchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) : 0, lo = 0, hi = nr;
		struct manifest_entry *prev = i ? &t->old[i - 1] : NULL;

		/* Most follow one of their folder. */
		if (prev && !strncmp(prev->path, path, len + (len > 0)) &&
		    !strchr(prev->path + len + (len > 0), '/')) {
			t->old[i].dir = prev->dir;
			folders[prev->dir].nr_outputs++;
			continue;
		}
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int c = strncmp(folders[mid].path, path, len);

			if (!c && folders[mid].path[len])
				c = 1;
			if (!c) {
				lo = mid;
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		t->old[i].dir = lo;
		folders[lo].nr_outputs++;
	}
	state = scan_state_read(t->scan_state, &state_buf, &nr_state);
	for (i = 0; i < nr; i++) {
		struct scan_folder *f = &folders[i];
		struct scan_state_entry probe, *seen;
		struct stat st;
		int fd;

		if (fstatat(root, *f->path ? f->path : ".", &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;   /* gone: its outputs are made again */
		f->dev = (uint64_t)st.st_dev;
		f->ino = (uint64_t)st.st_ino;
		f->ctime_ns = ctime_ns_of(&st);
		probe.path = f->path;
		seen = nr_state ? bsearch(&probe, state, nr_state, sizeof(*state), state_cmp) : NULL;
		if (seen && seen->dev == f->dev && seen->ino == f->ino && seen->ctime_ns == f->ctime_ns) {
			f->trusted = f->keep = 1;
			kept++;
			continue;
		}
		read++;
		fd = openat(root, *f->path ? f->path : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
		if (fd < 0)
			continue;
		scan_read_folder(t, f, i, fd);
		if (f->found == f->nr_outputs && f->ctime_ns + SCAN_SETTLE_NS < now_ns) {
			f->keep = 1;
			kept++;
		}
	}
	for (i = 0; i < t->nr_old; i++)
		if (folders[t->old[i].dir].trusted)
			t->old[i].exists = 1;
	close(root);
	/* Something new to remember, or something to forget. */
	if (read || kept != nr_state)
		scan_state_write(t->scan_state, folders, nr);
out:
	__atomic_store_n(&t->scanned, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&t->lock);
	for (i = 0; i < nr; i++)
		free(folders[i].path);
	free(folders);
	free(state);
	free(state_buf);
}

/* The folder is read once (output_tree_open() started it on a thread;
 * this waits for it, or reads it here). */
static void wait_for_scan(const struct output_tree *t)
{
	if (!__atomic_load_n(&t->scanned, __ATOMIC_ACQUIRE))
		scan_outputs((struct output_tree *)t);
}

/* Whether e's file is still in the folder (deleted by hand since: made
 * again). */
static int still_there(const struct output_tree *t, const struct manifest_entry *e)
{
	wait_for_scan(t);
	return e->exists;
}

int output_tree_is_fresh(const struct output_tree *t, const char *path, const char *hash,
			 size_t *known)
{
	const struct manifest_entry *e = manifest_find(t, path);

	if (known)
		*known = e ? (size_t)(e - t->old) : OUTPUT_UNKNOWN;
	if (!e || !e->hash || memcmp(e->hash, hash, OUTPUT_HASH_HEX))
		return 0;
	return still_there(t, e);
}

int output_tree_made_from(const struct output_tree *t, const char *path,
			  char hash[OUTPUT_HASH_HEX + 1], size_t *known)
{
	const struct manifest_entry *e = manifest_find(t, path);

	*known = e ? (size_t)(e - t->old) : OUTPUT_UNKNOWN;
	if (!e || !e->hash)
		return -1;
	memcpy(hash, e->hash, OUTPUT_HASH_HEX);
	hash[OUTPUT_HASH_HEX] = '\0';
	return still_there(t, e);
}

size_t output_tree_missing(const struct output_tree *t)
{
	size_t i, n = 0;

	wait_for_scan(t);
	for (i = 0; i < t->nr_old; i++)
		n += !t->old[i].exists;
	return n;
}

size_t output_tree_previous(const struct output_tree *t)
{
	return t->had_manifest ? t->nr_old : 0;
}

int output_tree_begin(struct output_tree *t)
{
	mode_t mask;

	t->tmp = xasprintf("%s/.%s.new-XXXXXX", t->parent, t->base);
	if (!mkdtemp(t->tmp)) {
		diag_system_error(t->d, "cannot make a folder beside '%s': %s", t->dir,
				  strerror(errno));
		free(t->tmp);
		t->tmp = NULL;
		return -1;
	}
	/* mkdtemp makes it private; the site is for publishing. */
	mask = umask(0);
	umask(mask);
	chmod(t->tmp, 0777 & ~mask);
	return 0;
}

/* known: where old[] has path (output_tree_is_fresh()), else OUTPUT_UNKNOWN. */
static void record(struct output_tree *t, const char *path, const char *hash, char *staged,
		   size_t known)
{
	struct manifest_entry *e, *old = known < t->nr_old ? &t->old[known] : NULL;

	if (!t->alloc_cur)
		t->cur = xgrow(t->cur, &t->alloc_cur, t->nr_old + 64, sizeof(*t->cur));
	ALLOC_GROW(t->cur, t->nr_cur + 1, t->alloc_cur);
	e = &t->cur[t->nr_cur++];
	memset(e, 0, sizeof(*e));
	/* A path the manifest has is not copied: the manifest's bytes live
	 * as long as t. */
	e->old = old ? (size_t)(old - t->old) : NOT_OLD;
	e->path = old ? old->path : xstrdup(path);
	e->staged = staged;
	if (old && old->hash && !memcmp(old->hash, hash, OUTPUT_HASH_HEX)) {
		e->hash = old->hash;
	} else {
		e->hash = xstrndup(hash, OUTPUT_HASH_HEX);
		e->own_hash = 1;
	}
}

static void cur_release(struct output_tree *t)
{
	size_t i;

	for (i = 0; i < t->nr_cur; i++) {
		if (t->cur[i].old == NOT_OLD)
			free(t->cur[i].path);
		if (t->cur[i].own_hash)
			free((char *)t->cur[i].hash);
		free(t->cur[i].staged);
	}
	t->nr_cur = 0;
}

int output_tree_reuse(struct output_tree *t, const char *path, const char *hash)
{
	size_t known;

	if (!output_tree_is_fresh(t, path, hash, &known))
		return 0;
	return output_tree_keep(t, path, hash, known);
}

int output_tree_keep(struct output_tree *t, const char *path, const char *hash, size_t known)
{
	char *from, *to;
	int ret = 1;

	if (t->mode == MODE_UPDATE) {
		/* It stays where it is. */
		pthread_mutex_lock(&t->lock);
		record(t, path, hash, NULL, known);
		pthread_mutex_unlock(&t->lock);
		return 1;
	}
	/* A whole new tree (--force never gets here): a hard link. */
	pthread_mutex_lock(&t->lock);
	ret = make_parents(t, t->tmp, path) < 0 ? -1 : 1;
	pthread_mutex_unlock(&t->lock);
	if (ret < 0)
		return -1;
	from = xasprintf("%s/%s", t->dir, path);
	to = xasprintf("%s/%s", t->tmp, path);
	if (link(from, to) < 0)
		ret = 0;
	if (ret == 1) {
		pthread_mutex_lock(&t->lock);
		record(t, path, hash, NULL, known);
		pthread_mutex_unlock(&t->lock);
	}
	free(from);
	free(to);
	return ret;
}

int output_tree_keep_rest(struct output_tree *t)
{
	unsigned char *in;
	size_t i;

	if (t->mode != MODE_UPDATE)
		return -1;
	pthread_mutex_lock(&t->lock);
	in = xcalloc(t->nr_old + 1, 1);
	for (i = 0; i < t->nr_cur; i++)
		if (t->cur[i].old != NOT_OLD)
			in[t->cur[i].old] = 1;
	for (i = 0; i < t->nr_old; i++)
		if (!in[i] && t->old[i].hash && t->old[i].exists)
			record(t, t->old[i].path, t->old[i].hash, NULL, i);
	free(in);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

int output_tree_write(struct output_tree *t, const char *path, const char *hash,
		      const char *buf, size_t len)
{
	const struct manifest_entry *old;
	char *full, *staged = NULL;
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	if (t->mode == MODE_UPDATE) {
		staged = xasprintf("%zu", t->nr_staged++);
		full = xasprintf("%s/%s", t->tmp, staged);
	} else {
		ret = make_parents(t, t->tmp, path);
		full = xasprintf("%s/%s", t->tmp, path);
	}
	pthread_mutex_unlock(&t->lock);
	if (!ret && write_new_file(full, buf, len) < 0) {
		pthread_mutex_lock(&t->lock);
		diag_system_error(t->d, "cannot write '%s': %s", full, strerror(errno));
		pthread_mutex_unlock(&t->lock);
		ret = -1;
	}
	free(full);
	if (ret) {
		free(staged);
		return -1;
	}
	pthread_mutex_lock(&t->lock);
	old = manifest_find(t, path);
	record(t, path, hash, staged, old ? (size_t)(old - t->old) : OUTPUT_UNKNOWN);
	t->nr_written++;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

/* The manifest's bytes: every output by path, with its hash. */
static void manifest_text(const struct output_tree *t, struct strbuf *sb)
{
	size_t i, len = 0;
	char *p;

	for (i = 0; i < t->nr_cur; i++)
		len += OUTPUT_HASH_HEX + strlen(t->cur[i].path) + 2;
	strbuf_grow(sb, len + 32 + 8 + OUTPUT_HASH_HEX);
	strbuf_addstr(sb, "pr-publish-manifest 1\n");
	/* The record that goes with it, by its SHA-256 (output_tree_open()). */
	if (t->record) {
		char hex[OUTPUT_HASH_HEX + 1];

		output_sha256_of(t->record, t->record_len, hex);
		strbuf_addf(sb, "record %s\n", hex);
	}
	/* Written in place, the room made above: 18,000 lines. */
	p = sb->buf + sb->len;
	for (i = 0; i < t->nr_cur; i++) {
		size_t n = strlen(t->cur[i].path);

		memcpy(p, t->cur[i].hash, OUTPUT_HASH_HEX);
		p[OUTPUT_HASH_HEX] = ' ';
		memcpy(p + OUTPUT_HASH_HEX + 1, t->cur[i].path, n);
		p[OUTPUT_HASH_HEX + 1 + n] = '\n';
		p += OUTPUT_HASH_HEX + 2 + n;
	}
	*p = '\0';
	sb->len = (size_t)(p - sb->buf);
}

/* Moves tmp into dir's place. */
static int swap_in(struct output_tree *t)
{
	char *aside;

	if (!t->dir_exists) {
		if (rename(t->tmp, t->dir) < 0) {
			diag_system_error(t->d, "cannot rename '%s' to '%s': %s", t->tmp, t->dir,
					  strerror(errno));
			return -1;
		}
		free(t->tmp);
		t->tmp = NULL;
		return 0;
	}
	if (!renameat2(AT_FDCWD, t->tmp, AT_FDCWD, t->dir, RENAME_EXCHANGE)) {
		/* tmp now holds the previous output. */
		if (output_remove_tree(t->tmp) < 0)
			diag_system_error(t->d, "cannot remove the previous output '%s': %s", t->tmp,
					  strerror(errno));
		free(t->tmp);
		t->tmp = NULL;
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP && errno != EPERM) {
		diag_system_error(t->d, "cannot swap '%s' in: %s", t->dir, strerror(errno));
		return -1;
	}
	/* No exchange on this file system: the old one aside, the new in. */
	aside = xasprintf("%s.old", t->tmp);
	if (rename(t->dir, aside) < 0) {
		diag_system_error(t->d, "cannot rename '%s': %s", t->dir, strerror(errno));
		free(aside);
		return -1;
	}
	if (rename(t->tmp, t->dir) < 0) {
		diag_system_error(t->d, "cannot rename '%s' to '%s': %s", t->tmp, t->dir,
				  strerror(errno));
		if (rename(aside, t->dir) < 0)
			diag_system_error(t->d, "the previous output is now at '%s'", aside);
		free(aside);
		return -1;
	}
	free(t->tmp);
	t->tmp = NULL;
	if (output_remove_tree(aside) < 0)
		diag_system_error(t->d, "cannot remove the previous output '%s': %s", aside,
				  strerror(errno));
	free(aside);
	return 0;
}

/* Writes the stamp at full, or removes it when there is none. */
static int write_stamp(struct output_tree *t, const char *full)
{
	if (!t->stamp)
		return unlink(full) < 0 && errno != ENOENT ? -1 : 0;
	unlink(full);
	return write_new_file(full, t->stamp, strlen(t->stamp));
}

/* Incremental: write the journal (its staged files are ready), commit,
 * apply. */
static int update_in_place(struct output_tree *t)
{
	struct strbuf sb = STRBUF_INIT;
	char *tmp_journal = xasprintf("%s.tmp", t->journal), *full;
	const char *crash = getenv("PR_PUBLISH_TEST_INTERRUPT");
	size_t i, j;
	int ret = -1, fd;

	if (t->stamp) {
		full = xasprintf("%s/stamp", t->tmp);
		if (write_stamp(t, full) < 0) {
			diag_system_error(t->d, "cannot write '%s': %s", full, strerror(errno));
			free(full);
			goto out;
		}
		free(full);
	}
	if (t->record) {
		full = xasprintf("%s/record", t->tmp);
		if (write_new_file(full, t->record, t->record_len) < 0) {
			diag_system_error(t->d, "cannot write '%s': %s", full, strerror(errno));
			free(full);
			goto out;
		}
		free(full);
	}
	strbuf_addstr(&sb, "pr-publish-journal 1\n");
	strbuf_addf(&sb, "S %s\n", t->tmp);
	for (i = 0; i < t->nr_cur; i++)
		if (t->cur[i].staged)
			strbuf_addf(&sb, "R %s %s\n", t->cur[i].staged, t->cur[i].path);
	for (i = j = 0; i < t->nr_old; i++) {
		while (j < t->nr_cur && cur_vs_old(t, &t->cur[j], i) < 0)
			j++;
		if (j == t->nr_cur || cur_vs_old(t, &t->cur[j], i))
			strbuf_addf(&sb, "D %s\n", t->old[i].path);
	}
	strbuf_addf(&sb, "R manifest %s\n", OUTPUT_MANIFEST);
	/* The stamp goes with this state of the folder, or goes. */
	if (t->stamp)
		strbuf_addf(&sb, "R stamp %s\n", OUTPUT_STAMP);
	else
		strbuf_addf(&sb, "D %s\n", OUTPUT_STAMP);
	/* And so does the record of how it was made. */
	if (t->record)
		strbuf_addf(&sb, "R record %s\n", OUTPUT_RECORD);
	else
		strbuf_addf(&sb, "D %s\n", OUTPUT_RECORD);
	strbuf_addstr(&sb, "end\n");
	/* Termination signals are held by output_tree_commit() from here to
	 * the end of applying the journal (a SIGKILL cannot be held off; the
	 * next build then finishes the journal). */
	unlink(tmp_journal);
	if (write_new_file(tmp_journal, sb.buf, sb.len) < 0 ||
	    (fd = open(tmp_journal, O_RDONLY)) < 0 || (fsync(fd), close(fd)) < 0 ||
	    rename(tmp_journal, t->journal) < 0) {
		diag_system_error(t->d, "cannot write '%s': %s", t->journal, strerror(errno));
		unlink(tmp_journal);
		goto out;
	}
	/* Committed: from here on the next build finishes what this one
	 * may not. */
	free(t->tmp);
	t->tmp = NULL;
	if (crash && !strcmp(crash, "after-journal"))
		_exit(3);
	ret = journal_apply(t);
out:
	free(tmp_journal);
	strbuf_release(&sb);
	return ret;
}

int output_tree_prepare(struct output_tree *t, struct output_stats *stats)
{
	struct strbuf man = STRBUF_INIT;
	char *full;
	size_t i, j;
	int ret = 0;

	if (t->prepared) {
		*stats = t->stats;
		return 0;
	}
	memset(&t->stats, 0, sizeof(t->stats));
	/* The manifest lists outputs by path: the same build, the same bytes. */
	sort_cur(t);
	for (i = 1; i < t->nr_cur; i++)
		if (!cur_cmp(&t->cur[i], &t->cur[i - 1])) {
			diag_system_error(t->d, "internal error: '%s' was produced twice",
					  t->cur[i].path);
			return -1;
		}
	/* Old outputs not made again. */
	for (i = j = 0; i < t->nr_old; i++) {
		while (j < t->nr_cur && cur_vs_old(t, &t->cur[j], i) < 0)
			j++;
		if (j == t->nr_cur || cur_vs_old(t, &t->cur[j], i))
			t->stats.removed++;
	}
	t->stats.written = t->nr_written;
	t->stats.reused = t->nr_cur - t->nr_written;
	if (t->had_manifest && !t->nr_written && !t->stats.removed) {
		t->stats.unchanged = 1;
	} else {
		/* The manifest, staged: an update renames it into place. */
		manifest_text(t, &man);
		full = t->mode == MODE_UPDATE ? xasprintf("%s/manifest", t->tmp)
					      : xasprintf("%s/%s", t->tmp, OUTPUT_MANIFEST);
		ret = write_new_file(full, man.buf, man.len);
		if (ret < 0)
			diag_system_error(t->d, "cannot write '%s': %s", full, strerror(errno));
		free(full);
		strbuf_release(&man);
	}
	if (!ret)
		t->prepared = 1;
	*stats = t->stats;
	return ret;
}

int output_tree_commit(struct output_tree *t, struct output_stats *stats)
{
	sigset_t held_mask;
	int ret;

	if (output_tree_prepare(t, stats) < 0)
		return -1;
	if (stats->unchanged) {
		char *full, *tmp, *now;

		t->committed = 1;
		if (!t->stamp)
			return 0;   /* output_tree_free() drops the staging folder */
		/* The folder stays as it is, and is what the stamp says. */
		now = output_tree_read_stamp(t);
		if (now && !strcmp(now, t->stamp)) {
			free(now);
			return 0;
		}
		free(now);
		full = xasprintf("%s/%s", t->dir, OUTPUT_STAMP);
		tmp = xasprintf("%s.tmp", full);
		ret = write_stamp(t, tmp) < 0 || rename(tmp, full) < 0 ? -1 : 0;
		if (ret < 0) {
			diag_system_error(t->d, "cannot write '%s': %s", full, strerror(errno));
			unlink(tmp);
		}
		free(tmp);
		free(full);
		return ret;
	}
	/* From here the old site is being replaced: a SIGTERM or ^C waits
	 * until it is done, so that it finds the site before or after.  (A
	 * SIGKILL during an update leaves the journal, which the next build
	 * applies first.) */
	hold_termination_signals(&held_mask);
	if (t->mode == MODE_UPDATE) {
		ret = update_in_place(t);
	} else {
		char *full = xasprintf("%s/%s", t->tmp, OUTPUT_STAMP);

		ret = write_stamp(t, full);
		if (ret < 0)
			diag_system_error(t->d, "cannot write '%s': %s", full, strerror(errno));
		free(full);
		if (!ret && t->record) {
			full = xasprintf("%s/%s", t->tmp, OUTPUT_RECORD);
			ret = write_new_file(full, t->record, t->record_len);
			if (ret < 0)
				diag_system_error(t->d, "cannot write '%s': %s", full,
						  strerror(errno));
			free(full);
		}
		if (!ret)
			ret = swap_in(t);
	}
	pthread_sigmask(SIG_SETMASK, &held_mask, NULL);
	if (ret < 0)
		return -1;
	t->committed = 1;
	return 0;
}

void output_tree_set_stamp(struct output_tree *t, const char *text)
{
	free(t->stamp);
	t->stamp = text ? xstrdup(text) : NULL;
}

void output_tree_set_record(struct output_tree *t, char *buf, size_t len)
{
	free(t->record);
	t->record = buf;
	t->record_len = buf ? len : 0;
}

const char *output_tree_record(const struct output_tree *t, size_t *len)
{
	*len = t->prev_record_len;
	return t->prev_record;
}

char *output_tree_read_stamp(const struct output_tree *t)
{
	char *path = xasprintf("%s/%s", t->dir, OUTPUT_STAMP), buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	free(path);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || (size_t)n == sizeof(buf) - 1)
		return NULL;
	return xstrndup(buf, (size_t)n);
}

const char *output_tree_whole(const struct output_tree *t)
{
	return t->prepared && t->mode == MODE_WHOLE && !t->stats.unchanged ? t->tmp : NULL;
}

int output_tree_changes(const struct output_tree *t,
			int (*fn)(void *data, const char *path, const char *file), void *data)
{
	size_t i, j;
	int ret = 0;

	if (!t->prepared || t->mode != MODE_UPDATE || t->stats.unchanged)
		return 0;
	for (i = 0; i < t->nr_cur && !ret; i++)
		if (t->cur[i].staged) {
			char *file = xasprintf("%s/%s", t->tmp, t->cur[i].staged);
			ret = fn(data, t->cur[i].path, file);
			free(file);
		}
	for (i = j = 0; i < t->nr_old && !ret; i++) {
		while (j < t->nr_cur && cur_vs_old(t, &t->cur[j], i) < 0)
			j++;
		if (j == t->nr_cur || cur_vs_old(t, &t->cur[j], i))
			ret = fn(data, t->old[i].path, NULL);
	}
	return ret;
}

void output_tree_reset(struct output_tree *t)
{
	size_t i;

	if (t->tmp)
		output_remove_tree(t->tmp);
	free(t->tmp);
	t->tmp = NULL;
	cur_release(t);
	for (i = 0; i < t->nr_dirs; i++)
		free(t->dirs[i]);
	t->nr_dirs = 0;
	t->nr_written = t->nr_staged = 0;
	t->prepared = t->committed = 0;
	memset(&t->stats, 0, sizeof(t->stats));
	output_tree_set_stamp(t, NULL);
	output_tree_set_record(t, NULL, 0);
}

void output_tree_set_diag(struct output_tree *t, struct diag *d)
{
	t->d = d;
}

void output_tree_free(struct output_tree *t)
{
	size_t i;

	if (!t)
		return;
	if (t->scan_thread_on)
		pthread_join(t->scan_thread, NULL);
	if (t->trash_thread_on)
		pthread_join(t->trash_thread, NULL);
	free(t->trash);
	if (t->tmp)
		output_remove_tree(t->tmp);
	free(t->manifest_buf);
	free(t->slots);
	free(t->scan_state);
	cur_release(t);
	for (i = 0; i < t->nr_dirs; i++)
		free(t->dirs[i]);
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	pthread_mutex_destroy(&t->lock);
	free(t->dirs);
	free(t->stamp);
	free(t->record);
	free(t->prev_record);
	free(t->old);
	free(t->cur);
	free(t->tmp);
	free(t->journal);
	free(t->parent);
	free(t->base);
	free(t->dir);
	free(t);
}
