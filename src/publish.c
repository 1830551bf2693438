/* publish.c - publishing into a git archive; see publish.h. */
#include "publish.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "check.h"
#include "cli.h"
#include "datadir.h"
#include "datetime.h"
#include "release.h"
#include "render.h"
#include "site_output.h"
#include "spell.h"
#include "util.h"
#include "xmldoc.h"
#include "xmlutil.h"

#define MAX_ATTEMPTS 50

/* ---- the site branch ---------------------------------------------------- */

/*
 * Moves the site branch to site_commit.  Only pr-publish writes it, and
 * only while holding the archive's lock (archive_lock), which the caller
 * does: a ref lock file found now was left by a publisher killed while
 * libgit2 wrote the ref, and is removed.  The branch is derived data, so
 * when it moved meanwhile it is set anyway.  0 or -1 (reported).
 */
static int move_site_branch(struct archive *a, const git_oid *site_commit,
			    const git_oid *site_tip, struct diag *d)
{
	char *stale = xasprintf("%s%s.lock", git_repository_commondir(a->repo), PUBLISH_SITE_BRANCH);
	git_reference *ref = NULL;
	int ret;

	unlink(stale);
	free(stale);
	ret = archive_move_ref(a, PUBLISH_SITE_BRANCH, site_commit, site_tip,
			       "pr-publish: render", d);
	if (ret != ARCHIVE_RACE)
		return ret ? -1 : 0;
	if (git_reference_create(&ref, a->repo, PUBLISH_SITE_BRANCH, site_commit, 1,
				 "pr-publish: render") < 0) {
		archive_report_git_error(d, "cannot move the site branch");
		return -1;
	}
	git_reference_free(ref);
	return 0;
}

/* ---- the releases of a commit, as summaries ----------------------------- */

/*
 * Rendering needs each release's summary (summary.h), and the full text only
 * of the few releases whose pages or feeds are made again.  The summaries are
 * kept between publications in <git dir>/pr-publish-summaries.cache, keyed by
 * path and blob id: a blob is only parsed when its summary is not there (a
 * new or changed release), and a summary is only cached when parsing it found
 * nothing at all.  The full text is read from its blob while an output that
 * shows it is rendered, and must hash to what was summarised.
 *
 * A folder of releases without subfolders (a year) is cached whole too, as
 * a group keyed by its tree id: a publication changes one year, and the
 * others are then neither read from git nor looked up file by file.
 */
#define SUMMARY_WRITE_AFTER 16

struct tree_summaries {
	struct archive *a;
	struct diag *d;
	struct summary_cache *cache;
	struct release_summary **sums;
	git_oid *ids;            /* each one's blob */
	size_t nr, alloc, alloc_ids, parsed;
	struct summary_group *folders;   /* the folders to cache whole */
	size_t nr_folders, alloc_folders;
	struct strbuf path;      /* of the entry being read, "releases/..." */
	int failed;              /* something could not be read or parsed */
	int broken;              /* a folder could not be read */
	pthread_mutex_t lock;    /* blobs are read from the render threads */
};

static void add_summary(struct tree_summaries *ts, struct release_summary *s, const git_oid *id)
{
	ALLOC_GROW(ts->sums, ts->nr + 1, ts->alloc);
	ALLOC_GROW(ts->ids, ts->nr + 1, ts->alloc_ids);
	ts->sums[ts->nr] = s;
	ts->ids[ts->nr++] = *id;
}

/* The summary of the release in entry (a blob at ts->path), from the cache
 * or parsed; a blob that cannot be read or parsed is reported. */
static void collect_release(struct tree_summaries *ts, const git_tree_entry *entry)
{
	struct release_summary *s = NULL;
	const git_oid *id = git_tree_entry_id(entry);
	unsigned mode = (unsigned)git_tree_entry_filemode(entry);
	const char *path = ts->path.buf;
	struct summary_key key;

	summary_key_of_blob(id, &key);
	/* Only plain files come from the cache; anything else is read, and
	 * refused, below. */
	if (ts->cache && (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE))
		s = summary_cache_take(ts->cache, path, &key);
	if (!s) {
		size_t before = ts->d->errors + ts->d->warnings;
		struct release *rel = NULL;
		char *buf = NULL;
		size_t len;

		if (archive_read_blob_id(ts->a, id, mode, path, XMLDOC_MAX_SIZE, &buf, &len, ts->d) ||
		    release_parse_memory(&rel, path, buf, len, ts->d)) {
			ts->failed = 1;
		} else {
			s = summary_from_release(rel);
			s->key = key;
			s->clean = ts->d->errors + ts->d->warnings == before;
			ts->parsed++;
		}
		release_free(rel);
		free(buf);
	}
	if (s)
		add_summary(ts, s, id);
}

static int collect_folder(struct tree_summaries *ts, const git_tree_entry *entry);

static void path_cut(struct tree_summaries *ts, size_t len)
{
	ts->path.len = len;
	ts->path.buf[len] = '\0';
}

/*
 * The releases in tree (at ts->path), in git_tree_walk()'s order: its
 * entries in order, a subfolder's entries where it stands.  *flat says
 * whether it has no subfolder.  -1 when a tree cannot be read: the walk
 * stops there, as git_tree_walk() does.
 */
static int collect_tree(struct tree_summaries *ts, const git_tree *tree, int *flat)
{
	size_t i, n = git_tree_entrycount(tree), len = ts->path.len;

	*flat = 1;
	for (i = 0; i < n; i++) {
		const git_tree_entry *entry = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(entry);
		git_object_t type = git_tree_entry_type(entry);

		if (type == GIT_OBJECT_TREE) {
			*flat = 0;
			if (collect_folder(ts, entry) < 0)
				return -1;
		} else if (type == GIT_OBJECT_BLOB && ends_with(name, ".xml")) {
			strbuf_addstr(&ts->path, name);
			collect_release(ts, entry);
			path_cut(ts, len);
		}
	}
	return 0;
}

/* The releases of the subfolder entry: whole from the cache while its tree
 * is the one cached, else read entry by entry; a folder without
 * subfolders is offered to the next cache written as a group. */
static int collect_folder(struct tree_summaries *ts, const git_tree_entry *entry)
{
	const git_oid *id = git_tree_entry_id(entry);
	size_t i, n, len = ts->path.len, first = ts->nr;
	struct release_summary *cached;
	struct summary_key key;
	git_tree *tree = NULL;
	int flat = 1, ret = 0;

	strbuf_addstr(&ts->path, git_tree_entry_name(entry));
	strbuf_addch(&ts->path, '/');
	summary_key_of_blob(id, &key);
	cached = summary_cache_take_group(ts->cache, ts->path.buf, &key, &n);
	if (cached) {
		for (i = 0; i < n; i++) {
			git_oid blob;

			summary_key_blob_id(&cached[i].key, &blob);
			add_summary(ts, &cached[i], &blob);
		}
	} else if (git_tree_lookup(&tree, ts->a->repo, id) < 0) {
		char *what = xasprintf("cannot read the folder '%s' of the commit", ts->path.buf);
		archive_report_git_error(ts->d, what);
		free(what);
		ret = -1;
	} else {
		ret = collect_tree(ts, tree, &flat);
		git_tree_free(tree);
	}
	if (!ret && flat) {
		struct summary_group *g;

		ALLOC_GROW(ts->folders, ts->nr_folders + 1, ts->alloc_folders);
		g = &ts->folders[ts->nr_folders++];
		g->prefix = xstrdup(ts->path.buf);
		g->key = key;
		g->nr = ts->nr - first;
	}
	path_cut(ts, len);
	return ret;
}

