/* cmd_build.c - pr-publish build: the archive as a website with feeds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static struct common_options common;
static const char *out_dir;
static int force;
static int commit;

const struct option build_options[] = {
	COMMON_OPTIONS(&common),
	OPT_STRING('o', "out", &out_dir, "DIR", "where the site goes (default: public/ beside site.xml)"),
	OPT_FLAG('f', "force", &force, "render every output, not only those whose input changed"),
	OPT_FLAG(0, "commit", &commit, "render the git archive's branch and commit it on branch 'site'"),
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
	"(nothing written), 2 usage error, 3 system error.",
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

/* The items of files: a summary from the cache where it has a current one,
 * else to be loaded (with a held diag like d). */
static void plan_loading(struct loading *l, const struct file_list *files, const char *today,
			 struct summary_cache *cache, const struct diag *d)
{
	size_t i;

	l->items = xcalloc(files->nr + 1, sizeof(*l->items));
	l->to_load = xcalloc(files->nr + 1, sizeof(*l->to_load));
	l->nr_items = files->nr;
	for (i = 0; i < files->nr; i++) {
		struct load_item *it = &l->items[i];
		const struct file_stat *fs = &files->stats[i];
		struct release_summary *s = NULL;

		it->path = files->paths[i];
		it->key = (struct summary_key){ fs->size, fs->mtime_ns, fs->ino, fs->dev };
		it->have_key = fs->ok;
		if (it->have_key && cache)
			s = summary_cache_take(cache, it->path, &it->key);
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

/* Validates every release, reading again only those whose file changed
 * since the cache was written; their summaries go to *sums (owned, or
 * borrowed from cache, which must outlive them). */
static int load_summaries(struct site *site, time_t now, struct summary_cache *cache,
			  struct diag *d, struct release_summary ***sums, size_t *nr, int *changed)
{
	struct file_list files = { NULL, 0, 0 };
	struct loading l;
	struct loaded out;
	struct validator *v;
	char *root = common_archive_root(site);
	char *dir = strcmp(root, ".") ? xasprintf("%s/releases", root) : xstrdup("releases");
	char today[16];
	struct date t;
	size_t stale;

	memset(&l, 0, sizeof(l));
	memset(&out, 0, sizeof(out));
	out.today = today;
	date_from_time(now, &t);
	snprintf(today, sizeof(today), "%04d-%02d-%02d", t.year, t.month, t.day);
	/* The keys come from the walk: an fstatat per file in its folder. */
	if (files_collect_stat(&files, dir, d) < 0)
		out.system_error = 1;
	l.site = site;
	l.now = now;
	pthread_mutex_init(&l.lock, NULL);
	plan_loading(&l, &files, today, cache, d);
	out.sums = xcalloc(files.nr + 1, sizeof(*out.sums));
	v = validator_new(site, d, now);
	validator_reserve(v, files.nr);
	run_loading(&l, l.nr_to_load >= LOAD_PARALLEL_MIN ? thread_count() : 1, v, d, &out);
	*sums = out.sums;
	*nr = out.nr;
	/* The cache is written again when there is none, or when it lacks or
	 * holds stale CACHE_WRITE_AFTER entries (a changed file is one of
	 * each): rewriting the summaries of a large archive (12 MB at 12,500
	 * releases) costs more than reading a few changed files again (~85 us
	 * each) on the next builds. */
	stale = summary_cache_size(cache) - out.from_cache;
	*changed = out.nr && (!summary_cache_size(cache) || out.cacheable >= CACHE_WRITE_AFTER ||
			      stale >= CACHE_WRITE_AFTER);
	validator_finish(v);
	validator_free(v);
	pthread_mutex_destroy(&l.lock);
	free(l.to_load);
	free(l.items);
	files_release(&files);
	free(dir);
	free(root);
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
	struct output_sha256 sha;
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
	output_sha256_init(&sha);
	output_sha256_add(&sha, (*out)->xml->buf, (*out)->xml->len);
	output_sha256_hex(&sha, hex);
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

int cmd_build(int argc, const char **argv)
{
	struct build_options opts;
	struct build_result res;
	struct progress progress = { 0, 0 };
	struct release_summary **sums = NULL;
	struct summary_cache *cache = NULL;
	struct cache_writer writer = { .running = 0 };
	struct build_loader loader;
	struct renderer *r = NULL;
	char site_hash[OUTPUT_HASH_HEX + 1], *cache_path = NULL;
	int cache_changed = 1;
	struct site *site = NULL;
	struct timespec start;
	char *root = NULL, *sheets = NULL, *default_out = NULL;
	const char *why;
	struct diag d;
	size_t nr = 0, i;
	int nr_args, ret;

	memset(&common, 0, sizeof(common));
	memset(&res, 0, sizeof(res));
	out_dir = NULL;
	force = 0;
	commit = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
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
	ret = common_setup_diag(&common, "build", &d);
	if (ret)
		return ret;
	memset(&opts, 0, sizeof(opts));
	if (clock_now(&opts.now, &why) < 0) {
		diag_system_error(&d, "%s", why);
		return EXIT_USAGE;
	}
	ret = common_load_site(&common, &d, &site);
	if (ret)
		goto out;

	root = common_archive_root(site);
	if (!out_dir)
		out_dir = default_out = strcmp(root, ".") ? xasprintf("%s/public", root)
							   : xstrdup("public");
	if (commit) {
		/* What publishing does with the site, without publishing: for
		 * cron, when an embargo lifts. */
		struct publish_options po;
		struct archive *a = NULL;

		memset(&po, 0, sizeof(po));
		po.now = opts.now;
		po.quiet = common.quiet;
		po.out_dir = out_dir;
		if (archive_open(&a, root, ARCHIVE_OPEN_DISCOVER, &d)) {
			ret = EXIT_SYSTEM;
			goto out;
		}
		ret = publish_site(a, site, root, &po, &d);
		archive_free(a);
		if (!ret && !common.quiet)
			fprintf(stderr, "build: the site of the archive's branch is in '%s' and on "
				"branch 'site'\n", out_dir);
		goto out;
	}
	{
		struct output_sha256 sha;

		output_sha256_init(&sha);
		output_sha256_add(&sha, site->xml->buf, site->xml->len);
		output_sha256_hex(&sha, site_hash);
	}
	cache_path = cache_path_of(out_dir);
	/* --force reads every file again, and writes the cache anew. */
	if (!force)
		cache = summary_cache_load(cache_path, site_hash);
	/* The summaries taken from the cache are borrowed from it: it is
	 * freed last, after them (summary.h). */
	ret = load_summaries(site, opts.now, cache, &d, &sums, &nr, &cache_changed);
	if (ret) {
		diag_summary(&d, "build");
		if (ret == EXIT_FINDINGS)
			fprintf(stderr, "pr-publish build: invalid releases; nothing was written\n");
		goto out;
	}

	if (cache_changed) {
		writer.path = cache_path;
		writer.site_hash = site_hash;
		writer.sums = sums;
		writer.nr = nr;
		cache_write_start(&writer);
	}

	sheets = render_find_stylesheets(root, &d);
	if (!sheets || render_new(&r, sheets, &d) < 0) {
		ret = EXIT_SYSTEM;
		goto out;
	}
	opts.out_dir = out_dir;
	opts.force = force;
	progress.on = !common.quiet && isatty(STDERR_FILENO);
	opts.progress = show_progress;
	opts.progress_data = &progress;
	loader.load = file_load;
	loader.unload = file_unload;
	loader.data = sums;
	if (build_site_summaries(&res, &opts, site, sums, nr, &loader, r, &d) < 0) {
		if (progress.shown)
			fputc('\n', stderr);
		fprintf(stderr, "pr-publish build: failed; '%s' was left as it was\n", out_dir);
		ret = EXIT_SYSTEM;
		goto out;
	}
	if (progress.shown)
		fprintf(stderr, "\r\033[K");
	cache_write_finish(&writer);
	if (d.warnings)
		diag_summary(&d, "build");
	if (!common.quiet) {
		size_t unchanged = res.out.reused;

		if (res.out.unchanged)
			fprintf(stderr, "build: '%s' is up to date: %zu pages, %zu feeds, %zu other "
				"files unchanged (%.2fs)\n", out_dir, res.pages, res.feeds,
				res.other, seconds_since(&start));
		else
			fprintf(stderr, "build: %zu pages, %zu feeds, %zu other files rewritten; "
				"%zu unchanged; %zu removed; %zu releases published, %zu under "
				"embargo -> '%s' (%.2fs)\n", res.pages_written, res.feeds_written,
				res.other_written, unchanged, res.out.removed, res.releases,
				res.embargoed, out_dir, seconds_since(&start));
	}
	if (res.next_embargo)
		printf("next embargo: %s %s\n", res.next_embargo, res.next_embargo_id);
	ret = diag_failed(&d) ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	cache_write_finish(&writer);
	build_result_release(&res);
	render_free(r);
	for (i = 0; i < nr; i++)
		summary_free(sums[i]);
	free(sums);
	summary_cache_free(cache);
	free(cache_path);
	free(default_out);
	free(sheets);
	free(root);
	site_free(site);
	return ret;
}
