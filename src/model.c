/*
 * model.c: spans, checkpoints, groups and marks, built from recorder events.
 *
 * Events are queued (model_ingest), sorted by time, and applied in order up
 * to a watermark. Applying a task's event updates its reported state; the
 * effective state (reported, or preempted when its thread waits for a core,
 * or gil-inferred when a CPython thread that says it runs is blocked on a
 * futex) is what spans record. An event older than what a task already has (its
 * thread was descheduled for longer than the hold-back) is applied at the
 * task's last time and counted as late.
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "model_group.h"
#include "model_queue.h"
#include "strtab.h"
#include "xalloc.h"

#define CHUNK_SHIFT 12
#define CHUNK_SPANS (1u << CHUNK_SHIFT)
/* A task's first chunk starts this small and doubles up to CHUNK_SPANS: a
 * crowd of short tasks (a million coroutines that sleep once) has a few
 * spans each. */
#define FIRST_SPANS 4
#define CP_EVERY 32
#define NO_CORE 255
/* Spans walked back from a wake to where the wait it ended began. */
#define WAKE_WALK_MAX 256
/* Wakes (of every task) looked at for one task's. */
#define WAKE_SCAN_MAX 4096

/* ---- spans of one task ---- */

struct span {
	uint64_t t;
	uint32_t reason;
	int16_t line;
	uint8_t state;
	uint8_t core;
};

struct track {
	/* The spans: one chunk (capchunks 0) or an array of chunks. */
	union {
		struct span *one;
		struct span **many;
	} c;
	uint32_t nchunks, capchunks;
	uint32_t n;
	uint32_t cap1; /* spans the one chunk holds (with capchunks 0) */
	/* Checkpoint k (from 1; the one at span 0 is all zeros) is cp[k - 1]:
	 * time in each state before span k * CP_EVERY. */
	uint64_t (*cp)[STATE_COUNT];
	size_t capcp;
};

static inline struct span *track_at(const struct track *tr, size_t i)
{
	if (tr->capchunks == 0)
		return &tr->c.one[i];
	return &tr->c.many[i >> CHUNK_SHIFT][i & (CHUNK_SPANS - 1)];
}

/* Checkpoint k, as span k * CP_EVERY (starting at t) is pushed: the one
 * before plus the CP_EVERY spans since. Computed then, not kept running, to
 * spare every task a running total; a span replaced or removed later is
 * always past the newest checkpoint, which is computed again when the
 * track grows back to it. */
static void track_checkpoint(struct track *tr, size_t k, uint64_t t)
{
	if (k > tr->capcp) {
		size_t cap = tr->capcp ? tr->capcp * 2 : 2;
		tr->cp = xreallocarray(tr->cp, cap, sizeof(*tr->cp));
		tr->capcp = cap;
	}
	uint64_t *cp = tr->cp[k - 1];
	if (k >= 2)
		memcpy(cp, tr->cp[k - 2], sizeof(tr->cp[0]));
	else
		memset(cp, 0, sizeof(tr->cp[0]));
	for (size_t j = (k - 1) * CP_EVERY; j < k * CP_EVERY; j++) {
		const struct span *a = track_at(tr, j);
		uint64_t end = j + 1 < k * CP_EVERY ? track_at(tr, j + 1)->t : t;
		cp[a->state] += end - a->t;
	}
}

