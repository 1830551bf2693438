/* cmd_publish.c - pr-publish publish, withdraw, log: the archive's commands. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive.h"
#include "cli.h"
#include "datetime.h"
#include "publish.h"
#include "util.h"

extern char **environ;

static struct {
	struct common_options common;
	const char *push;
	const char *out;
	const char *reason;
	const char *lang;
} opt;

const struct option publish_options[] = {
	COMMON_OPTIONS(&opt.common),
	OPT_STRING(0, "out", &opt.out, "DIR", "render the site into DIR (default: public/ in the archive)"),
	OPT_OPTARG("push", &opt.push, "REMOTE", "then push the branch and the site to REMOTE (origin)"),
	OPT_END(),
};

const struct command_help publish_help = {
	"publish",
	"[OPTIONS] DRAFT...",
	"check drafts, move them into releases/, render, and commit",
	"Checks each draft as 'pr-publish check' does, against the releases already\n"
	"published; then, all or nothing, commits them at releases/YYYY/<id>.<lang>.xml\n"
	"on the archive's branch (one commit, authored by git's user), renders the site\n"
	"into public/ and commits it on the branch 'site'.  A published release is\n"
	"replaced only by a version that records its correction (a newer\n"
	"<correction date=...>).  Publishers in one archive take turns; none is lost.",
};

const struct option withdraw_options[] = {
	OPT_STRING(0, "reason", &opt.reason, "TEXT", "why it is withdrawn (required; shown on its page)"),
	OPT_STRING(0, "lang", &opt.lang, "LANG", "withdraw one language version only"),
	OPT_STRING(0, "site", &opt.common.site, "FILE", "the site file (default: site.xml here or above)"),
	OPT_STRING(0, "out", &opt.out, "DIR", "render the site into DIR (default: public/ in the archive)"),
	OPT_FLAG('q', "quiet", &opt.common.quiet, "no summary line"),
	OPT_END(),
};

const struct command_help withdraw_help = {
	"withdraw",
	"--reason=TEXT [OPTIONS] ID",
	"take a release off the site; git keeps it",
	"Records <withdrawn date=... > with the reason in every language version of\n"
	"ID and commits it: the site keeps a short notice at the release's address,\n"
	"listings and feeds drop it, and git keeps every version.",
};

const struct option log_options[] = {
	OPT_STRING(0, "site", &opt.common.site, "FILE", "the site file (default: site.xml here or above)"),
	OPT_END(),
};

const struct command_help log_help = {
	"log",
	"ID",
	"show the history of a release",
	"Lists the commits that published, corrected or withdrew a language version\n"
	"of ID, newest first, with their author, date and message.",
};

struct setup {
	struct diag d;
	struct site *site;
	struct archive *a;
	char *root;
	struct publish_options po;
};

static int setup(struct setup *s, const char *cmd)
{
	const char *why;
	int ret;

	archive_init_early();
	memset(&s->po, 0, sizeof(s->po));
	s->site = NULL;
	s->a = NULL;
	s->root = NULL;
	ret = common_setup_diag(&opt.common, cmd, &s->d);
	if (ret)
		return ret;
	if (clock_now(&s->po.now, &why) < 0) {
		diag_system_error(&s->d, "%s", why);
		return EXIT_USAGE;
	}
	ret = common_load_site(&opt.common, &s->d, &s->site);
	if (ret)
		return ret;
	s->root = common_archive_root(s->site);
	if (archive_open(&s->a, s->root, ARCHIVE_OPEN_DISCOVER, &s->d))
		return EXIT_SYSTEM;
	s->po.werror = opt.common.werror;
	s->po.quiet = opt.common.quiet;
	s->po.out_dir = opt.out;
	s->po.exiting = 1;
	return 0;
}

static void teardown(struct setup *s, char *out_dir)
{
	free(out_dir);
	archive_free(s->a);
	free(s->root);
	site_free(s->site);
}

static char *default_out(const struct setup *s)
{
	if (opt.out)
		return xstrdup(opt.out);
	return strcmp(s->root, ".") ? xasprintf("%s/public", s->root) : xstrdup("public");
}

/* One git process for the push: it knows the user's credentials and runs
 * the central repository's hooks, which libgit2's local push would not. */
static int push(struct setup *s, const char *remote)
{
	char *branch = NULL, *spec_main = NULL;
	const char *argv[8];
	pid_t pid;
	int status;

	if (archive_branch(s->a, &branch, &s->d))
		return EXIT_SYSTEM;
	spec_main = xasprintf("%s:%s", branch, branch);
	argv[0] = "git";
	argv[1] = "-C";
	argv[2] = s->root;
	argv[3] = "push";
	argv[4] = remote;
	argv[5] = spec_main;
	argv[6] = "+" PUBLISH_SITE_BRANCH ":" PUBLISH_SITE_BRANCH;
	argv[7] = NULL;
	if (posix_spawnp(&pid, "git", NULL, NULL, (char *const *)argv, environ) != 0 ||
	    waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		diag_system_error(&s->d, "the publication is committed here, but the push to '%s' "
				  "failed; 'git pull --rebase' and then 'git push %s %s' and "
				  "'pr-publish publish --push' again", remote, remote, branch);
		free(spec_main);
		free(branch);
		return EXIT_SYSTEM;
	}
	free(spec_main);
	free(branch);
	return EXIT_CLEAN;
}

