/* cmd_new.c - pr-publish new: a valid draft to start from. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "datetime.h"
#include "utf8.h"
#include "util.h"
#include "xmlutil.h"

/* The schema allows 80; room is left for a "-2" when the name is taken. */
#define ID_MAX 76

static struct {
	struct common_options common;
	const char *lang;
	struct option_list sources, fields, places;
} opt;

const struct option new_options[] = {
	OPT_STRING(0, "lang", &opt.lang, "LANG", "the draft's language (default: the site's first)"),
	OPT_LIST(0, "source", &opt.sources, "KEY", "the office that issues it (repeatable)"),
	OPT_LIST(0, "field", &opt.fields, "KEY", "a field of work (repeatable)"),
	OPT_LIST(0, "place", &opt.places, "NAME", "a dateline place (repeatable; default Vienna)"),
	OPT_STRING(0, "site", &opt.common.site, "FILE", "the site file (default: site.xml here or above)"),
	OPT_END(),
};

const struct command_help new_help = {
	"new",
	"[OPTIONS] [HEADLINE...]",
	"write a new draft release and print its path",
	"Writes drafts/<id>.<lang>.xml next to the site file: a release that\n"
	"validates, dated today, with an id made from the date and the headline,\n"
	"ready to be filled in.  Sources and fields of work are taxonomy keys.",
};

/* Latin letters with diacritics and Cyrillic, as ASCII for ids. */
static const char *ascii_for(uint32_t cp)
{
	static const struct {
		uint32_t from, to;
		const char *ascii;
	} table[] = {
		{ 0xc0, 0xc5, "a" }, { 0xc6, 0xc6, "ae" }, { 0xc7, 0xc7, "c" }, { 0xc8, 0xcb, "e" },
		{ 0xcc, 0xcf, "i" }, { 0xd0, 0xd0, "d" }, { 0xd1, 0xd1, "n" }, { 0xd2, 0xd6, "o" },
		{ 0xd8, 0xd8, "o" }, { 0xd9, 0xdc, "u" }, { 0xdd, 0xdd, "y" }, { 0xdf, 0xdf, "ss" },
		{ 0xe0, 0xe5, "a" }, { 0xe6, 0xe6, "ae" }, { 0xe7, 0xe7, "c" }, { 0xe8, 0xeb, "e" },
		{ 0xec, 0xef, "i" }, { 0xf0, 0xf0, "d" }, { 0xf1, 0xf1, "n" }, { 0xf2, 0xf6, "o" },
		{ 0xf8, 0xf8, "o" }, { 0xf9, 0xfc, "u" }, { 0xfd, 0xff, "y" },
		{ 0x100, 0x105, "a" }, { 0x106, 0x10d, "c" }, { 0x10e, 0x111, "d" },
		{ 0x112, 0x11b, "e" }, { 0x11c, 0x123, "g" }, { 0x124, 0x127, "h" },
		{ 0x128, 0x131, "i" }, { 0x134, 0x135, "j" }, { 0x136, 0x137, "k" },
		{ 0x139, 0x142, "l" }, { 0x143, 0x148, "n" }, { 0x14c, 0x151, "o" },
		{ 0x152, 0x153, "oe" }, { 0x154, 0x159, "r" }, { 0x15a, 0x161, "s" },
		{ 0x162, 0x167, "t" }, { 0x168, 0x173, "u" }, { 0x174, 0x175, "w" },
		{ 0x176, 0x178, "y" }, { 0x179, 0x17e, "z" }, { 0x218, 0x219, "s" },
		{ 0x21a, 0x21b, "t" },
	};
	static const char *const cyrillic[32] = {
		"a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
		"r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
	};
	size_t i;

	if (cp >= 0x410 && cp <= 0x42f)
		return cyrillic[cp - 0x410];
	if (cp >= 0x430 && cp <= 0x44f)
		return cyrillic[cp - 0x430];
	if (cp == 0x401 || cp == 0x451)
		return "e";
	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (cp >= table[i].from && cp <= table[i].to)
			return table[i].ascii;
	return NULL;
}

