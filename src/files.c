/* files.c - collecting release files from paths; see files.h. */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

static int is_release_name(const char *name)
{
	return ends_with(name, ".xml") && strcmp(name, "site.xml") && name[0] != '.';
}

/* Statting deferred to after the walk, when it may be split over two
 * threads: each file's folder stays open (up to MAX_DIR_FDS of them; past
 * that, files are looked at while walking). */
#define MAX_DIR_FDS 256

struct deferred {
	int *fds;           /* open folders */
	size_t nr_fds, alloc_fds;
	size_t *index;      /* [k]: the list entry of the k-th deferred file */
	int *dir;           /* [k]: its folder, in fds */
	size_t nr, alloc, alloc_dir;
};

/* Walks the folder open at fd (dir: its path, for the list and messages);
 * fd is closed.  Everything is looked up relative to the folder's fd: no
 * path is resolved again per file. */
static int walk(struct file_list *list, int fd, struct strbuf *dir, struct diag *d, int depth,
		int want, struct deferred *later)
{
	int kept = -1;
	DIR *dh;
	struct dirent *de;
	char **names = NULL;
	size_t nr = 0, alloc = 0, i, dir_len = dir->len, name_at;
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
	/* Each name carries its type from readdir in its first byte (no
	 * lstat per file, where the file system tells). */
	while ((de = readdir(dh))) {
		char *name;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		ALLOC_GROW(names, nr + 1, alloc);
		len = strlen(de->d_name);
		name = xmalloc(len + 2);
		name[0] = (char)(de->d_type == DT_REG ? 'f' : de->d_type == DT_DIR ? 'd'
								   : de->d_type == DT_UNKNOWN ? '?' : 'o');
		memcpy(name + 1, de->d_name, len + 1);
		names[nr++] = name;
	}
	if (nr)
		qsort(names, nr, sizeof(*names), name_cmp);
	if (dir_len && dir->buf[dir_len - 1] != '/')
		strbuf_addch(dir, '/');
	name_at = dir->len;
	if (want && later->nr_fds < MAX_DIR_FDS &&
	    (kept = fcntl(dirfd(dh), F_DUPFD_CLOEXEC, 0)) >= 0) {
		ALLOC_GROW(later->fds, later->nr_fds + 1, later->alloc_fds);
		later->fds[later->nr_fds] = kept;
		kept = (int)later->nr_fds++;
	}
	for (i = 0; i < nr; i++) {
		struct stat st;
		const char *name = names[i] + 1;
		char type = names[i][0];
		int have_st = 0;

		if (type == '?' || (type == 'f' && want && kept < 0 && is_release_name(name))) {
			if (fstatat(dirfd(dh), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				if (type == '?')
					continue;
			} else {
				have_st = 1;
				type = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : 'o';
			}
		}
		setlen(dir, name_at);
		strbuf_addstr(dir, name);
		if (type == 'd') {
			int sub = openat(dirfd(dh), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				diag_system_error(d, "cannot read directory '%s': %s", dir->buf,
						  strerror(errno));
				ret = -1;
			} else if (walk(list, sub, dir, d, depth + 1, want, later) < 0) {
				ret = -1;
			}
		} else if (type == 'f' && is_release_name(name)) {
			add(list, xstrndup(dir->buf, dir->len), have_st ? &st : NULL, want);
			if (want && !have_st && kept >= 0) {
				ALLOC_GROW(later->index, later->nr + 1, later->alloc);
				ALLOC_GROW(later->dir, later->nr + 1, later->alloc_dir);
				later->index[later->nr] = list->nr - 1;
				later->dir[later->nr++] = kept;
			}
		}
	}
	setlen(dir, dir_len);
	closedir(dh);
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	return ret;
}

struct stat_job {
	struct file_list *list;
	const struct deferred *later;
	size_t from, to;
};

static void *stat_range(void *data)
{
	struct stat_job *job = data;
	size_t k;

	for (k = job->from; k < job->to; k++) {
		size_t i = job->later->index[k];
		const char *path = job->list->paths[i], *slash = strrchr(path, '/');
		struct stat st;

		if (!fstatat(job->later->fds[job->later->dir[k]], slash ? slash + 1 : path, &st,
			     AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode))
			set_stat(&job->list->stats[i], &st);
	}
	return NULL;
}

/* The deferred fstatat()s: a syscall each, ~1.6 us on a VM; two threads
 * halve the wait when a second core is free (PR_PUBLISH_THREADS=1: one). */
static void stat_deferred(struct file_list *list, struct deferred *later)
{
	const char *env = getenv("PR_PUBLISH_THREADS");
	struct stat_job jobs[2] = { { list, later, 0, later->nr / 2 },
				    { list, later, later->nr / 2, later->nr } };
	pthread_t th;
	int two = later->nr >= 2000 && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
		  !(env && *env && strtol(env, NULL, 10) <= 1);
	size_t k;

	if (two && start_helper_thread(&th, stat_range, &jobs[1]))
		two = 0;
	if (!two)
		jobs[0].to = later->nr;
	stat_range(&jobs[0]);
	if (two)
		pthread_join(th, NULL);
	for (k = 0; k < later->nr_fds; k++)
		close(later->fds[k]);
	free(later->fds);
	free(later->index);
	free(later->dir);
}

static int collect(struct file_list *list, const char *path, struct diag *d, int want)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		diag_system_error(d, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		struct strbuf dir = STRBUF_INIT;
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

		if (fd < 0) {
			strbuf_release(&dir);
			diag_system_error(d, "cannot read directory '%s': %s", path, strerror(errno));
			return -1;
		}
		struct deferred later;

		memset(&later, 0, sizeof(later));
		strbuf_addstr(&dir, path);
		ret = walk(list, fd, &dir, d, 0, want, &later);
		strbuf_release(&dir);
		stat_deferred(list, &later);
		return ret;
	}
	add(list, xstrdup(path), S_ISREG(st.st_mode) ? &st : NULL, want);
	return 0;
}

int files_collect(struct file_list *list, const char *path, struct diag *d)
{
	return collect(list, path, d, 0);
}

int files_collect_stat(struct file_list *list, const char *path, struct diag *d)
{
	return collect(list, path, d, 1);
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
