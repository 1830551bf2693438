/* cmd_build.c - pr-publish build: the archive as a website with feeds. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "cli.h"
#include "archive.h"
#include "datetime.h"
#include "files.h"
#include "publish.h"
#include "render.h"
#include "schema.h"
#include "util.h"
#include "validate.h"
#include "watch.h"

static struct common_options common;
static const char *out_dir;
static int force;
static int commit;
static int watch;

const struct option build_options[] = {
	COMMON_OPTIONS(&common),
	OPT_STRING('o', "out", &out_dir, "DIR", "where the site goes (default: public/ beside site.xml)"),
	OPT_FLAG('f', "force", &force, "render every output, not only those whose input changed"),
	OPT_FLAG(0, "commit", &commit, "render the git archive's branch and commit it on branch 'site'"),
	OPT_FLAG('w', "watch", &watch, "build again whenever a release, the site file or a stylesheet changes"),
	OPT_END(),
};

const struct command_help build_help = {
	"build",
	"[OPTIONS]",
	"render the archive as a multilingual website with RSS and Atom feeds",
	"Validates every release under releases/ next to the site file and, when\n"
	"all are valid, renders the website: a page per release and language,\n"
	"the newest releases, an archive by year and month, listings per field of\n"
	"work and per source, RSS 2.0 and Atom feeds, a sitemap.  The stylesheets\n"
	"come from stylesheets/ beside the site file, else $PR_PUBLISH_STYLESHEETS.\n"
	"Only outputs whose input changed are rendered again, and written aside\n"
	"until the build commits, so a failed build changes nothing; --force\n"
	"replaces the whole folder in a single rename.  One build of a folder at\n"
	"a time (a lock file beside it).\n"
	"Releases under embargo are left out until it lifts (the clock is\n"
	"$PR_PUBLISH_NOW when set); the next lifting is printed on stdout as\n"
	"'next embargo: INSTANT ID'.  Exit status: 0 built, 1 invalid releases\n"
	"(nothing written), 2 usage error, 3 system error.\n"
	"With --watch, build stays and builds again when a release, the site\n"
	"file or a stylesheet changes, and when an embargo lifts; an invalid\n"
	"release is reported and the site left as it was until it is mended.\n"
	"It keeps what it validated in memory and looks only at the files that\n"
	"changed.  Ctrl-C (or SIGTERM) stops it, after the build under way;\n"
	"the exit status is then 0.",
};

struct progress {
	int on;
	int shown;
};

static void show_progress(void *data, size_t done, size_t total)
{
	struct progress *pr = data;

	if (!pr->on || total < 200)
		return;
	fprintf(stderr, "\rbuild: %zu/%zu outputs (%zu%%)", done, total,
		total ? done * 100 / total : 100);
	fflush(stderr);
	pr->shown = 1;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* "43 ms" under a second (a rebuild), else "3.31 s". */
static void put_elapsed(struct strbuf *sb, const struct timespec *start)
{
	double s = seconds_since(start);

	if (s < 1)
		strbuf_addf(sb, "%.0f ms", s * 1000);
	else
		strbuf_addf(sb, "%.2f s", s);
}

/* How long the build took, and for a watch how long since the change it
 * saw (what an officer waits for after saving). */
static const char *elapsed(const struct timespec *start, const struct timespec *change,
			   struct strbuf *sb)
{
	put_elapsed(sb, start);
	if (change) {
		strbuf_addstr(sb, "; ");
		put_elapsed(sb, change);
		strbuf_addstr(sb, " since the change");
	}
	return sb->buf;
}

/* The summary cache of out_dir: ".<name>.cache" beside it, like the
 * journal (never inside: the output is published as it is). */
static char *cache_path_of(const char *out)
{
	char *dir = xstrdup(out), *slash, *path;

	while (strlen(dir) > 1 && ends_with(dir, "/"))
		dir[strlen(dir) - 1] = '\0';
	slash = strrchr(dir, '/');
	if (slash)
		path = xasprintf("%.*s/.%s.cache", (int)(slash - dir), dir, slash + 1);
	else
		path = xasprintf(".%s.cache", dir);
	free(dir);
	return path;
}

/*
 * Reading and validating the releases whose summaries the cache cannot
 * give (~85 us a file: 1.1 s of a first build of 12,500) runs on
 * thread_count() threads.  Each file's findings are held (diag_hold()),
 * and the main thread prints them in file order and gives the summaries
 * to the rules across files in that order too: the output is that of one
 * thread, whatever the number.
 */
