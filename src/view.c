/*
 * view.c: viewport arithmetic and formatting shared by all renderers.
 */
#include "view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "xalloc.h"

static uint64_t round_step(uint64_t want)
{
	/* 1, 2, 5 x 10^k ns */
	uint64_t p = 1;
	while (p * 10 <= want)
		p *= 10;
	if (want <= p)
		return p;
	if (want <= 2 * p)
		return 2 * p;
	if (want <= 5 * p)
		return 5 * p;
	return 10 * p;
}

void view_fit(struct viewport *v, uint64_t start, uint64_t end, int ncols)
{
	if (ncols < 1)
		ncols = 1;
	if (end <= start)
		end = start + 1;
	uint64_t span = end - start;
	uint64_t dt = (span + (uint64_t)ncols - 1) / (uint64_t)ncols;
	v->dt = dt ? dt : 1;
	v->t0 = start;
	v->ncols = ncols;
}

void view_zoom(struct viewport *v, double factor, int col)
{
	uint64_t at = v->t0 + (uint64_t)(col < 0 ? 0 : col) * v->dt;
	double ndt = (double)v->dt * factor;
	if (ndt < 1)
		ndt = 1;
	if (ndt > 1e15)
		ndt = 1e15;
	v->dt = (uint64_t)ndt;
	uint64_t back = (uint64_t)(col < 0 ? 0 : col) * v->dt;
	v->t0 = at > back ? at - back : 0;
	if (v->t0 < v->origin)
		v->t0 = v->origin;
}

long view_col(const struct viewport *v, uint64_t t)
{
	if (t < v->t0)
		return -(long)((v->t0 - t) / v->dt) - 1;
	return (long)((t - v->t0) / v->dt);
}

size_t view_lanes(const struct model *m, size_t max_tasks, int open_group,
                  void (*lane)(void *arg, int is_group, size_t index), void *arg)
{
	size_t nt = model_task_count(m), ng = model_group_count(m), n = 0;
	if (open_group >= 0) {
		for (size_t i = 0; i < nt; i++)
			if (model_task(m, i)->group_index == open_group) {
				lane(arg, 0, i);
				n++;
			}
		return n;
	}
	int grouped = nt > max_tasks && ng > 0;
	unsigned char *seen = grouped ? xcalloc(ng, 1) : NULL;
	for (size_t i = 0; i < nt; i++) {
		int g = model_task(m, i)->group_index;
		if (!grouped || g < 0) {
			lane(arg, 0, i);
		} else if (!seen[g]) {
			seen[g] = 1;
			lane(arg, 1, (size_t)g);
		} else {
			continue;
		}
		n++;
	}
	free(seen);
	return n;
}

void view_format_duration(uint64_t ns, int ascii, char *buf, size_t n)
{
	double d = (double)ns;
	if (ns < NS_PER_US)
		snprintf(buf, n, "%llu ns", (unsigned long long)ns);
	else if (ns < NS_PER_MS)
		snprintf(buf, n, d < 1e5 ? "%.1f %s" : "%.0f %s", d / 1e3, ascii ? "us" : "\u00b5s");
	else if (ns < NS_PER_S)
		snprintf(buf, n, d < 1e7 ? "%.2f ms" : d < 1e8 ? "%.1f ms" : "%.0f ms", d / 1e6);
	else if (ns < 60 * NS_PER_S)
		snprintf(buf, n, d < 1e10 ? "%.2f s" : "%.1f s", d / 1e9);
	else {
		uint64_t s = ns / NS_PER_S;
		if (s < 3600)
			snprintf(buf, n, "%llu m %02llu s", (unsigned long long)(s / 60),
			         (unsigned long long)(s % 60));
		else
			snprintf(buf, n, "%llu h %02llu m", (unsigned long long)(s / 3600),
			         (unsigned long long)(s % 3600 / 60));
	}
}

void view_format_number(double v, char *buf, size_t n)
{
	double a = fabs(v);
	if (!isfinite(v) || (a > 0 && a < 1e-3) || a >= 1e15) {
		snprintf(buf, n, "%.4g", v);
		return;
	}
	if (v == floor(v)) {
		snprintf(buf, n, "%.0f", v);
		return;
	}
	int decimals = 3 - (int)floor(log10(a));
	snprintf(buf, n, "%.*f", decimals < 0 ? 0 : decimals > 6 ? 6 : decimals, v);
	char *dot = strchr(buf, '.');
	if (dot != NULL) {
		char *e = buf + strlen(buf);
		while (e > dot + 1 && e[-1] == '0')
			*--e = '\0';
		if (e == dot + 1)
			*dot = '\0';
	}
}

void view_format_time(const struct viewport *v, uint64_t abs_ns, int ascii, char *buf, size_t n)
{
	uint64_t rel = abs_ns > v->origin ? abs_ns - v->origin : 0;
	if (v->sim_scale > 0) {
		double sim = (double)rel / 1e9 * v->sim_scale;
		unsigned long long s = (unsigned long long)llround(sim);
		snprintf(buf, n, "%llu:%02llu:%02llu", s / 3600, s % 3600 / 60, s % 60);
		return;
	}
	if (rel == 0) {
		snprintf(buf, n, "0");
		return;
	}
	view_format_duration(rel, ascii, buf, n);
}

