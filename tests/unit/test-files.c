/* test-files.c - the walk of a releases folder: its order, what it skips,
 * and the stat of every file it gives (its folders walked on several
 * threads, or one). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "files.h"
#include "tap.h"
#include "util.h"

static void put(const char *path, size_t size)
{
	FILE *f = fopen(path, "w");
	size_t i;

	for (i = 0; i < size; i++)
		fputc('x', f);
	fclose(f);
}

/* Does every entry carry the stat of its file? */
static int stats_match(const struct file_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++) {
		struct stat st;

		if (lstat(l->paths[i], &st) < 0 || !l->stats[i].ok ||
		    l->stats[i].size != (uint64_t)st.st_size || l->stats[i].ino != (uint64_t)st.st_ino ||
		    l->stats[i].mtime_ns != (uint64_t)st.st_mtim.tv_sec * 1000000000u +
						(uint64_t)st.st_mtim.tv_nsec) {
			printf("# %s: wrong stat\n", l->paths[i]);
			return 0;
		}
	}
	return 1;
}

static int sorted(const struct file_list *l)
{
	size_t i;

	for (i = 1; i < l->nr; i++)
		if (strcmp(l->paths[i - 1], l->paths[i]) >= 0)
			return 0;
	return 1;
}

int main(void)
{
	char root[] = "/tmp/test-files-XXXXXX";
	struct file_list l = { NULL, 0, 0 };
	struct diag d;
	char *p;
	size_t i, j;

	if (!mkdtemp(root))
		return 1;
	diag_init(&d, DIAG_FORMAT_TEXT);
	/* 300 folders (more than are kept open) of 8 files: 2,400, enough
	 * for two threads. */
	for (i = 0; i < 300; i++) {
		p = xasprintf("%s/d%03zu", root, i);
		mkdir(p, 0777);
		free(p);
		for (j = 0; j < 8; j++) {
			p = xasprintf("%s/d%03zu/f%zu.xml", root, i, j);
			put(p, i + j);
			free(p);
		}
	}
	p = xasprintf("%s/d000/site.xml", root);
	put(p, 1);
	free(p);
	p = xasprintf("%s/d000/.hidden.xml", root);
	put(p, 1);
	free(p);
	p = xasprintf("%s/d000/notes.txt", root);
	put(p, 1);
	free(p);
	p = xasprintf("%s/d000/link.xml", root);
	if (symlink("f0.xml", p) < 0)
		return 1;
	free(p);

	ok(!files_collect_stat(&l, root, &d), "a folder is walked");
	ok(l.nr == 2400, "every release file, none of the others (%zu)", l.nr);
	ok(sorted(&l), "in sorted order");
	ok(stats_match(&l), "each with its own stat");
	files_release(&l);

	ok(!files_collect(&l, root, &d) && l.nr == 2400 && !l.stats, "without stats: the same files");
	files_release(&l);

	setenv("PR_PUBLISH_THREADS", "1", 1);
	ok(!files_collect_stat(&l, root, &d) && l.nr == 2400 && stats_match(&l), "one thread: the same");
	files_release(&l);

	/* A folder nested too deeply: reported (from the thread that walked
	 * it, in its place), the rest still walked. */
	{
		struct strbuf deep = STRBUF_INIT;

		strbuf_addf(&deep, "%s/d150", root);
		for (i = 0; i < 40; i++) {
			strbuf_addstr(&deep, "/n");
			mkdir(deep.buf, 0777);
		}
		strbuf_release(&deep);
		setenv("PR_PUBLISH_THREADS", "2", 1);
		ok(files_collect_stat(&l, root, &d) < 0 && l.nr == 2400 && sorted(&l) && stats_match(&l),
		   "a folder nested too deeply is an error; the others are walked");
		files_release(&l);
		setenv("PR_PUBLISH_THREADS", "1", 1);
	}

	p = xasprintf("%s/d001/f1.xml", root);
	ok(!files_collect_stat(&l, p, &d) && l.nr == 1 && stats_match(&l), "a file given as it is");
	files_release(&l);
	free(p);

	p = xasprintf("rm -rf '%s'", root);
	if (system(p))
		return 1;
	free(p);
	return tap_done();
}
