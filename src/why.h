/*
 * why.h: why a task was in its state at an instant: the whole wait it was
 * in, the task it waited for (the GIL's holder, a lock's owner, the task
 * that held the event loop, the children it joined) and a one-line verdict,
 * "ticker 1 waited 1.00 s because culprit held the loop, line 12".
 *
 * Read from the model alone: the task waited for comes from the reason the
 * workload recorded with the wait ("... held by NAME", "loop busy in NAME",
 * "held by task N"); for a join, from the task's children alive then; for a
 * task ready on a thread another task held (a coroutine behind the one that
 * blocks its loop), from the task running on that thread then.
 * A wait that another task ended (model_wake) names it too: "...; woken by
 * main: cancelled".
 * No drawing here: the TUI draws the link and the verdict.
 */
#ifndef SIMUL_WHY_H
#define SIMUL_WHY_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct why {
	enum state state;          /* at the instant; STATE_DONE before the start or after the end */
	uint64_t start_ns, end_ns; /* the spans in that state around the instant */
	int target;                /* the task waited for, or -1 */
	int waker;                 /* the task that ended the wait (model_wake), or -1 */
	int line;                  /* the line of the verdict (the target's then, else the task's), 0 none */
	char verdict[640];
};

/* Names a task in the verdict (the TUI tells apart tasks that share a
 * name); NULL uses the model's names. */
typedef const char *(*why_label_fn)(void *arg, size_t task, char *buf, size_t n);

void why_at(const struct model *m, size_t task, uint64_t t, int ascii, why_label_fn label, void *arg,
            struct why *out);

/* The verdict at wake k (model_wake_get) of a task: who woke it, doing
 * what, and the wait it ended, "main was woken by fetch 1 (returned) after
 * 200 ms waiting (join: await asyncio.wait(...)), line 36"; the target is
 * the waker. */
void why_wake(const struct model *m, size_t k, int ascii, why_label_fn label, void *arg, struct why *out);

/* The task a wait's reason names, or -1: "... held by NAME", "... loop busy
 * in NAME", "... held by task N"; among tasks of that name, one alive at t,
 * of the waiter's group if there is one. */
int why_reason_target(const struct model *m, size_t waiter, const char *reason, uint64_t t);

#endif
