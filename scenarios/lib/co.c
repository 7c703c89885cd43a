/*
 * co.c: stackful coroutines on one shared stack, scheduled by a libuv loop.
 *
 * Why stackful coroutines: a task is then an ordinary C function
 * that calls co_sleep or co_get in the middle of a loop, exactly where the
 * Python says `await`, so scenarios/loop.c reads like the lesson. Stackless
 * state machines (a switch per await) would hide the program's shape behind
 * the machinery, which is the opposite of what a teaching tool wants.
 *
 * Why one shared run stack: ten thousand to a hundred thousand tasks must be
 * alive at once (loop/c10k). A private stack each would cost at least a
 * touched page or two per task (hundreds of MB at 100,000). Instead every
 * task runs on the loop's one run stack; when it suspends, the bytes of
 * stack it really uses (a few hundred) are copied to the heap, and copied
 * back before it resumes (the scheduler does both copies, from its own
 * stack, outside the run stack). A switch is a few instructions (co_ctx.h;
 * bench_c10k prints what a generator hand-over, two switches, costs) plus
 * that small copy. A suspended task costs its struct (under 200 bytes, from
 * a slab) and those bytes (from slabs by size class, reused when a task
 * ends); doc/performance.md has the measured total per task.
 * The price: memory on a task's stack is garbage while the task is
 * suspended, so anything a libuv callback or a pool thread touches lives in
 * the heap (the requests below, co_to_thread's argument).
 *
 * Scheduling is asyncio's: libuv callbacks never run a task, they only put
 * it on the ready queue; the check phase (after poll) runs ready tasks one
 * at a time, each until its next await. An idle handle keeps poll from
 * blocking while tasks are ready.
 */
#include "co.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "clock.h"
#include "pace.h"
#include "co_impl.h"
#include "gil.h"
#include "xalloc.h"
#include "run.h"

static _Thread_local struct co_loop *co_tl_loop;

/* ---- memory: slabs for tasks and saved stacks ---- */

/* The first slabs come from malloc; past them a crowd is under way, and
 * slabs are 2 MiB, aligned, with transparent huge pages asked for: one page
 * fault per slab instead of 512 (the faults were a fifth of what a task
 * cost). */
#define CO_SMALL_SLABS 16
#define CO_HUGE_SLAB ((size_t)2 << 20)

