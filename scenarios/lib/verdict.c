/*
 * verdict.c: the lesson's order, or a machine too busy to show it (see
 * verdict.h).
 */
#include "verdict.h"

#include <stdio.h>

#include "clock.h"
#include "run.h"
#include "trace.h"

void verdict_mark(struct verdict_mark *m)
{
	load_snap_take(&m->snap, NULL, 0);
	m->ncores = m->snap.ncores;
}

double verdict_other_load(const struct verdict_mark *m)
{
	struct load_snap now;
	load_snap_take(&now, NULL, 0);
	/* Ticks of 10 ms on every core: under half a second a verdict would
	 * rest on noise (load.h gives a figure from 50 ms). */
	if (now.t_ns < m->snap.t_ns + NS_PER_S / 2)
		return -1;
	return load_other(&m->snap, &now);
}

void verdict_report(struct run *run, const struct verdict_mark *m, int order_ok, const char *what)
{
	double other = verdict_other_load(m);
	int busy = other >= VERDICT_BUSY;
	char text[160];
	run_result_num(run, "other_load", other);
	if (what == NULL)
		return;
	run_result_num(run, "too_busy", !order_ok && busy);
	if (order_ok && !busy)
		snprintf(text, sizeof(text), "as the lesson says: %s", what);
	else if (order_ok)
		snprintf(text, sizeof(text), "as the lesson says: %s, though other programs kept %.1f of %d cores busy "
		         "(lower figures than on a quiet machine)", what, other * m->ncores, m->ncores);
	else if (busy)
		snprintf(text, sizeof(text), "TOO BUSY TO MEASURE: other programs kept %.1f of %d cores busy, so the "
		         "lesson's result (%s) did not show", other * m->ncores, m->ncores, what);
	else
		snprintf(text, sizeof(text), "NOT as the lesson says (%s), on a machine %s", what,
		         other < 0 ? "whose other load is unknown" : "free of other load");
	run_result_text(run, "verdict", text);
	if (!order_ok)
		trace_milestone(text);
}