void view_axis(const struct viewport *v, int ascii, char *labels, char *ruler)
{
	int nc = v->ncols;
	memset(ruler, '-', (size_t)nc);
	ruler[nc] = '\0';
	memset(labels, ' ', (size_t)nc);
	labels[nc] = '\0';
	/* Ticks at round times, about every 12 columns or more. */
	uint64_t step;
	if (v->sim_scale > 0) {
		/* Round simulated steps: 1, 5, 10, 15, 30 min, 1, 2, 3, 6 h ... */
		static const uint64_t sim_steps[] = {1,    5,    10,   30,    60,    300,   600,
		                                     900,  1800, 3600, 7200,  10800, 21600, 43200, 86400};
		double real_per_sim = 1.0 / v->sim_scale;
		step = 0;
		for (size_t i = 0; i < sizeof(sim_steps) / sizeof(sim_steps[0]); i++) {
			uint64_t s = (uint64_t)((double)sim_steps[i] * real_per_sim * 1e9);
			if (s >= v->dt * 12) {
				step = s;
				break;
			}
		}
		if (step == 0)
			step = round_step(v->dt * 12);
	} else {
		step = round_step(v->dt * 12);
	}
	if (step == 0)
		step = 1;
	uint64_t rel0 = v->t0 > v->origin ? v->t0 - v->origin : 0;
	uint64_t first = (rel0 + step - 1) / step * step;
	int last_end = -1;
	size_t out_len = (size_t)nc; /* labels may grow by the µ's extra byte */
	for (uint64_t r = first;; r += step) {
		long col = view_col(v, v->origin + r);
		if (col >= nc)
			break;
		if (col < 0)
			continue;
		ruler[col] = '|';
		char text[32];
		view_format_time(v, v->origin + r, 1, text, sizeof(text));
		int len = (int)strlen(text);
		if (col <= last_end || col + len > nc)
			continue;
		memcpy(labels + col, text, (size_t)len);
		last_end = (int)col + len;
	}
	/* Use µ in labels when allowed: rewrite "us" as "µs". */
	if (!ascii) {
		char tmp[4096];
		size_t o = 0;
		for (size_t i = 0; i < out_len && o + 3 < sizeof(tmp); i++) {
			if (labels[i] == 'u' && labels[i + 1] == 's' && i > 0 && labels[i - 1] == ' ') {
				tmp[o++] = (char)0xc2;
				tmp[o++] = (char)0xb5;
			} else {
				tmp[o++] = labels[i];
			}
		}
		tmp[o] = '\0';
		memcpy(labels, tmp, o + 1);
	}
}

enum state view_cell_state(const struct model_cell *c, uint64_t dt)
{
	uint64_t alive = 0, best = 0;
	enum state s = STATE_DONE;
	for (int i = 0; i < STATE_COUNT; i++) {
		if (i == STATE_DONE)
			continue;
		alive += c->ns[i];
		if (c->ns[i] > best) {
			best = c->ns[i];
			s = (enum state)i;
		}
	}
	if (alive * 2 < dt)
		return STATE_DONE;
	return s;
}

int view_state_never_hidden(enum state s)
{
	return s == STATE_GIL || s == STATE_GIL_INFERRED || s == STATE_LOCK || s == STATE_BLOCKED;
}

void view_cell_look(const struct model_cell *c, uint64_t dt, struct view_cell_look *out)
{
	uint64_t present = 0, run = c->ns[STATE_RUNNING], best = 0;
	int wait = -1, brief = -1;
	enum state most = STATE_DONE; /* view_cell_state's, in the same pass */
	for (int k = 0; k < STATE_COUNT; k++) {
		uint64_t ns = c->ns[k];
		if (k == STATE_DONE)
			continue;
		present += ns;
		if (ns > best) {
			best = ns;
			most = (enum state)k;
		}
		if (k == STATE_RUNNING || ns == 0)
			continue;
		if (wait < 0 || ns > c->ns[wait])
			wait = k;
		if (view_state_never_hidden((enum state)k) && (brief < 0 || ns > c->ns[brief]))
			brief = k;
	}
	out->eighths = 0;
	out->brief = STATE_DONE;
	out->state = present * 2 < dt ? STATE_DONE : most;
	if (out->state == STATE_DONE)
		return;
	if (wait >= 0 && run < VIEW_RUN_OVER_WAIT * c->ns[wait]) {
		out->state = (enum state)wait;
	} else {
		out->state = STATE_RUNNING;
		int e = present ? (int)((run * 8 + present / 2) / present) : 8;
		out->eighths = e < 1 ? 1 : e > 8 ? 8 : e;
	}
	if (brief >= 0 && !view_state_never_hidden(out->state))
		out->brief = (enum state)brief;
}

const char *view_mark_text(const char *task_name, const char *text)
{
	size_t n = strlen(task_name);
	if (n > 0 && strncmp(text, task_name, n) == 0 && text[n] == ':' && text[n + 1] == ' ')
		return text + n + 2;
	return text;
}

int view_wake_shown(const struct model_wake *w, uint64_t dt)
{
	return dt > 0 && w->waited_ns >= dt;
}

long view_end_col(const struct viewport *v, const struct model_task *t)
{
	if (t->end_ns == 0 || t->end_how == TASK_END_FINISHED)
		return -1;
	long c = view_col(v, t->end_ns);
	if (c < 0 || c >= v->ncols)
		return -1;
	return c + 1 < v->ncols ? c + 1 : c;
}
