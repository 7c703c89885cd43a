/*
 * tui.h: what the interactive front end shares beyond tui_main (app.h):
 * theme names, one frame of the run screen for the benchmark, and a saved
 * run's screen driven by keys for the fuzzer.
 */
#ifndef SIMUL_TUI_H
#define SIMUL_TUI_H

#include <stddef.h>

#define TUI_THEME_COUNT 4

/* Index of theme `name` (dark, light, contrast, cb), or -1. */
int tui_theme_from_name(const char *name);
/* Name of theme i. */
const char *tui_theme_name(int theme);

struct run;
struct model;
/* Draw and refresh one frame of the run screen of a finished run over the
 * whole of it, on the current curses screen (the benchmark's newterm);
 * cold: as after the view changed (no lane's cells reused). */
void tui_frame_draw(struct run *run, struct model *model, int ascii, int color, int cold);
/* The run screen of a saved run, on the current curses screen, with keys
 * typed one by one (each followed by a redraw; a negative key is a pause of
 * that many ms, for timers to fall due); no demo starts. Takes run
 * (malloc'd) and model. Returns the TUI's exit status, or -1 when its loop
 * could not be made. For the fuzzer. */
int tui_drive_replay(struct run *run, struct model *model, const int *keys, size_t n);

#endif
