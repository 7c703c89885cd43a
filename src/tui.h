/*
 * tui.h: what the interactive front end shares beyond tui_main (app.h):
 * theme names, and one frame of the run screen for the benchmark.
 */
#ifndef SIMUL_TUI_H
#define SIMUL_TUI_H

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

#endif
