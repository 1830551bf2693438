/* options.c - table-driven option parsing and help; see options.h. */
#include "options.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"

/* "pr-publish CMD: PROBLEM 'OPTION'" and hints. */
static void usage_error(const struct command_help *help, const char *problem, const char *what,
			const char *hint)
{
	struct strbuf esc = STRBUF_INIT;

	diag_escape(&esc, what, strlen(what));
	fprintf(stderr, "pr-publish %s: %s '%s'\n", help->name, problem, esc.buf ? esc.buf : "");
	if (hint)
		fprintf(stderr, "hint: did you mean '--%s'?\n", hint);
	fprintf(stderr, "hint: see 'pr-publish %s -h' for the options\n", help->name);
	strbuf_release(&esc);
}

static int take(const struct option *o, const char *arg)
{
	if (o->type == OPTION_FLAG) {
		*(int *)o->value = 1;
	} else if (o->type == OPTION_STRING) {
		*(const char **)o->value = arg;
	} else if (o->type == OPTION_LIST) {
		struct option_list *l = o->value;
		ALLOC_GROW(l->items, l->nr + 1, l->alloc);
		l->items[l->nr++] = arg;
	}
	return 0;
}

static const char *nearest_long(const struct option *opts, const char *name, size_t len)
{
	const char *best = NULL;
	size_t best_dist = 3;
	char *probe = xstrndup(name, len);

	for (; opts->type != OPTION_END; opts++) {
		size_t dist;
		if (!opts->long_name)
			continue;
		dist = edit_distance(probe, opts->long_name);
		if (dist < best_dist) {
			best_dist = dist;
			best = opts->long_name;
		}
	}
	free(probe);
	return best;
}

int options_parse(int argc, const char **argv, const struct option *opts,
		  const struct command_help *help)
{
	int i, nr_args = 0, only_args = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option *o;

		if (only_args || a[0] != '-' || !a[1]) {
			argv[nr_args++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			options_usage(stdout, opts, help);
			return OPTIONS_HELP;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			for (o = opts; o->type != OPTION_END; o++)
				if (o->long_name && strlen(o->long_name) == len &&
				    !strncmp(o->long_name, name, len))
					break;
			if (o->type == OPTION_END) {
				usage_error(help, "unknown option", a, nearest_long(opts, name, len));
				return OPTIONS_ERROR;
			}
			if (o->type == OPTION_OPTARG) {
				*(const char **)o->value = eq ? eq + 1 : "";
				continue;
			}
			if (o->type == OPTION_FLAG) {
				if (eq) {
					usage_error(help, "no value may follow", a, NULL);
					return OPTIONS_ERROR;
				}
				take(o, NULL);
			} else if (eq) {
				take(o, eq + 1);
			} else if (i + 1 < argc) {
				take(o, argv[++i]);
			} else {
				usage_error(help, "a value is needed after", a, NULL);
				return OPTIONS_ERROR;
			}
			continue;
		}
		/* A short option, maybe with its value attached: -sFILE. */
		for (o = opts; o->type != OPTION_END; o++)
			if (o->short_name && o->short_name == a[1])
				break;
		if (o->type == OPTION_END) {
			usage_error(help, "unknown option", a, NULL);
			return OPTIONS_ERROR;
		}
		if (o->type == OPTION_FLAG) {
			if (a[2]) {
				usage_error(help, "flags are given one at a time; no value may follow", a,
					    NULL);
				return OPTIONS_ERROR;
			}
			take(o, NULL);
		} else if (a[2]) {
			take(o, a + 2);
		} else if (i + 1 < argc) {
			take(o, argv[++i]);
		} else {
			usage_error(help, "a value is needed after", a, NULL);
			return OPTIONS_ERROR;
		}
	}
	return nr_args;
}

void options_usage(FILE *out, const struct option *opts, const struct command_help *help)
{
	fprintf(out, "usage: pr-publish %s %s\n\n", help->name, help->synopsis);
	if (help->description)
		fprintf(out, "%s\n\n", help->description);
	fprintf(out, "options:\n");
	for (; opts->type != OPTION_END; opts++) {
		struct strbuf left = STRBUF_INIT;

		strbuf_addstr(&left, "  ");
		if (opts->short_name)
			strbuf_addf(&left, "-%c%s", opts->short_name, opts->long_name ? ", " : "");
		else
			strbuf_addstr(&left, "    ");
		if (opts->long_name)
			strbuf_addf(&left, "--%s", opts->long_name);
		if (opts->argh && opts->type == OPTION_OPTARG)
			strbuf_addf(&left, "[=%s]", opts->argh);
		else if (opts->argh)
			strbuf_addf(&left, opts->long_name ? "=%s" : " %s", opts->argh);
		if (left.len < 28)
			fprintf(out, "%-28s%s\n", left.buf, opts->help);
		else
			fprintf(out, "%s\n%28s%s\n", left.buf, "", opts->help);
		strbuf_release(&left);
	}
	fprintf(out, "  -h, --help                show this help\n");
}

void option_list_release(struct option_list *list)
{
	free(list->items);
	list->items = NULL;
	list->nr = list->alloc = 0;
}
