/*
 * cmd_hook.c - pr-publish hook: install the git hooks, and be them.
 *
 *   hook install       pre-commit in a clone, pre-receive in a bare repository
 *   hook pre-commit    checks the staged releases (the index git hands us)
 *   hook pre-receive   checks every release each pushed commit adds or changes
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "cli.h"
#include "datetime.h"
#include "gitcheck.h"
#include "site.h"
#include "spell.h"
#include "util.h"

static struct {
	int force;
	const char *format;
} opt;

const struct option hook_options[] = {
	OPT_FLAG(0, "force", &opt.force, "install: replace an existing hook that is not ours"),
	OPT_STRING(0, "format", &opt.format, "FORMAT", "findings as 'text' (default) or 'json' lines"),
	OPT_END(),
};

const struct command_help hook_help = {
	"hook",
	"(install | pre-commit | pre-receive) [OPTIONS]",
	"install the git hooks, or run as one",
	"'hook install' puts a pre-commit hook in a clone, or a pre-receive hook in a\n"
	"bare (central) repository, so that no release with a finding enters the\n"
	"archive; an existing hook of someone else's is left alone unless --force.\n"
	"'hook pre-commit' checks the staged content of every added or changed\n"
	"release; 'hook pre-receive' checks each pushed commit, reading objects\n"
	"from git's quarantine, and rejects the push on any finding.",
};

static const char hook_marker[] = "# pr-publish hook";

static int setup(struct diag *d)
{
	struct common_options c;

	memset(&c, 0, sizeof(c));
	c.format = opt.format;
	c.color = "never";
	return common_setup_diag(&c, "hook", d);
}

/* Single-quotes s for a shell script. */
static void shell_quote(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(out, "'\\''");
		else
			strbuf_addch(out, *s);
	}
	strbuf_addch(out, '\'');
}