struct load_item {
	const char *path;             /* lent by the file list */
	struct summary_key key;
	int have_key;
	int load;                     /* to be read and validated again */
	/* Of an item to load, set by the thread that loads it: */
	int ret;                      /* release_load()'s */
	struct release_summary *s;    /* from the cache (borrowed) or loaded (owned) */
	struct diag held;             /* its findings, until printed */
	int done;                     /* under the lock */
};

struct loading {
	const struct site *site;
	time_t now;
	struct load_item *items;
	size_t nr_items;
	size_t *to_load, nr_to_load;  /* indexes of the items to load, in order */
	size_t next;                  /* in to_load: the next to take; under the lock */
	pthread_mutex_t lock;
};

/* Files read again (or gone) before the summary cache is written anew. */
#define CACHE_WRITE_AFTER 16

/* Fewer files than this are loaded on the main thread alone. */
#define LOAD_PARALLEL_MIN 64
#define LOAD_CHUNK 8

static void load_item(const struct loading *l, struct load_item *it)
{
	struct validator *v;
	struct release *rel;

	it->ret = release_load(&rel, it->path, &it->held);
	if (it->ret)
		return;
	/* A validator of its own: only the rules on this file, reported to
	 * its held diag; its summary takes part in the others later. */
	v = validator_new(l->site, &it->held, l->now);
	validator_check_rules(v, rel);
	validator_free(v);
	it->s = summary_from_release(rel);
	it->s->key = it->key;
	it->s->clean = it->have_key && !it->held.errors && !it->held.warnings;
	release_free(rel);
}

/* Loads the next few items to load; 0 when none were left. */
static int load_some(struct loading *l)
{
	size_t from, n, i;

	pthread_mutex_lock(&l->lock);
	from = l->next;
	n = l->nr_to_load - from < LOAD_CHUNK ? l->nr_to_load - from : LOAD_CHUNK;
	l->next += n;
	pthread_mutex_unlock(&l->lock);
	for (i = from; i < from + n; i++) {
		struct load_item *it = &l->items[l->to_load[i]];

		load_item(l, it);
		pthread_mutex_lock(&l->lock);
		it->done = 1;
		pthread_mutex_unlock(&l->lock);
	}
	return n > 0;
}

static void *load_worker(void *data)
{
	while (load_some(data))
		;
	return NULL;
}

/* What the main thread made of the items so far, in file order. */
struct loaded {
	size_t next;                  /* the first item not taken yet */
	size_t from_cache;
	size_t cacheable;             /* read again, and the cache would keep it */
	const char *today;
	int system_error;
	struct release_summary **sums;
	size_t nr;
};

/* A date still to come depends on the clock: a release dated after today
 * is checked again every time, not taken from the cache. */
static int dated_ahead(const struct release_summary *s, const char *today)
{
	return strcmp(s->date, today) > 0 || (s->updated && strcmp(s->updated, today) > 0);
}

/* Takes the items, in file order, up to the first one still loading:
 * prints its findings, and gives its summary to the rules across files. */
static void take_loaded(struct loading *l, struct validator *v, struct diag *d,
			struct loaded *out)
{
	size_t end = out->next;

	pthread_mutex_lock(&l->lock);
	while (end < l->nr_items && (!l->items[end].load || l->items[end].done))
		end++;
	pthread_mutex_unlock(&l->lock);
	for (; out->next < end; out->next++) {
		struct load_item *it = &l->items[out->next];

		d->files++;
		if (it->load) {
			diag_flush_held(d, &it->held);
			if (it->ret == XMLDOC_SYSTEM)
				out->system_error = 1;
			if (it->ret)
				continue;
			if (it->s->clean && !dated_ahead(it->s, out->today))
				out->cacheable++;
		} else {
			out->from_cache++;
		}
		/* Lent: the summaries outlive the validator (no copies, which
		 * fragmented the heap). */
		validator_add_summary(v, it->s);
		out->sums[out->nr++] = it->s;
	}
}

/* Loads the items to load on up to threads threads, this one among them,
 * which takes what is done, in file order, between its chunks. */
static void run_loading(struct loading *l, size_t threads, struct validator *v,
			struct diag *d, struct loaded *out)
{
	pthread_t *tids = xcalloc(threads, sizeof(*tids));
	size_t i, started = 0;

	if (threads > 1 && !schema_prepare(SCHEMA_RELEASE))
		for (i = 1; i < threads && !start_helper_thread(&tids[i], load_worker, l); i++)
			started = i;
	while (load_some(l))
		take_loaded(l, v, d, out);
	for (i = 1; i <= started; i++)
		pthread_join(tids[i], NULL);
	take_loaded(l, v, d, out);
	free(tids);
}

