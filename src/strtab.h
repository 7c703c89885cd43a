/*
 * strtab.h: the model's string table: each distinct text stored once, named
 * by a 32-bit id (0 is ""), found again by hash. UI thread only, like the
 * model. Internal memory comes from xalloc (it succeeds or ends the process).
 */
#ifndef SIMUL_STRTAB_H
#define SIMUL_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct strtab {
	char *arena;
	size_t len, cap;
	uint32_t *off;   /* id -> offset */
	size_t n, ncap;
	uint32_t *index; /* open addressing: id + 1, 0 empty */
	size_t icap;
};

/* FNV-1a of the n bytes at s (the table's hash; the model uses it too). */
uint64_t strtab_hash(const char *s, size_t n);
/* The id of the n bytes at s, stored on first sight (0 for ""). */
uint32_t strtab_intern(struct strtab *st, const char *s, size_t n);
/* The text of id, or "" for an unknown id. */
const char *strtab_get(const struct strtab *st, uint32_t id);
void strtab_free(struct strtab *st);

#endif
