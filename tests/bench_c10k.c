/*
 * bench_c10k.c: loop/c10k against Python's asyncio, the same workload in
 * the same run: 100,000 tasks that each sleep one second (io=sleep), 10,000
 * that each GET 64 bytes with one second of latency from the loopback
 * server (io=net), and a million sleepers (ours only). asyncio's lines are
 * skipped, with a note, when python3 is absent; its script is written to a
 * temporary file and removed.
 *
 * Each workload runs twice, ours and asyncio's in turn, and each side's
 * better round is printed, so that a burst of other load does not decide
 * the comparison. Printed per workload:
 *   *_wall_ms, *_overhead_ms   wall time, and wall time less the one
 *                              second every task waits
 *   *_loop_cpu_ms              on-CPU time of our loop's thread (asyncio:
 *                              of its process): what the machinery cost,
 *                              whatever else the machine did
 *   *_process_cpu_ms           ours, all threads: the loop, the recorder's
 *                              drain and the timeline model (and, for
 *                              io=net, the loopback server, which asyncio's
 *                              run has in another process)
 *   *_peak_rss_mb              peak memory (ours: the recorder's rings and
 *                              the model included)
 * The benches compare simul's own machinery with asyncio's, so loop/c10k
 * runs with cost=c: its default, cost=cpython, also spends CPython's
 * per-task CPU on the loop to mirror the lesson's Python.
 *
 * Each Check test is its own process, so peak memory is per workload. The
 * open-file limit is raised where we may (root) so that 10,000 connections
 * (20,000 descriptors with the server in our process) fit at once.
 *
 * Also: what one await costs (a zero-length timer: a loop turn, two
 * switches and the stack copies) and one generator hand-over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "app.h"
#include "clock.h"
#include "co.h"
#include "httpd.h"
#include "support.h"
#include "trace.h"

#define ROUNDS 2

/* N tasks, each a GET of 64 bytes from the loopback server (io "net") or
 * one asyncio.sleep (io "sleep"). Prints "WALL_MS PEAK_RSS_MB CPU_MS". */
static const char asyncio_script[] =
	"import asyncio, resource, sys, time\n"
	"n, io, port, latency = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])\n"
	"soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
	"resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))\n"
	"async def fetch():\n"
	"    if io == 'sleep':\n"
	"        await asyncio.sleep(latency / 1000)\n"
	"        return\n"
	"    r, w = await asyncio.open_connection('127.0.0.1', port)\n"
	"    w.write(b'GET /bytes/64?latency_ms=%d HTTP/1.0\\r\\n\\r\\n' % latency)\n"
	"    await r.read()\n"
	"    w.close()\n"
	"    await w.wait_closed()\n"
	"async def main():\n"
	"    await asyncio.gather(*(fetch() for _ in range(n)))\n"
	"t0, c0 = time.perf_counter(), time.process_time()\n"
	"asyncio.run(main())\n"
	"wall = (time.perf_counter() - t0) * 1000\n"
	"cpu = (time.process_time() - c0) * 1000\n"
	"print('%.1f %.1f %.1f' % (wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, cpu))\n";

struct figures {
	double wall_ms, rss_mb, loop_cpu_ms, process_cpu_ms;
	uint64_t dropped; /* events lost: the recorder's rings, the model's span budget */
};

/* Runs the script; 0 and the figures, or -1 when python3 is missing or
 * failed. */
static int asyncio_run(long n, const char *io, int port, int latency_ms, struct figures *f)
{
	if (system("command -v python3 >/dev/null 2>&1") != 0)
		return -1;
	char path[] = "/tmp/simul_bench_c10k_XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	ssize_t len = (ssize_t)strlen(asyncio_script);
	int ok = write(fd, asyncio_script, (size_t)len) == len;
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "python3 %s %ld %s %d %d", path, n, io, port, latency_ms);
	FILE *p = ok ? popen(cmd, "r") : NULL;
	int got = p && fscanf(p, "%lf %lf %lf", &f->wall_ms, &f->rss_mb, &f->loop_cpu_ms) == 3;
	if (p)
		pclose(p);
	unlink(path);
	f->process_cpu_ms = f->loop_cpu_ms;
	return got ? 0 : -1;
}

/* A result, or -1 when the demo did not set it (an older simul, for a
 * before-and-after comparison). */
static double result_or_none(const struct run *run, const char *key)
{
	for (int i = 0; i < run->nresults; i++)
		if (!run->results[i].is_text && strcmp(run->results[i].key, key) == 0)
			return run->results[i].num;
	return -1;
}

