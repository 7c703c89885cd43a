/*
 * common.h: what the files of the threads module (scenarios/threads.c and
 * scenarios/threads/) share: starting a worker thread, stopping the
 * loopback server when the run is stopped, and the demos that live in
 * files of their own (threads/gil, threads/race).
 */
#ifndef SIMUL_THREADS_COMMON_H
#define SIMUL_THREADS_COMMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "httpd.h"
#include "params.h"
#include "run.h"

/* Worker threads get small stacks, so a thousand of them stay cheap. */
#define THREADS_STACK (256 * 1024)

/* pthread_create with a THREADS_STACK stack; 0 or an errno. */
int threads_start(pthread_t *th, void *(*fn)(void *), void *arg);
double threads_ms(uint64_t ns);
int threads_cmp_u64(const void *a, const void *b);

/* Watches for the run's stop and then makes the loopback server drop every
 * connection, so threads blocked in httpd_fetch return at once. */
struct stop_watch {
	struct run *run;
	struct httpd *h;
	atomic_int done;
	pthread_t th;
	int started;
};

/* 0, or an errno after run_fail when the thread cannot start: then a stop
 * could not reach threads blocked in recv, and the demo must not begin. */
int stop_watch_start(struct stop_watch *w, struct run *run, struct httpd *h);
void stop_watch_end(struct stop_watch *w);

/* On-CPU and waiting-for-a-core time of the calling thread so far, from
 * the kernel's schedstat (0, 0 when it cannot be read). */
void threads_sched_self(uint64_t *cpu_ns, uint64_t *run_delay_ns);

/* Put text into the run's panel from line `line` on, in lines of at most
 * width characters broken at spaces (the TUI's panel is narrow). Returns
 * the line after the last. */
int threads_panel_wrap(struct run *run, int line, const char *text, int width);

/* threads/gil (threads/gil_demo.c) and threads/race
 * (threads/race_demo.c). */
int threads_gil_main(struct run *run);
#define THREADS_GIL_NPARAMS 6
extern const struct param_spec threads_gil_params[THREADS_GIL_NPARAMS];
int threads_race_main(struct run *run);
#define THREADS_RACE_NPARAMS 5
extern const struct param_spec threads_race_params[THREADS_RACE_NPARAMS];

#endif