/* "2026-11-25" + "OSCE and Korea: a conference" -> 2026-11-25-osce-and-korea-a-conference */
static char *make_id(const char *date, const char *headline)
{
	struct strbuf id = STRBUF_INIT;
	size_t i = 0, len = strlen(headline), last_word_end;
	int pending_dash = 0;

	strbuf_addstr(&id, date);
	last_word_end = id.len;
	while (i < len && id.len < ID_MAX) {
		uint32_t cp;
		size_t n = utf8_decode(headline + i, len - i, &cp);
		const char *a = NULL;
		char one[2] = { 0, 0 };

		if (!n) {
			i++;
			continue;
		}
		i += n;
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
			one[0] = (char)cp;
			a = one;
		} else if (cp >= 'A' && cp <= 'Z') {
			one[0] = (char)(cp - 'A' + 'a');
			a = one;
		} else if (cp == '\'' || cp == 0x2019) {
			continue;  /* OSCE's -> osces */
		} else {
			a = ascii_for(cp);
		}
		if (!a) {
			pending_dash = 1;
			continue;
		}
		if (!*a)
			continue;
		if (pending_dash || id.len == strlen(date)) {
			last_word_end = id.len;
			if (id.len + 1 + strlen(a) > ID_MAX)
				break;
			strbuf_addch(&id, '-');
			pending_dash = 0;
		}
		if (id.len + strlen(a) > ID_MAX)
			break;
		strbuf_addstr(&id, a);
	}
	/* Cut at a word boundary when the headline was longer than an id. */
	if (i < len && id.len >= ID_MAX - 8 && last_word_end > strlen(date))
		id.len = last_word_end, id.buf[id.len] = '\0';
	if (id.len == strlen(date))
		strbuf_addstr(&id, "-release");
	return strbuf_detach(&id);
}

static void write_skeleton(struct strbuf *xml, const char *id, const char *lang,
			   const char *date, const char *headline)
{
	size_t k;

	strbuf_reset(xml);
	strbuf_addf(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<release id=\"%s\" xml:lang=\"%s\">\n  <headline>", id, lang);
	xml_escape_text(xml, *headline ? headline : "Headline");
	strbuf_addf(xml, "</headline>\n  <dateline>\n    <date>%s</date>\n", date);
	if (!opt.places.nr)
		strbuf_addstr(xml, "    <place>Vienna</place>\n");
	for (k = 0; k < opt.places.nr; k++) {
		strbuf_addstr(xml, "    <place>");
		xml_escape_text(xml, opt.places.items[k]);
		strbuf_addstr(xml, "</place>\n");
	}
	strbuf_addstr(xml, "  </dateline>\n  <sources>\n");
	if (!opt.sources.nr)
		strbuf_addstr(xml, "    <source ref=\"secretariat\"/>\n");
	for (k = 0; k < opt.sources.nr; k++)
		strbuf_addf(xml, "    <source ref=\"%s\"/>\n", opt.sources.items[k]);
	strbuf_addstr(xml, "  </sources>\n");
	if (opt.fields.nr) {
		strbuf_addstr(xml, "  <fields>\n");
		for (k = 0; k < opt.fields.nr; k++)
			strbuf_addf(xml, "    <field ref=\"%s\"/>\n", opt.fields.items[k]);
		strbuf_addstr(xml, "  </fields>\n");
	}
	strbuf_addstr(xml, "  <body>\n    <p>Who did what, where and when: the news in one "
		      "paragraph.</p>\n  </body>\n</release>\n");
}

static int check_keys(const struct site *site, enum taxonomy t, const struct option_list *keys,
		      const char *option)
{
	size_t i;

	for (i = 0; i < keys->nr; i++) {
		const struct site_term *hint;
		if (site_term(site, t, keys->items[i]))
			continue;
		fprintf(stderr, "pr-publish new: unknown %s '%s' for --%s\n", taxonomy_name(t),
			keys->items[i], option);
		hint = site_term_suggest(site, t, keys->items[i]);
		if (hint)
			fprintf(stderr, "hint: did you mean '%s'?\n", hint->key);
		else
			fprintf(stderr, "hint: the keys are in %s\n", site->path);
		return -1;
	}
	return 0;
}

