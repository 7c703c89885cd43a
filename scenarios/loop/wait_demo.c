/*
 * wait_demo.c: loop/wait, tasks that end early: asyncio.wait with
 * FIRST_COMPLETED and the rest cancelled, wait_for cutting off a slow task
 * at its timeout, and a TaskGroup cancelling the siblings of a task that
 * failed.
 *
 * It mirrors wait.py. Each job is a co task that awaits a real libuv timer;
 * a cancel (co_sync.h) makes that await return at once, and the job does
 * what the Python's `except CancelledError` does: says so, then lets the
 * exception end it, so its lane ends as cancelled. Its lane's last mark
 * names how it ended: done, RuntimeError, or CancelledError.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "co.h"
#include "co_sync.h"
#include "loop/loop_int.h"
#include "run.h"
#include "trace.h"

#define LW_JOBS_MAX 16

enum lw_end { LW_PENDING, LW_RETURNED, LW_FAILED, LW_CANCELLED };

struct lw_job {
	char name[24];
	uint64_t ms;
	int fail;
	enum lw_end end;
	struct co_task *task;
};

struct lw_lines {
	int sleep, cancelled, fail, wait, cancel, wait_for, timeout, taskgroup, eg;
};

/* Tasks share one run stack: what they share lives here. */
static struct lw {
	struct run *run;
	struct co_loop *loop;
	struct lw_lines ln;
	struct lw_job jobs[LW_JOBS_MAX];
	int njobs;
	long cancelled;
	double first_ms, wait_for_ms, taskgroup_ms;
	int ok;
} lw;

static void lw_job_main(struct co_task *t, void *arg)
{
	struct lw_job *j = arg;
	trace_task_t id = co_task_id(t);
	if (co_sleep(t, j->ms, lw.ln.sleep) != 0) {
		if (run_stopping(lw.run))
			return;
		trace_state_at(id, STATE_RUNNING, lw.ln.cancelled, "except asyncio.CancelledError: print, raise");
		trace_markf(id, "%s: CancelledError", j->name);
		co_task_cancelled(t);
		j->end = LW_CANCELLED;
		return;
	}
	if (j->fail) {
		trace_state_at(id, STATE_RUNNING, lw.ln.fail, "raise RuntimeError");
		trace_markf(id, "%s: RuntimeError (%s failed)", j->name, j->name);
		j->end = LW_FAILED;
		return;
	}
	trace_markf(id, "%s: done after %llu ms", j->name, (unsigned long long)j->ms);
	j->end = LW_RETURNED;
}

static struct co_task *lw_spawn(struct co_task *parent, const char *name, uint64_t ms, int fail, const char *group)
{
	if (lw.njobs == LW_JOBS_MAX)
		return NULL;
	struct lw_job *j = &lw.jobs[lw.njobs++];
	snprintf(j->name, sizeof(j->name), "%s", name);
	j->ms = ms;
	j->fail = fail;
	j->end = LW_PENDING;
	j->task = co_create_task(lw.loop, parent, name, group, lw_job_main, j);
	return j->task;
}

static double lw_since(uint64_t t0)
{
	return (double)(clock_now_ns() - t0) / (double)NS_PER_MS;
}

/* 1. done, pending = await asyncio.wait(tasks, FIRST_COMPLETED) */
static int lw_first(struct co_task *t)
{
	struct co_task *tasks[LW_JOBS_MAX];
	int n = (int)run_int(lw.run, "tasks");
	uint64_t step = (uint64_t)run_int(lw.run, "step_ms");
	char name[24];
	trace_milestone("asyncio.wait(FIRST_COMPLETED), then cancel the rest");
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "fetch %d", i + 1);
		if ((tasks[i] = lw_spawn(t, name, step * (uint64_t)(i + 1), 0, "wait")) == NULL)
			return -1;
	}
	int first = co_wait_first(t, tasks, (size_t)n, 0, lw.ln.wait,
	                          "await asyncio.wait(tasks, return_when=FIRST_COMPLETED)");
	if (first < 0)
		return -1;
	lw.first_ms = lw_since(t0);
	trace_state_at(co_task_id(t), STATE_RUNNING, lw.ln.cancel, "t.cancel() for each pending task");
	for (int i = 0; i < n; i++)
		if (i != first)
			co_cancel(tasks[i]);
	return co_gather(t, tasks, (size_t)n, lw.ln.cancel);
}

/* 2. await asyncio.wait_for(job("slow"), timeout) */
static int lw_wait_for(struct co_task *t)
{
	uint64_t timeout = (uint64_t)run_int(lw.run, "timeout_ms");
	trace_milestone("asyncio.wait_for: a time limit");
	uint64_t t0 = clock_now_ns();
	struct co_task *slow = lw_spawn(t, "slow", (uint64_t)run_int(lw.run, "slow_ms"), 0, "wait_for");
	if (slow == NULL)
		return -1;
	int r = co_wait_first(t, &slow, 1, timeout, lw.ln.wait_for, "await asyncio.wait_for(slow, timeout)");
	if (r == -1) { /* time is up: cancel it and wait until it has ended */
		co_cancel(slow);
		if (co_gather(t, &slow, 1, lw.ln.wait_for) != 0)
			return -1;
		trace_state_at(co_task_id(t), STATE_RUNNING, lw.ln.timeout, "except TimeoutError");
		trace_markf(co_task_id(t), "wait_for: TimeoutError after %.0f ms", lw_since(t0));
	} else if (r < 0) {
		return -1;
	}
	lw.wait_for_ms = lw_since(t0);
	return 0;
}

