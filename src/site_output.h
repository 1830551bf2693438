/*
 * site_output.h - the output tree of a build: written aside, then committed.
 *
 * A build never writes into the published folder before it commits; new
 * files go to a sibling staging folder (".public.new-XXXXXX" beside
 * "public").  Two ways to commit:
 *
 *  - a whole tree (the first build, --force, a folder without manifest):
 *    every output is written into the staging folder at its path and the
 *    folder is swapped in with one rename (renameat2(RENAME_EXCHANGE), else
 *    rename aside and in); files nobody made go with the old folder;
 *  - an update (every other build): only changed outputs are staged, under
 *    plain numbers; then a journal (".public.journal" beside "public")
 *    lists every rename and deletion and ends with "end", and renaming it
 *    into place commits the build.  The journal is then applied; applying
 *    is idempotent, so a build stopped halfway through is finished by the
 *    next one (output_tree_open()) before anything else.  Readers may see
 *    the folder half updated while a journal is applied, never before.
 *
 * Until the commit the previous output is untouched: a failed or
 * interrupted build changes nothing there (output_tree_free() without a
 * commit removes the staging folder).  No fsync but the journal's: this
 * protects against a build that stops, not against a power cut.
 *
 * One build of a folder at a time: output_tree_open() takes an flock on
 * $TMPDIR/pr-publish-build-<hash of the folder's real path>.lock (no lock
 * file in an archive's working tree) and fails, reported, when another
 * build holds it.
 *
 * The manifest (.pr-publish-manifest in the output) lists every output with
 * the SHA-256 of what it was made from (see build.h), so that the next build
 * knows which files it may keep.  An output the manifest lists but the
 * folder lacks (deleted by hand) is made again; a file added by hand stays
 * until a --force build.  To notice such deletions without reading every
 * folder, the scan remembers the folders it found complete, with their
 * ctime, in ".<base>.scan" beside the output, and reads only those whose
 * ctime changed since (site_output.c: scan_outputs()).  A folder that exists, is not empty and has no
 * manifest was not made by us and is never replaced.
 *
 * Writing (output_tree_reuse(), output_tree_write()) may happen on several
 * threads at once; everything else on one.
 */
#ifndef PR_SITE_OUTPUT_H
#define PR_SITE_OUTPUT_H

#include <stddef.h>

#include "diag.h"

#define OUTPUT_MANIFEST ".pr-publish-manifest"
#define OUTPUT_STAMP ".pr-publish-stamp"
#define OUTPUT_RECORD ".pr-publish-plan"
#define OUTPUT_HASH_HEX 64

/* Incremental SHA-256 over bytes; output_sha256_hex() finishes it. */
struct output_sha256 {
	unsigned int h[8];
	unsigned char block[64];
	size_t fill;
	unsigned long long total;
};

void output_sha256_init(struct output_sha256 *s);
void output_sha256_add(struct output_sha256 *s, const void *data, size_t len);
/* Writes 64 hex digits and a NUL to hex. */
void output_sha256_hex(struct output_sha256 *s, char hex[OUTPUT_HASH_HEX + 1]);
/* The same as 32 bytes. */
void output_sha256_bytes(struct output_sha256 *s, unsigned char out[OUTPUT_HASH_HEX / 2]);
/* The SHA-256 of len bytes at data, in hex, at once. */
void output_sha256_of(const void *data, size_t len, char hex[OUTPUT_HASH_HEX + 1]);

struct output_stats {
	size_t written;    /* rendered and written */
	size_t reused;     /* unchanged, carried over from the previous build */
	size_t removed;    /* in the previous build, no longer produced */
	int unchanged;     /* nothing differed: the folder was left as it was */
};

struct output_tree;

/* Prepares a build of dir: checks it may be replaced and reads its
 * manifest.  force: ignore the manifest (render everything).  0 and *out
 * (the caller's, output_tree_free), or -1 with a system error reported. */
int output_tree_open(struct output_tree **out, const char *dir, int force, struct diag *d);

/* Did the previous build make path from this hash?  *known (unless NULL):
 * where its manifest has path, for output_tree_keep(), else OUTPUT_UNKNOWN. */
#define OUTPUT_UNKNOWN ((size_t)-1)
int output_tree_is_fresh(const struct output_tree *t, const char *path, const char *hash,
			 size_t *known);
/* The hash the previous build made path from, copied to hash: 1 when the
 * file is still there, 0 when it was deleted since (both as
 * output_tree_is_fresh() of that hash would say), -1 when the manifest
 * does not list it (or the tree was opened with force).  *known as
 * output_tree_is_fresh() gives it. */
int output_tree_made_from(const struct output_tree *t, const char *path,
			  char hash[OUTPUT_HASH_HEX + 1], size_t *known);
