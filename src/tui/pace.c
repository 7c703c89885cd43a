/*
 * pace.c: pacing a lesson on the TUI: pause, resume and step the run itself
 * (src/pace.h), its speed for the next run, the cursor from event to event,
 * the replay's rate; and the files the TUI writes (--report, --trace,
 * --save, by batch mode's writer in src/app.c) when a run ends or on quit.
 */
#include "tui_int.h"

#include <math.h>

#include "pace.h"

/* The speeds `{` and `}` go through, slowest first. */
static const double speeds[] = {0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0};
#define NSPEEDS (sizeof(speeds) / sizeof(speeds[0]))
/* The replay's rates. */
static const double rates[] = {0.1, 0.25, 0.5, 1.0, 2.0, 4.0};
#define NRATES (sizeof(rates) / sizeof(rates[0]))

/* The next value of a ladder up (dir > 0) or down from v. */
static double ladder(const double *l, size_t n, double v, int dir)
{
	if (dir > 0) {
		for (size_t i = 0; i < n; i++)
			if (l[i] > v * 1.0001)
				return l[i];
		return l[n - 1];
	}
	for (size_t i = n; i-- > 0;)
		if (l[i] < v * 0.9999)
			return l[i];
	return l[0];
}

void tui_format_speed(double v, char *buf, size_t n)
{
	if (v >= 1.0 - 1e-9)
		snprintf(buf, n, "1");
	else if (fabs(1.0 / v - (double)(long)(1.0 / v + 0.5)) < 1e-6)
		snprintf(buf, n, "1/%ld", (long)(1.0 / v + 0.5));
	else
		snprintf(buf, n, "%g", v);
}

/* ---- the run itself ---- */

void tui_pace_pause(struct tui *t, int on)
{
	if (!t->live || t->replay)
		return;
	if (on)
		pace_pause();
	else
		pace_resume();
}

void tui_key_pause(struct tui *t, int ch)
{
	if (!t->live) {
		snprintf(t->msg, sizeof(t->msg), "the run is over: r runs it again");
		return;
	}
	tui_pace_pause(t, !pace_paused());
}

void tui_key_follow(struct tui *t, int ch)
{
	t->follow = t->live ? !t->follow : 0;
}

/* The nearest event (a task's state change or a print) after t (dir > 0) or
 * before it; 0 when there is none. */
static uint64_t event_near(const struct model *m, uint64_t t, int dir)
{
	uint64_t best = 0;
	for (size_t i = 0; i < model_task_count(m); i++) {
		size_t n = model_span_count(m, i), k = model_span_find(m, i, t);
		struct model_span s;
		if (k >= n) /* t outside the task's spans: look from either end */
			k = dir > 0 ? 0 : n;
		for (size_t j = k > 0 ? k - 1 : 0; j < n && j <= k + 1; j++) {
			if (model_span_get(m, i, j, &s) != 0)
				continue;
			int ok = dir > 0 ? s.start_ns > t : s.start_ns < t;
			if (ok && (best == 0 || (dir > 0 ? s.start_ns < best : s.start_ns > best)))
				best = s.start_ns;
		}
	}
	struct model_mark mk;
	for (size_t k = 0; k < model_mark_count(m); k++)
		if (model_mark_get(m, k, &mk) == 0) {
			int ok = dir > 0 ? mk.t_ns > t : mk.t_ns < t;
			if (ok && (best == 0 || (dir > 0 ? mk.t_ns < best : mk.t_ns > best)))
				best = mk.t_ns;
		}
	return best;
}

/* Put the cursor on instant at (the view moves when it is off screen). */
static void cursor_to(struct tui *t, uint64_t at)
{
	int ncols = t->vp.ncols > 0 ? t->vp.ncols : 1;
	long c = view_col(&t->vp, at);
	if (c < 0 || c >= ncols) {
		uint64_t half = t->vp.dt * (uint64_t)(ncols / 2);
		t->vp.t0 = at > t->vp.origin + half ? at - half : t->vp.origin;
		c = view_col(&t->vp, at);
	}
	t->cursor = c < 0 ? 0 : c >= ncols ? ncols - 1 : (int)c;
	t->follow = 0;
}

uint64_t tui_cursor_time(const struct tui *t)
{
	return t->vp.t0 + (uint64_t)(t->cursor > 0 ? t->cursor : 0) * t->vp.dt;
}

