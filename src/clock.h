/*
 * clock.h: the one time source of simul, and the lesson clock.
 *
 * Every timestamp is nanoseconds of CLOCK_MONOTONIC, which is shared by all
 * processes on the machine, so a child's events line up with its parent's.
 *
 * A run can be slowed down and paused (src/pace.c). Then clock_now_ns reads
 * the *lesson clock*: real time times the speed, stopped while the run is
 * paused. At speed 1 and never paused it is CLOCK_MONOTONIC itself. The
 * workload is dilated to match (sleeps last 1/speed longer, CPU work is done
 * 1/speed times), so what the lesson clock measures is what a speed-1 run
 * would have measured. The CPU clocks below are in lesson time too (real CPU
 * time times the speed); the *_real_ns ones are not dilated.
 *
 * The mapping is a small block of numbers under a sequence lock. A child
 * process reads its parent's block from shared memory (clock_pace_attach,
 * done when it attaches its trace ring), so it keeps the same lesson clock.
 *
 * Tests may install a fake clock so that renderers can be checked against
 * golden files; the fake clock is process-wide and not meant for workloads.
 */
#ifndef SIMUL_CLOCK_H
#define SIMUL_CLOCK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

/* Slowest and fastest speed of a run (1: real time). */
#define CLOCK_SPEED_MIN 0.01
#define CLOCK_SPEED_MAX 1.0

/* Nanoseconds of the lesson clock (or of the fake clock, when set). */
uint64_t clock_now_ns(void);
/* Nanoseconds of CLOCK_MONOTONIC, never dilated nor paused: for what the
 * person watching sees (screen timers, recordings, scripts). */
uint64_t clock_real_ns(void);

/* Install a fake clock that returns *now on every call; NULL restores the
 * real one. Only for tests. */
void clock_set_fake(const uint64_t *now);
/* The fake clock's reading, when one is installed (the recorder's hot path
 * looks here rather than call clock_now_ns). */
extern _Atomic(const uint64_t *) clock_fake_now;

/* CPU time used by the whole process (all threads, not children), in
 * lesson ns. */
uint64_t clock_process_cpu_ns(void);
/* CPU time used by every reaped child of this process, in lesson ns. */
uint64_t clock_children_cpu_ns(void);
/* CPU time used by the calling thread, in lesson ns. */
uint64_t clock_thread_cpu_ns(void);
/* The same, real (for calibration and simul's own overhead). */
uint64_t clock_thread_cpu_real_ns(void);

/* ---- the lesson clock's mapping ---- */

/* At real time real0 the lesson clock read lesson0; since then it has run at
 * `speed` except for paused_ns of real time in finished pauses and, when
 * paused_since is not 0, the pause that began then (the clock stands still). */
struct clock_map {
	double speed;
	uint64_t real0, lesson0;
	uint64_t paused_ns;
	uint64_t paused_since;
};

/* The block a mapping is published in (in shared memory for children). */
struct clock_pace {
	_Atomic uint32_t seq; /* odd while a writer is at it */
	_Atomic uint64_t speed_bits, real0, lesson0, paused_ns, paused_since;
};

/* Pure arithmetic (unit-tested): the lesson time of real time `real`... */
uint64_t clock_map_lesson(const struct clock_map *m, uint64_t real);
/* ...real ns that lesson_ns of lesson time take while running... */
uint64_t clock_map_real_span(const struct clock_map *m, uint64_t lesson_ns);
/* ...and lesson ns worth real_ns of real time (CPU time, measured spans). */
uint64_t clock_map_lesson_span(const struct clock_map *m, uint64_t real_ns);

/* This process's mapping now (identity at speed 1 when none was set). */
void clock_map_get(struct clock_map *out);
/* Publish a new mapping for this process (the run's owner, src/pace.c). */
void clock_map_set(const struct clock_map *m);
/* Write / read a block (a writer at a time). */
void clock_pace_write(struct clock_pace *blk, const struct clock_map *m);
void clock_pace_read(const struct clock_pace *blk, struct clock_map *out);
/* Child process: follow the mapping in blk (shared with the parent). */
void clock_pace_attach(const struct clock_pace *blk);
/* Lesson ns worth real_ns of this process's CPU time or real time. */
uint64_t clock_lesson_span(uint64_t real_ns);
/* Lesson time of an earlier real time (the OS sampler's intervals), by the
 * mapping in force now. */
uint64_t clock_lesson_of(uint64_t real);

/*
 * The mappings this process has set (clock_map_set), each with the real
 * time it took effect: the recorder stamps events with real time and turns
 * them into lesson time when it drains them, by the mapping in force when
 * each was written (a pause that has ended since must not move an event
 * that came before it). Before the first mapping the lesson clock was real
 * time. The newest CLOCK_ERAS are kept: far more than a drain's worth.
 */
#define CLOCK_ERAS 256
struct clock_era {
	uint64_t from; /* real ns */
	struct clock_map m;
};
struct clock_history {
	unsigned version;
	size_t n;
	int trimmed; /* older mappings were let go */
	struct clock_era era[CLOCK_ERAS];
};
/* Bring a copy up to date (cheap when nothing changed). */
void clock_history_update(struct clock_history *h);
/* Lesson time of real time `real` by the copy. */
uint64_t clock_history_lesson(const struct clock_history *h, uint64_t real);

/* CPU time (user + system, all threads) of live process pid so far, from
 * /proc/PID/stat, in ns (clock ticks: 10 ms steps at USER_HZ 100); 0 once
 * it is gone. */
uint64_t clock_pid_cpu_ns(int pid);

#endif
