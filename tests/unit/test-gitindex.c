/*
 * test-gitindex.c - gitindex_splice() against libgit2 making the same
 * changes, and gitindex_sha1() against libgit2's SHA-1.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>

#include "gitindex.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/pr-publish-gitindex-XXXXXX";
static git_repository *repo;   /* at dir, where the blobs are stored */

/* gitindex_sha1() of a blob's header and bytes is the blob's id. */
static int sha1_agrees(size_t len)
{
	char *data = xmalloc(len + 32), *framed = xmalloc(len + 64);
	unsigned char mine[GITINDEX_OID_BYTES];
	git_oid theirs;
	size_t i, head;
	int same;

	for (i = 0; i < len; i++)
		data[i] = (char)(i * 7 + len);
	head = (size_t)sprintf(framed, "blob %zu", len) + 1;
	memcpy(framed + head, data, len);
	gitindex_sha1(framed, head + len, mine);
	same = git_odb_hash(&theirs, data, len, GIT_OBJECT_BLOB) == 0 &&
	       !memcmp(mine, theirs.id, sizeof(mine));
	free(data);
	free(framed);
	return same;
}

static int sha1_all_agree(void)
{
	size_t len;

	for (len = 0; len < 300; len++)
		if (!sha1_agrees(len))
			return 0;
	return sha1_agrees(65536 + 17) && sha1_agrees(1 << 20);
}

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void set_entry(git_index_entry *e, const char *path, const char *text, unsigned n)
{
	memset(e, 0, sizeof(*e));
	e->ctime.seconds = (int32_t)(1700000000 + n);
	e->ctime.nanoseconds = n * 3;
	e->mtime.seconds = (int32_t)(1700000100 + n);
	e->mtime.nanoseconds = n * 5;
	e->dev = 2049;
	e->ino = 1000 + n;
	e->mode = GIT_FILEMODE_BLOB;
	e->uid = 0;
	e->gid = 0;
	e->file_size = (uint32_t)strlen(text);
	e->path = path;
	/* Stored: the cache of trees is only made of trees whose objects
	 * all exist. */
	git_blob_create_from_buffer(&e->id, repo, text, strlen(text));
}

/* The stat data set_entry() gives an entry. */
static void stat_of(struct stat *st, const char *text, unsigned n)
{
	memset(st, 0, sizeof(*st));
	st->st_ctim.tv_sec = 1700000000 + n;
	st->st_ctim.tv_nsec = n * 3;
	st->st_mtim.tv_sec = 1700000100 + n;
	st->st_mtim.tv_nsec = n * 5;
	st->st_dev = 2049;
	st->st_ino = 1000 + n;
	st->st_size = (off_t)strlen(text);
}

static const char *const base_paths[] = {
	".gitignore", "releases/2019/a.en.xml", "releases/2020/b.en.xml", "releases/2020/c.en.xml",
	"releases/2020/c.fr.xml", "releases/2021/d.en.xml", "site.xml", "stylesheets/html.xsl",
};

/* An index at path with the base entries and (with trees) its cache of
 * trees filled, as after a commit. */
static git_index *make_index(const char *path, int trees)
{
	git_index *idx = NULL;
	git_oid tree;
	size_t i;

	if (git_index_open(&idx, path) < 0)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(base_paths); i++) {
		git_index_entry e;
		set_entry(&e, base_paths[i], base_paths[i], (unsigned)i);
		git_index_add(idx, &e);
	}
	if (trees && git_index_write_tree_to(&tree, idx, repo) < 0)
		printf("# no cache of trees: %s\n", git_error_last()->message);
	git_index_write(idx);
	return idx;
}

static char *file_bytes(const char *path, size_t *len)
{
	return read_regular_file(path, (size_t)1 << 30, len);
}

static int write_bytes(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(buf, 1, len, f) == len;

	if (f && fclose(f))
		ok = 0;
	return ok;
}

static int same_entries(git_index *a, git_index *b)
{
	size_t i, n = git_index_entrycount(a);

	if (n != git_index_entrycount(b))
		return 0;
	for (i = 0; i < n; i++) {
		const git_index_entry *x = git_index_get_byindex(a, i), *y = git_index_get_byindex(b, i);
		if (strcmp(x->path, y->path) || !git_oid_equal(&x->id, &y->id) || x->mode != y->mode ||
		    x->ctime.seconds != y->ctime.seconds ||
		    x->ctime.nanoseconds != y->ctime.nanoseconds ||
		    x->mtime.seconds != y->mtime.seconds ||
		    x->mtime.nanoseconds != y->mtime.nanoseconds || x->dev != y->dev ||
		    x->ino != y->ino || x->uid != y->uid || x->gid != y->gid ||
		    x->file_size != y->file_size || x->flags != y->flags ||
		    x->flags_extended != y->flags_extended) {
			printf("# entry %zu differs: %s / %s\n", i, x->path, y->path);
			return 0;
		}
	}
	return 1;
}