int cmd_new(int argc, const char **argv)
{
	struct strbuf headline = STRBUF_INIT, xml = STRBUF_INIT;
	struct site *site = NULL;
	struct diag d;
	struct date today;
	char date[16], *root = NULL, *dir = NULL, *id = NULL, *path = NULL;
	const char *why, *lang;
	time_t now;
	int nr_args, i, fd = -1, ret;
	size_t k;

	memset(&opt, 0, sizeof(opt));
	nr_args = options_parse(argc, argv, new_options, &new_help);
	if (nr_args == OPTIONS_HELP)
		return EXIT_CLEAN;
	if (nr_args < 0)
		return EXIT_USAGE;
	ret = common_setup_diag(&opt.common, "new", &d);
	if (ret)
		goto out;
	if (clock_now(&now, &why) < 0) {
		diag_system_error(&d, "%s", why);
		ret = EXIT_USAGE;
		goto out;
	}
	ret = common_load_site(&opt.common, &d, &site);
	if (ret)
		goto out;
	lang = opt.lang ? opt.lang : site->languages[0].code;
	ret = EXIT_USAGE;
	if (!site_language(site, lang)) {
		fprintf(stderr, "pr-publish new: '%s' is not one of the site's languages\n", lang);
		goto out;
	}
	if (check_keys(site, TAXONOMY_SOURCES, &opt.sources, "source") ||
	    check_keys(site, TAXONOMY_FIELDS, &opt.fields, "field"))
		goto out;
	for (i = 0; i < nr_args; i++) {
		if (i)
			strbuf_addch(&headline, ' ');
		strbuf_addstr(&headline, argv[i]);
	}
	if (headline.len && utf8_validate(headline.buf, headline.len) != headline.len) {
		fprintf(stderr, "pr-publish new: the headline is not valid UTF-8\n");
		goto out;
	}
	for (k = 0; k < headline.len; k++)
		if ((unsigned char)headline.buf[k] < 0x20) {
			fprintf(stderr, "pr-publish new: the headline has a control character\n");
			goto out;
		}

	date_from_time(now, &today);
	snprintf(date, sizeof(date), "%04d-%02d-%02d", today.year, today.month, today.day);
	id = make_id(date, headline.len ? headline.buf : "");

	root = common_archive_root(site);
	dir = strcmp(root, ".") ? xasprintf("%s/drafts", root) : xstrdup("drafts");
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		diag_system_error(&d, "cannot create '%s': %s", dir, strerror(errno));
		ret = EXIT_SYSTEM;
		goto out;
	}
	/* Never overwrite: an officer may write two drafts with one headline. */
	for (i = 1; i < 100; i++) {
		char *candidate = i == 1 ? xstrdup(id) : xasprintf("%s-%d", id, i);

		free(path);
		path = xasprintf("%s/%s.%s.xml", dir, candidate, lang);
		write_skeleton(&xml, candidate, lang, date, headline.len ? headline.buf : "");
		free(candidate);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0 || write(fd, xml.buf, xml.len) != (ssize_t)xml.len || close(fd) < 0) {
		diag_system_error(&d, "cannot write '%s': %s", path, strerror(errno));
		if (fd >= 0)
			unlink(path);
		ret = EXIT_SYSTEM;
		goto out;
	}
	printf("%s\n", path);
	ret = EXIT_CLEAN;
out:
	free(path);
	free(dir);
	free(root);
	free(id);
	strbuf_release(&headline);
	strbuf_release(&xml);
	option_list_release(&opt.sources);
	option_list_release(&opt.fields);
	option_list_release(&opt.places);
	site_free(site);
	return ret;
}
