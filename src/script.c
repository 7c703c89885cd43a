/*
 * script.c: the --script parser (format in script.h). Hostile input is
 * expected (tests/fuzz_script.c): lengths are bounded and every token is
 * checked.
 */
#include "script.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pace.h"
#include "quote.h"

#define SCRIPT_MAX_ACTIONS 100000
#define SCRIPT_MAX_FILE (1u << 24)
#define SCRIPT_MAX_WAIT_S 3600.0

static const struct {
	const char *name;
	int key;
} key_names[] = {
	{"space", ' '},       {"enter", '\n'},       {"tab", '\t'},         {"esc", SCRIPT_KEY_ESC},
	{"up", SCRIPT_KEY_UP}, {"down", SCRIPT_KEY_DOWN}, {"left", SCRIPT_KEY_LEFT},
	{"right", SCRIPT_KEY_RIGHT}, {"home", SCRIPT_KEY_HOME}, {"end", SCRIPT_KEY_END},
	{"pgup", SCRIPT_KEY_PPAGE}, {"pgdn", SCRIPT_KEY_NPAGE}, {"backspace", SCRIPT_KEY_BACKSPACE},
	{"hash", '#'},
};

#define KEYS_ALLOWED \
	"one printable character, space, enter, tab, esc, up, down, left, right, home, end, " \
	"pgup, pgdn, backspace, hash, F1..F12, ctrl-a..ctrl-z"

const char *script_key_name(int key, char *buf, size_t n)
{
	if (key == '\r' || key == SCRIPT_KEY_ENTER) { /* Enter as a terminal sends it, or the keypad's */
		snprintf(buf, n, "enter");
		return buf;
	}
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (key_names[i].key == key) {
			snprintf(buf, n, "%s", key_names[i].name);
			return buf;
		}
	if (key > SCRIPT_KEY_F0 && key <= SCRIPT_KEY_F0 + SCRIPT_KEY_NFUNC)
		snprintf(buf, n, "F%d", key - SCRIPT_KEY_F0);
	else if (key >= 1 && key <= 26)
		snprintf(buf, n, "ctrl-%c", 'a' + key - 1);
	else if (key > ' ' && key < 127)
		snprintf(buf, n, "%c", key);
	else
		snprintf(buf, n, "key %d", key);
	return buf;
}

static int parse_key(const char *w, int *key)
{
	size_t n = strlen(w);
	if (n == 1 && w[0] > ' ' && w[0] < 127) {
		*key = (unsigned char)w[0];
		return 0;
	}
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (strcasecmp(w, key_names[i].name) == 0) {
			*key = key_names[i].key;
			return 0;
		}
	if ((w[0] == 'F' || w[0] == 'f') && n >= 2 && n <= 3 && isdigit((unsigned char)w[1]) &&
	    (n == 2 || isdigit((unsigned char)w[2]))) {
		int f = atoi(w + 1);
		if (f >= 1 && f <= SCRIPT_KEY_NFUNC) {
			*key = SCRIPT_KEY_F0 + f;
			return 0;
		}
	}
	if (n == 6 && strncasecmp(w, "ctrl-", 5) == 0 && isalpha((unsigned char)w[5])) {
		*key = tolower((unsigned char)w[5]) - 'a' + 1;
		return 0;
	}
	return -1;
}

#define UNKNOWN_ACTION                                                                             \
	"unknown action: allowed wait, key, select, set, run, pause, resume, step, speed, marker, quit"

/* "2s", "500ms", "1.5s", "250us": to nanoseconds. */
static int parse_duration(const char *w, uint64_t *ns)
{
	char *end;
	if (!isdigit((unsigned char)w[0]))
		return -1;
	errno = 0;
	double v = strtod(w, &end);
	if (errno != 0 || end == w || !isfinite(v) || v < 0)
		return -1;
	double scale;
	if (strcmp(end, "s") == 0)
		scale = 1e9;
	else if (strcmp(end, "ms") == 0)
		scale = 1e6;
	else if (strcmp(end, "us") == 0)
		scale = 1e3;
	else
		return -1;
	if (v * scale > SCRIPT_MAX_WAIT_S * 1e9)
		return -1;
	*ns = (uint64_t)(v * scale + 0.5);
	return 0;
}

