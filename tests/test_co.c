/*
 * test_co.c: the coroutine library on its own: task stacks survive
 * suspension on the shared run stack, each await is the real operation
 * (timer, TCP, file, pool thread), and gather, as_completed, semaphores and
 * generators keep their promises.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "clock.h"
#include "co.h"
#include "httpd.h"
#include "support.h"
#include "trace.h"

static struct run test_run;

static struct co_loop *loop_make_with(const struct co_loop_options *opt)
{
	struct app_options o = {.demo = "loop/sleep"};
	ck_assert_int_eq(app_prepare_run(&test_run, &o), 0);
	trace_reset();
	struct co_loop *l = co_loop_new(&test_run, opt);
	ck_assert_ptr_nonnull(l);
	return l;
}

static struct co_loop *loop_make(int many)
{
	return loop_make_with(&(struct co_loop_options){.many = many});
}

static void loop_done(struct co_loop *l)
{
	co_loop_free(l);
	run_destroy(&test_run);
}

/* ---- stacks ---- */

static int stack_ok;
/* Awaits each task came back from, by its own count. A task resumed on
 * another's stack would bump the other's count: every frame on a shared
 * stack is self-consistent, so only a tally outside it can tell. */
static int stack_hits[300];

static int deep_await(struct co_task *task, int depth, unsigned seed)
{
	/* volatile: the compiler must really read these bytes back from the
	 * stack after the await, not reuse what it knows it wrote. */
	volatile char pad[256];
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = (char)(seed + (unsigned)depth);
	if (depth == 0) {
		if (co_sleep(task, seed % 5, 0) != 0)
			return 0;
	} else if (!deep_await(task, depth - 1, seed)) {
		return 0;
	}
	for (size_t i = 0; i < sizeof(pad); i++)
		if (pad[i] != (char)(seed + (unsigned)depth))
			return 0;
	return 1;
}

static void stack_task(struct co_task *task, void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	volatile char buf[2048];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(id * 7 + i);
	for (int round = 0; round < 5; round++) {
		if (!deep_await(task, round, id + (unsigned)round))
			return;
		stack_hits[id]++;
		for (size_t i = 0; i < sizeof(buf); i++)
			if (buf[i] != (char)(id * 7 + i))
				return;
	}
	stack_ok++;
}

START_TEST(stacks_survive_suspension)
{
	struct co_loop *l = loop_make(1);
	stack_ok = 0;
	memset(stack_hits, 0, sizeof(stack_hits));
	for (unsigned i = 0; i < 300; i++)
		ck_assert_ptr_nonnull(
			co_create_task(l, NULL, "t", "stack", stack_task, (void *)(uintptr_t)i));
	ck_assert_int_eq(co_loop_run(l), 0);
	ck_assert_int_eq(stack_ok, 300);
	for (int i = 0; i < 300; i++)
		ck_assert_int_eq(stack_hits[i], 5);
	loop_done(l);
}
END_TEST

/* ---- to_thread ---- */

static pthread_t worker_thread;
static int ticks_during, offload_done;

static void offload_fn(void *arg)
{
	(void)arg;
	worker_thread = pthread_self();
	usleep(150 * 1000);
}

static void offload_task(struct co_task *task, void *arg)
{
	(void)arg;
	ck_assert_int_eq(co_to_thread(task, offload_fn, NULL, "usleep", 0), 0);
	offload_done = 1;
}

static void tick_task(struct co_task *task, void *arg)
{
	(void)arg;
	for (int i = 0; i < 30 && !offload_done; i++) {
		co_sleep(task, 10, 0);
		if (!offload_done)
			ticks_during++;
	}
}

START_TEST(to_thread_runs_on_pool_while_loop_goes_on)
{
	struct co_loop *l = loop_make(0);
	ticks_during = offload_done = 0;
	co_create_task(l, NULL, "offload", NULL, offload_task, NULL);
	co_create_task(l, NULL, "ticker", NULL, tick_task, NULL);
	ck_assert_int_eq(co_loop_run(l), 0);
	ck_assert(!pthread_equal(worker_thread, pthread_self()));
	/* 150 ms of offloaded work, 10 ms ticks: generous lower bound. */
	ck_assert_int_ge(ticks_during, 5);
	loop_done(l);
}
END_TEST

