/*
 * gil.h: an emulation of CPython's GIL (the "new GIL" of CPython 3.2+), for
 * threads that do real work in C.
 *
 * A thread must hold the GIL to do CPU work. The holder calls gil_check
 * between small units of work. A thread that wants the GIL waits on a
 * condition variable for up to the switch interval (5 ms by default, as
 * sys.getswitchinterval()); if no hand-over happened meanwhile it sets a
 * drop request. The holder sees the request at its next gil_check, drops
 * the GIL and, as CPython does with FORCE_SWITCHING, waits until another
 * thread has taken it before asking for it again, so the requester gets it
 * next. A thread about to block on I/O calls gil_release, then gil_acquire
 * after it; like CPython's drop_gil, a release while a drop request is
 * pending also waits for the hand-over. Taking it back before anyone else
 * did is not a hand-over (CPython's switch_number does not move), so a
 * waiter's interval goes on.
 *
 * Every wait is reported to the recorder as STATE_GIL with the holder
 * named ("waiting for the GIL held by cpu-1"); the thread becomes
 * STATE_RUNNING when it gets it, woken (trace_wake) by the task that let
 * it go last. It is an emulation: labelled as such in
 * every demo that uses it.
 *
 * A NULL gil is "GIL off": every call returns at once, so the same worker
 * code runs with and without it.
 */
#ifndef SIMUL_GIL_H
#define SIMUL_GIL_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

#define GIL_DEFAULT_INTERVAL_NS 5000000ull /* CPython's 5 ms */

struct gil;

/* A GIL with this switch interval (0: the default 5 ms); NULL on ENOMEM. */
struct gil *gil_new(uint64_t switch_interval_ns);
void gil_free(struct gil *g);
/* Name a task for the reasons other tasks' waits give ("held by NAME");
 * unnamed tasks are called "task N". Call before the threads start. */
void gil_name_task(struct gil *g, trace_task_t task, const char *name);

/* Take the GIL (waiting in STATE_GIL if another task holds it), then report
 * STATE_RUNNING at Python line `line` (0: none). */
void gil_acquire(struct gil *g, trace_task_t task, int line);
/* The same, drawing nothing, for a caller that takes the GIL back many
 * thousand times a second (after every contended lock) and draws a sample
 * of those waits itself. */
void gil_acquire_quiet(struct gil *g, trace_task_t task);
/* Give it up (before blocking I/O, or at the end). Report the next state
 * (io...) first, so the lanes never show two holders running at once. */
void gil_release(struct gil *g, trace_task_t task);
/* CPython's eval-breaker check, called by the holder where the Python it
 * mirrors would check: between small units of CPU work for code that
 * loops, and, for code whose exact switch points matter (threads/race),
 * only where CPython 3.10+ checks: at the RESUME that starts a function, a
 * backward jump, and after a call to a C function. Hands the GIL over when
 * another thread asked for it, and takes it back after. Returns 1 when it
 * did switch. Cheap (one atomic load) when nobody asked. */
int gil_check(struct gil *g, trace_task_t task, int line);

/* Hand-overs from one task to another so far. */
uint64_t gil_switches(const struct gil *g);
/* Times between successive hand-overs (how long each holder kept it), in
 * ns, oldest first (the first million are kept); copies at most max,
 * returns how many there are. */
size_t gil_switch_intervals(const struct gil *g, uint64_t *out, size_t max);
/* Median of those intervals in ms (0 when there were none). */
double gil_switch_interval_median_ms(const struct gil *g);

#endif
