/*
 * tsc.c: the time stamp counter, calibrated against CLOCK_MONOTONIC (see
 * tsc.h).
 *
 * Calibration points live in a small array, oldest first; a new point is
 * kept only a millisecond or more after the last one, so that no stretch
 * is too short to give its rate well. When the array is full the older
 * half goes: events are drained within a frame or two, long before.
 */
#include "tsc.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

#define TSC_POINTS 64
#define TSC_MIN_STRETCH_NS NS_PER_MS
/* A stretch long enough that its own rate beats the run-long one for
 * events after the last point (it follows CLOCK_MONOTONIC's slewing). */
#define TSC_RECENT_NS (5 * NS_PER_MS)
/* A stretch this far off the run-long rate means the counter is not
 * invariant: it is turned off. */
#define TSC_RATE_TOLERANCE 0.01

_Atomic int tsc_active;

struct tsc_pt {
	uint64_t tsc, ns;
	double rate; /* ns per tick up to the next point (or after the last) */
};

static pthread_once_t detect_once = PTHREAD_ONCE_INIT;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int available;
static struct tsc_pt pts[TSC_POINTS];
static size_t npts;
static _Atomic uint64_t drift_ns;
static _Atomic uint64_t hz_bits;

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* 1 when the cpuinfo flags line names both flags as whole words. */
static int has_flag(const char *flags, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = flags; (p = strstr(p, name)) != NULL; p += n) {
		int start = p == flags || p[-1] == ' ' || p[-1] == '\t';
		int end = p[n] == ' ' || p[n] == '\n' || p[n] == '\0';
		if (start && end)
			return 1;
	}
	return 0;
}

static void detect(void)
{
#if defined(__x86_64__)
	FILE *f = fopen("/proc/cpuinfo", "re");
	if (f == NULL)
		return;
	char line[4096];
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		available = has_flag(line, "constant_tsc") && has_flag(line, "nonstop_tsc");
		break;
	}
	fclose(f);
#endif
}

int tsc_available(void)
{
	pthread_once(&detect_once, detect);
	return available;
}

/* A point: the counter read on both sides of the clock, the tightest of a
 * few tries (a try the scheduler cut in two is far from the others). */
static struct tsc_pt read_point(void)
{
	struct tsc_pt best = {0, 0, 0.0};
	uint64_t best_w = UINT64_MAX;
	for (int i = 0; i < 4; i++) {
		uint64_t a = tsc_read();
		uint64_t ns = mono_ns();
		uint64_t b = tsc_read();
		if (b >= a && b - a < best_w) {
			best_w = b - a;
			best.tsc = a + (b - a) / 2;
			best.ns = ns;
		}
	}
	return best;
}

static double rate(const struct tsc_pt *a, const struct tsc_pt *b) /* ns per tick */
{
	return b->tsc > a->tsc ? (double)(b->ns - a->ns) / (double)(b->tsc - a->tsc) : 0.0;
}

/* Check a new point against the stretch before it, then keep it. */
static void add_point(struct tsc_pt p)
{
	if (npts > 0 && (p.ns < pts[npts - 1].ns + TSC_MIN_STRETCH_NS || p.tsc <= pts[npts - 1].tsc))
		return;
	if (npts >= 2) {
		const struct tsc_pt *a = &pts[npts - 2], *b = &pts[npts - 1];
		double predicted = (double)b->ns + (double)(p.tsc - b->tsc) * rate(a, b);
		uint64_t gap = (uint64_t)fabs(predicted - (double)p.ns);
		if (gap > atomic_load(&drift_ns))
			atomic_store(&drift_ns, gap);
		double whole = rate(&pts[0], &p), last = rate(b, &p);
		if (whole <= 0 || fabs(last / whole - 1.0) > TSC_RATE_TOLERANCE)
			atomic_store(&tsc_active, 0); /* not invariant after all */
	}
	if (npts == TSC_POINTS) {
		memmove(pts, pts + TSC_POINTS / 2, sizeof(pts[0]) * (TSC_POINTS - TSC_POINTS / 2));
		npts = TSC_POINTS - TSC_POINTS / 2;
	}
	pts[npts++] = p;
	if (npts >= 2) {
		/* The last stretch's rate when it is long enough, else the
		 * run-long one, carries on after the last point. */
		struct tsc_pt *b = &pts[npts - 1], *a = &pts[npts - 2];
		a->rate = rate(a, b);
		b->rate = b->ns - a->ns >= TSC_RECENT_NS ? a->rate : rate(&pts[0], b);
		double hz = 1e9 / rate(&pts[0], &pts[npts - 1]);
		uint64_t bits;
		memcpy(&bits, &hz, sizeof(bits));
		atomic_store(&hz_bits, bits);
	}
}

/* The first two points, a millisecond apart, so the rate is known before
 * the first drain; a rate no CPU has means no counter to trust. */
static int calibrate(void)
{
	if (npts >= 2)
		return 1;
	if (npts == 0)
		add_point(read_point());
	uint64_t since = mono_ns() - pts[0].ns;
	if (since < TSC_MIN_STRETCH_NS + NS_PER_MS / 10) {
		uint64_t wait = TSC_MIN_STRETCH_NS + NS_PER_MS / 10 - since;
		struct timespec ts = {0, (long)wait};
		nanosleep(&ts, NULL);
	}
	add_point(read_point());
	if (npts < 2)
		return 0;
	double hz = 1e9 / rate(&pts[0], &pts[1]);
	return hz > 1e8 && hz < 1e10;
}

int tsc_use(int on)
{
	if (on && (!tsc_available() || !calibrate()))
		on = 0;
	atomic_store(&tsc_active, on);
	return on;
}

/* The environment's choice (SIMUL_TRACE_CLOCK=monotonic|tsc), else the
 * counter where there is one. */
static void choose(void)
{
	const char *want = getenv("SIMUL_TRACE_CLOCK");
	int on = tsc_available() && !(want != NULL && strcmp(want, "monotonic") == 0);
	tsc_use(on);
}

void tsc_init(void)
{
	pthread_once(&init_once, choose);
}

static void told(void)
{
}

void tsc_follow(int on)
{
	pthread_once(&init_once, told);
	atomic_store(&tsc_active, on && tsc_available());
}

void tsc_point(void)
{
	if (npts == 0 && !tsc_on())
		return; /* never used here: no points to keep */
	add_point(read_point());
}

uint64_t tsc_to_real_ns(uint64_t x)
{
	if (npts == 0)
		return mono_ns(); /* no point yet: cannot happen once in use */
	if (npts == 1)
		return pts[0].ns;
	const struct tsc_pt *a = &pts[npts - 1];
	if (x < a->tsc) {
		if (x < pts[0].tsc) {
			a = &pts[0];
			uint64_t back = (uint64_t)((double)(a->tsc - x) * a->rate + 0.5);
			return a->ns > back ? a->ns - back : 0;
		}
		size_t lo = 0, hi = npts - 1; /* pts[lo].tsc <= x < pts[hi].tsc */
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (pts[mid].tsc <= x)
				lo = mid;
			else
				hi = mid;
		}
		a = &pts[lo];
	}
	return a->ns + (uint64_t)((double)(x - a->tsc) * a->rate + 0.5);
}

const char *tsc_clock_name(void)
{
	return tsc_on() ? "tsc" : "monotonic";
}

uint64_t tsc_drift_ns(void)
{
	return atomic_load(&drift_ns);
}

double tsc_hz(void)
{
	uint64_t bits = atomic_load(&hz_bits);
	double hz;
	memcpy(&hz, &bits, sizeof(hz));
	return hz;
}
