/*
 * test_trace.c: the recorder: order within a thread, many threads at once,
 * full rings counted, long texts, ring memory brought in ahead of the
 * producer, and rings shared with a child process.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "pace.h"
#include "support.h"
#include "trace.h"
#include "tsc.h"

struct collect {
	struct trace_record *rec;
	char (*text)[TRACE_TEXT_MAX + 1];
	size_t n, cap;
};

static void collect_cb(const struct trace_record *r, void *arg)
{
	struct collect *c = arg;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->rec = realloc(c->rec, c->cap * sizeof(*c->rec));
		c->text = realloc(c->text, c->cap * sizeof(*c->text));
		ck_assert_ptr_nonnull(c->rec);
		ck_assert_ptr_nonnull(c->text);
	}
	c->rec[c->n] = *r;
	memcpy(c->text[c->n], r->text, r->text_len + 1);
	c->rec[c->n].text = c->text[c->n];
	c->n++;
}

static void collect_free(struct collect *c)
{
	free(c->rec);
	free(c->text);
}

START_TEST(order_within_a_thread)
{
	trace_reset();
	trace_task_t t = trace_task_new("t", KIND_THREAD, "g");
	trace_bind(t);
	for (int i = 0; i < 1000; i++)
		trace_state_at(t, (enum state)(i % (STATE_COUNT - 1)), i, NULL);
	trace_mark(t, "hello");
	trace_end(t);
	struct collect c = {0};
	trace_drain(collect_cb, &c);
	ck_assert_uint_eq(c.n, 1003);
	ck_assert_int_eq(c.rec[0].type, TRACE_EV_BIND);
	ck_assert_int_eq(c.rec[0].a, getpid());
	ck_assert_int_eq(c.rec[0].b, gettid());
	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(c.rec[1 + i].type, TRACE_EV_STATE);
		ck_assert_int_eq(c.rec[1 + i].line, i);
		ck_assert_int_eq(c.rec[1 + i].state, i % (STATE_COUNT - 1));
		ck_assert_uint_ge(c.rec[1 + i].t_ns, c.rec[i].t_ns);
	}
	ck_assert_str_eq(c.rec[1001].text, "hello");
	ck_assert_int_eq(c.rec[1002].type, TRACE_EV_END);
	ck_assert_uint_eq(trace_dropped(), 0);
	/* A second drain finds nothing new. */
	struct collect d = {0};
	ck_assert_uint_eq(trace_drain(collect_cb, &d), 0);
	collect_free(&c);
	collect_free(&d);
}
END_TEST

START_TEST(long_texts_survive_whole)
{
	char long_text[TRACE_TEXT_MAX + 50];
	trace_reset();
	trace_task_t t = trace_task_new("t", KIND_THREAD, NULL);
	for (size_t i = 0; i < sizeof(long_text) - 1; i++)
		long_text[i] = (char)('a' + i % 26);
	long_text[sizeof(long_text) - 1] = '\0';
	trace_mark(t, long_text);
	trace_state(t, STATE_IO, "recv 4 KiB from 127.0.0.1:8080 after a long wait on a slow link");
	trace_mark(t, "short");
	struct collect c = {0};
	trace_drain(collect_cb, &c);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_uint_eq(c.rec[0].text_len, TRACE_TEXT_MAX);
	ck_assert_int_eq(strncmp(c.rec[0].text, long_text, TRACE_TEXT_MAX), 0);
	ck_assert_str_eq(c.rec[1].text, "recv 4 KiB from 127.0.0.1:8080 after a long wait on a slow link");
	ck_assert_str_eq(c.rec[2].text, "short");
	collect_free(&c);
}
END_TEST

#define NTHREADS 8
#define PER_THREAD 5000

static trace_task_t tasks[NTHREADS];

static void *writer(void *arg)
{
	int k = (int)(intptr_t)arg;
	trace_bind(tasks[k]);
	for (int i = 0; i < PER_THREAD; i++)
		trace_state_at(tasks[k], STATE_RUNNING, i + 1, NULL);
	return NULL;
}

