/*
 * tui.h: what the interactive front end shares beyond tui_main (app.h):
 * theme names, for the command line and tests.
 */
#ifndef SIMUL_TUI_H
#define SIMUL_TUI_H

#define TUI_THEME_COUNT 4

/* Index of theme `name` (dark, light, contrast, cb), or -1. */
int tui_theme_from_name(const char *name);

#endif