/* The items of files: a summary from the last build (prev, a watch's:
 * by file, taken out when used) or else from the cache where either has a
 * current one, else to be loaded (with a held diag like d).  Only a clean
 * summary is current: a file with findings is read again, so they are
 * said again. */
static void plan_loading(struct loading *l, const struct file_list *files, const char *today,
			 struct summary_cache *cache, struct release_summary **prev,
			 const struct diag *d)
{
	size_t i;

	l->items = xcalloc(files->nr + 1, sizeof(*l->items));
	l->to_load = xcalloc(files->nr + 1, sizeof(*l->to_load));
	l->nr_items = files->nr;
	for (i = 0; i < files->nr; i++) {
		struct load_item *it = &l->items[i];
		const struct file_stat *fs = &files->stats[i];
		struct release_summary *s = NULL, *p = prev ? prev[i] : NULL;

		it->path = files->paths[i];
		it->key = (struct summary_key){ fs->size, fs->mtime_ns, fs->ino, fs->dev };
		it->have_key = fs->ok;
		if (it->have_key && p && p->clean && !memcmp(&p->key, &it->key, sizeof(it->key))) {
			s = p;
			prev[i] = NULL;
		} else if (it->have_key && cache) {
			s = summary_cache_take(cache, it->path, &it->key);
		}
		if (s && dated_ahead(s, today)) {
			summary_free(s);
			s = NULL;
		}
		it->s = s;
		if (!s) {
			it->load = 1;
			diag_hold(&it->held, d);
			l->to_load[l->nr_to_load++] = i;
		}
	}
}

/* What a build reads, and what a watch keeps from one build to the next. */
struct build_state {
	struct site *site;
	char *root;
	char site_hash[OUTPUT_HASH_HEX + 1];
	char *cache_path;
	struct summary_cache *cache;   /* lends summaries: freed after them */
	struct file_list files;        /* the releases as last walked, with their stat */
	struct release_summary **by_file;   /* [files.nr]: each file's summary, or NULL */
	struct release_summary **sums;      /* the valid ones, in file order */
	size_t nr;
	size_t reread;                 /* files read again since the cache was written */
	char *sheets;
	struct renderer *r;
	struct build_memo *memo;       /* a watch's: the last build's plan (build.h) */
	struct files_walk *walk;       /* begun before the site was loaded, for the first build */
	struct compiling *compiling;   /* the stylesheets, being compiled (sheets_start()) */
	struct opening *opening;       /* the output folder, being opened (tree_open_start()) */
	time_t embargo_lifts;          /* the next embargo's instant, else 0 */
};

static int path_ptr_cmp(const void *a, const void *b)
{
	return strcmp(**(char **const *)a, **(char **const *)b);
}

/* The summaries of old (a list of files and their summaries) at the
 * places of the same paths in files; the others are freed. */
static struct release_summary **move_by_path(const struct file_list *old,
					     struct release_summary **old_by,
					     const struct file_list *files)
{
	struct release_summary **out = xcalloc(files->nr + 1, sizeof(*out));
	char ***sorted = xcalloc(old->nr + 1, sizeof(*sorted));
	size_t i;

	for (i = 0; i < old->nr; i++)
		sorted[i] = &old->paths[i];
	qsort(sorted, old->nr, sizeof(*sorted), path_ptr_cmp);
	for (i = 0; i < files->nr; i++) {
		char **key = &files->paths[i], ***hit;

		hit = bsearch(&key, sorted, old->nr, sizeof(*sorted), path_ptr_cmp);
		if (hit) {
			size_t at = (size_t)(*hit - old->paths);
			out[i] = old_by[at];
			old_by[at] = NULL;
		}
	}
	for (i = 0; i < old->nr; i++)
		summary_free(old_by[i]);
	free(sorted);
	return out;
}

/*
 * Work begun beside the main thread: on a helper thread (here, at once,
 * when none can be started), what it reports held until it is joined and
 * printed then, in the order the main thread chooses.
 */
struct beside {
	struct diag held;
	pthread_t thread;
	int on;
};

static void beside_start(struct beside *b, const struct diag *like, void *(*fn)(void *),
			 void *arg)
{
	diag_hold(&b->held, like);
	b->on = !start_helper_thread(&b->thread, fn, arg);
	if (!b->on)
		fn(arg);
}

/* Waits for it, and reports what it found to d (NULL: drops it). */
static void beside_join(struct beside *b, struct diag *d)
{
	if (b->on)
		pthread_join(b->thread, NULL);
	b->on = 0;
	if (d)
		diag_flush_held(d, &b->held);
	else
		diag_drop_held(&b->held);
}

