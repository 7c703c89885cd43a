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
#include "export_trace.h"
#include "model.h"
#include "render.h"
#include "run.h"
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

struct batch {
	uv_loop_t loop;
	uv_timer_t drain;
	uv_signal_t sig[3];
	int loop_ok; /* loop initialised: batch_loop_close closes it */
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

/* Open an output file named by an option before anything runs, so a bad
 * path fails at once. */
static int open_output(const char *opt, const char *path, FILE **out)
{
	*out = NULL;
	if (path == NULL)
		return 0;
	*out = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (*out == NULL) {
		fprintf(stderr, "simul: %s %s: %s\n", opt, path, strerror(errno));
		return -1;
	}
	return 0;
}

static int close_output(const char *opt, const char *path, FILE *f, int write_rc)
{
	int rc = 0;
	if (f == NULL)
		return 0;
	if (write_rc != 0) {
		fprintf(stderr, "simul: %s %s: write failed\n", opt, path);
		rc = -1;
	}
	if (f != stdout && fclose(f) != 0 && rc == 0) {
		fprintf(stderr, "simul: %s %s: %s\n", opt, path, strerror(errno));
		rc = -1;
	} else if (f == stdout && fflush(f) != 0) {
		rc = -1;
	}
	return rc;
}

/* What batch mode writes once the model is complete: the text view, the
 * report, the Chrome trace and the save file, each when asked. */
static int batch_outputs(const struct app_options *o, struct run *run, struct model *m, FILE *report,
                         FILE *trace, FILE *save)
{
	int rc = APP_EXIT_OK;
	if (o->plain || (o->report == NULL && o->trace == NULL && o->save == NULL)) {
		struct text_options to = {.width = o->width ? o->width : terminal_width(), .ascii = o->ascii};
		if (to.width < 40)
			to.width = 40;
		render_text(stdout, run, m, &to);
	}
	if (close_output("--report", o->report, report, report ? report_write(report, run, m) : 0) != 0)
		rc = APP_EXIT_FAIL;
	if (close_output("--trace", o->trace, trace, trace ? export_trace_write(trace, run, m) : 0) != 0)
		rc = APP_EXIT_FAIL;
	if (close_output("--save", o->save, save, save ? savefile_write(save, run, m) : 0) != 0)
		rc = APP_EXIT_FAIL;
	fflush(stdout);
	return rc;
}

int app_replay_batch(const struct app_options *o)
{
	struct run run;
	struct model *m;
	char err[512];
	FILE *report, *trace, *save;

	if (open_output("--report", o->report, &report) != 0)
		return APP_EXIT_USAGE;
	if (open_output("--trace", o->trace, &trace) != 0 || open_output("--save", o->save, &save) != 0) {
		close_output("--report", o->report, report, 0);
		close_output("--trace", o->trace, trace, 0);
		return APP_EXIT_USAGE;
	}
	if (savefile_load(o->replay, &run, &m, err, sizeof(err)) != 0) {
		fprintf(stderr, "simul: --replay %s\n", err);
		close_output("--report", o->report, report, 0);
		close_output("--trace", o->trace, trace, 0);
		close_output("--save", o->save, save, 0);
		return APP_EXIT_USAGE;
	}
	int rc = batch_outputs(o, &run, m, report, trace, save);
	model_free(m);
	run_destroy(&run);
	return rc;
}

/* The loop's handles: the drain timer and the signals that stop the run.
 * Returns 0, or a libuv error (UV_EMFILE under a low open-file limit). */
static int batch_loop_init(struct batch *b)
{
	static const int signums[3] = {SIGINT, SIGTERM, SIGHUP};
	int rc = uv_loop_init(&b->loop);
	if (rc != 0)
		return rc;
	b->loop_ok = 1;
	uv_timer_init(&b->loop, &b->drain); /* cannot fail */
	b->drain.data = b;
	uv_timer_start(&b->drain, on_drain, 50, 50);
	for (int i = 0; i < 3; i++) {
		if ((rc = uv_signal_init(&b->loop, &b->sig[i])) != 0)
			return rc;
		b->sig[i].data = b;
		if ((rc = uv_signal_start(&b->sig[i], on_signal, signums[i])) != 0)
			return rc;
	}
	return 0;
}

static void batch_close_handle(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* Close whatever handles are still open, and the loop. */
static void batch_loop_close(struct batch *b)
{
	if (!b->loop_ok)
		return;
	uv_walk(&b->loop, batch_close_handle, NULL);
	uv_run(&b->loop, UV_RUN_DEFAULT); /* let the close callbacks run */
	uv_loop_close(&b->loop);
}

int app_batch(const struct app_options *o)
{
	struct run run;
	struct batch b;
	int rc = app_prepare_run(&run, o);
	if (rc != 0)
		return rc;

	/* Open the outputs before running, so a bad path fails at once. */
	FILE *report = NULL, *trace = NULL, *save = NULL;
	if (open_output("--report", o->report, &report) != 0 ||
	    open_output("--trace", o->trace, &trace) != 0 || open_output("--save", o->save, &save) != 0) {
		close_output("--report", o->report, report, 0);
		close_output("--trace", o->trace, trace, 0);
		run_destroy(&run);
		return APP_EXIT_USAGE;
	}

	memset(&b, 0, sizeof(b));
	b.run = &run;
	b.model = model_new(0);
	if (b.model == NULL) {
		fprintf(stderr, "simul: out of memory\n");
		close_output("--report", o->report, report, 0);
		close_output("--trace", o->trace, trace, 0);
		close_output("--save", o->save, save, 0);
		run_destroy(&run);
		return APP_EXIT_FAIL;
	}
	trace_reset();
	model_set_origin(b.model, clock_now_ns());
	const char *what = "cannot set up the event loop";
	rc = batch_loop_init(&b);
	if (rc == 0) {
		what = "could not start";
		rc = run_start(&run, &b.loop, on_done, &b);
	}
	if (rc != 0) {
		fprintf(stderr, "simul: %s: %s: %s\n", run.full_name, what, uv_strerror(rc));
		batch_loop_close(&b);
		model_free(b.model);
		close_output("--report", o->report, report, 0);
		close_output("--trace", o->trace, trace, 0);
		close_output("--save", o->save, save, 0);
		run_destroy(&run);
		return APP_EXIT_FAIL;
	}
	uv_run(&b.loop, UV_RUN_DEFAULT);
	run_finish(&run);
	batch_loop_close(&b);
	model_finish(b.model, run.end_ns);

	int out_rc = APP_EXIT_OK;
	if (run.status != 0) {
		fprintf(stderr, "simul: %s: %s\n", run.full_name, run.error);
		out_rc = APP_EXIT_FAIL;
	}
	if (batch_outputs(o, &run, b.model, report, trace, save) != APP_EXIT_OK)
		out_rc = APP_EXIT_FAIL;
	if (b.signal != 0)
		out_rc = APP_EXIT_INTERRUPTED;
	model_free(b.model);
	run_destroy(&run);
	return out_rc;
}
