/*
 * state.c: names, labels and glyphs of the states declared in state.h.
 */
#include "state.h"

#include <string.h>

static const char *const names[] = {
#define X(id, name, label, glyph, ascii, help) name,
	SIMUL_STATES(X)
#undef X
};

static const char *const labels[] = {
#define X(id, name, label, glyph, ascii, help) label,
	SIMUL_STATES(X)
#undef X
};

static const char *const glyphs[] = {
#define X(id, name, label, glyph, ascii, help) glyph,
	SIMUL_STATES(X)
#undef X
};

static const char *const ascii_glyphs[] = {
#define X(id, name, label, glyph, ascii, help) (const char[]){ascii, 0},
	SIMUL_STATES(X)
#undef X
};

static const char *const helps[] = {
#define X(id, name, label, glyph, ascii, help) help,
	SIMUL_STATES(X)
#undef X
};

static const char *const kind_names[] = {
#define X(id, name) name,
	SIMUL_KINDS(X)
#undef X
};

const char *state_name(enum state s)
{
	return (unsigned)s < STATE_COUNT ? names[s] : "?";
}

const char *state_label(enum state s)
{
	return (unsigned)s < STATE_COUNT ? labels[s] : "?";
}

const char *state_glyph(enum state s, int ascii)
{
	if ((unsigned)s >= STATE_COUNT)
		return "?";
	return ascii ? ascii_glyphs[s] : glyphs[s];
}

const char *state_help(enum state s)
{
	return (unsigned)s < STATE_COUNT ? helps[s] : "?";
}

int state_from_name(const char *name)
{
	for (int i = 0; i < STATE_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *kind_name(enum task_kind k)
{
	return (unsigned)k < KIND_COUNT ? kind_names[k] : "?";
}

static const struct {
	const char *name, *label, *glyph, *ascii, *help;
} ends[] = {
#define X(id, name, label, glyph, ascii, help) {name, label, glyph, (const char[]){ascii, 0}, help},
	SIMUL_ENDS(X)
#undef X
};

const char *end_name(enum task_end e)
{
	return (unsigned)e < TASK_END_COUNT ? ends[e].name : "?";
}

const char *end_label(enum task_end e)
{
	return (unsigned)e < TASK_END_COUNT ? ends[e].label : "?";
}

const char *end_glyph(enum task_end e, int ascii)
{
	if ((unsigned)e >= TASK_END_COUNT)
		return "?";
	return ascii ? ends[e].ascii : ends[e].glyph;
}

const char *end_help(enum task_end e)
{
	return (unsigned)e < TASK_END_COUNT ? ends[e].help : "?";
}

int end_from_name(const char *name)
{
	for (int i = 0; i < TASK_END_COUNT; i++)
		if (strcmp(ends[i].name, name) == 0)
			return i;
	return -1;
}
