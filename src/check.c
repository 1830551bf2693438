/* check.c - validation and spelling together; see check.h. */
#include "check.h"

#include <stdlib.h>

#include "spell.h"
#include "util.h"
#include "validate.h"
#include "xmldoc.h"

struct checker {
	const struct site *site;
	struct diag *d;
	time_t now;
	struct validator *v;
	struct speller *sp;
};

struct checker *checker_new(const struct site *site, const char *dict_root, struct diag *d,
			    time_t now, unsigned flags)
{
	struct checker *c = xcalloc(1, sizeof(*c));

	c->site = site;
	c->d = d;
	c->now = now;
	c->v = validator_new(site, d, now);
	if (flags & CHECK_SPELLING)
		c->sp = speller_new(site, dict_root, d);
	return c;
}

void checker_free(struct checker *c)
{
	if (!c)
		return;
	validator_free(c->v);
	speller_free(c->sp);
	free(c);
}

void checker_leave_to_exit(struct checker *c)
{
	if (c->sp)
		speller_leave_to_exit(c->sp);
}

void checker_preload(struct checker *c, const char *lang)
{
	if (c->sp)
		speller_preload(c->sp, lang);
}

void checker_preload_file(struct checker *c, const char *path)
{
	if (c->sp)
		speller_preload_file(c->sp, path);
}

void checker_set_verdicts(struct checker *c, const char *dir)
{
	if (c->sp)
		speller_set_verdicts(c->sp, dir);
}

int checker_known(struct checker *c, const struct release *rel)
{
	return c->sp ? speller_known(c->sp, rel) : 1;
}

int checker_check(struct checker *c, const struct release *rel)
{
	checker_validate(c, rel);
	return checker_spell(c, rel);
}

void checker_validate(struct checker *c, const struct release *rel)
{
	validator_check_release(c->v, rel);
}

int checker_spell(struct checker *c, const struct release *rel)
{
	if (c->sp && spell_check_release(c->sp, rel) == SPELL_SYSTEM)
		return XMLDOC_SYSTEM;
	return 0;
}

void checker_context(struct checker *c, const struct release *rel)
{
	validator_add_context(c->v, rel);
}

void checker_finish(struct checker *c)
{
	validator_finish(c->v);
	validator_free(c->v);
	c->v = validator_new(c->site, c->d, c->now);
}
