/*
 * trace.c: per-thread single-producer rings and the task table.
 *
 * Each thread that reports gets a ring the first time it does (from a free
 * list when one is there). A ring is a chain of segments, each a circular
 * buffer of SEG_CAP slots. The producer owns a segment's `head` and a
 * cached copy of `tail`; the consumer (the UI thread, in trace_drain) owns
 * `tail`. Events are published with one release store of `head`, so the
 * consumer never sees half an event, and a long text's continuation slots
 * are published with it.
 *
 * When the producer's segment is full it maps another (or takes one the
 * drain gave back), links it after the full one and goes on there; the
 * full one is never written again. The consumer drains a segment and, when
 * it has a successor, lets it go and moves on. Segments beyond a ring's
 * first count against a budget shared by all rings; past it the event is
 * dropped and counted.
 *
 * A ring whose thread has exited is drained to the end and then put on the
 * free list. Segments are 4 MiB of address space each, touched only where
 * they are written, so a thousand threads that write a few events cost a
 * page each. Before it reads any event, the drain brings in the pages a
 * ring is about to write (ring_warm, trace_seg.c), so that the producer
 * does not stop for page faults.
 *
 * Events carry the clock they were stamped with in the top bits of their
 * type: counter ticks or CLOCK_MONOTONIC (turned into lesson time in the
 * drain), or lesson time already (trace_raw, the fake clock).
 *
 * Rings for child processes are one segment with the same layout in a memfd
 * mapping shared with the child; in the child a process-local mutex
 * serialises its threads. They do not grow (the child cannot map memory the
 * parent sees). The parent trusts nothing a child wrote there: it keeps its
 * own tail and counts in a private shm_view, reads only `head` and the
 * slots, and checks every event (its type and clock, state, task, text
 * length, time) before passing it on; a ring whose head is impossible is
 * dropped whole, and counted.
 */
#include "trace.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "pace.h"
#include "quote.h"
#include "trace_int.h"
#include "tsc.h"
#include "xalloc.h"

/* The most a child's own count of events it could not record is believed. */
#define TRACE_SHM_DROPS_MAX (UINT64_C(1) << 32)
/* How far past the drain's now a child's event may be stamped: the counter's
 * conversion is extrapolated past the drain's calibration point (tens of ns
 * off); further is a time the child cannot have read. */
#define TRACE_SHM_SKEW_NS 1000000u

/* One thread's ring, in this process's memory (in a child process, the one
 * shared ring all its threads write; the parent sees it as a shm_view). */
struct ring {
	struct seg *prod; /* the producer's segment */
	struct seg *cons; /* the drainer's; changes under rings_mu */
	int shm;          /* in a child: its one segment is shared with the parent */
	_Atomic int on_free; /* on the free list: nobody produces, the drainer skips it */
	_Atomic int orphan;  /* its thread has exited */
	/* Counts of its segments that were let go (under rings_mu). */
	uint64_t gone_dropped, gone_written;
};

static pthread_mutex_t rings_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ring **rings;
static size_t nrings, caprings;
static struct ring **free_rings;
static size_t nfree;

/* A child's ring as the parent sees it: what the parent decides on lives
 * here, in its own memory, never in the mapping the child can write. */
struct shm_view {
	struct seg *s;
	uint64_t tail;    /* the next slot to read */
	uint64_t drained; /* events passed on */
	uint64_t refused; /* events that failed a check, or were lost with a bad ring */
	int bad;          /* its head was impossible: not read again */
};
static struct shm_view *shms; /* guarded by rings_mu */
static size_t nshms, capshms;

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t ring_key;
static __thread struct ring *tls_ring;
static __thread pid_t tls_pid, tls_tid;

/* In a child process, every thread appends to this shared ring. */
static struct ring *forced_ring;
static pthread_mutex_t forced_mu = PTHREAD_MUTEX_INITIALIZER;

_Atomic int trace_enabled_flag = 1; /* trace_int.h */
static _Atomic int news;
static void (*_Atomic notify_fn)(void *);
static void *_Atomic notify_arg;
static _Atomic uint64_t lost_rings; /* events dropped when no ring could be made */
/* Counts of rings that were recycled, so totals never go backwards. */
static _Atomic uint64_t retired_dropped, retired_written;

