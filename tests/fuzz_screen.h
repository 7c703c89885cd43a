/*
 * fuzz_screen.h: a curses screen for the fuzz harnesses, drawn to
 * /dev/null, made once per process (the TUI's drawing code needs one).
 */
#ifndef SIMUL_FUZZ_SCREEN_H
#define SIMUL_FUZZ_SCREEN_H

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

/* Make (once) and size a screen of cols x rows. Aborts when there is no
 * terminal description to make one from: the harness would test nothing. */
static inline void fuzz_screen(int cols, int rows)
{
	static SCREEN *scr;
	if (scr == NULL) {
		FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
		scr = out && in ? newterm("xterm-256color", out, in) : NULL;
		if (scr == NULL) {
			fprintf(stderr, "fuzz: no curses terminal (xterm-256color)\n");
			abort();
		}
		start_color();
		use_default_colors();
	}
	resizeterm(rows, cols);
}

#endif
