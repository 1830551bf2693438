/* spell.c - spelling of release text with hunspell; see spell.h. */
#define _GNU_SOURCE /* dladdr */
#include "spell.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hunspell/hunspell.h>

#include "datadir.h"
#include "site_output.h"
#include "spell_tokenize.h"
#include "utf8.h"
#include "util.h"
#include "xmlutil.h"

#define SYSTEM_DICT_DIR "/usr/share/hunspell"
#define MAX_LANGS 16
#define MAX_SUGGESTIONS_SHOWN 5
/* Suggesting for long words is what makes hunspell slow. */
#define MAX_SUGGEST_CHARS 40
/* The word cache stops growing here (a storm of distinct junk words). */
#define CACHE_MAX (1u << 17)

static const struct {
	const char *lang, *dictionary, *package;
} defaults[] = {
	{ "de", "de_DE", "hunspell-de-de" },
	{ "en", "en_GB", "hunspell-en-gb" },
	{ "es", "es_ES", "hunspell-es" },
	{ "fr", "fr_FR", "hunspell-fr" },
	{ "it", "it_IT", "hunspell-it" },
	{ "ru", "ru_RU", "hunspell-ru" },
};

struct cache_entry {
	char *word;
	int ok;
};

/* Words already looked up: real text repeats itself. */
struct word_cache {
	struct cache_entry *slots;
	size_t nr, alloc;   /* alloc: a power of two, or 0 */
};

/* DICT_QUEUED: the loader thread owns the dict until it leaves that state
 * (under speller.lock); then it is the checking thread's. */
enum dict_state { DICT_UNLOADED, DICT_QUEUED, DICT_LOADED, DICT_FAILED };

/* What a load has to say, said when the dictionary is first used (never
 * from the loader thread, never for a preload that is not used). */
struct deferred {
	char *file;         /* a finding in a word list; NULL: a system error */
	long line;
	char *msg;
	char *hint;         /* printed after a system error */
};

struct dict {
	char lang[8];
	struct speller *sp;
	enum dict_state state;
	int asked;          /* preloaded or loaded (checking thread only) */
	int taken;          /* the checking thread has it (stats, reports done) */
	Hunhandle *h;
	struct word_cache cache;
	/* Verdicts kept between runs (speller_set_verdicts()), checking
	 * thread only, and only while no load is asked for: */
	int verdicts_tried, verdicts_ok;
	size_t verdicts_nr;     /* cache entries that came from the file */
	int clean_load;         /* loaded with nothing to say: may be kept */
	int probing, probe_missed;   /* speller_known() is looking */
	struct spell_stats stats;
	struct deferred *later;
	size_t nr_later, alloc_later;
};

struct speller {
	const struct site *site;
	struct diag *d;
	char *dirs[3];          /* dictionaries/, $PR_PUBLISH_DICTDIR, system */
	size_t nr_dirs, nr_list_dirs;
	struct dict dicts[MAX_LANGS];
	size_t nr_dicts;
	enum diag_severity severity;
	size_t max_suggest, nr_suggested;
	int suggest_note_given;
	int leave_to_exit;

	/* The loader thread (speller_preload): loads queue[] in order. */
	pthread_mutex_t lock;
	pthread_cond_t cond;       /* the queue grew, a load ended, or stop */
	pthread_t loader;
	int loader_running, stop;
	struct dict *queue[MAX_LANGS];
	size_t nr_queued, next_queued;

	char *verdicts_dir;     /* speller_set_verdicts(), or NULL */
};

/*
 * hunspell keeps a process-wide Unicode table, counted by the handles that
 * use it and created and freed without a lock: handles are created and
 * destroyed under this one, so that the loader thread and the checking
 * thread never race on it.
 */
static pthread_mutex_t hunspell_tables_lock = PTHREAD_MUTEX_INITIALIZER;

/* Dictionaries of spellers freed with leave_to_exit: reachable, so that
 * LeakSanitizer and valgrind do not call them leaks. */
static Hunhandle **left_for_exit;
static size_t nr_left_for_exit, alloc_left_for_exit;

/*
 * The load spell_prefetch() begins before any speller exists: one per
 * process, on a thread of its own.  The first speller to load the same
 * .aff/.dic pair takes the handle (waiting for the load to end); nobody
 * else touches it.  An untaken handle stays here, reachable, to the exit.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int started, joined, done;
	char *aff, *dic;
	Hunhandle *h;
} early = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };

/* Where the text being checked came from, for locations. */
struct source {
	const char *file;
	struct xmldoc *x;           /* for releases */
	const char *buf;            /* for plain text */
	size_t len;
	size_t *line_starts;
	size_t nr_lines;
	size_t findings;
};

static void verdicts_save(struct speller *sp, struct dict *dict);

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the word cache ---- */

static uint64_t hash_word(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static struct cache_entry *cache_slot(struct word_cache *c, const char *w, size_t len)
{
	size_t i;

	if (!c->alloc)
		return NULL;
	for (i = hash_word(w, len) & (c->alloc - 1);; i = (i + 1) & (c->alloc - 1)) {
		struct cache_entry *e = &c->slots[i];
		if (!e->word || (!strncmp(e->word, w, len) && !e->word[len]))
			return e;
	}
}

static void cache_put(struct word_cache *c, const char *w, size_t len, int ok);

static void cache_grow(struct word_cache *c)
{
	struct word_cache bigger = { NULL, 0, c->alloc ? c->alloc * 2 : 1024 };
	size_t i;

	bigger.slots = xcalloc(bigger.alloc, sizeof(*bigger.slots));
	for (i = 0; i < c->alloc; i++) {
		if (c->slots[i].word) {
			*cache_slot(&bigger, c->slots[i].word, strlen(c->slots[i].word)) = c->slots[i];
			bigger.nr++;
		}
	}
	free(c->slots);
	*c = bigger;
}

static void cache_put(struct word_cache *c, const char *w, size_t len, int ok)
{
	struct cache_entry *e;

	if (c->nr >= CACHE_MAX)
		return;
	if ((c->nr + 1) * 2 > c->alloc)
		cache_grow(c);
	e = cache_slot(c, w, len);
	if (e->word)
		return;
	e->word = xstrndup(w, len);
	e->ok = ok;
	c->nr++;
}

static void cache_release(struct word_cache *c)
{
	size_t i;

	for (i = 0; i < c->alloc; i++)
		free(c->slots[i].word);
	free(c->slots);
	memset(c, 0, sizeof(*c));
}

/* ---- the speller ---- */

const char *spell_dictionary_package(const char *lang)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(defaults); i++)
		if (!strcmp(defaults[i].lang, lang))
			return defaults[i].package;
	return NULL;
}

static int is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

struct speller *speller_new(const struct site *site, const char *archive_root, struct diag *d)
{
	struct speller *sp = xcalloc(1, sizeof(*sp));
	const char *env = getenv("PR_PUBLISH_DICTDIR");

