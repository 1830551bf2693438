/* fragments.c - pieces of pages made once in a build; see fragments.h. */
#include "fragments.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A piece, its holes, its key and its bytes, in one allocation. */
struct piece {
	struct html_fragment f;
	uint64_t hash;
	const char *key;
	size_t holes[];
};

struct fragments {
	pthread_mutex_t lock;
	struct piece **slots;   /* open addressing, linear probing */
	size_t nr_slots;        /* 0, or a power of two */
	size_t nr, bytes;
};

struct fragments *fragments_new(void)
{
	struct fragments *t = xcalloc(1, sizeof(*t));
	pthread_mutexattr_t attr;

	/* Held for a lookup, some 100,000 a build on two threads: a wait
	 * spins a little before it sleeps (a sleep and a wake-up cost more
	 * than the lookup). */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(&t->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	return t;
}

void fragments_clear(struct fragments *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nr_slots; i++)
		free(t->slots[i]);
	free(t->slots);
	t->slots = NULL;
	t->nr_slots = t->nr = t->bytes = 0;
}

void fragments_free(struct fragments *t)
{
	if (!t)
		return;
	fragments_clear(t);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* The slot of key, or the free one where it would go (t has slots). */
static struct piece **find(const struct fragments *t, const char *key, uint64_t hash)
{
	size_t mask = t->nr_slots - 1, i;

	for (i = (size_t)hash & mask;; i = (i + 1) & mask) {
		struct piece *p = t->slots[i];

		if (!p || (p->hash == hash && !strcmp(p->key, key)))
			return &t->slots[i];
	}
}

static void grow(struct fragments *t)
{
	struct piece **old = t->slots;
	size_t nr_old = t->nr_slots, i;

	t->nr_slots = nr_old ? nr_old * 2 : 1024;
	t->slots = xcalloc(t->nr_slots, sizeof(*t->slots));
	for (i = 0; i < nr_old; i++)
		if (old[i])
			*find(t, old[i]->key, old[i]->hash) = old[i];
	free(old);
}

const struct html_fragment *fragments_get(struct fragments *t, const char *key)
{
	uint64_t hash = hash_bytes(key, strlen(key));
	const struct piece *p = NULL;

	pthread_mutex_lock(&t->lock);
	if (t->nr_slots)
		p = *find(t, key, hash);
	pthread_mutex_unlock(&t->lock);
	return p ? &p->f : NULL;
}

const struct html_fragment *fragments_add(struct fragments *t, const char *key,
					  const char *bytes, size_t len,
					  const size_t *holes, size_t nr_holes)
{
	size_t key_len = strlen(key);
	uint64_t hash = hash_bytes(key, key_len);
	/* len and nr_holes are of a piece of one page: no overflow. */
	struct piece *p = xmalloc(sizeof(*p) + nr_holes * sizeof(*holes) + key_len + 1 + len + 1),
		     **slot;
	char *key_copy = (char *)(p->holes + nr_holes), *copy = key_copy + key_len + 1;

	if (nr_holes)
		memcpy(p->holes, holes, nr_holes * sizeof(*holes));
	memcpy(key_copy, key, key_len + 1);
	memcpy(copy, bytes, len);
	copy[len] = '\0';
	p->key = key_copy;
	p->hash = hash;
	p->f.magic = HTML_FRAGMENT_MAGIC;
	p->f.len = len;
	p->f.bytes = copy;
	p->f.nr_holes = nr_holes;
	p->f.holes = p->holes;

	pthread_mutex_lock(&t->lock);
	if (2 * (t->nr + 1) > t->nr_slots)
		grow(t);
	slot = find(t, key, hash);
	if (*slot) {
		free(p);
		p = *slot;
	} else {
		*slot = p;
		t->nr++;
		t->bytes += len;
	}
	pthread_mutex_unlock(&t->lock);
	return &p->f;
}

size_t fragments_count(struct fragments *t, size_t *bytes)
{
	size_t nr;

	pthread_mutex_lock(&t->lock);
	nr = t->nr;
	if (bytes)
		*bytes = t->bytes;
	pthread_mutex_unlock(&t->lock);
	return nr;
}
