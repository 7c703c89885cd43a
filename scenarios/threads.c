/*
 * threads.c: the threads module: real pthreads, and what the OS did with
 * them.
 *
 * threads/interleave is the first program of every threading course: one
 * thread prints numbers, another letters, each pausing between lines. The
 * order of the lines is up to the scheduler.
 */
#include <pthread.h>
#include <stdio.h>

#include "clock.h"
#include "demo.h"
#include "run.h"
#include "trace.h"

/* ---- threads/interleave ---- */

struct printer {
	struct run *run;
	trace_task_t task;
	const char *what;  /* "Number" or "Letter" */
	int letters;       /* print a, b, c... instead of 1, 2, 3... */
	int line_sleep, line_print;
};

static void *printer_main(void *arg)
{
	struct printer *p = arg;
	long count = run_int(p->run, "count");
	uint64_t pause = (uint64_t)run_int(p->run, "pause_ms") * NS_PER_MS;

	trace_bind(p->task);
	for (long i = 0; i < count && !run_stopping(p->run); i++) {
		trace_state_at(p->task, STATE_SLEEP, p->line_sleep, "time.sleep(pause)");
		if (run_sleep_ns(p->run, pause) != 0)
			break;
		trace_state_at(p->task, STATE_RUNNING, p->line_print, "print");
		if (p->letters)
			trace_markf(p->task, "%s %c", p->what, (char)('a' + i));
		else
			trace_markf(p->task, "%s %ld", p->what, i + 1);
	}
	trace_end(p->task);
	return NULL;
}

static int interleave_main(struct run *run)
{
	trace_task_t main_task = trace_task_new("main", KIND_MAIN, NULL);
	struct printer p[2] = {
		{run, trace_task_new_child("numbers", KIND_THREAD, NULL, main_task), "Number", 0,
		 run_lesson_line(run, "numbers_sleep"), run_lesson_line(run, "numbers_print")},
		{run, trace_task_new_child("letters", KIND_THREAD, NULL, main_task), "Letter", 1,
		 run_lesson_line(run, "letters_sleep"), run_lesson_line(run, "letters_print")},
	};
	pthread_t th[2];
	int started = 0;

	trace_bind(main_task);
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "start"), "starting threads");
	for (int i = 0; i < 2; i++) {
		if (pthread_create(&th[i], NULL, printer_main, &p[i]) != 0) {
			run_fail(run, "could not start a thread");
			break;
		}
		started++;
	}
	trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "join"), "t1.join(); t2.join()");
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	trace_end(main_task);
	return started == 2 ? 0 : -1;
}

static const struct param_spec interleave_params[] = {
	{.name = "pause_ms", .type = PARAM_INT, .def = 100, .min = 0, .max = 5000, .unit = "ms",
	 .help = "pause before each line"},
	{.name = "count", .type = PARAM_INT, .def = 5, .min = 1, .max = 26, .unit = "lines",
	 .help = "lines each thread prints"},
};

static const struct demo threads_demos[] = {
	{
		.name = "interleave",
		.summary = "two threads print numbers and letters; the scheduler picks the order",
		.description = "One thread prints Number 1..5, the other Letter a..e, each pausing "
		               "before every line. Both run at once, so their lines interleave, "
		               "in an order neither thread controls.",
		.params = interleave_params,
		.nparams = DEMO_COUNT(interleave_params),
		.main = interleave_main,
	},
};

const struct demo_module threads_module = {
	.name = "threads",
	.title = "Threads",
	.order = 10,
	.demos = threads_demos,
	.ndemos = DEMO_COUNT(threads_demos),
};
