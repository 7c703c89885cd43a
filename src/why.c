/*
 * why.c: why a task waited, from the model (see why.h).
 */
#include "why.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

#define WHY_WALK_MAX 4096 /* spans walked each way to find where a wait began and ended */

static int alive_at(const struct model_task *mt, uint64_t t)
{
	return mt->start_ns != 0 && mt->start_ns <= t && (mt->end_ns == 0 || mt->end_ns > t);
}

/* The task named `name` (len bytes), preferring one alive at t and of the
 * waiter's group. */
static int task_by_name(const struct model *m, size_t waiter, const char *name, size_t len, uint64_t t)
{
	int best = -1, best_score = -1;
	const struct model_task *w = model_task(m, waiter);
	for (size_t i = 0; i < model_task_count(m); i++) {
		const struct model_task *mt = model_task(m, i);
		if (i == waiter || strncmp(mt->name, name, len) != 0 || mt->name[len] != '\0')
			continue;
		int score = 2 * alive_at(mt, t) + (strcmp(mt->group, w->group) == 0);
		if (score > best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	return best;
}

int why_reason_target(const struct model *m, size_t waiter, const char *reason, uint64_t t)
{
	static const char *const keys[] = {" held by ", "loop busy in "};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *p = strstr(reason, keys[k]);
		if (p == NULL)
			continue;
		p += strlen(keys[k]);
		int id;
		char rest;
		if (sscanf(p, "task %d%c", &id, &rest) == 1 && id >= 0 && (size_t)id < model_task_count(m))
			return id;
		return task_by_name(m, waiter, p, strlen(p), t);
	}
	return -1;
}

/* The task that held the thread a ready task waits for at t: another task
 * bound to the same thread (a coroutine of the same loop) that was running
 * then, rather than the loop's own lane. */
static int thread_holder(const struct model *m, size_t task, uint64_t t)
{
	const struct model_task *w = model_task(m, task);
	int loop = -1;
	if (w->tid == 0)
		return -1;
	for (size_t i = 0; i < model_task_count(m); i++) {
		const struct model_task *mt = model_task(m, i);
		if (i == task || mt->tid != w->tid || mt->pid != w->pid || !alive_at(mt, t))
			continue;
		enum state s = model_task_state_at(m, i, t);
		if (s != STATE_RUNNING && s != STATE_PREEMPTED && s != STATE_BLOCKED)
			continue;
		if (mt->kind != KIND_LOOP)
			return (int)i;
		loop = (int)i;
	}
	return loop;
}

/* The children of `task` alive at t: how many, and the one that ends last
 * (the one a join waits for longest). */
static int join_target(const struct model *m, size_t task, uint64_t t, int *count)
{
	int best = -1;
	uint64_t best_end = 0;
	*count = 0;
	for (size_t i = 0; i < model_task_count(m); i++) {
		const struct model_task *mt = model_task(m, i);
		if (mt->parent != (int)task || !alive_at(mt, t))
			continue;
		uint64_t end = mt->end_ns ? mt->end_ns : UINT64_MAX;
		(*count)++;
		if (best < 0 || end > best_end) {
			best = (int)i;
			best_end = end;
		}
	}
	return best;
}

/* Extend span k of task to the spans in the same state around it; *first
 * and *last are their indexes. */
static void wait_extent(const struct model *m, size_t task, size_t k, struct model_span *sp, struct why *out,
                        size_t *first, size_t *last)
{
	size_t n = model_span_count(m, task);
	struct model_span o;
	out->start_ns = sp->start_ns;
	out->end_ns = sp->end_ns;
	*first = *last = k;
	for (size_t j = k, i = 0; j > 0 && i < WHY_WALK_MAX; j--, i++) {
		if (model_span_get(m, task, j - 1, &o) != 0 || o.state != sp->state)
			break;
		out->start_ns = o.start_ns;
		*first = j - 1;
	}
	for (size_t j = k + 1, i = 0; j < n && i < WHY_WALK_MAX; j++, i++) {
		if (model_span_get(m, task, j, &o) != 0 || o.state != sp->state)
			break;
		out->end_ns = o.end_ns;
		*last = j;
	}
}

/* A wait's spans may not all name what they wait for (a GIL holder that
 * drops it and waits says "dropping the GIL"): the reason of the span
 * nearest to k, in [first, last], that names a task, copied into *sp. */
static void reason_naming_a_task(const struct model *m, size_t task, size_t k, size_t first, size_t last,
                                 uint64_t t, struct model_span *sp)
{
	struct model_span o;
	for (size_t d = 1; d <= last - first; d++) {
		size_t c[2] = {k + d, k - d};
		for (int i = 0; i < 2; i++) {
			if ((i == 0 && (k + d > last)) || (i == 1 && (d > k || k - d < first)))
				continue;
			if (model_span_get(m, task, c[i], &o) == 0 && why_reason_target(m, task, o.reason, t) >= 0) {
				sp->reason = o.reason;
				return;
			}
		}
	}
}

/* What the reason says the task waited for: "the GIL" in "waiting for the
 * GIL held by gil-2", "the loop" for a loop that was busy. */
static void reason_object(const char *reason, char *buf, size_t n)
{
	const char *p = strstr(reason, "waiting for ");
	const char *e = strstr(reason, " held by ");
	if (p != NULL && e != NULL && e > p) {
		p += strlen("waiting for ");
		snprintf(buf, n, "%.*s", (int)(e - p), p);
	} else {
		snprintf(buf, n, "the loop");
	}
}

static const char *name_of(const struct model *m, size_t task, why_label_fn label, void *arg, char *buf,
                           size_t n)
{
	if (label != NULL)
		return label(arg, task, buf, n);
	snprintf(buf, n, "%s", model_task(m, task)->name);
	return buf;
}

/* The verdict of a wait, once its extent and target are known. */
static void why_verdict(const struct model *m, size_t task, const struct model_span *sp, uint64_t t, int ascii,
                        why_label_fn label, void *arg, struct why *out)
{
	char who[64], other[64], obj[96], dur[32], line[32] = "";
	name_of(m, task, label, arg, who, sizeof(who));
	view_format_duration(out->end_ns - out->start_ns, ascii, dur, sizeof(dur));
	int nchildren = 0;
	if (out->state == STATE_JOIN)
		out->target = join_target(m, task, t, &nchildren);
	else if (out->state != STATE_RUNNING)
		out->target = why_reason_target(m, task, sp->reason, t);
	if (out->target < 0 && out->state == STATE_READY)
		out->target = thread_holder(m, task, t);
	out->line = sp->line;
	if (out->target >= 0 && out->state != STATE_JOIN) {
		/* the line the holder was on then */
		size_t k = model_span_find(m, (size_t)out->target, t);
		struct model_span ts;
		if (k < model_span_count(m, (size_t)out->target) && model_span_get(m, (size_t)out->target, k, &ts) == 0)
			out->line = ts.line;
	}
	if (out->line > 0)
		snprintf(line, sizeof(line), ", line %d", out->line);
	if (out->state == STATE_RUNNING) {
		snprintf(out->verdict, sizeof(out->verdict), "%s ran for %s%s", who, dur, line);
	} else if (out->state == STATE_BLOCKED) {
		snprintf(out->verdict, sizeof(out->verdict), "%s blocked %s in a call that held its thread%s%s%s", who,
		         dur, sp->reason[0] ? ": " : "", sp->reason, line);
	} else if (out->target >= 0 && out->state == STATE_JOIN) {
		name_of(m, (size_t)out->target, label, arg, other, sizeof(other));
		snprintf(out->verdict, sizeof(out->verdict), "%s waited %s for %s%s to finish (%s)%s", who, dur, other,
		         nchildren > 1 ? " and the others" : "", sp->reason, line);
	} else if (out->target >= 0) {
		name_of(m, (size_t)out->target, label, arg, other, sizeof(other));
		reason_object(sp->reason, obj, sizeof(obj));
		snprintf(out->verdict, sizeof(out->verdict), "%s waited %s because %s held %s%s", who, dur, other, obj,
		         line);
	} else if (out->state == STATE_PREEMPTED) {
		snprintf(out->verdict, sizeof(out->verdict),
		         "%s waited %s for a core: runnable, but the kernel ran something else", who, dur);
	} else {
		char what[48] = "";
		const char *verb = out->state == STATE_SLEEP ? "slept" : out->state == STATE_IDLE ? "was idle" : "waited";
		if (out->state == STATE_IO)
			snprintf(what, sizeof(what), " on I/O");
		else if (out->state != STATE_SLEEP && out->state != STATE_IDLE)
			snprintf(what, sizeof(what), " (%s)", state_name(out->state));
		snprintf(out->verdict, sizeof(out->verdict), "%s %s %s%s%s%s%s", who, verb, dur, what,
		         sp->reason[0] ? ": " : "", sp->reason, line);
	}
}

/* The task that ended the wait (a wake in it, the last), named after the
 * verdict; it is the one waited for when the reason named none. */
static void why_woken(const struct model *m, size_t task, why_label_fn label, void *arg, struct why *out)
{
	struct model_wake w;
	char who[64];
	enum state s = out->state;
	if (s == STATE_RUNNING || s == STATE_PREEMPTED || s == STATE_DONE)
		return;
	long k = model_wake_ending(m, task, out->start_ns, out->end_ns);
	if (k < 0 || model_wake_get(m, (size_t)k, &w) != 0)
		return;
	out->waker = w.waker;
	if (out->target < 0)
		out->target = w.waker;
	size_t n = strlen(out->verdict);
	snprintf(out->verdict + n, sizeof(out->verdict) - n, "; woken by %s%s%s",
	         name_of(m, (size_t)w.waker, label, arg, who, sizeof(who)), w.cause[0] ? ": " : "", w.cause);
}

void why_at(const struct model *m, size_t task, uint64_t t, int ascii, why_label_fn label, void *arg,
            struct why *out)
{
	char who[64], at[32];
	struct model_span sp;
	memset(out, 0, sizeof(*out));
	out->target = out->waker = -1;
	out->state = STATE_DONE;
	if (task >= model_task_count(m))
		return;
	size_t k = model_span_find(m, task, t);
	name_of(m, task, label, arg, who, sizeof(who));
	const struct model_task *mt = model_task(m, task);
	/* before its first span, or in the empty one its end left */
	if (k >= model_span_count(m, task) || model_span_get(m, task, k, &sp) != 0 ||
	    (sp.state == STATE_DONE && mt->end_ns != 0 && t >= mt->end_ns)) {
		int ended = mt->end_ns != 0 && t >= mt->end_ns;
		struct viewport v = {0};
		v.origin = model_origin(m);
		view_format_time(&v, ended ? mt->end_ns : mt->start_ns, ascii, at, sizeof(at));
		if (ended && mt->end_how == TASK_END_CANCELLED)
			snprintf(out->verdict, sizeof(out->verdict), "%s was cancelled: a CancelledError ended it at %s",
			         who, at);
		else
			snprintf(out->verdict, sizeof(out->verdict),
			         ended ? "%s finished at %s" : "%s has not started yet", who, at);
		return;
	}
	out->state = sp.state;
	size_t first, last;
	wait_extent(m, task, k, &sp, out, &first, &last);
	if (sp.state != STATE_RUNNING && sp.state != STATE_JOIN && why_reason_target(m, task, sp.reason, t) < 0)
		reason_naming_a_task(m, task, k, first, last, t, &sp);
	why_verdict(m, task, &sp, t, ascii, label, arg, out);
	why_woken(m, task, label, arg, out);
}

void why_wake(const struct model *m, size_t k, int ascii, why_label_fn label, void *arg, struct why *out)
{
	struct model_wake w;
	struct model_span sp;
	char who[64], by[64], dur[32], line[32] = "";
	memset(out, 0, sizeof(*out));
	out->target = out->waker = -1;
	out->state = STATE_DONE;
	if (model_wake_get(m, k, &w) != 0)
		return;
	/* just before the wake: in the wait it ended (the woken task's next
	 * state may start at the wake's very nanosecond) */
	why_at(m, (size_t)w.task, w.t_ns > 0 ? w.t_ns - 1 : 0, ascii, label, arg, out);
	out->target = out->waker = w.waker;
	size_t i = model_span_find(m, (size_t)w.task, w.t_ns > 0 ? w.t_ns - 1 : 0);
	if (model_span_get(m, (size_t)w.task, i, &sp) != 0)
		sp = (struct model_span){.state = w.state, .reason = ""};
	if (sp.line > 0)
		snprintf(line, sizeof(line), ", line %d", sp.line);
	view_format_duration(w.waited_ns, ascii, dur, sizeof(dur));
	snprintf(out->verdict, sizeof(out->verdict), "%s was woken by %s%s%s%s after %s waiting (%s%s%s)%s",
	         name_of(m, (size_t)w.task, label, arg, who, sizeof(who)),
	         name_of(m, (size_t)w.waker, label, arg, by, sizeof(by)), w.cause[0] ? " (" : "", w.cause,
	         w.cause[0] ? ")" : "", dur, state_name(w.state), sp.reason[0] ? ": " : "", sp.reason, line);
}