static char *summaries_cache_path(struct archive *a)
{
	return xasprintf("%spr-publish-summaries.cache", git_repository_commondir(a->repo));
}

/* The summaries of the releases in tree (main's) into ts (zeroed, its lock
 * made): 0, or EXIT_FINDINGS (a release) or EXIT_SYSTEM (a folder) with
 * the errors reported. */
static int tree_summaries_load(struct tree_summaries *ts, struct archive *a,
			       const struct site *site, git_tree *tree, struct diag *d)
{
	git_tree_entry *entry = NULL;
	git_tree *rels_tree = NULL;
	char site_hash[OUTPUT_HASH_HEX + 1], *cache_path = summaries_cache_path(a);
	size_t cached;
	int flat;

	ts->a = a;
	ts->d = d;
	output_sha256_of(site->xml->buf, site->xml->len, site_hash);
	ts->cache = summary_cache_load(cache_path, site_hash);
	strbuf_addstr(&ts->path, "releases/");
	/* A folder that cannot be read (a damaged repository) fails the
	 * publication: a site without its releases would drop them. */
	if (git_tree_entry_bypath(&entry, tree, "releases") == 0) {
		if (git_tree_lookup(&rels_tree, a->repo, git_tree_entry_id(entry)) < 0) {
			archive_report_git_error(d, "cannot read the folder 'releases/' of the commit");
			ts->failed = ts->broken = 1;
		} else if (collect_tree(ts, rels_tree, &flat) < 0) {
			ts->failed = ts->broken = 1;
		}
	}
	git_error_clear();
	/* Written again when enough was parsed or went stale: writing the
	 * summaries of a large archive costs more than parsing a few blobs
	 * again on the next publications.  (A cache that cannot be written
	 * only makes the next publication slower.) */
	cached = ts->nr - ts->parsed;
	if (!ts->failed && ts->parsed + (summary_cache_size(ts->cache) - cached) >= SUMMARY_WRITE_AFTER)
		summary_cache_write(cache_path, site_hash, ts->sums, ts->nr, ts->folders,
				    ts->nr_folders);
	/* The cache stays: the summaries it gave out point into it. */
	git_tree_free(rels_tree);
	git_tree_entry_free(entry);
	free(cache_path);
	return ts->broken ? EXIT_SYSTEM : ts->failed ? EXIT_FINDINGS : 0;
}

static void tree_summaries_release(struct tree_summaries *ts)
{
	size_t i;

	for (i = 0; i < ts->nr; i++)
		summary_free(ts->sums[i]);
	summary_cache_free(ts->cache);   /* after the summaries it lent */
	for (i = 0; i < ts->nr_folders; i++)
		free((char *)ts->folders[i].prefix);
	free(ts->folders);
	strbuf_release(&ts->path);
	free(ts->sums);
	free(ts->ids);
	pthread_mutex_destroy(&ts->lock);
}

/* The build's loader: release i read from its blob, checked against its
 * summary. */
static int blob_load(void *data, size_t i, struct release **out, struct strbuf *err)
{
	struct tree_summaries *ts = data;
	const struct release_summary *s = ts->sums[i];
	char hex[OUTPUT_HASH_HEX + 1], *buf = NULL;
	struct diag quiet;
	size_t len = 0;
	int ret;

	diag_init(&quiet, DIAG_FORMAT_TEXT);
	quiet.quiet = 1;
	*out = NULL;
	pthread_mutex_lock(&ts->lock);
	ret = archive_read_blob_id(ts->a, &ts->ids[i], GIT_FILEMODE_BLOB, s->path, XMLDOC_MAX_SIZE,
				   &buf, &len, &quiet);
	pthread_mutex_unlock(&ts->lock);
	if (ret) {
		strbuf_reset(err);
		strbuf_addf(err, "cannot read '%s' from the archive", s->path);
		return -1;
	}
	output_sha256_of(buf, len, hex);
	if (strcmp(hex, s->content) ||
	    release_parse_memory_unchecked(out, s->path, buf, len, &quiet) < 0) {
		free(buf);
		strbuf_reset(err);
		strbuf_addf(err, "'%s' is not what was summarised", s->path);
		return -1;
	}
	free(buf);
	return 0;
}

static void blob_unload(void *data, size_t i, struct release *rel)
{
	(void)data;
	(void)i;
	release_free(rel);
}

/*
 * The site's files as a git tree.  Hashing every file of a large site on
 * every publication would cost more than the publication; like git's
 * index, a stat cache remembers each file's blob by (size, mtime, inode),
 * and a build writes a changed file as a new inode, so only what the build
 * rewrote is hashed again.
 */
struct stat_entry {
	char *path;
	git_oid id;
	long long size, mtime_sec, mtime_nsec, ino;
};

struct stat_cache {
	struct stat_entry *e;
	size_t nr, alloc;
	struct stat_entry *fresh;   /* what this run saw, written back */
	size_t nr_fresh, alloc_fresh;
};

static int stat_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stat_entry *)a)->path, ((const struct stat_entry *)b)->path);
}

static char *stat_cache_path(struct archive *a)
{
	return xasprintf("%spr-publish-site.cache", git_repository_commondir(a->repo));
}

static void stat_cache_load(struct stat_cache *c, struct archive *a)
{
	char *path = stat_cache_path(a), line[4096];
	FILE *f = fopen(path, "r");

	memset(c, 0, sizeof(*c));
	free(path);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char hex[GIT_OID_HEXSZ + 1];
		struct stat_entry e;
		int n = 0;
		size_t len;

		memset(&e, 0, sizeof(e));
		if (sscanf(line, "%40s %lld %lld %lld %lld %n", hex, &e.size, &e.mtime_sec,
			   &e.mtime_nsec, &e.ino, &n) != 5 || !n || git_oid_fromstr(&e.id, hex) < 0)
			continue;
		len = strlen(line + n);
		if (len && line[n + len - 1] == '\n')
			len--;
		e.path = xstrndup(line + n, len);
		ALLOC_GROW(c->e, c->nr + 1, c->alloc);
		c->e[c->nr++] = e;
	}
	fclose(f);
	if (c->nr)
		qsort(c->e, c->nr, sizeof(*c->e), stat_entry_cmp);
}

static void stat_cache_save(struct stat_cache *c, struct archive *a)
{
	char *path = stat_cache_path(a), *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	size_t i;

	if (f) {
		for (i = 0; i < c->nr_fresh; i++) {
			char hex[GIT_OID_HEXSZ + 1];
			const struct stat_entry *e = &c->fresh[i];
			git_oid_tostr(hex, sizeof(hex), &e->id);
			fprintf(f, "%s %lld %lld %lld %lld %s\n", hex, e->size, e->mtime_sec,
				e->mtime_nsec, e->ino, e->path);
		}
		if (fclose(f) == 0)
			rename(tmp, path);
		else
			unlink(tmp);
	}
	free(tmp);
	free(path);
}

