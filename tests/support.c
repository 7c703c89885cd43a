/*
 * support.c: running demos in tests, and timeline invariants.
 */
#include "support.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "app.h"
#include "clock.h"
#include "load.h"
#include "feed.h"
#include "trace.h"

/* Before main: a test binary is never a worker. Started as one (by a bug
 * that execs the running program to make a worker) it says so and exits at
 * once instead of running its whole suite again, which would start more
 * workers in turn. Otherwise it notes that it is not simul, so workers come
 * from the simul binary only (run_self_exe). glibc passes main's arguments
 * to constructors. */
__attribute__((constructor)) static void support_not_a_worker(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--worker") == 0) {
		fprintf(stderr, "%s: a test program is not simul and runs no --worker; workers are started "
		                "from the simul binary\n", argv[0]);
		_exit(2);
	}
	run_process_init(0);
}

struct sync_run {
	uv_timer_t drain;
	struct model *model;
};

static void sync_drain(uv_timer_t *t)
{
	struct sync_run *s = t->data;
	feed_drain(s->model, clock_now_ns());
}

static void sync_done(struct run *run, void *arg)
{
	struct sync_run *s = arg;
	(void)run;
	uv_close((uv_handle_t *)&s->drain, NULL);
}

/* A fresh run of demo `name` with parameters `sets`, or fails the test. */
static void prepare(struct run *run, const char *name, const char *const *sets)
{
	struct app_options o = {.demo = name};
	for (int i = 0; sets != NULL && sets[i] != NULL && i < APP_MAX_SETS; i++)
		o.sets[o.nsets++] = sets[i];
	ck_assert_msg(app_prepare_run(run, &o) == 0, "could not prepare %s", name);
}

struct model *support_run_demo(const char *name, const char *const *sets, struct run *run)
{
	prepare(run, name, sets);

	uv_loop_t loop;
	struct sync_run s;
	uv_loop_init(&loop);
	s.model = feed_start();
	uv_timer_init(&loop, &s.drain);
	s.drain.data = &s;
	uv_timer_start(&s.drain, sync_drain, 20, 20);
	ck_assert_int_eq(run_start(run, &loop, sync_done, &s), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	app_run_end(run, s.model);
	uv_run(&loop, UV_RUN_NOWAIT);
	uv_loop_close(&loop);
	ck_assert_msg(run->status == 0, "%s failed: %s", name, run->error);
	return s.model;
}

void support_feed(struct model *m, uint64_t t, enum trace_ev_type type, int task, int state, int line,
                  uint32_t a, uint32_t b, const char *text)
{
	struct trace_record r = {.t_ns = t, .task = task, .type = type, .state = (enum state)state,
	                         .line = line, .a = a, .b = b, .text = text ? text : "",
	                         .text_len = text ? strlen(text) : 0};
	model_ingest(m, &r);
}

int support_task(const struct model *m, const char *name)
{
	for (size_t i = 0; i < model_task_count(m); i++)
		if (strcmp(model_task(m, i)->name, name) == 0)
			return (int)i;
	return -1;
}

void support_check_invariants(const struct model *m, int require_end, double tolerance)
{
	for (size_t i = 0; i < model_task_count(m); i++) {
		const struct model_task *t = model_task(m, i);
		size_t n = model_span_count(m, i);
		if (n == 0)
			continue;
		if (require_end)
			ck_assert_msg(t->end_ns != 0, "task %s never ended", t->name);
		uint64_t prev_end = 0;
		for (size_t k = 0; k < n; k++) {
			struct model_span s;
			ck_assert_int_eq(model_span_get(m, i, k, &s), 0);
			ck_assert_msg(s.end_ns >= s.start_ns, "task %s span %zu ends before it starts", t->name, k);
			ck_assert_msg(s.start_ns >= prev_end, "task %s span %zu overlaps the one before", t->name,
			              k);
			prev_end = s.end_ns;
		}
		if (t->end_ns != 0) {
			uint64_t tot[STATE_COUNT], sum = 0;
			model_task_totals(m, i, tot);
			for (int s = 0; s < STATE_COUNT; s++)
				sum += tot[s];
			uint64_t life = t->end_ns - t->start_ns;
			double diff = (double)(sum > life ? sum - life : life - sum);
			ck_assert_msg(diff <= tolerance * (double)life + 1000.0,
			              "task %s: states add up to %llu ns, life is %llu ns", t->name,
			              (unsigned long long)sum, (unsigned long long)life);
		}
	}
}

#define STOPPER_POLL_MS 5

struct stopper {
	uv_timer_t timer;
	struct run *run;
	struct model *model;
	const char *task;   /* wait for a task of this name; NULL: none */
	uint64_t after_ns;  /* then this long */
	uint64_t armed_ns;  /* when the task appeared */
	uint64_t asked_ns, done_ns;
};

/* Every STOPPER_POLL_MS: has the task been registered, and has after_ns
 * passed since? Then ask the demo to stop. */
static void stopper_poll(uv_timer_t *t)
{
	struct stopper *s = t->data;
	uint64_t now = clock_now_ns();
	feed_drain(s->model, now);
	if (s->armed_ns == 0 && (s->task == NULL || support_task(s->model, s->task) >= 0))
		s->armed_ns = now;
	if (s->armed_ns == 0 || now - s->armed_ns < s->after_ns)
		return;
	uv_timer_stop(t);
	s->asked_ns = now;
	run_request_stop(s->run);
}

static void stopper_done(struct run *run, void *arg)
{
	struct stopper *s = arg;
	(void)run;
	s->done_ns = clock_now_ns();
	uv_close((uv_handle_t *)&s->timer, NULL);
}

double support_stop_when(const char *name, const char *const *sets, const char *task, uint64_t after_ms,
                         char *error, size_t error_len)
{
	struct run run;
	uv_loop_t loop;
	prepare(&run, name, sets);
	uv_loop_init(&loop);
	struct stopper s = {.run = &run, .model = feed_start(), .task = task, .after_ns = after_ms * NS_PER_MS};
	uv_timer_init(&loop, &s.timer);
	s.timer.data = &s;
	uv_timer_start(&s.timer, stopper_poll, STOPPER_POLL_MS, STOPPER_POLL_MS);
	ck_assert_int_eq(run_start(&run, &loop, stopper_done, &s), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	app_run_end(&run, s.model);
	uv_run(&loop, UV_RUN_NOWAIT);
	uv_loop_close(&loop);
	model_free(s.model);
	if (error != NULL && error_len > 0)
		snprintf(error, error_len, "%s", run.error);
	run_destroy(&run);
	if (s.asked_ns == 0)
		return -1;
	return (double)(s.done_ns - s.asked_ns) / 1e6;
}

double support_stop_after(const char *name, const char *const *sets, uint64_t after_ms, char *error,
                          size_t error_len)
{
	return support_stop_when(name, sets, NULL, after_ms, error, error_len);
}

int support_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int support_children(pid_t *out, int max, const char *cmd_has)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512];
		int pid = atoi(e->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		size_t k = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[k] = '\0';
		char *rp = strrchr(buf, ')');
		char st;
		int ppid;
		if (rp == NULL || sscanf(rp + 1, " %c %d", &st, &ppid) != 2 || ppid != getpid())
			continue;
		if (cmd_has != NULL) {
			snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
			f = fopen(path, "r");
			if (f == NULL)
				continue;
			k = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			for (size_t i = 0; i < k; i++)
				if (buf[i] == '\0')
					buf[i] = ' ';
			buf[k] = '\0';
			if (strstr(buf, cmd_has) == NULL)
				continue;
		}
		if (n < max)
			out[n] = pid;
		n++;
	}
	closedir(d);
	return n;
}

