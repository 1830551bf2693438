/* site_output.c - the output tree, its manifest and the swap; see site_output.h. */
#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE */
#include "site_output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
			sha_block(s, p);
			p += 64;
			len -= 64;
			continue;
		}
		memcpy(s->block + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill == 64) {
			sha_block(s, s->block);
			s->fill = 0;
		}
	}
}

void output_sha256_hex(struct output_sha256 *s, char hex[OUTPUT_HASH_HEX + 1])
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
	for (i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", s->h[i]);
}

/* ---- the manifest ------------------------------------------------------- */

struct manifest_entry {
	char *path;
	char hash[OUTPUT_HASH_HEX + 1];
};

struct output_tree {
	struct diag *d;
	char *dir;          /* the published folder, as given */
	char *tmp;          /* the new tree being built */
	int dir_exists;
	int had_manifest;
	int committed;
	size_t nr_written;
	struct manifest_entry *old;   /* sorted by path */
	size_t nr_old;
	struct manifest_entry *cur;   /* in the order produced */
	size_t nr_cur, alloc_cur;
	char *last_dir;     /* the last folder made in tmp, to skip mkdir calls */
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct manifest_entry *)a)->path,
		      ((const struct manifest_entry *)b)->path);
}

/* Reads dir/.pr-publish-manifest.  1 when read, 0 when absent, -1 when
 * present but unreadable. */
static int manifest_read(struct output_tree *t)
{
	char *path = xasprintf("%s/%s", t->dir, OUTPUT_MANIFEST);
	FILE *f = fopen(path, "r");
	char line[4200];
	size_t alloc = 0;
	int ret = 1;

	if (!f) {
		ret = errno == ENOENT ? 0 : -1;
		goto out;
	}
	if (!fgets(line, sizeof(line), f) || strcmp(line, "pr-publish-manifest 1\n")) {
		ret = -1;
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		struct manifest_entry *e;
		size_t len = strlen(line);

		if (len < OUTPUT_HASH_HEX + 3 || line[len - 1] != '\n' || line[OUTPUT_HASH_HEX] != ' ')
			continue;
		line[len - 1] = '\0';
		ALLOC_GROW(t->old, t->nr_old + 1, alloc);
		e = &t->old[t->nr_old++];
		memcpy(e->hash, line, OUTPUT_HASH_HEX);
		e->hash[OUTPUT_HASH_HEX] = '\0';
		e->path = xstrdup(line + OUTPUT_HASH_HEX + 1);
	}
	if (t->nr_old)
		qsort(t->old, t->nr_old, sizeof(*t->old), entry_cmp);
out:
	if (f)
		fclose(f);
	free(path);
	return ret;
}

static const struct manifest_entry *manifest_find(const struct output_tree *t, const char *path)
{
	struct manifest_entry probe;

	if (!t->nr_old)
		return NULL;
	probe.path = (char *)path;
	return bsearch(&probe, t->old, t->nr_old, sizeof(probe), entry_cmp);
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

int output_tree_open(struct output_tree **out, const char *dir, int force, struct diag *d)
{
	struct output_tree *t = xcalloc(1, sizeof(*t));
	struct stat st;
	int have_manifest;

	*out = NULL;
	t->d = d;
	t->dir = xstrdup(dir);
	while (strlen(t->dir) > 1 && ends_with(t->dir, "/"))
		t->dir[strlen(t->dir) - 1] = '\0';
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
			t->old[i].hash[0] = '\0';
	}

	*out = t;
	return 0;
fail:
	output_tree_free(t);
	return -1;
}

int output_tree_is_fresh(const struct output_tree *t, const char *path, const char *hash)
{
	const struct manifest_entry *e = manifest_find(t, path);

	return e && !strcmp(e->hash, hash);
}

size_t output_tree_previous(const struct output_tree *t)
{
	return t->had_manifest ? t->nr_old : 0;
}