static int hook_install(struct diag *d)
{
	struct archive *a = NULL;
	struct strbuf script = STRBUF_INIT, existing = STRBUF_INIT;
	char exe[PATH_MAX];
	const char *name;
	char *dir = NULL, *path = NULL, *tmp = NULL;
	git_config *cfg = NULL;
	git_buf hooks_path = { NULL, 0, 0 };
	FILE *f;
	ssize_t n;
	int ret = EXIT_SYSTEM;

	if (archive_open(&a, ".", ARCHIVE_OPEN_DISCOVER, d))
		return EXIT_SYSTEM;
	name = git_repository_is_bare(a->repo) ? "pre-receive" : "pre-commit";
	if (git_repository_config_snapshot(&cfg, a->repo) == 0 &&
	    git_config_get_path(&hooks_path, cfg, "core.hooksPath") == 0 && hooks_path.ptr)
		dir = xstrdup(hooks_path.ptr);
	else
		dir = xasprintf("%shooks", git_repository_commondir(a->repo));
	git_buf_dispose(&hooks_path);
	git_config_free(cfg);
	path = xasprintf("%s/%s", dir, name);

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		diag_system_error(d, "cannot find the pr-publish program: %s", strerror(errno));
		goto out;
	}
	exe[n] = '\0';

	f = fopen(path, "r");
	if (f) {
		char chunk[4096];
		size_t got;
		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0 && existing.len < 65536)
			strbuf_add(&existing, chunk, got);
		fclose(f);
		if (!strstr(existing.buf ? existing.buf : "", hook_marker) && !opt.force) {
			diag_system_error(d, "'%s' exists and is not ours; add the line "
					  "'%s hook %s' to it, or use --force to replace it",
					  path, exe, name);
			goto out;
		}
	}

	strbuf_addf(&script, "#!/bin/sh\n%s: checks every release before it enters the "
		    "archive.\n# Installed by 'pr-publish hook install'; delete this file to "
		    "remove it.\nexec ", hook_marker);
	shell_quote(&script, exe);
	strbuf_addf(&script, " hook %s\n", name);

	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		diag_system_error(d, "cannot create '%s': %s", dir, strerror(errno));
		goto out;
	}
	tmp = xasprintf("%s.pr-publish.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fwrite(script.buf, 1, script.len, f) != script.len || fclose(f) != 0 ||
	    chmod(tmp, 0755) < 0 || rename(tmp, path) < 0) {
		diag_system_error(d, "cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	printf("installed the %s hook in %s\n", name, path);
	ret = EXIT_CLEAN;
out:
	free(tmp);
	free(path);
	free(dir);
	strbuf_release(&script);
	strbuf_release(&existing);
	archive_free(a);
	return ret;
}

static int finish(struct diag *d, int ret, const char *what, const char *advice)
{
	if (ret == 0 && diag_failed(d))
		ret = EXIT_FINDINGS;
	if (!d->quiet)
		fprintf(stderr, "pr-publish %s: %zu release%s checked, %zu error%s, %zu warning%s\n",
			what, d->files, d->files == 1 ? "" : "s", d->errors, d->errors == 1 ? "" : "s",
			d->warnings, d->warnings == 1 ? "" : "s");
	if (ret == EXIT_FINDINGS)
		fprintf(stderr, "pr-publish %s: %s\n", what, advice);
	return ret;
}

/* Most commits are of releases in the site's first language: its
 * dictionary starts loading at once, guessed from the work tree's site.xml
 * (git runs the hook at the top of the work tree), while git's index is
 * read and compared with HEAD, about 20 ms at 12,500 releases.  The check
 * itself still uses the staged site.xml; this only guesses. */
static void prefetch_first_language(void)
{
	char *code, *dictionary;

	if (site_peek_first_language("site.xml", &code, &dictionary) == 0)
		spell_prefetch(code, dictionary, NULL);
	free(code);
	free(dictionary);
}

static int hook_pre_commit(struct diag *d, time_t now)
{
	struct gitcheck_list changes = { NULL, 0, 0 };
	struct archive *a = NULL;
	struct gitcheck *gc = NULL;
	git_index *index = NULL;
	git_diff *diff = NULL;
	git_diff_options dopts = GIT_DIFF_OPTIONS_INIT;
	git_tree *head_tree = NULL;
	git_object *head = NULL;
	const char *index_file = getenv("GIT_INDEX_FILE");
	size_t i, count;
	int ret = EXIT_SYSTEM;

	archive_init_early();
	prefetch_first_language();
	if (archive_open(&a, NULL, ARCHIVE_OPEN_FROM_ENV, d))
		return EXIT_SYSTEM;
	/* The objects are the committer's own, written by git: like git, read
	 * them without hashing each one again (libgit2 re-hashes every tree it
	 * reads, a third of the diff against HEAD at 12,500 releases).  The
	 * pre-receive hook keeps verifying what a push brings. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	/* Under 'git commit -a' the repository's index is not what is being
	 * committed: git hands us the index to check. */
	if (index_file && *index_file ? git_index_open(&index, index_file) < 0
				      : git_repository_index(&index, a->repo) < 0) {
		archive_report_git_error(d, "cannot read the index");
		goto out;
	}
	if (index_file && *index_file)
		git_index_set_caps(index, GIT_INDEX_CAPABILITY_FROM_OWNER);
	if (git_revparse_single(&head, a->repo, "HEAD^{tree}") == 0)
		head_tree = (git_tree *)head;
	head = NULL;
	/* What the index changes against HEAD: one diff, not a lookup per
	 * entry (libgit2 does not cache large trees, so 12,500 lookups in a
	 * folder of thousands of releases would parse that folder each time). */
	dopts.flags |= GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_diff_tree_to_index(&diff, a->repo, head_tree, index, &dopts) < 0) {
		archive_report_git_error(d, "cannot compare the index with HEAD");
		goto out;
	}
	count = git_diff_num_deltas(diff);
	for (i = 0; i < count; i++) {
		const git_diff_delta *delta = git_diff_get_delta(diff, i);

		if (delta->status == GIT_DELTA_DELETED)
			continue;
		gitcheck_list_add(&changes, delta->new_file.path, &delta->new_file.id,
				  delta->new_file.mode);
	}
	/* The translations and site.xml the changes are checked against are
	 * looked up in the index itself: writing the staged state out as trees
	 * would rebuild and hash the changed folders of 12,500 releases. */
	if (git_index_has_conflicts(index)) {
		git_error_set_str(GIT_ERROR_INDEX, "cannot create a tree from a not fully merged index");
		archive_report_git_error(d, "cannot read the staged tree");
		goto out;
	}
	gc = gitcheck_new(a, d, now);
	gitcheck_leave_to_exit(gc);
	ret = gitcheck_run_index(gc, index, &changes) ? EXIT_SYSTEM : 0;
out:
	gitcheck_free(gc);
	gitcheck_list_release(&changes);
	git_diff_free(diff);
	git_tree_free(head_tree);
	git_index_free(index);
	archive_free(a);
	return finish(d, ret, "pre-commit", "commit refused; fix the findings above, "
		      "'git add' the files and commit again");
}

/* The changes one commit makes to releases, against its first parent. */
static int commit_changes(struct archive *a, git_commit *commit, git_tree **tree_out,
			  struct gitcheck_list *changes, struct diag *d)
{
	git_commit *parent = NULL;
	git_tree *tree = NULL, *ptree = NULL;
	git_diff *diff = NULL;
	git_diff_options dopts = GIT_DIFF_OPTIONS_INIT;
	size_t i, n;
	int ret = -1;