static void stat_cache_release(struct stat_cache *c)
{
	size_t i;

	for (i = 0; i < c->nr; i++)
		free(c->e[i].path);
	for (i = 0; i < c->nr_fresh; i++)
		free(c->fresh[i].path);
	free(c->e);
	free(c->fresh);
}

/* The blob of the file at path, its bytes as they are: no filter of the
 * repository's attributes (text, ident) applies to rendered output: the
 * site branch holds what was rendered, and no attribute is looked up. */
static int blob_from_file(git_oid *out, git_repository *repo, const char *path)
{
	size_t len;
	char *buf = read_regular_file(path, (size_t)1 << 30, &len);
	int ret;

	if (!buf) {
		git_error_set_str(GIT_ERROR_OS, "cannot read a rendered file");
		return -1;
	}
	ret = git_blob_create_from_buffer(out, repo, buf, len);
	free(buf);
	return ret;
}

/* The blob of the file at rel (relative to the site's root) as it is now. */
static int blob_of(git_repository *repo, struct stat_cache *c, const char *full,
		   const char *rel, const struct stat *st, git_oid *out)
{
	struct stat_entry probe, *hit, *e;

	probe.path = (char *)rel;
	hit = c->nr ? bsearch(&probe, c->e, c->nr, sizeof(*c->e), stat_entry_cmp) : NULL;
	if (hit && hit->size == (long long)st->st_size &&
	    hit->mtime_sec == (long long)st->st_mtim.tv_sec &&
	    hit->mtime_nsec == (long long)st->st_mtim.tv_nsec && hit->ino == (long long)st->st_ino) {
		*out = hit->id;
	} else if (blob_from_file(out, repo, full) < 0) {
		return -1;
	}
	ALLOC_GROW(c->fresh, c->nr_fresh + 1, c->alloc_fresh);
	e = &c->fresh[c->nr_fresh++];
	e->path = xstrdup(rel);
	e->id = *out;
	e->size = (long long)st->st_size;
	e->mtime_sec = (long long)st->st_mtim.tv_sec;
	e->mtime_nsec = (long long)st->st_mtim.tv_nsec;
	e->ino = (long long)st->st_ino;
	return 0;
}

/* A tree of the files under dir (rel: its path in the site), hidden files
 * (the manifest, temporary folders) left out. */
static int tree_from_dir(git_repository *repo, struct stat_cache *c, const char *dir,
			 const char *rel, git_oid *out, struct diag *d)
{
	git_treebuilder *tb = NULL;
	DIR *dh = opendir(dir);
	struct dirent *de;
	int ret = -1;

	if (!dh) {
		diag_system_error(d, "cannot read '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (git_treebuilder_new(&tb, repo, NULL) < 0)
		goto out;
	while ((de = readdir(dh))) {
		struct stat st;
		git_oid id;
		char *path, *sub;
		int err = 0;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		sub = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				if (tree_from_dir(repo, c, path, sub, &id, d) < 0 ||
				    git_treebuilder_insert(NULL, tb, de->d_name, &id, GIT_FILEMODE_TREE) < 0)
					err = -1;
			} else if (S_ISREG(st.st_mode)) {
				if (blob_of(repo, c, path, sub, &st, &id) < 0 ||
				    git_treebuilder_insert(NULL, tb, de->d_name, &id, GIT_FILEMODE_BLOB) < 0)
					err = -1;
			}
		}
		free(sub);
		free(path);
		if (err < 0)
			goto out;
	}
	if (git_treebuilder_write(out, tb) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0 && git_error_last())
		archive_report_git_error(d, "cannot store the rendered site");
	git_treebuilder_free(tb);
	closedir(dh);
	return ret;
}

/* The tree of every file under dir, by a full walk. */
static int site_tree_walk(struct archive *a, const char *dir, git_oid *out, struct diag *d)
{
	struct stat_cache c;
	int ret;

	stat_cache_load(&c, a);
	ret = tree_from_dir(a->repo, &c, dir, "", out, d);
	if (!ret)
		stat_cache_save(&c, a);
	stat_cache_release(&c);
	return ret;
}

/*
 * The site's tree without walking it: the published folder carries a stamp
 * (site_output.h) naming the git tree it equals, committed with it; the new
 * tree is that one with what the build rewrote and removed.  Without a
 * stamp (a first publication, a folder built or deleted by hand since) the
 * folder is walked once instead.
 */
#define STAMP_PREFIX "site-tree "

/* What a publication changed in the site's tree: an output rewritten
 * (file: where it is staged; its blob made by make_blobs()) or removed. */
struct site_update {
	git_tree_update u;
	char *file;             /* NULL for a removal */
	char *error;            /* why its blob could not be made, from that thread */
};

struct tree_updates {
	git_tree *base;
	git_odb *odb;
	struct site_update *up;
	size_t nr, alloc;
};

static int add_update(void *data, const char *path, const char *file)
{
	struct tree_updates *tu = data;
	struct site_update *up;

	if (!file) {
		git_tree_entry *e = NULL;
		/* Deleted by hand before: not in the tree either. */
		if (git_tree_entry_bypath(&e, tu->base, path) < 0)
			return 0;
		git_tree_entry_free(e);
	}
	ALLOC_GROW(tu->up, tu->nr + 1, tu->alloc);
	up = &tu->up[tu->nr++];
	memset(up, 0, sizeof(*up));
	up->u.action = file ? GIT_TREE_UPDATE_UPSERT : GIT_TREE_UPDATE_REMOVE;
	up->u.filemode = GIT_FILEMODE_BLOB;
	up->u.path = xstrdup(path);
	up->file = file ? xstrdup(file) : NULL;
	return 0;
}

/* run_on_threads(): the blob of the i-th update, a rewritten output. */
static void make_blob(void *data, size_t i)
{
	struct tree_updates *tu = data;
	struct site_update *up = &tu->up[i];
	size_t len = 0;
	char *buf;

	if (!up->file)
		return;
	buf = read_regular_file(up->file, (size_t)1 << 30, &len);
	if (!buf) {
		up->error = xasprintf("cannot read '%s': %s", up->file, strerror(errno));
		return;
	}
	if (git_odb_write(&up->u.id, tu->odb, buf, len, GIT_OBJECT_BLOB) < 0) {
		const git_error *e = git_error_last();
		up->error = xstrdup(e && e->message ? e->message : "cannot store a blob");
	}
	free(buf);
}

/*
 * The blobs of the outputs a publication rewrote, on thread_count()
 * threads: each is read back and compressed into a loose object (a feed
 * is ~150 KB), which took most of the 14 ms of making the site's tree
 * after a release of today on one thread while the other core had nothing
 * to do (11.5 ms on two).  libgit2's object database may be written from
 * several threads at once.  0, or -1 with the first failure reported.
 */
