/*
 * bench_tui.c: what the TUI costs.
 *
 * frame_ms: one frame of the run screen at 200x60 over a model of 1,000
 * tasks (10 groups of 100, so the lanes are grouped as they are for large
 * demos) and 10 million spans, built from synthetic recorder events and
 * drawn into a curses terminal on /dev/null. Median of repeated frames, in
 * wall time: `frame_ms` as the TUI redraws an unchanged view (a key, the
 * cursor moved: curses sends only what changed, the lanes' cells are
 * reused), `frame_cold_ms` after the view changed (pan, zoom, a live run:
 * every lane's cells read from the model again, as every frame did before
 * the cells were kept), `frame_full_ms` with the whole screen sent again,
 * `frame_cold_evicted_ms` as `frame_cold_ms` after other work went through
 * the caches (bench_evict): what the first frame after a pan costs when
 * the model's data must come from memory.
 * `frame_cpu_ms` and `frame_cold_cpu_ms` are the first two in the drawing
 * thread's CPU time, which other programs on a busy machine inflate less.
 *
 * idle_cpu_percent: the real binary in tmux on a finished run, its CPU time
 * (from /proc/<pid>/stat) over 10 s of doing nothing, as a share of one core.
 */
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "demo.h"
#include "model.h"
#include "run.h"
#include "state.h"
#include "trace.h"
#include "tui.h"

