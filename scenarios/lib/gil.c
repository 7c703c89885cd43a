/*
 * gil.c: the emulated CPython GIL (see gil.h).
 *
 * It follows CPython's Python/ceval_gil.h: one mutex, a condition variable
 * the waiters wait on with a timeout of the switch interval, a
 * switch_number that tells a waiter whether a hand-over happened while it
 * waited, a drop request the holder polls, and a second condition variable
 * on which a holder that was asked to drop waits until someone else has
 * taken the GIL (FORCE_SWITCHING).
 */
#include "gil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "pace.h"
#include "xalloc.h"

#define GIL_NAMES_MAX 64
/* Hand-over times kept for the median: a lock convoy can hand the GIL over
 * millions of times; the first million say enough (8 MiB). */
#define GIL_INTERVALS_MAX (1u << 20)

struct gil_name {
	trace_task_t task;
	char name[48];
};

struct gil {
	pthread_mutex_t mu;
	pthread_cond_t cond;        /* waiters for the GIL */
	pthread_cond_t switch_cond; /* a forced holder waits for the hand-over */
	uint64_t interval_ns;
	atomic_int drop_request;

	/* under mu */
	int locked;
	trace_task_t holder;
	uint64_t switch_number;
	trace_task_t last_holder;
	uint64_t t_last_switch;
	uint64_t switches;
	uint64_t *intervals;
	size_t nintervals, cap;
	struct gil_name names[GIL_NAMES_MAX];
	int nnames;
};

struct gil *gil_new(uint64_t switch_interval_ns)
{
	struct gil *g = calloc(1, sizeof(*g));
	pthread_condattr_t ca;
	if (!g)
		return NULL;
	g->interval_ns = switch_interval_ns ? switch_interval_ns : GIL_DEFAULT_INTERVAL_NS;
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &ca);
	pthread_cond_init(&g->switch_cond, &ca);
	pthread_condattr_destroy(&ca);
	g->holder = g->last_holder = TRACE_NO_TASK;
	return g;
}

void gil_free(struct gil *g)
{
	if (!g)
		return;
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cond);
	pthread_cond_destroy(&g->switch_cond);
	free(g->intervals);
	free(g);
}

void gil_name_task(struct gil *g, trace_task_t task, const char *name)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	if (g->nnames < GIL_NAMES_MAX) {
		struct gil_name *n = &g->names[g->nnames++];
		n->task = task;
		snprintf(n->name, sizeof(n->name), "%s", name);
	}
	pthread_mutex_unlock(&g->mu);
}

/* Under mu. */
static void gil_report_wait(struct gil *g, trace_task_t task)
{
	for (int i = 0; i < g->nnames; i++)
		if (g->names[i].task == g->holder) {
			trace_statef(task, STATE_GIL, TRACE_NO_LINE, "waiting for the GIL held by %s",
			             g->names[i].name);
			return;
		}
	trace_statef(task, STATE_GIL, TRACE_NO_LINE, "waiting for the GIL held by task %d", (int)g->holder);
}

/* Under mu: the hand-over bookkeeping when task takes the GIL. */
static void gil_note_holder(struct gil *g, trace_task_t task)
{
	uint64_t now = clock_now_ns();
	if (task == g->last_holder)
		return;
	if (g->last_holder != TRACE_NO_TASK) {
		g->switches++;
		if (g->nintervals == g->cap && g->cap < GIL_INTERVALS_MAX) {
			size_t cap = g->cap ? 2 * g->cap : 256;
			g->intervals = xreallocarray(g->intervals, cap, sizeof(*g->intervals));
			g->cap = cap;
		}
		g->intervals[g->nintervals++] = now - g->t_last_switch;
	}
	g->last_holder = task;
	g->t_last_switch = now;
}