static void track_push(struct track *tr, const struct span *s)
{
	if (tr->n % CP_EVERY == 0 && tr->n > 0)
		track_checkpoint(tr, tr->n / CP_EVERY, s->t);
	if (tr->nchunks == 0) {
		/* A task's first chunk is small and grows by half up to full
		 * size (4, 6, 9, ...: a short task wastes little). */
		tr->c.one = xreallocarray(NULL, FIRST_SPANS, sizeof(struct span));
		tr->cap1 = FIRST_SPANS;
		tr->nchunks = 1;
	} else if ((tr->n >> CHUNK_SHIFT) >= tr->nchunks) {
		if (tr->capchunks == 0) {
			struct span *first = tr->c.one;
			tr->c.many = xreallocarray(NULL, 4, sizeof(*tr->c.many));
			tr->c.many[0] = first;
			tr->capchunks = 4;
		} else if (tr->nchunks == tr->capchunks) {
			tr->capchunks *= 2;
			tr->c.many = xreallocarray(tr->c.many, tr->capchunks, sizeof(*tr->c.many));
		}
		tr->c.many[tr->nchunks++] = xreallocarray(NULL, CHUNK_SPANS, sizeof(struct span));
	} else if (tr->capchunks == 0 && tr->n == tr->cap1) {
		uint32_t want = tr->cap1 + tr->cap1 / 2;
		tr->cap1 = want < CHUNK_SPANS ? want : CHUNK_SPANS;
		tr->c.one = xreallocarray(tr->c.one, tr->cap1, sizeof(struct span));
	}
	*track_at(tr, tr->n) = *s;
	tr->n++;
}

static int span_same(const struct span *a, const struct span *b)
{
	return a->state == b->state && a->reason == b->reason && a->line == b->line && a->core == b->core;
}

/* The last span is empty (it starts at s's instant): s replaces it, or, when
 * s only continues the span before it (a state left and taken again at one
 * instant), it is removed, so that no two spans in a row are alike. Returns
 * the number of spans removed (0 or 1). */
static int track_replace_last(struct track *tr, const struct span *s)
{
	if (tr->n >= 2 && span_same(track_at(tr, tr->n - 2), s)) {
		tr->n--;
		return 1;
	}
	*track_at(tr, tr->n - 1) = *s;
	return 0;
}

/* Last span whose start is <= t, or (size_t)-1 when t is before the first. */
static size_t track_find(const struct track *tr, uint64_t t)
{
	if (tr->n == 0 || track_at(tr, 0)->t > t)
		return (size_t)-1;
	size_t lo = 0, hi = tr->n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;
		if (track_at(tr, mid)->t <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Time spent in each state before instant t (t clamped to `upto`, the end of
 * the last span). */
static void track_cum_at(const struct track *tr, uint64_t t, uint64_t upto, uint64_t out[STATE_COUNT])
{
	memset(out, 0, sizeof(uint64_t) * STATE_COUNT);
	if (t > upto)
		t = upto;
	size_t i = track_find(tr, t);
	if (i == (size_t)-1)
		return;
	size_t k = i / CP_EVERY;
	if (k > 0)
		memcpy(out, tr->cp[k - 1], sizeof(uint64_t) * STATE_COUNT);
	for (size_t j = k * CP_EVERY; j < i; j++) {
		const struct span *a = track_at(tr, j), *b = track_at(tr, j + 1);
		out[a->state] += b->t - a->t;
	}
	const struct span *s = track_at(tr, i);
	out[s->state] += t - s->t;
}

static void track_free(struct track *tr)
{
	if (tr->capchunks == 0) {
		free(tr->c.one);
	} else {
		for (size_t i = 0; i < tr->nchunks; i++)
			free(tr->c.many[i]);
		free(tr->c.many);
	}
	free(tr->cp);
}

/* ---- threads the sampler reports on ---- */

struct tslot {
	uint64_t key; /* pid << 32 | tid; 0 empty */
	int preempted;
	int kwait; /* blocked on a futex (a CPython thread: the GIL, inferred) */
	int core;
	int *running; /* tasks on this thread that report running */
	size_t nrunning, caprunning;
};

/* ---- the model ---- */

struct task {
	struct model_task pub;
	struct track tr;
	enum state reported;
	uint32_t reason;
	int16_t line;
	int slot; /* index in tslots, -1 when not bound */
	int have_span;
	uint64_t last_t; /* time of its last applied event */
	struct span cur; /* the open span */
	/* Time in each state before the open span: read off the spans while
	 * the track holds them all; kept here only once one was dropped (the
	 * model's cap), so a task costs 80 bytes less. */
	uint64_t *totals;
};

struct mark {
	uint64_t t;
	int32_t task;
	uint32_t text;
};

/* A wake (TRACE_EV_WAKE), with what the woken task was in then. */
struct wake {
	uint64_t t, waited;
	int32_t task, waker;
	uint32_t cause;
	uint8_t state;
};

struct group {
	char *name;
	size_t size;
	struct gtrack g;
};

struct model {
	uint64_t origin, now, last_event;
	size_t max_spans, nspans;
	uint64_t spans_dropped, late;

	struct strtab strs;

	struct task *tasks;
	size_t ntasks, captasks;

	struct group *groups;
	size_t ngroups, capgroups;

	struct tslot *slots;
	size_t nslots, capslots;

	/* Tasks' names and groups, packed into blocks freed with the model. */
	char **names;
	size_t nnames, capnames;
	char *names_at; /* the free part of the newest block */
	size_t names_left;

	struct mqueue queue; /* events not yet applied */

	struct mark *marks;
	size_t nmarks, capmarks;
	struct mark *miles;
	size_t nmiles, capmiles;
	struct wake *wakes;
	size_t nwakes, capwakes;
};

/* Make room for `need` elements of `size` bytes in *p (doubling). */
static void grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	*p = xreallocarray(*p, c, size);
	*cap = c;
}

struct model *model_new(size_t max_spans)
{
	struct model *m = xcalloc(1, sizeof(*m));
	m->max_spans = max_spans ? max_spans : MODEL_DEFAULT_MAX_SPANS;
	return m;
}

void model_free(struct model *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->ntasks; i++) {
		track_free(&m->tasks[i].tr);
		free(m->tasks[i].totals);
	}
	for (size_t i = 0; i < m->nnames; i++)
		free(m->names[i]);
	free(m->names);
	for (size_t i = 0; i < m->ngroups; i++) {
		free(m->groups[i].name);
		gtrack_free(&m->groups[i].g);
	}
	for (size_t i = 0; i < m->capslots; i++)
		free(m->slots[i].running);
	free(m->tasks);
	free(m->groups);
	free(m->slots);
	mqueue_free(&m->queue);
	free(m->marks);
	free(m->miles);
	free(m->wakes);
	strtab_free(&m->strs);
	free(m);
}

