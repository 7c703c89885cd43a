/*
 * model_strtab.h: the model's table of texts (reasons, marks), inside the
 * model only: each distinct text is kept once, in one arena, and named by
 * a small id (0 is ""), so a span holds 4 bytes, not a pointer and a copy.
 * Open addressing over the ids; texts are never removed.
 */
#ifndef SIMUL_MODEL_STRTAB_H
#define SIMUL_MODEL_STRTAB_H

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

/* The id of the n bytes at s (0 for ""), added when new. */
uint32_t strtab_intern(struct strtab *st, const char *s, size_t n);
/* The text of id ("" for an unknown one). */
const char *strtab_get(const struct strtab *st, uint32_t id);
void strtab_free(struct strtab *st);
/* FNV-1a of n bytes (the model's thread slots use it too). */
uint64_t strtab_hash(const char *s, size_t n);

#endif
