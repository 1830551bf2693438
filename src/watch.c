/* watch.c - what changed in the folders a build reads; see watch.h. */
#define _GNU_SOURCE /* ppoll */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "util.h"

/* What a watched folder is to us (a folder may be several). */
enum {
	WATCHED_RELEASES = 1,
	WATCHED_SITE = 2,
	WATCHED_SHEETS = 4,
};

struct watched {
	int wd;
	int kinds;
	char *dir;          /* as the caller walks it: "releases/2020" */
	char *site_name;    /* WATCHED_SITE: the site file's name in it */
};

struct watch {
	int fd;
	struct watched *list;
	size_t nr, alloc;
};

/* Folders nested deeper are not walked (files.c says the same). */
#define WATCH_MAX_DEPTH 32
/* A save that keeps writing is built after this long anyway. */
#define WATCH_MAX_SETTLE_MS 1000

#define RELEASE_EVENTS (IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | \
			IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)

int watch_open(struct watch **out, struct diag *d)
{
	struct watch *w;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	*out = NULL;
	if (fd < 0) {
		diag_system_error(d, "cannot watch for changes: %s", strerror(errno));
		return -1;
	}
	w = xcalloc(1, sizeof(*w));
	w->fd = fd;
	*out = w;
	return 0;
}

static struct watched *find_wd(struct watch *w, int wd)
{
	size_t i;

	for (i = 0; i < w->nr; i++)
		if (w->list[i].wd == wd)
			return &w->list[i];
	return NULL;
}

static int add(struct watch *w, const char *dir, int kind, const char *site_name, struct diag *d)
{
	uint32_t mask = RELEASE_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW | IN_MASK_ADD;
	struct watched *e;
	int wd = inotify_add_watch(w->fd, dir, mask);

	if (wd < 0) {
		diag_system_error(d, "cannot watch '%s': %s%s", dir, strerror(errno),
				  errno == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
		return -1;
	}
	e = find_wd(w, wd);
	if (!e) {
		ALLOC_GROW(w->list, w->nr + 1, w->alloc);
		e = &w->list[w->nr++];
		memset(e, 0, sizeof(*e));
		e->wd = wd;
		e->dir = xstrdup(dir);
	}
	e->kinds |= kind;
	if (site_name && !e->site_name)
		e->site_name = xstrdup(site_name);
	return 0;
}

static char *join(const char *dir, const char *name)
{
	return xasprintf("%s%s%s", dir, ends_with(dir, "/") || !*dir ? "" : "/", name);
}

static int add_tree(struct watch *w, const char *dir, int depth, struct diag *d)
{
	DIR *dh;
	struct dirent *de;
	int ret = 0;

	if (depth > WATCH_MAX_DEPTH)
		return 0;
	if (add(w, dir, WATCHED_RELEASES, NULL, d) < 0)
		return -1;
	dh = opendir(dir);
	if (!dh)
		return 0;   /* gone meanwhile: its own event says so */
	while (!ret && (de = readdir(dh))) {
		char *sub;
		struct stat st;

		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		sub = join(dir, de->d_name);
		if (!lstat(sub, &st) && S_ISDIR(st.st_mode))
			ret = add_tree(w, sub, depth + 1, d);
		free(sub);
	}
	closedir(dh);
	return ret;
}

int watch_releases(struct watch *w, const char *dir, struct diag *d)
{
	return add_tree(w, dir, 0, d);
}

int watch_site_file(struct watch *w, const char *path, struct diag *d)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	int ret;

	if (slash && slash == path) {
		free(dir);
		dir = xstrdup("/");
	}
	ret = add(w, dir, WATCHED_SITE, slash ? slash + 1 : path, d);
	free(dir);
	return ret;
}

int watch_stylesheets(struct watch *w, const char *dir, struct diag *d)
{
	return add(w, dir, WATCHED_SHEETS, NULL, d);
}

static void touched(struct watch_changes *c, char *path)
{
	size_t i;

	for (i = 0; i < c->nr_touched; i++)
		if (!strcmp(c->touched[i], path)) {
			free(path);
			return;
		}
	ALLOC_GROW(c->touched, c->nr_touched + 1, c->alloc_touched);
	c->touched[c->nr_touched++] = path;
}