START_TEST(many_threads_at_once)
{
	pthread_t th[NTHREADS];
	trace_reset();
	for (int k = 0; k < NTHREADS; k++)
		tasks[k] = trace_task_new("w", KIND_THREAD, NULL);
	struct collect c = {0};
	for (int k = 0; k < NTHREADS; k++)
		pthread_create(&th[k], NULL, writer, (void *)(intptr_t)k);
	/* Drain while they write, as the UI does. */
	for (int i = 0; i < 50; i++) {
		trace_drain(collect_cb, &c);
		usleep(200);
	}
	for (int k = 0; k < NTHREADS; k++)
		pthread_join(th[k], NULL);
	trace_drain(collect_cb, &c);
	ck_assert_uint_eq(trace_dropped(), 0);
	ck_assert_uint_eq(c.n, NTHREADS * (PER_THREAD + 1));
	/* Per task, lines arrive 1, 2, 3, ... in order, none lost or doubled. */
	int next[NTHREADS];
	for (int k = 0; k < NTHREADS; k++)
		next[k] = 1;
	for (size_t i = 0; i < c.n; i++) {
		if (c.rec[i].type != TRACE_EV_STATE)
			continue;
		int k = c.rec[i].task - tasks[0];
		ck_assert_int_eq(c.rec[i].line, next[k]);
		next[k]++;
	}
	for (int k = 0; k < NTHREADS; k++)
		ck_assert_int_eq(next[k], PER_THREAD + 1);
	collect_free(&c);
}
END_TEST

/* A burst bigger than a ring segment is kept whole, in order: the ring
 * grows, and gives the extra segments back once drained. */
START_TEST(full_ring_grows)
{
	trace_reset();
	trace_task_t t = trace_task_new("t", KIND_THREAD, NULL);
	const int total = 600000; /* more than four segments hold */
	for (int i = 0; i < total; i++)
		trace_state_at(t, STATE_RUNNING, i % 30000, NULL);
	size_t peak;
	trace_ring_bytes(&peak);
	struct collect c = {0};
	trace_drain(collect_cb, &c);
	ck_assert_uint_eq(trace_dropped(), 0);
	ck_assert_uint_eq(c.n, (size_t)total);
	ck_assert_uint_eq(trace_written(), (uint64_t)total);
	for (int i = 0; i < total; i++) {
		ck_assert_int_eq(c.rec[i].line, i % 30000);
		if (i > 0)
			ck_assert_uint_ge(c.rec[i].t_ns, c.rec[i - 1].t_ns);
	}
	/* The burst was held at once (32 bytes an event); once drained, the
	 * chain is back to one segment, plus the couple kept for reuse. */
	ck_assert_uint_ge(peak, (size_t)total * 32);
	ck_assert_uint_lt(trace_ring_bytes(NULL), peak);
	collect_free(&c);
}
END_TEST

/* Past the budget an event is dropped and counted, never lost silently;
 * after a drain there is room again. */
START_TEST(full_budget_is_counted)
{
	trace_reset();
	trace_set_ring_budget(1); /* no segment beyond the first */
	trace_task_t t = trace_task_new("t", KIND_THREAD, NULL);
	const int total = 300000;
	for (int i = 0; i < total; i++)
		trace_state(t, STATE_RUNNING, NULL);
	struct collect c = {0};
	trace_drain(collect_cb, &c);
	ck_assert_uint_gt(trace_dropped(), 0);
	ck_assert_uint_eq(c.n + trace_dropped(), (uint64_t)total);
	ck_assert_uint_eq(trace_written(), c.n);
	trace_state(t, STATE_IO, NULL);
	struct collect d = {0};
	trace_drain(collect_cb, &d);
	ck_assert_uint_eq(d.n, 1);
	trace_set_ring_budget(0);
	collect_free(&c);
	collect_free(&d);
}
END_TEST

static long thread_faults(void)
{
	struct rusage ru;
	ck_assert_int_eq(getrusage(RUSAGE_THREAD, &ru), 0);
	return ru.ru_minflt;
}

static void discard_cb(const struct trace_record *r, void *arg)
{
	(void)r;
	(void)arg;
}

