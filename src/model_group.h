/*
 * model_group.h: a group's lane in the model: how many of its tasks are in
 * each state over time (inside the model only: model.c and model_group.c).
 *
 * A group of a million tasks shares one lane, so its columns are not read
 * off its tasks' spans but off its own track: a step each time one of its
 * tasks changes state (from one state to another, or into life and out of
 * it), and checkpoints of the time spent so far in each state, summed over
 * the tasks, and of the count in each state. The time in each state before
 * an instant is then a checkpoint and the steps from it to the instant.
 */
#ifndef SIMUL_MODEL_GROUP_H
#define SIMUL_MODEL_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "state.h"

/* A group's checkpoint (136 bytes) every 64 steps, not every 32 as a
 * task's: a group of a million tasks makes six million steps (2 bytes a
 * step for its checkpoints), and the edge of a column of its lane walks at
 * most 32 of them from the nearer checkpoint. */
#define GCP_EVERY 64
/* A step's `from` or `to` when the task was not alive, before or after. */
#define GSTEP_NONE STATE_COUNT

struct gstep {
	uint64_t t;
	uint8_t from, to; /* a state, or GSTEP_NONE */
} __attribute__((packed)); /* 10 bytes, not 16: a million tasks make six million */

struct gtrack {
	struct gstep *steps;
	size_t n, cap;
	/* Checkpoint k describes the moment of step k*GCP_EVERY, before it; cpt[k]
	 * is that step's time, kept apart so that finding a checkpoint reads a
	 * dense array (80 times smaller than the steps) rather than the steps. */
	struct gcp {
		uint64_t cum[STATE_COUNT];
		int32_t count[STATE_COUNT];
	} *cp;
	uint64_t *cpt;
	size_t capcp;
	uint64_t cum[STATE_COUNT];
	int32_t count[STATE_COUNT];
};

/* Task `from` state to `to` state at t (-1 for either: not alive); t is
 * taken as no earlier than the step before. */
void gtrack_push(struct gtrack *g, uint64_t t, int from, int to);
/* Fill out[0..ncols) with the time in each state, summed over the group's
 * tasks, during [t0 + c*dt, t0 + (c+1)*dt), the track being complete up
 * to `upto` (the model's now). */
void gtrack_columns(const struct gtrack *g, uint64_t t0, uint64_t dt, int ncols, uint64_t upto,
                    struct model_cell *out);
size_t gtrack_memory_bytes(const struct gtrack *g);
void gtrack_free(struct gtrack *g);

#endif