/* Take the GIL; when draw, each wait is drawn (STATE_GIL, holder named). */
static void gil_take(struct gil *g, trace_task_t task, int draw)
{
	pthread_mutex_lock(&g->mu);
	int waited = g->locked;
	if (waited) {
		trace_task_t named = g->holder;
		if (draw)
			gil_report_wait(g, task);
		while (g->locked) {
			uint64_t saved = g->switch_number;
			/* The interval is lesson time: 1/speed as long in a slowed run. */
			uint64_t deadline = clock_real_ns() + pace_real_ns(g->interval_ns);
			struct timespec ts = {(time_t)(deadline / NS_PER_S), (long)(deadline % NS_PER_S)};
			int timed_out = pthread_cond_timedwait(&g->cond, &g->mu, &ts) != 0;
			/* A whole interval went by with no hand-over: ask the holder
			 * to drop it. */
			if (timed_out && g->locked && g->switch_number == saved)
				atomic_store(&g->drop_request, 1);
			if (draw && g->locked && g->holder != named) {
				named = g->holder;
				gil_report_wait(g, task);
			}
		}
	}
	/* A drawn wait ends here: the task that let the GIL go woke it. */
	if (waited && draw && g->last_holder != TRACE_NO_TASK && g->last_holder != task)
		trace_wake(task, g->last_holder, "let the GIL go");
	g->locked = 1;
	g->holder = task;
	/* As CPython's take_gil: a hand-over counts only when the holder
	 * changes, so a thread that drops the GIL around a quick system call
	 * and takes it straight back does not reset a waiter's interval. */
	if (task != g->last_holder)
		g->switch_number++;
	gil_note_holder(g, task);
	pthread_cond_signal(&g->switch_cond);
	atomic_store(&g->drop_request, 0);
	pthread_mutex_unlock(&g->mu);
}

void gil_acquire(struct gil *g, trace_task_t task, int line)
{
	if (!g)
		return;
	gil_take(g, task, 1);
	trace_state_at(task, STATE_RUNNING, line, "holds the GIL");
}

void gil_acquire_quiet(struct gil *g, trace_task_t task)
{
	if (g)
		gil_take(g, task, 0);
}

/* As CPython's drop_gil with FORCE_SWITCHING: whenever a drop request is
 * pending (whether the holder is answering it or only releasing the GIL
 * around a blocking call), wait until another thread has taken the GIL,
 * so this one cannot take it straight back. */
static void gil_drop(struct gil *g, trace_task_t task)
{
	pthread_mutex_lock(&g->mu);
	g->locked = 0;
	g->holder = TRACE_NO_TASK;
	pthread_cond_signal(&g->cond);
	if (atomic_load(&g->drop_request)) {
		uint64_t saved = g->switch_number;
		while (g->switch_number == saved && g->last_holder == task)
			pthread_cond_wait(&g->switch_cond, &g->mu);
	}
	pthread_mutex_unlock(&g->mu);
}

void gil_release(struct gil *g, trace_task_t task)
{
	if (g)
		gil_drop(g, task);
}

int gil_check(struct gil *g, trace_task_t task, int line)
{
	if (!g || !atomic_load_explicit(&g->drop_request, memory_order_relaxed))
		return 0;
	/* Said before the drop, so the lanes never show two holders running. */
	trace_state(task, STATE_GIL, "dropping the GIL: another thread asked for it");
	gil_drop(g, task);
	gil_acquire(g, task, line);
	return 1;
}

uint64_t gil_switches(const struct gil *g)
{
	struct gil *m = (struct gil *)g;
	pthread_mutex_lock(&m->mu);
	uint64_t n = m->switches;
	pthread_mutex_unlock(&m->mu);
	return n;
}

size_t gil_switch_intervals(const struct gil *g, uint64_t *out, size_t max)
{
	struct gil *m = (struct gil *)g;
	pthread_mutex_lock(&m->mu);
	size_t n = m->nintervals;
	if (out)
		memcpy(out, m->intervals, (n < max ? n : max) * sizeof(*out));
	pthread_mutex_unlock(&m->mu);
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

double gil_switch_interval_median_ms(const struct gil *g)
{
	size_t n = gil_switch_intervals(g, NULL, 0);
	if (n == 0)
		return 0;
	uint64_t *v = xreallocarray(NULL, n, sizeof(*v));
	n = gil_switch_intervals(g, v, n);
	qsort(v, n, sizeof(*v), cmp_u64);
	double med = n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
	free(v);
	return med / 1e6;
}