/* 3. async with asyncio.TaskGroup() as tg: ... one task fails */
static int lw_taskgroup(struct co_task *t)
{
	uint64_t fail = (uint64_t)run_int(lw.run, "fail_ms");
	struct co_task *tasks[3];
	int first = lw.njobs, failed = 0;
	trace_milestone("asyncio.TaskGroup: one task fails, the others are cancelled");
	trace_state_at(co_task_id(t), STATE_RUNNING, lw.ln.taskgroup, "async with asyncio.TaskGroup() as tg");
	uint64_t t0 = clock_now_ns();
	tasks[0] = lw_spawn(t, "a", 2 * fail, 0, "taskgroup");
	tasks[1] = lw_spawn(t, "bad", fail, 1, "taskgroup");
	tasks[2] = lw_spawn(t, "c", 3 * fail, 0, "taskgroup");
	if (tasks[0] == NULL || tasks[1] == NULL || tasks[2] == NULL)
		return -1;
	for (;;) { /* the group's exit: wait for its tasks, one at a time */
		struct co_task *left[3];
		int n = 0;
		for (int i = 0; i < 3; i++)
			if (!co_task_done(tasks[i]))
				left[n++] = tasks[i];
		if (n == 0)
			break;
		if (co_wait_first(t, left, (size_t)n, 0, lw.ln.taskgroup, "TaskGroup.__aexit__: waiting for its tasks") < 0)
			return -1;
		for (int i = 0; i < 3 && !failed; i++)
			if (lw.jobs[first + i].end == LW_FAILED) {
				failed = 1;
				for (int k = 0; k < 3; k++)
					co_cancel(tasks[k]);
			}
	}
	lw.taskgroup_ms = lw_since(t0);
	trace_state_at(co_task_id(t), STATE_RUNNING, lw.ln.eg, "except* RuntimeError");
	trace_markf(co_task_id(t), "TaskGroup: ExceptionGroup of %d RuntimeError (bad failed)", failed);
	return 0;
}

static void lw_main(struct co_task *t, void *arg)
{
	(void)arg;
	lw.ok = lw_first(t) == 0 && lw_wait_for(t) == 0 && lw_taskgroup(t) == 0;
}

static void lw_lines_get(struct run *run)
{
	lw.ln = (struct lw_lines){
		.sleep = run_lesson_line(run, "sleep"), .cancelled = run_lesson_line(run, "cancelled"),
		.fail = run_lesson_line(run, "fail"), .wait = run_lesson_line(run, "wait"),
		.cancel = run_lesson_line(run, "cancel"), .wait_for = run_lesson_line(run, "wait_for"),
		.timeout = run_lesson_line(run, "timeout"), .taskgroup = run_lesson_line(run, "taskgroup"),
		.eg = run_lesson_line(run, "eg"),
	};
}

int loop_wait_main(struct run *run)
{
	memset(&lw, 0, sizeof(lw));
	lw.run = run;
	lw_lines_get(run);
	const struct co_loop_options opt = {.name = "event loop"};
	lw.loop = co_loop_new(run, &opt);
	if (lw.loop == NULL)
		return -1;
	int rc = co_create_task(lw.loop, NULL, "main", NULL, lw_main, NULL) != NULL ? co_loop_run(lw.loop) : -1;
	co_loop_free(lw.loop);
	if (run_stopping(run))
		return 0;
	if (rc != 0 || !lw.ok) {
		run_fail(run, "the event loop failed (%d)", rc);
		return -1;
	}
	for (int i = 0; i < lw.njobs; i++) /* a task cancelled before it started counts too */
		lw.cancelled += lw.jobs[i].end == LW_CANCELLED || lw.jobs[i].end == LW_PENDING;
	run_result_num(run, "first_ms", lw.first_ms);
	run_result_num(run, "wait_for_ms", lw.wait_for_ms);
	run_result_num(run, "taskgroup_ms", lw.taskgroup_ms);
	run_result_num(run, "cancelled", (double)lw.cancelled);
	return 0;
}

const struct param_spec loop_wait_params[LOOP_WAIT_NPARAMS] = {
	{.name = "tasks", .type = PARAM_INT, .def = 3, .min = 2, .max = 10, .unit = "tasks",
	 .help = "tasks asyncio.wait waits for; task i sleeps i x step_ms"},
	{.name = "step_ms", .type = PARAM_INT, .def = 200, .min = 10, .max = 5000, .unit = "ms",
	 .help = "how much longer each of those tasks takes than the one before"},
	{.name = "slow_ms", .type = PARAM_INT, .def = 1000, .min = 10, .max = 10000, .unit = "ms",
	 .help = "what the slow task would take, left alone"},
	{.name = "timeout_ms", .type = PARAM_INT, .def = 300, .min = 10, .max = 10000, .unit = "ms",
	 .help = "wait_for's timeout"},
	{.name = "fail_ms", .type = PARAM_INT, .def = 150, .min = 10, .max = 5000, .unit = "ms",
	 .help = "when the TaskGroup's bad task fails (its siblings would take 2x and 3x as long)"},
};
