/* files.c - collecting release files from paths; see files.h. */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* By name, after the type byte. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

static void set_stat(struct file_stat *fs, const struct stat *st)
{
	fs->ok = 1;
	fs->size = (uint64_t)st->st_size;
	fs->mtime_ns = (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec;
	fs->ino = (uint64_t)st->st_ino;
	fs->dev = (uint64_t)st->st_dev;
}

static void add(struct file_list *list, char *path, const struct stat *st, int want)
{
	size_t before = list->alloc;

	ALLOC_GROW(list->paths, list->nr + 1, list->alloc);
	if (want && (list->alloc != before || !list->stats))
		list->stats = xrealloc(list->stats, list->alloc * sizeof(*list->stats));
	if (want) {
		struct file_stat *fs = &list->stats[list->nr];

		memset(fs, 0, sizeof(*fs));
		if (st)
			set_stat(fs, st);
	}
	list->paths[list->nr++] = path;
}

static void setlen(struct strbuf *sb, size_t len)
{
	sb->len = len;
	sb->buf[len] = '\0';
}

int files_is_release_name(const char *name)
{
	return ends_with(name, ".xml") && strcmp(name, "site.xml") && name[0] != '.';
}

/* The entries of the folder open at dh but hidden ones, sorted by name, each
 * with its type from readdir in its first byte ('f', 'd', '?' unknown, 'o'
 * other: no lstat per file where the file system tells).  *nr of them;
 * the caller frees each and the array. */
static char **read_names(DIR *dh, size_t *nr)
{
	struct dirent *de;
	char **names = NULL;
	size_t alloc = 0;

	*nr = 0;
	while ((de = readdir(dh))) {
		char *name;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		ALLOC_GROW(names, *nr + 1, alloc);
		len = strlen(de->d_name);
		name = xmalloc(len + 2);
		name[0] = (char)(de->d_type == DT_REG ? 'f' : de->d_type == DT_DIR ? 'd'
								   : de->d_type == DT_UNKNOWN ? '?' : 'o');
		memcpy(name + 1, de->d_name, len + 1);
		names[(*nr)++] = name;
	}
	if (*nr)
		qsort(names, *nr, sizeof(*names), name_cmp);
	return names;
}

static void free_names(char **names, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
}

/* The type of entry (one of read_names()) in the folder at fd, looked up
 * when readdir did not tell or when its stat is wanted anyway (st: then
 * filled, *have_st set).  0 for an entry gone meanwhile. */
static char entry_type(int fd, const char *entry, int want, struct stat *st, int *have_st)
{
	char type = entry[0];
	const char *name = entry + 1;

	*have_st = 0;
	if (type == '?' || (type == 'f' && want && files_is_release_name(name))) {
		if (fstatat(fd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
			return type == '?' ? 0 : type;
		*have_st = 1;
		type = S_ISDIR(st->st_mode) ? 'd' : S_ISREG(st->st_mode) ? 'f' : 'o';
	}
	return type;
}

/* Walks the folder open at fd (dir: its path, for the list and messages);
 * fd is closed.  Everything is looked up relative to the folder's fd: no
 * path is resolved again per file. */
static int walk(struct file_list *list, int fd, struct strbuf *dir, struct diag *d, int depth,
		int want)
{
	DIR *dh;
	char **names;
	size_t nr, i, dir_len = dir->len, name_at;
	int ret = 0;

	if (depth > 32) {
		diag_system_error(d, "'%s': directories nested too deeply", dir->buf);
		close(fd);
		return -1;
	}
	dh = fdopendir(fd);
	if (!dh) {
		diag_system_error(d, "cannot read directory '%s': %s", dir->buf, strerror(errno));
		close(fd);
		return -1;
	}
	names = read_names(dh, &nr);
	if (dir_len && dir->buf[dir_len - 1] != '/')
		strbuf_addch(dir, '/');
	name_at = dir->len;
	for (i = 0; i < nr; i++) {
		struct stat st;
		const char *name = names[i] + 1;
		int have_st;
		char type = entry_type(dirfd(dh), names[i], want, &st, &have_st);

		setlen(dir, name_at);
		strbuf_addstr(dir, name);
		if (type == 'd') {
			int sub = openat(dirfd(dh), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				diag_system_error(d, "cannot read directory '%s': %s", dir->buf,
						  strerror(errno));
				ret = -1;
			} else if (walk(list, sub, dir, d, depth + 1, want) < 0) {
				ret = -1;
			}
		} else if (type == 'f' && files_is_release_name(name)) {
			add(list, xstrndup(dir->buf, dir->len), have_st ? &st : NULL, want);
		}
	}
	setlen(dir, dir_len);
	closedir(dh);
	free_names(names, nr);
	return ret;
}

/*
 * A folder's subfolders (releases/2020/, ...) are walked on thread_count()
 * threads, each into a list of its own with its messages held, and joined
 * in order: the result is that of one thread.  Reading the folders and
 * an fstatat() per file (~1.5 us each on a VM) are a build's largest fixed
 * cost after a small change: 12,500 files took 25 ms on one thread, of
 * which two threads statting after a walk on one saved a third.
 */
struct subtree {
	const char *name;       /* in the top folder; NULL: a file there */
	struct file_list list;
	struct diag held;
	int ret;
};

struct walk_top {
	int top;                /* the top folder, open */
	const char *top_path;
	struct subtree *trees;  /* one per entry of the top folder */
	int want;
};

/* run_on_threads(): walks the i-th entry of the top folder, a folder. */
static void walk_subtree(void *data, size_t i)
{
	struct walk_top *w = data;
	struct subtree *t = &w->trees[i];
	struct strbuf dir = STRBUF_INIT;
	int fd;

	if (!t->name)
		return;   /* a file, taken already */
	fd = openat(w->top, t->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	strbuf_addstr(&dir, w->top_path);
	if (dir.len && dir.buf[dir.len - 1] != '/')
		strbuf_addch(&dir, '/');
	strbuf_addstr(&dir, t->name);
	if (fd < 0) {
		diag_system_error(&t->held, "cannot read directory '%s': %s", dir.buf,
				  strerror(errno));
		t->ret = -1;
	} else {
		t->ret = walk(&t->list, fd, &dir, &t->held, 1, w->want);
	}
	strbuf_release(&dir);
}

/* Moves what src holds to the end of dst. */
static void append_list(struct file_list *dst, struct file_list *src, int want)
{
	size_t before = dst->alloc;

	if (src->nr) {
		ALLOC_GROW(dst->paths, dst->nr + src->nr, dst->alloc);
		if (want && (dst->alloc != before || !dst->stats))
			dst->stats = xrealloc(dst->stats, dst->alloc * sizeof(*dst->stats));
		memcpy(dst->paths + dst->nr, src->paths, src->nr * sizeof(*src->paths));
		if (want)
			memcpy(dst->stats + dst->nr, src->stats, src->nr * sizeof(*src->stats));
		dst->nr += src->nr;
	}
	free(src->paths);
	free(src->stats);
	memset(src, 0, sizeof(*src));
}

/*
 * A walk under way (files_walk_start()): the top folder was read on the
 * caller's thread, its subfolders are being walked by the helpers, and
 * files_walk_finish() has the caller's thread walk what is left.
 */
struct files_walk {
	struct walk_top w;
	char *path;
	DIR *dh;
	char **names;
	size_t nr;
	struct thread_work *work;     /* NULL: nothing to walk */
	struct file_list single;      /* path itself, a file */
	struct diag held;             /* the top folder's own messages */
	int ret;
};

static struct files_walk *walk_start(const char *path, const struct diag *like, int want)
{
	struct files_walk *fw = xcalloc(1, sizeof(*fw));
	struct walk_top *w = &fw->w;
	struct stat st;
	size_t i;

	fw->path = xstrdup(path);
	diag_hold(&fw->held, like);
	w->top = -1;
	w->top_path = fw->path;
	w->want = want;
	if (stat(path, &st) < 0) {
		diag_system_error(&fw->held, "cannot open '%s': %s", path, strerror(errno));
		fw->ret = -1;
		return fw;
	}
	if (!S_ISDIR(st.st_mode)) {
		add(&fw->single, xstrdup(path), S_ISREG(st.st_mode) ? &st : NULL, want);
		return fw;
	}
	w->top = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->top < 0 || !(fw->dh = fdopendir(w->top))) {
		diag_system_error(&fw->held, "cannot read directory '%s': %s", path,
				  strerror(errno));
		if (w->top >= 0)
			close(w->top);
		w->top = -1;
		fw->ret = -1;
		return fw;
	}
	fw->names = read_names(fw->dh, &fw->nr);
	w->trees = xcalloc(fw->nr + 1, sizeof(*w->trees));
	/* The files here at once; the folders to the threads. */
	for (i = 0; i < fw->nr; i++) {
		struct subtree *t = &w->trees[i];
		int have_st;
		char type = entry_type(w->top, fw->names[i], want, &st, &have_st);

		if (type == 'd') {
			t->name = fw->names[i] + 1;
			diag_hold(&t->held, like);
		} else if (type == 'f' && files_is_release_name(fw->names[i] + 1)) {
			char *file = xasprintf("%s%s%s", path, ends_with(path, "/") ? "" : "/",
					       fw->names[i] + 1);
			add(&t->list, file, have_st ? &st : NULL, want);
		}
	}
	fw->work = threads_start(fw->nr, walk_subtree, w);
	return fw;
}

/* Waits for the walk (helping it), then moves what it found to the end of
 * list (NULL: drops it) and its messages to d (NULL: drops them). */
static int walk_finish(struct files_walk *fw, struct file_list *list, struct diag *d)
{
	struct walk_top *w = &fw->w;
	size_t i;
	int ret = fw->ret;

	if (fw->work)
		threads_finish(fw->work);
	if (d)
		diag_flush_held(d, &fw->held);
	else
		diag_drop_held(&fw->held);
	/* Joined in order: each folder's files and messages in their place. */
	for (i = 0; w->trees && i < fw->nr; i++) {
		struct subtree *t = &w->trees[i];

		if (t->name) {
			if (d)
				diag_flush_held(d, &t->held);
			else
				diag_drop_held(&t->held);
			if (t->ret < 0)
				ret = -1;
		}
		if (list)
			append_list(list, &t->list, w->want);
		else
			files_release(&t->list);
	}
	if (list)
		append_list(list, &fw->single, w->want);
	else
		files_release(&fw->single);
	free(w->trees);
	free_names(fw->names, fw->nr);
	if (fw->dh)
		closedir(fw->dh);
	free(fw->path);
	free(fw);
	return ret;
}

struct files_walk *files_walk_start(const char *path, const struct diag *like)
{
	return walk_start(path, like, 1);
}

const char *files_walk_path(const struct files_walk *fw)
{
	return fw->path;
}

int files_walk_finish(struct files_walk *fw, struct file_list *list, struct diag *d)
{
	return walk_finish(fw, list, d);
}

static int collect(struct file_list *list, const char *path, struct diag *d, int want)
{
	return walk_finish(walk_start(path, d, want), list, d);
}

int files_collect(struct file_list *list, const char *path, struct diag *d)
{
	return collect(list, path, d, 0);
}

int files_collect_stat(struct file_list *list, const char *path, struct diag *d)
{
	return collect(list, path, d, 1);
}

int files_restat(struct file_list *list, size_t i)
{
	struct stat st;

	if (lstat(list->paths[i], &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	set_stat(&list->stats[i], &st);
	return 0;
}

void files_release(struct file_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		free(list->paths[i]);
	free(list->paths);
	free(list->stats);
	list->paths = NULL;
	list->stats = NULL;
	list->nr = list->alloc = 0;
}