static char *co_slab_new(size_t i, size_t *size)
{
	if (i < CO_SMALL_SLABS) {
		*size = CO_SAVE_SLAB;
		return malloc(CO_SAVE_SLAB);
	}
	/* Map twice the size and keep the aligned middle. */
	char *m = mmap(NULL, 2 * CO_HUGE_SLAB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	char *a = (char *)(((uintptr_t)m + CO_HUGE_SLAB - 1) & ~(uintptr_t)(CO_HUGE_SLAB - 1));
	if (a > m)
		munmap(m, (size_t)(a - m));
	munmap(a + CO_HUGE_SLAB, (size_t)(m + 2 * CO_HUGE_SLAB - (a + CO_HUGE_SLAB)));
	(void)madvise(a, CO_HUGE_SLAB, MADV_HUGEPAGE);
	*size = CO_HUGE_SLAB;
	return a;
}

static void co_slabs_free(struct co_loop *l)
{
	for (size_t i = 0; i < l->nslabs; i++) {
		if (i < CO_SMALL_SLABS)
			free(l->slabs[i]);
		else
			munmap(l->slabs[i], CO_HUGE_SLAB);
	}
	free(l->slabs);
}

/* Bump-allocate n bytes (a multiple of 16) from the loop's slabs; they are
 * freed together by co_loop_free. NULL when out of memory. */
static void *co_slab_alloc(struct co_loop *l, size_t n)
{
	if (n > l->slab_left) {
		if (l->nslabs == l->cap_slabs) {
			size_t cap = l->cap_slabs ? l->cap_slabs * 2 : 16;
			char **s = realloc(l->slabs, cap * sizeof(*s));
			if (!s)
				return NULL;
			l->slabs = s;
			l->cap_slabs = cap;
		}
		size_t size;
		char *slab = co_slab_new(l->nslabs, &size);
		if (!slab)
			return NULL;
		l->slabs[l->nslabs++] = slab;
		l->slab_at = slab;
		l->slab_left = size;
	}
	void *p = l->slab_at;
	l->slab_at += n;
	l->slab_left -= n;
	return p;
}

void *co_block_get(struct co_loop *l, size_t n, uint32_t *cap)
{
	size_t c = (n + CO_SAVE_STEP - 1) / CO_SAVE_STEP;
	if (c > CO_SAVE_CLASSES) {
		*cap = (uint32_t)n;
		return malloc(n);
	}
	*cap = (uint32_t)(c * CO_SAVE_STEP);
	char *p = l->save_free[c - 1];
	if (p) {
		char *next; /* a free block's first bytes link to the next one */
		memcpy(&next, p, sizeof(next));
		l->save_free[c - 1] = next;
		return p;
	}
	return co_slab_alloc(l, *cap);
}

void co_block_put(struct co_loop *l, void *p, uint32_t cap)
{
	if (!p)
		return;
	if (cap > CO_SAVE_SLAB_MAX || cap % CO_SAVE_STEP != 0) {
		free(p);
		return;
	}
	size_t c = cap / CO_SAVE_STEP;
	char *next = l->save_free[c - 1];
	memcpy(p, &next, sizeof(next));
	l->save_free[c - 1] = p;
}

/* A save area of at least n bytes: *cap gets its size. */
static char *co_save_get(struct co_loop *l, size_t n, uint32_t *cap)
{
	char *p = co_block_get(l, n, cap);
	if (!p)
		xalloc_die("a coroutine's stack", n);
	return p;
}

/* ---- switching ---- */

static void co_trampoline(void)
{
	struct co_task *t = co_tl_loop->current;
	t->fn(t, t->arg);
	t->done = 1;
	co_ctx_switch(&t->ctx, &t->loop->sched); /* for good: never resumed */
	abort();
}

/* Copy n bytes (a multiple of 8) between the run stack and a task's save
 * area. Under a sanitizer not memcpy: the run stack holds other frames'
 * red zones, which this copy must move as plain bytes, and volatile keeps
 * the compiler from turning the loop back into a memcpy call. */
#ifdef CO_CTX_SANITIZED
__attribute__((no_sanitize_address)) static void co_stack_copy(void *dst, const void *src, size_t n)
{
	volatile uint64_t *d = dst;
	const volatile uint64_t *s = src;
	for (size_t i = 0; i < n / 8; i++)
		d[i] = s[i];
}
#else
static void co_stack_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}
#endif

/* On the scheduler's side, after the task suspended: copy the live part of
 * the run stack (from its stack pointer, less what the switch may have left
 * below it, to the top) to its save area, a bigger one only when it needs
 * it. */
static void co_stack_save(struct co_task *t)
{
	struct co_loop *l = t->loop;
	char *top = l->stack + CO_STACK_SIZE;
	char *from = co_ctx_sp(&t->ctx) - CO_CTX_MARGIN;
	from = (char *)((uintptr_t)from & ~(uintptr_t)15);
	if (from < l->stack)
		abort(); /* the task overflowed the run stack */
	size_t used = (size_t)(top - from);
	if (used > t->saved_cap) {
		co_block_put(l, t->saved, t->saved_cap);
		t->saved = co_save_get(l, used, &t->saved_cap);
	}
	co_stack_copy(t->saved, from, used);
	t->saved_len = (uint32_t)used;
}

static void co_task_finish(struct co_task *t);