/* ---- read_file ---- */

static char file_path[64];
static char file_got[256];
static ssize_t file_n;

static void read_task(struct co_task *task, void *arg)
{
	(void)arg;
	file_n = co_read_file(task, file_path, file_got, sizeof(file_got), 0);
}

START_TEST(read_file_reads_through_uv_fs)
{
	snprintf(file_path, sizeof(file_path), "/tmp/simul_co_XXXXXX");
	int fd = mkstemp(file_path);
	ck_assert_int_ge(fd, 0);
	const char text[] = "await read_file: real bytes";
	ck_assert_int_eq(write(fd, text, sizeof(text)), (ssize_t)sizeof(text));
	close(fd);
	struct co_loop *l = loop_make(0);
	co_create_task(l, NULL, "reader", NULL, read_task, NULL);
	ck_assert_int_eq(co_loop_run(l), 0);
	unlink(file_path);
	ck_assert_int_eq(file_n, (ssize_t)sizeof(text));
	ck_assert_str_eq(file_got, text);
	/* A missing file is an error, not a crash. */
	co_create_task(l, NULL, "reader", NULL, read_task, NULL);
	ck_assert_int_eq(co_loop_run(l), 0);
	ck_assert_int_lt(file_n, 0);
	loop_done(l);
}
END_TEST

/* ---- semaphore ---- */

static struct co_sem sem;
static int in_flight, max_in_flight, sem_finished;

static void sem_task(struct co_task *task, void *arg)
{
	(void)arg;
	ck_assert_int_eq(co_sem_acquire(task, &sem, 0), 0);
	if (++in_flight > max_in_flight)
		max_in_flight = in_flight;
	co_sleep(task, 5, 0);
	in_flight--;
	co_sem_release(&sem);
	sem_finished++;
}

START_TEST(semaphore_caps_tasks_in_flight)
{
	struct co_loop *l = loop_make(1);
	in_flight = max_in_flight = sem_finished = 0;
	co_sem_init(&sem, 5, "waiting for a slot");
	for (int i = 0; i < 50; i++)
		co_create_task(l, NULL, "t", "sem", sem_task, NULL);
	ck_assert_int_eq(co_loop_run(l), 0);
	ck_assert_int_eq(max_in_flight, 5);
	ck_assert_int_eq(sem_finished, 50);
	loop_done(l);
}
END_TEST

/* ---- get ---- */

static int get_port, get_rc;
static size_t get_bytes;

static void get_task(struct co_task *task, void *arg)
{
	get_rc = co_get(task, get_port, (const char *)arg, 0, &get_bytes);
}

START_TEST(get_fetches_over_tcp)
{
	struct httpd *h = NULL;
	ck_assert_int_eq(httpd_start(&h, NULL), 0);
	get_port = httpd_port(h);
	struct co_loop *l = loop_make(0);
	co_create_task(l, NULL, "get", NULL, get_task, "/bytes/5000");
	ck_assert_int_eq(co_loop_run(l), 0);
	ck_assert_int_eq(get_rc, 0);
	ck_assert_uint_eq(get_bytes, 5000);
	ck_assert_uint_eq(httpd_requests(h), 1);
	/* Another path, then the first again: each GET asks for its own. */
	co_create_task(l, NULL, "get", NULL, get_task, "/bytes/50");
	ck_assert_int_eq(co_loop_run(l), 0);
	ck_assert_uint_eq(get_bytes, 50);
	co_create_task(l, NULL, "get", NULL, get_task, "/bytes/500");
	ck_assert_int_eq(co_loop_run(l), 0);
	ck_assert_uint_eq(get_bytes, 500);
	co_create_task(l, NULL, "get", NULL, get_task, "/bytes/5000");
	ck_assert_int_eq(co_loop_run(l), 0);
	ck_assert_uint_eq(get_bytes, 5000);
	httpd_stop(h);
	/* Nobody listens any more: the error comes back, nothing hangs. */
	co_create_task(l, NULL, "get", NULL, get_task, "/bytes/5000");
	ck_assert_int_eq(co_loop_run(l), 0);
	ck_assert_int_lt(get_rc, 0);
	loop_done(l);
}
END_TEST