/* The drain's copy of the lesson clock's mappings (one drain at a time). */
static pthread_mutex_t drain_mu = PTHREAD_MUTEX_INITIALIZER;
static struct clock_history history;

/* ---- rings ---- */

/* The producer's segment is full: go on in a new one linked after it, or
 * return NULL when the budget is spent. */
static struct seg *seg_grow(struct ring *r)
{
	struct seg *g = seg_extra();
	if (g == NULL)
		return NULL;
	g->last_tsc = r->prod->last_tsc;
	/* Everything published in the full segment comes before this link. */
	atomic_store_explicit(&r->prod->next, g, memory_order_release);
	r->prod = g;
	return g;
}

static void rings_add_locked(struct ring *r)
{
	if (nrings == caprings) {
		size_t cap = caprings ? caprings * 2 : 64;
		rings = xreallocarray(rings, cap, sizeof(*rings));
		free_rings = xreallocarray(free_rings, cap, sizeof(*free_rings));
		caprings = cap;
	}
	rings[nrings++] = r;
}

static void ring_key_destroy(void *p)
{
	struct ring *r = p;
	atomic_store_explicit(&r->orphan, 1, memory_order_release);
}

static void make_key(void)
{
	pthread_key_create(&ring_key, ring_key_destroy);
}

static struct ring *ring_for_thread(void)
{
	struct ring *r = NULL;

	tsc_init();
	pthread_once(&key_once, make_key);
	pthread_mutex_lock(&rings_mu);
	if (nfree > 0) {
		/* The drainer rewound it when it retired it; only hand it over. */
		r = free_rings[--nfree];
		atomic_store(&r->orphan, 0);
		atomic_store_explicit(&r->on_free, 0, memory_order_release);
	} else {
		struct seg *s = seg_map();
		r = s ? calloc(1, sizeof(*r)) : NULL;
		if (r != NULL) {
			r->prod = r->cons = s;
			rings_add_locked(r);
		} else if (s != NULL) {
			seg_unmap(s);
		}
	}
	pthread_mutex_unlock(&rings_mu);
	if (r != NULL)
		pthread_setspecific(ring_key, r);
	return r;
}

static void cache_ids(void)
{
	if (tls_tid == 0) {
		tls_pid = getpid();
		tls_tid = gettid();
	}
}

/* Claims n consecutive slots; returns the first (and its segment and
 * position) or NULL when full and no segment can be added. */
static inline struct trace_event *ring_claim(struct ring *r, unsigned n, struct seg **sp, uint64_t *head)
{
	struct seg *s = r->prod;
	uint64_t h = atomic_load_explicit(&s->head, memory_order_relaxed);
	if (h + n - s->tail_cache > SEG_CAP) {
		s->tail_cache = atomic_load_explicit(&s->tail, memory_order_acquire);
		if (h + n - s->tail_cache > SEG_CAP) {
			struct seg *g = r->shm ? NULL : seg_grow(r);
			if (g == NULL) {
				atomic_fetch_add_explicit(&s->dropped, 1, memory_order_relaxed);
				return NULL;
			}
			s = g;
			h = 0;
		}
	}
	*sp = s;
	*head = h;
	return &s->ev[h & (SEG_CAP - 1)];
}

/* The first event since the last drain wakes the UI. */
static __attribute__((noinline)) void news_tell(void)
{
	if (!atomic_exchange(&news, 1)) {
		void (*fn)(void *) = atomic_load(&notify_fn);
		if (fn != NULL)
			fn(atomic_load(&notify_arg));
	}
}