void model_set_origin(struct model *m, uint64_t t0_ns)
{
	m->origin = t0_ns;
	if (m->now < t0_ns)
		m->now = t0_ns;
}

uint64_t model_origin(const struct model *m)
{
	return m->origin;
}

uint64_t model_now(const struct model *m)
{
	return m->now;
}

uint64_t model_last_event(const struct model *m)
{
	return m->last_event;
}

static int group_index(struct model *m, const char *name)
{
	if (name == NULL || name[0] == '\0')
		return -1;
	for (size_t g = 0; g < m->ngroups; g++)
		if (strcmp(m->groups[g].name, name) == 0)
			return (int)g;
	grow((void **)&m->groups, &m->capgroups, m->ngroups + 1, sizeof(*m->groups));
	struct group *g = &m->groups[m->ngroups];
	memset(g, 0, sizeof(*g));
	g->name = xstrdup(name);
	return (int)m->ngroups++;
}

#define NAMES_BLOCK 65536

static char *names_alloc(struct model *m, size_t n)
{
	if (n > m->names_left) {
		grow((void **)&m->names, &m->capnames, m->nnames + 1, sizeof(*m->names));
		size_t size = n > NAMES_BLOCK ? n : NAMES_BLOCK;
		m->names[m->nnames++] = m->names_at = xmalloc(size);
		m->names_left = size;
	}
	char *p = m->names_at;
	m->names_at += n;
	m->names_left -= n;
	return p;
}

