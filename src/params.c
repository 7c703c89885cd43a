/*
 * params.c: parsing and formatting of demo parameters.
 */
#include "params.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "quote.h"

void params_init(struct params *p, const struct param_spec *spec, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->spec = spec;
	p->n = n > PARAMS_MAX ? PARAMS_MAX : n;
	int slot = 0;
	for (size_t i = 0; i < p->n; i++) {
		p->v[i] = spec[i].def;
		if (spec[i].type != PARAM_TEXT)
			continue;
		if (slot == PARAMS_TEXT_MAX) {
			/* A demo declaring more text parameters than there are
			 * slots is a bug in the demo: say so, never overflow. */
			fprintf(stderr, "simul: internal error: more than %d text parameters\n", PARAMS_TEXT_MAX);
			abort();
		}
		p->v[i] = slot;
		snprintf(p->text[slot++], PARAMS_TEXT_LEN, "%s", spec[i].def_text ? spec[i].def_text : "");
	}
}

int params_find(const struct params *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->spec[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void fmt_num(double v, char *buf, size_t n)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%g", v);
}

void params_allowed(const struct param_spec *s, char *buf, size_t n)
{
	char a[32], b[32];
	size_t used = 0;
	switch (s->type) {
	case PARAM_INT:
	case PARAM_FLOAT:
		fmt_num(s->min, a, sizeof(a));
		fmt_num(s->max, b, sizeof(b));
		snprintf(buf, n, "%s %s..%s%s%s", s->type == PARAM_INT ? "a whole number" : "a number", a, b,
		         s->unit ? " " : "", s->unit ? s->unit : "");
		break;
	case PARAM_BOOL:
		snprintf(buf, n, "on|off");
		break;
	case PARAM_TEXT:
		snprintf(buf, n, "%s", s->unit ? s->unit : "a text");
		break;
	case PARAM_ENUM:
		buf[0] = '\0';
		for (size_t i = 0; s->choices && s->choices[i]; i++) {
			int k = snprintf(buf + used, n - used, "%s%s", i ? "|" : "", s->choices[i]);
			if (k < 0 || (size_t)k >= n - used)
				break;
			used += (size_t)k;
		}
		break;
	}
}

static void names_list(const struct params *p, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	if (p->n == 0) {
		snprintf(buf, n, "(this demo has no parameters)");
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		int k = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", p->spec[i].name);
		if (k < 0 || (size_t)k >= n - used)
			break;
		used += (size_t)k;
	}
}

/* A text parameter: any printable text that fits (empty: none), then the
 * spec's own check. */
static int text_set(struct params *p, int i, const char *value, char *err, size_t errlen)
{
	const struct param_spec *s = &p->spec[i];
	char why[200];
	if (value == NULL)
		value = "";
	if (strlen(value) >= PARAMS_TEXT_LEN) {
		snprintf(err, errlen, "%s: too long; allowed: at most %d characters", s->name, PARAMS_TEXT_LEN - 1);
		return -1;
	}
	for (const char *c = value; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			snprintf(err, errlen, "%s: control characters are not allowed", s->name);
			return -1;
		}
	if (value[0] != '\0' && s->check != NULL && s->check(value, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: '%s': %s", s->name, value, why);
		return -1;
	}
	snprintf(p->text[(int)p->v[i]], PARAMS_TEXT_LEN, "%s", value);
	p->set[i] = 1;
	return 0;
}

int params_set(struct params *p, const char *name, const char *value, char *err, size_t errlen)
{
	char allowed[256], q[QUOTE_MAX];
	int i = params_find(p, name);
	if (i < 0) {
		names_list(p, allowed, sizeof(allowed));
		snprintf(err, errlen, "unknown parameter %s; allowed: %s", quote_arg(name, q, sizeof(q)), allowed);
		return -1;
	}
	const struct param_spec *s = &p->spec[i];
	params_allowed(s, allowed, sizeof(allowed));
	if (s->type == PARAM_TEXT)
		return text_set(p, i, value, err, errlen);
	if (value == NULL || value[0] == '\0') {
		snprintf(err, errlen, "%s: missing value; allowed: %s", name, allowed);
		return -1;
	}
	double v = 0;
	switch (s->type) {
	case PARAM_INT:
	case PARAM_FLOAT: {
		char *end;
		errno = 0;
		v = strtod(value, &end);
		if (errno != 0 || end == value || *end != '\0' || !isfinite(v) ||
		    (s->type == PARAM_INT && v != floor(v))) {
			snprintf(err, errlen, "%s: %s is not %s; allowed: %s", name, quote_arg(value, q, sizeof(q)),
			         s->type == PARAM_INT ? "a whole number" : "a number", allowed);
			return -1;
		}
		if (v < s->min || v > s->max) {
			snprintf(err, errlen, "%s: %s is out of range; allowed: %s", name, quote_arg(value, q, sizeof(q)),
			         allowed);
			return -1;
		}
		break;
	}
	case PARAM_BOOL:
		if (!strcasecmp(value, "on") || !strcasecmp(value, "true") || !strcasecmp(value, "yes") ||
		    !strcmp(value, "1"))
			v = 1;
		else if (!strcasecmp(value, "off") || !strcasecmp(value, "false") ||
		         !strcasecmp(value, "no") || !strcmp(value, "0"))
			v = 0;
		else {
			snprintf(err, errlen, "%s: %s is not on or off; allowed: %s", name, quote_arg(value, q, sizeof(q)),
			         allowed);
			return -1;
		}
		break;
	case PARAM_TEXT: /* text_set, above */
		break;
	case PARAM_ENUM: {
		int found = -1;
		for (int k = 0; s->choices && s->choices[k]; k++)
			if (strcmp(s->choices[k], value) == 0)
				found = k;
		if (found < 0) {
			snprintf(err, errlen, "%s: %s is not a choice; allowed: %s", name, quote_arg(value, q, sizeof(q)),
			         allowed);
			return -1;
		}
		v = found;
		break;
	}
	}
	p->v[i] = v;
	p->set[i] = 1;
	return 0;
}

int params_set_kv(struct params *p, const char *kv, char *err, size_t errlen)
{
	char name[128], q[QUOTE_MAX];
	const char *eq = strchr(kv, '=');
	if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(name)) {
		snprintf(err, errlen, "--set %s: expected KEY=VALUE", quote_arg(kv, q, sizeof(q)));
		return -1;
	}
	memcpy(name, kv, (size_t)(eq - kv));
	name[eq - kv] = '\0';
	return params_set(p, name, eq + 1, err, errlen);
}

static double lookup(const struct params *p, const char *name)
{
	int i = params_find(p, name);
	if (i < 0) {
		/* A demo asking for a parameter it did not declare is a bug in
		 * the demo; fail loudly in development, never read garbage. */
		fprintf(stderr, "simul: internal error: no parameter '%s'\n", name);
		abort();
	}
	return p->v[i];
}

double params_num(const struct params *p, const char *name)
{
	return lookup(p, name);
}

long params_int(const struct params *p, const char *name)
{
	return (long)lookup(p, name);
}

int params_bool(const struct params *p, const char *name)
{
	return lookup(p, name) != 0;
}

const char *params_enum(const struct params *p, const char *name)
{
	int i = params_find(p, name);
	int k = (int)lookup(p, name);
	return p->spec[i].choices[k];
}

const char *params_text(const struct params *p, const char *name)
{
	int i = params_find(p, name);
	int k = (int)lookup(p, name);
	if (p->spec[i].type != PARAM_TEXT || k < 0 || k >= PARAMS_TEXT_MAX) {
		fprintf(stderr, "simul: internal error: '%s' is not a text parameter\n", name);
		abort();
	}
	return p->text[k];
}

void params_format(const struct params *p, size_t i, char *buf, size_t n)
{
	if (i >= p->n) {
		snprintf(buf, n, "?");
		return;
	}
	const struct param_spec *s = &p->spec[i];
	switch (s->type) {
	case PARAM_INT:
	case PARAM_FLOAT:
		fmt_num(p->v[i], buf, n);
		break;
	case PARAM_BOOL:
		snprintf(buf, n, "%s", p->v[i] != 0 ? "on" : "off");
		break;
	case PARAM_ENUM:
		snprintf(buf, n, "%s", s->choices[(int)p->v[i]]);
		break;
	case PARAM_TEXT:
		snprintf(buf, n, "%s", p->text[(int)p->v[i]]);
		break;
	}
}
