/* gitcheck.c - checking releases held in git; see gitcheck.h. */
#include "gitcheck.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "release.h"
#include "site.h"
#include "util.h"
#include "xmldoc.h"

struct gitcheck {
	struct archive *a;
	struct diag *d;
	time_t now;
	struct site *site;
	git_oid site_id;
	struct checker *checker;   /* for site; dictionaries loaded once */
	char **seen;   /* "path\tblob-id" already checked */
	size_t nr_seen, alloc_seen;
	size_t checked;
	FILE *devnull;      /* where context releases' own findings go */
	struct diag quiet;
	int leave_to_exit;
};

struct gitcheck *gitcheck_new(struct archive *a, struct diag *d, time_t now)
{
	struct gitcheck *gc = xcalloc(1, sizeof(*gc));

	gc->a = a;
	gc->d = d;
	gc->now = now;
	gc->devnull = fopen("/dev/null", "w");
	diag_init(&gc->quiet, DIAG_FORMAT_TEXT);
	gc->quiet.text_out = gc->quiet.json_out = gc->devnull;
	return gc;
}

void gitcheck_free(struct gitcheck *gc)
{
	size_t i;

	if (!gc)
		return;
	/* Only the last checker: one replaced for a new site.xml is freed, or
	 * a push changing it in every commit would pile dictionaries up. */
	if (gc->checker && gc->leave_to_exit)
		checker_leave_to_exit(gc->checker);
	checker_free(gc->checker);
	site_free(gc->site);
	if (gc->devnull)
		fclose(gc->devnull);
	for (i = 0; i < gc->nr_seen; i++)
		free(gc->seen[i]);
	free(gc->seen);
	free(gc);
}

void gitcheck_leave_to_exit(struct gitcheck *gc)
{
	gc->leave_to_exit = 1;
}

/* The language of a release path, releases/YYYY/<id>.<lang>.xml. */
static void preload_for_path(struct gitcheck *gc, const char *path)
{
	const char *end = path + strlen(path), *dot;
	char lang[16];

	if (!ends_with(path, ".xml"))
		return;
	end -= 4;
	for (dot = end; dot > path && dot[-1] != '.' && dot[-1] != '/'; dot--)
		;
	if (dot == path || dot[-1] != '.' || end == dot || (size_t)(end - dot) >= sizeof(lang))
		return;
	memcpy(lang, dot, (size_t)(end - dot));
	lang[end - dot] = '\0';
	checker_preload(gc->checker, lang);
}

size_t gitcheck_count(const struct gitcheck *gc)
{
	return gc->checked;
}

void gitcheck_list_add(struct gitcheck_list *list, const char *path, const git_oid *id,
		       unsigned mode)
{
	struct gitcheck_change *c;

	if (strcmp(path, "releases") && !(starts_with(path, "releases/") && ends_with(path, ".xml")) &&
	    !(starts_with(path, "releases/") && (mode == GIT_FILEMODE_LINK ||
						 mode == GIT_FILEMODE_COMMIT)))
		return;
	ALLOC_GROW(list->items, list->nr + 1, list->alloc);
	c = &list->items[list->nr++];
	c->path = xstrdup(path);
	c->id = *id;
	c->mode = mode;
}

void gitcheck_list_release(struct gitcheck_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		free(list->items[i].path);
	free(list->items);
	list->items = NULL;
	list->nr = list->alloc = 0;
}

/* The state the changes belong to: a commit's tree, or the index (the
 * staged state, read entry by entry rather than written out as trees). */
struct state {
	const git_tree *tree;
	git_index *index;
};

/* The entry at path in the state: 0 with *id and *mode, -1 when there is
 * none.  A folder of the index has GIT_FILEMODE_TREE (and no id), as it
 * would in a tree, so that it is refused as "not a file" alike. */
static int state_entry(const struct state *st, const char *path, git_oid *id, unsigned *mode)
{
	if (st->tree) {
		git_tree_entry *entry = NULL;

		if (git_tree_entry_bypath(&entry, st->tree, path) < 0)
			return -1;
		*id = *git_tree_entry_id(entry);
		*mode = (unsigned)git_tree_entry_filemode(entry);
		git_tree_entry_free(entry);
		return 0;
	} else {
		const git_index_entry *e = git_index_get_bypath(st->index, path, 0);
		char *prefix;
		size_t pos;
		int found;

		if (e) {
			*id = e->id;
			*mode = e->mode;
			return 0;
		}
		prefix = xasprintf("%s/", path);
		found = git_index_find_prefix(&pos, st->index, prefix) == 0;
		free(prefix);
		if (!found)
			return -1;
		memset(id, 0, sizeof(*id));
		*mode = GIT_FILEMODE_TREE;
		return 0;
	}
}