int cmd_publish(int argc, const char **argv)
{
	struct setup s;
	char *out = NULL;
	int nr_args, ret;

	memset(&opt, 0, sizeof(opt));
	nr_args = options_parse(argc, argv, publish_options, &publish_help);
	if (nr_args == OPTIONS_HELP)
		return EXIT_CLEAN;
	if (nr_args < 0)
		return EXIT_USAGE;
	if (nr_args == 0) {
		fprintf(stderr, "pr-publish publish: which drafts?\n"
			"hint: pr-publish publish drafts/2026-11-25-example.en.xml\n");
		return EXIT_USAGE;
	}
	ret = setup(&s, "publish");
	if (!ret) {
		out = default_out(&s);
		s.po.out_dir = out;
		ret = publish_drafts(s.a, s.site, s.root, argv, (size_t)nr_args, &s.po, &s.d);
	}
	if (!ret && opt.push)
		ret = push(&s, *opt.push ? opt.push : "origin");
	teardown(&s, out);
	return ret;
}

int cmd_withdraw(int argc, const char **argv)
{
	struct setup s;
	char *out = NULL;
	int nr_args, ret;

	memset(&opt, 0, sizeof(opt));
	nr_args = options_parse(argc, argv, withdraw_options, &withdraw_help);
	if (nr_args == OPTIONS_HELP)
		return EXIT_CLEAN;
	if (nr_args < 0)
		return EXIT_USAGE;
	if (nr_args != 1 || !opt.reason || !*opt.reason) {
		fprintf(stderr, "pr-publish withdraw: give one ID and --reason=TEXT\n"
			"hint: pr-publish withdraw --reason=\"published in error\" 2026-11-25-example\n");
		return EXIT_USAGE;
	}
	ret = setup(&s, "withdraw");
	if (!ret) {
		out = default_out(&s);
		s.po.out_dir = out;
		ret = publish_withdraw(s.a, s.site, s.root, argv[0], opt.lang, opt.reason, &s.po, &s.d);
	}
	teardown(&s, out);
	return ret;
}

int cmd_log(int argc, const char **argv)
{
	struct setup s;
	git_revwalk *walk = NULL;
	git_oid id;
	char *branch = NULL;
	int nr_args, ret, shown = 0;

	memset(&opt, 0, sizeof(opt));
	nr_args = options_parse(argc, argv, log_options, &log_help);
	if (nr_args == OPTIONS_HELP)
		return EXIT_CLEAN;
	if (nr_args < 0)
		return EXIT_USAGE;
	if (nr_args != 1 || strlen(argv[0]) < 11) {
		fprintf(stderr, "pr-publish log: give one release id\n"
			"hint: pr-publish log 2020-10-15-korea-conference\n");
		return EXIT_USAGE;
	}
	ret = setup(&s, "log");
	if (ret)
		goto out;
	ret = EXIT_SYSTEM;
	if (archive_branch(s.a, &branch, &s.d))
		goto out;
	if (git_revwalk_new(&walk, s.a->repo) < 0 || git_revwalk_push_ref(walk, branch) < 0) {
		archive_report_git_error(&s.d, "cannot read the history");
		goto out;
	}
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	while (git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL, *p = NULL;
		git_tree *t = NULL, *pt = NULL;
		struct strbuf langs = STRBUF_INIT;
		size_t i;

		if (git_commit_lookup(&c, s.a->repo, &id) < 0 || git_commit_tree(&t, c) < 0)
			break;
		if (git_commit_parentcount(c) > 0 && git_commit_parent(&p, c, 0) == 0)
			git_commit_tree(&pt, p);
		for (i = 0; i < s.site->nr_languages; i++) {
			char *path = xasprintf("releases/%.4s/%s.%s.xml", argv[0], argv[0],
					       s.site->languages[i].code);
			git_tree_entry *now = NULL, *before = NULL;
			int has_now = git_tree_entry_bypath(&now, t, path) == 0;
			int has_before = pt && git_tree_entry_bypath(&before, pt, path) == 0;

			if (has_now != has_before ||
			    (has_now && !git_oid_equal(git_tree_entry_id(now), git_tree_entry_id(before))))
				strbuf_addf(&langs, "%s%s", langs.len ? ", " : "", s.site->languages[i].code);
			git_tree_entry_free(now);
			git_tree_entry_free(before);
			free(path);
		}
		if (langs.len) {
			const git_signature *author = git_commit_author(c);
			char hex[GIT_OID_HEXSZ + 1];
			struct date when;
			const char *msg = git_commit_summary(c);

			date_from_time((time_t)author->when.time + author->when.offset * 60, &when);
			git_oid_tostr(hex, sizeof(hex), &id);
			printf("%.12s %04d-%02d-%02d %s <%s> [%s]\n    %s\n", hex, when.year, when.month,
			       when.day, author->name, author->email, langs.buf, msg ? msg : "");
			shown++;
		}
		strbuf_release(&langs);
		git_tree_free(pt);
		git_tree_free(t);
		git_commit_free(p);
		git_commit_free(c);
	}
	if (!shown) {
		fprintf(stderr, "pr-publish log: no release '%s' in the archive's history\n", argv[0]);
		ret = EXIT_FINDINGS;
	} else {
		ret = EXIT_CLEAN;
	}
out:
	git_revwalk_free(walk);
	free(branch);
	teardown(&s, NULL);
	return ret;
}
