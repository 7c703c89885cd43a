/*
 * bench_race.c: what each model buys on this machine, at the race presets'
 * default sizes: the speedup over sequential of every model for race/cpu,
 * race/io and race/mixed, and the peak memory of the process pool against
 * the threads'; and how long the sequential run waited for a core (other
 * programs' load, which spoils every ratio). It runs as a Check test, for support_run_demo.
 */
#include <stdio.h>

#include "support.h"

static const char *const models[] = {"threads", "threads_gil", "processes", "event_loop",
                                     "loop_offload"};

static void bench_preset(const char *demo, const char *label)
{
	struct run run;
	struct model *m = support_run_demo(demo, NULL, &run);
	char key[64];
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		snprintf(key, sizeof(key), "%s.speedup", models[i]);
		printf("bench: race_%s_%s_speedup %.2f x\n", label, models[i], support_result(&run, key));
	}
	printf("bench: race_%s_sequential_preempted %.0f ms\n", label,
	       support_result(&run, "sequential.preempted_ms"));
	printf("bench: race_%s_processes_peak_rss %.1f MB\n", label,
	       support_result(&run, "processes.peak_rss_mb"));
	printf("bench: race_%s_threads_gil_peak_rss %.1f MB\n", label,
	       support_result(&run, "threads_gil.peak_rss_mb"));
	printf("bench: race_%s_threads_gil_ctx_switches %.0f switches\n", label,
	       support_result(&run, "threads_gil.ctx_switches"));
	printf("bench: race_%s_event_loop_ctx_switches %.0f switches\n", label,
	       support_result(&run, "event_loop.ctx_switches"));
	fflush(stdout);
	model_free(m);
	run_destroy(&run);
}

START_TEST(bench_race)
{
	bench_preset("race/cpu", "cpu");
	bench_preset("race/io", "io");
	bench_preset("race/mixed", "mixed");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bench_race");
	TCase *tc = tcase_create("bench");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, bench_race);
	suite_add_tcase(s, tc);
	return support_main(s);
}