int output_tree_begin(struct output_tree *t)
{
	const char *slash = strrchr(t->dir, '/');
	char *parent, *base;
	mode_t mask;

	parent = slash ? xstrndup(t->dir, (size_t)(slash - t->dir)) : xstrdup(".");
	if (!*parent) {
		free(parent);
		parent = xstrdup("/");
	}
	base = slash ? xstrdup(slash + 1) : xstrdup(t->dir);
	t->tmp = xasprintf("%s/.%s.new-XXXXXX", parent, base);
	free(parent);
	free(base);
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

static int make_dir(struct output_tree *t, char *full, size_t root_len)
{
	char *slash;
	int ret;

	if (!mkdir(full, 0777) || errno == EEXIST)
		return 0;
	if (errno != ENOENT || !(slash = strrchr(full, '/')) || (size_t)(slash - full) <= root_len)
		goto fail;
	*slash = '\0';
	ret = make_dir(t, full, root_len);
	*slash = '/';
	if (ret < 0)
		return -1;
	if (!mkdir(full, 0777) || errno == EEXIST)
		return 0;
fail:
	diag_system_error(t->d, "cannot make folder '%s': %s", full, strerror(errno));
	return -1;
}

static int make_parents(struct output_tree *t, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *full;
	int ret;

	if (!slash)
		return 0;
	if (t->last_dir && strlen(t->last_dir) == (size_t)(slash - path) &&
	    !strncmp(t->last_dir, path, (size_t)(slash - path)))
		return 0;
	full = xasprintf("%s/%.*s", t->tmp, (int)(slash - path), path);
	ret = make_dir(t, full, strlen(t->tmp));
	free(full);
	if (!ret) {
		free(t->last_dir);
		t->last_dir = xstrndup(path, (size_t)(slash - path));
	}
	return ret;
}

static void record(struct output_tree *t, const char *path, const char *hash)
{
	struct manifest_entry *e;

	ALLOC_GROW(t->cur, t->nr_cur + 1, t->alloc_cur);
	e = &t->cur[t->nr_cur++];
	e->path = xstrdup(path);
	snprintf(e->hash, sizeof(e->hash), "%s", hash);
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), outfd = -1, ret = -1;
	ssize_t n;

	if (in < 0)
		return -1;
	outfd = open(to, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (outfd < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(outfd, buf, (size_t)n) != n)
			goto out;
	ret = n < 0 ? -1 : 0;
out:
	if (outfd >= 0 && close(outfd) < 0)
		ret = -1;
	close(in);
	return ret;
}

int output_tree_reuse(struct output_tree *t, const char *path, const char *hash)
{
	const struct manifest_entry *e = manifest_find(t, path);
	char *from, *to;
	int ret = 1;

	if (!e || strcmp(e->hash, hash))
		return 0;
	if (make_parents(t, path) < 0)
		return -1;
	from = xasprintf("%s/%s", t->dir, path);
	to = xasprintf("%s/%s", t->tmp, path);
	if (link(from, to) < 0) {
		if (errno == ENOENT)
			ret = 0;   /* deleted by hand since: render it again */
		else if (copy_file(from, to) < 0) {
			unlink(to);
			ret = 0;
		}
	}
	if (ret == 1)
		record(t, path, hash);
	free(from);
	free(to);
	return ret;
}

int output_tree_write(struct output_tree *t, const char *path, const char *hash,
		      const char *buf, size_t len)
{
	char *full;
	int fd, ret = 0;

	if (make_parents(t, path) < 0)
		return -1;
	full = xasprintf("%s/%s", t->tmp, path);
	fd = open(full, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0) {
		diag_system_error(t->d, "cannot write '%s': %s", full, strerror(errno));
		free(full);
		return -1;
	}
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			diag_system_error(t->d, "cannot write '%s': %s", full, strerror(errno));
			ret = -1;
			break;
		}
		buf += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && !ret) {
		diag_system_error(t->d, "cannot write '%s': %s", full, strerror(errno));
		ret = -1;
	}
	if (!ret) {
		record(t, path, hash);
		t->nr_written++;
	}
	free(full);
	return ret;
}

static int write_manifest(struct output_tree *t)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int ret;

	strbuf_addstr(&sb, "pr-publish-manifest 1\n");
	for (i = 0; i < t->nr_cur; i++)
		strbuf_addf(&sb, "%s %s\n", t->cur[i].hash, t->cur[i].path);
	ret = output_tree_write(t, OUTPUT_MANIFEST, "", sb.buf, sb.len);
	/* The manifest is not an output of its own. */
	if (!ret) {
		t->nr_cur--;
		t->nr_written--;
		free(t->cur[t->nr_cur].path);
	}
	strbuf_release(&sb);
	return ret;
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

int output_tree_commit(struct output_tree *t, struct output_stats *stats)
{
	struct manifest_entry *sorted;
	size_t i, j;

	stats->removed = 0;
	stats->unchanged = 0;
	sorted = xcalloc(t->nr_cur + 1, sizeof(*sorted));
	if (t->nr_cur)
		memcpy(sorted, t->cur, t->nr_cur * sizeof(*sorted));
	qsort(sorted, t->nr_cur, sizeof(*sorted), entry_cmp);
	for (i = 1; i < t->nr_cur; i++)
		if (!strcmp(sorted[i].path, sorted[i - 1].path)) {
			diag_system_error(t->d, "internal error: '%s' was produced twice",
					  sorted[i].path);
			free(sorted);
			return -1;
		}
	/* Old outputs not made again. */
	for (i = j = 0; i < t->nr_old; i++) {
		while (j < t->nr_cur && strcmp(sorted[j].path, t->old[i].path) < 0)
			j++;
		if (j == t->nr_cur || strcmp(sorted[j].path, t->old[i].path))
			stats->removed++;
	}
	/* The manifest lists outputs by path: the same build, the same bytes. */
	memcpy(t->cur, sorted, t->nr_cur * sizeof(*sorted));
	free(sorted);
	stats->written = t->nr_written;
	stats->reused = t->nr_cur - t->nr_written;
	if (t->had_manifest && !t->nr_written && !stats->removed) {
		stats->unchanged = 1;
		return 0;   /* output_tree_free() drops the copy */
	}
	if (write_manifest(t) < 0 || swap_in(t) < 0)
		return -1;
	t->committed = 1;
	return 0;
}

void output_tree_free(struct output_tree *t)
{
	size_t i;

	if (!t)
		return;
	if (t->tmp)
		output_remove_tree(t->tmp);
	for (i = 0; i < t->nr_old; i++)
		free(t->old[i].path);
	for (i = 0; i < t->nr_cur; i++)
		free(t->cur[i].path);
	free(t->old);
	free(t->cur);
	free(t->last_dir);
	free(t->tmp);
	free(t->dir);
	free(t);
}
