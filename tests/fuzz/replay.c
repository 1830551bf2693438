/*
 * replay.c - runs a fuzz target's LLVMFuzzerTestOneInput() once on each
 * file named, and on each file in each folder named (not recursing, in name
 * order, skipping dot files), printing TAP for prove.  With no arguments it
 * replays CORPUS_DIR, which make compiles in.
 *
 * Built with the normal compiler (and under `make asan` its sanitizers), so
 * `make check` keeps every input that once crashed a fuzzer fixed, without
 * needing clang.  A crash stops the program and prove reports it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "util.h"

static int count, failed;

static int read_file(const char *path, char **out, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&sb, chunk, n);
	if (ferror(f)) {
		fclose(f);
		strbuf_release(&sb);
		return -1;
	}
	fclose(f);
	*len = sb.len;
	*out = strbuf_detach(&sb);
	return 0;
}

static void replay_file(const char *path)
{
	char *buf;
	size_t len;

	count++;
	if (read_file(path, &buf, &len) < 0) {
		printf("not ok %d - %s: %s\n", count, path, strerror(errno));
		failed++;
		return;
	}
	/* Said first, so that a crash is seen against the right file. */
	printf("# %s\n", path);
	fflush(stdout);
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	printf("ok %d - %s\n", count, path);
	fflush(stdout);
}

static int skip_dots(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static void replay(const char *path)
{
	struct dirent **names;
	struct stat st;
	int i, n;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		replay_file(path);
		return;
	}
	n = scandir(path, &names, skip_dots, alphasort);
	if (n < 0) {
		count++;
		failed++;
		printf("not ok %d - %s: %s\n", count, path, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		char *file = xasprintf("%s/%s", path, names[i]->d_name);
		replay_file(file);
		free(file);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	int i;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
#ifdef CORPUS_DIR
		replay(CORPUS_DIR);
#else
		fprintf(stderr, "usage: %s FILE-OR-DIR...\n", argv[0]);
		return 2;
#endif
	}
	for (i = 1; i < argc; i++)
		replay(argv[i]);
	printf("1..%d\n", count);
	return failed ? 1 : 0;
}