static int load_site(struct gitcheck *gc, const struct state *st)
{
	git_oid id;
	unsigned mode;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (state_entry(st, "site.xml", &id, &mode) < 0) {
		struct diag_loc loc = { "site.xml", 0, 0, NULL, 0 };
		diag_report(gc->d, &loc, DIAG_ERROR, "site",
			    "the archive has no site.xml; releases cannot be checked without it");
		return XMLDOC_INVALID;
	}
	if (gc->site && git_oid_equal(&gc->site_id, &id))
		return 0;
	checker_free(gc->checker);
	gc->checker = NULL;
	site_free(gc->site);
	gc->site = NULL;
	ret = archive_read_blob_id(gc->a, &id, mode, "site.xml", XMLDOC_MAX_SIZE, &buf, &len,
				   gc->d);
	if (!ret)
		ret = site_parse_memory(&gc->site, "site.xml", buf, len, gc->d);
	if (!ret) {
		gc->site_id = id;
		/* Word lists from the installation only, never from the tree. */
		gc->checker = checker_new(gc->site, NULL, gc->d, gc->now, CHECK_SPELLING);
	}
	free(buf);
	return ret;
}

static int seen_before(struct gitcheck *gc, const struct gitcheck_change *c)
{
	char hex[GIT_OID_HEXSZ + 1];
	char *key;
	size_t i;

	git_oid_tostr(hex, sizeof(hex), &c->id);
	key = xasprintf("%s\t%s", c->path, hex);
	for (i = 0; i < gc->nr_seen; i++) {
		if (!strcmp(gc->seen[i], key)) {
			free(key);
			return 1;
		}
	}
	ALLOC_GROW(gc->seen, gc->nr_seen + 1, gc->alloc_seen);
	gc->seen[gc->nr_seen++] = key;
	return 0;
}

static int in_changes(const struct gitcheck_list *changes, const char *path)
{
	size_t i;

	for (i = 0; i < changes->nr; i++)
		if (!strcmp(changes->items[i].path, path))
			return 1;
	return 0;
}

/* The published versions of rel's id in other languages take part in the
 * rules across files. */
static void add_context(struct gitcheck *gc, const struct state *st,
			const struct release *rel, const struct gitcheck_list *changes)
{
	size_t i;

	for (i = 0; i < gc->site->nr_languages; i++) {
		const char *lang = gc->site->languages[i].code;
		struct release *other = NULL;
		char *path, *buf = NULL;
		size_t len;
		git_oid id;
		unsigned mode;

		if (!strcmp(lang, rel->lang))
			continue;
		path = xasprintf("releases/%.4s/%s.%s.xml", rel->id, rel->id, lang);
		/* Its own problems were reported when it came in. */
		if (gc->devnull && !in_changes(changes, path) &&
		    state_entry(st, path, &id, &mode) == 0 &&
		    archive_read_blob_id(gc->a, &id, mode, path, XMLDOC_MAX_SIZE, &buf, &len,
					 &gc->quiet) == 0 &&
		    release_parse_memory(&other, path, buf, len, &gc->quiet) == 0)
			checker_context(gc->checker, other);
		release_free(other);
		free(buf);
		free(path);
	}
}

static int run(struct gitcheck *gc, const struct state *st, const struct gitcheck_list *changes)
{
	size_t i;
	int ret;

	if (!changes->nr)
		return 0;
	ret = load_site(gc, st);
	if (ret)
		return ret == XMLDOC_SYSTEM ? ret : 0;
	/* The dictionaries load in the background while the blobs are read,
	 * parsed and validated. */
	for (i = 0; i < changes->nr; i++)
		preload_for_path(gc, changes->items[i].path);
	for (i = 0; i < changes->nr; i++) {
		const struct gitcheck_change *c = &changes->items[i];
		struct release *rel = NULL;
		char *buf = NULL, *want;
		size_t len = 0;

		if (seen_before(gc, c))
			continue;
		gc->checked++;
		gc->d->files++;
		ret = archive_read_blob_id(gc->a, &c->id, c->mode, c->path, XMLDOC_MAX_SIZE, &buf,
					   &len, gc->d);
		if (ret == XMLDOC_SYSTEM)
			goto out;
		if (ret)
			continue;
		if (release_parse_memory(&rel, c->path, buf, len, gc->d) == 0) {
			if (checker_check(gc->checker, rel)) {
				release_free(rel);
				free(buf);
				ret = XMLDOC_SYSTEM;
				goto out;
			}
			want = xasprintf("releases/%.4s/%s.%s.xml", rel->id, rel->id, rel->lang);
			if (strcmp(want, c->path)) {
				struct diag_loc loc = { c->path, 0, 0, NULL, 0 };
				diag_report(gc->d, &loc, DIAG_ERROR, "path",
					    "release '%s' (%s) belongs at '%s'; move it there "
					    "(pr-publish publish does)", rel->id, rel->lang, want);
			}
			free(want);
			add_context(gc, st, rel, changes);
		}
		release_free(rel);
		free(buf);
	}
	ret = 0;
out:
	checker_finish(gc->checker);
	return ret;
}

int gitcheck_run(struct gitcheck *gc, const git_tree *tree, const struct gitcheck_list *changes)
{
	struct state st = { tree, NULL };

	return run(gc, &st, changes);
}

int gitcheck_run_index(struct gitcheck *gc, git_index *index, const struct gitcheck_list *changes)
{
	struct state st = { NULL, index };

	return run(gc, &st, changes);
}
