/*
 * cpuburn.c: calibrated prime counting.
 */
#include "cpuburn.h"

#include <pthread.h>

#include "clock.h"
#include "pace.h"

#define UNIT_N 600 /* one unit: count the primes below 600 (about 10 us) */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static double ns_per_unit = 10000.0;

uint64_t cpuburn_count_primes(uint64_t n)
{
	uint64_t count = 0;
	for (uint64_t k = 2; k < n; k++) {
		int prime = 1;
		for (uint64_t d = 2; d * d <= k; d++)
			if (k % d == 0) {
				prime = 0;
				break;
			}
		count += (uint64_t)prime;
	}
	return count;
}

/* The work itself, undilated. */
static uint64_t burn(uint64_t units)
{
	volatile uint64_t sink = 0;
	for (uint64_t i = 0; i < units; i++)
		sink += cpuburn_count_primes(UNIT_N + (i & 1));
	return sink;
}

/* At speed F the work is done 1/F times over, in cycles of the same units,
 * so it takes 1/F as long and stays the same work; a paused run stops
 * between units. The checksum is the first cycle's. */
uint64_t cpuburn_run(uint64_t units)
{
	uint64_t total = cpuburn_dilated_units(units, pace_cycles());
	uint64_t sink = 0;
	for (uint64_t done = 0; done < total; done++) {
		uint64_t v = cpuburn_count_primes(UNIT_N + ((done % (units ? units : 1)) & 1));
		if (done < units)
			sink += v;
		if ((done & 15) == 15)
			pace_hold();
	}
	return sink;
}

uint64_t cpuburn_dilated_units(uint64_t units, double cycles)
{
	if (!(cycles > 1.0))
		return units;
	return (uint64_t)((double)units * cycles + 0.5);
}

/* Best of `trials` timed runs of work(n) on the clock cpu_ns, n doubling
 * while a run takes less than min_ns: the least disturbed trial is closest
 * to the cost on a free core. Returns the fewest ns one unit of n took, or
 * 0 when no trial took a measurable time. */
static double best_ns_per_unit(void (*work)(uint64_t n), uint64_t (*cpu_ns)(void), uint64_t n, int trials,
                               uint64_t min_ns)
{
	double best = 0;
	for (int trial = 0; trial < trials; trial++) {
		uint64_t t0 = cpu_ns();
		work(n);
		uint64_t dt = cpu_ns() - t0;
		double per = (double)dt / (double)n;
		if (dt > 0 && (best == 0 || per < best))
			best = per;
		if (dt < min_ns)
			n *= 2;
	}
	return best;
}

static void burn_units(uint64_t units)
{
	(void)burn(units);
}

static void calibrate(void)
{
	double best = best_ns_per_unit(burn_units, clock_thread_cpu_real_ns, 64, 7, 2 * NS_PER_MS);
	if (best > 0)
		ns_per_unit = best;
}

double cpuburn_calibrate(void)
{
	pthread_once(&once, calibrate);
	return ns_per_unit;
}

uint64_t cpuburn_units(uint64_t ns)
{
	double per = cpuburn_calibrate();
	uint64_t u = (uint64_t)((double)ns / per + 0.5);
	return u ? u : 1;
}

uint64_t cpuburn_ns(uint64_t ns)
{
	return cpuburn_run(cpuburn_units(ns));
}

/* ---- short spins ---- */

static pthread_once_t spin_once = PTHREAD_ONCE_INIT;
static double spins_per_ns = 0.5;

void cpuburn_spin(uint64_t spins)
{
	for (volatile uint64_t i = 0; i < spins; i++)
		;
}

static void spin_calibrate(void)
{
	/* Trials of about a millisecond each. */
	double best = best_ns_per_unit(cpuburn_spin, clock_thread_cpu_ns, 1u << 16, 9, NS_PER_MS);
	if (best > 0)
		spins_per_ns = 1.0 / best;
}

double cpuburn_spin_calibrate(void)
{
	pthread_once(&spin_once, spin_calibrate);
	return spins_per_ns;
}

uint64_t cpuburn_spins(uint64_t ns)
{
	return (uint64_t)((double)ns * cpuburn_spin_calibrate() + 0.5);
}
