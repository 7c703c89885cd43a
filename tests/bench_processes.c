/*
 * bench_processes.c: what processes buy for CPU-bound work on this
 * machine, and what a pool's pipes cost: speedups of the processes
 * module's demos at their default sizes, and the share of the workers'
 * lives spent waiting for a core (high when other programs use the cores,
 * which caps any speedup). It runs as a Check test, for support_run_demo.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

static double run_one(const char *demo, const char *const *sets, const char *key, double *preempted_share)
{
	struct run run;
	struct model *m = support_run_demo(demo, sets, &run);
	double v = support_result(&run, key);
	if (preempted_share != NULL) {
		uint64_t pre = 0, life = 0, tot[STATE_COUNT];
		for (size_t t = 0; t < model_task_count(m); t++) {
			const struct model_task *mt = model_task(m, t);
			if (mt->kind != KIND_PROCESS || mt->end_ns == 0)
				continue;
			model_task_totals(m, t, tot);
			pre += tot[STATE_PREEMPTED];
			life += mt->end_ns - mt->start_ns;
		}
		*preempted_share = life > 0 ? (double)pre / (double)life : 0;
	}
	model_free(m);
	run_destroy(&run);
	return v;
}

START_TEST(bench_processes)
{
	static const char *const workers[] = {"workers=2", "job_ms=500", NULL};
	static const char *const pool_small[] = {"workers=2", "items=16", "job_ms=50", "payload_kib=64", NULL};
	static const char *const pool_big[] = {"workers=2", "items=16", "job_ms=50", "payload_kib=8192", NULL};
	static const char *const vs[] = {"jobs=2", "job_ms=500", NULL};
	double share;

	printf("bench: processes_workers_2_speedup %.2f x\n",
	       run_one("processes/workers", workers, "speedup", &share));
	printf("bench: processes_workers_2_preempted_share %.0f %%\n", 100 * share);
	printf("bench: processes_pool_64k_speedup %.2f x\n",
	       run_one("processes/pool", pool_small, "speedup", NULL));
	printf("bench: processes_pool_64k_ipc %.1f ms\n", run_one("processes/pool", pool_small, "ipc_ms", NULL));
	printf("bench: processes_pool_8m_speedup %.2f x\n", run_one("processes/pool", pool_big, "speedup", NULL));
	printf("bench: processes_pool_8m_ipc %.1f ms\n", run_one("processes/pool", pool_big, "ipc_ms", NULL));
	printf("bench: processes_vs_threads_threads_speedup %.2f x\n",
	       run_one("processes/vs-threads", vs, "threads_speedup", NULL));
	printf("bench: processes_vs_threads_processes_speedup %.2f x\n",
	       run_one("processes/vs-threads", vs, "processes_speedup", &share));
	printf("bench: processes_vs_threads_preempted_share %.0f %%\n", 100 * share);
	fflush(stdout);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bench_processes");
	TCase *tc = tcase_create("bench");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, bench_processes);
	suite_add_tcase(s, tc);
	return support_main(s);
}
