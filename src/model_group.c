/*
 * model_group.c: a group's track of steps and checkpoints, and its lane's
 * columns read off it (model_group.h).
 */
#include "model_group.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void gtrack_push(struct gtrack *g, uint64_t t, int from, int to)
{
	if (g->n > 0) {
		uint64_t lt = g->steps[g->n - 1].t;
		if (t < lt)
			t = lt;
		for (int s = 0; s < STATE_COUNT; s++)
			g->cum[s] += (uint64_t)g->count[s] * (t - lt);
	}
	if (g->n % GCP_EVERY == 0) {
		size_t k = g->n / GCP_EVERY;
		if (k >= g->capcp) {
			size_t cap = g->capcp ? g->capcp * 2 : 4;
			g->cp = xreallocarray(g->cp, cap, sizeof(*g->cp));
			g->cpt = xreallocarray(g->cpt, cap, sizeof(*g->cpt));
			g->capcp = cap;
		}
		g->cpt[k] = t; /* t is already no earlier than the last step */
		memcpy(g->cp[k].cum, g->cum, sizeof(g->cum));
		memcpy(g->cp[k].count, g->count, sizeof(g->count));
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		g->steps = xreallocarray(g->steps, cap, sizeof(*g->steps));
		g->cap = cap;
	}
	g->steps[g->n++] = (struct gstep){.t = t, .from = (uint8_t)(from >= 0 ? from : GSTEP_NONE),
	                                  .to = (uint8_t)(to >= 0 ? to : GSTEP_NONE)};
	if (from >= 0)
		g->count[from]--;
	if (to >= 0)
		g->count[to]++;
}

/* The last checkpoint at or before t (t at or after the first step),
 * searched from checkpoint `from` on: a lane's columns ask in time order.
 * Checkpoints come at a steady pace while the group's tasks do, so the
 * first probes guess by interpolating times (two or three probes land on
 * it, in one cache line, where halving takes 14 for 16,000 checkpoints,
 * each a cache miss on a cold frame); then halving, so an uneven pace
 * costs at most a few probes more than halving alone. */
#define GCP_GUESSES 3
static size_t gtrack_cp_find(const struct gtrack *g, uint64_t t, size_t from)
{
	size_t lo = from, hi = (g->n - 1) / GCP_EVERY;
	if (g->cpt[hi] <= t)
		return hi;
	if (lo > hi || g->cpt[lo] > t)
		lo = 0;
	for (int probe = 0; lo < hi; probe++) {
		size_t mid = lo + (hi - lo + 1) / 2;
		uint64_t span = g->cpt[hi] - g->cpt[lo];
		if (probe < GCP_GUESSES && span > 0 && t < g->cpt[hi]) {
			/* where t falls between lo and hi, at an even pace (past lo) */
			mid = lo + (size_t)((double)(t - g->cpt[lo]) / (double)span * (double)(hi - lo));
			if (mid <= lo)
				mid = lo + 1;
		}
		if (g->cpt[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Whether the time at t, among checkpoint k's steps, is read walking back
 * from checkpoint k + 1: when t is past the middle one of the checkpoint's
 * steps, so that a walk takes half the steps at most. */
static int gtrack_walks_back(const struct gtrack *g, size_t k, uint64_t t)
{
	return (k + 1) * GCP_EVERY < g->n && g->steps[k * GCP_EVERY + GCP_EVERY / 2].t <= t;
}

/* Time in each state summed over the group's tasks before instant t, t
 * among the steps of checkpoint k (at or after its time, before the next's).
 *
 * From checkpoint k at time T, with count[s] tasks in state s then, the
 * time in s is cum[s] + count[s] * (t - T), plus (t - t_j) for each step j
 * into s up to t, less that for each step out of s: a step costs two
 * additions. Walking back from checkpoint k + 1 (at T', after t) is the
 * same in reverse: cum[s] - count[s] * (T' - t) takes off too much for a
 * state entered after t, as if it had been entered at t, so (t_j - t) is
 * added back for each step into s after t, and taken off for each out. */
static void gtrack_cum_from(const struct gtrack *g, size_t k, uint64_t t, uint64_t out[STATE_COUNT])
{
	uint64_t acc[STATE_COUNT + 1]; /* and a slot for GSTEP_NONE, which no one reads */
	size_t first = k * GCP_EVERY, next = first + GCP_EVERY;
	if (gtrack_walks_back(g, k, t)) {
		const struct gcp *cp = &g->cp[k + 1];
		uint64_t back = g->cpt[k + 1] - t;
		for (int s = 0; s < STATE_COUNT; s++)
			acc[s] = cp->cum[s] - (uint64_t)cp->count[s] * back;
		/* step `first` is at checkpoint k, no later than t: the walk
		 * stops there at the latest */
		for (const struct gstep *st = &g->steps[next - 1]; st->t > t; st--) {
			uint64_t after = st->t - t;
			acc[st->to] += after;
			acc[st->from] -= after;
		}
	} else {
		const struct gcp *cp = &g->cp[k];
		uint64_t since = t - g->cpt[k];
		for (int s = 0; s < STATE_COUNT; s++)
			acc[s] = cp->cum[s] + (uint64_t)cp->count[s] * since;
		const struct gstep *st = &g->steps[first], *end = &g->steps[next < g->n ? next : g->n];
		for (; st < end && st->t <= t; st++) {
			uint64_t before = t - st->t;
			acc[st->to] += before;
			acc[st->from] -= before;
		}
	}
	memcpy(out, acc, sizeof(uint64_t) * STATE_COUNT);
}

/* The same before any instant t (t at most the model's `now`); *hint: the
 * checkpoint found by the call before (0 at first), as the edges of a
 * lane's columns come in time order. */
static void gtrack_cum_at(const struct gtrack *g, uint64_t t, size_t *hint, uint64_t out[STATE_COUNT])
{
	if (g->n == 0 || g->steps[0].t > t) {
		memset(out, 0, sizeof(uint64_t) * STATE_COUNT);
		return;
	}
	*hint = gtrack_cp_find(g, t, *hint);
	gtrack_cum_from(g, *hint, t, out);
}

void gtrack_columns(const struct gtrack *g, uint64_t t0, uint64_t dt, int ncols, uint64_t upto,
                    struct model_cell *out)
{
	uint64_t prev[STATE_COUNT], next[STATE_COUNT];
	size_t hint = 0;
	for (int c = 0; c <= ncols; c++) {
		uint64_t edge = t0 + (uint64_t)c * dt;
		gtrack_cum_at(g, edge < upto ? edge : upto, &hint, next);
		if (c > 0)
			for (int s = 0; s < STATE_COUNT; s++)
				out[c - 1].ns[s] = next[s] - prev[s];
		memcpy(prev, next, sizeof(prev));
	}
}

size_t gtrack_memory_bytes(const struct gtrack *g)
{
	return g->cap * sizeof(struct gstep) + g->capcp * (sizeof(struct gcp) + sizeof(uint64_t));
}

void gtrack_free(struct gtrack *g)
{
	free(g->steps);
	free(g->cp);
	free(g->cpt);
}