/* The task on the run stack (the watcher reads it, under watch_mu). */
static void co_set_current(struct co_loop *l, struct co_task *t)
{
	if (l->watch)
		pthread_mutex_lock(&l->watch_mu);
	l->current = t;
	if (l->watch)
		pthread_mutex_unlock(&l->watch_mu);
}

static void co_resume(struct co_task *t)
{
	struct co_loop *l = t->loop;
	co_tl_loop = l;
	co_set_current(l, t);
	if (!t->started) {
		t->started = 1;
		co_ctx_make(&t->ctx, l->stack, CO_STACK_SIZE, co_trampoline);
	} else {
		co_stack_copy(l->stack + CO_STACK_SIZE - t->saved_len, t->saved, t->saved_len);
	}
	co_ctx_switch(&l->sched, &t->ctx);
	co_set_current(l, NULL);
	if (t->done)
		co_task_finish(t);
	else
		co_stack_save(t);
}

const char *co_task_name(const struct co_task *t)
{
	struct trace_task_info info;
	return trace_task_get(t->id, &info) == 0 ? info.name : "?";
}

/* ---- the ready queue ---- */

/* A queue of tasks linked by their `next`: the ready queue, a semaphore's
 * waiters. */
static void co_queue_push(struct co_task **head, struct co_task **tail, struct co_task *t)
{
	t->next = NULL;
	if (*tail)
		(*tail)->next = t;
	else
		*head = t;
	*tail = t;
}

static struct co_task *co_queue_pop(struct co_task **head, struct co_task **tail)
{
	struct co_task *t = *head;
	if (t != NULL) {
		*head = t->next;
		if (!*head)
			*tail = NULL;
	}
	return t;
}

static void co_idle_cb(uv_idle_t *h)
{
	(void)h; /* its only job is to keep poll from blocking */
}


void co_enqueue(struct co_task *t, int result, int already_ready, const char *why)
{
	struct co_loop *l = t->loop;
	if (t->queued || t->done)
		return;
	t->result = result;
	t->cancel = NULL;
	t->queued = 1;
	/* Woken by the task that runs now (a put, a release, a cancel), not
	 * by a timer or a socket's callback; a new task was waiting for none. */
	if (l->current != NULL && l->current != t && t->started)
		trace_wake(t->id, l->current->id, why);
	if (!already_ready) {
		/* A crowd does not keep its longest wait (two clock reads a
		 * task): its lanes show it. */
		if (!l->many)
			t->ready_since = clock_now_ns();
		trace_state_at(t->id, STATE_READY, t->line, l->many ? NULL : why);
	}
	co_queue_push(&l->ready_head, &l->ready_tail, t);
	l->nready++;
	uv_idle_start(&l->idle, co_idle_cb);
}

static void co_loop_set_lane(struct co_loop *l, enum state s, const char *reason)
{
	if (l->many && s == l->lane_state)
		return;
	l->lane_state = s;
	trace_state(l->lane, s, reason);
}

static void co_prepare_cb(uv_prepare_t *h)
{
	struct co_loop *l = h->data;
	if (l->ready_head == NULL && l->lane_state != STATE_IDLE)
		co_loop_set_lane(l, STATE_IDLE, "waiting in poll");
}

