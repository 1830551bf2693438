/* archive.c - the git archive with libgit2; see archive.h. */
#include "archive.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gitindex.h"
#include "util.h"
#include "xmldoc.h"

#define COMMIT_ATTEMPTS 100

void archive_report_git_error(struct diag *d, const char *what)
{
	const git_error *e = git_error_last();

	diag_system_error(d, "%s: %s", what, e && e->message ? e->message : "unknown git error");
}

/*
 * libgit2's initialisation costs ~4 ms (mbedTLS parses the system's CA
 * certificates, for nothing unless something is pushed), so commands that
 * will open the archive start it first thing on a thread of its own;
 * libgit2 serialises initialisations, so archive_open() finds it done or
 * waits for it.  Process-wide, like the library's own state.
 */
static pthread_t early_init;
static int early_init_started;

static void *init_libgit2(void *unused)
{
	(void)unused;
	git_libgit2_init();
	return NULL;
}

void archive_init_early(void)
{
	if (!early_init_started)
		early_init_started = !start_helper_thread(&early_init, init_libgit2, NULL);
}

void archive_init_end(void)
{
	if (!early_init_started)
		return;
	pthread_join(early_init, NULL);
	early_init_started = 0;
	git_libgit2_shutdown();
}

int archive_open(struct archive **out, const char *path, enum archive_open_mode mode,
		 struct diag *d)
{
	struct archive *a;
	git_repository *repo = NULL;
	int err;

	*out = NULL;
	git_libgit2_init();
	if (mode == ARCHIVE_OPEN_FROM_ENV)
		err = git_repository_open_ext(&repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	else
		err = git_repository_open_ext(&repo, path ? path : ".", 0, NULL);
	if (err < 0) {
		archive_report_git_error(d, "cannot open the git archive");
		git_libgit2_shutdown();
		return XMLDOC_SYSTEM;
	}
	a = xcalloc(1, sizeof(*a));
	a->repo = repo;
	a->lock_fd = -1;
	if (!git_repository_is_bare(repo) && git_repository_workdir(repo))
		a->workdir = xstrdup(git_repository_workdir(repo));
	*out = a;
	return 0;
}

void archive_free(struct archive *a)
{
	if (!a)
		return;
	archive_unlock(a);
	git_repository_free(a->repo);
	free(a->workdir);
	free(a);
	git_libgit2_shutdown();
}

int archive_branch(struct archive *a, char **out, struct diag *d)
{
	git_reference *head = NULL;

	if (git_reference_lookup(&head, a->repo, "HEAD") < 0) {
		archive_report_git_error(d, "cannot read HEAD");
		return XMLDOC_SYSTEM;
	}
	if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC)
		*out = xstrdup(git_reference_symbolic_target(head));
	else
		*out = xstrdup("refs/heads/main");  /* detached: publish to main */
	git_reference_free(head);
	return 0;
}

int archive_read_blob_id(struct archive *a, const git_oid *id, unsigned mode, const char *path,
			 size_t max, char **buf, size_t *len, struct diag *d)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_object_t type;
	size_t size;
	int ret = XMLDOC_SYSTEM;

	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
		struct diag_loc loc = { path, 0, 0, NULL, 0 };
		diag_report(d, &loc, DIAG_ERROR, "git-mode",
			    "%s, not a regular file; releases must be plain files",
			    mode == GIT_FILEMODE_LINK ? "a symbolic link" :
			    mode == GIT_FILEMODE_COMMIT ? "a submodule" : "not a file");
		return XMLDOC_INVALID;
	}
	if (git_repository_odb(&odb, a->repo) < 0) {
		archive_report_git_error(d, "cannot open the object database");
		return XMLDOC_SYSTEM;
	}
	/* The header first: a huge blob is refused without being inflated. */
	if (git_odb_read_header(&size, &type, odb, id) < 0) {
		archive_report_git_error(d, path);
		goto out;
	}
	if (type != GIT_OBJECT_BLOB || size > max) {
		struct diag_loc loc = { path, 0, 0, NULL, 0 };
		diag_report(d, &loc, DIAG_ERROR, "file-size",
			    "file is %zu bytes, over the limit of %zu bytes for a release", size, max);
		ret = XMLDOC_INVALID;
		goto out;
	}
	if (git_odb_read(&obj, odb, id) < 0) {
		archive_report_git_error(d, path);
		goto out;
	}
	*len = git_odb_object_size(obj);
	*buf = xmalloc(*len + 1);
	memcpy(*buf, git_odb_object_data(obj), *len);
	(*buf)[*len] = '\0';
	ret = 0;