/*
 * The stylesheets are compiled on a thread of their own, begun when the
 * walk is over: the summaries are then taken on this thread alone, and
 * the other core would wait (~2 ms of a rebuild after one change).
 */
struct compiling {
	const char *root;
	char *sheets;
	struct renderer *r;
	int failed;
	struct beside job;
};

static void *compile_main(void *data)
{
	struct compiling *c = data;

	c->sheets = render_find_stylesheets(c->root, &c->job.held);
	c->failed = !c->sheets || render_new(&c->r, c->sheets, &c->job.held) < 0;
	return NULL;
}

static void sheets_start(struct build_state *st, const struct diag *d)
{
	struct compiling *c;

	if (st->r || st->compiling)
		return;
	c = st->compiling = xcalloc(1, sizeof(*c));
	c->root = st->root;
	beside_start(&c->job, d, compile_main, c);
}

/* Joins the compiling (when begun), reporting what it found to d (NULL:
 * dropping it); 0 when st->r is ready. */
static int sheets_finish(struct build_state *st, struct diag *d)
{
	struct compiling *c = st->compiling;

	if (!c)
		return st->r ? 0 : -1;
	st->compiling = NULL;
	beside_join(&c->job, d);
	if (c->failed) {
		render_free(c->r);
		free(c->sheets);
	} else {
		render_set_diag(c->r, d);
		st->r = c->r;
		st->sheets = c->sheets;
	}
	free(c);
	return st->r ? 0 : -1;
}

/*
 * The output folder is opened (output_tree_open(): its lock, its manifest
 * read and indexed, the scan of what is still there begun) on a helper
 * thread while the main one validates: it needs nothing the releases
 * give, and after one change it was ~3 ms of the main thread's path on a
 * core that was mostly idle.  What it reports is held until the releases'
 * findings are out.  When they stop the build, the tree is dropped
 * unused: the folder keeps its output, as a failed build leaves it.
 */
struct opening {
	struct output_tree *tree;   /* NULL when it could not be opened */
	struct beside job;
};

static void *open_main(void *data)
{
	struct opening *o = data;

	output_tree_open(&o->tree, out_dir, force, &o->job.held);
	return NULL;
}

static struct opening *tree_open_start(const struct diag *d)
{
	struct opening *o = xcalloc(1, sizeof(*o));

	beside_start(&o->job, d, open_main, o);
	return o;
}

/* Joins the opening, reporting what it found to d (NULL: dropping it, and
 * the tree); the tree, or NULL when it could not be opened (reported). */
static struct output_tree *tree_open_finish(struct opening *o, struct diag *d)
{
	struct output_tree *t;

	if (!o)
		return NULL;
	beside_join(&o->job, d);
	t = o->tree;
	if (t && !d) {
		output_tree_free(t);
		t = NULL;
	}
	if (t)
		output_tree_set_diag(t, d);
	free(o);
	return t;
}

/* Validates every release, reading again only those whose file changed
 * since the cache was written (or, watching, since the last build); their
 * summaries go to st->sums.  walk: look at the folder again, else at
 * st->files as they are (their stats updated by the caller). */
