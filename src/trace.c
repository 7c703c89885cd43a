/*
 * trace.c: per-thread single-producer rings and the task table.
 *
 * Each thread that reports gets a ring the first time it does (from a free
 * list when one is there). The producer owns `head` and a cached copy of
 * `tail`; the consumer (the UI thread, in trace_drain) owns `tail`. Events
 * are published with one release store of `head`, so the consumer never sees
 * half an event, and a long text's continuation slots are published with it.
 *
 * A ring whose thread has exited is drained to the end and then put on the
 * free list. Rings are 4 MiB of address space each, touched only where they
 * are written, so a thousand threads that write a few events cost a page
 * each.
 *
 * Rings for child processes have the same layout in a memfd mapping shared
 * with the child; in the child a process-local mutex serialises its threads.
 * The parent trusts nothing a child wrote there: it keeps its own tail and
 * counts in a private shm_view, reads only `head` and the slots, and checks
 * every event (its type, state, task, text length, time) before passing it
 * on; a ring whose head is impossible is dropped whole, and counted.
 */
#include "trace.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "pace.h"
#include "quote.h"
#include "xalloc.h"

#define RING_CAP 65536u /* events (4 MiB of address space, touched only where written) */
#define RING_MAGIC 0x53696d52u
/* The most a child's own count of events it could not record is believed. */
#define TRACE_SHM_DROPS_MAX (UINT64_C(1) << 32)

struct ring {
	uint32_t magic;
	uint32_t cap;
	int shm;        /* lives in a shared mapping for a child process */
	_Atomic int on_free; /* on the free list: nobody produces, the drainer skips it */
	_Atomic int orphan; /* its thread has exited */
	char pad0[64 - 20];
	/* the lesson clock, for the child process that writes a shm ring */
	struct clock_pace pace;
	_Atomic uint64_t work; /* a child's state changes and prints (a step waits for one) */
	char padp[128 - sizeof(struct clock_pace) - 8];
	/* producer's line */
	_Atomic uint64_t head;
	uint64_t tail_cache;
	_Atomic uint64_t dropped;
	_Atomic uint64_t written;
	char pad1[64 - 32];
	/* consumer's line */
	_Atomic uint64_t tail;
	char pad2[64 - 8];
	struct trace_event ev[];
};

#define RING_BYTES (sizeof(struct ring) + RING_CAP * sizeof(struct trace_event))

_Static_assert(sizeof(struct trace_event) == 64, "a ring slot is 64 bytes");

static pthread_mutex_t rings_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ring **rings;
static size_t nrings, caprings;
static struct ring **free_rings;
static size_t nfree;

/* A child's ring as the parent sees it: what the parent decides on lives
 * here, in its own memory, never in the mapping the child can write. */
