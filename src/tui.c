/*
 * tui.c: placeholder until the interactive TUI lands (issue 3): runs the
 * demo in text mode.
 */
#include "app.h"

int tui_main(const struct app_options *o)
{
	struct app_options p = *o;
	p.plain = 1;
	return app_batch(&p);
}
