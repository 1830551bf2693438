/* test-summary-cache.c - the summary cache gives back what was written,
 * and a damaged one (even one whose checksum was made to match) is never
 * read outside its bounds nor trusted for a record that does not hold. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* Reads every byte of s. */
static void read_all(const struct release_summary *s)
{
	size_t k, sum;

	sum = strlen(s->path) + strlen(s->id) + strlen(s->lang) + strlen(s->type) +
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
	sink += sum;
}

/* Takes the group g when there is one, then every path, and reads every
 * byte of what is given out. */
static size_t take_all_group(const char *path, struct release_summary **orig, size_t nr,
			     const struct summary_group *g)
{
	struct summary_cache *c = summary_cache_load(path, site);
	size_t i, n = 0, got = 0;

	if (g) {
		struct release_summary *s = summary_cache_take_group(c, g->prefix, &g->key, &n);

		for (i = 0; s && i < n; i++)
			read_all(&s[i]);
		got += n;
	}
	for (i = 0; i < nr; i++) {
		struct release_summary *s = summary_cache_take(c, orig[i]->path, &orig[i]->key);

		if (!s)
			continue;
		got++;
		read_all(s);
		summary_free(s);   /* borrowed: does nothing */
	}
	summary_cache_free(c);
	return got;
}

static size_t take_all(const char *path, struct release_summary **orig, size_t nr)
{
	return take_all_group(path, orig, nr, NULL);
}

/* Writes orig to path, changes each of its bytes in turn to a few values
 * with the checksum made to match again, and reads each such cache: never
 * a read out of bounds (ASan), never a summary whose strings do not hold.
 * How many caches were read; *untrusted: how many records were refused. */
static size_t damage_all(const char *path, const char *orig, long len,
			 struct release_summary **sums, size_t nr, const struct summary_group *g,
			 size_t *untrusted)
{
	static const unsigned char vals[] = { 0x00, 0x01, 0x7f, 0xff };
	char *bad = xmalloc((size_t)len);
	size_t runs = 0, v;
	long i;
	FILE *f;

	for (i = 0; i < len; i++) {
		for (v = 0; v < sizeof(vals); v++) {
			memcpy(bad, orig, (size_t)len);
			if ((unsigned char)bad[i] == vals[v])
				continue;
			bad[i] = (char)vals[v];
			f = fopen(path, "wb");
			fwrite(bad, 1, (size_t)len, f);
			fclose(f);
			if (summary_cache_reseal(path) < 0)
				exit(1);
			runs++;
			*untrusted += nr - take_all_group(path, sums, nr, g);
		}
	}
	free(bad);
	return runs;
}

/* The bytes of the file at path: *len of them. */
static char *slurp(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f)
		exit(1);
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)*len);
	if (fread(buf, 1, (size_t)*len, f) != (size_t)*len)
		exit(1);
	fclose(f);
	return buf;
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

/*
 * Folders cached whole: a group is written only when the cache holds
 * exactly its files, given out once, all or none, and only under its key.
 */
