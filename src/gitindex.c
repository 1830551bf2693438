/* gitindex.c - git's index file, spliced; see gitindex.h. */
#include "gitindex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- SHA-1 (FIPS 180-4), for the index's checksum ----------------------- */

static uint32_t rol32(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = be32(p + 4 * i);
	for (; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (i = 0; i < 80; i++) {
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5a827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = b ^ c ^ d, k = 0xca62c1d6;
		t = rol32(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol32(b, 30), b = a, a = t;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SHA1_NI_CODE 1

/*
 * The same with the SHA extensions: the state as ABCD (A in the top lane)
 * and E; four rounds an instruction, the message schedule four words at a
 * time (group g of words from groups g-4 .. g-1).  The round function
 * is an immediate, hence a loop for each of the four.
 */
#define SHA1_GROUPS(func)                                                              \
	for (k = 0; k < 5; k++, g++) {                                                   \
		__m128i m, ew;                                                           \
		if (g < 4)                                                               \
			m = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), \
					     mask);                                      \
		else                                                                     \
			m = _mm_sha1msg2_epu32(                                          \
				_mm_xor_si128(_mm_sha1msg1_epu32(w[g & 3], w[(g + 1) & 3]), \
					      w[(g + 2) & 3]),                           \
				w[(g + 3) & 3]);                                         \
		w[g & 3] = m;                                                            \
		ew = g ? _mm_sha1nexte_epu32(prev, m) : _mm_add_epi32(e0, m);            \
		prev = abcd;                                                             \
		abcd = _mm_sha1rnds4_epu32(abcd, ew, func);                              \
	}

__attribute__((target("sha,sse4.1,ssse3"))) static void sha1_blocks_ni(uint32_t h[5],
								     const unsigned char *p,
								     size_t blocks)
{
	const __m128i mask = _mm_set_epi64x(0x0001020304050607ULL, 0x08090a0b0c0d0e0fULL);
	__m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1B);
	__m128i e0 = _mm_set_epi32((int)h[4], 0, 0, 0);

	for (; blocks; blocks--, p += 64) {
		__m128i abcd_save = abcd, e_save = e0, prev = abcd, w[4];
		int g = 0, k;

		SHA1_GROUPS(0)
		SHA1_GROUPS(1)
		SHA1_GROUPS(2)
		SHA1_GROUPS(3)
		/* E after the 80 rounds: A of four rounds before, rotated. */
		e0 = _mm_sha1nexte_epu32(prev, e_save);
		abcd = _mm_add_epi32(abcd, abcd_save);
	}
	_mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1B));
	h[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}
#endif

static void sha1_blocks(uint32_t h[5], const unsigned char *p, size_t n)
{
#ifdef HAVE_SHA1_NI_CODE
	if (cpu_has_sha_ni()) {
		sha1_blocks_ni(h, p, n);
		return;
	}
#endif
	for (; n; n--, p += 64)
		sha1_block(h, p);
}

