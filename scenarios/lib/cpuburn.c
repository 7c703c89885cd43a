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

static void calibrate(void)
{
	/* Best of several short trials: the least disturbed one is closest to
	 * the cost on a free core. */
	uint64_t units = 64;
	double best = 0;
	for (int trial = 0; trial < 7; trial++) {
		uint64_t t0 = clock_thread_cpu_real_ns();
		burn(units);
		uint64_t dt = clock_thread_cpu_real_ns() - t0;
		double per = (double)dt / (double)units;
		if (best == 0 || per < best)
			best = per;
		if (dt < 2 * NS_PER_MS)
			units *= 2;
	}
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
