/*
 * clock.c: monotonic and CPU clocks, the lesson clock, and a fake clock for
 * golden tests.
 */
#include "clock.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

_Atomic(const uint64_t *) clock_fake_now;
/* The mapping this process follows; NULL: identity (speed 1, never paused). */
static _Atomic(const struct clock_pace *) source;
static struct clock_pace own; /* the owner's block, when it set one */
/* Every mapping set, newest last (clock_history_update copies them). */
static pthread_mutex_t eras_mu = PTHREAD_MUTEX_INITIALIZER;
static struct clock_era eras[CLOCK_ERAS];
static size_t neras;
static int eras_trimmed; /* the oldest were let go */
static _Atomic unsigned eras_version;

static uint64_t ts_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t clock_real_ns(void)
{
	return ts_ns(CLOCK_MONOTONIC);
}

static double speed_of(const struct clock_map *m)
{
	return m->speed > 0 && m->speed <= 1.0 ? m->speed : 1.0;
}

uint64_t clock_map_lesson(const struct clock_map *m, uint64_t real)
{
	double speed = speed_of(m);
	uint64_t t = real;
	if (m->paused_since != 0 && t > m->paused_since)
		t = m->paused_since;
	if (t <= m->real0) {
		uint64_t back = (uint64_t)((double)(m->real0 - t) * speed + 0.5);
		return m->lesson0 > back ? m->lesson0 - back : 0;
	}
	uint64_t el = t - m->real0;
	el = el > m->paused_ns ? el - m->paused_ns : 0;
	return m->lesson0 + (uint64_t)((double)el * speed + 0.5);
}

uint64_t clock_map_real_span(const struct clock_map *m, uint64_t lesson_ns)
{
	double r = (double)lesson_ns / speed_of(m);
	return r >= 1.8e19 ? UINT64_MAX : (uint64_t)(r + 0.999);
}

uint64_t clock_map_lesson_span(const struct clock_map *m, uint64_t real_ns)
{
	return (uint64_t)((double)real_ns * speed_of(m) + 0.5);
}

void clock_pace_write(struct clock_pace *blk, const struct clock_map *m)
{
	uint64_t bits;
	memcpy(&bits, &m->speed, sizeof(bits));
	uint32_t s = atomic_load_explicit(&blk->seq, memory_order_relaxed);
	atomic_store_explicit(&blk->seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&blk->speed_bits, bits, memory_order_relaxed);
	atomic_store_explicit(&blk->real0, m->real0, memory_order_relaxed);
	atomic_store_explicit(&blk->lesson0, m->lesson0, memory_order_relaxed);
	atomic_store_explicit(&blk->paused_ns, m->paused_ns, memory_order_relaxed);
	atomic_store_explicit(&blk->paused_since, m->paused_since, memory_order_relaxed);
	atomic_store_explicit(&blk->seq, s + 2, memory_order_release);
}