	sp->site = site;
	sp->d = d;
	sp->severity = site && site->spelling_is_error ? DIAG_ERROR : DIAG_WARNING;
	if (archive_root) {
		char *dir = strcmp(archive_root, ".") ? xasprintf("%s/dictionaries", archive_root)
						       : xstrdup("dictionaries");
		if (is_dir(dir))
			sp->dirs[sp->nr_dirs++] = dir;
		else
			free(dir);
	}
	if (env && *env && is_dir(env)) {
		char *a = sp->nr_dirs ? realpath(sp->dirs[0], NULL) : NULL;
		char *b = realpath(env, NULL);
		if (!a || !b || strcmp(a, b))
			sp->dirs[sp->nr_dirs++] = xstrdup(env);
		free(a);
		free(b);
	}
	if (!(env && *env)) {
		/* pr-publish's own word lists, where it is installed. */
		char *own = datadir_sub("dictionaries");
		char *a = own && sp->nr_dirs ? realpath(sp->dirs[0], NULL) : NULL;
		char *b = own ? realpath(own, NULL) : NULL;
		if (own && (!a || !b || strcmp(a, b)))
			sp->dirs[sp->nr_dirs++] = own;
		else
			free(own);
		free(a);
		free(b);
	}
	sp->nr_list_dirs = sp->nr_dirs;
	sp->dirs[sp->nr_dirs++] = xstrdup(SYSTEM_DICT_DIR);
	pthread_mutex_init(&sp->lock, NULL);
	pthread_cond_init(&sp->cond, NULL);
	return sp;
}

static void deferred_release(struct dict *dict)
{
	size_t i;

	for (i = 0; i < dict->nr_later; i++) {
		free(dict->later[i].file);
		free(dict->later[i].msg);
		free(dict->later[i].hint);
	}
	free(dict->later);
	dict->later = NULL;
	dict->nr_later = dict->alloc_later = 0;
}

/* Stops the loader thread: the load under way ends (hunspell cannot be
 * interrupted), the ones not begun are dropped. */
static void stop_loader(struct speller *sp)
{
	if (!sp->loader_running)
		return;
	pthread_mutex_lock(&sp->lock);
	sp->stop = 1;
	pthread_cond_broadcast(&sp->cond);
	pthread_mutex_unlock(&sp->lock);
	pthread_join(sp->loader, NULL);
	sp->loader_running = 0;
}

void speller_free(struct speller *sp)
{
	size_t i;

	if (!sp)
		return;
	stop_loader(sp);
	for (i = 0; i < sp->nr_dicts; i++)
		if (sp->dicts[i].taken && sp->dicts[i].state == DICT_LOADED)
			verdicts_save(sp, &sp->dicts[i]);
	pthread_mutex_lock(&hunspell_tables_lock);
	for (i = 0; i < sp->nr_dicts; i++) {
		Hunhandle *h = sp->dicts[i].h;

		if (h && sp->leave_to_exit) {
			ALLOC_GROW(left_for_exit, nr_left_for_exit + 1, alloc_left_for_exit);
			left_for_exit[nr_left_for_exit++] = h;
		} else if (h) {
			Hunspell_destroy(h);
		}
		cache_release(&sp->dicts[i].cache);
		deferred_release(&sp->dicts[i]);
	}
	pthread_mutex_unlock(&hunspell_tables_lock);
	pthread_cond_destroy(&sp->cond);
	pthread_mutex_destroy(&sp->lock);
	for (i = 0; i < sp->nr_dirs; i++)
		free(sp->dirs[i]);
	free(sp->verdicts_dir);
	free(sp);
}

void speller_leave_to_exit(struct speller *sp)
{
	sp->leave_to_exit = 1;
}

void speller_set_suggest(struct speller *sp, size_t max_words)
{
	sp->max_suggest = max_words;
}

void speller_set_severity(struct speller *sp, enum diag_severity severity)
{
	sp->severity = severity;
}

const struct spell_stats *speller_stats(const struct speller *sp, size_t *nr)
{
	static struct spell_stats out[MAX_LANGS];
	size_t i, n = 0;

	for (i = 0; i < sp->nr_dicts; i++)
		if ((sp->dicts[i].taken && sp->dicts[i].state == DICT_LOADED) ||
		    (!sp->dicts[i].asked && sp->dicts[i].verdicts_ok && sp->dicts[i].stats.words))
			out[n++] = sp->dicts[i].stats;
	*nr = n;
	return out;
}

/* The site language for a tag: "de-CH" -> "de"; NULL when it is none of
 * the site's (or, without a site, of the six defaults). */
static const char *site_code(const struct speller *sp, const char *tag, char *buf, size_t size)
{
	size_t n = strcspn(tag, "-_"), i;

	if (n == 0 || n >= size)
		return NULL;
	for (i = 0; i < n; i++)
		buf[i] = (char)(tag[i] >= 'A' && tag[i] <= 'Z' ? tag[i] + 32 : tag[i]);
	buf[n] = '\0';
	if (sp->site)
		return site_language(sp->site, buf) ? buf : NULL;
	return spell_dictionary_package(buf) ? buf : NULL;
}

/* Only names like en_GB, fr, de-DE-frami: never a path. */
static int dictionary_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n > 32 || name[0] == '.' || name[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '_' || name[i] == '-'))
			return 0;
	return 1;
}

static int readable_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, R_OK);
}

/* hunspell accepts anything and checks nothing with a broken .dic: its
 * first line must be the word count. */
static int dic_looks_right(const char *path)
{
	char line[64];
	FILE *f = fopen(path, "r");
	size_t i = 0;
	int ok;

	if (!f)
		return 0;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	if (!ok)
		return 0;
	if (!strncmp(line, "\xef\xbb\xbf", 3))
		i = 3;
	if (line[i] < '1' || line[i] > '9')
		return 0;
	while (line[i] >= '0' && line[i] <= '9')
		i++;
	return line[i] == '\n' || line[i] == '\r' || line[i] == ' ' || line[i] == '\t' ||
	       line[i] == '/' || line[i] == '\0';
}

static void add_word(struct dict *dict, const char *word, const char *model)
{
	if (Hunspell_spell(dict->h, word))
		return;
	if (!model || Hunspell_add_with_affix(dict->h, word, model) != 0)
		Hunspell_add(dict->h, word);
	/* hunspell can still refuse it (en_GB's "BAe" hides an added "Bae"):
	 * the word as written is then accepted from the cache. */
	if (!Hunspell_spell(dict->h, word))
		cache_put(&dict->cache, word, strlen(word), 1);
}

/* Reads one of the organisation's lists into h: "word" or "word/model". */
static void load_list(struct dict *dict, const char *path)
{
	FILE *f;
	char *line = NULL;
	size_t alloc = 0, lineno = 0;
	ssize_t n;

	if (!readable_file(path))
		return;
	f = fopen(path, "r");
	if (!f)
		return;
	while ((n = getline(&line, &alloc, f)) >= 0) {
		char *slash, *p = line;
		struct diag_loc loc = { path, (long)++lineno, 0, NULL, 0 };

		while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' ||
				 p[n - 1] == '\t'))
			p[--n] = '\0';
		while (*p == ' ' || *p == '\t')
			p++, n--;
		if (lineno == 1 && !strncmp(p, "\xef\xbb\xbf", 3))
			p += 3, n -= 3;
		if (!*p || *p == '#' || (lineno == 1 && strspn(p, "0123456789") == (size_t)n))
			continue;
		if (utf8_validate(p, (size_t)n) != (size_t)n || strpbrk(p, " \t") ||
		    utf8_width(p, (size_t)n) > SPELL_WORD_MAX_CHARS ||
		    (size_t)n > SPELL_WORD_MAX_BYTES) {
			struct deferred *later;

			ALLOC_GROW(dict->later, dict->nr_later + 1, dict->alloc_later);
			later = &dict->later[dict->nr_later++];
			later->file = xstrdup(loc.file);
			later->line = loc.line;
			later->msg = xasprintf("ignored: not one word of valid UTF-8 and at most "
					       "%d characters", SPELL_WORD_MAX_CHARS);
			later->hint = NULL;
			continue;
		}
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (*p)
			add_word(dict, p, slash && slash[1] ? slash + 1 : NULL);
	}
	free(line);
	fclose(f);
}