size_t model_task_add(struct model *m, const struct trace_task_info *info)
{
	grow((void **)&m->tasks, &m->captasks, m->ntasks + 1, sizeof(*m->tasks));
	struct task *t = &m->tasks[m->ntasks];
	memset(t, 0, sizeof(*t));
	/* Name and group side by side, "name\0group\0", in the names block. */
	const char *name = info->name ? info->name : "?", *group = info->group ? info->group : "";
	size_t nl = strlen(name), gl = strlen(group);
	char *buf = names_alloc(m, nl + gl + 2);
	memcpy(buf, name, nl + 1);
	memcpy(buf + nl + 1, group, gl + 1);
	t->pub.name = buf;
	t->pub.group = buf + nl + 1;
	t->pub.group_index = group_index(m, group);
	if (t->pub.group_index >= 0)
		m->groups[t->pub.group_index].size++;
	t->pub.kind = info->kind;
	t->pub.parent = info->parent >= 0 && (size_t)info->parent < m->ntasks ? info->parent : -1;
	t->pub.state = STATE_DONE;
	t->pub.core = -1;
	t->reported = STATE_DONE;
	t->slot = -1;
	return m->ntasks++;
}

void model_ingest(struct model *m, const struct trace_record *rec)
{
	uint32_t text = 0;
	if (rec->text_len > 0)
		text = strtab_intern(&m->strs, rec->text, rec->text_len);
	mqueue_push(&m->queue, &(struct pending){
		.t = rec->t_ns,
		.task = rec->task,
		.type = (uint8_t)rec->type,
		.state = (uint8_t)rec->state,
		.line = (int16_t)rec->line,
		.a = rec->a,
		.b = rec->b,
		.text = text,
	});
}

/* ---- thread slots ---- */

static int slot_find(struct model *m, uint32_t pid, uint32_t tid, int create)
{
	uint64_t key = ((uint64_t)pid << 32) | tid;
	if (key == 0)
		return -1;
	if (m->capslots == 0 || (create && (m->nslots + 1) * 2 > m->capslots)) {
		if (!create)
			return -1;
		size_t cap = m->capslots ? m->capslots * 2 : 64;
		struct tslot *n = xcalloc(cap, sizeof(*n));
		/* Rehashing moves slots, so tasks' slot indexes are remapped. */
		int *remap = xreallocarray(NULL, m->capslots ? m->capslots : 1, sizeof(int));
		for (size_t i = 0; i < m->capslots; i++) {
			remap[i] = -1;
			if (m->slots[i].key == 0)
				continue;
			size_t h = (size_t)(strtab_hash((const char *)&m->slots[i].key, 8) & (cap - 1));
			while (n[h].key)
				h = (h + 1) & (cap - 1);
			n[h] = m->slots[i];
			remap[i] = (int)h;
		}
		for (size_t i = 0; i < m->ntasks; i++)
			if (m->tasks[i].slot >= 0)
				m->tasks[i].slot = remap[m->tasks[i].slot];
		free(remap);
		free(m->slots);
		m->slots = n;
		m->capslots = cap;
	}
	size_t h = (size_t)(strtab_hash((const char *)&key, 8) & (m->capslots - 1));
	while (m->slots[h].key && m->slots[h].key != key)
		h = (h + 1) & (m->capslots - 1);
	if (m->slots[h].key == key)
		return (int)h;
	if (!create)
		return -1;
	m->slots[h].key = key;
	m->slots[h].core = -1;
	m->nslots++;
	return (int)h;
}

static void slot_running_add(struct tslot *s, int task)
{
	grow((void **)&s->running, &s->caprunning, s->nrunning + 1, sizeof(int));
	s->running[s->nrunning++] = task;
}

static void slot_running_del(struct tslot *s, int task)
{
	for (size_t i = 0; i < s->nrunning; i++)
		if (s->running[i] == task) {
			s->running[i] = s->running[--s->nrunning];
			return;
		}
}

/* ---- applying events ---- */

static void group_step(struct model *m, struct task *t, uint64_t at, int from, int to)
{
	if (t->pub.group_index < 0 || from == to)
		return;
	gtrack_push(&m->groups[t->pub.group_index].g, at, from, to);
}

