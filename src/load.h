/*
 * load.h: how much of the machine other programs used while simul measured.
 *
 * A busy machine can turn a lesson upside down (two threads "slower" than
 * one, a pool "no faster" than a loop) without anything being wrong with
 * the lesson. So simul measures the other load, and says so when it is high.
 *
 * Other load over a window = the machine's busy CPU time in that window
 * (/proc/stat, all cores, see procstat.h) minus simul's own CPU time (this
 * process, its reaped children, and the live child processes it was given),
 * divided by the machine's CPU time (cores × wall). It is a fraction of the
 * machine's cores: 0 nothing else ran, 0.5 others kept one core of two busy,
 * 1 others had every core. Multiply by the cores for "1.8 of 2 cores".
 *
 * Accuracy: the kernel counts machine time in ticks (10 ms at USER_HZ 100)
 * and simul's own time in nanoseconds, so a window of w seconds on c cores
 * is good to about ±c ticks: ±0.1 over 100 ms on 2 cores, ±0.01 over 1 s.
 * Windows shorter than LOAD_MIN_WINDOW_NS give no figure (-1). Descendants
 * that simul does not know about (a child's own children while they live)
 * count as "other".
 *
 * The machine is *busy* when the other load is at least
 * LOAD_BUSY_THRESHOLD (a quarter of the cores: half a core of two). Above
 * it, a comparison that needs every core (threads without the GIL,
 * processes) loses a visible part of its speedup, and its figures are
 * flagged; below it the lessons' orderings held in our measurements.
 *
 * Scenario code asks "was the machine busy during my measurement?" with
 * run_load_mark() and run_load_busy_since() (run.h), which use this module
 * with the run's watched children. All functions are thread-safe (no shared
 * state).
 */
#ifndef SIMUL_LOAD_H
#define SIMUL_LOAD_H

#include <stdint.h>
#include <sys/types.h>

#define LOAD_BUSY_THRESHOLD 0.25
#define LOAD_MIN_WINDOW_NS (50ull * 1000 * 1000)

/* The machine's and simul's CPU time at one instant. */
struct load_snap {
	uint64_t t_ns;     /* when (clock_real_ns: real time, never the lesson clock) */
	uint64_t busy_ns;  /* the machine's busy CPU time, all cores */
	uint64_t total_ns; /* the machine's CPU time, all cores (about cores × uptime) */
	uint64_t own_ns;   /* simul's: process + reaped children + kids below */
	int ncores;        /* cores in /proc/stat */
	int ok;            /* 0 when /proc/stat could not be read */
};

/* Take a snapshot; kids are live child processes whose CPU is simul's
 * (their own reaped children included). kids may be NULL when nkids is 0. */
void load_snap_take(struct load_snap *s, const pid_t *kids, int nkids);

/* Other programs' share of the machine between a and b (a earlier), 0..1,
 * or -1 when either snapshot failed or the window is shorter than
 * LOAD_MIN_WINDOW_NS. */
double load_other(const struct load_snap *a, const struct load_snap *b);

/* 1 when `other` (from load_other) is at or above LOAD_BUSY_THRESHOLD,
 * 0 otherwise (also for -1: unknown is not busy). */
int load_is_busy(double other);

/* CPU time of process pid and its reaped children (utime, stime, cutime,
 * cstime of /proc/pid/stat) in ns, or 0 when it is gone. */
uint64_t load_pid_cpu_ns(pid_t pid);

#endif
