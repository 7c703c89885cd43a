/*
 * clock.h: the one time source of simul.
 *
 * Every timestamp is nanoseconds of CLOCK_MONOTONIC, which is shared by all
 * processes on the machine, so a child's events line up with its parent's.
 * Tests may install a fake clock so that renderers can be checked against
 * golden files; the fake clock is process-wide and not meant for workloads.
 */
#ifndef SIMUL_CLOCK_H
#define SIMUL_CLOCK_H

#include <stdint.h>

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

/* Nanoseconds of CLOCK_MONOTONIC (or of the fake clock, when set). */
uint64_t clock_now_ns(void);

/* Install a fake clock that returns *now on every call; NULL restores the
 * real one. Only for tests. */
void clock_set_fake(const uint64_t *now);

/* CPU time used by the whole process (all threads, not children), in ns. */
uint64_t clock_process_cpu_ns(void);

/* CPU time used by every reaped child of this process, in ns. */
uint64_t clock_children_cpu_ns(void);

/* CPU time used by the calling thread, in ns. */
uint64_t clock_thread_cpu_ns(void);

/* CPU time (user + system, all threads) of live process pid so far, from
 * /proc/PID/stat, in ns (clock ticks: 10 ms steps at USER_HZ 100); 0 once
 * it is gone. */
uint64_t clock_pid_cpu_ns(int pid);

#endif