static int has_digit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return 1;
	return 0;
}

/* Every word of a taxonomy label, as written, is a word of its language. */
static void add_label_words(struct dict *dict, const char *text)
{
	struct spell_token t;
	struct strbuf w = STRBUF_INIT;
	size_t pos = 0, len = strlen(text);

	while (spell_tokenize_next(text, len, &pos, &t)) {
		if (t.flags & (SPELL_TOKEN_LONG | SPELL_TOKEN_FOREIGN))
			continue;
		strbuf_reset(&w);
		spell_token_normalize(&w, text + t.off, t.len);
		if (!w.buf || w.buf[0] == '-' || w.buf[w.len - 1] == '-')
			continue;
		add_word(dict, w.buf, NULL);
		if (t.flags & SPELL_TOKEN_HYPHEN) {
			/* and its parts: IKT of IKT-Sicherheit */
			char *part, *save = NULL;
			for (part = strtok_r(w.buf, "-", &save); part; part = strtok_r(NULL, "-", &save))
				if (strlen(part) > 1 && !has_digit(part, strlen(part)))
					add_word(dict, part, NULL);
		}
	}
	strbuf_release(&w);
}

static void add_taxonomy(struct speller *sp, struct dict *dict)
{
	size_t t, i, k;

	if (!sp->site)
		return;
	for (t = 0; t < TAXONOMY_NR; t++) {
		for (i = 0; i < sp->site->nr_terms[t]; i++) {
			const struct site_term *term = &sp->site->terms[t][i];
			for (k = 0; k < term->nr_labels; k++) {
				const struct site_label *l = &term->labels[k];
				char code[8];
				const char *c = l->lang ? site_code(sp, l->lang, code, sizeof(code)) : NULL;
				if (!c || strcmp(c, dict->lang))
					continue;
				if (l->text)
					add_label_words(dict, l->text);
				if (l->abbr)
					add_label_words(dict, l->abbr);
			}
		}
	}
}

/* The load failed: said (with its hint) when the dictionary is used. */
static void dict_fail(struct dict *dict, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dict_fail(struct dict *dict, const char *fmt, ...)
{
	const char *pkg = spell_dictionary_package(dict->lang);
	struct strbuf msg = STRBUF_INIT;
	struct deferred *later;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	ALLOC_GROW(dict->later, dict->nr_later + 1, dict->alloc_later);
	later = &dict->later[dict->nr_later++];
	later->file = NULL;
	later->line = 0;
	later->msg = strbuf_detach(&msg);
	if (pkg)
		later->hint = xasprintf("hint: install the Debian package %s (make run installs "
					"it), or put the pair in dictionaries/\n", pkg);
	else
		later->hint = xasprintf("hint: put a hunspell dictionary for '%s' in "
					"dictionaries/\n", dict->lang);
}

/* Says what the load of dict had to say, once, on the checking thread. */
static void dict_take(struct speller *sp, struct dict *dict)
{
	size_t i;

	if (dict->taken)
		return;
	dict->taken = 1;
	for (i = 0; i < dict->nr_later; i++) {
		const struct deferred *later = &dict->later[i];

		if (later->file) {
			struct diag_loc loc = { later->file, later->line, 0, NULL, 0 };
			diag_report(sp->d, &loc, DIAG_WARNING, "spell-list", "%s", later->msg);
		} else {
			diag_system_error(sp->d, "%s", later->msg);
			fputs(later->hint, stderr);
		}
	}
	deferred_release(dict);
}

/* The hunspell dictionary name of a site language code (en_GB for en):
 * the site's, else the default one; NULL if none is known. */
static const char *dictionary_name(const struct speller *sp, const char *lang)
{
	const struct site_language *sl = sp->site ? site_language(sp->site, lang) : NULL;
	size_t i;

	if (sl && sl->dictionary)
		return sl->dictionary;
	for (i = 0; i < ARRAY_SIZE(defaults); i++)
		if (!strcmp(defaults[i].lang, lang))
			return defaults[i].dictionary;
	return NULL;
}

/* The first readable .aff/.dic pair of that name in sp's folders, into
 * *aff and *dic (the caller's to free): 0, or -1 if there is none. */
static int dictionary_files(const struct speller *sp, const char *name, char **aff, char **dic)
{
	size_t i;

	for (i = 0; i < sp->nr_dirs; i++) {
		*aff = xasprintf("%s/%s.aff", sp->dirs[i], name);
		*dic = xasprintf("%s/%s.dic", sp->dirs[i], name);
		if (readable_file(*aff) && readable_file(*dic))
			return 0;
		free(*aff);
		free(*dic);
	}
	*aff = *dic = NULL;
	return -1;
}

static Hunhandle *hunspell_create(const char *aff, const char *dic)
{
	Hunhandle *h;

	pthread_mutex_lock(&hunspell_tables_lock);
	h = Hunspell_create(aff, dic);
	pthread_mutex_unlock(&hunspell_tables_lock);
	return h;
}

static void *early_main(void *arg)
{
	Hunhandle *h;

	(void)arg;
	h = hunspell_create(early.aff, early.dic);
	pthread_mutex_lock(&early.lock);
	early.h = h;
	early.done = 1;
	pthread_cond_broadcast(&early.cond);
	pthread_mutex_unlock(&early.lock);
	return NULL;
}

void spell_prefetch(const char *lang, const char *dictionary, const char *archive_root)
{
	struct speller *sp;
	const char *name;
	char *aff, *dic;

	if (early.started || !lang)
		return;
	sp = speller_new(NULL, archive_root, NULL);
	name = dictionary ? dictionary : dictionary_name(sp, lang);
	if (name && dictionary_name_ok(name) && !dictionary_files(sp, name, &aff, &dic)) {
		if (dic_looks_right(dic)) {
			early.aff = aff;
			early.dic = dic;
			early.started = !start_helper_thread(&early.thread, early_main, NULL);
		}
		if (!early.started) {
			free(aff);
			free(dic);
			early.aff = early.dic = NULL;
		}
	}
	speller_free(sp);
}

/* The prefetched handle of exactly this pair, once loaded; else NULL. */
static Hunhandle *take_early(const char *aff, const char *dic)
{
	Hunhandle *h = NULL;

	if (!early.started)
		return NULL;
	pthread_mutex_lock(&early.lock);
	if (!strcmp(early.aff, aff) && !strcmp(early.dic, dic)) {
		while (!early.done)
			pthread_cond_wait(&early.cond, &early.lock);
		h = early.h;
		early.h = NULL;
	}
	pthread_mutex_unlock(&early.lock);
	return h;
}

void spell_prefetch_end(void)
{
	if (early.started && !early.joined) {
		pthread_join(early.thread, NULL);
		early.joined = 1;
	}
}

/* Loads dict (on either thread: it touches only dict, and reads sp's
 * settings): DICT_LOADED or DICT_FAILED, with what to say in dict->later. */
static enum dict_state dict_load(struct speller *sp, struct dict *dict)
{
	const char *name = dictionary_name(sp, dict->lang);
	char *aff = NULL, *dic = NULL;
	double start = now_seconds();
	size_t i;

	if (!name) {
		dict_fail(dict, "no hunspell dictionary is known for language '%s'", dict->lang);
		return DICT_FAILED;
	}
	if (!dictionary_name_ok(name)) {
		dict_fail(dict, "bad dictionary name '%s' in the site file", name);
		return DICT_FAILED;
	}
	if (dictionary_files(sp, name, &aff, &dic) < 0) {
		dict_fail(dict, "no hunspell dictionary '%s' for language '%s' in dictionaries/ "
			  "or " SYSTEM_DICT_DIR, name, dict->lang);
		return DICT_FAILED;
	}
	if (!dic_looks_right(dic)) {
		dict_fail(dict, "hunspell dictionary '%s' is corrupt (no word count)", dic);
		goto fail;
	}
	dict->h = take_early(aff, dic);
	if (!dict->h)
		dict->h = hunspell_create(aff, dic);
	if (!dict->h) {
		dict_fail(dict, "cannot load hunspell dictionary '%s'", dic);
		goto fail;
	}
	if (strcmp(Hunspell_get_dic_encoding(dict->h), "UTF-8")) {
		dict_fail(dict, "hunspell dictionary '%s' is not in UTF-8 (SET UTF-8)", aff);
		pthread_mutex_lock(&hunspell_tables_lock);
		Hunspell_destroy(dict->h);
		pthread_mutex_unlock(&hunspell_tables_lock);
		dict->h = NULL;
		goto fail;
	}
	for (i = 0; i < sp->nr_list_dirs; i++) {
		char *names = xasprintf("%s/names.dic", sp->dirs[i]);
		char *own = xasprintf("%s/%s.dic", sp->dirs[i], dict->lang);
		load_list(dict, names);
		load_list(dict, own);
		free(names);
		free(own);
	}
	add_taxonomy(sp, dict);
	dict->stats.lang = dict->lang;
	dict->stats.load_seconds = now_seconds() - start;
	dict->stats.loaded = 1;
	dict->clean_load = dict->nr_later == 0;
	free(aff);
	free(dic);
	return DICT_LOADED;
fail:
	free(aff);
	free(dic);
	return DICT_FAILED;
}

/* The dict of a language tag, made (unloaded) if need be; NULL for a
 * language that is not the site's.  Checking thread only. */
static struct dict *dict_find(struct speller *sp, const char *tag)
{
	char code[8];
	const char *c = tag ? site_code(sp, tag, code, sizeof(code)) : NULL;
	struct dict *dict;
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; i < sp->nr_dicts; i++)
		if (!strcmp(sp->dicts[i].lang, c))
			return &sp->dicts[i];
	if (sp->nr_dicts == MAX_LANGS)
		return NULL;
	dict = &sp->dicts[sp->nr_dicts];
	memset(dict, 0, sizeof(*dict));
	memcpy(dict->lang, c, strlen(c) + 1);
	dict->sp = sp;
	sp->nr_dicts++;
	return dict;
}

