/*
 * model_group.c: a group's track of member states (see model_group.h).
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
	g->steps[g->n++] = (struct gstep){.t = t, .from = (int8_t)from, .to = (int8_t)to};
	if (from >= 0)
		g->count[from]--;
	if (to >= 0)
		g->count[to]++;
}

void gtrack_cum_at(const struct gtrack *g, uint64_t t, uint64_t upto, uint64_t out[STATE_COUNT])
{
	memset(out, 0, sizeof(uint64_t) * STATE_COUNT);
	if (t > upto)
		t = upto;
	if (g->n == 0 || g->steps[0].t > t)
		return;
	/* the last checkpoint at or before t, then its steps up to t */
	size_t lo = 0, hi = (g->n - 1) / GCP_EVERY;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;
		if (g->cpt[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	size_t k = lo, end = (k + 1) * GCP_EVERY < g->n ? (k + 1) * GCP_EVERY : g->n;
	int32_t count[STATE_COUNT];
	uint64_t since[STATE_COUNT];
	memcpy(out, g->cp[k].cum, sizeof(uint64_t) * STATE_COUNT);
	memcpy(count, g->cp[k].count, sizeof(count));
	/* A state's count is constant until a step changes it, so its time is
	 * added only then (two states a step), not for every state at every step. */
	for (int s = 0; s < STATE_COUNT; s++)
		since[s] = g->cpt[k];
	for (size_t j = k * GCP_EVERY; j < end && g->steps[j].t <= t; j++) {
		const struct gstep *st = &g->steps[j];
		if (st->from >= 0) {
			out[st->from] += (uint64_t)count[st->from] * (st->t - since[st->from]);
			since[st->from] = st->t;
			count[st->from]--;
		}
		if (st->to >= 0) {
			out[st->to] += (uint64_t)count[st->to] * (st->t - since[st->to]);
			since[st->to] = st->t;
			count[st->to]++;
		}
	}
	for (int s = 0; s < STATE_COUNT; s++)
		out[s] += (uint64_t)count[s] * (t - since[s]);
}

void gtrack_free(struct gtrack *g)
{
	free(g->steps);
	free(g->cp);
	free(g->cpt);
}

size_t gtrack_bytes(const struct gtrack *g)
{
	return g->cap * sizeof(struct gstep) + g->capcp * (sizeof(struct gcp) + sizeof(uint64_t));
}
