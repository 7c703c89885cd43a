/*
 * verdict.c: the lesson's order, or a machine too busy to show it (see
 * verdict.h).
 *
 * SHARED READER PENDING: the machine's other load is being built once for
 * every demo (src/load.c: run_load_mark / run_load_busy_since). When it is
 * on main, verdict_mark and verdict_other_load become calls to it and the
 * /proc/stat reading below goes.
 */
#include "verdict.h"

#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "run.h"
#include "trace.h"

/* The "cpu" line of /proc/stat: busy jiffies (all but idle and iowait). */
static int verdict_read_stat(uint64_t *busy_ns, int *ncores)
{
	FILE *f = fopen("/proc/stat", "r");
	if (f == NULL)
		return -1;
	unsigned long long v[8] = {0};
	char line[256];
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	               &v[6], &v[7]);
	int cores = 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (line[0] == 'c' && line[1] == 'p' && line[2] == 'u' && line[3] >= '0' && line[3] <= '9')
			cores++;
	fclose(f);
	long hz = sysconf(_SC_CLK_TCK);
	if (n < 8 || hz <= 0 || cores == 0)
		return -1;
	/* user nice system idle iowait irq softirq steal */
	*busy_ns = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * (NS_PER_S / (uint64_t)hz);
	*ncores = cores;
	return 0;
}

void verdict_mark(struct verdict_mark *m)
{
	m->t_ns = clock_now_ns();
	m->own_ns = clock_process_cpu_ns() + clock_children_cpu_ns();
	m->ok = verdict_read_stat(&m->busy_ns, &m->ncores) == 0;
}

double verdict_other_load(const struct verdict_mark *m)
{
	struct verdict_mark now;
	verdict_mark(&now);
	/* Ticks of 10 ms on every core: under a second the figure is noise. */
	if (!m->ok || !now.ok || now.t_ns - m->t_ns < NS_PER_S / 2)
		return -1;
	double cap = (double)(now.t_ns - m->t_ns) * now.ncores;
	double other = ((double)now.busy_ns - (double)m->busy_ns) - ((double)now.own_ns - (double)m->own_ns);
	other /= cap;
	return other < 0 ? 0 : other > 1 ? 1 : other;
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
