/*
 * savefile.c: writing and loading saved runs (format in savefile.h).
 *
 * Loading is written for hostile input (it is fuzzed by
 * tests/fuzz_replay.c): every token is checked for type and range, every
 * index against what was declared, every time against the run's length,
 * and the first problem stops the load with the line number.
 *
 * Rebuilding through model_ingest: a span's core comes from the thread
 * slot the task is bound to, and tasks that share a thread (coroutines on
 * a loop) share a slot. So while its spans are fed, each task is bound to
 * a slot of its own (pid 0xffffffff, tid = index + 1) whose core is set
 * before each span that shows one; at its end it is bound to its real
 * thread, whose core is set to the one its last span showed, so nothing
 * changes but the pid and tid it reports.
 */
#include "savefile.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "demo.h"
#include "quote.h"
#include "state.h"
#include "xalloc.h"

#define SAVE_MAX_TASKS 65536
#define SAVE_MAX_STR 4096
#define SAVE_MAX_TIME (UINT64_C(1) << 62)
#define SAVE_MAX_FILE (UINT64_C(1) << 31)
/* Simulated seconds a real second (chess's time_scale is 1..10000): the
 * view divides by it and turns the result into whole nanoseconds. */
#define SAVE_MIN_SIM_SCALE 1e-3
#define SAVE_MAX_SIM_SCALE 1e6
#define SAVE_MAX_HZ 1e6
#define FAKE_PID 0xffffffffu

