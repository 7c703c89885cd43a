/*
 * app.c: batch mode (--plain, --report) and what it shares with the TUI.
 *
 * Batch mode never initialises curses. Its libuv loop drains the recorder
 * every 50 ms while the demo runs, stops the demo on SIGINT, SIGTERM or
 * SIGHUP (what was recorded is still written, and the exit status says it
 * was interrupted), then writes the text view and/or the JSON report.
 */
#include "app.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#include "clock.h"
#include "model.h"
#include "render.h"
#include "run.h"
#include "trace.h"

int app_prepare_run(struct run *run, const struct app_options *o)
{
	const struct demo_module *mod = NULL;
	const struct demo *d = registry_find(o->demo ? o->demo : REGISTRY_DEFAULT_DEMO, &mod);
	char err[512];

	if (d == NULL) {
		char near[256];
		registry_suggest(o->demo, near, sizeof(near), 3);
		fprintf(stderr, "simul: unknown demo '%s'; closest: %s (simul --list shows all)\n", o->demo,
		        near);
		return APP_EXIT_USAGE;
	}
	run_init(run, mod, d);
	for (int i = 0; i < o->nsets; i++) {
		if (params_set_kv(&run->params, o->sets[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "simul: %s: %s\n", run->full_name, err);
			run_destroy(run);
			return APP_EXIT_USAGE;
		}
	}
	if (o->have_seed)
		run->seed = o->seed;
	if (o->sampler_hz != 0)
		run->sampler_hz = o->sampler_hz < 0 ? 0 : o->sampler_hz;
	return 0;
}

struct batch {
	uv_loop_t loop;
	uv_timer_t drain;
	uv_signal_t sig[3];
	struct model *model;
	struct run *run;
	int signal;
};

static void on_drain(uv_timer_t *t)
{
	struct batch *b = t->data;
	model_drain(b->model, clock_now_ns());
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct batch *b = h->data;
	if (b->signal == 0)
		fprintf(stderr, "simul: %s: stopping %s\n", strsignal(signum), b->run->full_name);
	b->signal = signum;
	run_request_stop(b->run);
}

static void on_done(struct run *run, void *arg)
{
	struct batch *b = arg;
	(void)run;
	uv_timer_stop(&b->drain);
	uv_close((uv_handle_t *)&b->drain, NULL);
	for (int i = 0; i < 3; i++)
		uv_close((uv_handle_t *)&b->sig[i], NULL);
}

static int terminal_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (cols && atoi(cols) > 20)
		return atoi(cols);
	return 100;
}

int app_batch(const struct app_options *o)
{
	struct run run;
	struct batch b;
	int rc = app_prepare_run(&run, o);
	if (rc != 0)
		return rc;

	/* Open the report before running, so a bad path fails at once. */
	FILE *report = NULL;
	if (o->report != NULL) {
		report = strcmp(o->report, "-") == 0 ? stdout : fopen(o->report, "w");
		if (report == NULL) {
			fprintf(stderr, "simul: --report %s: %s\n", o->report, strerror(errno));
			run_destroy(&run);
			return APP_EXIT_USAGE;
		}
	}

	memset(&b, 0, sizeof(b));
	b.run = &run;
	uv_loop_init(&b.loop);
	b.model = model_new(0);
	if (b.model == NULL) {
		fprintf(stderr, "simul: out of memory\n");
		run_destroy(&run);
		return APP_EXIT_FAIL;
	}
	trace_reset();
	model_set_origin(b.model, clock_now_ns());
	uv_timer_init(&b.loop, &b.drain);
	b.drain.data = &b;
	uv_timer_start(&b.drain, on_drain, 50, 50);
	static const int signums[3] = {SIGINT, SIGTERM, SIGHUP};
	for (int i = 0; i < 3; i++) {
		uv_signal_init(&b.loop, &b.sig[i]);
		b.sig[i].data = &b;
		uv_signal_start(&b.sig[i], on_signal, signums[i]);
	}
	rc = run_start(&run, &b.loop, on_done, &b);
	if (rc != 0) {
		fprintf(stderr, "simul: could not start %s: %s\n", run.full_name, strerror(-rc));
		on_done(&run, &b);
		uv_run(&b.loop, UV_RUN_DEFAULT);
		uv_loop_close(&b.loop);
		model_free(b.model);
		run_destroy(&run);
		return APP_EXIT_FAIL;
	}
	uv_run(&b.loop, UV_RUN_DEFAULT);
	run_finish(&run);
	uv_run(&b.loop, UV_RUN_NOWAIT); /* let the close callbacks run */
	uv_loop_close(&b.loop);
	model_finish(b.model, run.end_ns);

	int out_rc = APP_EXIT_OK;
	if (run.status != 0) {
		fprintf(stderr, "simul: %s: %s\n", run.full_name, run.error);
		out_rc = APP_EXIT_FAIL;
	}
	if (o->plain || o->report == NULL) {
		struct text_options to = {.width = o->width ? o->width : terminal_width(), .ascii = o->ascii};
		if (to.width < 40)
			to.width = 40;
		render_text(stdout, &run, b.model, &to);
	}
	if (report != NULL) {
		if (report_write(report, &run, b.model) != 0) {
			fprintf(stderr, "simul: --report %s: write failed\n", o->report);
			out_rc = APP_EXIT_FAIL;
		}
		if (report != stdout && fclose(report) != 0) {
			fprintf(stderr, "simul: --report %s: %s\n", o->report, strerror(errno));
			out_rc = APP_EXIT_FAIL;
		}
	}
	fflush(stdout);
	if (b.signal != 0)
		out_rc = APP_EXIT_INTERRUPTED;
	model_free(b.model);
	run_destroy(&run);
	return out_rc;
}