out:
	git_odb_object_free(obj);
	git_odb_free(odb);
	return ret;
}

int archive_read_blob(struct archive *a, const git_tree *tree, const char *path, size_t max,
		      char **buf, size_t *len, struct diag *d)
{
	git_tree_entry *entry = NULL;
	int ret;

	if (!tree || git_tree_entry_bypath(&entry, tree, path) < 0)
		return 1;
	ret = archive_read_blob_id(a, git_tree_entry_id(entry),
				   (unsigned)git_tree_entry_filemode(entry), path, max, buf, len, d);
	git_tree_entry_free(entry);
	return ret;
}

/* A short pause that differs between processes, so that racing publishers
 * do not retry in lockstep. */
static void backoff(int attempt)
{
	struct timespec ts;
	long ns = (long)((unsigned)rand() % 2000000u) + (long)attempt * 500000L;

	ts.tv_sec = 0;
	ts.tv_nsec = ns > 50000000L ? 50000000L : ns;
	nanosleep(&ts, NULL);
}

static int default_signature(struct archive *a, git_signature **sig, struct diag *d)
{
	if (git_signature_default(sig, a->repo) < 0) {
		diag_system_error(d, "git does not know who you are; set it with "
				  "'git config user.name \"Your Name\"' and "
				  "'git config user.email you@example.org'");
		return XMLDOC_SYSTEM;
	}
	return 0;
}

int archive_make_commit(struct archive *a, const char *refname,
			const struct archive_change *changes, size_t nr, const char *message,
			git_oid *out, git_oid *tip, struct diag *d)
{
	git_signature *sig = NULL;
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_tree_update *updates = NULL;
	git_oid tree_id, blob_id;
	int have_tip, ret = XMLDOC_SYSTEM;
	size_t i;

	if (default_signature(a, &sig, d))
		return XMLDOC_SYSTEM;
	memset(tip, 0, sizeof(*tip));
	have_tip = git_reference_name_to_id(tip, a->repo, refname) == 0;
	if (have_tip) {
		if (git_commit_lookup(&parent, a->repo, tip) < 0 ||
		    git_commit_tree(&base, parent) < 0) {
			archive_report_git_error(d, "cannot read the branch tip");
			goto out;
		}
	} else {
		memset(tip, 0, sizeof(*tip));
	}
	updates = xcalloc(nr ? nr : 1, sizeof(*updates));
	for (i = 0; i < nr; i++) {
		updates[i].path = changes[i].path;
		if (!changes[i].data) {
			updates[i].action = GIT_TREE_UPDATE_REMOVE;
			continue;
		}
		if (git_blob_create_from_buffer(&blob_id, a->repo, changes[i].data, changes[i].len) < 0) {
			archive_report_git_error(d, "cannot store a release in git");
			goto out;
		}
		updates[i].action = GIT_TREE_UPDATE_UPSERT;
		updates[i].id = blob_id;
		updates[i].filemode = GIT_FILEMODE_BLOB;
	}
	if (git_tree_create_updated(&tree_id, a->repo, base, nr, updates) < 0) {
		archive_report_git_error(d, "cannot build the new tree");
		goto out;
	}
	if (base && git_oid_equal(&tree_id, git_tree_id(base))) {
		ret = 1;  /* nothing changes */
		goto out;
	}
	if (git_tree_lookup(&tree, a->repo, &tree_id) < 0 ||
	    git_commit_create(out, a->repo, NULL, sig, sig, NULL, message, tree,
			      have_tip ? 1 : 0, (const git_commit **)&parent) < 0) {
		archive_report_git_error(d, "cannot create the commit");
		goto out;
	}
	ret = 0;
out:
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(parent);
	git_signature_free(sig);
	free(updates);
	return ret;
}

/* ---- moves a SIGKILL may cut ------------------------------------------- */

/*
 * libgit2 moves a ref by creating <ref>.lock with the new id, appending to
 * the reflogs of the ref and HEAD, and renaming the lock over the ref.  A
 * SIGKILL in between leaves the lock, which blocks every later move, and
 * reflog entries for a move that did not happen.  The move is written into
 * the archive's lock file first (one line, overwritten by the next move,
 * emptied when it is done), so that the next holder can undo it.
 */