/* ---- writing ---- */

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '\\': fputs("\\\\", f); break;
		case '"': fputs("\\\"", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\x%02x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static int64_t rel(const struct model *m, uint64_t t)
{
	return t > model_origin(m) ? (int64_t)(t - model_origin(m)) : 0;
}

/* The model: tasks, wakes, spans, marks, milestones. */
static void write_timeline(FILE *f, const struct model *m)
{
	size_t nt = model_task_count(m);
	for (size_t i = 0; i < nt; i++) {
		const struct model_task *t = model_task(m, i);
		fputs("task ", f);
		put_str(f, t->name);
		fprintf(f, " %s ", kind_name(t->kind));
		put_str(f, t->group);
		fprintf(f, " %d %d %d %" PRId64 " %s\n", t->parent, t->pid, t->tid,
		        t->end_ns ? rel(m, t->end_ns) : -1, t->end_ns ? end_name(t->end_how) : "-");
	}
	/* Wakes before spans: at one instant a wake comes before the woken
	 * task's next state, as it was recorded (savefile.h). */
	struct model_wake w;
	for (size_t k = 0; k < model_wake_count(m); k++)
		if (model_wake_get(m, k, &w) == 0) {
			fprintf(f, "wake %d %" PRId64 " %d ", w.task, rel(m, w.t_ns), w.waker);
			put_str(f, w.cause);
			fputc('\n', f);
		}
	for (size_t i = 0; i < nt; i++) {
		size_t n = model_span_count(m, i);
		for (size_t k = 0; k < n; k++) {
			struct model_span s;
			if (model_span_get(m, i, k, &s) != 0)
				continue;
			fprintf(f, "span %zu %" PRId64 " %s %d %d ", i, rel(m, s.start_ns), state_name(s.state),
			        s.line, s.core);
			put_str(f, s.reason);
			fputc('\n', f);
		}
	}
	struct model_mark mk;
	for (size_t k = 0; k < model_mark_count(m); k++)
		if (model_mark_get(m, k, &mk) == 0) {
			fprintf(f, "mark %d %" PRId64 " ", mk.task, rel(m, mk.t_ns));
			put_str(f, mk.text);
			fputc('\n', f);
		}
	for (size_t k = 0; k < model_milestone_count(m); k++)
		if (model_milestone_get(m, k, &mk) == 0) {
			fprintf(f, "milestone %" PRId64 " ", rel(m, mk.t_ns));
			put_str(f, mk.text);
			fputc('\n', f);
		}
}

int savefile_write(FILE *f, struct run *run, const struct model *m)
{
	char buf[256];

	fprintf(f, "%s %d\ndemo ", SAVEFILE_MAGIC, SAVEFILE_VERSION);
	put_str(f, run->full_name);
	fputc('\n', f);
	for (size_t i = 0; i < run->params.n; i++) {
		params_format(&run->params, i, buf, sizeof(buf));
		fputs("param ", f);
		put_str(f, run->params.spec[i].name);
		fputc(' ', f);
		put_str(f, buf);
		fputc('\n', f);
	}
	fprintf(f, "seed %" PRIu64 "\norigin %" PRIu64 "\nnow %" PRId64 "\n", run->seed, model_origin(m),
	        rel(m, model_now(m)));
	fprintf(f, "ended %" PRId64 "\ncpu %" PRIu64 "\nstatus %d\nerror ", run->end_ns ? rel(m, run->end_ns) : -1,
	        run->cpu_ns, run->status);
	put_str(f, run->error);
	fprintf(f, "\ninterrupted %d\nsim_scale %.17g\n", atomic_load(&run->stop) != 0, run->sim_scale);
	fprintf(f, "pace %.17g %" PRIu64 " %" PRIu64 "\n", run->speed, run->paused_ns, run->real_ns);
	const struct sampler_stats *ss = &run->sampler_stats;
	int nc = ss->ncores < 0 ? 0 : ss->ncores > SAMPLER_MAX_CORES ? SAMPLER_MAX_CORES : ss->ncores;
	fprintf(f, "sampler %.17g %" PRIu64 " %d", ss->mean_hz, ss->cpu_ns, nc);
	for (int c = 0; c < nc; c++)
		fprintf(f, " %.17g", ss->core_busy[c]);
	const struct run_counters *cnt = &run->counters;
	fprintf(f, "\nrecorder %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "%s%s\nmachine %d\n", cnt->events,
	        cnt->dropped, cnt->late, cnt->model_bytes, cnt->clock[0] ? " " : "", cnt->clock, cnt->cores);
	struct run_load l;
	run_machine_load(run, &l);
	fprintf(f, "load %.17g %.17g %d\n", l.before, l.during, l.ncores);
	for (int i = 0; i < run->nresults; i++) {
		const struct run_result *r = &run->results[i];
		fputs("result ", f);
		put_str(f, r->key);
		if (r->is_text) {
			fputs(" text ", f);
			put_str(f, r->text);
		} else {
			fprintf(f, " num %.17g", r->num);
		}
		fputc('\n', f);
	}
	char(*panel)[RUN_PANEL_WIDTH] = xcalloc(RUN_PANEL_LINES, sizeof(*panel));
	char title[RUN_PANEL_TITLE];
	int np = run_panel_copy(run, panel, RUN_PANEL_LINES, title, sizeof(title), NULL);
	if (np > 0) {
		fputs("panel_title ", f);
		put_str(f, title);
		fputc('\n', f);
	}
	for (int i = 0; i < np; i++) {
		fprintf(f, "panel %d ", i);
		put_str(f, panel[i]);
		fputc('\n', f);
	}
	free(panel);
	write_timeline(f, m);
	fputs("end\n", f);
	return ferror(f) ? -1 : 0;
}

/* ---- reading: tokens of one line ---- */

struct cursor {
	const char *p, *end;
};

static void skip_space(struct cursor *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

static int at_end(struct cursor *c)
{
	skip_space(c);
	return c->p == c->end;
}

/* An unquoted word (record names, kinds, states). */
static int tok_word(struct cursor *c, char *out, size_t cap)
{
	size_t n = 0;
	skip_space(c);
	while (c->p < c->end && *c->p != ' ') {
		if (n + 1 >= cap)
			return -1;
		out[n++] = *c->p++;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A quoted string; out holds at most cap-1 bytes (longer is an error). */
static int tok_str(struct cursor *c, char *out, size_t cap)
{
	size_t n = 0;
	skip_space(c);
	if (c->p >= c->end || *c->p != '"')
		return -1;
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		char ch = *c->p++;
		if (ch == '\\') {
			if (c->p >= c->end)
				return -1;
			char e = *c->p++;
			switch (e) {
			case '\\': ch = '\\'; break;
			case '"': ch = '"'; break;
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			case 'x': {
				if (c->end - c->p < 2)
					return -1;
				int hi = hexval(c->p[0]), lo = hexval(c->p[1]);
				if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
					return -1;
				ch = (char)(hi * 16 + lo);
				c->p += 2;
				break;
			}
			default:
				return -1;
			}
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = ch;
	}
	if (c->p >= c->end)
		return -1;
	c->p++;
	out[n] = '\0';
	return 0;
}

static int tok_i64(struct cursor *c, int64_t min, int64_t max, int64_t *out)
{
	char w[32], *e;
	if (tok_word(c, w, sizeof(w)) != 0)
		return -1;
	errno = 0;
	long long v = strtoll(w, &e, 10);
	if (errno != 0 || *e != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A finite number: no nan, no inf, nothing out of a double's range. */
static int tok_real(struct cursor *c, double *out)
{
	char w[64], *e;
	if (tok_word(c, w, sizeof(w)) != 0)
		return -1;
	errno = 0;
	*out = strtod(w, &e);
	return *e == '\0' && errno != ERANGE && isfinite(*out) ? 0 : -1;
}

/* ---- reading: records ---- */

struct ltask {
	int pid, tid;
	int64_t end;        /* relative, -1: alive */
	enum task_end how;
	int have_span, ended;
	int64_t last_t;
	int last_state, last_core;
	int fake_core;
};

struct loader {
	int version;
	struct run *run;
	struct model *m;
	int have_run, have_origin, have_now;
	uint64_t origin;
	int64_t now;
	struct ltask *tasks;
	size_t ntasks, cap;
	int nspans_seen;
	char s1[SAVE_MAX_STR], s2[SAVE_MAX_STR];
	char perr[256]; /* a parameter's own message */
};

static void feed(struct loader *L, int64_t t, enum trace_ev_type type, int task, int state, int line,
                 uint32_t a, uint32_t b, const char *text)
{
	struct trace_record r = {
		.t_ns = L->origin + (uint64_t)t,
		.task = task,
		.type = type,
		.state = (enum state)state,
		.line = line,
		.a = a,
		.b = b,
		.text = text ? text : "",
		.text_len = text ? strlen(text) : 0,
	};
	model_ingest(L->m, &r);
}

static int bound(const struct ltask *t)
{
	return t->pid != 0 || t->tid != 0;
}

static const char *rec_task(struct loader *L, struct cursor *c)
{
	int64_t parent, pid, tid, end;
	char kind[32], how[32] = "finished";
	if (!L->have_origin || !L->have_now)
		return "'task' before 'origin' and 'now'";
	if (tok_str(c, L->s1, sizeof(L->s1)) || tok_word(c, kind, sizeof(kind)) ||
	    tok_str(c, L->s2, sizeof(L->s2)) || tok_i64(c, -1, (int64_t)L->ntasks - 1, &parent) ||
	    tok_i64(c, 0, INT32_MAX, &pid) || tok_i64(c, 0, INT32_MAX, &tid) ||
	    tok_i64(c, -1, L->now, &end) || (L->version >= 3 && tok_word(c, how, sizeof(how))) || !at_end(c))
		return L->version >= 3 ? "expected: task \"name\" KIND \"group\" PARENT PID TID END HOW"
		                       : "expected: task \"name\" KIND \"group\" PARENT PID TID END";
	int e = end >= 0 ? end_from_name(how) : strcmp(how, "-") == 0 || L->version < 3 ? TASK_END_FINISHED : -1;
	if (e < 0)
		return end >= 0 ? "unknown end (allowed: finished cancelled)" : "a task alive at the end has HOW '-'";
	int k;
	for (k = 0; k < KIND_COUNT; k++)
		if (strcmp(kind_name((enum task_kind)k), kind) == 0)
			break;
	if (k == KIND_COUNT)
		return "unknown task kind";
	if (L->nspans_seen)
		return "'task' after a span or mark";
	if (L->ntasks >= SAVE_MAX_TASKS)
		return "too many tasks";
	if (L->ntasks == L->cap) {
		L->cap = L->cap ? L->cap * 2 : 16;
		L->tasks = xreallocarray(L->tasks, L->cap, sizeof(*L->tasks));
	}
	struct trace_task_info info = {
		.name = L->s1, .group = L->s2, .kind = (enum task_kind)k, .parent = (trace_task_t)parent};
	model_task_add(L->m, &info);
	L->tasks[L->ntasks++] = (struct ltask){
		.pid = (int)pid, .tid = (int)tid, .end = end, .how = (enum task_end)e, .last_state = STATE_DONE,
		.last_core = -1, .fake_core = -1};
	return NULL;
}

static const char *rec_span(struct loader *L, struct cursor *c)
{
	int64_t ti, t, line, core;
	char sname[32];
	if (tok_i64(c, 0, (int64_t)L->ntasks - 1, &ti) || tok_i64(c, 0, L->now, &t) ||
	    tok_word(c, sname, sizeof(sname)) || tok_i64(c, 0, INT16_MAX, &line) ||
	    tok_i64(c, -1, 254, &core) || tok_str(c, L->s1, sizeof(L->s1)) || !at_end(c))
		return "expected: span TASK START STATE LINE CORE \"reason\" (TASK declared, times within 'now')";
	int s = state_from_name(sname);
	if (s < 0)
		return "unknown state";
	struct ltask *lt = &L->tasks[ti];
	if (lt->ended)
		return "span after the task's end";
	if (lt->have_span && t < lt->last_t)
		return "spans of a task out of time order";
	if (lt->end >= 0 && t > lt->end)
		return "span after the task's end";
	L->nspans_seen = 1;
	uint32_t fake_tid = (uint32_t)ti + 1;
	if (bound(lt) && !lt->have_span) {
		/* Make the real slot exist (so its core can be set at the end),
		 * then feed the spans through the task's own slot. */
		feed(L, t, TRACE_EV_BIND, (int)ti, 0, 0, (uint32_t)lt->pid, (uint32_t)lt->tid, NULL);
		feed(L, t, TRACE_EV_BIND, (int)ti, 0, 0, FAKE_PID, fake_tid, NULL);
	}
	if (bound(lt) && (s == STATE_RUNNING || s == STATE_PREEMPTED) && core != lt->fake_core) {
		feed(L, t, TRACE_EV_CORE, -1, 0, (int)core, FAKE_PID, fake_tid, NULL);
		lt->fake_core = (int)core;
	}
	if (s == STATE_DONE && lt->end >= 0 && t == lt->end)
		lt->ended = 1; /* the END event comes with the final binding */
	else
		feed(L, t, TRACE_EV_STATE, (int)ti, s, (int)line, 0, 0, L->s1);
	lt->have_span = 1;
	lt->last_t = t;
	lt->last_state = s;
	lt->last_core = (int)core;
	return NULL;
}

static const char *rec_mark(struct loader *L, struct cursor *c, int milestone)
{
	int64_t ti = -1, t;
	if (!milestone && tok_i64(c, 0, (int64_t)L->ntasks - 1, &ti))
		return "expected: mark TASK T \"text\" (TASK declared)";
	if (tok_i64(c, 0, L->now, &t) || tok_str(c, L->s1, sizeof(L->s1)) || !at_end(c))
		return milestone ? "expected: milestone T \"text\" (T within 'now')"
		                 : "expected: mark TASK T \"text\" (T within 'now')";
	if (!L->have_origin || !L->have_now)
		return "mark before 'origin' and 'now'";
	L->nspans_seen = 1;
	feed(L, t, milestone ? TRACE_EV_MILESTONE : TRACE_EV_MARK, (int)ti, 0, 0, 0, 0, L->s1);
	return NULL;
}

static const char *rec_wake(struct loader *L, struct cursor *c)
{
	int64_t ti, t, by;
	if (tok_i64(c, 0, (int64_t)L->ntasks - 1, &ti) || tok_i64(c, 0, L->now, &t) ||
	    tok_i64(c, 0, (int64_t)L->ntasks - 1, &by) || tok_str(c, L->s1, sizeof(L->s1)) || !at_end(c))
		return "expected: wake TASK T WAKER \"cause\" (TASK and WAKER declared, T within 'now')";
	if (ti == by)
		return "a task woken by itself";
	L->nspans_seen = 1;
	feed(L, t, TRACE_EV_WAKE, (int)ti, 0, 0, (uint32_t)by, 0, L->s1);
	return NULL;
}

/* The last record: bind each task to its real thread and end it. */
static void finish_tasks(struct loader *L)
{
	for (size_t i = 0; i < L->ntasks; i++) {
		struct ltask *lt = &L->tasks[i];
		int64_t T = lt->end >= 0 ? lt->end : L->now;
		if (lt->have_span && T < lt->last_t)
			T = lt->last_t;
		if (bound(lt)) {
			if (!lt->have_span)
				feed(L, T, TRACE_EV_BIND, (int)i, 0, 0, (uint32_t)lt->pid, (uint32_t)lt->tid, NULL);
			if (lt->have_span &&
			    (lt->last_state == STATE_RUNNING || lt->last_state == STATE_PREEMPTED))
				feed(L, T, TRACE_EV_CORE, -1, 0, lt->last_core, (uint32_t)lt->pid,
				     (uint32_t)lt->tid, NULL);
			feed(L, T, TRACE_EV_BIND, (int)i, 0, 0, (uint32_t)lt->pid, (uint32_t)lt->tid, NULL);
		}
		if (lt->end >= 0)
			feed(L, T, TRACE_EV_END, (int)i, STATE_DONE, 0, (uint32_t)lt->how, 0, NULL);
	}
}

static const char *rec_demo(struct loader *L, struct cursor *c)
{
	const struct demo_module *mod;
	const struct demo *d;
	if (L->have_run)
		return "a second 'demo'";
	if (tok_str(c, L->s1, sizeof(L->s1)) || !at_end(c))
		return "expected: demo \"module/demo\"";
	if ((d = registry_find(L->s1, &mod)) == NULL)
		return "unknown demo (simul --list shows them)";
	run_init(L->run, mod, d);
	L->have_run = 1;
	return NULL;
}

static const char *rec_param(struct loader *L, struct cursor *c)
{
	if (tok_str(c, L->s1, sizeof(L->s1)) || tok_str(c, L->s2, sizeof(L->s2)) || !at_end(c))
		return "expected: param \"name\" \"value\"";
	if (params_set(&L->run->params, L->s1, L->s2, L->perr, sizeof(L->perr)) != 0)
		return L->perr;
	return NULL;
}

static const char *rec_seed(struct loader *L, struct cursor *c)
{
	char w[32], *e;
	if (tok_word(c, w, sizeof(w)) || !at_end(c) || w[0] == '-')
		return "expected: seed N";
	errno = 0;
	uint64_t s = strtoull(w, &e, 10);
	if (errno || *e)
		return "expected: seed N";
	L->run->seed = s;
	return NULL;
}

static const char *rec_origin(struct loader *L, struct cursor *c)
{
	int64_t v;
	if (tok_i64(c, 0, (int64_t)SAVE_MAX_TIME, &v) || !at_end(c))
		return "expected: origin NS";
	L->origin = (uint64_t)v;
	L->have_origin = 1;
	model_set_origin(L->m, L->origin);
	return NULL;
}

static const char *rec_now(struct loader *L, struct cursor *c)
{
	int64_t v;
	if (!L->have_origin || L->have_now)
		return "'now' must follow 'origin', once";
	if (tok_i64(c, 0, (int64_t)SAVE_MAX_TIME, &v) || !at_end(c))
		return "expected: now NS";
	L->now = v;
	L->have_now = 1;
	return NULL;
}

static const char *rec_ended(struct loader *L, struct cursor *c)
{
	int64_t v;
	if (!L->have_origin || !L->have_now)
		return "'ended' before 'origin' and 'now'";
	if (tok_i64(c, -1, (int64_t)SAVE_MAX_TIME, &v) || !at_end(c))
		return "expected: ended NS (or -1)";
	L->run->end_ns = v < 0 ? 0 : L->origin + (uint64_t)v;
	return NULL;
}

static const char *rec_cpu(struct loader *L, struct cursor *c)
{
	int64_t v;
	if (tok_i64(c, 0, INT64_MAX, &v) || !at_end(c))
		return "expected: cpu NS";
	L->run->cpu_ns = (uint64_t)v;
	return NULL;
}

static const char *rec_status(struct loader *L, struct cursor *c)
{
	int64_t v;
	if (tok_i64(c, INT32_MIN, INT32_MAX, &v) || !at_end(c))
		return "expected: status N";
	L->run->status = (int)v;
	return NULL;
}

static const char *rec_error(struct loader *L, struct cursor *c)
{
	if (tok_str(c, L->run->error, sizeof(L->run->error)) || !at_end(c))
		return "expected: error \"text\" (at most 255 bytes)";
	return NULL;
}

static const char *rec_interrupted(struct loader *L, struct cursor *c)
{
	int64_t v;
	if (tok_i64(c, 0, 1, &v) || !at_end(c))
		return "expected: interrupted 0|1";
	atomic_store(&L->run->stop, (int)v);
	return NULL;
}

static const char *rec_sim_scale(struct loader *L, struct cursor *c)
{
	double v;
	if (tok_real(c, &v) || !at_end(c) || !(v == 0 || (v >= SAVE_MIN_SIM_SCALE && v <= SAVE_MAX_SIM_SCALE)))
		return "expected: sim_scale R (0: real time, or 0.001..1000000 simulated seconds a second)";
	L->run->sim_scale = v;
	return NULL;
}

static const char *rec_pace(struct loader *L, struct cursor *c)
{
	struct run *run = L->run;
	int64_t paused, real;
	if (tok_real(c, &run->speed) || tok_i64(c, 0, INT64_MAX, &paused) || tok_i64(c, 0, INT64_MAX, &real) ||
	    !at_end(c) || !(run->speed >= CLOCK_SPEED_MIN && run->speed <= CLOCK_SPEED_MAX))
		return "expected: pace SPEED PAUSED_NS REAL_NS (speed 0.01..1)";
	run->paused_ns = (uint64_t)paused;
	run->real_ns = (uint64_t)real;
	return NULL;
}

static const char *rec_sampler(struct loader *L, struct cursor *c)
{
	struct sampler_stats *ss = &L->run->sampler_stats;
	int64_t v, nc;
	if (tok_real(c, &ss->mean_hz) || tok_i64(c, 0, INT64_MAX, &v) || tok_i64(c, 0, SAMPLER_MAX_CORES, &nc) ||
	    ss->mean_hz < 0 || ss->mean_hz > SAVE_MAX_HZ)
		return "expected: sampler HZ CPU_NS NCORES BUSY... (HZ 0..1000000)";
	ss->cpu_ns = (uint64_t)v;
	ss->ncores = (int)nc;
	for (int k = 0; k < ss->ncores; k++)
		if (tok_real(c, &ss->core_busy[k]) || ss->core_busy[k] < 0 || ss->core_busy[k] > 1)
			return "expected: sampler HZ CPU_NS NCORES then NCORES busy shares (0..1)";
	if (!at_end(c))
		return "expected: sampler HZ CPU_NS NCORES then NCORES busy shares";
	return NULL;
}

static const char *rec_recorder(struct loader *L, struct cursor *c)
{
	struct run_counters *k = &L->run->counters;
	int64_t ev, dr, late, bytes = 0;
	char clock[sizeof(k->clock)] = "";
	if (tok_i64(c, 0, INT64_MAX, &ev) || tok_i64(c, 0, INT64_MAX, &dr) || tok_i64(c, 0, INT64_MAX, &late) ||
	    (L->version >= 2 && tok_i64(c, 0, INT64_MAX, &bytes)) ||
	    (L->version >= 2 && !at_end(c) &&
	     (tok_word(c, clock, sizeof(clock)) || (strcmp(clock, "tsc") != 0 && strcmp(clock, "monotonic") != 0))) ||
	    !at_end(c))
		return L->version >= 2 ? "expected: recorder EVENTS DROPPED LATE BYTES [tsc|monotonic]"
		                       : "expected: recorder EVENTS DROPPED LATE";
	memcpy(k->clock, clock, sizeof(k->clock));
	k->events = (uint64_t)ev;
	k->dropped = (uint64_t)dr;
	k->late = (uint64_t)late;
	k->model_bytes = (uint64_t)bytes;
	return NULL;
}

static const char *rec_machine(struct loader *L, struct cursor *c)
{
	int64_t v;
	if (tok_i64(c, 0, INT32_MAX, &v) || !at_end(c))
		return "expected: machine CORES";
	L->run->counters.cores = (int)v;
	return NULL;
}

/* A share of the machine's cores (load.h): 0..1, or -1 for unknown. */
static int load_share_ok(double v)
{
	return v == -1 || (v >= 0 && v <= 1);
}

static const char *rec_load(struct loader *L, struct cursor *c)
{
	struct run *run = L->run;
	int64_t nc;
	if (tok_real(c, &run->load_before) || tok_real(c, &run->load_during) ||
	    tok_i64(c, 0, SAMPLER_MAX_CORES, &nc) || !at_end(c) || !load_share_ok(run->load_before) ||
	    !load_share_ok(run->load_during))
		return "expected: load BEFORE DURING NCORES (shares 0..1, or -1)";
	run->load0.ncores = (int)nc;
	return NULL;
}

static const char *rec_result(struct loader *L, struct cursor *c)
{
	struct run *run = L->run;
	char type[8];
	if (run->nresults >= RUN_RESULTS_MAX)
		return "too many results";
	struct run_result *r = &run->results[run->nresults];
	memset(r, 0, sizeof(*r));
	if (tok_str(c, r->key, sizeof(r->key)) || tok_word(c, type, sizeof(type)))
		return "expected: result \"key\" num R | result \"key\" text \"text\"";
	if (strcmp(type, "num") == 0 && tok_real(c, &r->num) == 0 && at_end(c))
		r->is_text = 0;
	else if (strcmp(type, "text") == 0 && tok_str(c, r->text, sizeof(r->text)) == 0 && at_end(c))
		r->is_text = 1;
	else
		return "expected: result \"key\" num R | result \"key\" text \"text\"";
	run->nresults++;
	return NULL;
}

static const char *rec_panel_title(struct loader *L, struct cursor *c)
{
	if (tok_str(c, L->run->panel_title, sizeof(L->run->panel_title)) || !at_end(c))
		return "expected: panel_title \"text\"";
	return NULL;
}

static const char *rec_panel(struct loader *L, struct cursor *c)
{
	struct run *run = L->run;
	int64_t v;
	if (tok_i64(c, 0, RUN_PANEL_LINES - 1, &v) || tok_str(c, run->panel[v], RUN_PANEL_WIDTH) || !at_end(c))
		return "expected: panel LINE \"text\"";
	if (v + 1 > run->panel_lines)
		run->panel_lines = (int)v + 1;
	return NULL;
}

static const char *rec_mark_line(struct loader *L, struct cursor *c)
{
	return rec_mark(L, c, 0);
}

static const char *rec_milestone(struct loader *L, struct cursor *c)
{
	return rec_mark(L, c, 1);
}

/* Every record after the first line, by name. */
static const struct record_kind {
	const char *name;
	const char *(*parse)(struct loader *L, struct cursor *c);
} record_kinds[] = {
	{"demo", rec_demo},
	{"param", rec_param},
	{"seed", rec_seed},
	{"origin", rec_origin},
	{"now", rec_now},
	{"ended", rec_ended},
	{"cpu", rec_cpu},
	{"status", rec_status},
	{"error", rec_error},
	{"interrupted", rec_interrupted},
	{"sim_scale", rec_sim_scale},
	{"pace", rec_pace},
	{"sampler", rec_sampler},
	{"recorder", rec_recorder},
	{"machine", rec_machine},
	{"load", rec_load},
	{"result", rec_result},
	{"panel_title", rec_panel_title},
	{"panel", rec_panel},
	{"task", rec_task},
	{"span", rec_span},
	{"mark", rec_mark_line},
	{"milestone", rec_milestone},
	{"wake", rec_wake},
};

static const char *rec_any(struct loader *L, const char *name, struct cursor *c)
{
	for (size_t i = 0; i < sizeof(record_kinds) / sizeof(record_kinds[0]); i++) {
		if (strcmp(name, record_kinds[i].name) != 0)
			continue;
		if (!L->have_run && record_kinds[i].parse != rec_demo)
			return "expected 'demo' on line 2";
		return record_kinds[i].parse(L, c);
	}
	return "unknown record (allowed: demo param seed origin now ended cpu status error interrupted "
	       "sim_scale pace sampler recorder machine load result panel_title panel task span mark milestone wake)";
}

int savefile_parse(const char *buf, size_t len, struct run *run, struct model **model, char *err,
                   size_t errlen)
{
	struct loader L;
	const char *why = NULL;
	int lineno = 0, done = 0;

	memset(&L, 0, sizeof(L));
	L.run = run;
	*model = NULL;
	L.m = model_new(0);
	if (L.m == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	const char *p = buf, *end = buf + len;
	while (p < end && why == NULL) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		struct cursor c = {p, le};
		char name[24];
		lineno++;
		p = nl ? nl + 1 : end;
		if (done) {
			why = "data after 'end'";
			break;
		}
		if (lineno == 1) {
			int64_t ver;
			if (tok_word(&c, name, sizeof(name)) || strcmp(name, SAVEFILE_MAGIC) != 0) {
				snprintf(err, errlen, "not a simul save file (it does not start with '%s')",
				         SAVEFILE_MAGIC);
				goto fail_msg;
			}
			if (tok_i64(&c, 0, INT32_MAX, &ver) || !at_end(&c) || ver < SAVEFILE_OLDEST ||
			    ver > SAVEFILE_VERSION) {
				snprintf(err, errlen, "unsupported save file version (this simul reads versions %d to %d)",
				         SAVEFILE_OLDEST, SAVEFILE_VERSION);
				goto fail_msg;
			}
			L.version = (int)ver;
			continue;
		}
		if (memchr(c.p, '\0', (size_t)(le - c.p)) != NULL) {
			why = "binary data (a NUL byte)";
			break;
		}
		if (tok_word(&c, name, sizeof(name)) != 0) {
			why = "empty line";
			break;
		}
		if (strcmp(name, "end") == 0 && at_end(&c)) {
			if (!L.have_run || !L.have_origin || !L.have_now)
				why = "'end' before 'demo', 'origin' and 'now'";
			done = 1;
			continue;
		}
		why = rec_any(&L, name, &c);
	}
	if (why != NULL) {
		snprintf(err, errlen, "line %d: %s", lineno, why);
		goto fail_msg;
	}
	if (lineno == 0) {
		snprintf(err, errlen, "empty file: not a simul save file");
		goto fail_msg;
	}
	if (!done) {
		snprintf(err, errlen, "truncated: no 'end' line after line %d", lineno);
		goto fail_msg;
	}
	finish_tasks(&L);
	model_apply(L.m, L.origin + (uint64_t)L.now);
	if (L.version < 2)
		run->counters.model_bytes = model_memory_bytes(L.m);
	free(L.tasks);
	*model = L.m;
	return 0;
fail_msg:
	/* One line, whatever bytes the file put into it. */
	for (char *e = err; *e; e++)
		if ((unsigned char)*e < 0x20 || *e == 0x7f)
			*e = '?';
	if (L.have_run)
		run_destroy(run);
	model_free(L.m);
	free(L.tasks);
	return -1;
}

/* Whether the start of a file (len bytes read so far, all of it when eof)
 * can still be a save file: its magic word first. Checked before reading
 * on, so /dev/zero or a large foreign file is refused at once. */
static int looks_like_save(const char *buf, size_t len, int eof)
{
	size_t k = strlen(SAVEFILE_MAGIC);
	if (len < k && !eof)
		return 1;
	return len >= k && memcmp(buf, SAVEFILE_MAGIC, k) == 0;
}

int savefile_load(const char *path, struct run *run, struct model **model, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	char inner[400], name[QUOTE_MAX];
	struct stat st;

	quote_text(path, name, sizeof(name));
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > SAVE_MAX_FILE) {
		fclose(f);
		snprintf(err, errlen, "%s: too large for a simul save file (%llu bytes; at most %llu)", name,
		         (unsigned long long)st.st_size, (unsigned long long)SAVE_MAX_FILE);
		return -1;
	}
	for (;;) {
		if (len > 0 && !looks_like_save(buf, len, 0)) {
			len = len < 64 ? len : 64;
			break; /* the parser says what it is not */
		}
		if (len == cap) {
			if (cap >= SAVE_MAX_FILE) {
				fclose(f);
				free(buf);
				snprintf(err, errlen, "%s: too large for a simul save file (at most %llu bytes)", name,
				         (unsigned long long)SAVE_MAX_FILE);
				return -1;
			}
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, ncap);
			if (nb == NULL) {
				fclose(f);
				free(buf);
				snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		snprintf(err, errlen, "%s: read error", path);
		return -1;
	}
	int rc = savefile_parse(buf, len, run, model, inner, sizeof(inner));
	free(buf);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", name, inner);
	return rc;
}
