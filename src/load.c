/*
 * load.c: other programs' share of the machine, from /proc/stat minus ours.
 */
#include "load.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "procstat.h"

uint64_t load_pid_cpu_ns(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The name (field 2) may hold spaces and parentheses: skip to its last ')'. */
	const char *p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	unsigned long long v[4];
	/* Fields 3..13 then utime(14) stime(15) cutime(16) cstime(17). */
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &v[0], &v[1],
	           &v[2], &v[3]) != 4)
		return 0;
	return (v[0] + v[1] + v[2] + v[3]) * procstat_tick_ns();
}

/* Real CPU time of this process and its reaped children: /proc/stat is
 * real time, so the lesson clock's dilation (--speed, clock.h) stays out. */
static uint64_t own_real_cpu_ns(void)
{
	struct timespec ts;
	struct rusage ru;
	uint64_t ns = 0;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
		ns += (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
		ns += (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NS_PER_S +
		      (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * NS_PER_US;
	return ns;
}

void load_snap_take(struct load_snap *s, const pid_t *kids, int nkids)
{
	struct procstat ps;
	memset(s, 0, sizeof(*s));
	/* The two reads are microseconds apart: what runs between them is far
	 * below the tick the machine's side is counted in. */
	s->own_ns = own_real_cpu_ns();
	for (int i = 0; i < nkids; i++)
		s->own_ns += load_pid_cpu_ns(kids[i]);
	s->t_ns = clock_real_ns();
	if (procstat_read(&ps) != 0)
		return;
	uint64_t tick = procstat_tick_ns();
	s->busy_ns = ps.busy * tick;
	s->total_ns = ps.total * tick;
	s->ncores = ps.ncores;
	s->ok = 1;
}

double load_other(const struct load_snap *a, const struct load_snap *b)
{
	if (!a->ok || !b->ok || b->t_ns < a->t_ns + LOAD_MIN_WINDOW_NS || b->total_ns <= a->total_ns)
		return -1;
	double total = (double)(b->total_ns - a->total_ns);
	double busy = b->busy_ns > a->busy_ns ? (double)(b->busy_ns - a->busy_ns) : 0;
	double own = b->own_ns > a->own_ns ? (double)(b->own_ns - a->own_ns) : 0;
	double other = (busy - own) / total;
	if (other < 0)
		other = 0;
	if (other > 1)
		other = 1;
	return other;
}

int load_is_busy(double other)
{
	return other >= LOAD_BUSY_THRESHOLD;
}
