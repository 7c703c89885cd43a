/*
 * fuzz_replay.c: libFuzzer harness for the save-file loader (--replay).
 * Any input must load or be refused with a one-line message, never crash or
 * leak; a loaded run must be writable again (save file and Chrome trace).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_trace.h"
#include "savefile.h"

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
		fclose(f);
	}
	model_free(m);
	run_destroy(&run);
	return 0;
}