	if (git_commit_tree(&tree, commit) < 0)
		goto out;
	if (git_commit_parentcount(commit) > 0 &&
	    (git_commit_parent(&parent, commit, 0) < 0 || git_commit_tree(&ptree, parent) < 0))
		goto out;
	dopts.flags |= GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_diff_tree_to_tree(&diff, a->repo, ptree, tree, &dopts) < 0)
		goto out;
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *delta = git_diff_get_delta(diff, i);
		if (delta->status == GIT_DELTA_DELETED)
			continue;
		gitcheck_list_add(changes, delta->new_file.path, &delta->new_file.id,
				  delta->new_file.mode);
	}
	*tree_out = tree;
	tree = NULL;
	ret = 0;
out:
	if (ret < 0)
		archive_report_git_error(d, "cannot read a pushed commit");
	git_diff_free(diff);
	git_tree_free(ptree);
	git_tree_free(tree);
	git_commit_free(parent);
	return ret;
}

static int hook_pre_receive(struct diag *d, time_t now)
{
	struct archive *a = NULL;
	struct gitcheck *gc = NULL;
	char line[1024];
	int ret = EXIT_SYSTEM;

	if (archive_open(&a, NULL, ARCHIVE_OPEN_FROM_ENV, d))
		return EXIT_SYSTEM;
	gc = gitcheck_new(a, d, now);
	gitcheck_leave_to_exit(gc);
	while (fgets(line, sizeof(line), stdin)) {
		char old_hex[GIT_OID_HEXSZ + 1], new_hex[GIT_OID_HEXSZ + 1], ref[512];
		git_oid old_id, new_id, cid;
		git_revwalk *walk = NULL;

		if (sscanf(line, "%40s %40s %511s", old_hex, new_hex, ref) != 3 ||
		    git_oid_fromstr(&old_id, old_hex) < 0 || git_oid_fromstr(&new_id, new_hex) < 0) {
			diag_system_error(d, "pre-receive: unexpected input line from git");
			goto out;
		}
		if (git_oid_is_zero(&new_id))
			continue;  /* a deletion: nothing to check */
		if (git_revwalk_new(&walk, a->repo) < 0 || git_revwalk_push(walk, &new_id) < 0 ||
		    (!git_oid_is_zero(&old_id) && git_revwalk_hide(walk, &old_id) < 0)) {
			archive_report_git_error(d, "cannot walk the pushed commits");
			git_revwalk_free(walk);
			goto out;
		}
		/* Only what is new to this repository. */
		git_revwalk_hide_glob(walk, "refs/*");
		git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
		while (git_revwalk_next(&cid, walk) == 0) {
			struct gitcheck_list changes = { NULL, 0, 0 };
			git_commit *commit = NULL;
			git_tree *tree = NULL;
			int err;

			if (git_commit_lookup(&commit, a->repo, &cid) < 0 ||
			    commit_changes(a, commit, &tree, &changes, d) < 0) {
				git_commit_free(commit);
				git_revwalk_free(walk);
				goto out;
			}
			err = gitcheck_run(gc, tree, &changes);
			gitcheck_list_release(&changes);
			git_tree_free(tree);
			git_commit_free(commit);
			if (err) {
				git_revwalk_free(walk);
				goto out;
			}
		}
		git_revwalk_free(walk);
	}
	ret = 0;
out:
	gitcheck_free(gc);
	archive_free(a);
	return finish(d, ret, "pre-receive", "push rejected; fix the findings above in new "
		      "commits (git commit --amend or git rebase -i) and push again");
}

int cmd_hook(int argc, const char **argv)
{
	struct diag d;
	const char *why;
	time_t now;
	int nr_args, ret;

	memset(&opt, 0, sizeof(opt));
	nr_args = options_parse(argc, argv, hook_options, &hook_help);
	if (nr_args == OPTIONS_HELP)
		return EXIT_CLEAN;
	if (nr_args < 0)
		return EXIT_USAGE;
	if (nr_args != 1) {
		fprintf(stderr, "pr-publish hook: say which: install, pre-commit or pre-receive\n"
			"hint: see 'pr-publish hook -h'\n");
		return EXIT_USAGE;
	}
	ret = setup(&d);
	if (ret)
		return ret;
	if (clock_now(&now, &why) < 0) {
		diag_system_error(&d, "%s", why);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[0], "install"))
		return hook_install(&d);
	if (!strcmp(argv[0], "pre-commit"))
		return hook_pre_commit(&d, now);
	if (!strcmp(argv[0], "pre-receive"))
		return hook_pre_receive(&d, now);
	fprintf(stderr, "pr-publish hook: unknown hook '%s'\n"
		"hint: install, pre-commit or pre-receive\n", argv[0]);
	return EXIT_USAGE;
}