/* The rest of the line after the command, trimmed; quotes optional. */
static int rest_text(const char *p, const char *e, char *out, size_t cap, int allow_quotes)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (allow_quotes && e - p >= 2 && *p == '"' && e[-1] == '"') {
		p++;
		e--;
	}
	size_t n = (size_t)(e - p);
	if (n == 0 || n >= cap)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
			return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static const char *parse_line(const char *p, const char *e, struct script_action *a)
{
	char cmd[16], arg[64];
	size_t n = 0;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (p < e && *p != ' ' && *p != '\t' && *p != '\r') {
		if (n + 1 >= sizeof(cmd))
			return UNKNOWN_ACTION;
		cmd[n++] = *p++;
	}
	cmd[n] = '\0';
	/* One-word argument, for wait and key. */
	const char *q = p;
	while (q < e && (*q == ' ' || *q == '\t'))
		q++;
	n = 0;
	while (q < e && *q != ' ' && *q != '\t' && *q != '\r' && n + 1 < sizeof(arg))
		arg[n++] = *q++;
	arg[n] = '\0';
	const char *after = q;
	while (after < e && (*after == ' ' || *after == '\t' || *after == '\r'))
		after++;
	int one_word = n > 0 && after == e && (q == e || *q == ' ' || *q == '\t' || *q == '\r');

	if (strcmp(cmd, "wait") == 0) {
		a->op = SCRIPT_WAIT;
		if (!one_word || parse_duration(arg, &a->ns) != 0)
			return "wait takes one duration: e.g. 2s, 500ms, 1.5s (at most 3600s)";
	} else if (strcmp(cmd, "key") == 0) {
		a->op = SCRIPT_KEY;
		if (!one_word || parse_key(arg, &a->key) != 0)
			return "key takes one key: " KEYS_ALLOWED;
	} else if (strcmp(cmd, "select") == 0) {
		a->op = SCRIPT_SELECT;
		if (rest_text(p, e, a->text, sizeof(a->text), 1) != 0)
			return "select takes a task name, e.g. select worker-2";
	} else if (strcmp(cmd, "set") == 0) {
		a->op = SCRIPT_SET;
		if (!one_word || strchr(arg, '=') == NULL || arg[0] == '=' || rest_text(p, e, a->text, sizeof(a->text), 0))
			return "set takes KEY=VALUE, e.g. set gil=on";
	} else if (strcmp(cmd, "run") == 0 || strcmp(cmd, "quit") == 0) {
		a->op = cmd[0] == 'r' ? SCRIPT_RUN : SCRIPT_QUIT;
		if (n != 0)
			return cmd[0] == 'r' ? "run takes nothing" : "quit takes nothing";
	} else if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0 || strcmp(cmd, "step") == 0) {
		a->op = cmd[0] == 'p' ? SCRIPT_PAUSE : cmd[0] == 'r' ? SCRIPT_RESUME : SCRIPT_STEP;
		if (n != 0)
			return cmd[0] == 'p' ? "pause takes nothing" : cmd[0] == 'r' ? "resume takes nothing"
			                                                                : "step takes nothing";
	} else if (strcmp(cmd, "speed") == 0) {
		a->op = SCRIPT_SPEED;
		if (!one_word || pace_speed_parse(arg, &a->speed) != 0)
			return "speed takes one speed 0.01..1: e.g. speed 0.25, speed 1/10, speed 1";
	} else if (strcmp(cmd, "marker") == 0) {
		a->op = SCRIPT_MARKER;
		const char *s = p;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		const char *t = e;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
			t--;
		if (t - s < 2 || *s != '"' || t[-1] != '"' ||
		    rest_text(s, t, a->text, sizeof(a->text), 1) != 0 || strchr(a->text, '"') != NULL)
			return "marker takes a quoted text, e.g. marker \"GIL turned on\" (at most 159 bytes)";
	} else {
		return UNKNOWN_ACTION;
	}
	return NULL;
}

int script_parse(const char *buf, size_t len, struct script *out, char *err, size_t errlen)
{
	size_t cap = 0;
	int lineno = 0;
	const char *p = buf, *end = buf + len;

	out->actions = NULL;
	out->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *s = p;
		lineno++;
		p = nl ? nl + 1 : end;
		if (memchr(s, '\0', (size_t)(le - s)) != NULL) {
			snprintf(err, errlen, "line %d: binary data (a NUL byte); a script is text", lineno);
			goto fail;
		}
		while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s == le || *s == '#')
			continue;
		if (out->n >= SCRIPT_MAX_ACTIONS) {
			snprintf(err, errlen, "line %d: too many actions (at most %d)", lineno, SCRIPT_MAX_ACTIONS);
			goto fail;
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct script_action *na = realloc(out->actions, ncap * sizeof(*na));
			if (na == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			out->actions = na;
			cap = ncap;
		}
		struct script_action *a = &out->actions[out->n];
		memset(a, 0, sizeof(*a));
		a->line = lineno;
		const char *why = parse_line(s, le, a);
		if (why != NULL) {
			snprintf(err, errlen, "line %d: %s", lineno, why);
			goto fail;
		}
		out->n++;
	}
	return 0;
fail:
	script_free(out);
	return -1;
}

int script_load(const char *path_arg, struct script *out, char *err, size_t errlen)
{
	FILE *f = fopen(path_arg, "rb");
	char inner[300], path[QUOTE_MAX];
	quote_text(path_arg, path, sizeof(path)); /* as messages show it */
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(SCRIPT_MAX_FILE + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	size_t len = fread(buf, 1, SCRIPT_MAX_FILE + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad || len > SCRIPT_MAX_FILE) {
		free(buf);
		snprintf(err, errlen, "%s: %s", path, bad ? "read error" : "too large for a script (16 MiB)");
		return -1;
	}
	int rc = script_parse(buf, len, out, inner, sizeof(inner));
	free(buf);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, inner);
	return rc;
}

int script_command(const struct script_action *a, char *buf, size_t n)
{
	switch (a->op) {
	case SCRIPT_RUN:
		return snprintf(buf, n, "run\n");
	case SCRIPT_SELECT:
		return snprintf(buf, n, "select %s\n", a->text);
	case SCRIPT_SET:
		return snprintf(buf, n, "set %s\n", a->text);
	case SCRIPT_PAUSE:
		return snprintf(buf, n, "pause\n");
	case SCRIPT_RESUME:
		return snprintf(buf, n, "resume\n");
	case SCRIPT_STEP:
		return snprintf(buf, n, "step\n");
	case SCRIPT_SPEED:
		return snprintf(buf, n, "speed %.17g\n", a->speed);
	default:
		return 0;
	}
}

void script_free(struct script *s)
{
	free(s->actions);
	s->actions = NULL;
	s->n = 0;
}
