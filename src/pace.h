/*
 * pace.h: slow motion and pause of the real run.
 *
 * The owner of a run (the UI thread) sets the run's speed before it starts
 * (pace_begin) and may pause, resume and step it. Speed F dilates the
 * workload itself: every sleep and server delay lasts 1/F longer
 * (pace_sleep_ns, pace_real_ns), CPU work is done 1/F times over
 * (scenarios/lib/cpuburn.c), and the lesson clock (clock.h) runs at F, so the
 * same interleavings happen slower and every figure measured with
 * clock_now_ns comes out as at speed 1.
 *
 * Pause: the lesson clock stops; the run's threads stop at their next trace
 * point (pace_gate, called by the recorder) or between units of CPU work
 * (pace_hold); child processes get SIGSTOP, and SIGCONT on resume. Step: run
 * until the next event (a state change or a print), then pause again.
 *
 * Thread-safety: every call may come from any thread; pace_gate and
 * pace_hold block while the run is paused, so the UI thread never calls them.
 * In a child process (no pace_begin) gates never block: the parent stops the
 * whole process instead, and the lesson clock comes from shared memory.
 */
#ifndef SIMUL_PACE_H
#define SIMUL_PACE_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

/* 1 when speed is allowed (CLOCK_SPEED_MIN..CLOCK_SPEED_MAX). */
int pace_speed_ok(double speed);
/* Parse "0.25" (also "1/4" and "25%") into *speed; 0 or -1 when not a
 * number in range. */
int pace_speed_parse(const char *s, double *speed);

/* ---- the run's owner ---- */

/* A run starts now at `speed`: not paused, no pause counted yet. */
void pace_begin(double speed);
/* The run is over: resume whatever is paused, forget its children. The
 * lesson clock keeps its mapping (it never goes back). */
void pace_end(void);
void pace_pause(void);
void pace_resume(void);
/* While paused: let the run go until its next event, then pause again. */
void pace_step(void);
int pace_paused(void);
/* A step is under way (resumed, waiting for an event). */
int pace_stepping(void);
/* Real ns the run has spent paused since pace_begin (the current pause
 * included). */
uint64_t pace_paused_ns(void);
double pace_speed(void);
/* A child process of the run: stopped and continued with the run. */
void pace_watch_pid(pid_t pid);
/* The owner's timer: a step under way ends once a child process has
 * written an event (the run's own threads end it at their gate). */
void pace_step_check(void);
/* How much of a holdback of real_ns (time left for events on their way
 * before a view takes the record as complete) the lesson clock does not
 * need: real_ns x (1 - speed) while running, all of it while paused. */
uint64_t pace_holdback_credit(uint64_t real_ns);
/* Wake every pace_sleep_ns (the run is stopping). */
void pace_wake(void);

/* ---- the workload ---- */

/* A trace point: wait while the run is paused (not in a child, not on the
 * UI thread); the first event after a step pauses the run again. Inline:
 * while the run neither is paused nor steps, two loads and nothing else. */
extern _Atomic int pace_flag_paused, pace_flag_step;
void pace_gate_slow(void);
static inline void pace_gate(void)
{
	if (atomic_load_explicit(&pace_flag_paused, memory_order_relaxed) ||
	    atomic_load_explicit(&pace_flag_step, memory_order_relaxed))
		pace_gate_slow();
}
/* Between units of work: wait while paused (a step is not taken here). */
void pace_hold(void);
/* Sleep lesson_ns of lesson time (1/speed as long, plus any pause), or less
 * once *stop is set (stop may be NULL). 0 after the full sleep, -1 when
 * cut short. */
int pace_sleep_ns(uint64_t lesson_ns, atomic_int *stop);
/* Real ns that lesson_ns take at the run's speed (for timed waits). */
uint64_t pace_real_ns(uint64_t lesson_ns);
/* Real ms to wait for the lesson clock to reach deadline (a libuv timer
 * re-armed until this says 0): 0 when less than a real ms is left (a libuv
 * timer fires up to 1 ms early), else the nearest ms; while paused, a short
 * poll. */
uint64_t pace_real_ms_until(uint64_t lesson_deadline_ns);
/* Lesson time up to which a deadline is due now: less than a real ms away
 * (pace_real_ms_until says 0 for it); while paused, only what is past. For
 * a timer that wakes many deadlines at once with one clock read. */
uint64_t pace_due_until(void);
/* How many times CPU work is done over (1/speed, >= 1). */
double pace_cycles(void);

#endif
