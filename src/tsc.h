/*
 * tsc.h: the CPU's time stamp counter as the recorder's clock.
 *
 * Reading CLOCK_MONOTONIC costs about 20 ns here; reading the time stamp
 * counter (rdtsc) about half that. Where the CPU says the counter is
 * invariant (constant_tsc: it ticks at one rate whatever the core's
 * frequency; nonstop_tsc: it keeps ticking in sleep states) the recorder
 * stamps events with raw ticks and turns them into nanoseconds of
 * CLOCK_MONOTONIC when it drains them, on the UI thread: never on the
 * workload's path.
 *
 * The conversion is piecewise linear between calibration points, pairs of
 * (ticks, CLOCK_MONOTONIC) read back to back: one when the clock is chosen
 * and one per drain. Between two points the error is that of reading a
 * point (tens of ns); it follows CLOCK_MONOTONIC's own adjustments (NTP
 * slews it by parts per million, the counter is not). Every new point is
 * also a drift check: how far the previous stretch's rate would have put
 * it. A stretch whose rate is off by more than 1 % (a counter that is not
 * invariant after all, a migrated VM) turns the counter off for good:
 * later events are stamped with CLOCK_MONOTONIC.
 *
 * Elsewhere (not x86-64, no invariant counter, or SIMUL_TRACE_CLOCK=
 * monotonic in the environment) there is no counter and the recorder reads
 * CLOCK_MONOTONIC.
 *
 * Thread-safety: tsc_read and tsc_on from any thread; tsc_point and
 * tsc_to_real_ns from one thread at a time (the recorder's drain).
 */
#ifndef SIMUL_TSC_H
#define SIMUL_TSC_H

#include <stdatomic.h>
#include <stdint.h>

/* 1 when the counter is in use (after tsc_init chose it), else 0. */
extern _Atomic int tsc_active;

static inline int tsc_on(void)
{
	return atomic_load_explicit(&tsc_active, memory_order_relaxed);
}

static inline uint64_t tsc_read(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
#else
	return 0;
#endif
}

/* Choose the clock, once per process (later calls return at once): the
 * counter when the CPU has an invariant one and the environment does not
 * say otherwise. Takes the first calibration point and, to know the rate
 * before the first drain, a second one a millisecond later. */
void tsc_init(void);
/* Use the counter (1) or CLOCK_MONOTONIC (0) from now on; 0 when the
 * counter was asked for and is not there. For tests and for a child
 * process told by its parent. */
int tsc_use(int on);
/* A child process stamps as its parent says (on: the counter), with no
 * calibration of its own: the parent converts its events. */
void tsc_follow(int on);
/* 1 when this machine has an invariant counter. */
int tsc_available(void);

/* A calibration point now (the drain calls it first). */
void tsc_point(void);
/* CLOCK_MONOTONIC ns of a tick count read by tsc_read. */
uint64_t tsc_to_real_ns(uint64_t ticks);

/* "tsc" or "monotonic": the clock new events are stamped with. */
const char *tsc_clock_name(void);
/* Largest gap seen between a calibration point and where the rate before it
 * had put it, in ns (the counter's drift against CLOCK_MONOTONIC over one
 * stretch, plus the error of reading a point). */
uint64_t tsc_drift_ns(void);
/* Ticks per second, as measured over the run so far (0 when unused). */
double tsc_hz(void);

#endif