static void take_event(struct watch *w, const struct inotify_event *ev, struct watch_changes *c)
{
	struct watched *e;

	if (ev->mask & IN_Q_OVERFLOW) {
		/* Lost events: anything may have changed. */
		c->rescan = c->site = c->sheets = 1;
		return;
	}
	e = find_wd(w, ev->wd);
	if (!e)
		return;
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) {
		if (e->kinds & WATCHED_RELEASES)
			c->rescan = 1;
		if (e->kinds & WATCHED_SITE)
			c->site = 1;
		if (e->kinds & WATCHED_SHEETS)
			c->sheets = 1;
		if (ev->mask & IN_IGNORED)
			e->wd = -1;   /* the kernel dropped it; a new one gets a new wd */
		return;
	}
	if (!ev->len || !ev->name[0] || ev->name[0] == '.')
		return;
	if (!(ev->mask & IN_ISDIR))
		c->writing = (ev->mask & (IN_MODIFY | IN_CREATE)) != 0;
	if ((e->kinds & WATCHED_SITE) && !strcmp(ev->name, e->site_name))
		c->site = 1;
	if (e->kinds & WATCHED_SHEETS)
		c->sheets = 1;
	if (!(e->kinds & WATCHED_RELEASES))
		return;
	if (ev->mask & IN_ISDIR) {
		if (ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))
			c->rescan = 1;
		return;
	}
	if (files_is_release_name(ev->name))
		touched(c, join(e->dir, ev->name));
}

/* Reads what is queued; 0, or -1 on an error (reported). */
static int drain(struct watch *w, struct watch_changes *c, struct diag *d)
{
	/* Aligned for struct inotify_event, as inotify(7) shows. */
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		char *p;

		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR)
				continue;
			diag_system_error(d, "cannot read the changes: %s", strerror(errno));
			return -1;
		}
		for (p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			take_event(w, ev, c);
			p += sizeof(*ev) + ev->len;
		}
	}
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static int changed(const struct watch_changes *c)
{
	return c->nr_touched || c->rescan || c->site || c->sheets;
}

/* poll() for ms (-1: no limit) with the signal mask sigmask. */
static int wait_ready(struct watch *w, int ms, const sigset_t *sigmask)
{
	struct pollfd pfd = { w->fd, POLLIN, 0 };
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	return ppoll(&pfd, 1, ms < 0 ? NULL : &ts, sigmask);
}

/* -1, and said unless a signal interrupted the wait (the caller's stop). */
static int wait_failed(struct diag *d)
{
	if (errno != EINTR)
		diag_system_error(d, "cannot wait for changes: %s", strerror(errno));
	return -1;
}

int watch_wait(struct watch *w, int timeout_ms, int quiet_ms, const sigset_t *sigmask,
	       struct watch_changes *out, struct diag *d)
{
	struct timespec start;
	int r;

	watch_changes_release(out);
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* Until something we care about happened (a swap file is not). */
	do {
		long left = -1;

		if (timeout_ms >= 0 && (left = timeout_ms - ms_since(&start)) < 0)
			left = 0;
		r = wait_ready(w, (int)left, sigmask);
		if (r < 0)
			return wait_failed(d);
		if (!r)
			return 0;
		if (drain(w, out, d) < 0)
			return -1;
	} while (!changed(out));
	/* Then until it has been quiet for a while. */
	clock_gettime(CLOCK_MONOTONIC, &out->first);
	while (ms_since(&out->first) < WATCH_MAX_SETTLE_MS) {
		r = wait_ready(w, out->writing ? quiet_ms : WATCH_SETTLED_MS, sigmask);
		if (r < 0)
			return wait_failed(d);
		if (!r)
			break;
		if (drain(w, out, d) < 0)
			return -1;
	}
	return 1;
}

void watch_changes_release(struct watch_changes *c)
{
	size_t i;

	for (i = 0; i < c->nr_touched; i++)
		free(c->touched[i]);
	free(c->touched);
	memset(c, 0, sizeof(*c));
}

void watch_free(struct watch *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->nr; i++) {
		free(w->list[i].dir);
		free(w->list[i].site_name);
	}
	free(w->list);
	close(w->fd);
	free(w);
}