/* ---- verdicts kept between runs (speller_set_verdicts()) ---- */

/* Bump the number when the tokenizer, the normalisation of a word or what
 * a lookup asks changes: older verdicts are then dropped. */
#define VERDICTS_HEAD "pr-publish-spell-verdicts 1 "
#define VERDICTS_MAX_SIZE ((size_t)64 << 20)

void speller_set_verdicts(struct speller *sp, const char *dir)
{
	free(sp->verdicts_dir);
	sp->verdicts_dir = dir ? xstrdup(dir) : NULL;
}

static void key_add_file(struct output_sha256 *sha, const char *path)
{
	struct stat st;
	char buf[160];

	output_sha256_add(sha, path, strlen(path) + 1);
	if (stat(path, &st) < 0) {
		output_sha256_add(sha, "absent", 7);
		return;
	}
	snprintf(buf, sizeof(buf), "%llu %llu.%09ld %llu %llu", (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec,
		 (unsigned long long)st.st_ino, (unsigned long long)st.st_dev);
	output_sha256_add(sha, buf, strlen(buf) + 1);
}

/* What the verdicts of dict's language depend on, as 64 hex digits: the
 * .aff/.dic pair a load would take, the word lists it would read, the
 * site file (its taxonomy is added), this format.  -1 when there is no
 * dictionary to load (then no verdicts: the load reports it). */
static int verdicts_key(struct speller *sp, struct dict *dict, char hex[OUTPUT_HASH_HEX + 1])
{
	const char *name = dictionary_name(sp, dict->lang);
	struct output_sha256 sha;
	char *aff, *dic;
	size_t i;

	if (!name || !dictionary_name_ok(name) || dictionary_files(sp, name, &aff, &dic) < 0)
		return -1;
	output_sha256_init(&sha);
	output_sha256_add(&sha, VERDICTS_HEAD, strlen(VERDICTS_HEAD));
	output_sha256_add(&sha, dict->lang, strlen(dict->lang) + 1);
	key_add_file(&sha, aff);
	key_add_file(&sha, dic);
	for (i = 0; i < sp->nr_list_dirs; i++) {
		char *names = xasprintf("%s/names.dic", sp->dirs[i]);
		char *own = xasprintf("%s/%s.dic", sp->dirs[i], dict->lang);
		key_add_file(&sha, names);
		key_add_file(&sha, own);
		free(names);
		free(own);
	}
	if (sp->site && sp->site->xml)
		output_sha256_add(&sha, sp->site->xml->buf, sp->site->xml->len);
	{
		/* hunspell itself: an upgrade may judge words otherwise. */
		Dl_info info;

		if (dladdr((void *)Hunspell_create, &info) && info.dli_fname)
			key_add_file(&sha, info.dli_fname);
	}
	output_sha256_hex(&sha, hex);
	free(aff);
	free(dic);
	return 0;
}

static char *verdicts_path(const struct speller *sp, const struct dict *dict)
{
	return xasprintf("%s/%s.words", sp->verdicts_dir, dict->lang);
}

/*
 * Reads dict's kept verdicts into its word cache, once: 1 when the
 * dictionary may wait for the first word they do not answer (a file of
 * another key, a damaged or absent one gives no verdicts but still 1),
 * 0 when there is no dictionary to key them by or verdicts are off.
 * Only while no load of dict is asked for: the loader thread writes to the
 * cache too.  The file: VERDICTS_HEAD and the key on the first line, then
 * "1 word" or "0 word" per line; a line that is not one is skipped.
 */
static int verdicts_ready(struct speller *sp, struct dict *dict)
{
	char key[OUTPUT_HASH_HEX + 1], *path, *buf, *p, *end;
	size_t len = 0, head = strlen(VERDICTS_HEAD);

	if (dict->verdicts_tried)
		return dict->verdicts_ok;
	dict->verdicts_tried = 1;
	if (!sp->verdicts_dir || dict->asked || verdicts_key(sp, dict, key) < 0)
		return 0;
	dict->verdicts_ok = 1;
	dict->stats.lang = dict->lang;
	path = verdicts_path(sp, dict);
	buf = read_regular_file(path, VERDICTS_MAX_SIZE, &len);
	free(path);
	if (!buf)
		return 1;
	end = buf + len;
	if (len < head + OUTPUT_HASH_HEX + 1 || memcmp(buf, VERDICTS_HEAD, head) ||
	    memcmp(buf + head, key, OUTPUT_HASH_HEX) || buf[head + OUTPUT_HASH_HEX] != '\n') {
		free(buf);
		return 1;
	}
	for (p = buf + head + OUTPUT_HASH_HEX + 1; p < end; ) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (!nl)
			break;   /* cut short: the rest is not trusted */
		n = (size_t)(nl - p);
		if (n > 2 && n <= 2 + SPELL_WORD_MAX_BYTES && (p[0] == '0' || p[0] == '1') &&
		    p[1] == ' ' && !memchr(p + 2, '\0', n - 2))
			cache_put(&dict->cache, p + 2, n - 2, p[0] == '1');
		p = nl + 1;
	}
	dict->verdicts_nr = dict->cache.nr;
	free(buf);
	return 1;
}

