/*
 * procstat.h: the machine's CPU time, as the kernel counts it in /proc/stat.
 *
 * One reader for every part of simul that wants to know how busy the cores
 * are: the sampler (per-core use over a run), the machine-load measure
 * (src/load.h: other programs' share of the machine) and the TUI's core
 * meters. It reads the aggregate "cpu" line and one "cpuN" line per core.
 *
 * Units are the kernel's clock ticks (USER_HZ, usually 100 a second);
 * procstat_tick_ns() converts. "busy" is every field but idle and iowait
 * (user, nice, system, irq, softirq, steal: steal is time another guest of
 * the hypervisor had the core, so it is load too); "total" is every field.
 * guest and guest_nice are already inside user and nice, so they are not
 * added twice.
 *
 * Not thread-safe state: there is none; each call fills the caller's struct.
 */
#ifndef SIMUL_PROCSTAT_H
#define SIMUL_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>

#define PROCSTAT_MAX_CORES 256

struct procstat {
	uint64_t busy, total;                   /* the "cpu" line: all cores */
	int ncores;                             /* "cpuN" lines read */
	uint64_t core_busy[PROCSTAT_MAX_CORES]; /* per core, in order of the lines */
	uint64_t core_total[PROCSTAT_MAX_CORES];
};

/* Read /proc/stat into *ps. Returns 0, or -errno (ps is then zeroed). */
int procstat_read(struct procstat *ps);
/* Parse the text of a /proc/stat (for tests). Returns 0, or -EINVAL when
 * it has no aggregate "cpu" line. */
int procstat_parse(const char *text, struct procstat *ps);
/* Nanoseconds in one clock tick of /proc/stat (10,000,000 at USER_HZ 100). */
uint64_t procstat_tick_ns(void);

#endif
