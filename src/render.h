/*
 * render.h: the views that need no terminal: the text timeline (--plain)
 * and the JSON report (--report). Both read only the model and the run.
 */
#ifndef SIMUL_RENDER_H
#define SIMUL_RENDER_H

#include <stdio.h>

#include "model.h"
#include "run.h"

struct text_options {
	int width; /* total columns */
	int ascii; /* ASCII glyphs only */
};

/* The timeline, legend, printed lines, per-task table and results. */
void render_text(FILE *f, struct run *run, const struct model *m, const struct text_options *o);
/* Only the timeline lanes and axis (used by render_text and golden tests). */
void render_text_timeline(FILE *f, const struct model *m, uint64_t start, uint64_t end,
                          double sim_scale, const struct text_options *o);

/* The JSON report; keys are documented in doc/report.md. Returns 0 or -1. */
int report_write(FILE *f, struct run *run, const struct model *m);

#endif