/* Writes dict's cache as its kept verdicts, when a clean load of its
 * dictionary answered words the file did not have.  A file that cannot
 * be written only makes the next run load the dictionary. */
static void verdicts_save(struct speller *sp, struct dict *dict)
{
	char key[OUTPUT_HASH_HEX + 1], *path, *tmp;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!sp->verdicts_dir || !dict->h || !dict->clean_load ||
	    dict->cache.nr <= dict->verdicts_nr || verdicts_key(sp, dict, key) < 0)
		return;
	if (mkdir(sp->verdicts_dir, 0777) < 0 && errno != EEXIST)
		return;
	strbuf_addstr(&sb, VERDICTS_HEAD);
	strbuf_addstr(&sb, key);
	strbuf_addch(&sb, '\n');
	for (i = 0; i < dict->cache.alloc; i++) {
		const struct cache_entry *e = &dict->cache.slots[i];

		if (!e->word || strchr(e->word, '\n'))
			continue;
		strbuf_addch(&sb, e->ok ? '1' : '0');
		strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, e->word);
		strbuf_addch(&sb, '\n');
	}
	path = verdicts_path(sp, dict);
	tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
	unlink(tmp);   /* left by a killed process of the same number */
	if (write_new_file(tmp, sb.buf, sb.len) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
	free(tmp);
	free(path);
	strbuf_release(&sb);
}

/* A dictionary that waited for its verdicts to fall short, loaded now, on
 * the checking thread: 0, or -1 (reported) when it cannot be had. */
static int dict_late_load(struct dict *dict)
{
	struct speller *sp = dict->sp;

	dict->asked = 1;
	dict->state = dict_load(sp, dict);
	dict->taken = 0;
	dict_take(sp, dict);
	return dict->state == DICT_LOADED ? 0 : -1;
}

static void *loader_main(void *arg)
{
	struct speller *sp = arg;

	pthread_mutex_lock(&sp->lock);
	while (!sp->stop) {
		struct dict *dict;
		enum dict_state state;

		if (sp->next_queued == sp->nr_queued) {
			pthread_cond_wait(&sp->cond, &sp->lock);
			continue;
		}
		dict = sp->queue[sp->next_queued++];
		pthread_mutex_unlock(&sp->lock);
		state = dict_load(sp, dict);
		pthread_mutex_lock(&sp->lock);
		dict->state = state;
		pthread_cond_broadcast(&sp->cond);
	}
	pthread_mutex_unlock(&sp->lock);
	return NULL;
}

void speller_preload(struct speller *sp, const char *lang)
{
	struct dict *dict = dict_find(sp, lang);

	/* Only the checking thread moves a dict out of DICT_UNLOADED. */
	if (!dict || dict->asked)
		return;
	if (!sp->loader_running) {
		if (start_helper_thread(&sp->loader, loader_main, sp))
			return;   /* loaded on first use instead */
		sp->loader_running = 1;
	}
	dict->asked = 1;
	pthread_mutex_lock(&sp->lock);
	dict->state = DICT_QUEUED;
	sp->queue[sp->nr_queued++] = dict;
	pthread_cond_broadcast(&sp->cond);
	pthread_mutex_unlock(&sp->lock);
}

/* The language of a release file without parsing it: <id>.<lang>.xml, or
 * else the first xml:lang in its first 4 KB.  Into buf; NULL if neither. */
static const char *guess_lang(const char *path, char *buf, size_t size)
{
	const char *base = strrchr(path, '/'), *end, *dot, *at;
	char head[4096];
	size_t n;
	FILE *f;

	base = base ? base + 1 : path;
	end = base + strlen(base);
	if (end - base > 4 && !strcmp(end - 4, ".xml")) {
		end -= 4;
		for (dot = end; dot > base && dot[-1] != '.'; dot--)
			;
		if (dot > base + 1 && (size_t)(end - dot) < size && end > dot) {
			memcpy(buf, dot, (size_t)(end - dot));
			buf[end - dot] = '\0';
			return buf;
		}
	}
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	at = strstr(head, "xml:lang=");
	if (!at || (at[9] != '"' && at[9] != '\''))
		return NULL;
	at += 10;
	n = strcspn(at, "\"'<> ");
	if (!n || n >= size)
		return NULL;
	memcpy(buf, at, n);
	buf[n] = '\0';
	return buf;
}

void speller_preload_file(struct speller *sp, const char *path)
{
	char lang[16];
	struct dict *dict;

	if (!guess_lang(path, lang, sizeof(lang)))
		return;
	/* With kept verdicts, the dictionary waits until they fall short. */
	dict = dict_find(sp, lang);
	if (dict && !dict->asked && verdicts_ready(sp, dict))
		return;
	speller_preload(sp, lang);
}

/* The dictionary of a language tag: loaded on first use, or waited for
 * when it is being preloaded.  NULL and *ret 0 for a language that is not
 * the site's; NULL and SPELL_SYSTEM when its dictionary cannot be had. */
static struct dict *dict_for(struct speller *sp, const char *tag, int *ret)
{
	struct dict *dict = dict_find(sp, tag);

	*ret = 0;
	if (!dict)
		return NULL;
	if (!dict->taken) {
		pthread_mutex_lock(&sp->lock);
		while (dict->state == DICT_QUEUED)
			pthread_cond_wait(&sp->cond, &sp->lock);
		pthread_mutex_unlock(&sp->lock);
		if (!dict->asked) {
			/* Loaded at the first word the kept verdicts do not
			 * answer (lookup()), if any. */
			if (verdicts_ready(sp, dict))
				return dict;
			dict->asked = 1;
			dict->state = dict_load(sp, dict);
		}
		dict_take(sp, dict);
	}
	if (dict->state == DICT_FAILED) {
		*ret = SPELL_SYSTEM;
		return NULL;
	}
	return dict;
}

int speller_load(struct speller *sp, const char *lang)
{
	int ret;
	struct dict *dict = dict_for(sp, lang, &ret);

	return dict ? 0 : ret ? ret : SPELL_INVALID;
}

/* ---- checking words ---- */

static int lookup(struct dict *dict, const char *w, size_t len)
{
	struct cache_entry *e = cache_slot(&dict->cache, w, len);
	char *copy;
	int ok;

	if (e && e->word)
		return e->ok;
	if (dict->probing) {
		dict->probe_missed = 1;
		return 1;
	}
	/* A dictionary waiting for its verdicts to fall short; a load that
	 * fails is reported, and the check ends as a system error. */
	if (!dict->h) {
		if (dict_late_load(dict) < 0)
			return 1;
		/* The word being checked counts its time from before it. */
		dict->stats.check_seconds -= dict->stats.load_seconds;
	}
	copy = xstrndup(w, len);
	ok = Hunspell_spell(dict->h, copy) != 0;
	free(copy);
	cache_put(&dict->cache, w, len, ok);
	return ok;
}

/* One normalised piece (no inner hyphen handling): the word itself, then
 * without an elided article (l'OSCE), then without a possessive 's. */
