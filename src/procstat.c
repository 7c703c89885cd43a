/*
 * procstat.c: parse the cpu lines of /proc/stat.
 */
#include "procstat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Busy and total ticks of one "cpu..." line (after its name). */
static int parse_fields(const char *p, uint64_t *busy, uint64_t *total)
{
	/* user nice system idle iowait irq softirq steal [guest guest_nice] */
	unsigned long long v[8] = {0};
	int n = sscanf(p, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
	               &v[5], &v[6], &v[7]);
	if (n < 4)
		return -1;
	uint64_t all = 0;
	for (int i = 0; i < 8; i++)
		all += v[i];
	*total = all;
	*busy = all - v[3] - v[4];
	return 0;
}

int procstat_parse(const char *text, struct procstat *ps)
{
	int have_all = 0;
	memset(ps, 0, sizeof(*ps));
	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *next = strchr(line, '\n');
		if (strncmp(line, "cpu", 3) == 0) {
			const char *p = line + 3;
			if (*p == ' ') {
				have_all = parse_fields(p, &ps->busy, &ps->total) == 0;
			} else if (*p >= '0' && *p <= '9' && ps->ncores < PROCSTAT_MAX_CORES) {
				while (*p >= '0' && *p <= '9')
					p++;
				if (parse_fields(p, &ps->core_busy[ps->ncores], &ps->core_total[ps->ncores]) == 0)
					ps->ncores++;
			}
		}
		line = next ? next + 1 : NULL;
	}
	if (!have_all) {
		memset(ps, 0, sizeof(*ps));
		return -EINVAL;
	}
	return 0;
}

int procstat_read(struct procstat *ps)
{
	/* The cpu lines come first; 64 KiB holds them for hundreds of cores. */
	static const size_t cap = 64 * 1024;
	char buf[64 * 1024];
	size_t len = 0;
	int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		memset(ps, 0, sizeof(*ps));
		return -e;
	}
	while (len < cap - 1) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return procstat_parse(buf, ps);
}

uint64_t procstat_tick_ns(void)
{
	long hz = sysconf(_SC_CLK_TCK);
	return 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
}
