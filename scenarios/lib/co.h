/*
 * co.h: coroutines in the async/await style over a real libuv loop, and
 * Python-style generators.
 *
 * A co_loop owns one libuv loop on the calling thread (the demo's scenario
 * thread, never the UI's). Tasks are plain sequential C functions; each
 * await (co_sleep, co_get, co_read_file, co_to_thread, co_gather, ...)
 * starts a real libuv operation and suspends the task until its callback
 * fires. The loop then runs the next ready task, one at a time, as asyncio
 * does.
 *
 * Every task is a recorder lane: running while the loop runs it, ready while
 * it could run but the loop is busy with another, io or sleep while it
 * awaits. The loop has a lane too (which task it runs, or idle while it
 * waits in poll), and each libuv pool thread that takes offloaded work gets
 * one.
 *
 * Awaits return 0, or a negative number when the run is being stopped (the
 * task should then return) or the operation failed (a libuv error code).
 *
 * Ownership: tasks belong to their loop and are freed by co_loop_free; names
 * and groups are copied. Tasks share one run stack (see co.c), so a task's
 * local variables are not there while it is suspended: what another task,
 * a callback or a pool thread reads (co_to_thread's argument, a co_sem)
 * must live in static or heap memory, or on the loop thread's own stack
 * (the demo's main). Nothing here is thread-safe: call it from the loop's
 * thread only (co_to_thread's function is the one thing that runs elsewhere).
 */
#ifndef SIMUL_CO_H
#define SIMUL_CO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace.h"

struct run;
struct co_loop;
struct co_task;

typedef void (*co_fn)(struct co_task *task, void *arg);

struct co_loop_options {
	const char *name;  /* the loop's lane ("event loop" when NULL) */
	const char *group; /* group of the loop and pool lanes, or NULL */
	/* Many tasks: the loop lane says how many tasks it ran per turn rather
	 * than naming each one, to keep the recorder's rings from filling. */
	int many;
	/* co_get sends its request in the task's own turn, as soon as connect
	 * returns (on loopback the connection is made by then): the C loop's
	 * way. 0: once the loop has seen the connection made, a turn later, as
	 * asyncio does; a crowd's requests then all wait for all its connects. */
	int eager_send;
	/* Watch for tasks whose timer is due while the loop is stuck in one
	 * task (a blocking call): a helper thread marks them ready at the due
	 * time, since the loop itself cannot. */
	int watch_blocking;
	/* Start libuv's thread pool now, so that its one-time start-up (thread
	 * creation) does not stall the loop at the first co_to_thread. */
	int pool;
	/* An emulated GIL (gil.h) the loop holds while it runs tasks and lets
	 * go of while it waits in poll, as CPython's loop thread does; pool
	 * threads doing Python-level CPU work take it too. NULL: none. */
	struct gil *gil;
};

/* Make a loop bound to run (for run_stopping) on the calling thread.
 * Returns NULL and calls run_fail on error. */
struct co_loop *co_loop_new(struct run *run, const struct co_loop_options *opt);
/* Run until every task has returned (or, once the run is stopping, until
 * every task has been cancelled). Returns 0 or a negative libuv error. */
int co_loop_run(struct co_loop *loop);
/* Close the loop (all tasks must have returned) and free everything. */
void co_loop_free(struct co_loop *loop);
/* Time the loop spent waiting in poll, from libuv's own metric. */
uint64_t co_loop_idle_ns(struct co_loop *loop);

/* asyncio.create_task: a new task running fn(task, arg), scheduled to start
 * on the loop's next turn. parent (may be NULL) is shown as its parent.
 * Returns NULL when out of memory. */
struct co_task *co_create_task(struct co_loop *loop, struct co_task *parent, const char *name,
                               const char *group, co_fn fn, void *arg);

trace_task_t co_task_id(const struct co_task *task);
struct run *co_task_run(const struct co_task *task);
int co_task_done(const struct co_task *task);
/* Longest time the task waited ready (runnable, loop busy elsewhere); 0
 * in a loop made with `many` (a crowd's lanes show it, and the clock reads
 * it would take are most of a small task's cost). */
