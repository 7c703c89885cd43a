/*
 * lifecycle.h: two demos of the threads module about a thread's life
 * rather than its work, each in a file of its own, registered by the
 * module's table in scenarios/threads.c.
 *
 * threads/daemon (daemon_demo.c) runs three small programs, each in a
 * child process of its own (`simul --worker threads daemon ...`), so that
 * a program's end is a real process exit. threads/wakeup (wakeup_demo.c)
 * counts, from the kernel, how often waiting threads and an event loop
 * are woken while their data has not come.
 */
#ifndef SIMUL_THREADS_LIFECYCLE_H
#define SIMUL_THREADS_LIFECYCLE_H

#include "params.h"

struct run;

int threads_daemon_main(struct run *run);
#define THREADS_DAEMON_NPARAMS 3
extern const struct param_spec threads_daemon_params[THREADS_DAEMON_NPARAMS];

int threads_wakeup_main(struct run *run);
#define THREADS_WAKEUP_NPARAMS 2
extern const struct param_spec threads_wakeup_params[THREADS_WAKEUP_NPARAMS];

/* The threads module's worker entry (`simul --worker threads ...`). */
int threads_worker(int argc, char **argv);

#endif
