/*
 * pylanes.h: the Python agent's records (src/pyrec.h) into the recorder.
 *
 * One lane per thread, per asyncio task (under the thread that runs its
 * loop) and per process: a process's lane is its main thread, named with
 * its pid and its parent's. A record's time is the agent's (CLOCK_MONOTONIC)
 * put in lesson time; lanes are bound to their thread (pid, tid) so that
 * the OS sampler's readings apply: a task that runs is preempted when its
 * thread waits for a core, and waits for the GIL (inferred) when its
 * thread sleeps on a futex.
 *
 * A multiprocessing child's lane is registered once its name is known (the
 * NAME record its bootstrap writes) or at its first other record; a helper
 * process that writes nothing else (the resource tracker) gets no lane.
 *
 * Lines printed as `KEY: VALUE` (a lowercase key) by the first process
 * become results (prefixed, e.g. "cpython."), as each mirror prints its
 * headline figures.
 *
 * Not thread-safe: the one thread that reads the FIFO owns it.
 */
#ifndef SIMUL_PYLANES_H
#define SIMUL_PYLANES_H

#include <stdint.h>
#include <sys/types.h>

#include "pyrec.h"

struct run;
struct pylanes;

struct pylanes_options {
	pid_t root;                /* the process simul started */
	const char *root_name;     /* its lane: "python x.py" */
	const char *group;         /* prefix of lane groups ("CPython "), "" for none */
	const char *result_prefix; /* "cpython.", or "" */
	int milestones;            /* a milestone when the first record comes */
};

struct pylanes *pylanes_new(struct run *run, const struct pylanes_options *o);
void pylanes_free(struct pylanes *L);

/* One record from the FIFO. */
void pylanes_record(struct pylanes *L, const struct pyrec *r);
/* A line the program wrote to its real stdout or stderr (not through the
 * agent: C code, a child without the agent), shown on the first lane. */
void pylanes_output(struct pylanes *L, int is_err, const char *line, size_t len);
/* End every lane still open at t (lesson time): the program is gone. */
void pylanes_end_all(struct pylanes *L, uint64_t t_ns);

/* What the first process said as it exited: its status (-1 when it did not
 * say) and the exception that ended it ("" when none). */
int pylanes_exit_status(const struct pylanes *L, const char **text);
/* The first process's HELLO: version ("3.11.2"), and whether the build is
 * free-threaded / runs without the GIL. 0 when it came, -1 when not yet. */
int pylanes_python(const struct pylanes *L, const char **version, int *free_threaded, int *gil_off);
/* Records taken, processes seen. */
uint64_t pylanes_records(const struct pylanes *L);
int pylanes_processes(const struct pylanes *L);

#endif