static int make_blobs(struct archive *a, struct tree_updates *tu, struct diag *d)
{
	size_t i;

	if (git_repository_odb(&tu->odb, a->repo) < 0) {
		archive_report_git_error(d, "cannot store the rendered site");
		return -1;
	}
	run_on_threads(tu->nr, make_blob, tu);
	git_odb_free(tu->odb);
	tu->odb = NULL;
	for (i = 0; i < tu->nr; i++)
		if (tu->up[i].error) {
			diag_system_error(d, "cannot store the rendered site: %s", tu->up[i].error);
			return -1;
		}
	return 0;
}

/* The base tree with the updates made: *out. */
static int apply_updates(struct archive *a, struct tree_updates *tu, git_oid *out)
{
	git_tree_update *u;
	size_t i;
	int ret;

	if (!tu->nr) {
		git_oid_cpy(out, git_tree_id(tu->base));
		return 0;
	}
	u = xcalloc(tu->nr, sizeof(*u));
	for (i = 0; i < tu->nr; i++)
		u[i] = tu->up[i].u;
	ret = git_tree_create_updated(out, a->repo, tu->base, tu->nr, u);
	free(u);
	return ret;
}

/* The tree the folder's stamp names, when it names one we have. */
static git_tree *stamped_tree(struct archive *a, struct output_tree *t)
{
	char *stamp = output_tree_read_stamp(t);
	git_tree *tree = NULL;
	git_oid id;

	if (stamp && starts_with(stamp, STAMP_PREFIX) &&
	    strlen(stamp) == strlen(STAMP_PREFIX) + GIT_OID_HEXSZ + 1 &&
	    stamp[strlen(stamp) - 1] == '\n' &&
	    git_oid_fromstrn(&id, stamp + strlen(STAMP_PREFIX), GIT_OID_HEXSZ) == 0 &&
	    git_tree_lookup(&tree, a->repo, &id) < 0)
		tree = NULL;
	free(stamp);
	git_error_clear();
	return tree;
}

/* The git tree of what t holds once committed (prepared): *out, and the
 * stamp that says so set on t. */
static int site_tree(struct archive *a, struct output_tree *t, const char *out_dir, git_oid *out,
		     struct diag *d)
{
	const char *whole = output_tree_whole(t);
	struct tree_updates tu;
	char hex[GIT_OID_HEXSZ + 1], *stamp;
	size_t i;
	int ret = -1, reported = 0;

	memset(&tu, 0, sizeof(tu));
	if (whole) {
		if (site_tree_walk(a, whole, out, d) < 0)
			return -1;
		goto stamp;
	}
	tu.base = stamped_tree(a, t);
	if (!tu.base) {
		git_oid base;
		struct stat st;

		if (!stat(out_dir, &st)) {
			if (site_tree_walk(a, out_dir, &base, d) < 0)
				return -1;
		} else {
			git_treebuilder *tb = NULL;
			if (git_treebuilder_new(&tb, a->repo, NULL) < 0 ||
			    git_treebuilder_write(&base, tb) < 0) {
				git_treebuilder_free(tb);
				goto out;
			}
			git_treebuilder_free(tb);
		}
		if (git_tree_lookup(&tu.base, a->repo, &base) < 0)
			goto out;
	}
	if (output_tree_changes(t, add_update, &tu))
		goto out;
	/* The blobs first, all at once; then the tree. */
	if (make_blobs(a, &tu, d) < 0) {
		reported = 1;
		goto out;
	}
	if (apply_updates(a, &tu, out) < 0)
		goto out;
stamp:
	git_oid_tostr(hex, sizeof(hex), out);
	stamp = xasprintf(STAMP_PREFIX "%s\n", hex);
	output_tree_set_stamp(t, stamp);
	free(stamp);
	ret = 0;
out:
	if (ret < 0 && !reported)
		archive_report_git_error(d, "cannot store the rendered site");
	for (i = 0; i < tu.nr; i++) {
		free((char *)tu.up[i].u.path);
		free(tu.up[i].file);
		free(tu.up[i].error);
	}
	free(tu.up);
	git_tree_free(tu.base);
	return ret;
}

struct renderer *publish_renderer(const char *root, struct diag *d)
{
	struct renderer *r = NULL;
	char *dir = NULL, *probe = xasprintf("%s/stylesheets/html.xsl", root);

	if (!access(probe, R_OK))
		dir = render_find_stylesheets(root, d);
	else
		dir = datadir_sub("stylesheets");
	free(probe);
	if (!dir) {
		diag_system_error(d, "no stylesheets found in the archive or where pr-publish "
				  "is installed; set PR_PUBLISH_DATADIR");
		return NULL;
	}
	if (render_new(&r, dir, d) < 0)
		r = NULL;
	free(dir);
	return r;
}

/*
 * Renders the site of the commit `source` into t (opened on the published
 * folder, prepared but not committed: the folder is not touched) and makes
 * a commit of it on top of the site branch's tip: *site_commit, *site_tip.
 */
static int render_commit(struct archive *a, const struct site *site, const char *root,
			 const git_oid *source, struct output_tree *t,
			 const struct publish_options *o, git_oid *site_commit, git_oid *site_tip,
			 struct diag *d)
{
	struct tree_summaries ts;
	struct build_result res;
	struct build_options bo;
	struct build_loader loader;
	struct renderer *r = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_oid site_tree_id;
	char hex[GIT_OID_HEXSZ + 1], *msg = NULL;
	int have_tip, ret = EXIT_SYSTEM;

	memset(&ts, 0, sizeof(ts));
	pthread_mutex_init(&ts.lock, NULL);
	memset(&res, 0, sizeof(res));
	if (git_commit_lookup(&commit, a->repo, source) < 0 || git_commit_tree(&tree, commit) < 0) {
		archive_report_git_error(d, "cannot read the commit to render");
		goto out;
	}
	ret = tree_summaries_load(&ts, a, site, tree, d);
	if (ret)
		goto out;
	ret = EXIT_SYSTEM;
	r = publish_renderer(root, d);
	if (!r)
		goto out;
	memset(&bo, 0, sizeof(bo));
	bo.out_dir = o->out_dir;
	bo.now = o->now;
	bo.tree = t;
	loader.load = blob_load;
	loader.unload = blob_unload;
	loader.data = &ts;
	if (build_site_summaries(&res, &bo, site, ts.sums, ts.nr, &loader, r, d) < 0)
		goto out;
	if (site_tree(a, t, o->out_dir, &site_tree_id, d) < 0)
		goto out;
	memset(site_tip, 0, sizeof(*site_tip));
	have_tip = git_reference_name_to_id(site_tip, a->repo, PUBLISH_SITE_BRANCH) == 0;
	if (!have_tip)
		memset(site_tip, 0, sizeof(*site_tip));
	git_oid_tostr(hex, sizeof(hex), source);
	msg = xasprintf("Site rendered from %.12s\n\n%zu releases, %zu held back by embargo%s%s\n\n"
			"Source: %s\n", hex, res.releases, res.embargoed,
			res.next_embargo ? "; next embargo lifts at " : "",
			res.next_embargo ? res.next_embargo : "", hex);
	if (archive_commit_tree(a, &site_tree_id, have_tip ? site_tip : NULL, msg, site_commit, d))
		goto out;
	ret = 0;
out:
	free(msg);
	build_result_release(&res);
	render_free(r);
	tree_summaries_release(&ts);
	git_tree_free(tree);
	git_commit_free(commit);
	return ret;
}