/* A server that answers and keeps the connection open (3 s at most, or
 * until the client hangs up): the GET is done at the last byte its
 * Content-Length gives, not at an end of stream. */
static void *keep_open_server(void *arg)
{
	int l = *(int *)arg;
	for (int k = 0; k < 2; k++) {
		int fd = accept(l, NULL, NULL);
		char buf[512];
		if (fd >= 0 && recv(fd, buf, sizeof(buf), 0) > 0) {
			static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
			send(fd, reply, sizeof(reply) - 1, MSG_NOSIGNAL);
			struct pollfd p = {.fd = fd, .events = POLLIN};
			poll(&p, 1, 3000);
		}
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

START_TEST(get_ends_at_content_length)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof(a);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(l, 4), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &al), 0);
	get_port = ntohs(a.sin_port);
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, keep_open_server, &l), 0);
	for (int eager = 0; eager < 2; eager++) { /* asyncio's order, then eager */
		struct co_loop *lp = loop_make_with(&(struct co_loop_options){.eager_send = eager});
		co_create_task(lp, NULL, "get", NULL, get_task, "/bytes/5");
		uint64_t t0 = clock_now_ns();
		ck_assert_int_eq(co_loop_run(lp), 0);
		double ms = (double)(clock_now_ns() - t0) / 1e6;
		ck_assert_int_eq(get_rc, 0);
		ck_assert_uint_eq(get_bytes, 5);
		ck_assert_msg(ms < 2000, "the GET took %.0f ms: it waited for the end of the stream", ms);
		loop_done(lp);
	}
	pthread_join(th, NULL);
	close(l);
}
END_TEST

/* With eager_send a GET's request leaves in its task's own turn; in
 * asyncio's order it waits for the loop to see the connection made, after
 * every task of that turn. A task that holds the loop 300 ms after a GET
 * of 200 ms latency shows which: the reply is there when the loop is free
 * (about 300 ms), or the latency only starts then (500 ms and more). */
static double get_done_ms;
static uint64_t get_t0;

static void get_timed_task(struct co_task *task, void *arg)
{
	get_rc = co_get(task, get_port, "/bytes/100?latency_ms=200", 0, &get_bytes);
	get_done_ms = (double)(clock_now_ns() - get_t0) / 1e6;
}

