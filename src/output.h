/*
 * output.h: a file that simul writes (--report, --trace, --save, --plain's
 * text, a recording).
 *
 * output_open makes the file at once, so that a bad path fails before
 * anything runs; what is written goes to a temporary file beside it
 * (".NAME.XXXXXX" in the same directory), which output_close renames into
 * place only when every byte was written. A failed or abandoned output
 * leaves no file behind and the old one, if any, untouched. "-" is
 * standard output; a path that is not a plain file (/dev/null, a FIFO, a
 * symbolic link) is written in place.
 *
 * Errors are printed as one line naming the option and the path.
 */
#ifndef SIMUL_OUTPUT_H
#define SIMUL_OUTPUT_H

#include <limits.h>
#include <stdio.h>

struct output {
	const char *option; /* "--report", for messages */
	const char *path;   /* as given; NULL when not asked for */
	FILE *f;            /* NULL when not asked for */
	char tmp[PATH_MAX]; /* the temporary file, "" when written in place */
};

/* Open path for option (path NULL: nothing asked, *o stays closed).
 * Returns 0, or -1 after printing why. */
int output_open(struct output *o, const char *option, const char *path);
/* Finish: when write_rc is 0 and everything reached the file, rename it
 * into place; otherwise remove it. Returns 0, or -1 after printing why. */
int output_close(struct output *o, int write_rc);
/* Remove the temporary file without a word (a run that never started). */
void output_abandon(struct output *o);

#endif
