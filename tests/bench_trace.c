/*
 * bench_trace.c: what recording costs.
 *
 *   trace_state_ns_1thread   median ns of one trace_state call, one thread
 *                            (NAME_best: the fastest batch of 1000 calls,
 *                            steadier than the median on a busy machine)
 *   trace_state_faults_per_1k  page faults the one thread took per 1000
 *                            calls (first touches of ring memory the drain
 *                            did not bring in ahead of it)
 *   trace_state_ns_2threads  the same with two threads recording at once
 *                            (NAME_best: the two threads' fastest batches)
 *   clock_read_ns            median ns of one clock read, for comparison
 *   tsc_read_ns              the same for the time stamp counter
 *   trace_clock              what the recorder stamps with (tsc, monotonic)
 *   trace_state_ns_1thread_monotonic  trace_state with CLOCK_MONOTONIC,
 *                            where the counter is the default
 *   trace_clock_drift_ns     the counter against CLOCK_MONOTONIC: the
 *                            largest gap between a calibration point and
 *                            where the rate before it put it
 *   sampler_sweep_us, sampler_hz, sampler_cpu_percent
 *                            the OS sampler's own cost and rate while it
 *                            watches 32 threads for two seconds
 *   trace_overhead_ratio     wall time of a CPU-bound workload (two threads,
 *                            two state changes every ~50 us of work, far more
 *                            often than any demo reports) recorded over the
 *                            same workload with recording off
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "clock.h"
#include "cpuburn.h"
#include "sampler.h"
#include "trace.h"
#include "tsc.h"

#define BATCH 1000
#define ROUNDS 400
#define WORK_UNITS 5 /* units of cpuburn between two state changes */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static volatile int draining = 1;

static void discard(const struct trace_record *r, void *arg)
{
	(void)r;
	(void)arg;
}

/* The UI drains rings while workloads record; so does the benchmark. */
static void *drainer(void *arg)
{
	(void)arg;
	while (draining) {
		trace_drain(discard, NULL);
		struct timespec ts = {0, 2 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

struct per_call {
	trace_task_t task;
	double median, best;
	long faults; /* minor page faults of the measuring thread */
};

static long thread_faults(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_minflt : 0;
}

/* Best batch: what a call costs when nothing else got in the way (on a
 * busy machine the median moves with the load, the best much less). */
static double best_of;

static void *measure_calls(void *arg)
{
	struct per_call *pc = arg;
	uint64_t samples[ROUNDS];
	trace_bind(pc->task);
	long f0 = thread_faults();
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = clock_now_ns();
		for (int i = 0; i < BATCH; i++)
			trace_state(pc->task, (enum state)(i & 3), NULL);
		samples[r] = clock_now_ns() - t0;
	}
	pc->faults = thread_faults() - f0;
	qsort(samples, ROUNDS, sizeof(samples[0]), cmp_u64);
	pc->median = (double)samples[ROUNDS / 2] / BATCH;
	pc->best = (double)samples[0] / BATCH;
	return NULL;
}

static double clock_cost(void)
{
	uint64_t samples[ROUNDS];
	volatile uint64_t sink = 0;
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = clock_now_ns();
		for (int i = 0; i < BATCH; i++)
			sink += clock_now_ns();
		samples[r] = clock_now_ns() - t0;
	}
	qsort(samples, ROUNDS, sizeof(samples[0]), cmp_u64);
	best_of = (double)samples[0] / BATCH;
	return (double)samples[ROUNDS / 2] / BATCH;
}

static double tsc_cost(void)
{
	uint64_t samples[ROUNDS];
	volatile uint64_t sink = 0;
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = clock_now_ns();
		for (int i = 0; i < BATCH; i++)
			sink += tsc_read();
		samples[r] = clock_now_ns() - t0;
	}
	qsort(samples, ROUNDS, sizeof(samples[0]), cmp_u64);
	best_of = (double)samples[0] / BATCH;
	return (double)samples[ROUNDS / 2] / BATCH;
}

static long faults_of; /* the last one_thread's page faults */

static double one_thread(const char *name)
{
	struct per_call one = {.task = trace_task_new(name, KIND_THREAD, NULL)};
	pthread_t t;
	pthread_create(&t, NULL, measure_calls, &one);
	pthread_join(t, NULL);
	best_of = one.best;
	faults_of = one.faults;
	return one.median;
}

struct burner {
	trace_task_t task;
	uint64_t units;
};

static void *burn(void *arg)
{
	struct burner *b = arg;
	trace_bind(b->task);
	for (uint64_t i = 0; i < b->units; i++) {
		trace_state(b->task, STATE_RUNNING, NULL);
		cpuburn_run(WORK_UNITS);
		trace_state(b->task, STATE_READY, NULL);
	}
	return NULL;
}

