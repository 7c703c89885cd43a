/*
 * daemon_demo.c: threads/daemon, what happens to a thread when its program
 * ends: a non-daemon thread is waited for, a daemon thread is cut off where
 * it is, and join() waits for either.
 *
 * It mirrors daemon.py. Each of the three programs runs in a child process
 * (`simul --worker threads daemon ...`), whose main thread starts a worker
 * thread, does its own short work, and then ends the program the way
 * CPython does: with daemon=False it joins the worker first (what
 * threading._shutdown does at exit), with daemon=True it just exits, and
 * the kernel ends the worker with the process, in the middle of its work.
 * The child tells its parent, through a socket, how many steps the worker
 * had finished; the parent ends the cut-off worker's lane and says so.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "fdio.h"
#include "pace.h"
#include "procs.h"
#include "run.h"
#include "threads/lifecycle.h"
#include "trace.h"

enum dm_mode { DM_NONDAEMON, DM_DAEMON, DM_JOIN, DM_COUNT };
static const char *const dm_names[DM_COUNT] = {"non-daemon", "daemon", "daemon+join"};
static const char *const dm_keys[DM_COUNT] = {"nondaemon", "daemon", "join"};

/* What the child tells its parent before it exits. */
struct dm_report {
	int32_t steps_done;
	int32_t pad;
	uint64_t exit_wait_ns; /* time main spent waiting for the worker at the end */
	uint64_t wall_ns;      /* the program's life, from main's first line to its exit */
};

enum { DM_L_THREAD, DM_L_STEP, DM_L_MAIN, DM_L_JOIN, DM_L_EXIT, DM_L_COUNT };
static const char *const dm_tags[DM_L_COUNT] = {"thread", "step", "main", "join", "exit"};

/* ---- the child: one program ---- */

struct dm_worker {
	trace_task_t task;
	int steps, line;
	uint64_t step_ns;
	atomic_int done;
};

static void *dm_work(void *arg)
{
	struct dm_worker *w = arg;
	trace_bind(w->task);
	for (int k = 1; k <= w->steps; k++) {
		trace_statef(w->task, STATE_SLEEP, w->line, "time.sleep(step): step %d of %d", k, w->steps);
		pace_sleep_ns(w->step_ns, NULL);
		atomic_store(&w->done, k);
		trace_markf(w->task, "worker: step %d of %d", k, w->steps);
	}
	trace_end(w->task);
	return NULL;
}

/* argv: daemon MAIN_TASK WORKER_TASK MODE STEPS STEP_MS MAIN_MS LINES(5) */
static int dm_child(int argc, char **argv)
{
	if (argc != 7 + DM_L_COUNT) {
		fprintf(stderr, "simul: --worker threads daemon: want MAIN WORKER MODE STEPS STEP_MS MAIN_MS LINES\n");
		return 2;
	}
	trace_task_t main_task = procs_child_attach(argv[1]);
	if (main_task == TRACE_NO_TASK) {
		fprintf(stderr, "simul: --worker threads: no recorder ring on fd 3 (only simul starts workers)\n");
		return 2;
	}
	int mode = atoi(argv[3]), lines[DM_L_COUNT];
	for (int i = 0; i < DM_L_COUNT; i++)
		lines[i] = atoi(argv[7 + i]);
	static struct dm_worker w;
	w = (struct dm_worker){.task = (trace_task_t)atoi(argv[2]), .steps = atoi(argv[4]), .line = lines[DM_L_STEP],
	                       .step_ns = strtoull(argv[5], NULL, 10) * NS_PER_MS};
	pthread_t th;
	uint64_t start = clock_now_ns();
	trace_statef(main_task, STATE_RUNNING, lines[DM_L_THREAD], "Thread(target=work, daemon=%s).start()",
	             mode == DM_NONDAEMON ? "False" : "True");
	if (pthread_create(&th, NULL, dm_work, &w) != 0)
		return 1;
	trace_state_at(main_task, STATE_SLEEP, lines[DM_L_MAIN], "main's own work: time.sleep(main)");
	pace_sleep_ns(strtoull(argv[6], NULL, 10) * NS_PER_MS, NULL);
	trace_mark(main_task, "main: done");
	uint64_t t0 = clock_now_ns();
	if (mode == DM_JOIN) {
		trace_state_at(main_task, STATE_JOIN, lines[DM_L_JOIN], "t.join()");
		pthread_join(th, NULL);
	} else if (mode == DM_NONDAEMON) {
		trace_state_at(main_task, STATE_JOIN, lines[DM_L_EXIT],
		               "end of the program: Python joins every non-daemon thread (threading._shutdown)");
		pthread_join(th, NULL);
	} else {
		trace_state_at(main_task, STATE_RUNNING, lines[DM_L_EXIT],
		               "end of the program: daemon threads are not waited for");
	}
	struct dm_report r = {.steps_done = atomic_load(&w.done), .exit_wait_ns = clock_now_ns() - t0,
	                      .wall_ns = clock_now_ns() - start};
	trace_markf(main_task, "the process exits: the worker did %d of %d steps", r.steps_done, w.steps);
	trace_end(main_task);
	fd_write_all(0, &r, sizeof(r));
	/* A daemon worker still runs: exiting the process ends it, mid-step.
	 * exit_group itself, as the kernel sees any process exit: no library
	 * (nor a sanitizer's interceptor) gets to wait for the thread first. */
	syscall(SYS_exit_group, 0);
	return 0;
}