static void co_check_cb(uv_check_t *h)
{
	struct co_loop *l = h->data;
	if (l->ready_head == NULL)
		return;
	if (l->many) {
		char why[64];
		snprintf(why, sizeof(why), "running %zu ready tasks", l->nready);
		l->lane_state = STATE_RUNNING;
		trace_state(l->lane, STATE_RUNNING, why);
	}
	/* Running tasks is running Python: under the GIL, when there is one. */
	if (l->gil)
		gil_acquire(l->gil, l->lane, 0);
	struct co_task *t;
	while ((t = co_queue_pop(&l->ready_head, &l->ready_tail)) != NULL) {
		l->nready--;
		t->queued = 0;
		if (!l->many) {
			uint64_t now = clock_now_ns();
			if (now > t->ready_since && now - t->ready_since > t->max_ready_ns)
				t->max_ready_ns = now - t->ready_since;
			l->lane_state = STATE_RUNNING;
			trace_statef(l->lane, STATE_RUNNING, t->line, "running %s", co_task_name(t));
		}
		trace_state_at(t->id, STATE_RUNNING, t->line, NULL);
		co_resume(t);
	}
	uv_idle_stop(&l->idle);
	if (l->gil) {
		/* Off to poll: said before the GIL goes, so that two lanes never
		 * hold it at once. */
		l->lane_state = STATE_IDLE;
		trace_state(l->lane, STATE_IDLE, "waiting in poll (the GIL let go)");
		gil_release(l->gil, l->lane);
	}
}

void co_block(struct co_task *t, enum state s, int line, const char *what)
{
	struct co_loop *l = t->loop;
	t->line = line;
	trace_state_at(t->id, s, line, what);
	l->lane_state = s;
	trace_statef(l->lane, s, line, "%s %s: %s", s == STATE_RUNNING ? "running" : "held by", co_task_name(t), what);
}

void co_unblock(struct co_task *t)
{
	struct co_loop *l = t->loop;
	trace_state_at(t->id, STATE_RUNNING, t->line, NULL);
	l->lane_state = STATE_RUNNING;
	trace_statef(l->lane, STATE_RUNNING, t->line, "running %s", co_task_name(t));
}

/* Suspend t in state s at line (why: the reason its lane shows) until
 * something calls co_enqueue on it; returns the result given then. cancel,
 * when not NULL, is how a stopping run cuts the wait short; without it the
 * wait ends on its own. Every await suspends through here. */
int co_wait(struct co_task *t, enum state s, int line, const char *why, void (*cancel)(struct co_task *))
{
	t->line = line;
	t->cancel = cancel;
	trace_state_at(t->id, s, line, why);
	co_suspend(t);
	return t->result;
}

/* ---- tasks ---- */

static void co_task_finish(struct co_task *t)
{
	struct co_loop *l = t->loop;
	struct co_task *w = t->waiter;
	int wakes = w && !w->done && --w->pending <= 0 && !w->queued;
	/* the wake first, while the waker's lane is still there to start from */
	if (wakes)
		trace_wake(w->id, t->id, t->cancelled ? "ended, cancelled" : "returned");
	if (t->cancelled)
		trace_end_as(t->id, TASK_END_CANCELLED);
	else
		trace_end(t->id);
	co_block_put(l, t->saved, t->saved_cap);
	t->saved = NULL;
	t->saved_cap = t->saved_len = 0;
	l->live--;
	if (wakes)
		co_enqueue(w, 0, 0, "awaited task returned");
}

struct co_task *co_create_task(struct co_loop *l, struct co_task *parent, const char *name,
                               const char *group, co_fn fn, void *arg)
{
	if (l->ntasks == l->cap_tasks) {
		size_t cap = l->cap_tasks ? l->cap_tasks * 2 : 64;
		struct co_task **n = realloc(l->tasks, cap * sizeof(*n));
		if (!n)
			return NULL;
		if (l->watch)
			pthread_mutex_lock(&l->watch_mu);
		l->tasks = n;
		l->cap_tasks = cap;
		if (l->watch)
			pthread_mutex_unlock(&l->watch_mu);
	}
	struct co_task *t = co_slab_alloc(l, (sizeof(*t) + 15) & ~(size_t)15);
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->loop = l;
	t->fn = fn;
	t->arg = arg;
	t->id = trace_task_new_child(name, KIND_COROUTINE, group,
	                             parent ? parent->id : TRACE_NO_TASK);
	/* Every task runs on the loop's thread (so the sampler can show it
	 * preempted); skipped for crowds, to spare the recorder an event each. */
	if (!l->many)
		trace_bind_to(t->id, getpid(), gettid());
	if (l->watch)
		pthread_mutex_lock(&l->watch_mu);
	l->tasks[l->ntasks++] = t;
	if (l->watch)
		pthread_mutex_unlock(&l->watch_mu);
	l->live++;
	co_enqueue(t, 0, 0, "created, waiting for the loop");
	return t;
}

