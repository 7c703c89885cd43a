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
#include "pyagent.h"
#include "render.h"
#include "run.h"
#include "sampler.h"
#include "savefile.h"
#include "trace.h"

/* --set mirror=on|off: for every demo that has no parameter of that name.
 * Returns 1 when kv was it (0 when not), -1 after the one-line error. */
static int set_mirror(struct run *run, const char *kv)
{
	if (strncmp(kv, "mirror=", 7) != 0 || params_find(&run->params, "mirror") >= 0)
		return 0;
	if (run_mirror_parse(kv + 7, &run->mirror) != 0) {
		fprintf(stderr, "simul: %s: mirror '%s': allowed: on, off\n", run->full_name, kv + 7);
		return -1;
	}
	return 1;
}

int app_prepare_run(struct run *run, const struct app_options *o)
{
	const struct demo_module *mod = NULL;
	const struct demo *d = o->py_script ? &pyagent_module.demos[0]
	                                    : registry_find(o->demo ? o->demo : REGISTRY_DEFAULT_DEMO, &mod);
	char err[512];
	if (o->py_script)
		mod = &pyagent_module;

	if (d == NULL) {
		registry_unknown(o->demo);
		return APP_EXIT_USAGE;
	}
	run_init(run, mod, d);
	if (o->py_script) {
		const char *base = strrchr(o->py_script, '/');
		snprintf(run->full_name, sizeof(run->full_name), "python %s", base ? base + 1 : o->py_script);
		/* 1 ms sweeps: a GIL turn is 5 ms, and waits for it are inferred */
		run->sampler_hz = 1000;
	}
	for (int i = 0; i < o->nsets; i++) {
		int m = o->py_script ? 0 : set_mirror(run, o->sets[i]);
		if (m < 0) {
			run_destroy(run);
			return APP_EXIT_USAGE;
		}
		if (m == 0 && params_set_kv(&run->params, o->sets[i], err, sizeof(err)) != 0) {
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
	int loop_ok; /* loop initialised: batch_loop_close closes it */
	uint64_t notices_seen; /* run_notice: those printed */
	struct model *model;
	struct run *run;
	int signal;
};

static void on_drain(uv_timer_t *t)
{
	struct batch *b = t->data;
	char notice[sizeof(b->run->notice)];
	feed_drain(b->model, clock_now_ns());
	if (run_notice_take(b->run, &b->notices_seen, notice, sizeof(notice)))
		fprintf(stderr, "simul: %s: %s\n", b->run->full_name, notice);
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

/* --plain's width when --width is not given: the terminal's, else COLUMNS
 * when it is a whole number, else 100; always within --width's range
 * (COLUMNS=99999999999 overflowed, 100000 made lines of 100,000 columns). */
static int terminal_width(void)
{
	struct winsize ws;
	long w = 100;
	const char *cols = getenv("COLUMNS");
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		w = ws.ws_col;
	} else if (cols != NULL && cols[0] >= '0' && cols[0] <= '9') {
		char *end;
		errno = 0;
		long v = strtol(cols, &end, 10);
		if (*end == '\0')
			w = errno == ERANGE ? APP_WIDTH_MAX : v;
	}
	return w < APP_WIDTH_MIN ? APP_WIDTH_MIN : w > APP_WIDTH_MAX ? APP_WIDTH_MAX : (int)w;
}

/* ---- outputs: one table, opened before the run, written after it ---- */

static int write_plain(FILE *f, const struct app_options *o, struct run *run, const struct model *m)
{
	struct text_options to = {.width = o->width ? o->width : terminal_width(), .ascii = o->ascii};
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

/* What batch mode can write, in the order it writes them; the TUI writes
 * the files (not the text, its screen being standard output). */
static const struct output_format {
	const char *option;
	const char *(*path)(const struct app_options *o);
	int (*write)(FILE *f, const struct app_options *o, struct run *run, const struct model *m);
	int file; /* a file the TUI writes too */
} output_formats[] = {
	{"--plain", plain_path, write_plain, 0},
	{"--report", report_path, write_report, 1},
	{"--trace", trace_path, write_trace, 1},
	{"--save", save_path, write_save, 1},
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

int app_outputs_write_files(const struct app_options *o, struct run *run, const struct model *m, char *err,
                            size_t errlen)
{
	int rc = 0;
	for (size_t i = 0; i < NFORMATS; i++) {
		struct output out;
		if (!output_formats[i].file)
			continue;
		if (output_open_quiet(&out, output_formats[i].option, output_formats[i].path(o)) != 0) {
			snprintf(err, errlen, "%s", out.err);
			rc = -1;
			continue;
		}
		int wrc = out.f != NULL ? output_formats[i].write(out.f, o, run, m) : 0;
		if (output_close(&out, wrc) != 0) {
			snprintf(err, errlen, "%s", out.err);
			rc = -1;
		}
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
	uv_timer_start(&b->drain, on_drain, BATCH_DRAIN_MS, BATCH_DRAIN_MS);
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
	if (run.sampler_hz > 0)
		run_measure_before(&run); /* before the origin: it blocks 100 ms */
	b.model = feed_start();
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