static int piece_ok(struct dict *dict, const char *w, size_t len)
{
	size_t e;

	if (lookup(dict, w, len))
		return 1;
	e = spell_elision_len(dict->lang, w, len);
	if (e && e < len && (lookup(dict, w + e, len - e) ||
			     (has_digit(w + e, len - e))))
		return 1;
	if (len > 2 && w[len - 2] == '\'' && (w[len - 1] == 's' || w[len - 1] == 'S') &&
	    lookup(dict, w, len - 2))
		return 1;
	/* A suspended hyphen: "Kontroll-", "-beilegung", "pre-". */
	if (len > 1 && (w[0] == '-' || w[len - 1] == '-')) {
		size_t a = w[0] == '-', b = w[len - 1] == '-';
		if (len > a + b && lookup(dict, w + a, len - a - b))
			return 1;
	}
	return 0;
}

struct checker {
	struct speller *sp;
	struct source *src;
	struct dict *dict;
	const char *text;      /* the text being checked */
	const size_t *map;     /* its bytes' offsets in the source, or NULL */
	struct strbuf w;
	int probe;             /* speller_known(): report nothing */
	int failed;            /* a finding, while probing */
};

static void locate(struct checker *c, size_t off, struct diag_loc *loc)
{
	struct source *src = c->src;
	size_t raw = c->map ? c->map[off] : off;

	if (src->x) {
		xmldoc_loc_offset(src->x, raw, loc);
		return;
	}
	memset(loc, 0, sizeof(*loc));
	loc->file = src->file;
	loc->src = src->buf;
	loc->srclen = src->len;
	if (src->nr_lines) {
		size_t lo = 0, hi = src->nr_lines;
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (src->line_starts[mid] <= raw)
				lo = mid;
			else
				hi = mid;
		}
		loc->line = (long)lo + 1;
		loc->column = (long)utf8_width(src->buf + src->line_starts[lo],
					       raw - src->line_starts[lo]) + 1;
	}
}

static void suggestions(struct checker *c, const char *word, size_t chars, struct strbuf *out)
{
	struct speller *sp = c->sp;
	char **list = NULL;
	int n, i, shown = 0;

	if (!sp->max_suggest || chars > MAX_SUGGEST_CHARS)
		return;
	if (sp->nr_suggested >= sp->max_suggest) {
		if (!sp->suggest_note_given) {
			sp->suggest_note_given = 1;
			strbuf_addf(out, " (no more suggestions in this run: they stop after %zu words)",
				    sp->max_suggest);
		}
		return;
	}
	if (!c->dict->h && dict_late_load(c->dict) < 0)
		return;
	sp->nr_suggested++;
	n = Hunspell_suggest(c->dict->h, &list, word);
	for (i = 0; i < n && shown < MAX_SUGGESTIONS_SHOWN; i++) {
		size_t len = strlen(list[i]);
		/* hunspell's output is text like any other: print valid UTF-8 only. */
		if (utf8_validate(list[i], len) != len)
			continue;
		strbuf_addstr(out, shown++ ? ", " : " (suggestions: ");
		strbuf_addstr(out, list[i]);
	}
	if (shown)
		strbuf_addch(out, ')');
	if (list)
		Hunspell_free_list(c->dict->h, &list, n);
}

static void report(struct checker *c, size_t off, size_t len, unsigned flags)
{
	struct speller *sp = c->sp;
	struct strbuf word = STRBUF_INIT, extra = STRBUF_INIT;
	struct diag_loc loc;

	if (c->probe) {
		c->failed = 1;
		return;
	}
	c->dict->stats.misspelled++;
	if (flags & SPELL_TOKEN_CAPITAL)
		c->dict->stats.misspelled_capitalised++;
	if (++c->src->findings > SPELL_MAX_FINDINGS_PER_FILE) {
		if (c->src->findings == SPELL_MAX_FINDINGS_PER_FILE + 1) {
			locate(c, off, &loc);
			diag_report(sp->d, &loc, DIAG_NOTE, "spell",
				    "more than %d misspellings: the rest of this file is not reported",
				    SPELL_MAX_FINDINGS_PER_FILE);
		}
		return;
	}
	strbuf_add(&word, c->text + off, len);
	strbuf_reset(&c->w);
	spell_token_normalize(&c->w, c->text + off, len);
	if (c->w.buf)
		suggestions(c, c->w.buf, utf8_width(c->w.buf, c->w.len), &extra);
	locate(c, off, &loc);
	diag_report(sp->d, &loc, sp->severity, "spell", "misspelled word '%s'%s", word.buf,
		    extra.buf ? extra.buf : "");
	strbuf_release(&word);
	strbuf_release(&extra);
}

static int is_hyphen_at(const char *s, size_t len, size_t i, size_t *n)
{
	uint32_t cp;

	*n = utf8_decode(s + i, len - i, &cp);
	return *n && (cp == '-' || cp == 0x2010 || cp == 0x2011);
}

static void check_token(struct checker *c, const struct spell_token *t)
{
	const char *s = c->text + t->off;
	size_t i, start, n;
	int whole_ok;
	double t0;

	if (t->flags & SPELL_TOKEN_LONG) {
		struct diag_loc loc;
		if (c->probe)
			return;   /* said by the check itself, without a dictionary */
		locate(c, t->off, &loc);
		diag_report(c->sp->d, &loc, DIAG_WARNING, "spell-long",
			    "word of %zu characters not checked (over %d)", t->chars,
			    SPELL_WORD_MAX_CHARS);
		return;
	}
	if (t->flags & (SPELL_TOKEN_FOREIGN | SPELL_TOKEN_DOTTED))
		return;
	if ((t->flags & SPELL_TOKEN_DIGIT) && !(t->flags & SPELL_TOKEN_HYPHEN))
		return;
	if (t->chars < 2)
		return;   /* initials, list labels: never flagged */
	t0 = now_seconds();
	c->dict->stats.words += !c->probe;
	strbuf_reset(&c->w);
	spell_token_normalize(&c->w, s, t->len);
	whole_ok = !(t->flags & SPELL_TOKEN_DIGIT) && piece_ok(c->dict, c->w.buf, c->w.len);
	if (whole_ok || !(t->flags & SPELL_TOKEN_HYPHEN)) {
		c->dict->stats.check_seconds += now_seconds() - t0;
		if (!whole_ok)
			report(c, t->off, t->len, t->flags);
		return;
	}
	/* A compound: each part on its own (OSZE-Teilnehmerstaaten, COVID-19). */
	for (start = i = 0; i <= t->len; i += n) {
		n = 1;
		if (i < t->len && !is_hyphen_at(s, t->len, i, &n)) {
			if (!n)
				n = 1;
			continue;
		}
		if (i > start && !has_digit(s + start, i - start) &&
		    utf8_width(s + start, i - start) > 1) {
			int ok;
			strbuf_reset(&c->w);
			spell_token_normalize(&c->w, s + start, i - start);
			ok = piece_ok(c->dict, c->w.buf, c->w.len);
			if (!ok) {
				unsigned flags = spell_is_upper((unsigned char)s[start]) ?
							 SPELL_TOKEN_CAPITAL : 0;
				if ((unsigned char)s[start] >= 0x80) {
					uint32_t cp;
					if (utf8_decode(s + start, t->len - start, &cp) &&
					    spell_is_upper(cp))
						flags = SPELL_TOKEN_CAPITAL;
				}
				c->dict->stats.check_seconds += now_seconds() - t0;
				report(c, t->off + start, i - start, flags);
				t0 = now_seconds();
			}
		}
		start = i + n;
	}
	c->dict->stats.check_seconds += now_seconds() - t0;
}