static int load_summaries(struct build_state *st, time_t now, int walk, struct diag *d,
			  int *changed)
{
	struct loading l;
	struct loaded out;
	struct validator *v;
	struct release_summary **prev = st->by_file;
	int first = !prev;   /* else a watch's: the summaries are the last build's */
	char *dir = common_releases_dir(st->root);
	char today[16];
	struct date t;
	size_t stale, i;

	memset(&l, 0, sizeof(l));
	memset(&out, 0, sizeof(out));
	out.today = today;
	date_from_time(now, &t);
	snprintf(today, sizeof(today), "%04d-%02d-%02d", t.year, t.month, t.day);
	/* A walk begun early is of the same folder, unless the site moved. */
	if (st->walk && (!walk || strcmp(files_walk_path(st->walk), dir))) {
		files_walk_finish(st->walk, NULL, NULL);
		st->walk = NULL;
	}
	if (walk) {
		struct file_list old = st->files;

		memset(&st->files, 0, sizeof(st->files));
		/* The keys come from the walk: an fstatat per file in its folder. */
		if (st->walk) {
			if (files_walk_finish(st->walk, &st->files, d) < 0)
				out.system_error = 1;
			st->walk = NULL;
		} else if (files_collect_stat(&st->files, dir, d) < 0) {
			out.system_error = 1;
		}
		if (prev) {
			struct release_summary **moved = move_by_path(&old, prev, &st->files);
			free(prev);
			prev = moved;
		}
		files_release(&old);
	}
	/* The other core is free from here to the plan. */
	sheets_start(st, d);
	st->opening = tree_open_start(d);
	st->by_file = NULL;
	l.site = st->site;
	l.now = now;
	pthread_mutex_init(&l.lock, NULL);
	plan_loading(&l, &st->files, today, st->cache, prev, d);
	free(st->sums);
	out.sums = xcalloc(st->files.nr + 1, sizeof(*out.sums));
	v = validator_new(st->site, d, now);
	validator_reserve(v, st->files.nr);
	run_loading(&l, l.nr_to_load >= LOAD_PARALLEL_MIN ? thread_count() : 1, v, d, &out);
	st->sums = out.sums;
	st->nr = out.nr;
	st->by_file = xcalloc(st->files.nr + 1, sizeof(*st->by_file));
	for (i = 0; i < l.nr_items; i++)
		st->by_file[i] = l.items[i].ret ? NULL : l.items[i].s;
	/* What the last build had and this one did not take: files changed. */
	if (prev)
		for (i = 0; i < st->files.nr; i++)
			summary_free(prev[i]);
	free(prev);
	st->reread += out.cacheable;
	/* The cache is written again when there is none, or when it lacks or
	 * holds stale CACHE_WRITE_AFTER entries (a changed file is one of
	 * each): rewriting the summaries of a large archive (12 MB at 12,500
	 * releases) costs more than reading a few changed files again (~85 us
	 * each) on the next builds.  A watch counts what it read again since
	 * it last wrote the cache. */
	stale = summary_cache_size(st->cache) > out.from_cache
			? summary_cache_size(st->cache) - out.from_cache : 0;
	*changed = out.nr && (!summary_cache_size(st->cache) || st->reread >= CACHE_WRITE_AFTER ||
			      (first && stale >= CACHE_WRITE_AFTER));
	validator_finish(v);
	validator_free(v);
	pthread_mutex_destroy(&l.lock);
	free(l.to_load);
	free(l.items);
	free(dir);
	if (out.system_error)
		return EXIT_SYSTEM;
	return diag_failed(d) ? EXIT_FINDINGS : 0;
}

/* The summary cache is written while the site is built: it depends only
 * on the validated summaries, which nothing changes from here on (the
 * build only reads them).  Written whole (~12 MB at 12,500 releases, ~15
 * ms of CPU): on a second core that is off the build's path. */
struct cache_writer {
	pthread_t thread;
	int running;
	const char *path, *site_hash;
	struct release_summary *const *sums;
	size_t nr;
};

static void *write_cache(void *data)
{
	struct cache_writer *w = data;

	/* A cache that cannot be written only makes the next build slower. */
	summary_cache_write(w->path, w->site_hash, w->sums, w->nr, NULL, 0);
	return NULL;
}

static void cache_write_start(struct cache_writer *w)
{
	const char *env = getenv("PR_PUBLISH_THREADS");

	w->running = sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
		     !(env && *env && strtol(env, NULL, 10) <= 1) &&
		     !start_helper_thread(&w->thread, write_cache, w);
	if (!w->running)
		write_cache(w);
}

static void cache_write_finish(struct cache_writer *w)
{
	if (w->running)
		pthread_join(w->thread, NULL);
	w->running = 0;
}

/* Parses a release again for an output that shows it in full, and makes
 * sure its bytes are those that were validated. */
static int file_load(void *data, size_t i, struct release **out, struct strbuf *err)
{
	struct release_summary *const *sums = data;
	const struct release_summary *s = sums[i];
	char hex[OUTPUT_HASH_HEX + 1];
	struct diag quiet;

	diag_init(&quiet, DIAG_FORMAT_TEXT);
	quiet.quiet = 1;
	*out = NULL;
	if (release_load_unchecked(out, s->path, &quiet) < 0) {
		strbuf_reset(err);
		strbuf_addf(err, "cannot read '%s' again", s->path);
		return -1;
	}
	output_sha256_of((*out)->xml->buf, (*out)->xml->len, hex);
	if (strcmp(hex, s->content)) {
		release_free(*out);
		*out = NULL;
		strbuf_reset(err);
		strbuf_addf(err, "'%s' changed while the site was built; build again", s->path);
		return -1;
	}
	return 0;
}

static void file_unload(void *data, size_t i, struct release *rel)
{
	(void)data;
	(void)i;
	release_free(rel);
}

/* Loads the site file (again, for a watch) and what depends on it: its
 * hash and the summary cache made for it; path: where it is, when found
 * already (common_site_path()), else NULL.  0, or an exit code. */
static int state_load_site(struct build_state *st, const char *path, struct diag *d)
{
	int ret = path ? common_load_site_at(path, d, &st->site)
		       : common_load_site(&common, d, &st->site);

	if (ret)
		return ret;
	free(st->root);
	st->root = common_archive_root(st->site);
	output_sha256_of(st->site->xml->buf, st->site->xml->len, st->site_hash);
	return 0;
}