static void test_groups(const char *dir)
{
	char *path = xasprintf("%s/groups.cache", dir), *orig;
	struct release_summary *sums[5], *clean[4], *s;
	struct summary_group groups[4];
	struct summary_cache *c;
	struct summary_key other;
	size_t n, untrusted = 0, runs, i;
	long len;

	sums[0] = make("releases/2020/b.en.xml", "b", 0);
	sums[1] = make("releases/2020/a.en.xml", "a", 1);
	sums[2] = make("releases/2021/c.en.xml", "c", 2);
	sums[3] = make("releases/2021/d.en.xml", "d", 3);
	sums[4] = make("releases/2022/e.en.xml", "e", 4);
	sums[2]->clean = 0;
	memset(groups, 0, sizeof(groups));
	groups[0].prefix = "releases/2020/";
	groups[0].key.size = 2020;
	groups[0].nr = 2;
	groups[1].prefix = "releases/2021/";   /* c is not clean */
	groups[1].key.size = 2021;
	groups[1].nr = 2;
	groups[2].prefix = "releases/2022/";   /* not all of its files */
	groups[2].key.size = 2022;
	groups[2].nr = 2;
	groups[3].prefix = "releases/2023/";   /* an empty folder */
	groups[3].key.size = 2023;
	ok(!summary_cache_write(path, site, sums, 5, groups, 4), "a cache with groups is written");

	c = summary_cache_load(path, site);
	other = groups[0].key;
	other.size++;
	ok(!summary_cache_take_group(c, "releases/2020/", &other, &n) && n == 0,
	   "a group under another key: not trusted");
	s = summary_cache_take_group(c, "releases/2020/", &groups[0].key, &n);
	ok(s && n == 2 && same(&s[0], sums[1]) && same(&s[1], sums[0]) && s[0].borrowed,
	   "a group gives its summaries in path order");
	ok(!summary_cache_take_group(c, "releases/2020/", &groups[0].key, &n),
	   "and only once");
	ok(!summary_cache_take(c, "releases/2020/a.en.xml", &sums[1]->key),
	   "nor are they given out again one by one");
	ok(!summary_cache_take_group(c, "releases/2021/", &groups[1].key, &n),
	   "a folder with a file that is not clean is not a group");
	ok(!summary_cache_take_group(c, "releases/2022/", &groups[2].key, &n),
	   "nor one of which a file is missing");
	s = summary_cache_take_group(c, "releases/2023/", &groups[3].key, &n);
	ok(s && n == 0, "an empty folder is a group of none");
	s = summary_cache_take(c, "releases/2021/d.en.xml", &sums[3]->key);
	ok(s && same(s, sums[3]), "the files of a folder that is not a group are cached");
	summary_cache_free(c);

	c = summary_cache_load(path, site);
	s = summary_cache_take(c, "releases/2020/b.en.xml", &sums[0]->key);
	ok(s && !summary_cache_take_group(c, "releases/2020/", &groups[0].key, &n),
	   "a group of which a file was taken is not given out");
	s = summary_cache_take(c, "releases/2020/a.en.xml", &sums[1]->key);
	ok(s && same(s, sums[1]), "and the others can still be taken one by one");
	summary_cache_free(c);

	/* The clean ones: the group gives a and b, then d and e one by one. */
	clean[0] = sums[0];
	clean[1] = sums[1];
	clean[2] = sums[3];
	clean[3] = sums[4];
	orig = slurp(path, &len);
	runs = damage_all(path, orig, len, clean, 4, &groups[0], &untrusted);
	ok(runs > 1000 && untrusted > 0, "%zu damaged caches with groups read safely "
	   "(%zu records refused)", runs, untrusted);

	for (i = 0; i < 5; i++)
		summary_free(sums[i]);
	free(orig);
	unlink(path);
	free(path);
}

/* Runs fn(arg) in a child with its stderr in err (up to size bytes);
 * the child's wait status. */