/* Recompute the task's effective state and open a span if it changed. */
static void task_refresh(struct model *m, size_t idx, uint64_t at)
{
	struct task *t = &m->tasks[idx];
	enum state eff = t->reported;
	int core = -1;
	if (t->slot >= 0) {
		struct tslot *s = &m->slots[t->slot];
		if (eff == STATE_RUNNING && s->kwait)
			eff = STATE_GIL_INFERRED;
		else if (eff == STATE_RUNNING && s->preempted)
			eff = STATE_PREEMPTED;
		if (eff == STATE_RUNNING || eff == STATE_PREEMPTED)
			core = s->core;
	}
	struct span sp = {
		.t = at,
		.reason = t->reason,
		.line = t->line,
		.state = (uint8_t)eff,
		.core = core < 0 || core >= NO_CORE ? NO_CORE : (uint8_t)core,
	};
	if (t->have_span) {
		struct span *c = &t->cur;
		if (span_same(c, &sp))
			return;
		if (t->totals != NULL)
			t->totals[c->state] += at - c->t;
	} else {
		t->pub.start_ns = at;
	}
	group_step(m, t, at, t->have_span ? t->cur.state : -1, eff == STATE_DONE ? -1 : (int)eff);
	if (m->nspans < m->max_spans) {
		if (t->tr.n > 0 && track_at(&t->tr, t->tr.n - 1)->t == at) {
			/* Same instant: the new span replaces the empty one. */
			m->nspans -= track_replace_last(&t->tr, &sp);
		} else {
			track_push(&t->tr, &sp);
			m->nspans++;
		}
	} else {
		if (t->totals == NULL && t->have_span) {
			/* The track stops here: what it says so far, with the span
			 * that just closed, is kept from now on. */
			t->totals = xcalloc(STATE_COUNT, sizeof(*t->totals));
			track_cum_at(&t->tr, at, at, t->totals);
		}
		m->spans_dropped++;
	}
	t->cur = sp;
	t->have_span = 1;
	t->pub.state = eff;
	t->pub.line = t->line;
	if (core >= 0)
		t->pub.core = core;
}

/* When the task's state at its open span began: the open span and those
 * before it in the same state (a wait whose reason changed on the way). */
static uint64_t task_state_since(const struct task *t)
{
	uint64_t since = t->cur.t;
	if (t->totals != NULL) /* spans past the cap were not kept */
		return since;
	for (size_t j = t->tr.n, i = 0; j > 0 && i < WAKE_WALK_MAX; j--, i++) {
		const struct span *sp = track_at(&t->tr, j - 1);
		if (sp->state != t->cur.state)
			break;
		since = sp->t;
	}
	return since;
}

/* Task p->task was woken by task p->a: kept with the wait it ended. */
static void wake_add(struct model *m, const struct pending *p, uint64_t at)
{
	const struct task *t = &m->tasks[p->task];
	if (p->a >= m->ntasks || p->a == (uint32_t)p->task || !t->have_span)
		return;
	enum state s = (enum state)t->cur.state;
	int waits = s != STATE_RUNNING && s != STATE_PREEMPTED && s != STATE_DONE;
	grow((void **)&m->wakes, &m->capwakes, m->nwakes + 1, sizeof(*m->wakes));
	m->wakes[m->nwakes++] = (struct wake){
		.t = at, .waited = waits ? at - task_state_since(t) : 0, .task = p->task, .waker = (int32_t)p->a,
		.cause = p->text, .state = (uint8_t)s};
}

