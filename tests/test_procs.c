/*
 * test_procs.c: the worker-process library on its own: workers of another
 * module than processes (race's pool workers), one job queue shared as
 * every worker's fd 0, each job taken by exactly one worker, children left
 * out of the run's panel when asked, and every child reaped.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "feed.h"
#include "procs.h"
#include "support.h"

#define WORKERS 2
#define JOBS 6

START_TEST(shared_queue_other_module_no_panel)
{
	const struct demo_module *mod;
	const struct demo *d = registry_find("processes/workers", &mod);
	ck_assert_ptr_nonnull(d);
	struct run run;
	run_init(&run, mod, d);
	trace_reset();
	struct model *m = model_new(0);

	int q[2];
	ck_assert_int_eq(pipe(q), 0);
	for (int i = 0; i < JOBS; i++) {
		unsigned char b = (unsigned char)i;
		ck_assert_int_eq(write(q[1], &b, 1), 1);
	}
	close(q[1]);

	struct procs_set s;
	ck_assert_int_eq(procs_set_init(&s, &run), 0);
	struct procs_spawn_options o = {.module = "race", .stdin_fd = q[0], .stdout_fd = -1, .no_panel = 1};
	for (int i = 0; i < WORKERS; i++) {
		char name[16], task[16];
		snprintf(name, sizeof(name), "w%d", i);
		trace_task_t t = trace_task_new(name, KIND_PROCESS, NULL);
		snprintf(task, sizeof(task), "%d", (int)t);
		/* race pool worker: TASK UNITS SLICE IO_MS PORT LINE_CPU LINE_IO */
		const char *args[] = {"pool", task, "0", "1", "0", "0", "0", "0", NULL};
		ck_assert_int_eq(procs_spawn_with(&s, t, name, &o, args), i);
	}
	close(q[0]);
	procs_wait_all(&s);
	ck_assert_int_eq(s.alive, 0);
	ck_assert_int_eq(s.crashed, 0);
	for (int i = 0; i < WORKERS; i++) {
		ck_assert_int_eq(s.kids[i].exited, 1);
		ck_assert_int_eq(s.kids[i].status, 0);
		ck_assert_int_eq(s.kids[i].signal, 0);
	}
	procs_set_close(&s);
	ck_assert_int_eq(run.panel_lines, 0);

	/* Every job was done once, by one worker or the other. */
	feed_finish(m, 0);
	int seen[JOBS] = {0};
	for (size_t k = 0; k < model_mark_count(m); k++) {
		struct model_mark mk;
		int job;
		ck_assert_int_eq(model_mark_get(m, k, &mk), 0);
		if (sscanf(mk.text, "job %d done", &job) == 1 && job >= 0 && job < JOBS)
			seen[job]++;
	}
	for (int i = 0; i < JOBS; i++)
		ck_assert_msg(seen[i] == 1, "job %d done %d times", i, seen[i]);
	for (int i = 0; i < WORKERS; i++)
		ck_assert_uint_gt(model_task(m, (size_t)i)->end_ns, 0);
	model_free(m);
	run_destroy(&run);
}
END_TEST

START_TEST(default_spawn_lists_children_in_the_panel)
{
	const struct demo_module *mod;
	const struct demo *d = registry_find("processes/workers", &mod);
	struct run run;
	run_init(&run, mod, d);
	trace_reset();
	struct procs_set s;
	ck_assert_int_eq(procs_set_init(&s, &run), 0);
	trace_task_t t = trace_task_new("w", KIND_PROCESS, NULL);
	char task[16];
	snprintf(task, sizeof(task), "%d", (int)t);
	/* A race pool worker with no queue (fd 0 closed) finds no job and ends. */
	const char *args[] = {"pool", task, "0", "1", "0", "0", "0", "0", NULL};
	struct procs_spawn_options o = {.module = "race", .stdin_fd = -1, .stdout_fd = -1};
	ck_assert_int_eq(procs_spawn_with(&s, t, "w", &o, args), 0);
	procs_wait_all(&s);
	procs_set_close(&s);
	ck_assert_int_eq(s.crashed, 0);
	ck_assert_int_eq(run.panel_lines, 2); /* heading and the one child */
	ck_assert(strstr(run.panel[1], "exited, status 0") != NULL);
	run_destroy(&run);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("procs");
	TCase *tc = tcase_create("procs");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, shared_queue_other_module_no_panel);
	tcase_add_test(tc, default_spawn_lists_children_in_the_panel);
	suite_add_tcase(s, tc);
	return support_main(s);
}
