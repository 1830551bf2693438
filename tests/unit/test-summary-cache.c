/* test-summary-cache.c - the summary cache gives back what was written,
 * and a damaged one (even one whose checksum was made to match) is never
 * read outside its bounds nor trusted for a record that does not hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "summary.h"
#include "tap.h"
#include "util.h"

/* What was read, so that reading it is not optimised away. */
static volatile size_t sink;

static const char site[] =
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static char **list(const char *a, const char *b)
{
	char **l = xcalloc(3, sizeof(*l));

	l[0] = xstrdup(a);
	l[1] = b ? xstrdup(b) : NULL;
	return l;
}

static struct release_summary *make(const char *path, const char *id, int n)
{
	struct release_summary *s = xcalloc(1, sizeof(*s));
	size_t i;

	s->path = xstrdup(path);
	s->id = xstrdup(id);
	s->lang = xstrdup("en");
	s->type = xstrdup("press-release");
	s->date = xstrdup("2024-01-02");
	s->embargo = n ? xstrdup("2024-01-02T10:00:00Z") : NULL;
	s->headline = xstrdup("<headline>Head &amp; line</headline>");
	s->summary = n ? NULL : xstrdup("<summary>S</summary>");
	s->places = list("vienna", NULL);
	s->nr_places = 1;
	s->sources = list("osce", "odihr");
	s->nr_sources = 2;
	s->fields = list("elections", NULL);
	s->nr_fields = 1;
	s->countries = xcalloc(1, sizeof(char *));
	s->line = 3 + n;
	s->column = 7;
	for (i = 0; i < SUMMARY_NR_FACTS; i++)
		s->fact_line[i] = (long)i;
	memset(s->content, 'a' + n, OUTPUT_HASH_HEX);
	memset(s->item, 'b', OUTPUT_HASH_HEX);
	s->key.size = 100 + (uint64_t)n;
	s->key.mtime_ns = 5;
	s->key.ino = 6;
	s->key.dev = 7;
	s->clean = 1;
	return s;
}

/* Takes every path and reads every byte of what is given out. */
static size_t take_all(const char *path, struct release_summary **orig, size_t nr)
{
	struct summary_cache *c = summary_cache_load(path, site);
	size_t i, got = 0, sum = 0;

	for (i = 0; i < nr; i++) {
		struct release_summary *s = summary_cache_take(c, orig[i]->path, &orig[i]->key);
		size_t k;

		if (!s)
			continue;
		got++;
		sum += strlen(s->path) + strlen(s->id) + strlen(s->lang) + strlen(s->type) +
		       strlen(s->date) + strlen(s->content) + strlen(s->item);
		sum += (s->embargo ? strlen(s->embargo) : 0) + (s->headline ? strlen(s->headline) : 0) +
		       (s->summary ? strlen(s->summary) : 0) + (s->subtitle ? strlen(s->subtitle) : 0);
		for (k = 0; k < s->nr_places; k++)
			sum += strlen(s->places[k]);
		for (k = 0; k < s->nr_sources; k++)
			sum += strlen(s->sources[k]);
		for (k = 0; k < s->nr_fields; k++)
			sum += strlen(s->fields[k]);
		for (k = 0; k < s->nr_countries; k++)
			sum += strlen(s->countries[k]);
		summary_free(s);   /* borrowed: does nothing */
	}
	summary_cache_free(c);
	sink += sum;
	return got;
}

static int same(const struct release_summary *a, const struct release_summary *b)
{
	size_t i;

	if (strcmp(a->path, b->path) || strcmp(a->id, b->id) || strcmp(a->date, b->date) ||
	    !!a->embargo != !!b->embargo || (a->embargo && strcmp(a->embargo, b->embargo)) ||
	    !!a->summary != !!b->summary || strcmp(a->headline, b->headline) ||
	    a->nr_sources != b->nr_sources || a->nr_countries != b->nr_countries ||
	    a->line != b->line || strcmp(a->content, b->content) || strcmp(a->item, b->item) ||
	    a->sources[a->nr_sources] || a->countries[0])
		return 0;
	for (i = 0; i < a->nr_sources; i++)
		if (strcmp(a->sources[i], b->sources[i]))
			return 0;
	return 1;
}