static void apply_one(struct model *m, const struct pending *p)
{
	uint64_t at = p->t;

	if (p->type == TRACE_EV_MILESTONE) {
		grow((void **)&m->miles, &m->capmiles, m->nmiles + 1, sizeof(*m->miles));
		m->miles[m->nmiles++] = (struct mark){.t = at, .task = -1, .text = p->text};
		return;
	}
	if (p->type == TRACE_EV_PREEMPT || p->type == TRACE_EV_CORE || p->type == TRACE_EV_KWAIT) {
		int si = slot_find(m, p->a, p->b, 0);
		if (si < 0)
			return;
		struct tslot *s = &m->slots[si];
		if (p->type == TRACE_EV_PREEMPT)
			s->preempted = p->state != 0;
		else if (p->type == TRACE_EV_KWAIT)
			s->kwait = p->state != 0;
		else
			s->core = p->line;
		for (size_t i = 0; i < s->nrunning; i++) {
			int ti = s->running[i];
			struct task *t = &m->tasks[ti];
			if (at < t->last_t)
				continue;
			task_refresh(m, (size_t)ti, at);
			t->last_t = at;
		}
		if (at > m->last_event)
			m->last_event = at;
		return;
	}
	if (p->task < 0 || (size_t)p->task >= m->ntasks)
		return; /* a task never added (only hostile input does this) */
	struct task *t = &m->tasks[p->task];
	if (t->pub.end_ns != 0 && p->type != TRACE_EV_MARK)
		return;
	if (at < t->last_t) {
		m->late++;
		at = t->last_t;
	}
	t->last_t = at;
	if (at > m->last_event)
		m->last_event = at;

	switch (p->type) {
	case TRACE_EV_BIND: {
		int si = slot_find(m, p->a, p->b, 1);
		if (t->slot >= 0 && t->reported == STATE_RUNNING)
			slot_running_del(&m->slots[t->slot], p->task);
		t->slot = si;
		t->pub.pid = (int)p->a;
		t->pub.tid = (int)p->b;
		if (si >= 0 && t->reported == STATE_RUNNING)
			slot_running_add(&m->slots[si], p->task);
		if (t->have_span)
			task_refresh(m, (size_t)p->task, at);
		break;
	}
	case TRACE_EV_STATE:
	case TRACE_EV_END: {
		enum state s = p->type == TRACE_EV_END ? STATE_DONE : (enum state)p->state;
		if ((unsigned)s >= STATE_COUNT)
			s = STATE_RUNNING;
		if (t->slot >= 0 && t->reported == STATE_RUNNING && s != STATE_RUNNING)
			slot_running_del(&m->slots[t->slot], p->task);
		if (t->slot >= 0 && t->reported != STATE_RUNNING && s == STATE_RUNNING)
			slot_running_add(&m->slots[t->slot], p->task);
		t->reported = s;
		t->reason = p->type == TRACE_EV_END ? 0 : p->text;
		t->line = p->type == TRACE_EV_END ? t->line : p->line;
		task_refresh(m, (size_t)p->task, at);
		if (p->type == TRACE_EV_END) {
			t->pub.end_ns = at;
			t->pub.end_how = p->a < TASK_END_COUNT ? (enum task_end)p->a : TASK_END_FINISHED;
		}
		break;
	}
	case TRACE_EV_WAKE:
		wake_add(m, p, at);
		break;
	case TRACE_EV_MARK:
		grow((void **)&m->marks, &m->capmarks, m->nmarks + 1, sizeof(*m->marks));
		m->marks[m->nmarks++] = (struct mark){.t = at, .task = p->task, .text = p->text};
		t->pub.nmarks++;
		break;
	default:
		break;
	}
}

int model_apply_some(struct model *m, uint64_t upto_ns, uint64_t budget_ns)
{
	mqueue_order(&m->queue);
	uint64_t t0 = budget_ns ? clock_real_ns() : 0;
	size_t i = 0, n = mqueue_len(&m->queue);
	int all = 1;
	while (i < n && mqueue_at(&m->queue, i)->t <= upto_ns) {
		apply_one(m, mqueue_at(&m->queue, i));
		i++;
		if (budget_ns && i % 1024 == 0 && clock_real_ns() - t0 > budget_ns) {
			all = 0;
			break;
		}
	}
	uint64_t last = i > 0 ? mqueue_at(&m->queue, i - 1)->t : 0;
	mqueue_drop(&m->queue, i);
	/* Complete to upto_ns; when cut short, only to the last event applied. */
	uint64_t now = all ? upto_ns : last;
	if (now > m->now)
		m->now = now;
	return all;
}

void model_apply(struct model *m, uint64_t upto_ns)
{
	model_apply_some(m, upto_ns, 0);
}

