/* publish.c - publishing into a git archive; see publish.h. */
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

/* A tree of the files under dir, the manifest left out. */
static int tree_from_dir(git_repository *repo, const char *dir, git_oid *out, struct diag *d)
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
		char *path;
		int err = 0;

		if (de->d_name[0] == '.')
			continue;  /* ., .., the manifest, temporary folders */
		path = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0) {
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (tree_from_dir(repo, path, &id, d) < 0 ||
			    git_treebuilder_insert(NULL, tb, de->d_name, &id, GIT_FILEMODE_TREE) < 0)
				err = -1;
		} else if (S_ISREG(st.st_mode)) {
			if (git_blob_create_from_disk(&id, repo, path) < 0 ||
			    git_treebuilder_insert(NULL, tb, de->d_name, &id, GIT_FILEMODE_BLOB) < 0)
				err = -1;
		}
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
 * Renders the site of the commit `source` into o->out_dir and makes a
 * commit of it on top of the site branch's tip: *site_commit, *site_tip.
 */
static int render_commit(struct archive *a, const struct site *site, const char *root,
			 const git_oid *source, const struct publish_options *o,
			 git_oid *site_commit, git_oid *site_tip, struct diag *d)
{
	struct tree_releases tr;
	struct build_result res;
	struct build_options bo;
	struct renderer *r = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL, *rels_tree = NULL;
	git_tree_entry *entry = NULL;
	git_oid site_tree;
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
	bo.out_dir = o->out_dir;
	bo.now = o->now;
	if (build_site(&res, &bo, site, tr.rels, tr.nr, r, d) < 0)
		goto out;
	if (tree_from_dir(a->repo, o->out_dir, &site_tree, d) < 0)
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
	if (archive_commit_tree(a, &site_tree, have_tip ? site_tip : NULL, msg, site_commit, d))
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

/*
 * Commits changes on the branch with the site rendered from it, all or
 * nothing; then brings the work tree along.  *main_out is the new commit.
 */
static int commit_with_site(struct archive *a, const struct site *site, const char *root,
			    const char *branch, const struct archive_change *changes, size_t nr,
			    const char *message, const struct publish_options *o, git_oid *main_out,
			    struct diag *d)
{
	git_oid tip, site_commit, site_tip;
	sigset_t old;
	int attempt, ret;

	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		ret = archive_make_commit(a, branch, changes, nr, message, main_out, &tip, d);
		if (ret == 1)
			return 1;
		if (ret)
			return EXIT_SYSTEM;
		ret = render_commit(a, site, root, main_out, o, &site_commit, &site_tip, d);
		if (ret)
			return ret;
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
			for (i = 0; i < nr; i++)
				if (update_worktree(a, changes[i].path, changes[i].data, changes[i].len, d))
					ret = EXIT_SYSTEM;
			sigprocmask(SIG_SETMASK, &old, NULL);
			return ret;
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (ret != ARCHIVE_RACE)
			break;
	}
	/* main did not move: put the rendered site back as it was. */
	if (git_reference_name_to_id(&tip, a->repo, branch) == 0)
		render_commit(a, site, root, &tip, o, &site_commit, &site_tip, d);
	return EXIT_SYSTEM;
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
	ret = commit_with_site(a, site, root, branch, changes, nr_changes, message, o, &commit_id, d);
	if (ret == 1)
		ret = EXIT_CLEAN;
	if (ret)
		goto out;

	for (i = 0; i < nr; i++) {
		char hex[GIT_OID_HEXSZ + 1];
		char *full = a->workdir ? xasprintf("%s%s", a->workdir, drafts[i].canonical) : NULL;
		char *rdraft = realpath(drafts[i].path, NULL), *rfull = full ? realpath(full, NULL) : NULL;

		/* The draft has become the published file; drop it unless it is it. */
		if (!drafts[i].unchanged && rdraft && (!rfull || strcmp(rdraft, rfull)))
			unlink(drafts[i].path);
		free(rdraft);
		free(rfull);
		free(full);
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

static void xml_escape(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			strbuf_addstr(out, "&lt;");
		else if (*s == '>')
			strbuf_addstr(out, "&gt;");
		else if (*s == '&')
			strbuf_addstr(out, "&amp;");
		else
			strbuf_addch(out, *s);
	}
}

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
		xml_escape(&out, reason);
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
	ret = commit_with_site(a, site, root, branch, changes, nr, message, o, &commit_id, d);
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
		ret = render_commit(a, site, root, &tip, o, &site_commit, &site_tip, d);
		if (!ret && archive_move_ref(a, PUBLISH_SITE_BRANCH, &site_commit, &site_tip,
					     "pr-publish: render", d))
			ret = EXIT_SYSTEM;
	} else {
		diag_system_error(d, "the archive has nothing published yet");
	}
	free(branch);
	close(lock);
	return ret;
}