/* For the crash tests: dies at the named point (PR_PUBLISH_TEST_INTERRUPT). */
static void test_interrupt(const char *where)
{
	const char *crash = getenv("PR_PUBLISH_TEST_INTERRUPT");

	if (crash && !strcmp(crash, where))
		raise(SIGKILL);
}

/* ---- the work tree ------------------------------------------------------ */

static int write_file_atomically(const char *path, const char *buf, size_t len, struct diag *d)
{
	char *tmp = xasprintf("%s.pr-publish-tmp", path), *dir = xstrdup(path), *slash;
	int fd, ret = -1;

	slash = strrchr(dir, '/');
	if (slash) {
		char *p;
		*slash = '\0';
		for (p = dir + 1; *p; p++) {
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0777);
				*p = '/';
			}
		}
		mkdir(dir, 0777);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		diag_system_error(d, "cannot write '%s': %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
	} else {
		ret = 0;
	}
	free(tmp);
	free(dir);
	return ret;
}

/* Makes the work tree and index show what was committed: the changes'
 * files written (or removed), then the index in one write. */
static int update_worktree(struct archive *a, const struct archive_change *changes, size_t nr,
			   struct diag *d)
{
	size_t i;

	if (!a->workdir)
		return 0;
	for (i = 0; i < nr; i++) {
		char *full = xasprintf("%s%s", a->workdir, changes[i].path);
		int err = changes[i].data
				  ? write_file_atomically(full, changes[i].data, changes[i].len, d)
				  : unlink(full) < 0 && errno != ENOENT;
		free(full);
		if (err)
			return -1;
	}
	if (archive_index_update(a, changes, nr, d)) {
		diag_system_error(d, "the commit is made, but the index is not updated (run "
				  "'git reset')");
		return -1;
	}
	return 0;
}

/* update_worktree() on a thread of its own, reporting to held. */
struct worktree_update {
	struct archive *a;
	const struct archive_change *changes;
	size_t nr;
	struct diag held;
	int ret;
};

static void *update_worktree_thread(void *data)
{
	struct worktree_update *wt = data;

	wt->ret = update_worktree(wt->a, wt->changes, wt->nr, &wt->held);
	return NULL;
}

/* ---- publishing --------------------------------------------------------- */

struct draft {
	const char *path;
	struct release *rel;
	char *canonical;      /* releases/YYYY/<id>.<lang>.xml */
	int is_correction;
	int unchanged;        /* identical to what is published */
};

static char *canonical_path(const struct release *rel)
{
	return xasprintf("releases/%.4s/%s.%s.xml", rel->id, rel->id, rel->lang);
}

static void report_draft(struct diag *d, const struct draft *dr, const char *rule,
			 const char *msg)
{
	struct diag_loc loc;

	xmldoc_loc_node(dr->rel->xml, dr->rel->root, &loc);
	diag_report(d, &loc, DIAG_ERROR, rule, "%s", msg);
}

/* A published release may be replaced only by a version that records its
 * correction: a newer <correction date=...>. */
static void check_correction(struct archive *a, struct draft *dr, const git_tree *tip_tree,
			     struct diag *d)
{
	struct release *old = NULL;
	struct diag quiet;
	char *buf = NULL;
	size_t len;
	FILE *null;

	if (archive_read_blob(a, tip_tree, dr->canonical, XMLDOC_MAX_SIZE, &buf, &len, d))
		return;  /* not published yet (or unreadable: reported) */
	if (len == dr->rel->xml->len && !memcmp(buf, dr->rel->xml->buf, len)) {
		dr->unchanged = 1;
		free(buf);
		return;
	}
	dr->is_correction = 1;
	null = fopen("/dev/null", "w");
	diag_init(&quiet, DIAG_FORMAT_TEXT);
	quiet.text_out = quiet.json_out = null;
	if (null && release_parse_memory(&old, dr->canonical, buf, len, &quiet) == 0) {
		const char *was = old->updated ? old->updated : old->date;
		if (!dr->rel->updated || strcmp(dr->rel->updated, was) <= 0) {
			struct strbuf msg = STRBUF_INIT;
			strbuf_addf(&msg, "'%s' (%s) is already published; to correct it, record the "
				    "correction: <corrections><correction date=\"YYYY-MM-DD\">what "
				    "changed</correction></corrections>, dated after %s", dr->rel->id,
				    dr->rel->lang, was);
			report_draft(d, dr, "correction", msg.buf);
			strbuf_release(&msg);
		}
		if (old->withdrawn && !dr->rel->withdrawn)
			report_draft(d, dr, "correction",
				     "this release was withdrawn; publish it under a new id");
	}
	if (null)
		fclose(null);
	release_free(old);
	free(buf);
}

/* The folder of the language versions of a release (releases/YYYY) in
 * tree, or NULL. */
static git_tree *versions_folder(struct archive *a, const git_tree *tree, const char *id)
{
	char *dir = xasprintf("releases/%.4s", id);
	git_tree_entry *entry = NULL;
	git_tree *folder = NULL;

	if (git_tree_entry_bypath(&entry, tree, dir) == 0 &&
	    git_tree_entry_type(entry) == GIT_OBJECT_TREE &&
	    git_tree_lookup(&folder, a->repo, git_tree_entry_id(entry)) < 0)
		folder = NULL;
	git_error_clear();
	git_tree_entry_free(entry);
	free(dir);
	return folder;
}

/* The other language versions of rel as published, for the rules across
 * files.  Their folder is read once: a year of a large archive is a tree
 * of a thousand entries, which libgit2 does not keep (a path looked up
 * from the top read it again for each language). */
static void add_context(struct archive *a, struct checker *c, const struct site *site,
			const git_tree *tip_tree, const struct draft *drafts, size_t nr,
			const struct release *rel)
{
	git_tree *folder = versions_folder(a, tip_tree, rel->id);
	FILE *null = folder ? fopen("/dev/null", "w") : NULL;
	struct diag quiet;
	size_t i, j;

	diag_init(&quiet, DIAG_FORMAT_TEXT);
	quiet.text_out = quiet.json_out = null;
	for (i = 0; null && i < site->nr_languages; i++) {
		struct release *other = NULL;
		const git_tree_entry *entry;
		char *path, *buf = NULL;
		size_t len;
		int is_draft = 0;

		if (!strcmp(site->languages[i].code, rel->lang))
			continue;
		path = xasprintf("releases/%.4s/%s.%s.xml", rel->id, rel->id, site->languages[i].code);
		for (j = 0; j < nr; j++)
			if (!strcmp(drafts[j].canonical, path))
				is_draft = 1;
		entry = is_draft ? NULL : git_tree_entry_byname(folder, strrchr(path, '/') + 1);
		if (entry &&
		    archive_read_blob_id(a, git_tree_entry_id(entry),
					 (unsigned)git_tree_entry_filemode(entry), path, XMLDOC_MAX_SIZE,
					 &buf, &len, &quiet) == 0 &&
		    release_parse_memory(&other, path, buf, len, &quiet) == 0)
			checker_context(c, other);
		release_free(other);
		free(buf);
		free(path);
	}
	if (null)
		fclose(null);
	git_tree_free(folder);
}