static void write_states(trace_task_t t, int n)
{
	for (int i = 0; i < n; i++)
		trace_state(t, (enum state)(i & 3), NULL);
}

/* Once a drain has seen a ring fill fast, its producer writes on without
 * page faults: the drain brought the rest of its segment into memory, and
 * the segment it grows into when full comes from the pool, in memory too.
 * (Ring memory the producer touches first costs a fault per 4 KiB page,
 * 128 events.) */
START_TEST(drain_brings_pages_in_ahead)
{
	const char *san = getenv("SIMUL_SANITIZER");
	if (san != NULL && san[0] != '\0') {
		support_skip("the sanitizer's shadow memory faults in as the ring is written");
		return;
	}
	long page = sysconf(_SC_PAGESIZE);
	void *probe = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(probe, MAP_FAILED);
	int can = madvise(probe, (size_t)page, MADV_POPULATE_WRITE) == 0;
	munmap(probe, (size_t)page);
	if (!can) {
		support_skip("this kernel cannot bring pages in ahead (MADV_POPULATE_WRITE, Linux 5.14)");
		return;
	}
	trace_reset();
	trace_task_t t = trace_task_new("t", KIND_THREAD, NULL);
	trace_state(t, STATE_RUNNING, NULL); /* this thread's ring is made */
	const int quarter = 32768;           /* a quarter of a segment, 1 MiB */
	long f0 = thread_faults();
	write_states(t, quarter);
	long cold = thread_faults() - f0;
	trace_drain(discard_cb, NULL);
	f0 = thread_faults();
	write_states(t, 2 * quarter); /* the next half of the segment */
	long ahead = thread_faults() - f0;
	f0 = thread_faults();
	write_states(t, 4 * quarter); /* the segment fills: the ring grows */
	long grown = thread_faults() - f0;
	struct collect c = {0};
	trace_drain(collect_cb, &c);
	ck_assert_uint_eq(c.n, 6 * (size_t)quarter);
	ck_assert_uint_eq(trace_dropped(), 0);
	/* Fresh memory: about a fault per page (256); then twice and four
	 * times as many events, which would take twice and four times the
	 * faults, take next to none. */
	ck_assert_msg(cold >= 128, "the first quarter took %ld page faults", cold);
	ck_assert_msg(ahead * 8 <= cold, "%ld faults after the drain (%ld before)", ahead, cold);
	ck_assert_msg(grown * 8 <= cold, "%ld faults growing (%ld before the drain)", grown, cold);
	collect_free(&c);
}
END_TEST

/* Slack for the counter's conversion: a calibration point's reading error. */
#define STAMP_SLACK_NS (50 * NS_PER_US)

static void assert_within(uint64_t t, uint64_t lo, uint64_t hi)
{
	ck_assert_msg(t + STAMP_SLACK_NS >= lo && t <= hi + STAMP_SLACK_NS,
	              "stamp %llu outside [%llu, %llu]", (unsigned long long)t, (unsigned long long)lo,
	              (unsigned long long)hi);
}

/* Whatever the clock (the counter, or CLOCK_MONOTONIC), a drained event
 * reads lesson time: what clock_now_ns said when it was written, in a
 * slowed-down run, and for an event from before a pause that has ended by
 * the time of the drain. */
START_TEST(stamps_read_lesson_time)
{
	int mode = _i;
	if (mode == 1 && !tsc_available())
		return; /* no invariant counter here: nothing to check */
	ck_assert_int_eq(tsc_use(mode), mode);
	ck_assert_str_eq(trace_clock(), mode ? "tsc" : "monotonic");
	trace_reset();
	pace_begin(0.5);
	trace_task_t t = trace_task_new("t", KIND_THREAD, NULL);
	/* Longer than the pause below, which would otherwise be hidden by the
	 * clock's start. */
	struct timespec ts = {0, 60 * 1000 * 1000};
	nanosleep(&ts, NULL);
	uint64_t a0 = clock_now_ns();
	trace_state(t, STATE_RUNNING, NULL);
	uint64_t a1 = clock_now_ns();
	pace_pause();
	ts.tv_nsec = 30 * 1000 * 1000;
	nanosleep(&ts, NULL);
	pace_resume();
	uint64_t b0 = clock_now_ns();
	trace_state(t, STATE_IO, NULL);
	uint64_t b1 = clock_now_ns();
	struct collect c = {0};
	trace_drain(collect_cb, &c);
	pace_end();
	ck_assert_uint_eq(c.n, 2);
	assert_within(c.rec[0].t_ns, a0, a1);
	assert_within(c.rec[1].t_ns, b0, b1);
	collect_free(&c);
}
END_TEST

