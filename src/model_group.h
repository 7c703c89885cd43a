/*
 * model_group.h: a group's track, how many of its tasks are in each state
 * over time (inside the model only: model.c and model_group.c).
 *
 * A group lane shows, per column, the time its tasks spent in each state,
 * summed. The track keeps a step for every change of a member's state
 * (from one state to another, -1 for not alive) and, every GCP_EVERY
 * steps, a checkpoint of the running totals, so the time in each state
 * before any instant is a checkpoint plus at most GCP_EVERY steps.
 */
#ifndef SIMUL_MODEL_GROUP_H
#define SIMUL_MODEL_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* A group's checkpoint (136 bytes) every 128 steps, not every 32: a group
 * of a million tasks makes six million steps, and a column of its lane
 * walks at most 128 of them past the checkpoint. */
#define GCP_EVERY 128

struct gstep {
	uint64_t t;
	int8_t from, to; /* -1: not alive */
} __attribute__((packed)); /* 10 bytes, not 16: a million tasks make six million */

struct gtrack {
	struct gstep *steps;
	size_t n, cap;
	/* Checkpoint k describes the moment of step k*GCP_EVERY, before it; cpt[k]
	 * is that step's time, kept apart so that finding a checkpoint reads a
	 * dense array (128 times smaller than the steps) rather than the steps. */
	struct gcp {
		uint64_t cum[STATE_COUNT];
		int32_t count[STATE_COUNT];
	} *cp;
	uint64_t *cpt;
	size_t capcp;
	uint64_t cum[STATE_COUNT];
	int32_t count[STATE_COUNT];
};

/* A member goes from state `from` to `to` at t (-1: not alive); a t
 * before the last step's counts as the last step's. */
void gtrack_push(struct gtrack *g, uint64_t t, int from, int to);
/* Time the members spent in each state before t (t clamped to upto). */
void gtrack_cum_at(const struct gtrack *g, uint64_t t, uint64_t upto, uint64_t out[STATE_COUNT]);
void gtrack_free(struct gtrack *g);
size_t gtrack_bytes(const struct gtrack *g);

#endif