static char *headline_of(const struct release *rel)
{
	const char *h = xml_text(rel->xml, rel->headline);
	struct strbuf sb = STRBUF_INIT;
	int space = 0;

	/* One line, white space folded, at most about 72 characters. */
	for (; *h && sb.len < 72; h++) {
		if (*h == ' ' || *h == '\n' || *h == '\t' || *h == '\r') {
			space = sb.len > 0;
			continue;
		}
		if (space)
			strbuf_addch(&sb, ' ');
		space = 0;
		strbuf_addch(&sb, *h);
	}
	if (*h) {
		/* do not cut a UTF-8 sequence */
		while (sb.len && ((unsigned char)sb.buf[sb.len - 1] & 0xc0) == 0x80)
			sb.len--;
		if (sb.len && (unsigned char)sb.buf[sb.len - 1] >= 0xc0)
			sb.len--;
		sb.buf[sb.len] = '\0';
		strbuf_addstr(&sb, "...");
	}
	return strbuf_detach(&sb);
}

static char *commit_message(const struct draft *drafts, size_t nr)
{
	struct strbuf msg = STRBUF_INIT;
	size_t i, n = 0;

	for (i = 0; i < nr; i++)
		n += !drafts[i].unchanged;
	for (i = 0; i < nr; i++) {
		char *h;
		if (drafts[i].unchanged)
			continue;
		h = headline_of(drafts[i].rel);
		if (n == 1) {
			strbuf_addf(&msg, "%s %s (%s): %s\n", drafts[i].is_correction ? "Correct" : "Publish",
				    drafts[i].rel->id, drafts[i].rel->lang, h);
		} else {
			if (!msg.len)
				strbuf_addf(&msg, "Publish %zu releases\n\n", n);
			strbuf_addf(&msg, "%s %s (%s): %s\n", drafts[i].is_correction ? "Correct" : "Publish",
				    drafts[i].rel->id, drafts[i].rel->lang, h);
		}
		free(h);
	}
	return strbuf_detach(&msg);
}

/* The drafts that have become published files are dropped (unless a draft
 * is the published file itself). */
static void remove_drafts(struct archive *a, const struct draft *drafts, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		char *full, *rdraft, *rfull;

		if (!drafts[i].rel || drafts[i].unchanged)
			continue;
		full = a->workdir ? xasprintf("%s%s", a->workdir, drafts[i].canonical) : NULL;
		rdraft = realpath(drafts[i].path, NULL);
		rfull = full ? realpath(full, NULL) : NULL;
		if (rdraft && (!rfull || strcmp(rdraft, rfull)))
			unlink(drafts[i].path);
		free(rdraft);
		free(rfull);
		free(full);
	}
}

/* What a publication checks last, once its commit and site are made and
 * before any of it becomes visible: fn returns 0 to go on, or an exit code
 * (its findings reported) to publish nothing; commit_with_site() then
 * returns LAST_CHECK_REFUSED, and the code is in ret. */
#define LAST_CHECK_REFUSED (-2)
struct last_check {
	int (*fn)(struct last_check *);
	int done, ret;
	struct checker *c;
	const struct draft *drafts;
	size_t nr;
	struct diag *d;
};

/*
 * Commits changes on the branch with the site rendered from it, all or
 * nothing; then brings the site folder, the work tree and the drafts along.
 * *main_out is the new commit.  last, if any, runs once between rendering
 * and moving main.
 *
 * The order is what a SIGKILL, which cannot be held off, may cut: main moves
 * first (the publication happens there), then the site branch, the site
 * folder and (at the same time, on two threads) the work tree and index,
 * and the drafts.  Each of those is derived and may lag main by one
 * publication after a SIGKILL; none is ever ahead of it.  Other
 * termination signals wait until all of it is done.
 */
static int commit_with_site(struct archive *a, const struct site *site, const char *root,
			    const char *branch, const struct archive_change *changes, size_t nr,
			    const char *message, const struct draft *drafts, size_t nr_drafts,
			    struct last_check *last, const struct publish_options *o,
			    git_oid *main_out, struct diag *d)
{
	struct output_tree *t = NULL;
	struct output_stats stats;
	struct worktree_update wt = { 0 };
	pthread_t wt_thread;
	git_oid tip, site_commit, site_tip;
	sigset_t old;
	int attempt, threaded, ret;

	/* build's own check and lock of the folder, held to the end; it
	 * finishes first what a killed build or publication committed. */
	if (output_tree_open(&t, o->out_dir, 0, d) < 0)
		return EXIT_SYSTEM;
	/* The index is read meanwhile, for update_worktree(). */
	if (a->workdir && nr)
		archive_index_prefetch(a);
	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		ret = archive_make_commit(a, branch, changes, nr, message, main_out, &tip, d);
		if (ret == 1)
			goto out;
		if (ret) {
			ret = EXIT_SYSTEM;
			goto out;
		}
		output_tree_reset(t);
		ret = render_commit(a, site, root, main_out, t, o, &site_commit, &site_tip, d);
		if (ret)
			goto out;
		/* Nothing is visible yet: what is still to check decides. */
		if (last && !last->done && (last->done = 1, (last->ret = last->fn(last)) != 0)) {
			ret = LAST_CHECK_REFUSED;
			goto out;
		}
		hold_termination_signals(&old);
		ret = archive_move_ref(a, branch, main_out, &tip, message, d);
		if (ret == 0) {
			/* Derived data: whoever publishes last rebuilds it. */
			move_site_branch(a, &site_commit, &site_tip, d);
			test_interrupt("publish-before-journal");
			/* The site folder and the work tree are independent
			 * of each other: the work tree and index are updated
			 * on a thread meanwhile (the signals held there too). */
			wt.a = a;
			wt.changes = changes;
			wt.nr = nr;
			diag_hold(&wt.held, d);
			threaded = !start_helper_thread(&wt_thread, update_worktree_thread, &wt);
			if (output_tree_commit(t, &stats) < 0)
				ret = EXIT_SYSTEM;
			if (threaded)
				pthread_join(wt_thread, NULL);
			else
				update_worktree_thread(&wt);
			diag_flush_held(d, &wt.held);
			if (wt.ret)
				ret = EXIT_SYSTEM;
			remove_drafts(a, drafts, nr_drafts);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			goto out;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (ret != ARCHIVE_RACE) {
			ret = EXIT_SYSTEM;
			goto out;
		}
		usleep(1000u * (unsigned)(attempt + 1));
	}
	/* Every try lost: say so (a stale lock file of git's looks the same). */
	diag_system_error(d, "'%s' kept moving or stayed locked (%d tries); nothing was "
			  "published; if no git command is running, delete '%s%s.lock'", branch,
			  MAX_ATTEMPTS, git_repository_commondir(a->repo), branch);
	ret = EXIT_SYSTEM;
out:
	/* What was staged and not committed goes; the published folder was
	 * touched only on success. */
	output_tree_free(t);
	return ret;
}

