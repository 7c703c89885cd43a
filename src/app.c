/*
 * app.c: batch mode (--plain, --report) and what it shares with the TUI.
 *
 * Batch mode never initialises curses. Its libuv loop drains the recorder
 * every BATCH_DRAIN_MS while the demo runs, stops the demo on SIGINT,
 * SIGTERM or SIGHUP (what was recorded is still written, and the exit
 * status says it was interrupted), then writes what was asked. The outputs
 * (--plain, --report, --trace, --save) are one table of {option, path,
 * write}: each is opened before the run (output.h: a temporary file beside
 * the target) and renamed into place once written.
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
#include "export_trace.h"
#include "feed.h"
#include "model.h"
#include "output.h"
#include "render.h"
#include "run.h"
#include "sampler.h"
#include "savefile.h"
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
	if (o->speed > 0)
		run->speed = o->speed;
	if (o->sampler_hz != 0)
		run->sampler_hz = o->sampler_hz < 0 ? 0 : o->sampler_hz;
	return 0;
}

void app_run_end(struct run *run, struct model *m)
{
	run_finish(run);
	feed_finish(m, run->end_ns);
	run->counters = (struct run_counters){
		.events = trace_written(),
		.dropped = trace_dropped() + model_spans_dropped(m),
		.late = model_late_events(m),
		.model_bytes = model_memory_bytes(m),
		.cores = sampler_cores(),
	};
	snprintf(run->counters.clock, sizeof(run->counters.clock), "%s", trace_clock());
}

#define BATCH_DRAIN_MS 50 /* how often batch mode drains the recorder */

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
	feed_drain(b->model, clock_now_ns());
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

/* ---- outputs: one table, opened before the run, written after it ---- */

static int write_plain(FILE *f, const struct app_options *o, struct run *run, const struct model *m)
{
	struct text_options to = {.width = o->width ? o->width : terminal_width(), .ascii = o->ascii};
	if (to.width < 40)
		to.width = 40;
	render_text(f, run, m, &to);
	return ferror(f) ? -1 : 0;
}

static int write_report(FILE *f, const struct app_options *o, struct run *run, const struct model *m)
{
	return report_write(f, run, m);
}

static int write_trace(FILE *f, const struct app_options *o, struct run *run, const struct model *m)
{
	return export_trace_write(f, run, m);
}

static int write_save(FILE *f, const struct app_options *o, struct run *run, const struct model *m)
{
	return savefile_write(f, run, m);
}

/* The text view goes to standard output when asked for, or when nothing
 * else is. */
static const char *plain_path(const struct app_options *o)
{
	return o->plain || (o->report == NULL && o->trace == NULL && o->save == NULL) ? "-" : NULL;
}
static const char *report_path(const struct app_options *o) { return o->report; }
static const char *trace_path(const struct app_options *o) { return o->trace; }
static const char *save_path(const struct app_options *o) { return o->save; }

/* What batch mode can write, in the order it writes them. */
static const struct output_format {
	const char *option;
	const char *(*path)(const struct app_options *o);
	int (*write)(FILE *f, const struct app_options *o, struct run *run, const struct model *m);
} output_formats[] = {
	{"--plain", plain_path, write_plain},
	{"--report", report_path, write_report},
	{"--trace", trace_path, write_trace},
	{"--save", save_path, write_save},
};
#define NFORMATS (sizeof(output_formats) / sizeof(output_formats[0]))

/* Open every output asked for, so a bad path fails before anything runs.
 * Returns 0, or -1 (with nothing left open) after printing why. */
static int outputs_open(struct output out[NFORMATS], const struct app_options *o)
{
	for (size_t i = 0; i < NFORMATS; i++) {
		if (output_open(&out[i], output_formats[i].option, output_formats[i].path(o)) != 0) {
			while (i-- > 0)
				output_abandon(&out[i]);
			return -1;
		}
	}
	return 0;
}

static void outputs_abandon(struct output out[NFORMATS])
{
	for (size_t i = 0; i < NFORMATS; i++)
		output_abandon(&out[i]);
}

/* Write and close every output once the model is complete. */
static int outputs_write(struct output out[NFORMATS], const struct app_options *o, struct run *run,
                         const struct model *m)
{
	int rc = APP_EXIT_OK;
	for (size_t i = 0; i < NFORMATS; i++) {
		int wrc = out[i].f != NULL ? output_formats[i].write(out[i].f, o, run, m) : 0;
		if (output_close(&out[i], wrc) != 0)
			rc = APP_EXIT_FAIL;
	}
	return rc;
}

int app_replay_batch(const struct app_options *o)
{
	struct run run;
	struct model *m;
	struct output out[NFORMATS];
	char err[512];

	if (outputs_open(out, o) != 0)
		return APP_EXIT_USAGE;
	if (savefile_load(o->replay, &run, &m, err, sizeof(err)) != 0) {
		fprintf(stderr, "simul: --replay %s\n", err);
		outputs_abandon(out);
		return APP_EXIT_USAGE;
	}
	int rc = outputs_write(out, o, &run, m);
	model_free(m);
	run_destroy(&run);
	return rc;
}

/* The loop's handles: the drain timer and the signals that stop the run. */
static void batch_loop_init(struct batch *b)
{
	static const int signums[3] = {SIGINT, SIGTERM, SIGHUP};
	uv_loop_init(&b->loop);
	uv_timer_init(&b->loop, &b->drain);
	b->drain.data = b;
	uv_timer_start(&b->drain, on_drain, BATCH_DRAIN_MS, BATCH_DRAIN_MS);
	for (int i = 0; i < 3; i++) {
		uv_signal_init(&b->loop, &b->sig[i]);
		b->sig[i].data = b;
		uv_signal_start(&b->sig[i], on_signal, signums[i]);
	}
}

/* Close the handles (on_done did, when the run started) and the loop. */
static void batch_loop_close(struct batch *b)
{
	uv_run(&b->loop, UV_RUN_NOWAIT); /* let the close callbacks run */
	uv_loop_close(&b->loop);
}

int app_batch(const struct app_options *o)
{
	struct run run;
	struct batch b;
	struct output out[NFORMATS];
	int rc = app_prepare_run(&run, o);
	if (rc != 0)
		return rc;
	if (outputs_open(out, o) != 0) {
		run_destroy(&run);
		return APP_EXIT_USAGE;
	}

	memset(&b, 0, sizeof(b));
	b.run = &run;
	b.model = feed_start();
	batch_loop_init(&b);
	rc = run_start(&run, &b.loop, on_done, &b);
	if (rc != 0) {
		fprintf(stderr, "simul: could not start %s: %s\n", run.full_name, strerror(-rc));
		on_done(&run, &b);
		batch_loop_close(&b);
		model_free(b.model);
		outputs_abandon(out);
		run_destroy(&run);
		return APP_EXIT_FAIL;
	}
	uv_run(&b.loop, UV_RUN_DEFAULT);
	app_run_end(&run, b.model);
	batch_loop_close(&b);

	int out_rc = APP_EXIT_OK;
	if (run.status != 0) {
		fprintf(stderr, "simul: %s: %s\n", run.full_name, run.error);
		out_rc = APP_EXIT_FAIL;
	}
	if (outputs_write(out, o, &run, b.model) != APP_EXIT_OK)
		out_rc = APP_EXIT_FAIL;
	if (b.signal != 0)
		out_rc = APP_EXIT_INTERRUPTED;
	model_free(b.model);
	run_destroy(&run);
	return out_rc;
}