#define MOVE_HEAD "pr-publish-move 1\n"

/* Replaces the record in the archive's lock file with line (freed), when
 * the lock is held.  Not checked: without the record, a cut move or index
 * write only needs a hand, as git's own would. */
static void write_record(struct archive *a, char *line)
{
	if (a->lock_fd >= 0 && pwrite(a->lock_fd, line, strlen(line), 0) == (ssize_t)strlen(line))
		(void)!ftruncate(a->lock_fd, (off_t)strlen(line));
	free(line);
}

static void record_move(struct archive *a, const char *refname, const git_oid *tip,
			const git_oid *id)
{
	char from[GIT_OID_HEXSZ + 1], to[GIT_OID_HEXSZ + 1];

	git_oid_tostr(from, sizeof(from), tip);
	git_oid_tostr(to, sizeof(to), id);
	write_record(a, xasprintf(MOVE_HEAD "%s %s %s\n", from, to, refname));
}

/* Empties the record: the move or write it names is done. */
static void move_done(struct archive *a)
{
	if (a->lock_fd >= 0)
		(void)!ftruncate(a->lock_fd, 0);
}

/* Drops name's newest reflog entry if it is the move from..to. */
static void drop_reflog_entry(struct archive *a, const char *name, const git_oid *from,
			      const git_oid *to)
{
	const git_reflog_entry *e;
	git_reflog *log = NULL;

	if (git_reflog_read(&log, a->repo, name) == 0 && git_reflog_entrycount(log) > 0 &&
	    (e = git_reflog_entry_byindex(log, 0)) != NULL &&
	    git_oid_equal(git_reflog_entry_id_old(e), from) &&
	    git_oid_equal(git_reflog_entry_id_new(e), to) && git_reflog_drop(log, 0, 0) == 0)
		git_reflog_write(log);
	git_reflog_free(log);
	git_error_clear();
}

/*
 * libgit2 writes the new id into the lock only at the end, after the
 * reflogs: for most of a move the lock is empty.  An empty lock that stays
 * empty is abandoned (a writer that is alive fills its lock at once): one
 * whose mtime is 1 s old, after waiting for that at most.
 */
#define ABANDONED_AFTER_NS 1000000000LL