void support_assert_nothing_left(void)
{
	ck_assert_int_eq(support_children(NULL, 0, NULL), 0);
	trace_reset();
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		ck_assert_msg(strstr(line, "simul-ring") == NULL, "ring still mapped: %s", line);
	fclose(f);
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		char path[300], target[300];
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t k = readlink(path, target, sizeof(target) - 1);
		if (k <= 0)
			continue;
		target[k] = '\0';
		ck_assert_msg(strstr(target, "simul-ring") == NULL, "ring fd still open: %s", target);
	}
	closedir(d);
	d = opendir("/dev/shm");
	if (d != NULL) {
		while ((e = readdir(d)) != NULL)
			ck_assert_msg(strstr(e->d_name, "simul") == NULL, "left in /dev/shm: %s", e->d_name);
		closedir(d);
	}
}

int support_has_mark(const struct model *m, int task, const char *text)
{
	for (size_t k = 0; k < model_mark_count(m); k++) {
		struct model_mark mk;
		model_mark_get(m, k, &mk);
		if ((task < 0 || mk.task == task) && strstr(mk.text, text) != NULL)
			return 1;
	}
	return 0;
}

int support_lane_has_mark(const struct model *m, const char *name, const char *text)
{
	int t = support_task(m, name);
	ck_assert_msg(t >= 0, "no lane %s", name);
	return support_has_mark(m, t, text);
}

const char *support_text_result(struct run *run, const char *key)
{
	for (int i = 0; i < run->nresults; i++)
		if (strcmp(run->results[i].key, key) == 0 && run->results[i].is_text)
			return run->results[i].text;
	ck_abort_msg("text result '%s' missing", key);
	return NULL;
}

double support_result(struct run *run, const char *key)
{
	double v = 0;
	ck_assert_msg(run_result_get(run, key, &v) == 0, "result '%s' missing", key);
	return v;
}

int support_main(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

void support_skip_(const char *test, const char *fmt, ...)
{
	char name[128], why[512];
	va_list ap;
	/* START_TEST(x) defines x_fn. */
	snprintf(name, sizeof(name), "%s", test);
	size_t n = strlen(name);
	if (n > 3 && strcmp(name + n - 3, "_fn") == 0)
		name[n - 3] = '\0';
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* One write, so that lines of tests running at once never mix. */
	char line[700];
	int k = snprintf(line, sizeof(line), "SKIP: %s: %s\n", name, why);
	if (k > 0)
		fwrite(line, 1, (size_t)k < sizeof(line) ? (size_t)k : sizeof(line) - 1, stdout);
	fflush(stdout);
}

void support_load_start(struct support_load *l)
{
	/* Our own CPU: this process and the children it reaped (a demo's
	 * workers are reaped by the time support_run_demo returns). */
	load_snap_take(&l->at, NULL, 0);
}

double support_load_other(const struct support_load *l)
{
	struct load_snap now;
	load_snap_take(&now, NULL, 0);
	return load_other(&l->at, &now);
}