void model_apply_all(struct model *m, uint64_t now_ns)
{
	mqueue_order(&m->queue);
	uint64_t upto = now_ns;
	size_t n = mqueue_len(&m->queue);
	if (n > 0 && mqueue_at(&m->queue, n - 1)->t > upto)
		upto = mqueue_at(&m->queue, n - 1)->t;
	model_apply(m, upto);
}

/* ---- queries ---- */

size_t model_task_count(const struct model *m)
{
	return m->ntasks;
}

const struct model_task *model_task(const struct model *m, size_t i)
{
	return i < m->ntasks ? &m->tasks[i].pub : NULL;
}

void model_task_totals(const struct model *m, size_t i, uint64_t out[STATE_COUNT])
{
	memset(out, 0, sizeof(uint64_t) * STATE_COUNT);
	if (i >= m->ntasks)
		return;
	const struct task *t = &m->tasks[i];
	if (t->totals != NULL)
		memcpy(out, t->totals, sizeof(uint64_t) * STATE_COUNT);
	else if (t->have_span)
		track_cum_at(&t->tr, t->cur.t, t->cur.t, out);
	if (t->have_span && t->pub.end_ns == 0 && m->now > t->cur.t)
		out[t->cur.state] += m->now - t->cur.t;
	out[STATE_DONE] = 0;
}

size_t model_group_count(const struct model *m)
{
	return m->ngroups;
}

const char *model_group_name(const struct model *m, size_t g)
{
	return g < m->ngroups ? m->groups[g].name : "";
}

size_t model_group_size(const struct model *m, size_t g)
{
	return g < m->ngroups ? m->groups[g].size : 0;
}

/* Where the task's timeline is known up to. */
static uint64_t task_upto(const struct model *m, const struct task *t)
{
	return t->pub.end_ns ? t->pub.end_ns : m->now;
}

void model_task_columns(const struct model *m, size_t task, uint64_t t0, uint64_t dt, int ncols,
                        struct model_cell *out)
{
	uint64_t prev[STATE_COUNT], next[STATE_COUNT];
	if (ncols <= 0)
		return;
	memset(out, 0, sizeof(*out) * (size_t)ncols);
	if (task >= m->ntasks)
		return;
	const struct task *t = &m->tasks[task];
	uint64_t upto = task_upto(m, t);
	track_cum_at(&t->tr, t0, upto, prev);
	for (int c = 0; c < ncols; c++) {
		uint64_t b = t0 + (uint64_t)(c + 1) * dt;
		track_cum_at(&t->tr, b, upto, next);
		for (int s = 0; s < STATE_COUNT; s++)
			out[c].ns[s] = next[s] - prev[s];
		out[c].ns[STATE_DONE] = 0;
		memcpy(prev, next, sizeof(prev));
	}
}

void model_group_columns(const struct model *m, size_t group, uint64_t t0, uint64_t dt, int ncols,
                         struct model_cell *out)
{
	if (ncols <= 0)
		return;
	if (group >= m->ngroups)
		memset(out, 0, sizeof(*out) * (size_t)ncols);
	else
		gtrack_columns(&m->groups[group].g, t0, dt, ncols, m->now, out);
}

enum state model_task_state_at(const struct model *m, size_t task, uint64_t t)
{
	if (task >= m->ntasks)
		return STATE_DONE;
	const struct task *tk = &m->tasks[task];
	if (t > task_upto(m, tk))
		return tk->pub.end_ns ? STATE_DONE : tk->pub.state;
	size_t i = track_find(&tk->tr, t);
	if (i == (size_t)-1)
		return STATE_DONE;
	return (enum state)track_at(&tk->tr, i)->state;
}

size_t model_span_count(const struct model *m, size_t task)
{
	return task < m->ntasks ? m->tasks[task].tr.n : 0;
}

