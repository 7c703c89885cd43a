/*
 * params.h: a demo's parameters: their declarations, values, and parsing.
 *
 * A demo declares its parameters as a const table of param_spec. Values are
 * kept as numbers (a choice's index for enums, 0/1 for booleans). Parsing
 * never accepts a value outside the declared range; every error message is
 * one line naming the problem and what is allowed.
 *
 * A text parameter (PARAM_TEXT: an address, a name) keeps its value in one
 * of a few fixed slots of struct params, checked by its spec's `check`
 * when it has one; the empty text is allowed and means "none".
 */
#ifndef SIMUL_PARAMS_H
#define SIMUL_PARAMS_H

#include <stddef.h>

enum param_type { PARAM_INT, PARAM_FLOAT, PARAM_BOOL, PARAM_ENUM, PARAM_TEXT };

struct param_spec {
	const char *name;
	enum param_type type;
	double def;                 /* default (enum: index into choices) */
	double min, max;            /* inclusive range for INT and FLOAT */
	const char *const *choices; /* ENUM: NULL-terminated */
	const char *unit;           /* "ms", "threads", ... or NULL */
	const char *help;           /* one short line */
	/* TEXT: 0 when value is allowed, else -1 with a one-line reason in
	 * err (said after the parameter's name); NULL: any text. The default
	 * is def_text ("" when NULL). */
	int (*check)(const char *value, char *err, size_t errlen);
	const char *def_text;
};

#define PARAMS_MAX 32
/* Text parameters a demo may have, and the longest value kept. */
#define PARAMS_TEXT_MAX 4
#define PARAMS_TEXT_LEN 256

struct params {
	const struct param_spec *spec;
	size_t n;
	double v[PARAMS_MAX];          /* TEXT: the index of its slot in text */
	unsigned char set[PARAMS_MAX]; /* given by the user */
	char text[PARAMS_TEXT_MAX][PARAMS_TEXT_LEN];
};

void params_init(struct params *p, const struct param_spec *spec, size_t n);
/* Index of the parameter called name, or -1. */
int params_find(const struct params *p, const char *name);
/* Set one parameter from text. Returns 0, or -1 with a one-line message
 * (no trailing newline) in err. */
int params_set(struct params *p, const char *name, const char *value, char *err, size_t errlen);
/* Same for "KEY=VALUE". */
int params_set_kv(struct params *p, const char *kv, char *err, size_t errlen);

double params_num(const struct params *p, const char *name);
long params_int(const struct params *p, const char *name);
int params_bool(const struct params *p, const char *name);
/* The chosen word of an enum parameter. */
const char *params_enum(const struct params *p, const char *name);
/* The value of a text parameter ("" when none). */
const char *params_text(const struct params *p, const char *name);

/* The value of parameter i as text ("200", "on", "net", "0.5"). */
void params_format(const struct params *p, size_t i, char *buf, size_t n);
/* What is allowed for parameter i ("0..10000 ms", "on|off", "net|sleep",
 * "a text", or the text's unit: "a URL"). */
void params_allowed(const struct param_spec *s, char *buf, size_t n);

#endif