/* The next build compiles the stylesheets again. */
static void state_drop_sheets(struct build_state *st)
{
	render_free(st->r);
	st->r = NULL;
	free(st->sheets);
	st->sheets = NULL;
}

/* Drops what a build keeps; the stylesheets too when sheets is set. */
static void state_reset(struct build_state *st, int sheets)
{
	size_t i;

	/* The summaries borrow from the cache: they go first. */
	for (i = 0; st->by_file && i < st->files.nr; i++)
		summary_free(st->by_file[i]);
	free(st->by_file);
	st->by_file = NULL;
	free(st->sums);
	st->sums = NULL;
	st->nr = 0;
	files_release(&st->files);
	summary_cache_free(st->cache);
	st->cache = NULL;
	free(st->cache_path);
	st->cache_path = NULL;
	site_free(st->site);
	st->site = NULL;
	st->reread = 0;
	build_memo_free(st->memo);
	st->memo = NULL;
	if (sheets)
		state_drop_sheets(st);
}

static void state_free(struct build_state *st)
{
	sheets_finish(st, NULL);
	tree_open_finish(st->opening, NULL);
	st->opening = NULL;
	if (st->walk)
		files_walk_finish(st->walk, NULL, NULL);
	st->walk = NULL;
	/* Every thread is joined; what is left is memory, which the process
	 * is about to give back whole (util.h, free_at_exit()). */
	if (!free_at_exit())
		return;
	state_reset(st, 1);
	free(st->root);
	st->root = NULL;
}

/*
 * One build of st into out_dir: validates (reading only what changed),
 * renders what changed, commits, and says what it did.  walk: look at
 * the releases folder again (else st->files as updated by the caller);
 * change: when a watch saw what it builds for, or NULL.  An exit code.
 */
static int build_once(struct build_state *st, int walk, const struct timespec *change,
		      struct diag *d)
{
	struct build_options opts;
	struct build_result res;
	struct progress progress = { 0, 0 };
	struct cache_writer writer = { .running = 0 };
	struct build_loader loader;
	struct timespec start;
	const char *why;
	int cache_changed = 1, ret;

	clock_gettime(CLOCK_MONOTONIC, &start);
	st->embargo_lifts = 0;
	memset(&res, 0, sizeof(res));
	memset(&opts, 0, sizeof(opts));
	if (clock_now(&opts.now, &why) < 0) {
		diag_system_error(d, "%s", why);
		return EXIT_USAGE;
	}
	if (!st->cache_path) {
		st->cache_path = cache_path_of(out_dir);
		/* --force reads every file again, and writes the cache anew. */
		if (!force)
			st->cache = summary_cache_load(st->cache_path, st->site_hash);
	}
	/* The summaries taken from the cache are borrowed from it: it is
	 * freed last, after them (summary.h).  The stylesheets are compiled
	 * meanwhile (sheets_start()). */
	ret = load_summaries(st, opts.now, walk, d, &cache_changed);
	if (ret) {
		sheets_finish(st, NULL);
		tree_open_finish(st->opening, NULL);
		st->opening = NULL;
		diag_summary(d, "build");
		if (ret == EXIT_FINDINGS)
			fprintf(stderr, "pr-publish build: invalid releases; nothing was written\n");
		return ret;
	}