int main(void)
{
	char dir[] = "/tmp/test-summary-cache-XXXXXX", *path, *copy;
	struct release_summary *sums[3];
	struct summary_cache *c;
	struct release_summary *s, *t;
	struct summary_key other;
	FILE *f;
	char *orig;
	long len, i;
	size_t untrusted = 0, runs = 0;

	if (!mkdtemp(dir))
		return 1;
	path = xasprintf("%s/.public.cache", dir);
	copy = xasprintf("%s/copy", dir);
	/* Not sorted: the writer sorts. */
	sums[0] = make("releases/b.en.xml", "b", 0);
	sums[1] = make("releases/a.en.xml", "a", 1);
	sums[2] = make("releases/c.en.xml", "c", 2);
	sums[2]->clean = 0;
	ok(!summary_cache_write(path, site, sums, 3), "a cache is written");

	c = summary_cache_load(path, site);
	ok(summary_cache_size(c) == 2, "it holds the clean summaries only");
	s = summary_cache_take(c, "releases/a.en.xml", &sums[1]->key);
	ok(s && s->borrowed && same(s, sums[1]), "a summary comes back as it was written");
	ok(!summary_cache_take(c, "releases/a.en.xml", &sums[1]->key), "and only once");
	other = sums[0]->key;
	other.mtime_ns++;
	ok(!summary_cache_take(c, "releases/b.en.xml", &other), "another key: not trusted");
	ok(!summary_cache_take(c, "releases/c.en.xml", &sums[2]->key), "an unclean one: absent");
	t = summary_cache_take(c, "releases/b.en.xml", &sums[0]->key);
	ok(t && same(t, sums[0]), "the other one too");
	/* Borrowed ones are written again (the cache outlives them). */
	ok(!summary_cache_write(copy, site, (struct release_summary *[]){ s, t }, 2),
	   "borrowed summaries can be written to a new cache");
	summary_cache_free(c);
	c = summary_cache_load(copy, site);
	ok(summary_cache_size(c) == 2, "which holds them");
	summary_cache_free(c);
	c = summary_cache_load(path, "f123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ok(summary_cache_size(c) == 0, "a cache of another site file is empty");
	summary_cache_free(c);

	/* Every byte changed, the checksum made to match again: never a read
	 * out of bounds (ASan), never a summary whose strings do not hold. */
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	orig = xmalloc((size_t)len);
	if (fread(orig, 1, (size_t)len, f) != (size_t)len)
		return 1;
	fclose(f);
	for (i = 0; i < len; i++) {
		static const unsigned char vals[] = { 0x00, 0x01, 0x7f, 0xff };
		size_t v;

		for (v = 0; v < sizeof(vals); v++) {
			char *bad = xmalloc((size_t)len);

			memcpy(bad, orig, (size_t)len);
			if ((unsigned char)bad[i] == vals[v]) {
				free(bad);
				continue;
			}
			bad[i] = (char)vals[v];
			f = fopen(path, "wb");
			fwrite(bad, 1, (size_t)len, f);
			fclose(f);
			free(bad);
			if (summary_cache_reseal(path) < 0)
				return 1;
			runs++;
			untrusted += 2 - take_all(path, sums, 2);
		}
	}
	ok(runs > 1000 && untrusted > 0, "%zu damaged caches read safely (%zu records refused)",
	   runs, untrusted);
	/* Cut short: never read past the end. */
	for (i = 0; i < len; i += 7) {
		f = fopen(path, "wb");
		fwrite(orig, 1, (size_t)i, f);
		fclose(f);
		summary_cache_reseal(path);
		if (take_all(path, sums, 2))
			break;
	}
	ok(i >= len, "a cache cut short is never used");
	/* Without the reseal, one flipped bit is caught by the checksum. */
	orig[len / 2] ^= 0x10;
	f = fopen(path, "wb");
	fwrite(orig, 1, (size_t)len, f);
	fclose(f);
	ok(take_all(path, sums, 2) == 0, "a flipped bit: the cache is ignored");

	for (i = 0; i < 3; i++) {
		sums[i]->borrowed = 0;
		summary_free(sums[i]);
	}
	free(orig);
	unlink(path);
	unlink(copy);
	rmdir(dir);
	free(path);
	free(copy);
	return tap_done();
}
