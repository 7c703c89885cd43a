/*
 * bench_savefile.c: what saving and replaying a large run costs.
 *
 *   savefile_bytes_per_span    size of a save file per span
 *   savefile_write_ns_per_span time to write it
 *   savefile_load_ns_per_span  time to parse it and rebuild the model
 *   trace_export_ns_per_span   time to write the Chrome trace
 *
 * The run is synthetic (fed to the model directly, so the figures measure
 * the file formats, not a demo): 8 threads, 50,000 spans each, with reasons,
 * lines and cores, and a printed line every 10 spans.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "demo.h"
#include "export_trace.h"
#include "model.h"
#include "run.h"
#include "savefile.h"
#include "support.h"
#include "trace.h"

#define TASKS 8
#define SPANS 50000

int main(void)
{
	static const char *const reasons[] = {"time.sleep(pause)", "print", "lock.acquire()", "sock.recv()"};
	struct run run;
	const struct demo_module *mod;
	const struct demo *d = registry_find(REGISTRY_DEFAULT_DEMO, &mod);
	run_init(&run, mod, d);
	trace_reset();
	struct model *m = model_new(0);
	uint64_t t0 = 1000000000ull;
	model_set_origin(m, t0);
	for (int k = 0; k < TASKS; k++) {
		char name[32];
		snprintf(name, sizeof(name), "worker-%d", k);
		model_task_add(m, &(struct trace_task_info){.name = name, .kind = KIND_THREAD, .group = "pool",
		                                            .parent = TRACE_NO_TASK});
		support_feed(m, t0, TRACE_EV_BIND, k, 0, 0, 4242, 5000 + (uint32_t)k, NULL);
	}
	for (int i = 0; i < SPANS; i++)
		for (int k = 0; k < TASKS; k++) {
			uint64_t t = t0 + (uint64_t)i * 10000 + (uint64_t)k * 100;
			if (i % 7 == 0)
				support_feed(m, t, TRACE_EV_CORE, -1, 0, (i / 7 + k) % 2, 4242, 5000 + (uint32_t)k, NULL);
			support_feed(m, t + 1, TRACE_EV_STATE, k, i % 2 ? STATE_RUNNING : STATE_SLEEP, 3 + i % 5, 0, 0,
			     reasons[i % 4]);
			if (i % 10 == 0)
				support_feed(m, t + 2, TRACE_EV_MARK, k, 0, 0, 0, 0, "step done");
		}
	uint64_t end = t0 + (uint64_t)SPANS * 10000 + 5000;
	model_apply(m, end);
	run.end_ns = end;
	size_t spans = model_span_total(m);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	uint64_t a = clock_now_ns();
	savefile_write(f, &run, m);
	fflush(f);
	uint64_t b = clock_now_ns();
	fclose(f);

	FILE *null = fopen("/dev/null", "w");
	uint64_t c = clock_now_ns();
	export_trace_write(null, &run, m);
	fflush(null);
	uint64_t e = clock_now_ns();
	fclose(null);

	struct run back;
	struct model *m2;
	char err[512];
	uint64_t g = clock_now_ns();
	int rc = savefile_parse(buf, len, &back, &m2, err, sizeof(err));
	uint64_t h = clock_now_ns();
	if (rc != 0 || model_span_total(m2) != spans) {
		fprintf(stderr, "bench_savefile: reload failed: %s\n", rc ? err : "span count differs");
		return 1;
	}
	printf("bench: savefile_spans %zu spans\n", spans);
	printf("bench: savefile_bytes_per_span %.1f bytes\n", (double)len / (double)spans);
	printf("bench: savefile_write_ns_per_span %.0f ns\n", (double)(b - a) / (double)spans);
	printf("bench: savefile_load_ns_per_span %.0f ns\n", (double)(h - g) / (double)spans);
	printf("bench: trace_export_ns_per_span %.0f ns\n", (double)(e - c) / (double)spans);
	free(buf);
	model_free(m2);
	run_destroy(&back);
	model_free(m);
	run_destroy(&run);
	return 0;
}