static void run_c10k(const char *const *sets, struct figures *f)
{
	struct run run;
	struct model *m = support_run_demo("loop/c10k", sets, &run);
	f->wall_ms = support_result(&run, "wall_ms");
	f->rss_mb = support_result(&run, "peak_rss_mb");
	f->loop_cpu_ms = result_or_none(&run, "loop_cpu_ms");
	f->process_cpu_ms = (double)run.cpu_ns / 1e6;
	f->dropped = trace_dropped() + model_spans_dropped(m);
	model_free(m);
	run_destroy(&run);
}

/* The better of two rounds: less overhead (and the memory of that one). */
static void keep_best(struct figures *best, const struct figures *f, int first)
{
	if (first || f->wall_ms < best->wall_ms)
		*best = *f;
}

static void load_line(const char *what)
{
	double load[1];
	if (getloadavg(load, 1) == 1)
		printf("bench: %s_loadavg %.1f (1 min, %ld cores)\n", what, load[0], sysconf(_SC_NPROCESSORS_ONLN));
}

/* Ours and asyncio's, ROUNDS times in turn; prints both under prefix and
 * py_prefix, and gives them back (*py_ok 0: no asyncio figures). */
static void compare(const char *prefix, const char *py_prefix, const char *const *sets, long n,
                    const char *io, int port, struct figures *ours_out, struct figures *py_out, int *py_ok)
{
	struct figures ours = {0}, py = {0}, f;
	int have_py = 1;
	load_line(prefix);
	for (int r = 0; r < ROUNDS; r++) {
		run_c10k(sets, &f);
		keep_best(&ours, &f, r == 0);
		if (have_py && asyncio_run(n, io, port, 1000, &f) == 0)
			keep_best(&py, &f, r == 0);
		else
			have_py = 0;
	}
	printf("bench: %s_wall_ms %.0f ms\n", prefix, ours.wall_ms);
	printf("bench: %s_overhead_ms %.0f ms (wall - 1 s latency)\n", prefix, ours.wall_ms - 1000);
	printf("bench: %s_loop_cpu_ms %.0f ms (the loop's thread)\n", prefix, ours.loop_cpu_ms);
	printf("bench: %s_process_cpu_ms %.0f ms (all threads: loop, recorder, model%s)\n", prefix,
	       ours.process_cpu_ms, strcmp(io, "net") == 0 ? ", server" : "");
	printf("bench: %s_peak_rss_mb %.1f MB\n", prefix, ours.rss_mb);
	printf("bench: %s_dropped_events %llu events\n", prefix, (unsigned long long)ours.dropped);
	*ours_out = ours;
	*py_out = py;
	*py_ok = have_py;
	if (!have_py) {
		printf("bench: %s skipped (no python3, or it failed)\n", py_prefix);
		fflush(stdout);
		return;
	}
	printf("bench: %s_wall_ms %.0f ms\n", py_prefix, py.wall_ms);
	printf("bench: %s_overhead_ms %.0f ms\n", py_prefix, py.wall_ms - 1000);
	printf("bench: %s_cpu_ms %.0f ms (its process)\n", py_prefix, py.loop_cpu_ms);
	printf("bench: %s_peak_rss_mb %.1f MB\n", py_prefix, py.rss_mb);
	/* Above 1: asyncio spent more than we did. */
	printf("bench: %s_overhead_ratio %.2f x (asyncio's over ours)\n", prefix,
	       (py.wall_ms - 1000) / (ours.wall_ms - 1000));
	printf("bench: %s_cpu_ratio %.2f x (asyncio's CPU over our loop's)\n", prefix,
	       py.loop_cpu_ms / ours.loop_cpu_ms);
	fflush(stdout);
}

START_TEST(bench_c10k_net)
{
	static const char *const sets[] = {"tasks=10000", "io=net", "latency_ms=1000", "cost=c", NULL};
	struct httpd *h = NULL;
	ck_assert_int_eq(httpd_start(&h, NULL), 0);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("bench: c10k_10k_net_nofile %llu descriptors (our run needs 20,000 and more at once)\n",
	       (unsigned long long)rl.rlim_max);
	struct figures ours, py;
	int py_ok;
	compare("c10k_10k_net", "c10k_10k_asyncio_net", sets, 10000, "net", httpd_port(h), &ours, &py, &py_ok);
	httpd_stop(h);
	/* The names these figures had before. */
	printf("bench: c10k_10k_wall_ms %.0f ms\n", ours.wall_ms);
	printf("bench: c10k_10k_peak_rss_mb %.1f MB\n", ours.rss_mb);
	if (py_ok) {
		printf("bench: c10k_10k_asyncio_wall_ms %.0f ms\n", py.wall_ms);
		printf("bench: c10k_10k_asyncio_peak_rss_mb %.1f MB\n", py.rss_mb);
	}
	fflush(stdout);
}
END_TEST