static int empty_and_abandoned(const char *lock)
{
	struct stat st, again;
	struct timespec now;
	long long age;

	if (lstat(lock, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	age = (now.tv_sec - st.st_mtim.tv_sec) * 1000000000LL + (now.tv_nsec - st.st_mtim.tv_nsec);
	if (age < ABANDONED_AFTER_NS) {
		struct timespec wait;
		long long left = ABANDONED_AFTER_NS - (age < 0 ? 0 : age);

		wait.tv_sec = (time_t)(left / 1000000000LL);
		wait.tv_nsec = (long)(left % 1000000000LL);
		nanosleep(&wait, NULL);
		if (lstat(lock, &again) < 0 || again.st_ino != st.st_ino || again.st_size ||
		    again.st_mtim.tv_sec != st.st_mtim.tv_sec ||
		    again.st_mtim.tv_nsec != st.st_mtim.tv_nsec)
			return 0;
	}
	return 1;
}

/* Undoes the recorded move (buf, the record), if a SIGKILL cut it. */
static void undo_cut_move(struct archive *a, char *buf)
{
	char from_hex[GIT_OID_HEXSZ + 1], to_hex[GIT_OID_HEXSZ + 1], *refname, *lock;
	char *held = NULL;
	git_oid from, to, now;
	size_t len = 0;
	int have_now;

	refname = buf + strlen(MOVE_HEAD);
	if (sscanf(refname, "%40[0-9a-f] %40[0-9a-f] ", from_hex, to_hex) != 2 ||
	    git_oid_fromstr(&from, from_hex) < 0 || git_oid_fromstr(&to, to_hex) < 0)
		return;
	refname += 2 * (GIT_OID_HEXSZ + 1);
	if (strlen(refname) < 2)
		return;
	refname[strlen(refname) - 1] = '\0';
	if (!starts_with(refname, "refs/heads/") || strstr(refname, "..") ||
	    !git_reference_is_valid_name(refname))
		return;
	lock = xasprintf("%s%s.lock", git_repository_commondir(a->repo), refname);
	held = read_regular_file(lock, 256, &len);
	if (held && ((len == GIT_OID_HEXSZ + 1 && !memcmp(held, to_hex, GIT_OID_HEXSZ) &&
		      held[GIT_OID_HEXSZ] == '\n') ||
		     (!len && empty_and_abandoned(lock))) &&
	    unlink(lock) == 0)
		fprintf(stderr, "pr-publish: removed '%s', left by a pr-publish that was killed "
			"while it moved '%s'; that move did not happen\n", lock, refname);
	free(held);
	free(lock);
	/* The ref is where it was (or has moved on since): the move's
	 * entries in the reflogs describe nothing that happened. */
	have_now = git_reference_name_to_id(&now, a->repo, refname) == 0;
	git_error_clear();
	if (have_now ? git_oid_equal(&now, &from) : git_oid_is_zero(&from)) {
		drop_reflog_entry(a, refname, &from, &to);
		drop_reflog_entry(a, "HEAD", &from, &to);
	}
}

/* ---- the index, written so that a SIGKILL cannot strand its lock -------- */

/*
 * git and libgit2 write <git dir>/index through index.lock, which a SIGKILL
 * in the middle leaves behind, and nobody can tell whose it is.  So the
 * new index is written to <git dir>/pr-publish-index (a new file spliced
 * from the index's bytes, gitindex.h; or, for an index gitindex_splice()
 * leaves alone, a hard link of the index that libgit2 replaces whole when
 * it writes), its device and inode are recorded in
 * the archive's lock file, and only then does it become index.lock (a hard
 * link: fails while git holds the lock) and index (a rename).  An
 * index.lock that is that inode is ours, and complete: the next holder of
 * the lock finishes the rename.  The record is emptied before the spare
 * name goes, so the recorded inode is never free (and reused) meanwhile.
 */
#define INDEX_HEAD "pr-publish-index 1\n"
#define SPARE_INDEX "pr-publish-index"      /* in the git dir */

static unsigned long long mtime_ns(const struct stat *st)
{
	return (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
	       (unsigned long long)st->st_mtim.tv_nsec;
}

/* The record of an index write: the new index written (NULL: not yet),
 * and the index it was made from (NULL: there was none), by inode, size
 * and mtime. */
static void record_index(struct archive *a, const char *gitdir, const struct stat *written,
			 const struct stat *from)
{
	write_record(a, xasprintf(INDEX_HEAD "%llu %llu %llu %llu %llu %s\n",
				  written ? (unsigned long long)written->st_dev : 0ull,
				  written ? (unsigned long long)written->st_ino : 0ull,
				  from ? (unsigned long long)from->st_ino : 0ull,
				  from ? (unsigned long long)from->st_size : 0ull,
				  from ? mtime_ns(from) : 0ull, gitdir));
}

/* Finishes the recorded index write (buf, the record), if a SIGKILL cut
 * it after the new index became index.lock, and removes its spare files.
 * Should the index have changed since it was read (git wrote it before
 * the lock was taken), the lock is removed instead. */
static void finish_cut_index(char *buf)
{
	unsigned long long dev, ino, from_ino, from_size, from_mtime;
	int n = 0;
	char *gitdir, *index, *lock, *spare, *spare_lock;
	struct stat st, now;

	if (sscanf(buf + strlen(INDEX_HEAD), "%llu %llu %llu %llu %llu %n", &dev, &ino, &from_ino,
		   &from_size, &from_mtime, &n) != 5 || !n)
		return;
	gitdir = buf + strlen(INDEX_HEAD) + n;
	if (strlen(gitdir) < 2)
		return;
	gitdir[strlen(gitdir) - 1] = '\0';
	if (*gitdir != '/' || !ends_with(gitdir, "/"))
		return;
	index = xasprintf("%sindex", gitdir);
	lock = xasprintf("%sindex.lock", gitdir);
	spare = xasprintf("%s" SPARE_INDEX, gitdir);
	spare_lock = xasprintf("%s.lock", spare);
	if (ino && lstat(lock, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino) {
		int same = from_ino ? lstat(index, &now) == 0 &&
					      (unsigned long long)now.st_ino == from_ino &&
					      (unsigned long long)now.st_size == from_size &&
					      mtime_ns(&now) == from_mtime
				    : lstat(index, &now) < 0 && errno == ENOENT;
		if (same && rename(lock, index) == 0)
			fprintf(stderr, "pr-publish: finished writing '%s', which a pr-publish "
				"that was killed had left as '%s'\n", index, lock);
		else if (!same && unlink(lock) == 0)
			fprintf(stderr, "pr-publish: removed '%s', left by a pr-publish that was "
				"killed; the index changed meanwhile and is kept\n", lock);
	}
	unlink(spare);
	unlink(spare_lock);
	free(spare_lock);
	free(spare);
	free(lock);
	free(index);
}

/* Undoes or finishes what a SIGKILL cut: see archive_lock(). */
static void repair_cut_work(struct archive *a)
{
	char buf[PATH_MAX + 256];
	ssize_t n = pread(a->lock_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return;
	buf[n] = '\0';
	if (ends_with(buf, "\n")) {
		if (starts_with(buf, MOVE_HEAD))
			undo_cut_move(a, buf);
		else if (starts_with(buf, INDEX_HEAD))
			finish_cut_index(buf);
	}
	move_done(a);
}

static int same_file(const struct stat *x, const struct stat *y)
{
	return x->st_dev == y->st_dev && x->st_ino == y->st_ino && x->st_size == y->st_size &&
	       x->st_mtim.tv_sec == y->st_mtim.tv_sec && x->st_mtim.tv_nsec == y->st_mtim.tv_nsec;
}

/* The index as it was read: its bytes (had_index), and who it was. */
struct index_open {
	char *bytes;
	size_t len;
	struct stat before;     /* the index's, before it was read */
	int had_index;
	int err;                /* 0, or -2 with errno in saved_errno */
	int saved_errno;
};

static void read_index(struct index_open *o, const char *index)
{
	memset(o, 0, sizeof(*o));
	o->had_index = lstat(index, &o->before) == 0;
	if (!o->had_index && errno == ENOENT)
		return;
	/* Replaced after the lstat: index_unchanged() will say so. */
	if (!o->had_index || !(o->bytes = read_regular_file(index, (size_t)1 << 31, &o->len))) {
		o->err = -2;
		o->saved_errno = errno;
	}
}

static void index_open_release(struct index_open *o)
{
	free(o->bytes);
	o->bytes = NULL;
}

/* Is the index still the one o read? */
static int index_unchanged(const struct index_open *o, const char *index)
{
	struct stat now;

	return o->had_index ? lstat(index, &now) == 0 && same_file(&o->before, &now)
			    : lstat(index, &now) < 0 && errno == ENOENT;
}

/* The index read on a thread of its own, while the caller does other
 * work (archive_index_prefetch()). */
struct index_prefetch {
	pthread_t thread;
	char *index;
	struct index_open o;
};

static void *prefetch_index(void *data)
{
	struct index_prefetch *pf = data;

	read_index(&pf->o, pf->index);
	return NULL;
}

static char *spare_path(struct archive *a)
{
	return xasprintf("%s" SPARE_INDEX, git_repository_path(a->repo));
}

void archive_index_prefetch(struct archive *a)
{
	struct index_prefetch *pf;

	if (!a->workdir || a->prefetch || a->lock_fd < 0)
		return;
	pf = xcalloc(1, sizeof(*pf));
	pf->index = xasprintf("%sindex", git_repository_path(a->repo));
	if (start_helper_thread(&pf->thread, prefetch_index, pf)) {
		free(pf->index);
		free(pf);
		return;
	}
	a->prefetch = pf;
}

/* The prefetched index, if any and still current (else 0): o filled. */
static int take_prefetch(struct archive *a, struct index_open *o)
{
	struct index_prefetch *pf = a->prefetch;
	int ok;

	if (!pf)
		return 0;
	a->prefetch = NULL;
	pthread_join(pf->thread, NULL);
	*o = pf->o;
	ok = !o->err && index_unchanged(o, pf->index);
	if (!ok)
		index_open_release(o);
	free(pf->index);
	free(pf);
	return ok;
}

/* The entry of each change: its blob's id and its work tree file's stat
 * data.  0, or -2 with errno (a file gone), -1 (libgit2's error). */
static int change_entries(struct archive *a, const struct archive_change *changes, size_t nr,
			  struct gitindex_change *out, git_oid *ids, struct stat *sts)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		char *full;
		int err;

		out[i].path = changes[i].path;
		out[i].oid = NULL;
		out[i].st = NULL;
		if (!changes[i].data)
			continue;
		full = xasprintf("%s%s", a->workdir, changes[i].path);
		err = lstat(full, &sts[i]);
		free(full);
		if (err < 0)
			return -2;
		if (git_odb_hash(&ids[i], changes[i].data, changes[i].len, GIT_OBJECT_BLOB) < 0)
			return -1;
		out[i].oid = ids[i].id;
		out[i].st = &sts[i];
	}
	return 0;
}

/* The new index written at spare by libgit2, from the index as it is now
 * (a hard link of it, which libgit2 replaces whole when it writes).  0,
 * -1 (libgit2's error), -2 (errno). */
static int libgit2_write(const struct index_open *o, const char *index, const char *spare,
			 const struct gitindex_change *c, size_t nr)
{
	git_index *idx = NULL;
	int ret = -1;
	size_t i;

	unlink(spare);
	if (o->had_index && link(index, spare) < 0)
		return -2;
	if (git_index_open(&idx, spare) < 0)
		return -1;
	for (i = 0; i < nr; i++) {
		git_index_entry e;

		if (!c[i].oid) {
			if (git_index_remove(idx, c[i].path, 0) < 0 &&
			    git_index_get_bypath(idx, c[i].path, 0))
				goto out;
			git_error_clear();
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.ctime.seconds = (int32_t)c[i].st->st_ctim.tv_sec;
		e.ctime.nanoseconds = (uint32_t)c[i].st->st_ctim.tv_nsec;
		e.mtime.seconds = (int32_t)c[i].st->st_mtim.tv_sec;
		e.mtime.nanoseconds = (uint32_t)c[i].st->st_mtim.tv_nsec;
		e.dev = (uint32_t)c[i].st->st_dev;
		e.ino = (uint32_t)c[i].st->st_ino;
		e.mode = GIT_FILEMODE_BLOB;
		e.uid = (uint32_t)c[i].st->st_uid;
		e.gid = (uint32_t)c[i].st->st_gid;
		e.file_size = (uint32_t)c[i].st->st_size;
		e.path = c[i].path;
		git_oid_fromraw(&e.id, c[i].oid);
		if (git_index_add(idx, &e) < 0)
			goto out;
	}
	ret = git_index_write(idx) < 0 ? -1 : 0;
out:
	git_index_free(idx);
	return ret;
}

/* The new index written at spare from the bytes read (gitindex.h): 0, 1
 * when they are not an index gitindex_splice() rewrites, -2 (errno). */
static int splice_write(const struct index_open *o, const char *spare,
			const struct gitindex_change *c, size_t nr)
{
	struct strbuf out = STRBUF_INIT;
	const char *why;
	int ret = 1, saved;

	if (o->bytes && !gitindex_splice(o->bytes, o->len, c, nr, &out, &why)) {
		unlink(spare);
		ret = write_new_file(spare, out.buf, out.len) < 0 ? -2 : 0;
	}
	saved = errno;
	strbuf_release(&out);
	errno = saved;
	return ret;
}

/* One try of archive_index_update(): 0, 1 when git holds the index (or
 * changed it meanwhile: try again), -1 on a libgit2 error, -2 on a system
 * error (errno). */
static int index_update_once(struct archive *a, const struct archive_change *changes, size_t nr,
			     const char *index, const char *lock, const char *spare)
{
	struct gitindex_change *c = xcalloc(nr + 1, sizeof(*c));
	git_oid *ids = xcalloc(nr + 1, sizeof(*ids));
	struct stat *sts = xcalloc(nr + 1, sizeof(*sts)), written;
	struct index_open o;
	int saved, ret;

	record_index(a, git_repository_path(a->repo), NULL, NULL);
	if (!take_prefetch(a, &o))
		read_index(&o, index);
	if (o.err) {
		errno = o.saved_errno;
		ret = o.err;
		goto out;
	}
	ret = change_entries(a, changes, nr, c, ids, sts);
	if (ret)
		goto out;
	/* Spliced from the bytes read; else (an index of another kind, or
	 * none yet) through libgit2. */
	ret = splice_write(&o, spare, c, nr);
	if (ret == 1)
		ret = libgit2_write(&o, index, spare, c, nr);
	if (ret)
		goto out;
	if (lstat(spare, &written) < 0) {
		ret = -2;
		goto out;
	}
	record_index(a, git_repository_path(a->repo), &written, o.had_index ? &o.before : NULL);
	if (link(spare, lock) < 0) {
		ret = errno == EEXIST ? 1 : -2;
		goto out;
	}
	/* git's lock is ours: the index must still be the one we read. */
	if (!index_unchanged(&o, index)) {
		unlink(lock);
		ret = 1;
		goto out;
	}
	if (rename(lock, index) < 0) {
		saved = errno;
		unlink(lock);
		errno = saved;
		ret = -2;
		goto out;
	}
	ret = 0;
out:
	saved = errno;
	index_open_release(&o);
	move_done(a);
	unlink(spare);
	free(c);
	free(ids);
	free(sts);
	errno = saved;
	return ret;
}

int archive_index_update(struct archive *a, const struct archive_change *changes, size_t nr,
			 struct diag *d)
{
	const char *gitdir = git_repository_path(a->repo);
	char *index = xasprintf("%sindex", gitdir), *lock = xasprintf("%s.lock", index);
	char *spare = spare_path(a);
	int attempt, ret = 1;

	for (attempt = 0; attempt < COMMIT_ATTEMPTS && ret == 1; attempt++) {
		if (attempt)
			backoff(attempt);
		ret = index_update_once(a, changes, nr, index, lock, spare);
	}
	if (ret == -1)
		archive_report_git_error(d, "cannot update the index");
	else if (ret == -2)
		diag_system_error(d, "cannot update '%s': %s", index, strerror(errno));
	else if (ret == 1)
		diag_system_error(d, "'%s' stayed locked; if no git command is running, delete it",
				  lock);
	free(spare);
	free(lock);
	free(index);
	return ret ? XMLDOC_SYSTEM : 0;
}

int archive_lock(struct archive *a, struct diag *d)
{
	char *path = xasprintf("%spr-publish.mutex", git_repository_commondir(a->repo));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		diag_system_error(d, "cannot lock '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(path);
		return XMLDOC_SYSTEM;
	}
	free(path);
	a->lock_fd = fd;
	repair_cut_work(a);
	return 0;
}

void archive_unlock(struct archive *a)
{
	struct index_open o;

	if (take_prefetch(a, &o))
		index_open_release(&o);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	a->lock_fd = -1;
}

int archive_move_ref(struct archive *a, const char *refname, const git_oid *id,
		     const git_oid *tip, const char *message, struct diag *d)
{
	git_reference *ref = NULL;
	int err;

	record_move(a, refname, tip, id);
	if (!git_oid_is_zero(tip))
		err = git_reference_create_matching(&ref, a->repo, refname, id, 1, tip, message);
	else
		err = git_reference_create(&ref, a->repo, refname, id, 0, message);
	move_done(a);
	git_reference_free(ref);
	if (err == GIT_EMODIFIED || err == GIT_ELOCKED || err == GIT_EEXISTS) {
		git_error_clear();
		return ARCHIVE_RACE;
	}
	if (err < 0) {
		archive_report_git_error(d, "cannot move the branch");
		return XMLDOC_SYSTEM;
	}
	return 0;
}

int archive_commit_tree(struct archive *a, const git_oid *tree_id, const git_oid *parent_id,
			const char *message, git_oid *out, struct diag *d)
{
	git_signature *sig = NULL;
	git_commit *parent = NULL;
	git_tree *tree = NULL;
	int ret = XMLDOC_SYSTEM;

	if (default_signature(a, &sig, d))
		return XMLDOC_SYSTEM;
	if ((parent_id && git_commit_lookup(&parent, a->repo, parent_id) < 0) ||
	    git_tree_lookup(&tree, a->repo, tree_id) < 0 ||
	    git_commit_create(out, a->repo, NULL, sig, sig, NULL, message, tree, parent ? 1 : 0,
			      (const git_commit **)&parent) < 0) {
		archive_report_git_error(d, "cannot create the site commit");
		goto out;
	}
	ret = 0;
out:
	git_tree_free(tree);
	git_commit_free(parent);
	git_signature_free(sig);
	return ret;
}

int archive_commit(struct archive *a, const char *refname, const struct archive_change *changes,
		   size_t nr, const char *message, git_oid *out, struct diag *d)
{
	git_oid tip;
	int attempt, ret = XMLDOC_SYSTEM;

	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	for (attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
		ret = archive_make_commit(a, refname, changes, nr, message, out, &tip, d);
		if (ret)
			return ret;
		ret = archive_move_ref(a, refname, out, &tip, message, d);
		if (ret != ARCHIVE_RACE)
			return ret;
		backoff(attempt);
	}
	diag_system_error(d, "the branch kept moving under us (%d tries); try again",
			  COMMIT_ATTEMPTS);
	return XMLDOC_SYSTEM;
}