static int render_site(struct archive *a, const struct site *site, const char *root,
		       const git_oid *source, const struct publish_options *o, int always,
		       struct diag *d);

/* The spelling of the drafts and the rules across files: the rest of
 * what publish_drafts() checks. */
static int finish_checks(struct last_check *last)
{
	size_t i;

	for (i = 0; i < last->nr; i++)
		if (last->drafts[i].rel && checker_spell(last->c, last->drafts[i].rel))
			return EXIT_SYSTEM;
	checker_finish(last->c);
	diag_summary(last->d, "publish: checked");
	if (diag_failed(last->d)) {
		fprintf(stderr, "publish: nothing was published; fix the findings above\n");
		return EXIT_FINDINGS;
	}
	return 0;
}

int publish_drafts(struct archive *a, const struct site *site, const char *root,
		   const char *const *paths, size_t nr, const struct publish_options *o,
		   struct diag *d)
{
	struct last_check last = { 0 };
	struct draft *drafts = xcalloc(nr, sizeof(*drafts));
	struct archive_change *changes = xcalloc(nr, sizeof(*changes));
	struct checker *c = NULL;
	git_commit *tip_commit = NULL;
	git_tree *tip_tree = NULL;
	git_oid tip, commit_id;
	char *branch = NULL, *message = NULL;
	size_t i, j, nr_changes = 0;
	int ret = EXIT_SYSTEM;

	/* A dictionary whose kept verdicts may answer every word waits for
	 * the drafts to be parsed (below); the others load on the speller's
	 * thread while the lock is taken, the branch read and the drafts
	 * parsed. */
	c = checker_new(site, root, d, o->now, CHECK_SPELLING);
	if (o->exiting)
		checker_leave_to_exit(c);
	{
		char *verdicts = xasprintf("%s" SPELL_VERDICTS_FOLDER, git_repository_commondir(a->repo));
		checker_set_verdicts(c, verdicts);
		free(verdicts);
	}
	for (i = 0; i < nr; i++)
		checker_preload_file(c, paths[i]);
	if (archive_lock(a, d))
		goto out;
	if (archive_branch(a, &branch, d))
		goto out;
	if (git_reference_name_to_id(&tip, a->repo, branch) == 0 &&
	    (git_commit_lookup(&tip_commit, a->repo, &tip) < 0 ||
	     git_commit_tree(&tip_tree, tip_commit) < 0)) {
		archive_report_git_error(d, "cannot read the archive's branch");
		goto out;
	}

	for (i = 0; i < nr; i++) {
		d->files++;
		drafts[i].path = paths[i];
		ret = release_load(&drafts[i].rel, paths[i], d);
		if (ret == XMLDOC_SYSTEM) {
			ret = EXIT_SYSTEM;
			goto out;
		}
		if (ret)
			continue;
		drafts[i].canonical = canonical_path(drafts[i].rel);
		for (j = 0; j < i; j++)
			if (drafts[j].canonical && !strcmp(drafts[j].canonical, drafts[i].canonical))
				report_draft(d, &drafts[i], "id-duplicate",
					     "this draft has the same id and language as another one given");
	}
	/* A draft whose every word has a kept verdict needs no dictionary;
	 * the others have theirs loaded meanwhile, from here on. */
	for (i = 0; i < nr; i++)
		if (drafts[i].rel && !checker_known(c, drafts[i].rel))
			checker_preload(c, drafts[i].rel->lang);
	/* The rules first: they never wait for a dictionary. */
	for (i = 0; i < nr; i++) {
		if (!drafts[i].rel)
			continue;
		checker_validate(c, drafts[i].rel);
		if (tip_tree) {
			check_correction(a, &drafts[i], tip_tree, d);
			add_context(a, c, site, tip_tree, drafts, nr, drafts[i].rel);
		}
	}
	for (i = 0; i < nr; i++) {
		if (!drafts[i].rel || drafts[i].unchanged)
			continue;
		changes[nr_changes].path = drafts[i].canonical;
		changes[nr_changes].data = drafts[i].rel->xml->buf;
		changes[nr_changes].len = drafts[i].rel->xml->len;
		nr_changes++;
	}
	last.fn = finish_checks;
	last.c = c;
	last.drafts = drafts;
	last.nr = nr;
	last.d = d;
	/* The dictionaries are still loading (~40 ms for en_GB): a release
	 * that passes the rules is committed and its site rendered meanwhile,
	 * and the spelling decides before any of it is made visible. */
	if (nr_changes && !diag_failed(d)) {
		message = commit_message(drafts, nr);
		ret = commit_with_site(a, site, root, branch, changes, nr_changes, message, drafts,
				       nr, &last, o, &commit_id, d);
		/* Nothing to commit after all (someone published the same
		 * bytes meanwhile): the checks still have their say. */
		if (ret == 1 && !last.done)
			ret = finish_checks(&last);
		else if (ret == LAST_CHECK_REFUSED)
			ret = last.ret;
		else if (ret == 1)
			ret = EXIT_CLEAN;
		if (ret)
			goto out;
	} else if ((ret = finish_checks(&last)) != 0) {
		goto out;
	}

	for (i = 0; i < nr; i++) {
		if (!drafts[i].unchanged)
			continue;
		fprintf(stderr, "publish: %s (%s) is already published as it is\n",
			drafts[i].rel->id, drafts[i].rel->lang);
		/* Tried again after a publication was killed between moving
		 * main and the work tree: bring the work tree and index along. */
		struct archive_change again = { drafts[i].canonical, drafts[i].rel->xml->buf,
						drafts[i].rel->xml->len };
		if (update_worktree(a, &again, 1, d)) {
			ret = EXIT_SYSTEM;
			goto out;
		}
	}
	if (!nr_changes) {
		/* ... and the site, which may lag too. */
		ret = tip_tree ? render_site(a, site, root, &tip, o, 0, d) : EXIT_CLEAN;
		goto out;
	}

	for (i = 0; i < nr; i++) {
		char hex[GIT_OID_HEXSZ + 1];

		if (drafts[i].unchanged)
			continue;
		git_oid_tostr(hex, sizeof(hex), &commit_id);
		if (!o->quiet)
			printf("%s %s (%s) as %s in commit %.12s\n",
			       drafts[i].is_correction ? "corrected" : "published", drafts[i].rel->id,
			       drafts[i].rel->lang, drafts[i].canonical, hex);
	}
	if (!o->quiet)
		printf("site rendered into %s and committed on branch 'site'\n", o->out_dir);
	ret = EXIT_CLEAN;
out:
	free(message);
	checker_free(c);
	for (i = 0; i < nr; i++) {
		release_free(drafts[i].rel);
		free(drafts[i].canonical);
	}
	free(drafts);
	free(changes);
	free(branch);
	git_tree_free(tip_tree);
	git_commit_free(tip_commit);
	archive_unlock(a);
	return ret;
}

/* ---- withdrawing -------------------------------------------------------- */