int threads_worker(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "daemon") == 0)
		return dm_child(argc - 1, argv + 1);
	fprintf(stderr, "simul: --worker threads: unknown job (allowed: daemon)\n");
	return 2;
}

/* ---- the parent: three programs, one after another ---- */

/* The child's report, polling so that a stop (procs_poll kills the child)
 * or a crash (end of file) is seen. 1 when it came. */
static int dm_read_report(struct procs_set *ps, int c, struct dm_report *r)
{
	for (;;) {
		struct pollfd p = {.fd = ps->kids[c].sock, .events = POLLIN};
		int k = poll(&p, 1, 20);
		procs_poll(ps);
		if (k > 0)
			return fd_read_all(p.fd, r, sizeof(*r)) == 0;
		if (ps->kids[c].exited)
			return 0;
	}
}

/* Run one program in a child; its report into r. 0, or -1. */
static int dm_program(struct run *run, struct procs_set *ps, int mode, struct dm_report *r)
{
	char name[48], group[32], args[7 + DM_L_COUNT][24];
	snprintf(group, sizeof(group), "program %d", mode + 1);
	snprintf(name, sizeof(name), "main %d (%s)", mode + 1, dm_names[mode]);
	trace_task_t main_task = trace_task_new(name, KIND_MAIN, group);
	snprintf(name, sizeof(name), "worker %d (daemon=%s)", mode + 1, mode == DM_NONDAEMON ? "False" : "True");
	trace_task_t worker = trace_task_new_child(name, KIND_THREAD, group, main_task);
	snprintf(args[0], sizeof(args[0]), "daemon");
	snprintf(args[1], sizeof(args[1]), "%d", (int)main_task);
	snprintf(args[2], sizeof(args[2]), "%d", (int)worker);
	snprintf(args[3], sizeof(args[3]), "%d", mode);
	snprintf(args[4], sizeof(args[4]), "%ld", run_int(run, "steps"));
	snprintf(args[5], sizeof(args[5]), "%ld", run_int(run, "step_ms"));
	snprintf(args[6], sizeof(args[6]), "%ld", run_int(run, "main_ms"));
	for (int i = 0; i < DM_L_COUNT; i++)
		snprintf(args[7 + i], sizeof(args[7 + i]), "%d", run_lesson_line(run, dm_tags[i]));
	const char *argv[7 + DM_L_COUNT + 1];
	for (int i = 0; i < 7 + DM_L_COUNT; i++)
		argv[i] = args[i];
	argv[7 + DM_L_COUNT] = NULL;
	const struct procs_spawn_options o = {.module = "threads", .with_socket = 1, .stdin_fd = -1, .stdout_fd = -1};
	snprintf(name, sizeof(name), "program %d: %s worker", mode + 1, dm_names[mode]);
	trace_milestone(name);
	snprintf(name, sizeof(name), "program %d", mode + 1);
	int c = procs_spawn_with(ps, main_task, name, &o, argv);
	if (c < 0) {
		trace_end(main_task);
		trace_end(worker);
		return -1;
	}
	int got = dm_read_report(ps, c, r);
	procs_wait_all(ps);
	if (got && r->steps_done < run_int(run, "steps")) {
		trace_markf(worker, "cut off after %d of %ld steps: the process exited, and a daemon thread is not waited for",
		            r->steps_done, run_int(run, "steps"));
		trace_end(worker);
	} else if (!got) {
		trace_end(worker);
	}
	return got && !ps->kids[c].signal && ps->kids[c].status == 0 ? 0 : -1;
}

int threads_daemon_main(struct run *run)
{
	struct procs_set ps;
	if (procs_set_init(&ps, run) != 0) {
		run_fail(run, "could not make an event loop for the programs");
		return -1;
	}
	char key[48];
	int rc = 0;
	for (int mode = 0; mode < DM_COUNT && rc == 0 && !run_stopping(run); mode++) {
		struct dm_report r = {0};
		rc = dm_program(run, &ps, mode, &r);
		snprintf(key, sizeof(key), "%s_steps", dm_keys[mode]);
		run_result_num(run, key, r.steps_done);
		snprintf(key, sizeof(key), "%s_ms", dm_keys[mode]);
		run_result_num(run, key, (double)r.wall_ns / (double)NS_PER_MS);
		if (mode == DM_NONDAEMON)
			run_result_num(run, "exit_wait_ms", (double)r.exit_wait_ns / (double)NS_PER_MS);
	}
	procs_set_close(&ps);
	if (rc != 0 && !run_stopping(run)) {
		run_fail(run, "a program's process failed (see its lane)");
		return -1;
	}
	return 0;
}

const struct param_spec threads_daemon_params[THREADS_DAEMON_NPARAMS] = {
	{.name = "steps", .type = PARAM_INT, .def = 10, .min = 1, .max = 100, .unit = "steps",
	 .help = "steps of work the worker thread has to do"},
	{.name = "step_ms", .type = PARAM_INT, .def = 100, .min = 1, .max = 2000, .unit = "ms",
	 .help = "one step (a time.sleep)"},
	{.name = "main_ms", .type = PARAM_INT, .def = 250, .min = 0, .max = 10000, .unit = "ms",
	 .help = "main's own work before the program ends"},
};