static uint64_t workload(int record, uint64_t units)
{
	pthread_t th[2];
	struct burner b[2];
	trace_enable(record);
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < 2; i++) {
		b[i].task = trace_task_new("burn", KIND_THREAD, NULL);
		b[i].units = units;
		pthread_create(&th[i], NULL, burn, &b[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	uint64_t dt = clock_now_ns() - t0;
	trace_enable(1);
	return dt;
}

static volatile int sleepers_stop;

static void *sleeper(void *arg)
{
	(void)arg;
	while (!sleepers_stop) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t d;
	trace_reset();
	pthread_create(&d, NULL, drainer, NULL);

	printf("bench: clock_read_ns %.1f ns\n", clock_cost());
	printf("bench: clock_read_ns_best %.1f ns\n", best_of);
	if (tsc_available()) {
		printf("bench: tsc_read_ns %.1f ns\n", tsc_cost());
		printf("bench: tsc_read_ns_best %.1f ns\n", best_of);
	}
	printf("bench: trace_clock %s clock\n", trace_clock());

	printf("bench: trace_state_ns_1thread %.1f ns\n", one_thread("one"));
	printf("bench: trace_state_ns_1thread_best %.1f ns\n", best_of);
	printf("bench: trace_state_faults_per_1k %.2f faults (%ld in %d calls)\n",
	       (double)faults_of * 1000.0 / (ROUNDS * BATCH), faults_of, ROUNDS * BATCH);
	if (strcmp(trace_clock(), "tsc") == 0) {
		tsc_use(0);
		printf("bench: trace_state_ns_1thread_monotonic %.1f ns\n", one_thread("mono"));
		printf("bench: trace_state_ns_1thread_monotonic_best %.1f ns\n", best_of);
		tsc_use(1);
	}

	struct per_call two[2] = {{.task = trace_task_new("a", KIND_THREAD, NULL)},
	                          {.task = trace_task_new("b", KIND_THREAD, NULL)}};
	pthread_t tt[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&tt[i], NULL, measure_calls, &two[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(tt[i], NULL);
	printf("bench: trace_state_ns_2threads %.1f ns\n", (two[0].median + two[1].median) / 2);
	printf("bench: trace_state_ns_2threads_best %.1f ns\n", (two[0].best + two[1].best) / 2);

	/* Alternate on/off runs and keep the best of each, so a burst of
	 * other load on the machine does not decide the ratio. */
	uint64_t units = cpuburn_units(400 * NS_PER_MS) / WORK_UNITS;
	uint64_t dropped0 = trace_dropped();
	uint64_t best_on = UINT64_MAX, best_off = UINT64_MAX;
	for (int r = 0; r < 5; r++) {
		uint64_t off = workload(0, units), on = workload(1, units);
		if (off < best_off)
			best_off = off;
		if (on < best_on)
			best_on = on;
	}
	printf("bench: trace_overhead_ratio %.3f ratio (%.0f state changes/s per thread)\n",
	       (double)best_on / (double)best_off, 2.0 * (double)units / ((double)best_on / 1e9));
	printf("bench: trace_overhead_dropped %llu events\n",
	       (unsigned long long)(trace_dropped() - dropped0));

	/* The sampler with 32 sleeping threads to watch. */
	pthread_t sleepers[32];
	for (int i = 0; i < 32; i++)
		pthread_create(&sleepers[i], NULL, sleeper, NULL);
	struct sampler *smp;
	struct sampler_stats st;
	if (sampler_start(&smp, SAMPLER_DEFAULT_HZ) == 0) {
		struct timespec run_for = {2, 0};
		nanosleep(&run_for, NULL);
		sampler_stop(smp, &st);
		printf("bench: sampler_hz %.1f Hz (watching %d threads)\n", st.mean_hz, 32 + 2);
		printf("bench: sampler_sweep_us %.1f us\n", st.sweep_us);
		printf("bench: sampler_cpu_percent %.2f %% of one core\n", (double)st.cpu_ns / 2e9 * 100);
	}
	sleepers_stop = 1;
	for (int i = 0; i < 32; i++)
		pthread_join(sleepers[i], NULL);

	draining = 0;
	pthread_join(d, NULL);
	if (strcmp(trace_clock(), "tsc") == 0)
		printf("bench: trace_clock_drift_ns %llu ns (over the run, %.0f MHz)\n",
		       (unsigned long long)tsc_drift_ns(), tsc_hz() / 1e6);
	return 0;
}