int model_span_get(const struct model *m, size_t task, size_t k, struct model_span *out)
{
	if (task >= m->ntasks || k >= m->tasks[task].tr.n)
		return -1;
	const struct task *t = &m->tasks[task];
	const struct span *s = track_at(&t->tr, k);
	out->start_ns = s->t;
	out->end_ns = k + 1 < t->tr.n ? track_at(&t->tr, k + 1)->t : task_upto(m, t);
	if (out->end_ns < out->start_ns)
		out->end_ns = out->start_ns;
	out->state = (enum state)s->state;
	out->line = s->line;
	out->core = s->core == NO_CORE ? -1 : s->core;
	out->reason = strtab_get(&m->strs, s->reason);
	return 0;
}

size_t model_span_find(const struct model *m, size_t task, uint64_t t)
{
	if (task >= m->ntasks)
		return 0;
	size_t i = track_find(&m->tasks[task].tr, t);
	return i == (size_t)-1 ? m->tasks[task].tr.n : i;
}

size_t model_mark_count(const struct model *m)
{
	return m->nmarks;
}

int model_mark_get(const struct model *m, size_t k, struct model_mark *out)
{
	if (k >= m->nmarks)
		return -1;
	out->t_ns = m->marks[k].t;
	out->task = m->marks[k].task;
	out->text = strtab_get(&m->strs, m->marks[k].text);
	return 0;
}

size_t model_wake_count(const struct model *m)
{
	return m->nwakes;
}

int model_wake_get(const struct model *m, size_t k, struct model_wake *out)
{
	if (k >= m->nwakes)
		return -1;
	const struct wake *w = &m->wakes[k];
	*out = (struct model_wake){.t_ns = w->t, .task = w->task, .waker = w->waker, .state = (enum state)w->state,
	                           .waited_ns = w->waited, .cause = strtab_get(&m->strs, w->cause)};
	return 0;
}

size_t model_wake_first_at(const struct model *m, uint64_t t)
{
	size_t lo = 0, hi = m->nwakes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->wakes[mid].t >= t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

long model_wake_ending(const struct model *m, size_t task, uint64_t t0, uint64_t t1)
{
	size_t k = model_wake_first_at(m, t1 + 1);
	for (size_t i = 0; k > 0 && i < WAKE_SCAN_MAX; k--, i++) {
		const struct wake *w = &m->wakes[k - 1];
		if (w->t < t0)
			break;
		if ((size_t)w->task == task)
			return (long)(k - 1);
	}
	return -1;
}

size_t model_milestone_count(const struct model *m)
{
	return m->nmiles;
}

int model_milestone_get(const struct model *m, size_t k, struct model_mark *out)
{
	if (k >= m->nmiles)
		return -1;
	out->t_ns = m->miles[k].t;
	out->task = -1;
	out->text = strtab_get(&m->strs, m->miles[k].text);
	return 0;
}

size_t model_span_total(const struct model *m)
{
	return m->nspans;
}

uint64_t model_spans_dropped(const struct model *m)
{
	return m->spans_dropped;
}

uint64_t model_late_events(const struct model *m)
{
	return m->late;
}

size_t model_memory_bytes(const struct model *m)
{
	size_t b = sizeof(*m) + m->captasks * sizeof(*m->tasks) + mqueue_bytes(&m->queue) +
	           m->nnames * NAMES_BLOCK +
	           m->capmarks * sizeof(*m->marks) + m->capwakes * sizeof(*m->wakes) + m->capslots * sizeof(*m->slots) + m->strs.cap +
	           m->strs.ncap * 4 + m->strs.icap * 4;
	for (size_t i = 0; i < m->ntasks; i++) {
		const struct track *tr = &m->tasks[i].tr;
		if (tr->nchunks > 0)
			b += (tr->capchunks == 0 ? tr->cap1 : tr->nchunks * CHUNK_SPANS) * sizeof(struct span);
		b += tr->capcp * sizeof(*tr->cp) + tr->capchunks * sizeof(*tr->c.many);
	}
	for (size_t g = 0; g < m->ngroups; g++)
		b += gtrack_memory_bytes(&m->groups[g].g);
	return b;
}
