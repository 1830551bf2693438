/*
 * datadir.h - where pr-publish's own files are: stylesheets/ and
 * dictionaries/ (the organisation's word lists).
 *
 * $PR_PUBLISH_DATADIR when set; else found from the program's own path:
 * beside it or one folder up (a build in the source tree), or
 * ../share/pr-publish (installed by make install).  Hooks on a central
 * server take these, never a pushed tree's copies.
 */
#ifndef PR_DATADIR_H
#define PR_DATADIR_H

/* The folder, or NULL when none is found.  Lent; lives until exit. */
const char *datadir(void);
/* datadir()/name when that folder exists, else NULL.  The caller frees. */
char *datadir_sub(const char *name);

#endif