	if (cache_changed) {
		writer.path = st->cache_path;
		writer.site_hash = st->site_hash;
		writer.sums = st->sums;
		writer.nr = st->nr;
		cache_write_start(&writer);
		st->reread = 0;
	}
	if (sheets_finish(st, d) < 0) {
		tree_open_finish(st->opening, NULL);
		st->opening = NULL;
		ret = EXIT_SYSTEM;
		goto out;
	}
	opts.opened = tree_open_finish(st->opening, d);
	st->opening = NULL;
	if (!opts.opened) {
		fprintf(stderr, "pr-publish build: failed; '%s' was left as it was\n", out_dir);
		ret = EXIT_SYSTEM;
		goto out;
	}
	opts.out_dir = out_dir;
	opts.force = force;
	opts.memo = watch ? &st->memo : NULL;
	opts.exiting = !watch && !free_at_exit();
	progress.on = !common.quiet && isatty(STDERR_FILENO);
	opts.progress = show_progress;
	opts.progress_data = &progress;
	loader.load = file_load;
	loader.unload = file_unload;
	loader.data = st->sums;
	if (build_site_summaries(&res, &opts, st->site, st->sums, st->nr, &loader, st->r, d) < 0) {
		if (progress.shown)
			fputc('\n', stderr);
		fprintf(stderr, "pr-publish build: failed; '%s' was left as it was\n", out_dir);
		ret = EXIT_SYSTEM;
		goto out;
	}
	if (progress.shown)
		fprintf(stderr, "\r\033[K");
	cache_write_finish(&writer);
	if (d->warnings)
		diag_summary(d, "build");
	if (!common.quiet) {
		size_t unchanged = res.out.reused;
		struct strbuf took = STRBUF_INIT;

		if (res.out.unchanged)
			fprintf(stderr, "build: '%s' is up to date: %zu pages, %zu feeds, %zu other "
				"files unchanged (%s)\n", out_dir, res.pages, res.feeds,
				res.other, elapsed(&start, change, &took));
		else
			fprintf(stderr, "build: %zu pages, %zu feeds, %zu other files rewritten; "
				"%zu unchanged; %zu removed; %zu releases published, %zu under "
				"embargo -> '%s' (%s)\n", res.pages_written, res.feeds_written,
				res.other_written, unchanged, res.out.removed, res.releases,
				res.embargoed, out_dir, elapsed(&start, change, &took));
		strbuf_release(&took);
	}
	if (res.next_embargo) {
		struct date local;

		printf("next embargo: %s %s\n", res.next_embargo, res.next_embargo_id);
		fflush(stdout);
		/* A watch builds again then. */
		if (datetime_parse(res.next_embargo, &st->embargo_lifts, &local, &why))
			st->embargo_lifts = 0;
	}
	ret = diag_failed(d) ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	cache_write_finish(&writer);
	build_result_release(&res);
	return ret;
}

/* ---- --watch ---------------------------------------------------------------- */

/* While a file is still open for writing, its save is not over: the next
 * write may come a few milliseconds later (watch.h, WATCH_SETTLED_MS). */
#define WATCH_QUIET_MS 15
/* More files written at once than this: walking the folder is cheaper. */
#define WATCH_MAX_TOUCHED 64

/* What the changes do to st->files: their stats taken again.  1 when the
 * folder must be walked again (a file came or went). */
static int apply_touched(struct build_state *st, const struct watch_changes *c)
{
	size_t i, k;

	if (c->rescan || c->nr_touched > WATCH_MAX_TOUCHED)
		return 1;
	for (k = 0; k < c->nr_touched; k++) {
		struct stat sb;
		int there = !lstat(c->touched[k], &sb) && S_ISREG(sb.st_mode);

		for (i = 0; i < st->files.nr; i++)
			if (!strcmp(st->files.paths[i], c->touched[k]))
				break;
		if (i == st->files.nr) {
			if (there)
				return 1;   /* a new release */
			continue;       /* came and went */
		}
		if (!there || files_restat(&st->files, i) < 0)
			return 1;       /* gone */
	}
	return 0;
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * build --watch: builds, then again after each change, with st kept in
 * between (the site, the compiled stylesheets, the validated summaries and
 * the files' stats), so that a build after a file was saved looks at that
 * file only.  The site file or a stylesheet changed: those are loaded
 * again.  Stops at SIGINT or SIGTERM: EXIT_CLEAN, else EXIT_SYSTEM.
 */
static int build_watching(struct build_state *st, struct diag *d)
{
	struct sigaction sa;
	sigset_t stop, orig, wait_mask;
	struct watch *w = NULL;
	struct watch_changes c;
	const char *fixed_clock = getenv("PR_PUBLISH_NOW");
	int walk = 1, ret = EXIT_SYSTEM, got = 0, r;

	memset(&c, 0, sizeof(c));
	/* SIGINT and SIGTERM stop the watch, but only while it waits: they
	 * are blocked everywhere else, so a build under way ends first. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &orig);
	wait_mask = orig;
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	stop_requested = 0;

	if (watch_open(&w, d) < 0 || watch_site_file(w, st->site->path, d) < 0)
		goto out;
	for (;;) {
		int timeout = -1;

		if (st->site) {
			char *dir = common_releases_dir(st->root);

			/* Before the build reads them: a change while it runs
			 * is seen after it.  A folder made since is watched. */
			r = walk ? watch_releases(w, dir, d) : 0;
			free(dir);
			if (r < 0)
				goto out;
			d->errors = d->warnings = d->files = 0;
			build_once(st, walk, got > 0 ? &c.first : NULL, d);
			force = 0;   /* --force: the first build only */
			/* Known once the build looked for them. */
			if (st->sheets && watch_stylesheets(w, st->sheets, d) < 0)
				goto out;
		}
		if (!common.quiet)
			fprintf(stderr, "build: watching for changes (Ctrl-C stops)\n");
		if (st->site && st->embargo_lifts && !(fixed_clock && *fixed_clock)) {
			double ms = difftime(st->embargo_lifts, time(NULL)) * 1000 + 1000;

			timeout = ms < 0 ? 0 : ms > 3600e3 ? 3600000 : (int)ms;
		}
		got = watch_wait(w, timeout, WATCH_QUIET_MS, &wait_mask, &c, d);
		if (got < 0) {
			if (stop_requested)
				ret = EXIT_CLEAN;
			break;
		}
		walk = !got;   /* an embargo lifted: everything is looked at again */
		if (c.site || !st->site) {
			/* The site file decides what is valid: everything is
			 * read again against it, as a first build would. */
			state_reset(st, c.sheets || !st->site);
			d->errors = d->warnings = d->files = 0;
			if (state_load_site(st, NULL, d)) {
				diag_summary(d, "build");
				continue;
			}
			if (watch_site_file(w, st->site->path, d) < 0)
				goto out;
			walk = 1;
		} else if (c.sheets) {
			state_drop_sheets(st);   /* the summaries stand */
		}
		if (!walk)
			walk = apply_touched(st, &c);
	}
	/* Summaries read again since the cache was written are in memory
	 * only: written for the next build. */
	if (st->site && st->cache_path && st->reread)
		summary_cache_write(st->cache_path, st->site_hash, st->sums, st->nr, NULL, 0);
	if (ret == EXIT_CLEAN && !common.quiet)
		fprintf(stderr, "build: stopped watching\n");
out:
	watch_changes_release(&c);
	watch_free(w);
	pthread_sigmask(SIG_SETMASK, &orig, NULL);
	return ret;
}

