/*
 * verdict.h: did a comparison come out in the lesson's order, and if not,
 * was the machine too busy to measure it?
 *
 * A demo that compares ways of doing the same work (one process or four,
 * threads or processes) measures its phases one after the other. When
 * other programs keep the cores busy, a phase can lose its cores and the
 * comparison can come out upside down without anything being wrong with
 * the lesson. So the demo takes a mark before its timed phases and, at the
 * end, says one of three things, on screen (a milestone) and in the
 * results (`other_load`: 0..1 of the cores, -1 unknown; `verdict`, a
 * sentence; `too_busy`, 1 when the order did not show on a busy machine):
 *   - the order held (and, when others were busy, that the figures are
 *     lower than on a quiet machine);
 *   - the machine was too busy to measure: others kept X of N cores busy;
 *   - the order did not hold on a quiet machine (said as plainly).
 *
 * Other load is the shared measure of src/load.h: the machine's busy CPU
 * time (/proc/stat) less this process's and its reaped children's, over
 * the machine's capacity (cores × wall): 0..1 of the cores. Busy at
 * VERDICT_BUSY (LOAD_BUSY_THRESHOLD, a quarter of them).
 */
#ifndef SIMUL_VERDICT_H
#define SIMUL_VERDICT_H

#include <stdint.h>

#include "load.h"

struct run;

#define VERDICT_BUSY LOAD_BUSY_THRESHOLD

struct verdict_mark {
	struct load_snap snap; /* the machine's and our CPU at the mark */
	int ncores;
};

/* Before the timed phases. */
void verdict_mark(struct verdict_mark *m);
/* Other programs' share of the cores since the mark (every child of the
 * window reaped): 0..1, or -1 when it cannot tell. */
double verdict_other_load(const struct verdict_mark *m);

/* Report: order_ok says whether the figures came out in the lesson's
 * order, `what` names that order ("processes faster than threads"); what
 * NULL: no order to check here, only other_load. */
void verdict_report(struct run *run, const struct verdict_mark *m, int order_ok, const char *what);

#endif