uint64_t co_task_max_ready_ns(const struct co_task *task);

/* await asyncio.sleep(ms / 1000): a libuv timer. */
int co_sleep(struct co_task *task, uint64_t ms, int line);
/* await session.get(url): one HTTP/1.0 GET of path from 127.0.0.1:port over
 * a real TCP connection; *body_bytes gets the length of the body. */
int co_get(struct co_task *task, int port, const char *path, int line, size_t *body_bytes);
/* await read_file(path): reads up to len bytes with uv_fs (on libuv's pool);
 * returns the number read or a negative error. */
ssize_t co_read_file(struct co_task *task, const char *path, char *buf, size_t len, int line);
/* await asyncio.to_thread(fn, arg): fn runs on a libuv pool thread
 * (uv_queue_work) while the loop goes on; `what` names it in the pool lane. */
int co_to_thread(struct co_task *task, void (*fn)(void *arg), void *arg, const char *what, int line);
/* The lane of the calling thread when it is one of a loop's pool threads
 * running co_to_thread's function, else TRACE_NO_TASK: the function can say
 * what it does there (a time.sleep is `sleep`, not `running`). */
trace_task_t co_pool_lane_self(void);
/* A blocking call in a task, with no await (time.sleep, CPU-bound work):
 * the loop's one thread is held until it returns. co_block shows it on the
 * task's lane and on the loop's: `blocked` for a call that waits (the
 * thread is not on a core, yet nothing else can run), `running` for CPU
 * work. co_unblock, once the call has returned, shows both running again. */
void co_block(struct co_task *task, enum state s, int line, const char *what);
void co_unblock(struct co_task *task);

/* For awaitables built outside this file (executor.h): the libuv loop under
 * a co_loop (handles on it are closed by co_loop_free), and a plain park /
 * wake. co_park suspends the task in state s until co_wake, or until the run
 * stops (it then returns UV_ECANCELED); co_wake runs on the loop's thread
 * (from a handle's callback) and returns at once. */
struct uv_loop_s *co_loop_uv(struct co_loop *loop);
struct co_loop *co_task_loop(const struct co_task *task);
int co_park(struct co_task *task, enum state s, int line, const char *why);
void co_wake(struct co_task *task, int result, const char *why);
/* await asyncio.gather(*tasks): until every one of them has returned. */
int co_gather(struct co_task *task, struct co_task *const *tasks, size_t n, int line);
/* One step of asyncio.as_completed: waits until one of tasks[i] with
 * taken[i] == 0 has returned, sets its taken flag and returns i (or a
 * negative number when none is left or the run is stopping). */
int co_next_completed(struct co_task *task, struct co_task *const *tasks, unsigned char *taken,
                      size_t n, int line);

/* asyncio.Semaphore: a limit on tasks past a point at once. Waiting tasks
 * are `ready` with the semaphore's reason. */
struct co_sem {
	int slots;
	const char *reason;
	struct co_task *head, *tail;
};
void co_sem_init(struct co_sem *sem, int slots, const char *reason);
int co_sem_acquire(struct co_task *task, struct co_sem *sem, int line);
void co_sem_release(struct co_sem *sem);

/* ---- generators: def gen(): ... x = (yield) ... ---- */

struct co_gen;
/* The generator's body: each co_gen_receive returns the next sent value, or
 * NULL once the generator is closed (GeneratorExit), after which it should
 * clean up and return. */
typedef void (*co_gen_fn)(struct co_gen *gen, void *arg);

struct co_gen *co_gen_new(co_gen_fn fn, void *arg);
/* next(g) / g.send(value): run the generator until its next receive. */
void co_gen_send(struct co_gen *gen, void *value);
/* Inside the generator: x = (yield). */
void *co_gen_receive(struct co_gen *gen);
/* g.close(): the pending receive returns NULL; runs the generator to its
 * end. */
void co_gen_close(struct co_gen *gen);
void co_gen_free(struct co_gen *gen);

#endif