trace_task_t co_task_id(const struct co_task *t) { return t->id; }
struct run *co_task_run(const struct co_task *t) { return t->loop->run; }
int co_task_done(const struct co_task *t) { return t->done; }
uint64_t co_task_max_ready_ns(const struct co_task *t) { return t->max_ready_ns; }

/* ---- the loop ---- */

/* The watcher: while one task holds the loop, timers of others come due
 * and nothing on the loop's thread can notice. It marks them ready at the
 * due time so their lanes show what really happens: runnable, waiting. */
static void *co_watch_main(void *arg)
{
	struct co_loop *l = arg;
	const struct timespec tick = {0, 2 * 1000 * 1000};
	for (;;) {
		nanosleep(&tick, NULL);
		pthread_mutex_lock(&l->watch_mu);
		if (l->watch_stop) {
			pthread_mutex_unlock(&l->watch_mu);
			break;
		}
		uint64_t now = clock_now_ns();
		struct co_task *cur = l->current;
		for (size_t i = 0; cur && i < l->ntasks; i++) {
			struct co_task *t = l->tasks[i];
			/* 2 ms late: the loop would have fired it by now. */
			if (t->sleep_phase == 1 && t->deadline_ns + 2 * NS_PER_MS <= now) {
				t->sleep_phase = 2;
				t->ready_since = t->deadline_ns;
				trace_statef(t->id, STATE_READY, t->line, "timer due; loop busy in %s",
				             co_task_name(cur));
			}
		}
		pthread_mutex_unlock(&l->watch_mu);
	}
	return NULL;
}

static void co_stop_cb(uv_timer_t *h)
{
	struct co_loop *l = h->data;
	if (l->cancelling || !run_stopping(l->run))
		return;
	l->cancelling = 1;
	for (size_t i = 0; i < l->ntasks; i++) {
		struct co_task *t = l->tasks[i];
		if (!t->done && !t->queued && t->cancel)
			t->cancel(t);
	}
}

static void co_pool_start_work(uv_work_t *req)
{
	(void)req;
}

static void co_pool_start_after(uv_work_t *req, int status)
{
	(void)status;
	free(req);
}

/* libuv starts its thread pool (to_thread, file reads) at the first use,
 * and aborts the whole process when it cannot make a thread (under a
 * memory cap, say). So before any loop may use it, the same threads are
 * made and joined once here (libuv's count, UV_THREADPOOL_SIZE or 4, and its
 * stack, 8 MiB): when they cannot be, the loop is refused with the reason
 * instead. Returns 0 or an errno. */
#define CO_UV_POOL_STACK (8u << 20)
#define CO_UV_POOL_DEFAULT 4
#define CO_UV_POOL_MAX 1024

static int co_pool_probe_rc;

static void *co_pool_probe_thread(void *arg)
{
	return arg;
}

static void co_pool_noop(uv_work_t *req)
{
	(void)req;
}

static void co_pool_noop_after(uv_work_t *req, int status)
{
	(void)req;
	(void)status;
}