static void check_run(struct checker *c, size_t len)
{
	struct spell_token t;
	size_t pos = 0;

	while (spell_tokenize_next(c->text, len, &pos, &t))
		check_token(c, &t);
}

/* ---- walking a release in step with its bytes ---- */

struct walk {
	struct speller *sp;
	struct source *src;
	const char *buf;
	size_t len;
	struct strbuf text;     /* decoded text of the current run */
	size_t *map;            /* source offset of each byte of text */
	size_t map_alloc;
	int ret;
	int probe;              /* speller_known(): look, report nothing */
	int probe_failed;       /* a word the verdicts do not answer, or a finding */
};

static void text_add(struct walk *w, const char *s, size_t n, size_t raw)
{
	size_t i;

	ALLOC_GROW(w->map, w->text.len + n, w->map_alloc);
	for (i = 0; i < n; i++)
		w->map[w->text.len + i] = raw;
	strbuf_add(&w->text, s, n);
}

static void encode_utf8(uint32_t cp, char *out, size_t *n)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		*n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		*n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		*n = 3;
	} else {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		*n = 4;
	}
}

/* Character data from off to the next '<': appended decoded, each
 * reference counted as one character at its '&'.  Returns the new offset. */
static size_t take_text(struct walk *w, size_t off)
{
	static const struct {
		const char *name;
		char c;
	} predefined[] = { { "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
			   { "quot;", '"' }, { "apos;", '\'' } };

	while (off < w->len && w->buf[off] != '<') {
		size_t start = off, i;

		if (w->buf[off] != '&') {
			while (off < w->len && w->buf[off] != '<' && w->buf[off] != '&')
				off++;
			for (i = start; i < off; i++)
				text_add(w, w->buf + i, 1, i);
			continue;
		}
		off++;
		if (off < w->len && w->buf[off] == '#') {
			uint32_t cp = 0;
			int hex = off + 1 < w->len && w->buf[off + 1] == 'x';
			char enc[4];
			size_t n;
			for (off += 1 + hex; off < w->len && w->buf[off] != ';' && off - start < 12; off++) {
				char ch = w->buf[off];
				unsigned v = ch >= '0' && ch <= '9' ? (unsigned)(ch - '0')
					     : hex && (ch | 0x20) >= 'a' && (ch | 0x20) <= 'f'
						 ? (unsigned)((ch | 0x20) - 'a' + 10) : 99;
				if (v == 99 || cp > 0x10ffff)
					break;
				cp = cp * (hex ? 16 : 10) + v;
			}
			if (off < w->len && w->buf[off] == ';')
				off++;
			if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				cp = ' ';
			encode_utf8(cp, enc, &n);
			text_add(w, enc, n, start);
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(predefined); i++) {
			size_t n = strlen(predefined[i].name);
			if (w->len - off >= n && !memcmp(w->buf + off, predefined[i].name, n)) {
				text_add(w, &predefined[i].c, 1, start);
				off += n;
				break;
			}
		}
		if (i == ARRAY_SIZE(predefined))
			text_add(w, " ", 1, start);   /* cannot happen: no DTD, no entities */
	}
	return off;
}

static void flush_text(struct walk *w, const char *lang, int check)
{
	struct checker c;
	int ret;

	if (check && w->text.len && w->probe) {
		memset(&c, 0, sizeof(c));
		c.sp = w->sp;
		c.src = w->src;
		c.probe = 1;
		c.text = w->text.buf;
		c.map = w->map;
		/* Not a site language: not checked at all.  A dictionary
		 * asked for already, or without verdicts: no answer here. */
		c.dict = dict_find(w->sp, lang);
		if (c.dict && (c.dict->asked || !verdicts_ready(w->sp, c.dict))) {
			w->probe_failed = 1;
		} else if (c.dict) {
			c.dict->probing = 1;
			check_run(&c, w->text.len);
			c.dict->probing = 0;
			if (c.dict->probe_missed || c.failed)
				w->probe_failed = 1;
			c.dict->probe_missed = 0;
		}
		strbuf_release(&c.w);
	} else if (check && w->text.len) {
		memset(&c, 0, sizeof(c));
		c.sp = w->sp;
		c.src = w->src;
		c.dict = dict_for(w->sp, lang, &ret);
		if (ret)
			w->ret = ret;
		c.text = w->text.buf;
		c.map = w->map;
		if (c.dict) {
			check_run(&c, w->text.len);
			if (c.dict->state == DICT_FAILED)
				w->ret = SPELL_SYSTEM;   /* its late load failed */
		}
		strbuf_release(&c.w);
	}
	strbuf_reset(&w->text);
}

/* Offset just past the markup at off ("<!--", "<?", "</", a tag). */
static size_t skip_past(const struct walk *w, size_t off, const char *end)
{
	size_t n = strlen(end);

	for (; off + n <= w->len; off++)
		if (!memcmp(w->buf + off, end, n))
			return off + n;
	return w->len;
}

/* Past a start tag at off (quotes hide '>'); *empty when it ends "/>". */
static size_t skip_start_tag(const struct walk *w, size_t off, int *empty)
{
	char quote = 0;

	*empty = 0;
	for (off++; off < w->len; off++) {
		char ch = w->buf[off];
		if (quote) {
			if (ch == quote)
				quote = 0;
		} else if (ch == '"' || ch == '\'') {
			quote = ch;
		} else if (ch == '>') {
			*empty = w->buf[off - 1] == '/';
			return off + 1;
		}
	}
	return w->len;
}

static const xmlNode *next_element(const xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

/* Elements whose text is not prose: dates, addresses, people's names. */
static int element_is_prose(const xmlNode *e)
{
	static const char *const skip[] = { "date", "end-date", "embargo", "email", "phone",
					    "sources", "fields", "countries" };
	size_t i;

	if (e->ns)
		return 0;
	for (i = 0; i < ARRAY_SIZE(skip); i++)
		if (xml_is(e, skip[i]))
			return 0;
	if (xml_is(e, "name") && e->parent &&
	    (xml_is(e->parent, "person") || xml_is(e->parent, "contact")))
		return 0;
	return 1;
}

static size_t walk_element(struct walk *w, const xmlNode *elem, size_t off, const char *lang,
			   int check)
{
	const xmlNode *child = next_element(elem->children);
	int empty;

	off = skip_start_tag(w, off, &empty);
	if (empty)
		return off;
	while (off < w->len) {
		const char *b = w->buf + off;
		size_t left = w->len - off;

		if (*b != '<') {
			off = take_text(w, off);
		} else if (left >= 4 && !memcmp(b, "<!--", 4)) {
			off = skip_past(w, off + 4, "-->");
		} else if (left >= 9 && !memcmp(b, "<![CDATA[", 9)) {
			size_t end = skip_past(w, off + 9, "]]>"), i;
			for (i = off + 9; i + 3 <= end; i++)
				text_add(w, w->buf + i, 1, i);
			off = end;
		} else if (left >= 2 && b[1] == '?') {
			off = skip_past(w, off + 2, "?>");
		} else if (left >= 2 && b[1] == '/') {
			flush_text(w, lang, check);
			return skip_past(w, off, ">");
		} else {
			long at = child ? xmldoc_node_offset(w->src->x, child) : -1;
			const char *clang;

			flush_text(w, lang, check);
			if (!child || (at >= 0 && (size_t)at != off)) {
				/* Out of step with the tree: stop rather than guess. */
				return w->len;
			}
			clang = xml_lang_attr(w->src->x, child);
			off = walk_element(w, child, off, clang ? clang : lang,
					   check && element_is_prose(child));
			child = next_element(child->next);
		}
	}
	flush_text(w, lang, check);
	return off;
}

int spell_check_release(struct speller *sp, const struct release *rel)
{
	struct source src;
	struct walk w;
	long off = xmldoc_node_offset(rel->xml, rel->root);

	memset(&src, 0, sizeof(src));
	src.file = rel->xml->path;
	src.x = rel->xml;
	if (off < 0)
		return SPELL_OK;
	memset(&w, 0, sizeof(w));
	w.sp = sp;
	w.src = &src;
	w.buf = rel->xml->buf;
	w.len = rel->xml->len;
	walk_element(&w, rel->root, (size_t)off, rel->lang, 1);
	strbuf_release(&w.text);
	free(w.map);
	return w.ret;
}

int speller_known(struct speller *sp, const struct release *rel)
{
	struct source src;
	struct walk w;
	long off;

	if (!sp->verdicts_dir)
		return 0;
	off = xmldoc_node_offset(rel->xml, rel->root);
	if (off < 0)
		return 1;
	memset(&src, 0, sizeof(src));
	src.file = rel->xml->path;
	src.x = rel->xml;
	memset(&w, 0, sizeof(w));
	w.sp = sp;
	w.src = &src;
	w.buf = rel->xml->buf;
	w.len = rel->xml->len;
	w.probe = 1;
	walk_element(&w, rel->root, (size_t)off, rel->lang, 1);
	strbuf_release(&w.text);
	free(w.map);
	return !w.probe_failed && !w.ret;
}

int spell_check_file(struct speller *sp, const char *path)
{
	struct release *rel = NULL;
	int ret = release_load(&rel, path, sp->d);

	sp->d->files++;
	if (ret)
		return ret == XMLDOC_SYSTEM ? SPELL_SYSTEM : SPELL_INVALID;
	ret = spell_check_release(sp, rel);
	release_free(rel);
	return ret;
}

int spell_check_text(struct speller *sp, const char *name, const char *buf, size_t len,
		     const char *lang)
{
	struct source src;
	struct checker c;
	size_t i, bad, alloc = 0;
	int ret;

	memset(&src, 0, sizeof(src));
	src.file = name;
	src.buf = buf;
	src.len = len;
	ALLOC_GROW(src.line_starts, 1, alloc);
	src.line_starts[src.nr_lines++] = 0;
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n' && i + 1 < len) {
			ALLOC_GROW(src.line_starts, src.nr_lines + 1, alloc);
			src.line_starts[src.nr_lines++] = i + 1;
		}
	}
	memset(&c, 0, sizeof(c));
	c.sp = sp;
	c.src = &src;
	c.text = buf;
	bad = utf8_validate(buf, len);
	if (bad < len) {
		struct diag_loc loc;
		locate(&c, bad, &loc);
		diag_report(sp->d, &loc, DIAG_ERROR, "encoding",
			    "invalid UTF-8 byte 0x%02X: the words around it are checked, it is not",
			    (unsigned char)buf[bad]);
	}
	c.dict = dict_for(sp, lang, &ret);
	if (!c.dict && !ret)
		ret = SPELL_INVALID;
	if (c.dict)
		check_run(&c, len);
	strbuf_release(&c.w);
	free(src.line_starts);
	return ret;
}

