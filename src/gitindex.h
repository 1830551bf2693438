/*
 * gitindex.h - git's index file with a few paths set or removed, made from
 * the file's bytes instead of through libgit2.
 *
 * libgit2 reads an index of 12,500 entries in ~11 ms and writes it back
 * in ~5: every entry becomes a structure of its own, and the file is
 * hashed with a collision-detecting SHA-1 both ways.  A publication sets
 * one or two paths, so gitindex_splice() copies the other entries' bytes
 * as they are and puts the new ones in their places (the format is git's
 * Documentation/gitformat-index.txt).  It only rewrites what that format
 * allows to be rewritten so; for anything else it says so, and the
 * caller goes through libgit2.  It owns nothing: bytes in, bytes out.
 */
#ifndef PR_GITINDEX_H
#define PR_GITINDEX_H

#include <stddef.h>
#include <sys/stat.h>

#include "util.h"

#define GITINDEX_OID_BYTES 20

/* A path to set to a blob (oid, mode 100644, the stat data of the work
 * tree's file) or, with oid NULL, to remove. */
struct gitindex_change {
	const char *path;
	const unsigned char *oid;
	const struct stat *st;
};

/*
 * The index in buf (len bytes, a whole index file) with the changes made,
 * into out (appended): 0.  1, with *why saying what, when the index is one
 * this does not rewrite: not version 2 or 3 or not valid (its checksum,
 * its entries, its extensions' sizes), an extension git requires readers
 * to understand (a split or sparse index), a changed path in conflict or
 * with flags of git's sparse checkout, a path that would be both a file
 * and a folder, or the same path twice in changes.
 *
 * The cache of trees (TREE) is kept, with the folders on the changed
 * paths marked as changed, as git does; the resolve-undo records (REUC)
 * are kept; the other optional extensions are caches that the positions
 * of entries invalidate (the untracked cache, fsmonitor's, the offset
 * tables), and are dropped, which git allows for optional extensions.
 */
int gitindex_splice(const char *buf, size_t len, const struct gitindex_change *changes,
		    size_t nr, struct strbuf *out, const char **why);

/* The SHA-1 of len bytes at data (SHA-NI where the processor has it). */
void gitindex_sha1(const void *data, size_t len, unsigned char out[GITINDEX_OID_BYTES]);

#endif