void gitindex_sha1(const void *data, size_t len, unsigned char out[GITINDEX_OID_BYTES])
{
	uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
	const unsigned char *p = data;
	unsigned char tail[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t whole = len / 64, rest = len % 64, tail_len = rest < 56 ? 64 : 128;
	int i;

	sha1_blocks(h, p, whole);
	memset(tail, 0, sizeof(tail));
	memcpy(tail, p + 64 * whole, rest);
	tail[rest] = 0x80;
	for (i = 0; i < 8; i++)
		tail[tail_len - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha1_blocks(h, tail, tail_len / 64);
	for (i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(h[i] >> 8);
		out[4 * i + 3] = (unsigned char)h[i];
	}
}

/* ---- the index ---------------------------------------------------------- */

#define HEADER_SIZE 12
#define ENTRY_FIXED 62          /* an entry up to its name, without extended flags */
#define FLAG_EXTENDED 0x4000
#define FLAG_STAGE 0x3000
#define NAME_MASK 0x0fff
#define MODE_BLOB 0100644
#define MAX_TREE_DEPTH 256      /* folders within folders, in the cache of trees */

/* An entry of the index as it is: where its bytes are, and its name. */
struct entry_ref {
	const unsigned char *at;
	size_t len;
	const char *name;
	size_t name_len;
	unsigned flags;
};

static int name_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
	int c = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (c)
		return c;
	return a_len < b_len ? -1 : a_len > b_len;
}

/* The first entry whose name is not below name (n when none). */
static size_t lower_bound(const struct entry_ref *e, size_t n, const char *name, size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (name_cmp(e[mid].name, e[mid].name_len, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int has_name(const struct entry_ref *e, size_t n, size_t at, const char *name, size_t len)
{
	return at < n && !name_cmp(e[at].name, e[at].name_len, name, len);
}

/* The entries from buf + HEADER_SIZE up to end: *out (count of them),
 * *ext_at where the extensions begin.  0, or -1 with *why. */
static int read_entries(const unsigned char *buf, size_t end, uint32_t version, uint32_t count,
			struct entry_ref **out, size_t *ext_at, const char **why)
{
	struct entry_ref *e;
	size_t at = HEADER_SIZE, i;

	/* The smallest entry is 64 bytes: a hostile count allocates nothing. */
	if (count > (end - HEADER_SIZE) / 64) {
		*why = "more entries than the file holds";
		return -1;
	}
	e = xcalloc((size_t)count + 1, sizeof(*e));
	for (i = 0; i < count; i++) {
		unsigned flags;
		size_t name_at, name_len, len;
		const unsigned char *nul;

		if (end - at < ENTRY_FIXED + 2)
			goto cut;
		flags = (unsigned)buf[at + 60] << 8 | buf[at + 61];
		name_at = at + ENTRY_FIXED;
		if (flags & FLAG_EXTENDED) {
			if (version < 3) {
				*why = "extended flags in a version 2 index";
				goto fail;
			}
			name_at += 2;
		}
		nul = memchr(buf + name_at, '\0', end - name_at);
		if (!nul)
			goto cut;
		name_len = (size_t)(nul - (buf + name_at));
		if (!name_len || ((flags & NAME_MASK) != NAME_MASK && (flags & NAME_MASK) != name_len) ||
		    ((flags & NAME_MASK) == NAME_MASK && name_len < NAME_MASK)) {
			*why = "an entry's name does not have its length";
			goto fail;
		}
		/* Padded with 1 to 8 NULs to a multiple of 8 bytes. */
		len = (name_at - at + name_len + 8) & ~(size_t)7;
		if (len > end - at)
			goto cut;
		e[i].at = buf + at;
		e[i].len = len;
		e[i].name = (const char *)buf + name_at;
		e[i].name_len = name_len;
		e[i].flags = flags;
		if (i) {
			int c = name_cmp(e[i - 1].name, e[i - 1].name_len, e[i].name, name_len);
			if (c > 0 || (!c && (e[i - 1].flags & FLAG_STAGE) >= (flags & FLAG_STAGE))) {
				*why = "entries out of order";
				goto fail;
			}
		}
		at += len;
	}
	*out = e;
	*ext_at = at;
	return 0;
cut:
	*why = "an entry runs past the end";
fail:
	free(e);
	return -1;
}

static void put_be32(struct strbuf *out, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	strbuf_add(out, b, 4);
}

/* The entry of a change that sets a path, as git writes it. */
static void put_entry(struct strbuf *out, const struct gitindex_change *c)
{
	size_t start = out->len, name_len = strlen(c->path);
	size_t total = (ENTRY_FIXED + name_len + 8) & ~(size_t)7;
	const struct stat *st = c->st;
	unsigned flags = name_len < NAME_MASK ? (unsigned)name_len : NAME_MASK;
	unsigned char f[2] = { (unsigned char)(flags >> 8), (unsigned char)flags };

	put_be32(out, (uint32_t)st->st_ctim.tv_sec);
	put_be32(out, (uint32_t)st->st_ctim.tv_nsec);
	put_be32(out, (uint32_t)st->st_mtim.tv_sec);
	put_be32(out, (uint32_t)st->st_mtim.tv_nsec);
	put_be32(out, (uint32_t)st->st_dev);
	put_be32(out, (uint32_t)st->st_ino);
	put_be32(out, MODE_BLOB);
	put_be32(out, (uint32_t)st->st_uid);
	put_be32(out, (uint32_t)st->st_gid);
	put_be32(out, (uint32_t)st->st_size);
	strbuf_add(out, c->oid, GITINDEX_OID_BYTES);
	strbuf_add(out, f, 2);
	strbuf_add(out, c->path, name_len);
	while (out->len - start < total)
		strbuf_addch(out, '\0');
}

/* ---- the cache of trees (extension TREE) --------------------------------- */

struct tree_walk {
	const unsigned char *p, *end;
	struct strbuf *out;
	const struct gitindex_change *const *changes;
	size_t nr;
	struct strbuf path;     /* of the node, with a slash after each folder */
	int depth;
};

/* A decimal number up to stop; -1 allowed when negative_ok.  0 or -1. */
static int tree_number(struct tree_walk *w, char stop, int negative_ok, long *out)
{
	long v = 0;
	int neg = 0, digits = 0;

	if (w->p < w->end && *w->p == '-' && negative_ok)
		neg = 1, w->p++;
	while (w->p < w->end && *w->p >= '0' && *w->p <= '9' && digits < 9)
		v = v * 10 + (*w->p++ - '0'), digits++;
	if (!digits || w->p == w->end || *w->p != stop || (neg && v != 1))
		return -1;
	w->p++;
	*out = neg ? -1 : v;
	return 0;
}

/* Whether a change is in the folder at w->path (every change is in the
 * top one). */
static int tree_touched(const struct tree_walk *w)
{
	size_t i;

	for (i = 0; i < w->nr; i++)
		if (!strncmp(w->changes[i]->path, w->path.buf, w->path.len))
			return 1;
	return 0;
}

/* Copies one node and its subtrees, a changed folder marked invalid
 * (entry count -1, no tree id).  0, or -1 when the extension is not
 * well formed. */
static int tree_node(struct tree_walk *w)
{
	const unsigned char *name = w->p, *nul = memchr(w->p, '\0', (size_t)(w->end - w->p));
	size_t name_len, before = w->path.len;
	long entries, subtrees, i;
	int ret = 0;

	if (!nul || ++w->depth > MAX_TREE_DEPTH)
		return -1;
	name_len = (size_t)(nul - name);
	w->p = nul + 1;
	if (tree_number(w, ' ', 1, &entries) || tree_number(w, '\n', 0, &subtrees))
		return -1;
	if (entries >= 0 && w->end - w->p < GITINDEX_OID_BYTES)
		return -1;
	if (name_len) {
		strbuf_add(&w->path, name, name_len);
		strbuf_addch(&w->path, '/');
	}
	strbuf_add(w->out, name, name_len + 1);
	if (entries >= 0 && !tree_touched(w)) {
		strbuf_addf(w->out, "%ld %ld\n", entries, subtrees);
		strbuf_add(w->out, w->p, GITINDEX_OID_BYTES);
	} else {
		strbuf_addf(w->out, "-1 %ld\n", subtrees);
	}
	if (entries >= 0)
		w->p += GITINDEX_OID_BYTES;
	for (i = 0; i < subtrees && !ret; i++)
		ret = tree_node(w);
	w->path.len = before;
	w->path.buf[before] = '\0';
	w->depth--;
	return ret;
}

/* The TREE extension (data, size) with the changed folders invalid, into
 * out; nothing when it is not well formed (git does without it). */
static void put_tree(struct strbuf *out, const unsigned char *data, size_t size,
		     const struct gitindex_change *const *changes, size_t nr)
{
	struct strbuf body = STRBUF_INIT;
	struct tree_walk w = { data, data + size, &body, changes, nr, STRBUF_INIT, 0 };
	int ret = 0;

	strbuf_grow(&w.path, 64);   /* the top folder's path is empty */
	while (w.p < w.end && !ret)
		ret = tree_node(&w);
	if (!ret && body.len) {
		strbuf_add(out, "TREE", 4);
		put_be32(out, (uint32_t)body.len);
		strbuf_add(out, body.buf, body.len);
	}
	strbuf_release(&w.path);
	strbuf_release(&body);
}

/* ---- the splice --------------------------------------------------------- */

static int change_cmp(const void *a, const void *b)
{
	const struct gitindex_change *x = *(const struct gitindex_change *const *)a;
	const struct gitindex_change *y = *(const struct gitindex_change *const *)b;

	return strcmp(x->path, y->path);
}

/* Whether setting path would make it a file and a folder at once: a
 * folder of it is a file, or it is the folder of a file. */
static int file_and_folder(const struct entry_ref *e, size_t n, const char *path)
{
	size_t len = strlen(path), i;
	char *below;
	int clash;

	for (i = 1; i < len; i++)
		if (path[i] == '/' && has_name(e, n, lower_bound(e, n, path, i), path, i))
			return 1;
	below = xasprintf("%s/", path);
	i = lower_bound(e, n, below, len + 1);
	clash = i < n && e[i].name_len > len + 1 && !memcmp(e[i].name, below, len + 1);
	free(below);
	return clash;
}

int gitindex_splice(const char *buf, size_t len, const struct gitindex_change *changes,
		    size_t nr, struct strbuf *out, const char **why)
{
	const unsigned char *b = (const unsigned char *)buf;
	const struct gitindex_change **sorted = NULL;
	struct entry_ref *e = NULL;
	unsigned char sum[GITINDEX_OID_BYTES];
	size_t end, ext_at, at, i, j, start = out->len, kept = 0;
	uint32_t version, count;
	int ret = 1;

	*why = NULL;
	if (len < HEADER_SIZE + GITINDEX_OID_BYTES || memcmp(b, "DIRC", 4)) {
		*why = "not an index";
		return 1;
	}
	version = be32(b + 4);
	count = be32(b + 8);
	if (version != 2 && version != 3) {
		*why = "an index version other than 2 and 3";
		return 1;
	}
	end = len - GITINDEX_OID_BYTES;
	gitindex_sha1(b, end, sum);
	if (memcmp(sum, b + end, GITINDEX_OID_BYTES)) {
		*why = "its checksum does not match";
		return 1;
	}
	if (read_entries(b, end, version, count, &e, &ext_at, why) < 0)
		return 1;
	/* Extensions: a signature, a size, the data; required ones (their
	 * signature does not begin with a capital) are not ours to keep. */
	for (at = ext_at; at < end;) {
		uint32_t size;

		if (end - at < 8 || (size = be32(b + at + 4)) > end - at - 8) {
			*why = "an extension runs past the end";
			goto out;
		}
		if (b[at] < 'A' || b[at] > 'Z') {
			*why = "an extension git requires readers to understand";
			goto out;
		}
		at += 8 + size;
	}
	sorted = xcalloc(nr + 1, sizeof(*sorted));
	for (i = 0; i < nr; i++)
		sorted[i] = &changes[i];
	qsort(sorted, nr, sizeof(*sorted), change_cmp);
	for (i = 0; i < nr; i++) {
		const char *path = sorted[i]->path;
		size_t pl = strlen(path), k = lower_bound(e, count, path, pl);

		if (i && !strcmp(sorted[i - 1]->path, path)) {
			*why = "the same path twice";
			goto out;
		}
		if (has_name(e, count, k, path, pl) &&
		    ((e[k].flags & (FLAG_STAGE | FLAG_EXTENDED)) || has_name(e, count, k + 1, path, pl))) {
			*why = "a changed path in conflict or in a sparse checkout";
			goto out;
		}
		if (sorted[i]->oid && file_and_folder(e, count, path)) {
			*why = "a path that would be a file and a folder";
			goto out;
		}
	}

	/* The size it will have, within the new entries' (one allocation). */
	for (i = 0, at = len; i < nr; i++)
		at += ENTRY_FIXED + 8 + strlen(changes[i].path);
	strbuf_grow(out, at);
	strbuf_add(out, b, HEADER_SIZE);   /* the count is set below */
	for (i = j = 0; i < count || j < nr;) {
		int c = i == count ? 1
			: j == nr  ? -1
				   : name_cmp(e[i].name, e[i].name_len, sorted[j]->path,
					      strlen(sorted[j]->path));
		if (c < 0) {
			strbuf_add(out, e[i].at, e[i].len);
			kept++;
			i++;
			continue;
		}
		if (sorted[j]->oid) {
			put_entry(out, sorted[j]);
			kept++;
		}
		if (!c)
			i++;
		j++;
	}
	for (at = ext_at; at < end;) {
		uint32_t size = be32(b + at + 4);

		if (!memcmp(b + at, "TREE", 4))
			put_tree(out, b + at + 8, size, sorted, nr);
		else if (!memcmp(b + at, "REUC", 4))
			strbuf_add(out, b + at, 8 + size);
		at += 8 + size;
	}
	out->buf[start + 8] = (char)(kept >> 24);
	out->buf[start + 9] = (char)(kept >> 16);
	out->buf[start + 10] = (char)(kept >> 8);
	out->buf[start + 11] = (char)kept;
	gitindex_sha1(out->buf + start, out->len - start, sum);
	strbuf_add(out, sum, sizeof(sum));
	ret = 0;
out:
	free(sorted);
	free(e);
	return ret;
}
