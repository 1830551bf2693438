#define GITLIB_NO_RENAME
#include "gitlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

#ifndef PR_GITLIB_SONAME
#error "PR_GITLIB_SONAME (libgit2's soname) is set by the Makefile"
#endif

static struct gitlib functions;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *lib = dlopen(PR_GITLIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;

	if (!lib) {
		fprintf(stderr, "pr-publish: error: cannot load libgit2: %s "
			"(on Debian: apt-get install libgit2-1.5)\n", dlerror());
		exit(EXIT_SYSTEM);
	}
	/* A function pointer from dlsym(): POSIX guarantees the conversion. */
#define GITLIB_RESOLVE(name) \
	if (!missing && !(*(void **)&functions.name = dlsym(lib, #name))) \
		missing = #name;
	GITLIB_FUNCTIONS(GITLIB_RESOLVE)
#undef GITLIB_RESOLVE
	if (missing) {
		fprintf(stderr, "pr-publish: error: %s lacks %s; it is not the libgit2 "
			"pr-publish was built with\n", PR_GITLIB_SONAME, missing);
		exit(EXIT_SYSTEM);
	}
	/* Kept loaded to the end: its functions are called until exit. */
}

const struct gitlib *gitlib_functions(void)
{
	pthread_once(&loaded, load);
	return &functions;
}