static void co_pool_probe_once(void)
{
	const char *env = getenv("UV_THREADPOOL_SIZE");
	long n = env ? strtol(env, NULL, 10) : CO_UV_POOL_DEFAULT;
	n = n < 1 ? 1 : n > CO_UV_POOL_MAX ? CO_UV_POOL_MAX : n;
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	if (th == NULL) {
		co_pool_probe_rc = ENOMEM;
		return;
	}
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, CO_UV_POOL_STACK);
	long made = 0;
	while (made < n && (co_pool_probe_rc = pthread_create(&th[made], &a, co_pool_probe_thread, NULL)) == 0)
		made++;
	pthread_attr_destroy(&a);
	for (long i = 0; i < made; i++)
		pthread_join(th[i], NULL);
	free(th);
	/* There was room: let libuv make its pool now, on a loop of our own,
	 * rather than at a first use when the room may have gone. */
	uv_loop_t tmp;
	uv_work_t req;
	if (co_pool_probe_rc == 0 && uv_loop_init(&tmp) == 0) {
		if (uv_queue_work(&tmp, &req, co_pool_noop, co_pool_noop_after) == 0)
			uv_run(&tmp, UV_RUN_DEFAULT);
		uv_loop_close(&tmp);
	}
}

static int co_pool_probe(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, co_pool_probe_once);
	return co_pool_probe_rc;
}

struct co_loop *co_loop_new(struct run *run, const struct co_loop_options *opt)
{
	int prc = co_pool_probe();
	if (prc != 0) {
		run_fail(run, "cannot start the event loop's thread pool (libuv's threads, 8 MiB of stack each): %s "
		         "(a memory limit: ulimit -v?)", strerror(prc));
		return NULL;
	}
	struct co_loop *l = calloc(1, sizeof(*l));
	if (!l) {
		run_fail(run, "out of memory for the event loop");
		return NULL;
	}
	l->run = run;
	l->many = opt && opt->many;
	l->eager_send = opt && opt->eager_send;
	l->stack = malloc(CO_STACK_SIZE);
	l->rbuf = malloc(CO_READ_BUF);
	int rc = l->stack && l->rbuf ? uv_loop_init(&l->uv) : UV_ENOMEM;
	if (rc != 0) {
		run_fail(run, "could not start the event loop: %s", uv_strerror(rc));
		free(l->stack);
		free(l->rbuf);
		free(l);
		return NULL;
	}
	uv_loop_configure(&l->uv, UV_METRICS_IDLE_TIME);
	snprintf(l->group, sizeof(l->group), "%s", opt && opt->group ? opt->group : "");
	l->lane = trace_task_new(opt && opt->name ? opt->name : "event loop", KIND_LOOP,
	                         l->group[0] ? l->group : NULL);
	trace_bind(l->lane);
	l->lane_state = STATE_RUNNING;
	trace_state(l->lane, STATE_RUNNING, "asyncio.run");
	l->gil = opt ? opt->gil : NULL;
	gil_name_task(l->gil, l->lane, opt && opt->name ? opt->name : "event loop");
	pthread_mutex_init(&l->pool_mu, NULL);
	uv_idle_init(&l->uv, &l->idle);
	uv_prepare_init(&l->uv, &l->prepare);
	uv_check_init(&l->uv, &l->check);
	uv_timer_init(&l->uv, &l->stop_timer);
	co_sleep_init(l);
	l->prepare.data = l->check.data = l->stop_timer.data = l;
	uv_prepare_start(&l->prepare, co_prepare_cb);
	uv_check_start(&l->check, co_check_cb);
	uv_timer_start(&l->stop_timer, co_stop_cb, 20, 20);
	uv_unref((uv_handle_t *)&l->stop_timer);
	uv_unref((uv_handle_t *)&l->prepare);
	uv_unref((uv_handle_t *)&l->check);
	if (opt && opt->pool) {
		/* The pool starts its threads inside the first uv_queue_work. */
		uv_work_t *req = malloc(sizeof(*req));
		if (req && uv_queue_work(&l->uv, req, co_pool_start_work, co_pool_start_after) != 0)
			free(req);
	}
	if (opt && opt->watch_blocking) {
		pthread_mutex_init(&l->watch_mu, NULL);
		if (pthread_create(&l->watch_thread, NULL, co_watch_main, l) == 0)
			l->watch = 1;
		else
			pthread_mutex_destroy(&l->watch_mu);
	}
	return l;
}