int cmd_build(int argc, const char **argv)
{
	struct build_state st;
	char *default_out = NULL, *site_path;
	const char *why;
	struct diag d;
	time_t now;
	int nr_args, ret;

	memset(&common, 0, sizeof(common));
	memset(&st, 0, sizeof(st));
	out_dir = NULL;
	force = 0;
	commit = 0;
	watch = 0;
	nr_args = options_parse(argc, argv, build_options, &build_help);
	if (nr_args == OPTIONS_HELP)
		return EXIT_CLEAN;
	if (nr_args < 0)
		return EXIT_USAGE;
	if (nr_args > 0) {
		fprintf(stderr, "pr-publish build: unexpected argument '%s'\n"
			"hint: build renders the whole archive; use --out DIR for the target\n",
			argv[0]);
		return EXIT_USAGE;
	}
	if (watch && commit) {
		fprintf(stderr, "pr-publish build: --watch and --commit do not go together\n"
			"hint: --commit renders the git archive's branch once; --watch the "
			"working folder, again and again\n");
		return EXIT_USAGE;
	}
	ret = common_setup_diag(&common, "build", &d);
	if (ret)
		return ret;
	if (clock_now(&now, &why) < 0) {
		diag_system_error(&d, "%s", why);
		return EXIT_USAGE;
	}
	/* The walk of the releases needs only the site file's place: it runs
	 * on the other cores while the site, the cache and the stylesheets
	 * are loaded, and this thread joins it when they are. */
	site_path = common_site_path(&common);
	if (site_path && !commit) {
		char *root = common_root_of(site_path), *dir = common_releases_dir(root);

		st.walk = files_walk_start(dir, &d);
		free(dir);
		free(root);
	}
	ret = state_load_site(&st, site_path, &d);
	free(site_path);
	if (ret)
		goto out;
	if (!out_dir)
		out_dir = default_out = strcmp(st.root, ".") ? xasprintf("%s/public", st.root)
							     : xstrdup("public");
	if (commit) {
		/* What publishing does with the site, without publishing: for
		 * cron, when an embargo lifts. */
		struct publish_options po;
		struct archive *a = NULL;

		memset(&po, 0, sizeof(po));
		po.now = now;
		po.quiet = common.quiet;
		po.out_dir = out_dir;
		if (archive_open(&a, st.root, ARCHIVE_OPEN_DISCOVER, &d)) {
			ret = EXIT_SYSTEM;
			goto out;
		}
		ret = publish_site(a, st.site, st.root, &po, &d);
		archive_free(a);
		if (!ret && !common.quiet)
			fprintf(stderr, "build: the site of the archive's branch is in '%s' and on "
				"branch 'site'\n", out_dir);
		goto out;
	}
	ret = watch ? build_watching(&st, &d) : build_once(&st, 1, NULL, &d);
out:
	state_free(&st);
	free(default_out);
	return ret;
}