START_TEST(disabled_records_nothing)
{
	trace_reset();
	trace_task_t t = trace_task_new("t", KIND_THREAD, NULL);
	trace_enable(0);
	trace_state(t, STATE_RUNNING, NULL);
	trace_mark(t, "x");
	trace_enable(1);
	struct collect c = {0};
	ck_assert_uint_eq(trace_drain(collect_cb, &c), 0);
	collect_free(&c);
}
END_TEST

START_TEST(child_process_ring)
{
	trace_reset();
	trace_task_t t = trace_task_new("child", KIND_PROCESS, NULL);
	int fd = trace_shm_ring_new();
	uint64_t t0 = clock_now_ns();
	ck_assert_int_ge(fd, 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* A real child would be exec'd with the fd inherited; fork keeps
		 * the fd, which is what matters here. */
		if (trace_shm_attach(fd) != 0)
			_exit(3);
		trace_bind(t);
		for (int i = 0; i < 100; i++)
			trace_state_at(t, STATE_RUNNING, i + 1, NULL);
		trace_markf(t, "child %d", (int)getpid());
		trace_end(t);
		_exit(0);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	uint64_t t1 = clock_now_ns();
	close(fd);
	struct collect c = {0};
	trace_drain(collect_cb, &c);
	ck_assert_uint_eq(c.n, 103);
	/* The child stamped with our clock; we turned its stamps into ours. */
	for (size_t i = 0; i < c.n; i++)
		assert_within(c.rec[i].t_ns, t0, t1);
	ck_assert_int_eq(c.rec[0].type, TRACE_EV_BIND);
	ck_assert_int_eq((pid_t)c.rec[0].a, pid);
	char want[32];
	snprintf(want, sizeof(want), "child %d", (int)pid);
	ck_assert_str_eq(c.rec[101].text, want);
	collect_free(&c);
	trace_reset(); /* unmaps the shared ring */
}
END_TEST

/* The parent trusts nothing a child writes into its ring: bad types,
 * states, tasks, text lengths and times are refused one by one and
 * counted; a head that cannot be ends the ring; text loses its control
 * characters. It once crashed the parent or drove it to 12 GB. */
START_TEST(hostile_child_ring)
{
	trace_reset();
	trace_task_t a = trace_task_new("a", KIND_PROCESS, NULL), b = trace_task_new("b", KIND_PROCESS, NULL);
	int fd = trace_shm_ring_new();
	ck_assert_int_ge(fd, 0);
	uint64_t now = clock_now_ns(), dropped0 = trace_dropped();
	struct trace_event ev[12];
	memset(ev, 0, sizeof(ev));
	for (int i = 0; i < 12; i++) {
		ev[i].t_ns = now;
		ev[i].task = a;
		ev[i].type = TRACE_EV_MARK;
	}
	ev[0].text_len = 6; /* what a slot holds */
	memcpy(ev[0].text, "ok\033[2J", 6); /* an escape sequence */
	ev[1].type = 99;
	ev[2].type = TRACE_EV_STATE;
	ev[2].state = 200;
	ev[3].task = 5000;
	ev[4].task = -7;
	ev[5].t_ns = UINT64_MAX / 2; /* from the far future */
	ev[6].type = TRACE_EV_PREEMPT; /* the sampler's, never a child's */
	ev[7].type = TRACE_EV_END;
	ev[7].task = b;
	ev[8].type = TRACE_EV_WAKE; /* a woken by b: fine */
	ev[8].a = (uint32_t)b;
	ev[9].type = TRACE_EV_WAKE; /* by a task there is not */
	ev[9].a = 5000;
	ev[10].type = TRACE_EV_WAKE; /* by itself */
	ev[10].a = (uint32_t)a;
	ev[11].type = TRACE_EV_END; /* an end that is none */
	ev[11].a = TASK_END_COUNT;
	ck_assert_int_eq(trace_shm_forge(fd, ev, 12, 0), 0);
	struct collect c = {0};
	trace_drain(collect_cb, &c);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_int_eq(c.rec[0].task, a);
	ck_assert_str_eq(c.rec[0].text, "ok?[2J");
	ck_assert_int_eq(c.rec[1].type, TRACE_EV_END);
	ck_assert_int_eq(c.rec[1].task, b);
	ck_assert_int_eq(c.rec[2].type, TRACE_EV_WAKE);
	ck_assert_uint_eq(c.rec[2].a, (uint32_t)b);
	ck_assert_uint_eq(trace_dropped() - dropped0, 9);

	/* A text that says it runs past the head (a real child publishes a
	 * text whole), and in another ring a head a terabyte on: each ring is
	 * given up, counted once, and read no more. */
	struct trace_event longer = ev[0];
	longer.text_len = TRACE_TEXT_MAX; /* wants 8 slots, 1 published */
	ck_assert_int_eq(trace_shm_forge(fd, &longer, 1, 0), 0);
	int fd2 = trace_shm_ring_new();
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(trace_shm_forge(fd2, NULL, 0, UINT64_C(1) << 40), 0);
	c.n = 0;
	trace_drain(collect_cb, &c);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_int_eq(trace_shm_forge(fd, ev, 1, 0), 0);
	ck_assert_int_eq(trace_shm_forge(fd2, ev, 1, 0), 0);
	trace_drain(collect_cb, &c);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_uint_eq(trace_dropped() - dropped0, 11);
	close(fd);
	close(fd2);
	collect_free(&c);
	trace_reset();
}
END_TEST

/* trace_wake records the woken task, its waker in a and the cause;
 * trace_end_as how the task ended in a; a wake by no task or by itself
 * records nothing. */
START_TEST(wakes_and_ends_as_recorded)
{
	trace_reset();
	trace_task_t a = trace_task_new("a", KIND_COROUTINE, NULL), b = trace_task_new("b", KIND_COROUTINE, NULL);
	trace_wake(a, b, "put an item");
	trace_wake(a, a, "itself");
	trace_wake(a, TRACE_NO_TASK, "a timer");
	trace_end_as(a, TASK_END_CANCELLED);
	trace_end(b);
	struct collect c = {0};
	trace_drain(collect_cb, &c);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_int_eq(c.rec[0].type, TRACE_EV_WAKE);
	ck_assert_int_eq(c.rec[0].task, a);
	ck_assert_uint_eq(c.rec[0].a, (uint32_t)b);
	ck_assert_str_eq(c.rec[0].text, "put an item");
	ck_assert_int_eq(c.rec[1].type, TRACE_EV_END);
	ck_assert_uint_eq(c.rec[1].a, TASK_END_CANCELLED);
	ck_assert_int_eq(c.rec[2].type, TRACE_EV_END);
	ck_assert_uint_eq(c.rec[2].a, TASK_END_FINISHED);
	collect_free(&c);
	trace_reset();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("recorder");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, order_within_a_thread);
	tcase_add_test(tc, wakes_and_ends_as_recorded);
	tcase_add_test(tc, long_texts_survive_whole);
	tcase_add_test(tc, many_threads_at_once);
	tcase_add_test(tc, full_ring_grows);
	tcase_add_test(tc, full_budget_is_counted);
	tcase_add_test(tc, drain_brings_pages_in_ahead);
	tcase_add_loop_test(tc, stamps_read_lesson_time, 0, 2);
	tcase_add_test(tc, disabled_records_nothing);
	tcase_add_test(tc, child_process_ring);
	tcase_add_test(tc, hostile_child_ring);
	suite_add_tcase(s, tc);
	return support_main(s);
}