int co_loop_run(struct co_loop *l)
{
	while (l->live > 0) {
		/* Nothing left that could wake a task: they wait on each other. */
		if (uv_run(&l->uv, UV_RUN_ONCE) == 0 && l->ready_head == NULL && l->live > 0)
			return -EDEADLK;
	}
	co_loop_set_lane(l, STATE_RUNNING, "every task returned");
	return 0;
}

uint64_t co_loop_idle_ns(struct co_loop *l)
{
	return clock_lesson_span(uv_metrics_idle_time(&l->uv)); /* libuv counts real ns */
}

static void co_walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void co_loop_free(struct co_loop *l)
{
	if (!l)
		return;
	if (l->watch) {
		pthread_mutex_lock(&l->watch_mu);
		l->watch_stop = 1;
		pthread_mutex_unlock(&l->watch_mu);
		pthread_join(l->watch_thread, NULL);
		pthread_mutex_destroy(&l->watch_mu);
		l->watch = 0;
	}
	uv_walk(&l->uv, co_walk_close, NULL);
	uv_run(&l->uv, UV_RUN_DEFAULT);
	uv_loop_close(&l->uv);
	trace_end(l->lane);
	for (int i = 0; i < l->npool; i++)
		trace_end(l->pool[i].lane);
	pthread_mutex_destroy(&l->pool_mu);
	for (size_t i = 0; i < l->ntasks; i++) {
		if (!l->tasks[i]->done)
			trace_end(l->tasks[i]->id);
		if (l->tasks[i]->saved_cap > CO_SAVE_SLAB_MAX)
			free(l->tasks[i]->saved);
	}
	co_slabs_free(l);
	free(l->fifo);
	free(l->heap);
	free(l->tasks);
	free(l->stack);
	free(l->rbuf);
	free(l);
}

/* ---- co_to_thread ---- */

struct co_work {
	uv_work_t req;
	struct co_task *task;
	void (*fn)(void *);
	void *arg;
	char what[64];
};

static trace_task_t co_pool_lane(struct co_loop *l)
{
	pthread_t self = pthread_self();
	trace_task_t lane = TRACE_NO_TASK;
	pthread_mutex_lock(&l->pool_mu);
	for (int i = 0; i < l->npool; i++)
		if (pthread_equal(l->pool[i].thread, self))
			lane = l->pool[i].lane;
	if (lane == TRACE_NO_TASK && l->npool < CO_POOL_MAX) {
		char name[32];
		snprintf(name, sizeof(name), "pool thread %d", l->npool + 1);
		lane = trace_task_new(name, KIND_WORKER, l->group[0] ? l->group : NULL);
		trace_bind(lane);
		l->pool[l->npool].thread = self;
		l->pool[l->npool].lane = lane;
		l->npool++;
		gil_name_task(l->gil, lane, name);
	}
	pthread_mutex_unlock(&l->pool_mu);
	return lane;
}

static _Thread_local trace_task_t co_tl_pool_lane = TRACE_NO_TASK;

trace_task_t co_pool_lane_self(void)
{
	return co_tl_pool_lane;
}

static void co_work_run(uv_work_t *req)
{
	struct co_work *w = req->data;
	trace_task_t lane = co_pool_lane(w->task->loop);
	trace_state(lane, STATE_RUNNING, w->what);
	co_tl_pool_lane = lane;
	w->fn(w->arg);
	co_tl_pool_lane = TRACE_NO_TASK;
	trace_state(lane, STATE_IDLE, "waiting for work");
}

static void co_work_after(uv_work_t *req, int status)
{
	struct co_work *w = req->data;
	co_enqueue(w->task, status, 0, "to_thread returned");
}