void clock_pace_read(const struct clock_pace *blk, struct clock_map *out)
{
	for (;;) {
		uint32_t s1 = atomic_load_explicit(&blk->seq, memory_order_acquire);
		uint64_t bits = atomic_load_explicit(&blk->speed_bits, memory_order_relaxed);
		out->real0 = atomic_load_explicit(&blk->real0, memory_order_relaxed);
		out->lesson0 = atomic_load_explicit(&blk->lesson0, memory_order_relaxed);
		out->paused_ns = atomic_load_explicit(&blk->paused_ns, memory_order_relaxed);
		out->paused_since = atomic_load_explicit(&blk->paused_since, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if ((s1 & 1) == 0 && atomic_load_explicit(&blk->seq, memory_order_relaxed) == s1) {
			memcpy(&out->speed, &bits, sizeof(bits));
			if (bits == 0)
				out->speed = 1.0; /* a block never written */
			return;
		}
	}
}

void clock_map_get(struct clock_map *out)
{
	const struct clock_pace *blk = atomic_load_explicit(&source, memory_order_acquire);
	if (blk == NULL) {
		memset(out, 0, sizeof(*out));
		out->speed = 1.0;
		return;
	}
	clock_pace_read(blk, out);
}

void clock_map_set(const struct clock_map *m)
{
	pthread_mutex_lock(&eras_mu);
	if (neras == CLOCK_ERAS) {
		memmove(eras, eras + 1, sizeof(eras[0]) * (CLOCK_ERAS - 1));
		neras--;
		eras_trimmed = 1;
	}
	eras[neras++] = (struct clock_era){.from = clock_real_ns(), .m = *m};
	atomic_fetch_add(&eras_version, 1);
	clock_pace_write(&own, m);
	atomic_store_explicit(&source, &own, memory_order_release);
	pthread_mutex_unlock(&eras_mu);
}

void clock_history_update(struct clock_history *h)
{
	unsigned v = atomic_load(&eras_version);
	if (v == h->version)
		return;
	pthread_mutex_lock(&eras_mu);
	h->n = neras;
	h->trimmed = eras_trimmed;
	memcpy(h->era, eras, sizeof(eras[0]) * neras);
	h->version = atomic_load(&eras_version);
	pthread_mutex_unlock(&eras_mu);
}

uint64_t clock_history_lesson(const struct clock_history *h, uint64_t real)
{
	/* Before the first mapping the lesson clock was real time; before
	 * the oldest one kept, that one is the best guess. */
	if (h->n == 0 || (real < h->era[0].from && !h->trimmed))
		return real;
	size_t lo = 0, hi = h->n; /* era[lo].from <= real < era[hi].from */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->era[mid].from <= real)
			lo = mid;
		else
			hi = mid;
	}
	return clock_map_lesson(&h->era[lo].m, real);
}

void clock_pace_attach(const struct clock_pace *blk)
{
	atomic_store_explicit(&source, blk, memory_order_release);
}

uint64_t clock_lesson_of(uint64_t real)
{
	const struct clock_pace *blk = atomic_load_explicit(&source, memory_order_acquire);
	if (blk == NULL)
		return real;
	struct clock_map m;
	clock_pace_read(blk, &m);
	return clock_map_lesson(&m, real);
}

uint64_t clock_now_ns(void)
{
	const uint64_t *fake = atomic_load_explicit(&clock_fake_now, memory_order_relaxed);
	if (fake != NULL)
		return *fake;
	const struct clock_pace *blk = atomic_load_explicit(&source, memory_order_acquire);
	if (blk == NULL)
		return ts_ns(CLOCK_MONOTONIC);
	struct clock_map m;
	clock_pace_read(blk, &m);
	return clock_map_lesson(&m, ts_ns(CLOCK_MONOTONIC));
}

void clock_set_fake(const uint64_t *now)
{
	atomic_store(&clock_fake_now, now);
}

/* CPU time in lesson ns: the work was done 1/speed times over. */
uint64_t clock_lesson_span(uint64_t real_ns)
{
	if (atomic_load_explicit(&source, memory_order_relaxed) == NULL)
		return real_ns;
	struct clock_map m;
	clock_map_get(&m);
	return clock_map_lesson_span(&m, real_ns);
}

uint64_t clock_process_cpu_ns(void)
{
	return clock_lesson_span(ts_ns(CLOCK_PROCESS_CPUTIME_ID));
}

uint64_t clock_thread_cpu_ns(void)
{
	return clock_lesson_span(ts_ns(CLOCK_THREAD_CPUTIME_ID));
}

uint64_t clock_thread_cpu_real_ns(void)
{
	return ts_ns(CLOCK_THREAD_CPUTIME_ID);
}

uint64_t clock_pid_cpu_ns(int pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command name (which may hold spaces and parens):
	 * state is the 3rd field, utime and stime the 14th and 15th. */
	char *p = strrchr(buf, ')');
	unsigned long long ut, st;
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	long hz = sysconf(_SC_CLK_TCK);
	return (ut + st) * NS_PER_S / (uint64_t)(hz > 0 ? hz : 100);
}

uint64_t clock_children_cpu_ns(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
		return 0;
	return clock_lesson_span((uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NS_PER_S +
	                  (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * NS_PER_US);
}