static int in_child(void (*fn)(const char *), const char *arg, char *err, size_t size)
{
	int fds[2], status = 0;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		fn(arg);
		_exit(0);
	}
	close(fds[1]);
	while (got + 1 < size && (n = read(fds[0], err + got, size - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return status;
}

/* Loads the cache at path, cuts the file to nothing, reads what it gave. */
static void cut_while_used(const char *path)
{
	struct summary_cache *c = summary_cache_load(path, site);
	struct release_summary *s = summary_cache_take(c, "releases/r0099.en.xml", &(struct summary_key){ 100, 5, 6, 7 });

	if (!s || truncate(path, 0) < 0)
		_exit(9);
	read_all(s);
	_exit(0);
}

/* A SIGBUS that is not the cache's: a mapping of another file cut short. */
static void other_sigbus(const char *path)
{
	struct summary_cache *c = summary_cache_load(path, site);
	int fd = open(path, O_RDONLY);
	volatile const char *m = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);

	(void)c;
	if (m == MAP_FAILED || truncate(path, 0) < 0)
		_exit(9);
	sink += (size_t)m[4096];
	_exit(0);
}

/* A cache cut short while in use stops the process with a message and
 * exit status 3; any other SIGBUS is left to what handled it before. */
static void test_cut_short(const char *dir)
{
	char *path = xasprintf("%s/cut.cache", dir), err[1024];
	struct release_summary *sums[100];
	int i, status;

	for (i = 0; i < 100; i++) {
		char *p = xasprintf("releases/r%04d.en.xml", i), *id = xasprintf("r%04d", i);
		sums[i] = make(p, id, 0);
		free(p);
		free(id);
	}
	ok(!summary_cache_write(path, site, sums, 100, NULL, 0), "a cache of 100 summaries");
	status = in_child(cut_while_used, path, err, sizeof(err));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	   "cut short while in use: exit status 3 (status %#x)", (unsigned)status);
	ok(strstr(err, path) && strstr(err, "cut short"), "with a message that names the file");
	ok(!summary_cache_write(path, site, sums, 100, NULL, 0), "written again");
	status = in_child(other_sigbus, path, err, sizeof(err));
	ok(!(WIFEXITED(status) && (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 0)) &&
	   !strstr(err, "cut short"), "another mapping cut short: not taken for the cache's");
	for (i = 0; i < 100; i++)
		summary_free(sums[i]);
	unlink(path);
	free(path);
}

/* The checksum: the instruction and the tables agree at every length and
 * alignment, and a flipped bit anywhere changes it. */
static void checksum_cases(void)
{
	size_t n = 4096 + 67, len, off, bad = 0, same = 0, i;
	unsigned char *buf = xmalloc(n + 8);
	uint64_t seed = 88172645463325252ull;

	for (i = 0; i < n + 8; i++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		buf[i] = (unsigned char)seed;
	}
	for (off = 0; off < 8; off++)
		for (len = 0; len <= n; len += len < 80 ? 1 : 97)
			bad += checksum64(buf + off, len) != checksum64_portable(buf + off, len);
	ok(!bad, "the checksum is the same by SSE4.2 and by tables");
	for (i = 0; i < 8 * 200; i++) {
		uint64_t before = checksum64(buf, 200);

		buf[i / 8] ^= (unsigned char)(1u << (i % 8));
		same += checksum64(buf, 200) == before;
		buf[i / 8] ^= (unsigned char)(1u << (i % 8));
	}
	ok(!same, "each of 1,600 single-bit changes changes it");
	ok(checksum64(buf, 64) != checksum64(buf, 63), "so does the length");
	free(buf);
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
	checksum_cases();
	path = xasprintf("%s/.public.cache", dir);
	copy = xasprintf("%s/copy", dir);
	/* Not sorted: the writer sorts. */
	sums[0] = make("releases/b.en.xml", "b", 0);
	sums[1] = make("releases/a.en.xml", "a", 1);
	sums[2] = make("releases/c.en.xml", "c", 2);
	sums[2]->clean = 0;
	ok(!summary_cache_write(path, site, sums, 3, NULL, 0), "a cache is written");

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
	ok(!summary_cache_write(copy, site, (struct release_summary *[]){ s, t }, 2, NULL, 0),
	   "borrowed summaries can be written to a new cache");
	summary_cache_free(c);
	c = summary_cache_load(copy, site);
	ok(summary_cache_size(c) == 2, "which holds them");
	summary_cache_free(c);
	c = summary_cache_load(path, "f123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ok(summary_cache_size(c) == 0, "a cache of another site file is empty");
	summary_cache_free(c);

	/* Every byte changed, the checksum made to match again. */
	orig = slurp(path, &len);
	runs = damage_all(path, orig, len, sums, 2, NULL, &untrusted);
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
	test_groups(dir);
	test_cut_short(dir);
	unlink(path);
	unlink(copy);
	rmdir(dir);
	free(path);
	free(copy);
	return tap_done();
}
