/*
 * co_impl.h: the inside of co.c's tasks and loop, for the files that
 * implement awaits beside it (co_io.c) and generators (co_gen.c). Not for
 * scenarios: they use co.h.
 *
 * Everything here runs on the loop's thread, as co.h says, except what is
 * marked as guarded by watch_mu or pool_mu.
 */
#ifndef SIMUL_CO_IMPL_H
#define SIMUL_CO_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "co.h"
#include "co_ctx.h"
#include "state.h"
#include "trace.h"

#define CO_STACK_SIZE (256 * 1024)
#define CO_POOL_MAX 64
#define CO_READ_BUF (64 * 1024)
#define CO_REQUEST_MAX 256 /* co_get's request: GET, the path, two headers */

struct co_task {
	struct co_loop *loop;
	co_fn fn;
	void *arg;
	struct co_ctx ctx;
	char *saved; /* the live part of the task's stack while it is suspended */
	uint32_t saved_len, saved_cap;
	trace_task_t id;
	int line, result;
	unsigned started : 1, done : 1, queued : 1;
	unsigned cancelled : 1; /* ends by a CancelledError (co_task_cancelled) */
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
	/* co_sleep (co_sleep.c): which of its sleeps is current (an entry of
	 * an older one is stale). */
	uint32_t sleep_gen;
	/* Guarded by loop->watch_mu when watching: 1 asleep until deadline_ns,
	 * 2 the watcher already marked it ready. */
	int sleep_phase;
	uint64_t deadline_ns;
};

/* One sleep in the loop's timers: when, in what order it was asked (equal
 * times wake first come, first served), for which task and which of its
 * sleeps. */
struct co_sleeper {
	uint64_t wake_ns;
	uint32_t seq, gen;
	struct co_task *task;
};

/* Saved stacks are carved from slabs by size class (multiples of
 * CO_SAVE_STEP up to CO_SAVE_SLAB_MAX) and go back to a free list when a
 * task ends, for the next one; bigger ones come from malloc. */
#define CO_SAVE_STEP 16
#define CO_SAVE_SLAB_MAX 4096
#define CO_SAVE_CLASSES (CO_SAVE_SLAB_MAX / CO_SAVE_STEP)
#define CO_SAVE_SLAB (64 * 1024)

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
	int many, eager_send, cancelling;
	char group[48];

	struct co_ctx sched;
	char *stack;
	struct co_task *current;

	/* co_sleep's timers (co_sleep.c): sleeps asked in order of wake time
	 * in a FIFO ring, the others in a min-heap, and one libuv timer for
	 * the earliest of all. */
	struct co_sleeper *fifo;
	size_t fifo_head, fifo_len, fifo_cap; /* fifo_cap: a power of two */
	struct co_sleeper *heap;
	size_t nheap, cap_heap;
	uint32_t sleep_seq;
	uv_timer_t sleep_timer;

	/* Saved stacks' free lists and slabs. */
	char *save_free[CO_SAVE_CLASSES];
	char **slabs;
	size_t nslabs, cap_slabs;
	char *slab_at; /* what is left of the newest slab */
	size_t slab_left;

	struct co_task *ready_head, *ready_tail;
	size_t nready;
	struct co_task **tasks;
	size_t ntasks, cap_tasks, live;

	char *rbuf; /* every TCP read lands here: the loop runs one callback at a time */
	/* co_get's last request, for the next GET of the same path (a crowd
	 * asks the same thing thousands of times): port, text and length. */
	int get_port;
	char get_request[CO_REQUEST_MAX];
	size_t get_request_len;

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
 * (the caller has said what it waits for). Inline: every frame on a
 * suspended task's stack is bytes to save. */
static inline void co_suspend(struct co_task *t)
{
	co_ctx_switch(&t->ctx, &t->loop->sched);
}
/* A block of at least n bytes from the loop's slabs (*cap gets its size),
 * for what a task keeps while it is suspended (its saved stack, co_get's
 * connection): a free list per size class, so that the next task reuses
 * it, and no heap call or fresh page per task. NULL when out of memory.
 * co_block_put gives it back (the slabs go with the loop). */
void *co_block_get(struct co_loop *l, size_t n, uint32_t *cap);
void co_block_put(struct co_loop *l, void *p, uint32_t cap);
/* The task's name, as registered with the recorder. */
const char *co_task_name(const struct co_task *t);
/* co_sleep.c: the timer heap's libuv timer, made by co_loop_new; cancel a
 * task's sleep (it is then taken out of the heap). */
void co_sleep_init(struct co_loop *l);
void co_sleep_cancel(struct co_task *t);
/* co_sleep.c: enqueue t (result 0) at lesson time wake_ns from the loop's
 * timers, unless co_timeout_stop came first (asyncio.wait's timeout).
 * co_timeout_start returns -1 when out of memory. */
int co_timeout_start(struct co_task *t, uint64_t wake_ns);
void co_timeout_stop(struct co_task *t);
/* Put t on the ready queue with `result` for its await (already_ready: it
 * was shown ready before, by the blocking watcher). */
void co_enqueue(struct co_task *t, int result, int already_ready, const char *why);
/* Suspend t in state s until something calls co_enqueue on it; returns the
 * result given then. cancel ends the await early when the run stops. */
int co_wait(struct co_task *t, enum state s, int line, const char *why, void (*cancel)(struct co_task *));

#endif
