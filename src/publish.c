/* publish.c - publishing into a git archive; see publish.h. */
#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE */
#include "publish.h"

#include <dirent.h>
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
#include "util.h"
#include "xmldoc.h"
#include "xmlutil.h"

#define MAX_ATTEMPTS 50

/* ---- taking turns, holding signals off ---------------------------------- */

/* Publishers in one repository take turns; the kernel drops the lock when
 * a process dies, so none is ever left behind. */
static int lock_archive(struct archive *a, struct diag *d)
{
	char *path = xasprintf("%spr-publish.mutex", git_repository_commondir(a->repo));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		diag_system_error(d, "cannot lock '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

static void hold_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* ---- the site, rendered from a tree ------------------------------------- */

struct tree_releases {
	struct archive *a;
	struct diag *d;
	struct release **rels;
	size_t nr, alloc;
	int failed;
};

static int collect_release(const char *root, const git_tree_entry *entry, void *data)
{
	struct tree_releases *tr = data;
	struct release *rel = NULL;
	char *path, *buf = NULL;
	size_t len;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
	    !ends_with(git_tree_entry_name(entry), ".xml"))
		return 0;
	path = xasprintf("releases/%s%s", root, git_tree_entry_name(entry));
	if (archive_read_blob_id(tr->a, git_tree_entry_id(entry),
				 (unsigned)git_tree_entry_filemode(entry), path, XMLDOC_MAX_SIZE, &buf,
				 &len, tr->d) ||
	    release_parse_memory(&rel, path, buf, len, tr->d)) {
		tr->failed = 1;
	} else {
		ALLOC_GROW(tr->rels, tr->nr + 1, tr->alloc);
		tr->rels[tr->nr++] = rel;
	}
	free(buf);
	free(path);
	return 0;
}

static void free_releases(struct tree_releases *tr)
{
	size_t i;

	for (i = 0; i < tr->nr; i++)
		release_free(tr->rels[i]);
	free(tr->rels);
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
	} else if (git_blob_create_from_disk(out, repo, full) < 0) {
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

static int site_tree(struct archive *a, const char *dir, git_oid *out, struct diag *d)
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
 * Renders the site of the commit `source` into dir (the staging folder) and
 * makes a commit of it on top of the site branch's tip: *site_commit,
 * *site_tip.
 */
static int render_commit(struct archive *a, const struct site *site, const char *root,
			 const git_oid *source, const char *dir, const struct publish_options *o,
			 git_oid *site_commit, git_oid *site_tip, struct diag *d)
{
	struct tree_releases tr;
	struct build_result res;
	struct build_options bo;
	struct renderer *r = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL, *rels_tree = NULL;
	git_tree_entry *entry = NULL;
	git_oid site_tree_id;
	char hex[GIT_OID_HEXSZ + 1], *msg = NULL;
	int have_tip, ret = EXIT_SYSTEM;

	memset(&tr, 0, sizeof(tr));
	memset(&res, 0, sizeof(res));
	tr.a = a;
	tr.d = d;
	if (git_commit_lookup(&commit, a->repo, source) < 0 || git_commit_tree(&tree, commit) < 0) {
		archive_report_git_error(d, "cannot read the commit to render");
		goto out;
	}
	if (git_tree_entry_bypath(&entry, tree, "releases") == 0 &&
	    git_tree_lookup(&rels_tree, a->repo, git_tree_entry_id(entry)) == 0)
		git_tree_walk(rels_tree, GIT_TREEWALK_PRE, collect_release, &tr);
	if (tr.failed) {
		ret = EXIT_FINDINGS;
		goto out;
	}
	r = publish_renderer(root, d);
	if (!r)
		goto out;
	memset(&bo, 0, sizeof(bo));
	bo.out_dir = dir;
	bo.now = o->now;
	if (build_site(&res, &bo, site, tr.rels, tr.nr, r, d) < 0)
		goto out;
	if (site_tree(a, dir, &site_tree_id, d) < 0)
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
	free_releases(&tr);
	git_tree_entry_free(entry);
	git_tree_free(rels_tree);
	git_tree_free(tree);
	git_commit_free(commit);
	return ret;
}

/* ---- the rendered site, staged beside its folder ------------------------ */

/*
 * The site is rendered into a staging folder beside the published one
 * (".public.publish" beside "public") and swapped in only after main and the
 * site branch have moved: a publication that fails, loses every race or is
 * killed before it is committed never shows on the published site.  The
 * staging folder starts as a copy of the published one made of hard links
 * (build never writes into a file it carries over: it writes a new folder
 * and swaps it in), so rendering stays incremental.  Only a publisher
 * holding the archive's lock uses it: one found there is left by a killed
 * publisher and is removed.
 */
struct staging {
	struct output_tree *guard;  /* build's own check and lock of the folder */
	char *out;    /* the published folder, without trailing slashes */
	char *dir;    /* <parent>/.<base>.publish */
	char *glob;   /* <parent>, and the prefix of what build leaves beside dir */
	char *prefix;
};

static void staging_release(struct staging *st)
{
	output_tree_free(st->guard);
	free(st->out);
	free(st->dir);
	free(st->glob);
	free(st->prefix);
}

/* Removes st->dir and what a build of it left beside it (".public.publish"
 * and "..public.publish.*"). */
static void staging_sweep(struct staging *st)
{
	DIR *dh = opendir(st->glob);
	struct dirent *de;

	if (!dh)
		return;
	while ((de = readdir(dh))) {
		if (starts_with(de->d_name, st->prefix) ||
		    (de->d_name[0] == '.' && starts_with(de->d_name + 1, st->prefix))) {
			char *path = xasprintf("%s/%s", st->glob, de->d_name);
			output_remove_tree(path);
			free(path);
		}
	}
	closedir(dh);
}

/* The published folder's files as hard links in dst (a new folder). */
static int link_tree(const char *src, const char *dst)
{
	DIR *dh = opendir(src);
	struct dirent *de;
	int ret = 0;

	if (!dh || mkdir(dst, 0777) < 0) {
		if (dh)
			closedir(dh);
		return -1;
	}
	while (!ret && (de = readdir(dh))) {
		struct stat sb;
		char *from, *to;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		from = xasprintf("%s/%s", src, de->d_name);
		to = xasprintf("%s/%s", dst, de->d_name);
		if (lstat(from, &sb) < 0)
			ret = -1;
		else if (S_ISDIR(sb.st_mode))
			ret = link_tree(from, to);
		else if (S_ISREG(sb.st_mode) && link(from, to) < 0)
			ret = -1;
		free(from);
		free(to);
	}
	closedir(dh);
	return ret;
}

static int staging_prepare(struct staging *st, const char *out_dir, struct diag *d)
{
	const char *slash;
	size_t len = strlen(out_dir);
	char *base;

	memset(st, 0, sizeof(*st));
	while (len > 1 && out_dir[len - 1] == '/')
		len--;
	st->out = xstrndup(out_dir, len);
	slash = strrchr(st->out, '/');
	st->glob = slash ? xstrndup(st->out, (size_t)(slash - st->out)) : xstrdup(".");
	if (!*st->glob) {
		free(st->glob);
		st->glob = xstrdup("/");
	}
	base = xstrdup(slash ? slash + 1 : st->out);
	st->prefix = xasprintf(".%s.publish", base);
	st->dir = xasprintf("%s/%s", st->glob, st->prefix);
	free(base);
	/* The same refusal as build (a folder we did not make is never
	 * replaced), and build's own lock on the folder, held until the swap. */
	if (output_tree_open(&st->guard, st->out, 0, d) < 0)
		return -1;
	staging_sweep(st);
	if (!access(st->out, F_OK) && link_tree(st->out, st->dir) < 0)
		output_remove_tree(st->dir);  /* then build renders everything */
	return 0;
}

/* Removes what a killed publisher left beside out_dir; the lock is held. */
static void staging_sweep_stale(const char *out_dir)
{
	struct staging st;
	const char *slash;
	size_t len = strlen(out_dir);

	memset(&st, 0, sizeof(st));
	while (len > 1 && out_dir[len - 1] == '/')
		len--;
	st.out = xstrndup(out_dir, len);
	slash = strrchr(st.out, '/');
	st.glob = slash ? xstrndup(st.out, (size_t)(slash - st.out)) : xstrdup(".");
	st.prefix = xasprintf(".%s.publish", slash ? slash + 1 : st.out);
	if (*st.glob && slash != st.out)
		staging_sweep(&st);
	staging_release(&st);
}

/* Puts the staged site in place of the published one; signals are held. */
static int staging_swap(struct staging *st, struct diag *d)
{
	if (!renameat2(AT_FDCWD, st->dir, AT_FDCWD, st->out, RENAME_EXCHANGE))
		return 0;  /* st->dir now holds the previous site: swept afterwards */
	if (errno == ENOENT && !rename(st->dir, st->out))
		return 0;  /* no published folder yet */
	if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP || errno == EPERM) {
		char *aside = xasprintf("%s.old", st->dir);
		if (!rename(st->out, aside) && !rename(st->dir, st->out)) {
			free(aside);
			return 0;
		}
		rename(aside, st->out);
		free(aside);
	}
	diag_system_error(d, "the publication is committed, but the site could not be put in "
			  "'%s': %s; run 'pr-publish build'", st->out, strerror(errno));
	return -1;
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

/* Makes the work tree and index show what was committed at path. */
static int update_worktree(struct archive *a, const char *path, const char *buf, size_t len,
			   struct diag *d)
{
	git_index *index = NULL;
	char *full;
	int attempt, ret = -1;

	if (!a->workdir)
		return 0;
	full = xasprintf("%s%s", a->workdir, path);
	if (buf ? write_file_atomically(full, buf, len, d) : (unlink(full) < 0 && errno != ENOENT)) {
		free(full);
		return -1;
	}
	free(full);
	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		int err;

		git_index_free(index);
		index = NULL;
		if (git_repository_index(&index, a->repo) < 0 || git_index_read(index, 1) < 0)
			break;
		err = buf ? git_index_add_bypath(index, path) : git_index_remove_bypath(index, path);
		if (!err)
			err = git_index_write(index);
		if (!err) {
			ret = 0;
			break;
		}
		if (err != GIT_ELOCKED)
			break;
		usleep(20000);  /* someone else is writing the index */
	}
	if (ret < 0)
		archive_report_git_error(d, "the commit is made, but the index could not be "
					    "updated (run 'git reset')");
	git_index_free(index);
	return ret;
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

static void add_context(struct archive *a, struct checker *c, const struct site *site,
			const git_tree *tip_tree, const struct draft *drafts, size_t nr,
			const struct release *rel)
{
	size_t i, j;

	for (i = 0; i < site->nr_languages; i++) {
		struct release *other = NULL;
		struct diag quiet;
		char *path, *buf = NULL;
		size_t len;
		FILE *null;
		int is_draft = 0;

		if (!strcmp(site->languages[i].code, rel->lang))
			continue;
		path = xasprintf("releases/%.4s/%s.%s.xml", rel->id, rel->id, site->languages[i].code);
		for (j = 0; j < nr; j++)
			if (!strcmp(drafts[j].canonical, path))
				is_draft = 1;
		null = is_draft ? NULL : fopen("/dev/null", "w");
		diag_init(&quiet, DIAG_FORMAT_TEXT);
		quiet.text_out = quiet.json_out = null;
		if (null && archive_read_blob(a, tip_tree, path, XMLDOC_MAX_SIZE, &buf, &len, &quiet) == 0 &&
		    release_parse_memory(&other, path, buf, len, &quiet) == 0)
			checker_context(c, other);
		if (null)
			fclose(null);
		release_free(other);
		free(buf);
		free(path);
	}
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

/*
 * Commits changes on the branch with the site rendered from it, all or
 * nothing; then brings the site folder, the work tree and the drafts along.
 * *main_out is the new commit.
 *
 * The order is what a SIGKILL, which cannot be held off, may cut: main moves
 * first (the publication happens there), then the site branch, the site
 * folder, the work tree and index, and the drafts.  Each of those is
 * derived and may lag main by one publication after a SIGKILL; none is ever
 * ahead of it.  Other termination signals wait until all of it is done.
 */
static int commit_with_site(struct archive *a, const struct site *site, const char *root,
			    const char *branch, const struct archive_change *changes, size_t nr,
			    const char *message, const struct draft *drafts, size_t nr_drafts,
			    const struct publish_options *o, git_oid *main_out, struct diag *d)
{
	struct staging st;
	git_oid tip, site_commit, site_tip;
	sigset_t old;
	int attempt, ret;

	if (staging_prepare(&st, o->out_dir, d) < 0) {
		staging_release(&st);
		return EXIT_SYSTEM;
	}
	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		ret = archive_make_commit(a, branch, changes, nr, message, main_out, &tip, d);
		if (ret == 1)
			goto out;
		if (ret) {
			ret = EXIT_SYSTEM;
			goto out;
		}
		ret = render_commit(a, site, root, main_out, st.dir, o, &site_commit, &site_tip, d);
		if (ret)
			goto out;
		hold_signals(&old);
		ret = archive_move_ref(a, branch, main_out, &tip, message, d);
		if (ret == 0) {
			size_t i;
			/* Derived data: whoever publishes last rebuilds it. */
			if (archive_move_ref(a, PUBLISH_SITE_BRANCH, &site_commit, &site_tip,
					     "pr-publish: render", d) == ARCHIVE_RACE) {
				git_reference *ref = NULL;
				git_reference_create(&ref, a->repo, PUBLISH_SITE_BRANCH, &site_commit, 1,
						     "pr-publish: render");
				git_reference_free(ref);
			}
			if (staging_swap(&st, d))
				ret = EXIT_SYSTEM;
			for (i = 0; i < nr; i++)
				if (update_worktree(a, changes[i].path, changes[i].data, changes[i].len, d))
					ret = EXIT_SYSTEM;
			remove_drafts(a, drafts, nr_drafts);
			sigprocmask(SIG_SETMASK, &old, NULL);
			goto out;
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
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
	/* The staging folder (now the previous site, or a site never
	 * committed) goes; the published folder was touched only on success. */
	staging_sweep(&st);
	staging_release(&st);
	return ret;
}

int publish_drafts(struct archive *a, const struct site *site, const char *root,
		   const char *const *paths, size_t nr, const struct publish_options *o,
		   struct diag *d)
{
	struct draft *drafts = xcalloc(nr, sizeof(*drafts));
	struct archive_change *changes = xcalloc(nr, sizeof(*changes));
	struct checker *c = NULL;
	git_commit *tip_commit = NULL;
	git_tree *tip_tree = NULL;
	git_oid tip, commit_id;
	char *branch = NULL, *message = NULL;
	size_t i, j, nr_changes = 0;
	int lock = -1, ret = EXIT_SYSTEM;

	lock = lock_archive(a, d);
	if (lock < 0)
		goto out;
	staging_sweep_stale(o->out_dir);
	if (archive_branch(a, &branch, d))
		goto out;
	if (git_reference_name_to_id(&tip, a->repo, branch) == 0 &&
	    (git_commit_lookup(&tip_commit, a->repo, &tip) < 0 ||
	     git_commit_tree(&tip_tree, tip_commit) < 0)) {
		archive_report_git_error(d, "cannot read the archive's branch");
		goto out;
	}

	c = checker_new(site, root, d, o->now, CHECK_SPELLING);
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
	for (i = 0; i < nr; i++) {
		if (!drafts[i].rel)
			continue;
		if (checker_check(c, drafts[i].rel)) {
			ret = EXIT_SYSTEM;
			goto out;
		}
		if (tip_tree) {
			check_correction(a, &drafts[i], tip_tree, d);
			add_context(a, c, site, tip_tree, drafts, nr, drafts[i].rel);
		}
	}
	checker_finish(c);
	diag_summary(d, "publish: checked");
	if (diag_failed(d)) {
		fprintf(stderr, "publish: nothing was published; fix the findings above\n");
		ret = EXIT_FINDINGS;
		goto out;
	}

	for (i = 0; i < nr; i++) {
		if (drafts[i].unchanged) {
			fprintf(stderr, "publish: %s (%s) is already published as it is\n",
				drafts[i].rel->id, drafts[i].rel->lang);
			/* Tried again after a publication was killed between moving
			 * main and the work tree: bring the work tree and index along. */
			if (update_worktree(a, drafts[i].canonical, drafts[i].rel->xml->buf,
					    drafts[i].rel->xml->len, d)) {
				ret = EXIT_SYSTEM;
				goto out;
			}
			continue;
		}
		changes[nr_changes].path = drafts[i].canonical;
		changes[nr_changes].data = drafts[i].rel->xml->buf;
		changes[nr_changes].len = drafts[i].rel->xml->len;
		nr_changes++;
	}
	if (!nr_changes) {
		ret = EXIT_CLEAN;
		goto out;
	}
	message = commit_message(drafts, nr);
	ret = commit_with_site(a, site, root, branch, changes, nr_changes, message, drafts, nr,
			       o, &commit_id, d);
	if (ret == 1)
		ret = EXIT_CLEAN;
	if (ret)
		goto out;

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
	if (lock >= 0)
		close(lock);
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
	int lock, ret = EXIT_SYSTEM;

	memset(bufs, 0, sizeof(bufs));
	memset(paths, 0, sizeof(paths));
	date_from_time(o->now, &today);
	lock = lock_archive(a, d);
	if (lock < 0) {
		checker_free(c);
		return EXIT_SYSTEM;
	}
	staging_sweep_stale(o->out_dir);
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
	ret = commit_with_site(a, site, root, branch, changes, nr, message, NULL, 0, o,
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
	close(lock);
	return ret;
}

int publish_site(struct archive *a, const struct site *site, const char *root,
		 const struct publish_options *o, struct diag *d)
{
	git_oid tip, site_commit, site_tip;
	char *branch = NULL;
	int lock, ret = EXIT_SYSTEM;

	lock = lock_archive(a, d);
	if (lock < 0)
		return EXIT_SYSTEM;
	if (archive_branch(a, &branch, d) == 0 &&
	    git_reference_name_to_id(&tip, a->repo, branch) == 0) {
		struct staging st;
		sigset_t old;

		if (staging_prepare(&st, o->out_dir, d) == 0)
			ret = render_commit(a, site, root, &tip, st.dir, o, &site_commit, &site_tip, d);
		if (!ret) {
			hold_signals(&old);
			if (archive_move_ref(a, PUBLISH_SITE_BRANCH, &site_commit, &site_tip,
					     "pr-publish: render", d) || staging_swap(&st, d))
				ret = EXIT_SYSTEM;
			sigprocmask(SIG_SETMASK, &old, NULL);
		}
		staging_sweep(&st);
		staging_release(&st);
	} else {
		diag_system_error(d, "the archive has nothing published yet");
	}
	free(branch);
	close(lock);
	return ret;
}
