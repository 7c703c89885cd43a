/*
 * co_impl.h: the inside of co.c's tasks and loop, for the files that
 * implement awaits beside it (co_io.c). Not for scenarios: they use co.h.
 *
 * Everything here runs on the loop's thread, as co.h says, except what is
 * marked as guarded by watch_mu or pool_mu.
 */
#ifndef SIMUL_CO_IMPL_H
#define SIMUL_CO_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>
#include <uv.h>

#include "co.h"
#include "state.h"
#include "trace.h"

#define CO_STACK_SIZE (256 * 1024)
#define CO_POOL_MAX 64
#define CO_READ_BUF (64 * 1024)

struct co_task {
	struct co_loop *loop;
	trace_task_t id;
	co_fn fn;
	void *arg;
	char name[24];
	ucontext_t ctx;
	char *saved; /* the task's stack while it is suspended */
	size_t saved_len, saved_cap;
	int started, done, queued, line, result;
	struct co_task *next; /* ready queue or semaphore queue */
	/* Who awaits this task (co_gather, co_next_completed) and how many
	 * tasks that waiter still waits for. */
	struct co_task *waiter;
	int pending;
	uint64_t ready_since, max_ready_ns;
	/* What to do to end the current await early when the run stops. */
	void (*cancel)(struct co_task *task);
	void *op;
	size_t got; /* co_get's body length, set by the closing callback */
	uv_timer_t timer;
	int timer_inited;
	/* Guarded by loop->watch_mu when watching: 1 asleep until deadline_ns,
	 * 2 the watcher already marked it ready. */
	int sleep_phase;
	uint64_t deadline_ns;
	uint64_t wake_ns; /* lesson time (clock.h) its co_sleep ends */
};

struct co_pool_lane {
	pthread_t thread;
	trace_task_t lane;
};

struct co_loop {
	struct run *run;
	uv_loop_t uv;
	uv_idle_t idle;
	uv_prepare_t prepare;
	uv_check_t check;
	uv_timer_t stop_timer;
	trace_task_t lane;
	enum state lane_state;
	int many, cancelling;
	char group[48];

	ucontext_t sched;
	char *stack;
	struct co_task *current;

	struct co_task *ready_head, *ready_tail;
	size_t nready;
	struct co_task **tasks;
	size_t ntasks, cap_tasks, live;

	char *rbuf; /* every TCP read lands here: the loop runs one callback at a time */

	pthread_mutex_t pool_mu;
	struct co_pool_lane pool[CO_POOL_MAX];
	int npool;

	struct gil *gil; /* NULL: none */

	int watch;
	pthread_mutex_t watch_mu;
	pthread_t watch_thread;
	int watch_stop; /* guarded by watch_mu */
};

/* The task gives the loop back; returns when the scheduler resumes it
 * (the caller has said what it waits for). */
void co_suspend(struct co_task *t);
/* Put t on the ready queue with `result` for its await (already_ready: it
 * was shown ready before, by the blocking watcher). */
void co_enqueue(struct co_task *t, int result, int already_ready, const char *why);
/* Suspend t in state s until something calls co_enqueue on it; returns the
 * result given then. cancel ends the await early when the run stops. */
int co_wait(struct co_task *t, enum state s, int line, const char *why, void (*cancel)(struct co_task *));

#endif