int publish_withdraw(struct archive *a, const struct site *site, const char *root,
		     const char *id, const char *lang, const char *reason,
		     const struct publish_options *o, struct diag *d)
{
	struct archive_change changes[16];
	struct checker *c = checker_new(site, root, d, o->now, CHECK_SPELLING);
	char *bufs[16], *paths[16];
	git_commit *tip_commit = NULL;
	git_tree *tip_tree = NULL;
	git_oid tip, commit_id;
	struct date today;
	char *branch = NULL, *message = NULL;
	size_t i, nr = 0;
	int ret = EXIT_SYSTEM;

	memset(bufs, 0, sizeof(bufs));
	memset(paths, 0, sizeof(paths));
	date_from_time(o->now, &today);
	if (archive_lock(a, d)) {
		checker_free(c);
		return EXIT_SYSTEM;
	}
	if (archive_branch(a, &branch, d))
		goto out;
	if (git_reference_name_to_id(&tip, a->repo, branch) < 0 ||
	    git_commit_lookup(&tip_commit, a->repo, &tip) < 0 ||
	    git_commit_tree(&tip_tree, tip_commit) < 0) {
		diag_system_error(d, "the archive has nothing published yet");
		goto out;
	}
	for (i = 0; i < site->nr_languages && nr < ARRAY_SIZE(changes); i++) {
		struct release *rel = NULL;
		struct strbuf out = STRBUF_INIT;
		char *path, *buf = NULL;
		const char *end;
		size_t len;

		if (lang && strcmp(lang, site->languages[i].code))
			continue;
		path = xasprintf("releases/%.4s/%s.%s.xml", id, id, site->languages[i].code);
		if (strlen(id) < 4 || archive_read_blob(a, tip_tree, path, XMLDOC_MAX_SIZE, &buf, &len, d)) {
			free(path);
			continue;
		}
		if (release_parse_memory(&rel, path, buf, len, d)) {
			free(path);
			free(buf);
			goto out;
		}
		if (rel->withdrawn) {
			fprintf(stderr, "withdraw: %s (%s) is already withdrawn\n", id,
				site->languages[i].code);
			release_free(rel);
			free(path);
			free(buf);
			continue;
		}
		release_free(rel);
		/* Insert before the closing tag: the rest of the file stays as
		 * the officer wrote it. */
		end = NULL;
		{
			const char *p = buf;
			while ((p = strstr(p, "</release>")))
				end = p++;
		}
		if (!end) {
			free(path);
			free(buf);
			continue;
		}
		strbuf_add(&out, buf, (size_t)(end - buf));
		/* The reason is in the officer's language: the one asked for, else
		 * the site's first; the spelling of it is checked in that. */
		strbuf_addf(&out, "  <withdrawn date=\"%04d-%02d-%02d\" xml:lang=\"%s\">", today.year,
			    today.month, today.day, lang ? lang : site->languages[0].code);
		xml_escape_text(&out, reason);
		strbuf_addstr(&out, "</withdrawn>\n");
		strbuf_addstr(&out, end);
		if (release_parse_memory(&rel, path, out.buf, out.len, d) ||
		    checker_check(c, rel) || diag_failed(d)) {
			release_free(rel);
			strbuf_release(&out);
			free(path);
			free(buf);
			ret = diag_failed(d) ? EXIT_FINDINGS : EXIT_SYSTEM;
			goto out;
		}
		release_free(rel);
		free(buf);
		paths[nr] = path;
		bufs[nr] = strbuf_detach(&out);
		changes[nr].path = paths[nr];
		changes[nr].data = bufs[nr];
		changes[nr].len = strlen(bufs[nr]);
		nr++;
	}
	if (!nr) {
		diag_system_error(d, "no published release '%s'%s%s to withdraw", id,
				  lang ? " in " : "", lang ? lang : "");
		ret = EXIT_FINDINGS;
		goto out;
	}
	{
		struct strbuf msg = STRBUF_INIT;
		strbuf_addf(&msg, "Withdraw %s: %s\n", id, reason);
		message = strbuf_detach(&msg);
	}
	ret = commit_with_site(a, site, root, branch, changes, nr, message, NULL, 0, NULL, o,
			       &commit_id, d);
	if (ret == 1)
		ret = EXIT_CLEAN;
	if (!ret && !o->quiet)
		printf("withdrew %s (%zu language version%s); the site shows a notice in its place\n",
		       id, nr, nr == 1 ? "" : "s");
out:
	for (i = 0; i < nr; i++) {
		free(bufs[i]);
		free(paths[i]);
	}
	free(message);
	free(branch);
	checker_free(c);
	git_tree_free(tip_tree);
	git_commit_free(tip_commit);
	archive_unlock(a);
	return ret;
}

/* Does the site branch name source, and hold what the folder's stamp
 * says the folder holds? */
static int site_is_current(struct archive *a, struct output_tree *t, const git_oid *source)
{
	git_tree *stamped = stamped_tree(a, t);
	git_commit *tip = NULL;
	git_oid id;
	char hex[GIT_OID_HEXSZ + 1], *want;
	const char *msg;
	int current = 0;

	git_oid_tostr(hex, sizeof(hex), source);
	want = xasprintf("\nSource: %s\n", hex);
	if (stamped && git_reference_name_to_id(&id, a->repo, PUBLISH_SITE_BRANCH) == 0 &&
	    git_commit_lookup(&tip, a->repo, &id) == 0 &&
	    git_oid_equal(git_commit_tree_id(tip), git_tree_id(stamped)) &&
	    (msg = git_commit_message(tip)) && strstr(msg, want))
		current = 1;
	git_error_clear();
	free(want);
	git_commit_free(tip);
	git_tree_free(stamped);
	return current;
}

/* Renders the site of source into o->out_dir and moves the site branch to
 * it; unless always, only when they do not show source yet (a publication
 * killed after main moved).  The archive's lock is held. */
static int render_site(struct archive *a, const struct site *site, const char *root,
		       const git_oid *source, const struct publish_options *o, int always,
		       struct diag *d)
{
	struct output_tree *t = NULL;
	struct output_stats stats;
	git_oid site_commit, site_tip;
	sigset_t old;
	int ret = EXIT_SYSTEM;

	if (output_tree_open(&t, o->out_dir, 0, d) < 0)
		return EXIT_SYSTEM;
	if (!always && site_is_current(a, t, source)) {
		output_tree_free(t);
		return EXIT_CLEAN;
	}
	ret = render_commit(a, site, root, source, t, o, &site_commit, &site_tip, d);
	if (!ret) {
		hold_termination_signals(&old);
		if (move_site_branch(a, &site_commit, &site_tip, d) ||
		    output_tree_commit(t, &stats) < 0)
			ret = EXIT_SYSTEM;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	output_tree_free(t);
	return ret;
}

int publish_site(struct archive *a, const struct site *site, const char *root,
		 const struct publish_options *o, struct diag *d)
{
	git_oid tip;
	char *branch = NULL;
	int ret = EXIT_SYSTEM;

	if (archive_lock(a, d))
		return EXIT_SYSTEM;
	if (archive_branch(a, &branch, d) == 0 &&
	    git_reference_name_to_id(&tip, a->repo, branch) == 0)
		ret = render_site(a, site, root, &tip, o, 1, d);
	else
		diag_system_error(d, "the archive has nothing published yet");
	free(branch);
	archive_unlock(a);
	return ret;
}
