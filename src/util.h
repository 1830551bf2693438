/*
 * util.h - small helpers every module uses.
 *
 * Allocation failures are not recoverable in a command-line tool, so the
 * x* allocators print one line and abort, as git's do.  A growable byte
 * buffer (struct strbuf) is for building messages, paths and output.
 */
#ifndef PR_UTIL_H
#define PR_UTIL_H

#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *arr (of *alloc elements of size elsize) to hold at least need. */
void *xgrow(void *arr, size_t *alloc, size_t need, size_t elsize);
#define ALLOC_GROW(arr, need, alloc) \
	((arr) = xgrow((arr), &(alloc), (need), sizeof(*(arr))))

struct strbuf {
	char *buf;    /* always NUL-terminated once initialised */
	size_t len;
	size_t alloc;
};
#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void strbuf_reset(struct strbuf *sb);
/* Hands the buffer to the caller (free() it); sb is empty afterwards. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);

/* Levenshtein distance of two short ASCII strings (taxonomy keys). */
size_t edit_distance(const char *a, const char *b);

/* Blocks SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE in this thread
 * (the main thread: helper threads block everything), keeping the
 * previous mask in *old for pthread_sigmask(SIG_SETMASK, old, NULL): a
 * stretch that must finish once begun (a commit) is not cut short; the
 * signal is delivered when the mask is restored. */
void hold_termination_signals(sigset_t *old);

/* pthread_create() for helper threads: the thread starts with every
 * signal blocked, so that SIGTERM, ^C and the like always go to the main
 * thread, which holds them off while it commits (a process-directed signal
 * is delivered to any thread that does not block it).  0 or an errno. */
int start_helper_thread(pthread_t *thread, void *(*fn)(void *), void *arg);

/* How many threads a stage that can use several runs on, this one
 * included: PR_PUBLISH_THREADS, else one per core (at most 8).  What the
 * stage makes must not depend on it. */
size_t thread_count(void);
/* Calls fn(data, i) once for each i in [0, n), on up to thread_count()
 * threads, this one included (helper threads as start_helper_thread()
 * makes them; one thread if none can be started), and returns when every
 * call has.  Items are handed out in order, one at a time. */
void run_on_threads(size_t n, void (*fn)(void *data, size_t i), void *data);
/* run_on_threads() in two halves: threads_start() starts the helper
 * threads (up to thread_count() - 1), which begin at once; the caller does
 * something else meanwhile, then threads_finish() makes it work on what is
 * left alongside them and returns when every call has (and frees w). */
struct thread_work;
struct thread_work *threads_start(size_t n, void (*fn)(void *data, size_t i), void *data);
void threads_finish(struct thread_work *w);

/* Whether a command that is about to exit frees what it holds first: the
 * process gives it all back at once, and freeing 12,500 summaries and
 * their files' names cost a rebuild ~0.8 ms.  Always under
 * AddressSanitizer and with PR_PUBLISH_FREE_AT_EXIT set (make valgrind
 * sets it), so that a leak checker sees every block freed. */
int free_at_exit(void);

/* The bytes of the regular file at path in a buffer of the caller's
 * (malloc'd, so aligned for any type), NUL-terminated (not counted in
 * *len).  NULL with errno set when it cannot be opened or read, is not a
 * regular file (EINVAL), is larger than max bytes (EFBIG), or shrank while
 * it was read (EIO). */
char *read_regular_file(const char *path, size_t max, size_t *len);

/* Creates the file at path (which must not exist: O_EXCL, mode 0666 less
 * the umask) with len bytes of buf.  0, or -1 with errno set; a file
 * that could not be written whole is left for the caller to remove. */
int write_new_file(const char *path, const void *buf, size_t len);

/* Whether the processor has the SHA extensions of x86 (SHA-NI) and the
 * SSE they need, and PR_PUBLISH_NO_SHA_NI=1 does not turn them off (for
 * comparing with the portable code). */
int cpu_has_sha_ni(void);

/* A checksum of len bytes against damage (not against someone who means
 * it): CRC-32C on four interleaved streams of 8-byte words, joined into
 * 64 bits.  SSE4.2's crc32 instruction where there is one (~0.6 ms for 12
 * MB), tables elsewhere, with the same value (PR_PUBLISH_NO_SHA_NI=1 takes
 * the tables too, for comparing). */
uint64_t checksum64(const void *data, size_t len);
/* The same by the tables alone (for tests). */
uint64_t checksum64_portable(const void *data, size_t len);

/* A fast hash of len bytes, eight at a time, for tables in memory (not
 * kept, not a defence against chosen keys). */
uint64_t hash_bytes(const void *data, size_t len);

int starts_with(const char *s, const char *prefix);
int ends_with(const char *s, const char *suffix);

#endif