static inline void ring_publish(struct seg *s, uint64_t head, unsigned n)
{
	atomic_store_explicit(&s->written, atomic_load_explicit(&s->written, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	atomic_store_explicit(&s->head, head + n, memory_order_release);
	if (!atomic_load_explicit(&news, memory_order_relaxed))
		news_tell();
}

/* A time stamp now and its clock: no conversion here, the drain does it. */
static inline uint64_t stamp_now(uint8_t *clk)
{
	const uint64_t *fake = atomic_load_explicit(&clock_fake_now, memory_order_relaxed);
	if (__builtin_expect(fake != NULL, 0)) {
		*clk = STAMP_LESSON;
		return *fake;
	}
	if (tsc_on()) {
		*clk = STAMP_TSC;
		return tsc_read();
	}
	*clk = STAMP_REAL;
	return clock_real_ns();
}

/* Stamp the event now (STAMP_NOW) or take t_ns as lesson time. */
#define STAMP_NOW UINT64_MAX

/* The common case of a state change, inline: stamped by the counter, no
 * text, this thread's ring made and not full. 0 when the general path must
 * do it (it calls functions, this one none, so it saves no registers). */
static inline __attribute__((always_inline)) int append_short(int32_t task, uint8_t type, uint8_t state,
                                                              int16_t line)
{
	struct ring *r = tls_ring;
	if (__builtin_expect(r == NULL || forced_ring != NULL || !tsc_on(), 0))
		return 0;
	if (__builtin_expect(atomic_load_explicit(&clock_fake_now, memory_order_relaxed) != NULL, 0))
		return 0;
	struct seg *s = r->prod;
	uint64_t h = atomic_load_explicit(&s->head, memory_order_relaxed);
	if (__builtin_expect(h + 1 - s->tail_cache > SEG_CAP, 0))
		return 0;
	struct trace_event *e = &s->ev[h & (SEG_CAP - 1)];
	/* rdtsc is not ordered with the instructions around it, and a thread
	 * moved to another core reads that core's counter: keep the ring's
	 * stamps in order, so the model merges whole rings, not pieces. */
	uint64_t t = tsc_read();
	if (__builtin_expect(t < s->last_tsc, 0))
		t = s->last_tsc;
	s->last_tsc = t;
	e->t_ns = t;
	e->task = task;
	e->type = (uint8_t)(type | STAMP_TSC);
	e->state = state;
	e->line = line;
	e->a = 0;
	e->b = 0;
	e->text_len = 0;
	ring_publish(s, h, 1);
	return 1;
}

static void append(int32_t task, uint8_t type, uint8_t state, int16_t line, uint32_t a, uint32_t b,
                   const char *text, uint64_t t_ns)
{
	struct ring *r = tls_ring;
	int locked = 0;

	if (forced_ring != NULL) {
		r = forced_ring;
		pthread_mutex_lock(&forced_mu);
		locked = 1;
	} else if (__builtin_expect(r == NULL, 0)) {
		r = tls_ring = ring_for_thread();
		if (r == NULL) {
			atomic_fetch_add(&lost_rings, 1);
			return;
		}
	}

	size_t len = text ? strnlen(text, TRACE_TEXT_MAX) : 0;
	unsigned n = 1;
	if (len > sizeof(((struct trace_event *)0)->text))
		n += (unsigned)((len - sizeof(((struct trace_event *)0)->text) + SLOT_BYTES - 1) / SLOT_BYTES);

	if (r->shm && (type == TRACE_EV_STATE || type == TRACE_EV_MARK || type == TRACE_EV_END))
		atomic_fetch_add_explicit(&r->prod->work, 1, memory_order_relaxed);
	uint8_t clk = STAMP_LESSON;
	if (t_ns == STAMP_NOW)
		t_ns = stamp_now(&clk);
	struct seg *s;
	uint64_t head;
	struct trace_event *e = ring_claim(r, n, &s, &head);
	if (e != NULL && clk == STAMP_TSC) {
		if (t_ns < s->last_tsc)
			t_ns = s->last_tsc;
		s->last_tsc = t_ns;
	}
	if (e != NULL) {
		e->t_ns = t_ns;
		e->task = task;
		e->type = (uint8_t)(type | clk);
		e->state = state;
		e->line = line;
		e->a = a;
		e->b = b;
		e->text_len = (uint16_t)len;
		size_t first = len < sizeof(e->text) ? len : sizeof(e->text);
		if (first)
			memcpy(e->text, text, first);
		size_t off = first;
		for (unsigned i = 1; i < n; i++) {
			char *slot = (char *)&s->ev[(head + i) & (SEG_CAP - 1)];
			size_t k = len - off < SLOT_BYTES ? len - off : SLOT_BYTES;
			memcpy(slot, text + off, k);
			off += k;
		}
		ring_publish(s, head, n);
	}
	if (locked)
		pthread_mutex_unlock(&forced_mu);
}

/* ---- lifecycle ---- */

void trace_enable(int on)
{
	atomic_store(&trace_enabled_flag, on != 0);
}

void trace_set_notify(void (*fn)(void *arg), void *arg)
{
	atomic_store(&notify_arg, arg);
	atomic_store(&notify_fn, fn);
}

static void discard(const struct trace_record *rec, void *arg)
{
	(void)rec;
	(void)arg;
}

void trace_reset(void)
{
	tsc_init();
	trace_drain(discard, NULL);
	pthread_mutex_lock(&rings_mu);
	for (size_t i = 0; i < nrings; i++) {
		struct ring *r = rings[i];
		/* No producer runs now and the drain emptied every chain down to
		 * its last segment: rewind that, keeping who owns the ring. */
		seg_rewind(r->prod);
		r->cons = r->prod;
		r->gone_dropped = r->gone_written = 0;
	}
	for (size_t i = 0; i < nshms; i++)
		munmap(shms[i].s, SEG_BYTES);
	nshms = 0;
	seg_peak_reset();
	pthread_mutex_unlock(&rings_mu);
	atomic_store(&lost_rings, 0);
	atomic_store(&retired_dropped, 0);
	atomic_store(&retired_written, 0);

	trace_tasks_reset();
}

/* ---- workload calls ---- */

void trace_bind(trace_task_t task)
{
	if (!ENABLED() || task < 0)
		return;
	cache_ids();
	append(task, TRACE_EV_BIND, 0, 0, (uint32_t)tls_pid, (uint32_t)tls_tid, NULL, STAMP_NOW);
}

void trace_bind_to(trace_task_t task, pid_t pid, pid_t tid)
{
	if (!ENABLED() || task < 0)
		return;
	append(task, TRACE_EV_BIND, 0, 0, (uint32_t)pid, (uint32_t)tid, NULL, STAMP_NOW);
}

static __attribute__((noinline)) void state_slow(trace_task_t task, enum state s, int line,
                                                  const char *reason)
{
	if (!ENABLED() || task < 0)
		return;
	pace_gate();
	append(task, TRACE_EV_STATE, (uint8_t)s, (int16_t)line, 0, 0, reason, STAMP_NOW);
}

/* The fast path calls nothing, so it saves no registers: a run neither
 * paused nor stepping, no text, room in the ring. */
void trace_state_at(trace_task_t task, enum state s, int line, const char *reason)
{
	if (__builtin_expect(ENABLED() && task >= 0 && (reason == NULL || reason[0] == '\0'), 1) &&
	    !atomic_load_explicit(&pace_flag_paused, memory_order_relaxed) &&
	    !atomic_load_explicit(&pace_flag_step, memory_order_relaxed) &&
	    append_short(task, TRACE_EV_STATE, (uint8_t)s, (int16_t)line))
		return;
	state_slow(task, s, line, reason);
}

void trace_state(trace_task_t task, enum state s, const char *reason)
{
	trace_state_at(task, s, TRACE_NO_LINE, reason);
}

void trace_mark(trace_task_t task, const char *text)
{
	if (!ENABLED() || task < 0)
		return;
	pace_gate();
	append(task, TRACE_EV_MARK, 0, 0, 0, 0, text ? text : "", STAMP_NOW);
}

static __attribute__((noinline)) void end_slow(trace_task_t task, enum task_end how)
{
	if (!ENABLED() || task < 0)
		return;
	pace_gate();
	append(task, TRACE_EV_END, STATE_DONE, 0, (uint32_t)how, 0, NULL, STAMP_NOW);
}

void trace_end(trace_task_t task)
{
	if (__builtin_expect(ENABLED() && task >= 0, 1) &&
	    !atomic_load_explicit(&pace_flag_paused, memory_order_relaxed) &&
	    !atomic_load_explicit(&pace_flag_step, memory_order_relaxed) &&
	    append_short(task, TRACE_EV_END, STATE_DONE, 0))
		return;
	end_slow(task, TASK_END_FINISHED);
}

void trace_end_as(trace_task_t task, enum task_end how)
{
	end_slow(task, (unsigned)how < TASK_END_COUNT ? how : TASK_END_FINISHED);
}

void trace_wake(trace_task_t task, trace_task_t waker, const char *cause)
{
	if (!ENABLED() || task < 0 || waker < 0 || waker == task)
		return;
	pace_gate();
	append(task, TRACE_EV_WAKE, 0, 0, (uint32_t)waker, 0, cause ? cause : "", STAMP_NOW);
}

void trace_milestone(const char *text)
{
	if (!ENABLED())
		return;
	pace_gate();
	append(TRACE_NO_TASK, TRACE_EV_MILESTONE, 0, 0, 0, 0, text ? text : "", STAMP_NOW);
}

void trace_raw(uint64_t t_ns, enum trace_ev_type type, int32_t task, int state, int line, uint32_t a,
               uint32_t b)
{
	if (!ENABLED())
		return;
	append(task, (uint8_t)type, (uint8_t)state, (int16_t)line, a, b, NULL, t_ns);
}

void trace_put(uint64_t t_ns, enum trace_ev_type type, trace_task_t task, enum state s, int line,
               uint32_t a, uint32_t b, const char *text)
{
	if (!ENABLED())
		return;
	append(task, (uint8_t)type, (uint8_t)s, (int16_t)(line > INT16_MAX ? 0 : line), a, b, text, t_ns);
}

/* ---- draining ---- */

/* Lesson ns of a slot's stamp. */
static uint64_t stamp_lesson(uint64_t t, unsigned clk)
{
	switch (clk) {
	case STAMP_TSC:
		t = tsc_to_real_ns(t);
		/* fall through */
	case STAMP_REAL:
		return clock_history_lesson(&history, t);
	default:
		return t;
	}
}

/* An event a child wrote, checked against what the parent knows: a type a
 * child may write with a clock there is, a state there is, a registered
 * task, a text that fits, a time (t, in lesson ns) not past the drain's own
 * now. */
static int event_ok(const struct trace_event *e, uint64_t t, uint64_t now, size_t ntask)
{
	if ((e->type & STAMP_MASK) == STAMP_MASK || t > now + TRACE_SHM_SKEW_NS ||
	    e->text_len > TRACE_TEXT_MAX)
		return 0;
	switch (e->type & ~STAMP_MASK) {
	case TRACE_EV_STATE:
		if (e->state >= STATE_COUNT)
			return 0;
		break;
	case TRACE_EV_MARK:
		break;
	case TRACE_EV_END:
		if (e->a >= TASK_END_COUNT)
			return 0;
		break;
	case TRACE_EV_WAKE:
		if (e->a >= ntask || e->a == (uint32_t)e->task)
			return 0;
		break;
	case TRACE_EV_BIND:
		if (e->a == 0 || e->b == 0 || e->a > INT32_MAX || e->b > INT32_MAX)
			return 0;
		break;
	case TRACE_EV_MILESTONE:
		return e->task == TRACE_NO_TASK;
	default:
		return 0; /* the sampler's events come from the parent only */
	}
	return e->task >= 0 && (size_t)e->task < ntask;
}

/* Pass on the events of segment s from *tail up to its head (SEG_CAP slots
 * at most ahead of *tail: the parent's own capacity, never the segment's).
 * check: the segment is a child's, so each event must pass event_ok first.
 * Returns how many were passed on; *refused counts those that were not.
 * Returns (size_t)-1 when the segment cannot be read any more (a head
 * behind the tail or further than a segment ahead, text running past the
 * head). */
static size_t seg_read(struct seg *s, uint64_t *tail, int check, uint64_t *refused,
                       void (*fn)(const struct trace_record *, void *), void *arg)
{
	char text[TRACE_TEXT_MAX + 1];
	uint64_t h = atomic_load_explicit(&s->head, memory_order_acquire);
	uint64_t t = *tail, now = check ? clock_now_ns() : 0;
	size_t count = 0, ntask = check ? trace_task_count() : 0;
	const size_t slot_text = sizeof(((struct trace_event *)0)->text);

	if (h < t || h - t > SEG_CAP)
		return (size_t)-1;
	while (t < h) {
		const struct trace_event *e = &s->ev[t & (SEG_CAP - 1)];
		struct trace_event ev = *e; /* one read: a child may write as we look */
		size_t len = ev.text_len > TRACE_TEXT_MAX ? TRACE_TEXT_MAX : ev.text_len;
		size_t first = len < slot_text ? len : slot_text;
		unsigned n = 1 + (unsigned)((len - first + SLOT_BYTES - 1) / SLOT_BYTES);
		if (t + n > h) {
			*tail = t;
			return (size_t)-1;
		}
		memcpy(text, ev.text, first);
		for (size_t off = first, k = 1; off < len; k++) {
			const char *slot = (const char *)&s->ev[(t + k) & (SEG_CAP - 1)];
			size_t c = len - off < SLOT_BYTES ? len - off : SLOT_BYTES;
			memcpy(text + off, slot, c);
			off += c;
		}
		text[len] = '\0';
		t += n;
		uint64_t when = stamp_lesson(ev.t_ns, ev.type & STAMP_MASK);
		if (check && !event_ok(&ev, when, now, ntask)) {
			(*refused)++;
			continue;
		}
		if (check) /* a child's text reaches terminals: no escape sequence */
			quote_defang(text, text, sizeof(text));
		enum trace_ev_type type = (enum trace_ev_type)(ev.type & ~STAMP_MASK);
		struct trace_record rec = {
			.t_ns = when,
			.task = ev.task,
			.type = type,
			.state = type == TRACE_EV_END ? STATE_DONE : (enum state)ev.state,
			.line = ev.line,
			.a = ev.a,
			.b = ev.b,
			.text = text,
			.text_len = strlen(text), /* a NUL inside ends it */
		};
		fn(&rec, arg);
		count++;
	}
	*tail = t;
	return count;
}

/* One of this process's own segments: its tail is the drainer's. */
static size_t seg_drain(struct seg *s, void (*fn)(const struct trace_record *, void *), void *arg)
{
	uint64_t t = atomic_load_explicit(&s->tail, memory_order_relaxed), refused = 0;
	size_t count = seg_read(s, &t, 0, &refused, fn, arg);
	atomic_store_explicit(&s->tail, t, memory_order_release);
	return count == (size_t)-1 ? 0 : count;
}

/* A child's segment: read it as seg_read does with every check, keeping
 * the tail and the counts on the parent's side. */
static size_t shm_drain(struct shm_view *v, void (*fn)(const struct trace_record *, void *), void *arg)
{
	if (v->bad)
		return 0;
	size_t n = seg_read(v->s, &v->tail, 1, &v->refused, fn, arg);
	if (n == (size_t)-1) {
		/* Its head (or a text running past it) cannot be: whatever it
		 * holds is lost, and no more is read from it. */
		v->bad = 1;
		v->refused++;
		return 0;
	}
	v->drained += n;
	/* Told to the child only so that it knows where there is room. */
	atomic_store_explicit(&v->s->tail, v->tail, memory_order_release);
	return n;
}

/* Before any event is read (reading another ring's can take
 * milliseconds): have twice what the producer wrote since the drain before
 * in memory ahead of it, or all of its segment and the pool when it filled
 * a segment or an eighth of one (a drain that came late would find it
 * full). Hints only: the producer goes on meanwhile, and a page it reaches
 * first it faults in itself. */
static void ring_warm(struct ring *r)
{
	struct seg *s = r->cons, *next;
	int fast = 0;
	while ((next = atomic_load_explicit(&s->next, memory_order_acquire)) != NULL) {
		s = next;
		fast = 1;
	}
	uint64_t from = atomic_load_explicit(&s->tail, memory_order_relaxed);
	uint64_t h = atomic_load_explicit(&s->head, memory_order_relaxed);
	fast |= h - from >= SEG_CAP / 8;
	seg_warm(s, h, fast ? SEG_CAP : h + 2 * (h - from));
	if (fast)
		seg_pool_fill();
}

/* Drain a ring's chain: every segment the producer has left, then the one
 * it writes in. */
static size_t ring_drain(struct ring *r, void (*fn)(const struct trace_record *, void *), void *arg)
{
	size_t count = 0;
	for (;;) {
		struct seg *s = r->cons;
		/* Loaded before the segment's head: once there is a next, that
		 * head is final and the loads below see all of it. */
		struct seg *next = atomic_load_explicit(&s->next, memory_order_acquire);
		count += seg_drain(s, fn, arg);
		if (next == NULL)
			return count;
		pthread_mutex_lock(&rings_mu);
		r->gone_dropped += atomic_load(&s->dropped);
		r->gone_written += atomic_load(&s->written);
		r->cons = next;
		pthread_mutex_unlock(&rings_mu);
		seg_release(s);
	}
}

/* A drained ring whose thread has exited: keep its counts, rewind it and
 * offer it to the next new thread. */
static void ring_retire(struct ring *r)
{
	pthread_mutex_lock(&rings_mu);
	atomic_fetch_add(&retired_dropped, r->gone_dropped + atomic_load(&r->cons->dropped));
	atomic_fetch_add(&retired_written, r->gone_written + atomic_load(&r->cons->written));
	r->gone_dropped = r->gone_written = 0;
	r->prod = r->cons;
	seg_rewind(r->cons);
	atomic_store_explicit(&r->on_free, 1, memory_order_release);
	free_rings[nfree++] = r;
	pthread_mutex_unlock(&rings_mu);
}

size_t trace_drain(void (*fn)(const struct trace_record *rec, void *arg), void *arg)
{
	size_t count = 0;

	pthread_mutex_lock(&drain_mu);
	atomic_store(&news, 0);
	tsc_point();
	clock_history_update(&history);
	pthread_mutex_lock(&rings_mu);
	size_t n = nrings;
	struct ring **snap = xreallocarray(NULL, n ? n : 1, sizeof(*snap));
	if (n > 0)
		memcpy(snap, rings, n * sizeof(*snap));
	pthread_mutex_unlock(&rings_mu);

	for (size_t i = 0; i < n; i++)
		if (!atomic_load_explicit(&snap[i]->on_free, memory_order_acquire) &&
		    !atomic_load_explicit(&snap[i]->orphan, memory_order_acquire))
			ring_warm(snap[i]); /* a ring with a thread writing */
	for (size_t i = 0; i < n; i++) {
		struct ring *r = snap[i];
		if (atomic_load_explicit(&r->on_free, memory_order_acquire))
			continue;
		int orphan = atomic_load_explicit(&r->orphan, memory_order_acquire);
		count += ring_drain(r, fn, arg);
		if (orphan)
			ring_retire(r);
	}
	free(snap);
	/* The children's rings, one at a time under the lock (a spawn adds
	 * to the list from the scenario thread). */
	pthread_mutex_lock(&rings_mu);
	for (size_t i = 0; i < nshms; i++)
		count += shm_drain(&shms[i], fn, arg);
	pthread_mutex_unlock(&rings_mu);
	pthread_mutex_unlock(&drain_mu);
	return count;
}

/* Counts of a ring's segments still chained (under rings_mu). */
static void ring_counts_locked(const struct ring *r, uint64_t *dropped, uint64_t *written)
{
	*dropped += r->gone_dropped;
	*written += r->gone_written;
	for (struct seg *s = r->cons; s != NULL;) {
		*dropped += atomic_load(&s->dropped);
		*written += atomic_load(&s->written);
		s = atomic_load_explicit(&s->next, memory_order_acquire);
	}
}

uint64_t trace_dropped(void)
{
	uint64_t d = atomic_load(&lost_rings) + atomic_load(&retired_dropped), w = 0;
	pthread_mutex_lock(&rings_mu);
	for (size_t i = 0; i < nrings; i++)
		ring_counts_locked(rings[i], &d, &w);
	/* A child's own count of what did not fit is taken at its word, but
	 * only up to TRACE_SHM_DROPS_MAX; what the parent refused is added. */
	for (size_t i = 0; i < nshms; i++) {
		uint64_t told = atomic_load(&shms[i].s->dropped);
		d += (told < TRACE_SHM_DROPS_MAX ? told : TRACE_SHM_DROPS_MAX) + shms[i].refused;
	}
	pthread_mutex_unlock(&rings_mu);
	return d;
}

uint64_t trace_written(void)
{
	uint64_t d = 0, w = atomic_load(&retired_written);
	pthread_mutex_lock(&rings_mu);
	for (size_t i = 0; i < nrings; i++)
		ring_counts_locked(rings[i], &d, &w);
	for (size_t i = 0; i < nshms; i++)
		w += shms[i].drained + shms[i].refused; /* counted here, not by the child */
	pthread_mutex_unlock(&rings_mu);
	return w;
}

const char *trace_clock(void)
{
	return tsc_clock_name();
}

/* ---- child processes ---- */

int trace_shm_ring_new(void)
{
	int fd = memfd_create("simul-ring", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)SEG_BYTES) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	void *m = mmap(NULL, SEG_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int e = errno;
		close(fd);
		return -e;
	}
	struct seg *s = m;
	s->magic = SEG_MAGIC;
	s->cap = SEG_CAP;
	seg_rewind(s);
	tsc_init();
	/* The child stamps with the counter when we read it: we convert. */
	atomic_store(&s->stamp, tsc_on() ? STAMP_TSC : STAMP_REAL);
	struct clock_map cm;
	clock_map_get(&cm);
	clock_pace_write(&s->pace, &cm);
	pthread_mutex_lock(&rings_mu);
	if (nshms == capshms) {
		capshms = capshms ? capshms * 2 : 16;
		shms = xreallocarray(shms, capshms, sizeof(*shms));
	}
	shms[nshms++] = (struct shm_view){.s = s};
	pthread_mutex_unlock(&rings_mu);
	return fd;
}

int trace_shm_attach(int fd)
{
	void *m = mmap(NULL, SEG_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	struct seg *s = m;
	struct ring *r = calloc(1, sizeof(*r));
	if (s->magic != SEG_MAGIC || s->cap != SEG_CAP || r == NULL) {
		free(r);
		munmap(m, SEG_BYTES);
		return r == NULL ? -ENOMEM : -EINVAL;
	}
	r->prod = r->cons = s;
	r->shm = 1;
	tsc_follow(atomic_load(&s->stamp) == STAMP_TSC);
	forced_ring = r;
	clock_pace_attach(&s->pace);
	return 0;
}

uint64_t trace_shm_work(void)
{
	uint64_t w = 0;
	pthread_mutex_lock(&rings_mu);
	for (size_t i = 0; i < nshms; i++)
		w += atomic_load_explicit(&shms[i].s->work, memory_order_relaxed);
	pthread_mutex_unlock(&rings_mu);
	return w;
}

void trace_shm_set_pace(const struct clock_map *m)
{
	pthread_mutex_lock(&rings_mu);
	for (size_t i = 0; i < nshms; i++)
		clock_pace_write(&shms[i].s->pace, m);
	pthread_mutex_unlock(&rings_mu);
}

int trace_shm_forge(int fd, const struct trace_event *ev, size_t n, uint64_t head)
{
	void *m = mmap(NULL, SEG_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	struct seg *s = m;
	if (n == 0) {
		atomic_store(&s->head, head);
	} else {
		uint64_t h = atomic_load(&s->head);
		for (size_t i = 0; i < n; i++)
			s->ev[(h + i) & (SEG_CAP - 1)] = ev[i];
		atomic_store_explicit(&s->head, h + n, memory_order_release);
	}
	munmap(m, SEG_BYTES);
	return 0;
}
