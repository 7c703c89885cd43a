/*
 * output.h: a file that simul writes (--report, --trace, --save, --plain's
 * text, a recording).
 *
 * output_open makes the file at once, so that a bad path fails before
 * anything runs; what is written goes to a temporary file beside it
 * (".NAME.XXXXXX" in the same directory), which output_close renames into
 * place only when every byte was written. A failed or abandoned output
 * leaves no file behind and the old one, if any, untouched; so does a
 * fatal signal (output_unlink_temps, from fatal.c) and any exit(). Only
 * SIGKILL can leave a temporary file, never a damaged target.
 *
 * "-" is standard output. A path that exists and is not a plain file
 * (/dev/null, a FIFO, a terminal) is written in place. A symbolic link to a
 * plain file is followed: the file it points to is replaced whole, in its
 * own directory, and the link stays; a link to nothing is refused.
 *
 * Errors are one line naming the option and the path, printed on stderr,
 * or, with output_open_quiet (the TUI, whose screen stderr would spoil),
 * kept in o->err for the caller to show.
 */
#ifndef SIMUL_OUTPUT_H
#define SIMUL_OUTPUT_H

#include <limits.h>
#include <stdio.h>

#define OUTPUT_ERR_MAX (PATH_MAX + 160)

struct output {
	const char *option; /* "--report", for messages */
	const char *path;   /* as given; NULL when not asked for */
	FILE *f;            /* NULL when not asked for */
	char target[PATH_MAX]; /* what is replaced: path, or where its link points */
	char tmp[PATH_MAX]; /* the temporary file, "" when written in place */
	int quiet;          /* errors into err only */
	char err[OUTPUT_ERR_MAX]; /* the last error, "" when none */
};

/* Open path for option (path NULL: nothing asked, *o stays closed).
 * Returns 0, or -1 after printing why. */
int output_open(struct output *o, const char *option, const char *path);
/* The same, the reason kept in o->err instead of printed. */
int output_open_quiet(struct output *o, const char *option, const char *path);
/* Finish: when write_rc is 0 and everything reached the file, rename it
 * into place; otherwise remove it. Returns 0, or -1 after printing why
 * (or keeping it in o->err, when opened quietly). */
int output_close(struct output *o, int write_rc);
/* Remove the temporary file without a word (a run that never started). */
void output_abandon(struct output *o);

/* Whether paths a and b name one file: both "-" (standard output), or one
 * existing plain file under two names or links, or, for files not made
 * yet, the same name in the same directory. Two names of /dev/null (or of
 * any file that is not a plain one) are not the same file. */
int output_same_file(const char *a, const char *b);

/* Remove every temporary file still open. Async-signal-safe: for a fatal
 * signal's handler and for exit(). */
void output_unlink_temps(void);

#endif