/* A change that sets path to text (stat as set_entry(n)), kept alive in
 * the arrays given. */
static void change_set(struct gitindex_change *c, git_oid *oid, struct stat *st, const char *path,
		       const char *text, unsigned n)
{
	git_odb_hash(oid, text, strlen(text), GIT_OBJECT_BLOB);
	stat_of(st, text, n);
	c->path = path;
	c->oid = oid->id;
	c->st = st;
}

static int splice_file(const char *in, const char *out, const struct gitindex_change *c, size_t nr,
		       const char **why)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len;
	char *buf = file_bytes(in, &len);
	int ret = -1;

	*why = "unreadable";
	if (buf && gitindex_splice(buf, len, c, nr, &sb, why) == 0 && write_bytes(out, sb.buf, sb.len))
		ret = 0;
	free(buf);
	strbuf_release(&sb);
	return ret;
}

/* The result of splicing buf with one harmless change: 0 or 1. */
static int splice_buf(const char *buf, size_t len, const char **why)
{
	static struct stat st;
	static git_oid oid;
	struct gitindex_change c;
	struct strbuf sb = STRBUF_INIT;
	int ret;

	change_set(&c, &oid, &st, "releases/2022/new.en.xml", "new", 40);
	ret = gitindex_splice(buf, len, &c, 1, &sb, why);
	strbuf_release(&sb);
	return ret;
}

/* buf with its checksum made again (after an edit). */
static void reseal(char *buf, size_t len)
{
	gitindex_sha1(buf, len - GITINDEX_OID_BYTES, (unsigned char *)buf + len - GITINDEX_OID_BYTES);
}

static void test_splice(void)
{
	char *base = path_in("base.index"), *ref = path_in("ref.index"), *out = path_in("out.index");
	git_index *ref_idx, *out_idx = NULL;
	struct gitindex_change c[4];
	git_oid oids[4], t_ref, t_out;
	struct stat sts[4];
	git_index_entry e;
	const char *why = NULL;
	int r;

	git_index_free(make_index(base, 1));
	/* The reference: libgit2 makes the same changes. */
	ref_idx = make_index(ref, 1);
	set_entry(&e, "releases/2020/b.en.xml", "b changed", 20);
	git_index_add(ref_idx, &e);
	set_entry(&e, "releases/2020/bb.en.xml", "new in 2020", 21);
	git_index_add(ref_idx, &e);
	set_entry(&e, "releases/2026/z.en.xml", "a new folder", 22);
	git_index_add(ref_idx, &e);
	git_index_remove(ref_idx, "releases/2021/d.en.xml", 0);
	git_index_write(ref_idx);

	change_set(&c[0], &oids[0], &sts[0], "releases/2026/z.en.xml", "a new folder", 22);
	change_set(&c[1], &oids[1], &sts[1], "releases/2020/b.en.xml", "b changed", 20);
	c[2].path = "releases/2021/d.en.xml";
	c[2].oid = NULL;
	c[2].st = NULL;
	change_set(&c[3], &oids[3], &sts[3], "releases/2020/bb.en.xml", "new in 2020", 21);
	r = splice_file(base, out, c, 4, &why);
	ok(r == 0, "an index with entries set, added, removed (%s)", why ? why : "spliced");
	ok(git_index_open(&out_idx, out) == 0, "libgit2 reads it (its checksum holds)");
	{
		size_t a_len, b_len;
		char *a = file_bytes(out, &a_len), *b = file_bytes(ref, &b_len);
		ok(a && b && a_len == b_len && !memcmp(a, b, a_len),
		   "byte for byte the index libgit2 writes (%zu bytes)", a_len);
		free(a);
		free(b);
	}
	ok(out_idx && same_entries(out_idx, ref_idx), "it has the entries libgit2 makes");
	/* A folder left valid in the cache of trees that changed would give
	 * the old tree here. */
	ok(out_idx && git_index_write_tree_to(&t_out, out_idx, repo) == 0 &&
		   git_index_write_tree_to(&t_ref, ref_idx, repo) == 0 && git_oid_equal(&t_out, &t_ref),
	   "its cache of trees gives the trees libgit2's does");
	git_index_free(out_idx);
	out_idx = NULL;

	/* Removing what is not there, and nothing at all. */
	c[0].path = "releases/1999/none.xml";
	c[0].oid = NULL;
	ok(splice_file(base, out, c, 1, &why) == 0 && git_index_open(&out_idx, out) == 0 &&
		   git_index_entrycount(out_idx) == ARRAY_SIZE(base_paths),
	   "removing a path that is not there changes no entry");
	git_index_free(out_idx);
	out_idx = NULL;

	git_index_free(ref_idx);
	free(base);
	free(ref);
	free(out);
}