START_TEST(bench_c10k_sleep)
{
	static const char *const sets[] = {"tasks=100000", "io=sleep", "latency_ms=1000", "cost=c", NULL};
	struct figures ours, py;
	int py_ok;
	compare("c10k_100k", "c10k_100k_asyncio", sets, 100000, "sleep", 0, &ours, &py, &py_ok);
	/* The name this figure had before: asyncio's wall time over ours. */
	if (py_ok)
		printf("bench: c10k_vs_asyncio_ratio %.2f x\n", py.wall_ms / ours.wall_ms);
	fflush(stdout);
}
END_TEST

/* A million sleeping tasks: only in make bench (seconds, and most of a GB
 * at worst), never in make check. */
START_TEST(bench_c10k_1m)
{
	static const char *const sets[] = {"tasks=1000000", "io=sleep", "latency_ms=1000", "cost=c", NULL};
	struct figures f;
	load_line("c10k_1m");
	run_c10k(sets, &f);
	printf("bench: c10k_1m_wall_ms %.0f ms\n", f.wall_ms);
	printf("bench: c10k_1m_loop_cpu_ms %.0f ms (the loop's thread)\n", f.loop_cpu_ms);
	printf("bench: c10k_1m_process_cpu_ms %.0f ms (all threads)\n", f.process_cpu_ms);
	printf("bench: c10k_1m_peak_rss_mb %.1f MB\n", f.rss_mb);
	printf("bench: c10k_1m_dropped_events %llu events\n", (unsigned long long)f.dropped);
	fflush(stdout);
}
END_TEST

#define AWAITS 200000

static void await_task(struct co_task *task, void *arg)
{
	(void)arg;
	for (int i = 0; i < AWAITS; i++)
		co_sleep(task, 0, 0);
}

static void pingpong_gen(struct co_gen *g, void *arg)
{
	(void)arg;
	while (co_gen_receive(g) != NULL)
		;
}

START_TEST(bench_co_switch)
{
	struct run run;
	struct app_options o = {.demo = "loop/sleep"};
	ck_assert_int_eq(app_prepare_run(&run, &o), 0);
	trace_reset();
	trace_enable(0); /* the coroutines' cost, not the recorder's */
	struct co_loop *l = co_loop_new(&run, &(struct co_loop_options){.many = 1});
	ck_assert_ptr_nonnull(l);
	co_create_task(l, NULL, "t", NULL, await_task, NULL);
	uint64_t t0 = clock_now_ns();
	ck_assert_int_eq(co_loop_run(l), 0);
	printf("bench: co_await_sleep0_ns %.0f ns\n", (double)(clock_now_ns() - t0) / AWAITS);
	co_loop_free(l);

	struct co_gen *g = co_gen_new(pingpong_gen, NULL);
	co_gen_send(g, NULL);
	t0 = clock_now_ns();
	for (int i = 0; i < AWAITS; i++)
		co_gen_send(g, g);
	printf("bench: co_generator_send_ns %.0f ns\n", (double)(clock_now_ns() - t0) / AWAITS);
	co_gen_close(g);
	co_gen_free(g);
	trace_enable(1);
	run_destroy(&run);
	fflush(stdout);
}
END_TEST

/* 10,000 connections with the server in our process take 20,000
 * descriptors and more: raise the hard limit where we may (root). */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_max >= 65536)
		return;
	struct rlimit want = {65536, 65536};
	if (setrlimit(RLIMIT_NOFILE, &want) != 0)
		printf("bench: c10k note: open-file limit %llu, could not raise it; io=net waits for slots\n",
		       (unsigned long long)rl.rlim_max);
}

int main(void)
{
	raise_nofile();
	Suite *s = suite_create("bench_c10k");
	TCase *tc = tcase_create("bench");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, bench_co_switch);
	tcase_add_test(tc, bench_c10k_net);
	tcase_add_test(tc, bench_c10k_sleep);
	tcase_add_test(tc, bench_c10k_1m);
	suite_add_tcase(s, tc);
	return support_main(s);
}