void tui_pace_step(struct tui *t)
{
	if (t->live && pace_paused())
		pace_step();
}

/* `.`: a paused run goes on to its next event; otherwise the cursor moves to
 * the next recorded event. `,`: the cursor back to the one before. */
void tui_key_step(struct tui *t, int ch)
{
	if (ch == '.' && t->live && pace_paused()) {
		pace_step();
		return;
	}
	if (t->model == NULL || t->vp.dt == 0)
		return;
	uint64_t tc = tui_cursor_time(t);
	/* an event inside the cursor's column counts as passed */
	uint64_t from = ch == '.' ? tc + t->vp.dt - 1 : tc;
	uint64_t at = event_near(t->model, from, ch == '.' ? 1 : -1);
	if (at != 0)
		cursor_to(t, at);
}

void tui_key_speed(struct tui *t, int ch)
{
	char a[16];
	t->speed = ladder(speeds, NSPEEDS, t->speed, ch == '}' ? 1 : -1);
	tui_format_speed(t->speed, a, sizeof(a));
	snprintf(t->msg, sizeof(t->msg), "speed %s from the next run%s", a,
	         t->screen == SCREEN_RUN ? " (r runs it again)" : "");
}

/* ---- the replay ---- */

void tui_key_rate(struct tui *t, int ch)
{
	t->play_rate = ladder(rates, NRATES, t->play_rate > 0 ? t->play_rate : 1.0, ch == '}' ? 1 : -1);
}

void tui_key_replay_step(struct tui *t, int ch)
{
	uint64_t at = event_near(t->model, t->head, ch == '.' ? 1 : -1);
	t->playing = 0;
	tui_replay_seek(t, at != 0 ? at : ch == '.' ? tui_replay_end(t) : model_origin(t->model));
}

/* ---- the header's words ---- */

void tui_pace_status(const struct tui *t, char *buf, size_t n)
{
	char a[16];
	double speed = t->run ? t->run->speed : 1.0;
	tui_format_speed(speed, a, sizeof(a));
	int paused = t->live && !t->replay && pace_paused();
	snprintf(buf, n, "%s%s%s%s", paused ? (pace_stepping() ? "  STEP" : "  PAUSED") : "",
	         speed < 1.0 ? "  speed " : "", speed < 1.0 ? a : "", "");
}

/* ---- the files it writes ---- */

int tui_outputs_wanted(const struct tui *t)
{
	return t->opt != NULL && (t->opt->report || t->opt->trace || t->opt->save);
}

void tui_outputs_write(struct tui *t)
{
	const struct app_options *o = t->opt;
	if (!tui_outputs_wanted(t) || t->run == NULL || t->model == NULL)
		return;
	t->outputs_written = 1;
	/* batch mode's writer (src/app.c): a temporary file, renamed when whole */
	if (app_outputs_write_files(o, t->run, t->model, t->out_err, sizeof(t->out_err)) != 0)
		snprintf(t->msg, sizeof(t->msg), "%.200s", t->out_err);
}

/* Quitting: a live run is stopped and written as interrupted; a finished
 * one or a replay is written if nothing was yet. Terminal already given
 * back. Returns 0, or -1 after printing why a file could not be written. */
int tui_outputs_at_quit(struct tui *t)
{
	if (t->run != NULL && t->live) {
		run_request_stop(t->run);
		if (t->model != NULL)
			app_run_end(t->run, t->model);
		else
			run_finish(t->run);
		t->live = 0;
		tui_outputs_write(t);
	} else if (!t->outputs_written) {
		tui_outputs_write(t);
	}
	if (t->out_err[0] != '\0') {
		fprintf(stderr, "%s\n", t->out_err);
		return -1;
	}
	return 0;
}

/* ---- a script's commands ---- */

int tui_pace_cmd(struct tui *t, const char *line)
{
	static const char speed_cmd[] = "speed ";
	if (strcmp(line, "pause") == 0)
		tui_pace_pause(t, 1);
	else if (strcmp(line, "resume") == 0)
		tui_pace_pause(t, 0);
	else if (strcmp(line, "step") == 0)
		tui_pace_step(t);
	else if (strncmp(line, speed_cmd, strlen(speed_cmd)) == 0) {
		double v;
		if (pace_speed_parse(line + strlen(speed_cmd), &v) == 0)
			t->speed = v;
	} else {
		return 0;
	}
	return 1;
}