static void test_refusals(void)
{
	char *base = path_in("plain.index"), *buf;
	struct strbuf sb = STRBUF_INIT;
	struct gitindex_change c[2];
	git_oid oids[2];
	struct stat sts[2];
	git_index *idx;
	git_index_entry e;
	const char *why = NULL;
	size_t len;
	int r;

	git_index_free(make_index(base, 0));
	buf = file_bytes(base, &len);
	ok(buf && splice_buf(buf, len, &why) == 0, "an index without a cache of trees is spliced");

	r = splice_buf(buf, len - 1, &why);
	ok(r == 1, "a cut index is left to libgit2 (%s)", why);
	buf[40] ^= 1;
	r = splice_buf(buf, len, &why);
	ok(r == 1 && strstr(why, "checksum"), "a damaged index is left to libgit2 (%s)", why);
	buf[40] ^= 1;
	buf[7] = 4;
	reseal(buf, len);
	r = splice_buf(buf, len, &why);
	ok(r == 1 && strstr(why, "version"), "a version 4 index is left to libgit2 (%s)", why);
	buf[7] = 2;
	buf[11] = (char)200;
	reseal(buf, len);
	r = splice_buf(buf, len, &why);
	ok(r == 1 && strstr(why, "more entries"), "a count of entries larger than the file (%s)",
	   why);
	buf[11] = (char)ARRAY_SIZE(base_paths);
	reseal(buf, len);

	/* A split index's link: an extension that must be understood. */
	strbuf_add(&sb, buf, len - GITINDEX_OID_BYTES);
	strbuf_add(&sb, "link\0\0\0\024", 8);
	strbuf_add(&sb, "01234567890123456789", 20);
	strbuf_add(&sb, "01234567890123456789", 20);
	reseal(sb.buf, sb.len);
	r = splice_buf(sb.buf, sb.len, &why);
	ok(r == 1 && strstr(why, "requires"), "a split index is left to libgit2 (%s)", why);
	/* An optional extension of unknown kind is dropped. */
	memcpy(sb.buf + len - GITINDEX_OID_BYTES, "ZZZZ", 4);
	reseal(sb.buf, sb.len);
	{
		struct strbuf spliced = STRBUF_INIT;
		static struct stat st;
		static git_oid oid;

		change_set(&c[0], &oid, &st, "releases/2022/new.en.xml", "new", 40);
		ok(gitindex_splice(sb.buf, sb.len, c, 1, &spliced, &why) == 0 &&
			   !memmem(spliced.buf, spliced.len, "ZZZZ", 4),
		   "an unknown optional extension is dropped");
		strbuf_release(&spliced);
	}
	strbuf_release(&sb);

	change_set(&c[0], &oids[0], &sts[0], "site.xml/inner", "x", 50);
	r = gitindex_splice(buf, len, c, 1, &sb, &why);
	ok(r == 1 && strstr(why, "file and a folder"), "a path below a file (%s)", why);
	change_set(&c[0], &oids[0], &sts[0], "releases/2020", "x", 50);
	r = gitindex_splice(buf, len, c, 1, &sb, &why);
	ok(r == 1 && strstr(why, "file and a folder"), "a file where a folder is (%s)", why);
	change_set(&c[0], &oids[0], &sts[0], "releases/2022/x.xml", "x", 50);
	change_set(&c[1], &oids[1], &sts[1], "releases/2022/x.xml", "y", 51);
	r = gitindex_splice(buf, len, c, 2, &sb, &why);
	ok(r == 1 && strstr(why, "twice"), "the same path twice (%s)", why);
	strbuf_release(&sb);
	free(buf);

	/* A path in conflict. */
	idx = make_index(base, 0);
	set_entry(&e, "releases/2020/c.en.xml", "ours", 60);
	ok(git_index_conflict_add(idx, NULL, &e, &e) == 0 && git_index_write(idx) == 0,
	   "(an index with a conflict)");
	git_index_free(idx);
	buf = file_bytes(base, &len);
	change_set(&c[0], &oids[0], &sts[0], "releases/2020/c.en.xml", "resolved", 61);
	r = buf ? gitindex_splice(buf, len, c, 1, &sb, &why) : -1;
	ok(r == 1 && strstr(why, "conflict"), "a path in conflict (%s)", why ? why : "spliced");
	change_set(&c[0], &oids[0], &sts[0], "releases/2020/other.en.xml", "x", 62);
	ok(buf && gitindex_splice(buf, len, c, 1, &sb, &why) == 0,
	   "a path next to one in conflict is spliced");
	strbuf_release(&sb);
	free(buf);
	free(base);
}