/* How many outputs the previous build made (0 without a manifest).  When
 * every output is fresh and there are as many, nothing needs doing. */
size_t output_tree_previous(const struct output_tree *t);
/* How many outputs of the previous build's manifest are no longer in the
 * folder (waits for the scan). */
size_t output_tree_missing(const struct output_tree *t);
/* An update's: every output of the previous build's manifest that is not
 * kept or written yet is kept as it is, by its manifest hash, without
 * being asked about one by one (the caller knows the plan to be the one
 * that made the manifest, and each output still right: the plan's
 * record).  0, or -1 when the tree is not an update. */
int output_tree_keep_rest(struct output_tree *t);

/* Makes the temporary folder the new tree is written to.  0 or -1
 * (reported). */
int output_tree_begin(struct output_tree *t);

/* Carries path over from the previous build when it was made from the same
 * hash: 1 when done, 0 when the caller must render it, -1 on I/O errors
 * (reported). */
int output_tree_reuse(struct output_tree *t, const char *path, const char *hash);
/* output_tree_reuse() for an output that output_tree_is_fresh() found
 * fresh in this build, with the known it gave: not looked up again. */
int output_tree_keep(struct output_tree *t, const char *path, const char *hash, size_t known);
/* Writes len bytes at path (relative, '/'-separated, no "..") in the new
 * tree.  0 or -1 (reported). */
int output_tree_write(struct output_tree *t, const char *path, const char *hash,
		      const char *buf, size_t len);

/*
 * Committing, in two steps for a caller that must do something between
 * the rendering and the moment the folder changes (publish.h: make the
 * site's git tree, move the branches).  output_tree_prepare() settles what
 * the commit will do (stats) and stages the manifest; nothing is visible
 * yet.  output_tree_commit() writes the journal and applies it, or swaps
 * the whole tree in (it prepares first when that was not done).  0, or -1
 * reported; the previous output is then intact.  When stats->unchanged the
 * folder is left as it is.
 */
int output_tree_prepare(struct output_tree *t, struct output_stats *stats);
int output_tree_commit(struct output_tree *t, struct output_stats *stats);

/* After output_tree_prepare(): the staging folder when the commit replaces
 * the folder whole (it then holds every output at its path), else NULL. */
const char *output_tree_whole(const struct output_tree *t);
/* After output_tree_prepare() of an update: calls fn for each output
 * written (file: where its new bytes are staged), then each removed (file
 * NULL), by path.  0, or the first non-zero fn returned. */
int output_tree_changes(const struct output_tree *t,
			int (*fn)(void *data, const char *path, const char *file), void *data);
/* Drops what was rendered and staged (not committed) so that t can be
 * rendered into again; the lock and the previous manifest stay. */
void output_tree_reset(struct output_tree *t);

/*
 * The stamp (.pr-publish-stamp in the output) is a caller's short text
 * about one state of the folder (publish: the git tree it equals).  It is
 * committed with the outputs: set before output_tree_commit(), it is
 * written with them (or alone when nothing else changed); any commit
 * without one removes it.  So a stamp found in the folder describes what
 * the folder holds, as long as nobody edited it by hand.
 * output_tree_read_stamp(): the caller's, NULL when there is none.
 */
void output_tree_set_stamp(struct output_tree *t, const char *text);
char *output_tree_read_stamp(const struct output_tree *t);

/*
 * The record (.pr-publish-plan in the output) is the caller's description
 * of how it made the outputs (build.c: the plan whose hashes the manifest
 * lists), so that the next build may go by it.  It is committed with the
 * manifest, which names it by its SHA-256 ("record <hex>", a line older
 * versions skip): set before output_tree_commit() (buf is then t's), it is
 * written with it; a commit that writes the manifest without one removes
 * it; a commit that changes nothing leaves both.  output_tree_record():
 * the folder's as output_tree_open() found it, NULL when there is none,
 * with force, or when the manifest does not name it (a manifest written
 * meanwhile by a version that knew nothing of records, a file put there
 * by hand): then it does not describe the outputs.
 */
void output_tree_set_record(struct output_tree *t, char *buf, size_t len);
const char *output_tree_record(const struct output_tree *t, size_t *len);
/* Frees t, removing the temporary folder if it was not committed. */
void output_tree_free(struct output_tree *t);
/* What t reports from now on goes to d (output_tree_open()'s d until then:
 * a tree opened on another thread, into a held diag, is handed over). */
void output_tree_set_diag(struct output_tree *t, struct diag *d);

/* rm -rf path (no symbolic links followed).  0 or -1 with errno set. */
int output_remove_tree(const char *path);

#endif