#define NTASKS 1000
#define BENCH_GROUPS 10
#define SPANS_PER_TASK 10000 /* 10 million in all */
#define STEP_NS 1000000ull   /* each task changes state every ms */
#define FRAMES 40

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static struct model *bench_model(uint64_t origin)
{
	static const enum state cycle[] = {STATE_RUNNING, STATE_SLEEP, STATE_RUNNING, STATE_IO,
	                                   STATE_READY, STATE_LOCK};
	struct model *m = model_new(0);
	char name[32], group[32];
	if (m == NULL)
		return NULL;
	model_set_origin(m, origin);
	/* The model is fed its tasks, as feed.c does from the recorder's table. */
	for (int i = 0; i < NTASKS; i++) {
		snprintf(name, sizeof(name), "task-%d", i);
		snprintf(group, sizeof(group), "pool-%d", i % BENCH_GROUPS);
		struct trace_task_info info = {name, group, KIND_THREAD, TRACE_NO_TASK};
		model_task_add(m, &info);
	}
	struct trace_record r;
	memset(&r, 0, sizeof(r));
	r.text = "";
	for (int k = 0; k < SPANS_PER_TASK; k++) {
		uint64_t t = origin + (uint64_t)k * STEP_NS;
		for (int i = 0; i < NTASKS; i++) {
			r.t_ns = t + (uint64_t)i * 500;
			r.task = i;
			r.type = TRACE_EV_STATE;
			r.state = cycle[(k + i) % (int)(sizeof(cycle) / sizeof(cycle[0]))];
			model_ingest(m, &r);
		}
		if (k % 100 == 99)
			model_apply(m, t + STEP_NS / 2);
	}
	uint64_t end = origin + (uint64_t)SPANS_PER_TASK * STEP_NS;
	for (int i = 0; i < NTASKS; i++) {
		r.t_ns = end;
		r.task = i;
		r.type = TRACE_EV_END;
		r.state = STATE_DONE;
		model_ingest(m, &r);
	}
	model_apply(m, end + 1);
	return m;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

enum { FRAME_REDRAW, FRAME_COLD, FRAME_EVICTED, FRAME_FULL };

/* Other work between two frames: write over EVICT_BYTES of memory, more
 * than the core's caches hold, so that a frame after it finds the model's
 * data in none of them (nor its pages in the TLB), as the first frame
 * after a pan does when the UI thread has waited for a key. */
#define EVICT_BYTES (64u << 20)
static void bench_evict(void)
{
	static unsigned char *junk;
	if (junk == NULL)
		junk = calloc(EVICT_BYTES, 1);
	for (size_t i = 0; junk != NULL && i < EVICT_BYTES; i += 64)
		junk[i]++;
}

/* Median wall time of a frame; *cpu_ms, when not NULL, the median CPU time. */
static double bench_frames(struct run *run, struct model *m, int kind, double *cpu_ms)
{
	double ms[FRAMES], cpu[FRAMES];
	for (int f = 0; f < FRAMES; f++) {
		if (kind == FRAME_FULL)
			clearok(curscr, TRUE);
		if (kind == FRAME_EVICTED)
			bench_evict();
		uint64_t t0 = clock_now_ns(), c0 = thread_cpu_ns();
		tui_frame_draw(run, m, 0, 1, kind == FRAME_COLD || kind == FRAME_EVICTED);
		cpu[f] = (double)(thread_cpu_ns() - c0) / 1e6;
		ms[f] = (double)(clock_now_ns() - t0) / 1e6;
	}
	qsort(ms, FRAMES, sizeof(ms[0]), cmp_double);
	qsort(cpu, FRAMES, sizeof(cpu[0]), cmp_double);
	if (cpu_ms != NULL)
		*cpu_ms = cpu[FRAMES / 2];
	return ms[FRAMES / 2];
}

static int bench_frame(void)
{
	const struct demo_module *mod;
	const struct demo *d = registry_find(REGISTRY_DEFAULT_DEMO, &mod);
	struct run run;
	uint64_t origin = clock_now_ns();
	uint64_t t0 = clock_now_ns();
	struct model *m = bench_model(origin);
	if (m == NULL || d == NULL || model_span_total(m) < (size_t)NTASKS * SPANS_PER_TASK) {
		fprintf(stderr, "bench_tui: cannot build the model\n");
		return -1;
	}
	fprintf(stderr, "bench_tui: model of %zu spans built in %.1f s (%zu MB)\n", model_span_total(m),
	        (double)(clock_now_ns() - t0) / 1e9, model_memory_bytes(m) >> 20);
	run_init(&run, mod, d);
	run.start_ns = origin;
	run.end_ns = origin + (uint64_t)SPANS_PER_TASK * STEP_NS;

	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *scr = out && in ? newterm("xterm-256color", out, in) : NULL;
	if (scr == NULL) {
		fprintf(stderr, "bench_tui: no curses terminal\n");
		return -1;
	}
	resizeterm(60, 200);
	start_color();
	use_default_colors();
	tui_frame_draw(&run, m, 0, 1, 1); /* lay out the columns once */
	double cpu, cold_cpu;
	double cold = bench_frames(&run, m, FRAME_COLD, &cold_cpu);
	double redraw = bench_frames(&run, m, FRAME_REDRAW, &cpu);
	double full = bench_frames(&run, m, FRAME_FULL, NULL);
	double evicted = bench_frames(&run, m, FRAME_EVICTED, NULL);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	printf("bench: frame_ms %.3f ms\n", redraw);
	printf("bench: frame_full_ms %.3f ms\n", full);
	printf("bench: frame_cpu_ms %.3f ms\n", cpu);
	printf("bench: frame_cold_ms %.3f ms\n", cold);
	printf("bench: frame_cold_cpu_ms %.3f ms\n", cold_cpu);
	printf("bench: frame_cold_evicted_ms %.3f ms\n", evicted);
	model_free(m);
	run_destroy(&run);
	return 0;
}

static int tmux_screen_has(const char *sock, const char *text)
{
	char cmd[256], line[512];
	int found = 0;
	snprintf(cmd, sizeof(cmd), "tmux -L %s capture-pane -p -t idle 2>/dev/null", sock);
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		return 0;
	while (fgets(line, sizeof(line), p))
		if (strstr(line, text))
			found = 1;
	pclose(p);
	return found;
}

static int bench_idle(void)
{
	const char *simul = getenv("SIMUL") ? getenv("SIMUL") : "build/simul";
	char sock[64], cmd[512];
	int pid = 0;
	snprintf(sock, sizeof(sock), "simul-bench-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd),
	         "tmux -L %s new-session -d -x 120 -y 40 -s idle 'exec %s threads/interleave' 2>/dev/null", sock,
	         simul);
	if (system(cmd) != 0) {
		printf("bench: idle_cpu_percent skipped (no tmux)\n");
		return 0;
	}
	for (int i = 0; i < 200 && !tmux_screen_has(sock, "finished"); i++)
		usleep(100000);
	snprintf(cmd, sizeof(cmd), "tmux -L %s display -p -t idle '#{pane_pid}'", sock);
	FILE *p = popen(cmd, "r");
	if (p != NULL) {
		if (fscanf(p, "%d", &pid) != 1)
			pid = 0;
		pclose(p);
	}
	int rc = 0;
	if (pid <= 0 || !tmux_screen_has(sock, "finished")) {
		fprintf(stderr, "bench_tui: the TUI did not finish its run\n");
		rc = -1;
	} else {
		usleep(500000); /* let the last frame settle */
		uint64_t c0 = clock_pid_cpu_ns(pid);
		uint64_t t0 = clock_now_ns();
		sleep(10);
		uint64_t c1 = clock_pid_cpu_ns(pid);
		double wall = (double)(clock_now_ns() - t0) / 1e9;
		printf("bench: idle_cpu_percent %.3f %%\n", 100.0 * (double)(c1 - c0) / 1e9 / wall);
	}
	snprintf(cmd, sizeof(cmd), "tmux -L %s kill-server 2>/dev/null", sock);
	if (system(cmd) != 0) {
		/* the server is already gone */
	}
	return rc;
}

int main(void)
{
	int rc = 0;
	/* draw UTF-8 glyphs, as the TUI does in a UTF-8 terminal */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	if (bench_frame() != 0)
		rc = 1;
	if (bench_idle() != 0)
		rc = 1;
	return rc;
}