int spell_check_word(struct speller *sp, const char *lang, const char *word)
{
	struct strbuf w = STRBUF_INIT;
	int ret, ok;
	struct dict *dict = dict_for(sp, lang, &ret);

	if (!dict)
		return ret ? ret : SPELL_INVALID;
	spell_token_normalize(&w, word, strlen(word));
	ok = w.buf && piece_ok(dict, w.buf, w.len);
	strbuf_release(&w);
	return ok;
}

/* ---- adding to the organisation's lists ---- */

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The word of a list line: up to '/' */
static size_t word_len(const char *line)
{
	return strcspn(line, "/");
}

int spell_list_add(const char *dict_dir, const char *lang, const char *word, struct diag *d)
{
	struct strbuf out = STRBUF_INIT, header = STRBUF_INIT;
	char **lines = NULL, *path, *tmp = NULL, *line = NULL;
	size_t nr = 0, alloc = 0, linealloc = 0, i, n = strlen(word), wl;
	ssize_t got;
	int ret = 1, fd = -1, lineno = 0;
	FILE *f;

	wl = word_len(word);
	if (!n || wl == 0 || utf8_validate(word, n) != n || strpbrk(word, " \t\r\n#") ||
	    strchr(word + wl + (wl < n), '/') || (wl < n && wl + 1 == n) ||
	    utf8_width(word, n) > SPELL_WORD_MAX_CHARS || n > SPELL_WORD_MAX_BYTES) {
		diag_system_error(d, "not a word to add: '%s' (one word, or WORD/MODEL)", word);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)word[i] < 0x20 || word[i] == 0x7f) {
			diag_system_error(d, "not a word to add: control character in '%s'", word);
			return -1;
		}
	}
	if (lang && !dictionary_name_ok(lang)) {
		diag_system_error(d, "not a language code: '%s'", lang);
		return -1;
	}
	if (mkdir(dict_dir, 0777) < 0 && errno != EEXIST) {
		diag_system_error(d, "cannot create '%s': %s", dict_dir, strerror(errno));
		return SPELL_SYSTEM;
	}
	path = xasprintf("%s/%s.dic", dict_dir, lang ? lang : "names");
	f = fopen(path, "r");
	if (!f && errno != ENOENT) {
		diag_system_error(d, "cannot open '%s': %s", path, strerror(errno));
		ret = SPELL_SYSTEM;
		goto out;
	}
	while (f && (got = getline(&line, &linealloc, f)) >= 0) {
		lineno++;
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		if (!got)
			continue;
		if (line[0] == '#' || (lineno == 1 && strspn(line, "0123456789") == (size_t)got)) {
			if (line[0] == '#') {
				strbuf_addstr(&header, line);
				strbuf_addch(&header, '\n');
			}
			continue;
		}
		ALLOC_GROW(lines, nr + 1, alloc);
		lines[nr++] = xstrdup(line);
	}
	if (f && ferror(f)) {
		diag_system_error(d, "cannot read '%s'", path);
		ret = SPELL_SYSTEM;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (word_len(lines[i]) == wl && !memcmp(lines[i], word, wl)) {
			ret = 0;   /* already there */
			goto out;
		}
	}
	ALLOC_GROW(lines, nr + 1, alloc);
	lines[nr++] = xstrdup(word);
	qsort(lines, nr, sizeof(*lines), cmp_lines);
	strbuf_addstr(&out, header.buf ? header.buf : "");
	for (i = 0; i < nr; i++) {
		if (i && !strcmp(lines[i], lines[i - 1]))
			continue;
		strbuf_addstr(&out, lines[i]);
		strbuf_addch(&out, '\n');
	}
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd >= 0) {
		int ok = write(fd, out.buf, out.len) == (ssize_t)out.len && !fsync(fd);
		if (close(fd) < 0 || !ok || rename(tmp, path) < 0)
			fd = -2;
	}
	if (fd < 0) {
		diag_system_error(d, "cannot write '%s': %s", path, strerror(errno));
		if (fd == -2)
			unlink(tmp);
		ret = SPELL_SYSTEM;
	}
out:
	if (f)
		fclose(f);
	for (i = 0; i < nr; i++)
		free(lines[i]);
	free(lines);
	free(line);
	free(tmp);
	free(path);
	strbuf_release(&out);
	strbuf_release(&header);
	return ret;
}
