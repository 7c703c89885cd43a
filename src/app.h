/*
 * app.h: the app shell: options from the command line, and the two ways to
 * run: batch (--plain, --report: no curses at all) and the interactive TUI.
 *
 * Both own one libuv loop on the main thread that drains the recorder into
 * the model, handles SIGINT/SIGTERM/SIGHUP, and is told when the demo is
 * done. The terminal (in the TUI) is restored on every exit path.
 */
#ifndef SIMUL_APP_H
#define SIMUL_APP_H

#include <stddef.h>
#include <stdint.h>

#include "demo.h"
#include "params.h"

#define APP_MAX_SETS 64
/* --width (and COLUMNS for --plain): the text view's columns. */
#define APP_WIDTH_MIN 40
#define APP_WIDTH_MAX 1000
/* --size WxH: the TUI's fixed screen. */
#define TUI_SIZE_MIN_W 80
#define TUI_SIZE_MAX_W 500
#define TUI_SIZE_MIN_H 24
#define TUI_SIZE_MAX_H 200

struct app_options {
	const char *demo;    /* "module/demo", or NULL: the menu */
	const char *sets[APP_MAX_SETS];
	int nsets;
	int plain;           /* --plain */
	const char *report;  /* --report FILE, "-" for stdout */
	int width;           /* --width, 0: the terminal's or 100 */
	uint64_t seed;
	int have_seed;
	int ascii;           /* --ascii */
	int no_color;        /* --no-color or NO_COLOR */
	const char *theme;   /* --theme */
	int sampler_hz;      /* --sample-hz, 0: default; -1: off */
	const char *trace;   /* --trace FILE.json: Chrome trace events */
	const char *save;    /* --save FILE: the run, for --replay */
	const char *replay;  /* --replay FILE: show a saved run instead of running */
	const char *record;  /* --record FILE.cast: asciicast v2 of the TUI */
	const char *script;  /* --script FILE: actions typed into the TUI */
	int size_w, size_h;  /* --size WxH, 0: the terminal's */
	int keys_overlay;    /* --keys-overlay */
	int present;         /* --present: the TUI's presenter layout */
	int tui;             /* --tui, or an option only the TUI has: it writes the outputs */
	double speed;        /* --speed 0.01..1 (pace.h); 0: not given (1) */
	const char *py_script;        /* simul python FILE.py: the program */
	const char *const *py_args;   /* ... its arguments (NULL-terminated) */
	const char *python;  /* --python PATH */
};

/* Exit codes. */
#define APP_EXIT_OK 0
#define APP_EXIT_FAIL 1
#define APP_EXIT_USAGE 2
#define APP_EXIT_INTERRUPTED 130

struct run;

/* Apply --set and --seed to a fresh run of o->demo. Prints the one-line
 * error and returns APP_EXIT_USAGE on bad input, else 0. */
int app_prepare_run(struct run *run, const struct app_options *o);
struct model;
/* The demo has returned (its on_done ran): join it, take the last events
 * into the model, and capture the recorder's, the model's and the
 * machine's counters into run->counters. */
void app_run_end(struct run *run, struct model *m);
/* Write the files asked for (--report, --trace, --save; not the text view)
 * of a finished run at once, each a temporary file renamed into place when
 * whole, as batch mode does. Returns 0, or -1 with the last failure's one
 * line in err (errlen bytes; nothing is printed). */
int app_outputs_write_files(const struct app_options *o, struct run *run, const struct model *m, char *err,
                            size_t errlen);
/* Run o->demo to the end without a terminal UI and write what was asked. */
int app_batch(const struct app_options *o);
/* Show a saved run (o->replay) without a terminal UI: what app_batch
 * writes, from the file instead of a fresh run. */
int app_replay_batch(const struct app_options *o);
/* The interactive TUI (src/tui/). */
int tui_main(const struct app_options *o);

#endif
