/*
 * cpuburn.h: real CPU work of a known duration.
 *
 * The work is counting primes by trial division (what the classic
 * multiprocessing examples do), in units of a fixed size. cpuburn_calibrate
 * measures how long a unit takes on this machine (once, on first use), so
 * cpuburn_ns(5 ms) does about 5 ms of real work when the thread has a core
 * to itself, and takes longer when it has to share one: that is the point.
 *
 * For steps far shorter than a unit (the tens of nanoseconds a few Python
 * bytecodes take), cpuburn_spin_ns spins a calibrated empty loop instead:
 * reading the clock costs about as much as the step itself on some VMs.
 */
#ifndef SIMUL_CPUBURN_H
#define SIMUL_CPUBURN_H

#include <stdint.h>

/* Measure (once; later calls return the same) ns per unit of work. */
double cpuburn_calibrate(void);
/* Units of work that take about ns on one free core. */
uint64_t cpuburn_units(uint64_t ns);
/* Do `units` units of work; returns a checksum so it cannot be optimised
 * away. A slowed-down run (pace.h) does them 1/speed times over. */
uint64_t cpuburn_run(uint64_t units);
/* Units really done for `units` when the work is done `cycles` times over
 * (pace_cycles()); unit-tested arithmetic. */
uint64_t cpuburn_dilated_units(uint64_t units, double cycles);
/* Do about ns of work (on a free core). */
uint64_t cpuburn_ns(uint64_t ns);
/* Measure (once) the spins of cpuburn_spin per ns. */
double cpuburn_spin_calibrate(void);
/* Spins that take about ns on a free core (0 for 0 ns). */
uint64_t cpuburn_spins(uint64_t ns);
/* Spin `spins` times (an empty loop the compiler keeps). */
void cpuburn_spin(uint64_t spins);
/* Count primes below n by trial division (one unit of work is n = 600). */
uint64_t cpuburn_count_primes(uint64_t n);

#endif