struct shm_view {
	struct ring *r;
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

static _Atomic int enabled = 1;
static _Atomic int news;
static void (*_Atomic notify_fn)(void *);
static void *_Atomic notify_arg;
static _Atomic uint64_t lost_rings; /* events dropped when no ring could be made */
/* Counts of rings that were recycled, so totals never go backwards. */
static _Atomic uint64_t retired_dropped, retired_written;

struct task_entry {
	char *name;
	char *group;
	enum task_kind kind;
	trace_task_t parent;
};

static pthread_mutex_t tasks_mu = PTHREAD_MUTEX_INITIALIZER;
static struct task_entry *tasks;
static size_t ntasks, captasks;

/* ---- rings ---- */

/* Empty the ring and zero its counts; only while nobody produces into it. */
static void ring_rewind(struct ring *r)
{
	atomic_store(&r->head, 0);
	r->tail_cache = 0;
	atomic_store(&r->tail, 0);
	atomic_store(&r->dropped, 0);
	atomic_store(&r->written, 0);
}

static void ring_init(struct ring *r, int shm)
{
	r->magic = RING_MAGIC;
	r->cap = RING_CAP;
	r->shm = shm;
	atomic_store(&r->on_free, 0);
	atomic_store(&r->orphan, 0);
	ring_rewind(r);
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

	pthread_once(&key_once, make_key);
	pthread_mutex_lock(&rings_mu);
	if (nfree > 0) {
		/* The drainer rewound it when it retired it; only hand it over. */
		r = free_rings[--nfree];
		atomic_store(&r->orphan, 0);
		atomic_store_explicit(&r->on_free, 0, memory_order_release);
	} else {
		void *m = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m != MAP_FAILED) {
			r = m;
			ring_init(r, 0);
			rings_add_locked(r);
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

/* Claims n consecutive slots; returns the first or NULL when full. */
static inline struct trace_event *ring_claim(struct ring *r, unsigned n, uint64_t *head)
{
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	if (h + n - r->tail_cache > r->cap) {
		r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (h + n - r->tail_cache > r->cap) {
			atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
			return NULL;
		}
	}
	*head = h;
	return &r->ev[h & (r->cap - 1)];
}

static inline void ring_publish(struct ring *r, uint64_t head, unsigned n)
{
	atomic_store_explicit(&r->written, atomic_load_explicit(&r->written, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	atomic_store_explicit(&r->head, head + n, memory_order_release);
	if (!atomic_load_explicit(&news, memory_order_relaxed) && !atomic_exchange(&news, 1)) {
		void (*fn)(void *) = atomic_load(&notify_fn);
		if (fn != NULL)
			fn(atomic_load(&notify_arg));
	}
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
		n += (unsigned)((len - sizeof(((struct trace_event *)0)->text) + 63) / 64);

	if (r->shm && (type == TRACE_EV_STATE || type == TRACE_EV_MARK || type == TRACE_EV_END))
		atomic_fetch_add_explicit(&r->work, 1, memory_order_relaxed);
	uint64_t head;
	struct trace_event *e = ring_claim(r, n, &head);
	if (e != NULL) {
		e->t_ns = t_ns;
		e->task = task;
		e->type = type;
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
			char *slot = (char *)&r->ev[(head + i) & (r->cap - 1)];
			size_t k = len - off < 64 ? len - off : 64;
			memcpy(slot, text + off, k);
			off += k;
		}
		ring_publish(r, head, n);
	}
	if (locked)
		pthread_mutex_unlock(&forced_mu);
}

/* ---- lifecycle ---- */

void trace_enable(int on)
{
	atomic_store(&enabled, on != 0);
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
	trace_drain(discard, NULL);
	pthread_mutex_lock(&rings_mu);
	/* No producer runs now: rewind each ring, keeping who owns it. */
	for (size_t i = 0; i < nrings; i++)
		ring_rewind(rings[i]);
	for (size_t i = 0; i < nshms; i++)
		munmap(shms[i].r, RING_BYTES);
	nshms = 0;
	pthread_mutex_unlock(&rings_mu);
	atomic_store(&lost_rings, 0);
	atomic_store(&retired_dropped, 0);
	atomic_store(&retired_written, 0);

	pthread_mutex_lock(&tasks_mu);
	for (size_t i = 0; i < ntasks; i++) {
		free(tasks[i].name);
		free(tasks[i].group);
	}
	ntasks = 0;
	pthread_mutex_unlock(&tasks_mu);
}

/* ---- tasks ---- */

trace_task_t trace_task_new_child(const char *name, enum task_kind kind, const char *group,
                                  trace_task_t parent)
{
	char *n = xstrdup(name ? name : "?");
	char *g = xstrdup(group ? group : "");

	pthread_mutex_lock(&tasks_mu);
	if (ntasks == captasks) {
		size_t cap = captasks ? captasks * 2 : 64;
		tasks = xreallocarray(tasks, cap, sizeof(*tasks));
		captasks = cap;
	}
	tasks[ntasks] = (struct task_entry){.name = n, .group = g, .kind = kind, .parent = parent};
	trace_task_t id = (trace_task_t)ntasks++;
	pthread_mutex_unlock(&tasks_mu);
	return id;
}

trace_task_t trace_task_new(const char *name, enum task_kind kind, const char *group)
{
	return trace_task_new_child(name, kind, group, TRACE_NO_TASK);
}

size_t trace_task_count(void)
{
	pthread_mutex_lock(&tasks_mu);
	size_t n = ntasks;
	pthread_mutex_unlock(&tasks_mu);
	return n;
}

int trace_task_get(trace_task_t task, struct trace_task_info *out)
{
	int rc = -1;
	pthread_mutex_lock(&tasks_mu);
	if (task >= 0 && (size_t)task < ntasks) {
		out->name = tasks[task].name;
		out->group = tasks[task].group;
		out->kind = tasks[task].kind;
		out->parent = tasks[task].parent;
		rc = 0;
	}
	pthread_mutex_unlock(&tasks_mu);
	return rc;
}

/* ---- workload calls ---- */

#define ENABLED() __builtin_expect(atomic_load_explicit(&enabled, memory_order_relaxed), 1)

void trace_bind(trace_task_t task)
{
	if (!ENABLED() || task < 0)
		return;
	cache_ids();
	append(task, TRACE_EV_BIND, 0, 0, (uint32_t)tls_pid, (uint32_t)tls_tid, NULL, clock_now_ns());
}

void trace_bind_to(trace_task_t task, pid_t pid, pid_t tid)
{
	if (!ENABLED() || task < 0)
		return;
	append(task, TRACE_EV_BIND, 0, 0, (uint32_t)pid, (uint32_t)tid, NULL, clock_now_ns());
}

void trace_state_at(trace_task_t task, enum state s, int line, const char *reason)
{
	if (!ENABLED() || task < 0)
		return;
	pace_gate();
	append(task, TRACE_EV_STATE, (uint8_t)s, (int16_t)line, 0, 0, reason, clock_now_ns());
}

void trace_state(trace_task_t task, enum state s, const char *reason)
{
	trace_state_at(task, s, TRACE_NO_LINE, reason);
}

void trace_statef(trace_task_t task, enum state s, int line, const char *fmt, ...)
{
	char buf[TRACE_TEXT_MAX + 1];
	va_list ap;

	if (!ENABLED() || task < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	trace_state_at(task, s, line, buf);
}

void trace_mark(trace_task_t task, const char *text)
{
	if (!ENABLED() || task < 0)
		return;
	pace_gate();
	append(task, TRACE_EV_MARK, 0, 0, 0, 0, text ? text : "", clock_now_ns());
}

void trace_markf(trace_task_t task, const char *fmt, ...)
{
	char buf[TRACE_TEXT_MAX + 1];
	va_list ap;

	if (!ENABLED() || task < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	trace_mark(task, buf);
}

void trace_end(trace_task_t task)
{
	if (!ENABLED() || task < 0)
		return;
	pace_gate();
	append(task, TRACE_EV_END, STATE_DONE, 0, 0, 0, NULL, clock_now_ns());
}

void trace_milestone(const char *text)
{
	if (!ENABLED())
		return;
	pace_gate();
	append(TRACE_NO_TASK, TRACE_EV_MILESTONE, 0, 0, 0, 0, text ? text : "", clock_now_ns());
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

/* Pass on the events of ring r from *tail up to head (n slots at most
 * ahead of *tail: the parent's own RING_CAP, never the ring's). check:
 * the ring is a child's, so each event must pass event_ok first. Returns
 * how many were passed on; *refused counts those that were not. Returns
 * (size_t)-1 when the ring cannot be read any more (a head behind the tail
 * or further than a ring ahead, text running past the head). */
static size_t ring_read(struct ring *r, uint64_t *tail, int check, uint64_t *refused,
                        void (*fn)(const struct trace_record *, void *), void *arg);

static size_t ring_drain(struct ring *r, void (*fn)(const struct trace_record *, void *), void *arg)
{
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed), refused = 0;
	size_t count = ring_read(r, &t, 0, &refused, fn, arg);
	atomic_store_explicit(&r->tail, t, memory_order_release);
	return count;
}

/* An event a child wrote, checked against what the parent knows: a type a
 * child may write, a state there is, a registered task, a text that fits,
 * a time not past the drain's own now. */
static int event_ok(const struct trace_event *e, uint64_t now, size_t ntask)
{
	switch (e->type) {
	case TRACE_EV_STATE:
		if (e->state >= STATE_COUNT)
			return 0;
		break;
	case TRACE_EV_MARK:
	case TRACE_EV_END:
		break;
	case TRACE_EV_BIND:
		if (e->a == 0 || e->b == 0 || e->a > INT32_MAX || e->b > INT32_MAX)
			return 0;
		break;
	case TRACE_EV_MILESTONE:
		return e->task == TRACE_NO_TASK && e->text_len <= TRACE_TEXT_MAX && e->t_ns <= now;
	default:
		return 0; /* the sampler's events come from the parent only */
	}
	return e->task >= 0 && (size_t)e->task < ntask && e->text_len <= TRACE_TEXT_MAX && e->t_ns <= now;
}

static size_t ring_read(struct ring *r, uint64_t *tail, int check, uint64_t *refused,
                        void (*fn)(const struct trace_record *, void *), void *arg)
{
	char text[TRACE_TEXT_MAX + 1];
	uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	uint64_t t = *tail, now = check ? clock_now_ns() : 0;
	size_t count = 0, ntask = check ? trace_task_count() : 0;
	const size_t slot_text = sizeof(((struct trace_event *)0)->text);

	if (h < t || h - t > RING_CAP)
		return (size_t)-1;
	while (t < h) {
		const struct trace_event *e = &r->ev[t & (RING_CAP - 1)];
		struct trace_event ev = *e; /* one read: a child may write as we look */
		size_t len = ev.text_len > TRACE_TEXT_MAX ? TRACE_TEXT_MAX : ev.text_len;
		size_t first = len < slot_text ? len : slot_text;
		unsigned n = 1 + (unsigned)((len - first + 63) / 64);
		if (t + n > h) {
			*tail = t;
			return (size_t)-1;
		}
		memcpy(text, ev.text, first);
		for (size_t off = first, k = 1; off < len; k++) {
			const char *slot = (const char *)&r->ev[(t + k) & (RING_CAP - 1)];
			size_t c = len - off < 64 ? len - off : 64;
			memcpy(text + off, slot, c);
			off += c;
		}
		text[len] = '\0';
		t += n;
		if (check && !event_ok(&ev, now, ntask)) {
			(*refused)++;
			continue;
		}
		if (check) /* a child's text reaches terminals: no escape sequence */
			quote_defang(text, text, sizeof(text));
		struct trace_record rec = {
			.t_ns = ev.t_ns,
			.task = ev.task,
			.type = (enum trace_ev_type)ev.type,
			.state = ev.type == TRACE_EV_END ? STATE_DONE : (enum state)ev.state,
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

/* A child's ring: read it as ring_read does with every check, keeping the
 * tail and the counts on the parent's side. */
static size_t shm_drain(struct shm_view *v, void (*fn)(const struct trace_record *, void *), void *arg)
{
	if (v->bad)
		return 0;
	size_t n = ring_read(v->r, &v->tail, 1, &v->refused, fn, arg);
	if (n == (size_t)-1) {
		/* Its head (or a text running past it) cannot be: whatever it
		 * holds is lost, and no more is read from it. */
		v->bad = 1;
		v->refused++;
		return 0;
	}
	v->drained += n;
	/* Told to the child only so that it knows where there is room. */
	atomic_store_explicit(&v->r->tail, v->tail, memory_order_release);
	return n;
}

size_t trace_drain(void (*fn)(const struct trace_record *rec, void *arg), void *arg)
{
	size_t count = 0;

	atomic_store(&news, 0);
	pthread_mutex_lock(&rings_mu);
	size_t n = nrings;
	struct ring **snap = xreallocarray(NULL, n ? n : 1, sizeof(*snap));
	if (n > 0)
		memcpy(snap, rings, n * sizeof(*snap));
	pthread_mutex_unlock(&rings_mu);

	for (size_t i = 0; i < n; i++) {
		struct ring *r = snap[i];
		if (atomic_load_explicit(&r->on_free, memory_order_acquire))
			continue;
		int orphan = atomic_load_explicit(&r->orphan, memory_order_acquire);
		count += ring_drain(r, fn, arg);
		if (orphan) {
			/* Its thread is gone and it is drained: keep its counts,
			 * rewind it, and offer it to the next new thread. */
			pthread_mutex_lock(&rings_mu);
			atomic_fetch_add(&retired_dropped, atomic_load(&r->dropped));
			atomic_fetch_add(&retired_written, atomic_load(&r->written));
			ring_rewind(r);
			atomic_store_explicit(&r->on_free, 1, memory_order_release);
			free_rings[nfree++] = r;
			pthread_mutex_unlock(&rings_mu);
		}
	}
	free(snap);
	/* The children's rings, one at a time under the lock (a spawn adds
	 * to the list from the scenario thread). */
	pthread_mutex_lock(&rings_mu);
	for (size_t i = 0; i < nshms; i++)
		count += shm_drain(&shms[i], fn, arg);
	pthread_mutex_unlock(&rings_mu);
	return count;
}

uint64_t trace_dropped(void)
{
	uint64_t d = atomic_load(&lost_rings) + atomic_load(&retired_dropped);
	pthread_mutex_lock(&rings_mu);
	for (size_t i = 0; i < nrings; i++)
		d += atomic_load(&rings[i]->dropped);
	/* A child's own count of what did not fit is taken at its word, but
	 * only up to TRACE_SHM_DROPS_MAX; what the parent refused is added. */
	for (size_t i = 0; i < nshms; i++) {
		uint64_t told = atomic_load(&shms[i].r->dropped);
		d += (told < TRACE_SHM_DROPS_MAX ? told : TRACE_SHM_DROPS_MAX) + shms[i].refused;
	}
	pthread_mutex_unlock(&rings_mu);
	return d;
}

uint64_t trace_written(void)
{
	uint64_t w = atomic_load(&retired_written);
	pthread_mutex_lock(&rings_mu);
	for (size_t i = 0; i < nrings; i++)
		w += atomic_load(&rings[i]->written);
	for (size_t i = 0; i < nshms; i++)
		w += shms[i].drained + shms[i].refused; /* counted here, not by the child */
	pthread_mutex_unlock(&rings_mu);
	return w;
}

/* ---- child processes ---- */

int trace_shm_ring_new(void)
{
	int fd = memfd_create("simul-ring", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)RING_BYTES) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	void *m = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int e = errno;
		close(fd);
		return -e;
	}
	struct ring *r = m;
	ring_init(r, 1);
	struct clock_map cm;
	clock_map_get(&cm);
	clock_pace_write(&r->pace, &cm);
	pthread_mutex_lock(&rings_mu);
	if (nshms == capshms) {
		capshms = capshms ? capshms * 2 : 16;
		shms = xreallocarray(shms, capshms, sizeof(*shms));
	}
	shms[nshms++] = (struct shm_view){.r = r};
	pthread_mutex_unlock(&rings_mu);
	return fd;
}

int trace_shm_attach(int fd)
{
	void *m = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	struct ring *r = m;
	if (r->magic != RING_MAGIC || r->cap != RING_CAP) {
		munmap(m, RING_BYTES);
		return -EINVAL;
	}
	forced_ring = r;
	clock_pace_attach(&r->pace);
	return 0;
}

uint64_t trace_shm_work(void)
{
	uint64_t w = 0;
	pthread_mutex_lock(&rings_mu);
	for (size_t i = 0; i < nshms; i++)
		w += atomic_load_explicit(&shms[i].r->work, memory_order_relaxed);
	pthread_mutex_unlock(&rings_mu);
	return w;
}

void trace_shm_set_pace(const struct clock_map *m)
{
	pthread_mutex_lock(&rings_mu);
	for (size_t i = 0; i < nshms; i++)
		clock_pace_write(&shms[i].r->pace, m);
	pthread_mutex_unlock(&rings_mu);
}

int trace_shm_forge(int fd, const struct trace_event *ev, size_t n, uint64_t head)
{
	void *m = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	struct ring *r = m;
	if (n == 0) {
		atomic_store(&r->head, head);
	} else {
		uint64_t h = atomic_load(&r->head);
		for (size_t i = 0; i < n; i++)
			r->ev[(h + i) & (RING_CAP - 1)] = ev[i];
		atomic_store_explicit(&r->head, h + n, memory_order_release);
	}
	munmap(m, RING_BYTES);
	return 0;
}
