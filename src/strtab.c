/*
 * strtab.c: the model's string table (strtab.h).
 */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"


uint64_t strtab_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static void strtab_grow_index(struct strtab *st)
{
	size_t icap = st->icap ? st->icap * 2 : 256;
	uint32_t *idx = xcalloc(icap, sizeof(*idx));
	for (size_t id = 0; id < st->n; id++) {
		const char *s = st->arena + st->off[id];
		size_t h = strtab_hash(s, strlen(s)) & (icap - 1);
		while (idx[h])
			h = (h + 1) & (icap - 1);
		idx[h] = (uint32_t)id + 1;
	}
	free(st->index);
	st->index = idx;
	st->icap = icap;
}

/* Returns the id of s (0 is ""). */
uint32_t strtab_intern(struct strtab *st, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (st->n == 0) {
		/* Id 0 is "": store it first so that no text is given id 0. */
		st->arena = xmalloc(4096);
		st->off = xmalloc(256 * sizeof(*st->off));
		st->cap = 4096;
		st->ncap = 256;
		st->arena[0] = '\0';
		st->off[0] = 0;
		st->len = 1;
		st->n = 1;
	}
	if ((st->n + 1) * 2 > st->icap)
		strtab_grow_index(st);
	size_t h = strtab_hash(s, n) & (st->icap - 1);
	while (st->index[h]) {
		uint32_t id = st->index[h] - 1;
		const char *t = st->arena + st->off[id];
		if (strncmp(t, s, n) == 0 && t[n] == '\0')
			return id;
		h = (h + 1) & (st->icap - 1);
	}
	if (st->len + n + 1 > st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 4096;
		while (cap < st->len + n + 1)
			cap *= 2;
		st->arena = xrealloc(st->arena, cap);
		st->cap = cap;
	}
	if (st->n == st->ncap) {
		size_t cap = st->ncap ? st->ncap * 2 : 256;
		st->off = xreallocarray(st->off, cap, sizeof(*st->off));
		st->ncap = cap;
	}
	memcpy(st->arena + st->len, s, n);
	st->arena[st->len + n] = '\0';
	st->off[st->n] = (uint32_t)st->len;
	st->len += n + 1;
	uint32_t id = (uint32_t)st->n++;
	st->index[h] = id + 1;
	return id;
}

const char *strtab_get(const struct strtab *st, uint32_t id)
{
	return id < st->n ? st->arena + st->off[id] : "";
}

void strtab_free(struct strtab *st)
{
	free(st->arena);
	free(st->off);
	free(st->index);
}
