/*
 * script.h: demo scripts (--script FILE): timed actions that drive the TUI
 * exactly as typed keys would, for repeatable demos and lectures.
 *
 * One action a line; blank lines and lines starting with '#' are ignored:
 *
 *   wait 2s | wait 500ms | wait 1.5s   pause before the next action
 *   key space | key + | key q | key F1 | key left | key ctrl-c | key enter
 *   select worker-2                    move the selection to the named task
 *   set gil=on                         set a demo parameter (for the next run)
 *   run                                (re)start the demo
 *   pause | resume | step              pause the run, resume it, step it
 *                                      to its next event (pace.h)
 *   speed 0.25                         the speed of the next run, 0.01..1
 *   marker "GIL turned on"             a chapter marker in the recording
 *   quit                               leave simul
 *
 * A key is one printable character or one of the names key_names lists.
 * Parsing is separate from running so that a bad script is refused before
 * anything starts; an error names the line and what is allowed.
 */
#ifndef SIMUL_SCRIPT_H
#define SIMUL_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

enum script_op {
	SCRIPT_WAIT,
	SCRIPT_KEY,
	SCRIPT_SELECT,
	SCRIPT_SET,
	SCRIPT_RUN,
	SCRIPT_MARKER,
	SCRIPT_QUIT,
	SCRIPT_PAUSE,
	SCRIPT_RESUME,
	SCRIPT_STEP,
	SCRIPT_SPEED,
};

/* Keys that are not one printable character (values are ncurses' where
 * ncurses has one, so the TUI can feed them as typed). */
enum script_key {
	SCRIPT_KEY_UP = 0403, /* KEY_UP ... as in ncurses */
	SCRIPT_KEY_DOWN = 0402,
	SCRIPT_KEY_LEFT = 0404,
	SCRIPT_KEY_RIGHT = 0405,
	SCRIPT_KEY_HOME = 0406,
	SCRIPT_KEY_BACKSPACE = 0407,
	SCRIPT_KEY_F0 = 0410, /* F1 is F0 + 1 */
	SCRIPT_KEY_NPAGE = 0522,
	SCRIPT_KEY_PPAGE = 0523,
	SCRIPT_KEY_END = 0550,
	SCRIPT_KEY_ENTER = 0527, /* KEY_ENTER (the keypad's) */
	SCRIPT_KEY_ESC = 27,     /* the Esc character itself */
};
/* Function keys F1..F<SCRIPT_KEY_NFUNC>. */
#define SCRIPT_KEY_NFUNC 12

#define SCRIPT_TEXT_MAX 160

struct script_action {
	enum script_op op;
	int line;       /* in the file, for messages */
	uint64_t ns;    /* SCRIPT_WAIT */
	int key;        /* SCRIPT_KEY: a character or a SCRIPT_KEY_* code */
	double speed;   /* SCRIPT_SPEED */
	char text[SCRIPT_TEXT_MAX]; /* SELECT: task; SET: key=value; MARKER: text */
};

struct script {
	struct script_action *actions;
	size_t n;
};

/* Parse a script from buf[0..len). Returns 0, or -1 with a one-line message
 * ("line N: ...: allowed ...") in err. */
int script_parse(const char *buf, size_t len, struct script *out, char *err, size_t errlen);
/* Same, reading the file at path. */
int script_load(const char *path, struct script *out, char *err, size_t errlen);
void script_free(struct script *s);
/* The line the relay sends the TUI for a command action (run, select, set,
 * pause, resume, step, speed), newline included; its length, 0 for others. */
int script_command(const struct script_action *a, char *buf, size_t n);
/* The key's name as a script writes it ("space", "+", "F1"). */
const char *script_key_name(int key, char *buf, size_t n);

#endif
