/*
 * fuzz_replay.c: libFuzzer harness for the save-file loader (--replay).
 * Any input must load or be refused with a one-line message, never crash or
 * leak; a loaded run must be writable again (save file, Chrome trace,
 * report) and drawable: the --plain text view at a width taken from the
 * input, and one frame of the TUI's run screen at a size taken from it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_trace.h"
#include "fuzz_screen.h"
#include "render.h"
#include "savefile.h"
#include "tui.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run run;
	struct model *m;
	char err[512];
	if (savefile_parse((const char *)data, size, &run, &m, err, sizeof(err)) != 0) {
		if (strchr(err, '\n') != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	FILE *f = fopen("/dev/null", "w");
	if (f != NULL) {
		savefile_write(f, &run, m);
		export_trace_write(f, &run, m);
		report_write(f, &run, m);
		struct text_options to = {.width = 40 + (int)(size % 961), .ascii = (int)(size & 1)};
		render_text(f, &run, m, &to);
		fclose(f);
	}
	/* The TUI's drawing, at 80x24 up to 279x83 */
	fuzz_screen(80 + (int)(size % 200), 24 + (int)(size % 60));
	tui_frame_draw(&run, m, (int)(size & 2) != 0, 1, 0);
	model_free(m);
	run_destroy(&run);
	return 0;
}