static void hold_loop_task(struct co_task *task, void *arg)
{
	(void)task;
	(void)arg;
	struct timespec ts = {0, 300 * 1000 * 1000};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static double get_while_loop_held(int eager)
{
	struct co_loop *l = loop_make_with(&(struct co_loop_options){.eager_send = eager});
	co_create_task(l, NULL, "get", NULL, get_timed_task, NULL);
	co_create_task(l, NULL, "hold", NULL, hold_loop_task, NULL);
	get_t0 = clock_now_ns();
	ck_assert_int_eq(co_loop_run(l), 0);
	ck_assert_int_eq(get_rc, 0);
	ck_assert_uint_eq(get_bytes, 100);
	loop_done(l);
	return get_done_ms;
}

START_TEST(eager_send_starts_the_latency_in_the_turn)
{
	struct httpd *h = NULL;
	ck_assert_int_eq(httpd_start(&h, NULL), 0);
	get_port = httpd_port(h);
	double asyncio_order = get_while_loop_held(0);
	ck_assert_msg(asyncio_order >= 495, "asyncio's order: reply after %.1f ms, want 300 + 200", asyncio_order);
	double eager = get_while_loop_held(1);
	ck_assert_msg(eager >= 295 && eager < asyncio_order - 100,
	              "eager send: reply after %.1f ms, want about 300 (asyncio's order: %.1f)", eager, asyncio_order);
	/* Nobody listens: the error comes back by the eager path too. */
	httpd_stop(h);
	struct co_loop *l = loop_make_with(&(struct co_loop_options){.eager_send = 1});
	co_create_task(l, NULL, "get", NULL, get_task, "/bytes/5000");
	ck_assert_int_eq(co_loop_run(l), 0);
	ck_assert_int_lt(get_rc, 0);
	loop_done(l);
}
END_TEST

/* ---- gather and as_completed ---- */

struct sleeper {
	uint64_t ms;
};
static struct sleeper sleepers[3] = {{60}, {20}, {40}};
static uint64_t gather_ms;
static int order[3];

static void sleeper_task(struct co_task *task, void *arg)
{
	co_sleep(task, ((struct sleeper *)arg)->ms, 0);
}

static void parent_task(struct co_task *task, void *arg)
{
	struct co_loop *l = arg;
	struct co_task *t[3];
	for (int i = 0; i < 3; i++)
		t[i] = co_create_task(l, task, "s", NULL, sleeper_task, &sleepers[i]);
	uint64_t t0 = clock_now_ns();
	co_gather(task, t, 3, 0);
	gather_ms = (clock_now_ns() - t0) / 1000000;
	for (int i = 0; i < 3; i++)
		ck_assert(co_task_done(t[i]));

	for (int i = 0; i < 3; i++)
		t[i] = co_create_task(l, task, "s", NULL, sleeper_task, &sleepers[i]);
	unsigned char taken[3] = {0};
	for (int k = 0; k < 3; k++)
		order[k] = co_next_completed(task, t, taken, 3, 0);
	ck_assert_int_lt(co_next_completed(task, t, taken, 3, 0), 0);
}

START_TEST(gather_and_as_completed)
{
	struct co_loop *l = loop_make(0);
	co_create_task(l, NULL, "main", NULL, parent_task, l);
	ck_assert_int_eq(co_loop_run(l), 0);
	/* Gathered sleeps overlap: about the longest, not the sum (120). */
	ck_assert_uint_ge(gather_ms, 55);
	ck_assert_uint_lt(gather_ms, 110);
	ck_assert_int_eq(order[0], 1);
	ck_assert_int_eq(order[1], 2);
	ck_assert_int_eq(order[2], 0);
	loop_done(l);
}
END_TEST

/* ---- generators ---- */

static char gen_log[128];

static void gen_body(struct co_gen *g, void *arg)
{
	(void)arg;
	strcat(gen_log, "start;");
	const char *v;
	while ((v = co_gen_receive(g)) != NULL) {
		strcat(gen_log, v);
		strcat(gen_log, ";");
	}
	strcat(gen_log, "closed;");
}

START_TEST(generator_send_and_close)
{
	gen_log[0] = '\0';
	struct co_gen *g = co_gen_new(gen_body, NULL);
	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(gen_log, ""); /* creating it runs nothing */
	co_gen_send(g, NULL);
	ck_assert_str_eq(gen_log, "start;");
	co_gen_send(g, "a");
	co_gen_send(g, "b");
	ck_assert_str_eq(gen_log, "start;a;b;");
	co_gen_close(g);
	ck_assert_str_eq(gen_log, "start;a;b;closed;");
	co_gen_free(g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("co");
	TCase *tc = tcase_create("co");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, stacks_survive_suspension);
	tcase_add_test(tc, to_thread_runs_on_pool_while_loop_goes_on);
	tcase_add_test(tc, read_file_reads_through_uv_fs);
	tcase_add_test(tc, semaphore_caps_tasks_in_flight);
	tcase_add_test(tc, get_fetches_over_tcp);
	tcase_add_test(tc, eager_send_starts_the_latency_in_the_turn);
	tcase_add_test(tc, get_ends_at_content_length);
	tcase_add_test(tc, gather_and_as_completed);
	tcase_add_test(tc, generator_send_and_close);
	suite_add_tcase(s, tc);
	return support_main(s);
}
