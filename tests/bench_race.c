/*
 * bench_race.c: what each model buys on this machine, at the race presets'
 * default sizes: the speedup over sequential and the parallelism (CPU /
 * wall) of every model for race/cpu, race/io and race/mixed, the peak
 * memory of the process pool against the threads', and the other programs'
 * load while it ran. Beside each, when python3 is here, the same figure
 * from the lesson's own race.py run under CPython with the same parameters
 * against the same kind of loopback server ("_cpython"): the two should
 * agree within about 20 %, but for the no-GIL row, which plain CPython does
 * not have. It runs as a Check test, for support_run_demo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "support.h"

static const char *const models[] = {"threads_gil", "processes", "event_loop",
                                     "loop_offload", "loop_processes", "threads_nogil"};
#define NMODELS (sizeof(models) / sizeof(models[0]))

/* The mirror's KEY: VALUE lines, for the keys that matter here. */
struct mirror {
	int ran;
	double speedup[NMODELS], parallelism[NMODELS];
	int has[NMODELS];
};

static void mirror_run(const char *params, int port, struct mirror *out)
{
	static const char *const py = "assets/lessons/race/race.py";
	memset(out, 0, sizeof(*out));
	if (access(py, R_OK) != 0 || system("command -v python3 >/dev/null 2>&1") != 0)
		return;
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "SIMUL_URL=http://127.0.0.1:%d python3 %s %s 2>/dev/null", port, py, params);
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		return;
	char line[256];
	while (fgets(line, sizeof(line), p)) {
		char key[128];
		double v;
		if (sscanf(line, "%127[^:]: %lf", key, &v) != 2)
			continue;
		for (size_t i = 0; i < NMODELS; i++) {
			size_t n = strlen(models[i]);
			if (strncmp(key, models[i], n) != 0 || key[n] != '.')
				continue;
			if (strcmp(key + n + 1, "speedup") == 0) {
				out->speedup[i] = v;
				out->has[i] = 1;
			} else if (strcmp(key + n + 1, "parallelism") == 0) {
				out->parallelism[i] = v;
			}
		}
	}
	out->ran = pclose(p) == 0;
}

static void bench_preset(const char *demo, const char *label, const char *params)
{
	struct run run;
	struct model *m = support_run_demo(demo, NULL, &run);
	struct httpd *server = NULL;
	struct mirror cp = {0};
	if (httpd_start(&server, NULL) == 0) {
		mirror_run(params, httpd_port(server), &cp);
		httpd_stop(server);
	}
	char key[64];
	for (size_t i = 0; i < NMODELS; i++) {
		snprintf(key, sizeof(key), "%s.speedup", models[i]);
		printf("bench: race_%s_%s_speedup %.2f x\n", label, models[i], support_result(&run, key));
		if (cp.ran && cp.has[i])
			printf("bench: race_%s_%s_speedup_cpython %.2f x\n", label, models[i], cp.speedup[i]);
		snprintf(key, sizeof(key), "%s.parallelism", models[i]);
		printf("bench: race_%s_%s_parallelism %.2f cores\n", label, models[i], support_result(&run, key));
		if (cp.ran && cp.has[i])
			printf("bench: race_%s_%s_parallelism_cpython %.2f cores\n", label, models[i],
			       cp.parallelism[i]);
	}
	printf("bench: race_%s_machine_busy %.0f (1: other programs took a good part of the cores)\n", label,
	       support_result(&run, "machine_busy"));
	printf("bench: race_%s_other_load %.2f of the cores\n", label, support_result(&run, "other_load"));
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
	/* The presets' defaults, spelled out for the mirror. */
	bench_preset("race/cpu", "cpu", "jobs=8 cpu_ms=200 io_ms=0 io_kind=network");
	bench_preset("race/io", "io", "jobs=8 cpu_ms=0 io_ms=200 io_kind=network");
	bench_preset("race/mixed", "mixed", "jobs=8 cpu_ms=100 io_ms=100 io_kind=network");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bench_race");
	TCase *tc = tcase_create("bench");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, bench_race);
	suite_add_tcase(s, tc);
	return support_main(s);
}
