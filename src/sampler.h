/*
 * sampler.h: the OS's view of the workload's threads.
 *
 * A thread of its own reads /proc/<pid>/task/<tid>/schedstat (time on a
 * core, time runnable but waiting for one) and stat (the core it last ran
 * on) for every thread of simul and of the child processes it watches, and
 * writes what changed into the recorder: TRACE_EV_PREEMPT around the time a
 * thread waited for a core, TRACE_EV_CORE when it moved, and, for the
 * threads of a CPython process, TRACE_EV_KWAIT around the time one slept on
 * a futex. The model turns a task's reported `running` into `preempted`
 * (or `gil-inferred`) over that time.
 *
 * Rate: `hz` sweeps a second (default 100), lowered automatically so that the
 * sampler itself uses at most about 2% of one core (a sweep costs a few
 * microseconds a thread). The wait of one interval is placed at its end, so
 * a preempted slice is placed to within one sampling period.
 *
 * Every 250 ms it also measures the machine's other load (load.h): the
 * machine's busy CPU minus this process's and its watched children's.
 */
#ifndef SIMUL_SAMPLER_H
#define SIMUL_SAMPLER_H

#include <stdint.h>
#include <sys/types.h>

#define SAMPLER_DEFAULT_HZ 100
#define SAMPLER_MAX_CORES 256

struct sampler;

struct sampler_stats {
	uint64_t sweeps;        /* how many times it read every thread */
	uint64_t reads;         /* schedstat reads */
	uint64_t cpu_ns;        /* CPU time the sampler's thread used */
	double mean_hz;         /* sweeps per second over its life */
	double sweep_us;        /* mean CPU cost of one sweep */
	int ncores;             /* cores seen in /proc/stat */
	double core_busy[SAMPLER_MAX_CORES]; /* share of each core busy over its life */
};

/* Start sampling this process (and watched children). Returns 0 or -errno. */
int sampler_start(struct sampler **out, int hz);
/* Also sample every thread of process pid (until it exits). Thread-safe. */
void sampler_watch(struct sampler *s, pid_t pid);
/* Same, with flags: SAMPLER_FUTEX also reads each thread's state and wchan
 * at every sweep and writes TRACE_EV_KWAIT around the time it slept on a
 * futex (for a CPython process with a GIL: a thread that says it runs but
 * sleeps on a futex is waiting for the GIL, inferred). */
#define SAMPLER_FUTEX 1u
void sampler_watch_flags(struct sampler *s, pid_t pid, unsigned flags);
/* Other programs' load on the machine (load.h), as the sampler's thread
 * measures it every 250 ms: since the sampler started, and over about the
 * last second; -1 until known. Thread-safe. */
void sampler_load(struct sampler *s, double *so_far, double *recent);
/* The child processes it watches (not this process): up to max pids into
 * out; returns how many. Thread-safe. */
int sampler_kids(struct sampler *s, pid_t *out, int max);
/* Stop, join, and free; fills stats when not NULL. */
void sampler_stop(struct sampler *s, struct sampler_stats *stats);

/* Cores online. */
int sampler_cores(void);

#endif