/* Every cut of a valid index (with a cache of trees), resealed so that
 * its checksum holds, and random bytes after a valid header: each is
 * refused or spliced into an index libgit2 reads; none is read outside
 * its bytes (under AddressSanitizer and valgrind). */
static void test_garbage(void)
{
	char *base = path_in("cut.index"), *out = path_in("cut-out.index"), *whole;
	unsigned seed = 12345;
	int round, refused = 0, spliced = 0, unreadable = 0;
	size_t len, cut;

	git_index_free(make_index(base, 1));
	whole = file_bytes(base, &len);
	for (cut = 32; whole && cut < len; cut++) {
		char *buf = xmalloc(cut);
		const char *why;
		struct strbuf sb = STRBUF_INIT;
		static struct stat st;
		static git_oid oid;
		struct gitindex_change c;
		git_index *idx = NULL;

		memcpy(buf, whole, cut);
		reseal(buf, cut);
		change_set(&c, &oid, &st, "releases/2022/new.en.xml", "new", 40);
		if (gitindex_splice(buf, cut, &c, 1, &sb, &why)) {
			refused++;
		} else {
			spliced++;
			if (!write_bytes(out, sb.buf, sb.len) || git_index_open(&idx, out) < 0)
				unreadable++;
			git_index_free(idx);
			unlink(out);
		}
		strbuf_release(&sb);
		free(buf);
	}
	ok(whole && refused > 0 && !unreadable,
	   "every cut of an index: %d refused, %d spliced, %d of those unreadable", refused, spliced,
	   unreadable);
	free(whole);

	refused = 0;
	for (round = 0; round < 2000; round++) {
		size_t n = 32 + (seed = seed * 1103515245u + 12345u) % 600, i;
		char *buf = xmalloc(n);
		const char *why;

		for (i = 0; i < n; i++)
			buf[i] = (char)((seed = seed * 1103515245u + 12345u) >> 16);
		memcpy(buf, "DIRC\0\0\0\002", 8);
		buf[8] = buf[9] = buf[10] = 0;
		buf[11] = (char)(round % 5);
		reseal(buf, n);
		refused += splice_buf(buf, n, &why) == 1;
		free(buf);
	}
	ok(refused == 2000, "random entries after a valid header: %d of 2000 refused", refused);
	free(base);
	free(out);
}

int main(int argc, char **argv)
{
	char *cmd;

	git_libgit2_init();
	if (argc > 1 && !strcmp(argv[1], "--sha1-only"))
		return sha1_all_agree() ? 0 : 1;
	ok(sha1_all_agree(), "SHA-1 agrees with libgit2's for 0..299 bytes, 64 KiB and 1 MiB");
	/* The portable SHA-1 too, in a process where SHA-NI is off. */
	cmd = xasprintf("PR_PUBLISH_NO_SHA_NI=1 %s --sha1-only", argv[0]);
	ok(system(cmd) == 0, "so does the portable SHA-1");
	free(cmd);
	if (!mkdtemp(dir)) {
		ok(0, "a temporary folder: %s", strerror(errno));
		return tap_done();
	}
	if (!ok(git_repository_init(&repo, dir, 0) == 0, "(a repository)"))
		return tap_done();
	test_splice();
	test_refusals();
	test_garbage();
	git_repository_free(repo);
	cmd = getenv("KEEP") ? xstrdup("true") : xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	git_libgit2_shutdown();
	return tap_done();
}