int co_to_thread(struct co_task *t, void (*fn)(void *), void *arg, const char *what, int line)
{
	if (t->loop->cancelling)
		return UV_ECANCELED;
	struct co_work *w = calloc(1, sizeof(*w));
	if (!w)
		return UV_ENOMEM;
	w->task = t;
	w->fn = fn;
	w->arg = arg;
	snprintf(w->what, sizeof(w->what), "%s", what);
	w->req.data = w;
	int rc = uv_queue_work(&t->loop->uv, &w->req, co_work_run, co_work_after);
	if (rc == 0) {
		char why[96];
		snprintf(why, sizeof(why), "await asyncio.to_thread(%s)", what);
		/* Not cancellable once started: the pool thread runs it to the end.
		 * The task waits for a thread (join), whatever the thread does. */
		rc = co_wait(t, STATE_JOIN, line, why, NULL);
	}
	free(w);
	return rc;
}

/* ---- park and wake, for awaitables built outside ---- */

struct uv_loop_s *co_loop_uv(struct co_loop *l) { return &l->uv; }
struct co_loop *co_task_loop(const struct co_task *t) { return t->loop; }

static void co_park_cancel(struct co_task *t)
{
	co_enqueue(t, UV_ECANCELED, 0, "cancelled");
}

int co_park(struct co_task *t, enum state s, int line, const char *why)
{
	return co_wait(t, s, line, t->loop->many ? NULL : why, co_park_cancel);
}

void co_wake(struct co_task *t, int result, const char *why)
{
	co_enqueue(t, result, 0, why);
}

/* ---- gather, as_completed ---- */

int co_gather(struct co_task *t, struct co_task *const *tasks, size_t n, int line)
{
	int pending = 0;
	for (size_t i = 0; i < n; i++) {
		if (!tasks[i]->done) {
			tasks[i]->waiter = t;
			pending++;
		}
	}
	if (pending == 0)
		return 0;
	t->pending = pending;
	/* Joins end when the children do; a stopping run cancels them. */
	co_wait(t, STATE_JOIN, line, "await asyncio.gather(...)", NULL);
	for (size_t i = 0; i < n; i++)
		tasks[i]->waiter = NULL;
	return t->loop->cancelling ? UV_ECANCELED : 0;
}

int co_next_completed(struct co_task *t, struct co_task *const *tasks, unsigned char *taken,
                      size_t n, int line)
{
	for (;;) {
		size_t left = 0;
		for (size_t i = 0; i < n; i++) {
			if (taken[i])
				continue;
			if (tasks[i]->done) {
				taken[i] = 1;
				return (int)i;
			}
			left++;
		}
		if (left == 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (!taken[i])
				tasks[i]->waiter = t;
		t->pending = 1;
		co_wait(t, STATE_JOIN, line, "as_completed: next to finish", NULL);
		for (size_t i = 0; i < n; i++)
			if (tasks[i]->waiter == t)
				tasks[i]->waiter = NULL;
	}
}

/* ---- semaphore ---- */

void co_sem_init(struct co_sem *sem, int slots, const char *reason)
{
	sem->slots = slots;
	sem->reason = reason;
	sem->head = sem->tail = NULL;
}

int co_sem_acquire(struct co_task *t, struct co_sem *sem, int line)
{
	if (t->loop->cancelling)
		return UV_ECANCELED;
	if (sem->slots > 0) {
		sem->slots--;
		return 0;
	}
	co_queue_push(&sem->head, &sem->tail, t);
	if (!t->loop->many)
		t->ready_since = clock_now_ns();
	/* Runnable in every sense but the limit: ready, with the reason. */
	return co_wait(t, STATE_READY, line, sem->reason, NULL);
}

void co_sem_release(struct co_sem *sem)
{
	struct co_task *t = co_queue_pop(&sem->head, &sem->tail);
	if (!t) {
		sem->slots++;
		return;
	}
	/* The slot passes straight to the next waiter, already ready. */
	co_enqueue(t, t->loop->cancelling ? UV_ECANCELED : 0, 1, "released the semaphore");
}
