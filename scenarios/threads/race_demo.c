/*
 * race_demo.c: threads/race, a counter that T threads update at once.
 *
 * It mirrors race.py, whose threads update a global counter three ways:
 * `counter += 1`; `value = counter` then `counter = bump(value)` (a call
 * between the read and the write); and the same inside `with counter_lock`.
 * Each way runs under the emulated GIL (what CPython 3.10 and later do)
 * and, when asked, without it (what a free-threaded CPython, 3.13t and
 * later, does).
 *
 * Where a thread can lose the GIL decides whether updates are lost, so the
 * racers follow CPython's rule rather than C's. CPython 3.10+ hands the GIL
 * over only when its eval loop checks the "eval breaker", which it does at
 * a few instructions: the RESUME that starts a function, a backward jump
 * (the end of a loop body) and the end of a call to a C function. No check
 * falls between the LOAD_GLOBAL and the STORE_GLOBAL of `counter += 1`, so
 * under the GIL no update is lost (measured: 0 of 4,000,000 on 3.10, 3.11,
 * 3.12 and 3.13; 3.9, which could switch at any instruction, lost about
 * 60 %). The RESUME of bump() falls between the read and the write of the
 * second way, so a thread can be parked there holding a stale value while
 * the others count on, and its write then wipes their updates out.
 *
 * So each racer runs its loop body as a short program of steps: spins for
 * the time CPython takes for the bytecodes in between (measured on CPython
 * 3.11 on the development machine), the read and the write of the shared
 * counter, gil_check exactly where CPython checks the eval breaker, and the
 * lock. counter_lock is a POSIX semaphore, as threading.Lock is in CPython
 * 3.11 on Linux, and a contended acquire releases the GIL while it blocks,
 * as CPython's does: together they make the lock convoy CPython shows (a
 * woken waiter takes the lock, then waits for the GIL its holder keeps).
 * Without the GIL the same programs run on every core at once and the
 * checks do nothing (a free-threaded CPython's lock is its own PyMutex, not
 * a semaphore: the timing of that phase is not compared with CPython).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpuburn.h"
#include "demo.h"
#include "gil.h"
#include "run.h"
#include "threads/common.h"
#include "trace.h"

/* ---- the loop bodies, as CPython runs them ---- */

enum py_op {
	PY_SPIN,   /* bytecodes that touch nothing shared: spin their time */
	PY_READ,   /* LOAD_GLOBAL counter */
	PY_WRITE,  /* STORE_GLOBAL counter (what was read, plus one) */
	PY_CHECK,  /* the eval breaker: the GIL may change hands here */
	PY_LOCK,   /* counter_lock.acquire() (BEFORE_WITH) */
	PY_UNLOCK, /* counter_lock.release() (the with block's exit) */
};

struct py_step {
	enum py_op op;
	unsigned ns; /* PY_SPIN: CPython 3.11's time for these bytecodes */
};

#define PY_STEPS_MAX 16

struct py_code {
	const char *name;   /* key part and lane group: "inplace", "unlocked", "locked" */
	const char *source; /* the line the lanes show */
	const char *tag;    /* the #@tag of that line in race.py */
	struct py_step steps[PY_STEPS_MAX];
	int nsteps;
};

/*
 * The spins are CPU time per iteration measured with `python3` (CPython
 * 3.11.7) on the development machine, split at the instructions where a
 * step happens; Debian's /usr/bin/python3.11 (built with PGO) is about a
 * fifth faster. What decides the lost updates is where the checks fall
 * within the iteration, not the exact times.
 */

/* for _ in range(N): counter += 1    (about 45 ns an iteration) */
static const struct py_code code_inplace = {
	"inplace", "counter += 1", "inplace",
	{{PY_SPIN, 20},  /* FOR_ITER; STORE_FAST _; LOAD_GLOBAL counter... */
	 {PY_READ, 0},   /* ...which reads it */
	 {PY_SPIN, 25},  /* LOAD_CONST 1; BINARY_OP +=; STORE_GLOBAL counter... */
	 {PY_WRITE, 0},  /* ...which writes it */
	 {PY_CHECK, 0}}, /* JUMP_BACKWARD: the only check in the loop */
	5,
};

/* for _ in range(N): value = counter; counter = bump(value)    (60 ns) */
static const struct py_code code_unlocked = {
	"unlocked", "value = counter; counter = bump(value)", "inc",
	{{PY_SPIN, 20},  /* FOR_ITER; STORE_FAST _; LOAD_GLOBAL counter */
	 {PY_READ, 0},
	 {PY_SPIN, 15},  /* STORE_FAST value; LOAD_GLOBAL bump; LOAD_FAST; PRECALL; CALL */
	 {PY_CHECK, 0},  /* RESUME, bump's first instruction: between read and write */
	 {PY_SPIN, 25},  /* bump's body; RETURN_VALUE; STORE_GLOBAL counter */
	 {PY_WRITE, 0},
	 {PY_CHECK, 0}}, /* JUMP_BACKWARD */
	7,
};

/* for _ in range(N):
 *     with counter_lock: value = counter; counter = bump(value)    (260 ns:
 * entering and leaving the with block costs most of it) */
static const struct py_code code_locked = {
	"locked", "with counter_lock: value = counter; counter = bump(value)", "locked_inc",
	{{PY_SPIN, 110}, /* FOR_ITER; STORE_FAST _; LOAD_GLOBAL counter_lock; BEFORE_WITH */
	 {PY_LOCK, 0},   /* ... which calls lock.__enter__() */
	 {PY_SPIN, 10},  /* POP_TOP; LOAD_GLOBAL counter */
	 {PY_READ, 0},
	 {PY_SPIN, 15},  /* STORE_FAST value; LOAD_GLOBAL bump; ...; CALL */
	 {PY_CHECK, 0},  /* RESUME of bump: parked here, it keeps the lock */
	 {PY_SPIN, 25},  /* bump's body; RETURN_VALUE; STORE_GLOBAL counter */
	 {PY_WRITE, 0},
	 {PY_SPIN, 90},  /* LOAD_CONST None x3; PRECALL; CALL lock.__exit__ */
	 {PY_UNLOCK, 0}, /* ... which releases it */
	 {PY_CHECK, 0},  /* the end of a call to a C function */
	 {PY_SPIN, 10},  /* POP_TOP; JUMP_BACKWARD */
	 {PY_CHECK, 0}}, /* JUMP_BACKWARD */
	13,
};

/* ---- the racers ---- */

struct race_shared {
	struct run *run;
	struct gil *gil; /* NULL: no GIL (free-threaded) */
	atomic_long counter;
	sem_t lock;        /* counter_lock */
	atomic_int holder; /* index of the racer that holds counter_lock */
	atomic_int go;     /* set once every racer is started, so they overlap */
	long m;
	const struct py_code *code;
	uint64_t spins[PY_STEPS_MAX]; /* each PY_SPIN step's ns as spins */
	char (*names)[32];
	const struct racer *racers;
};

struct racer {
	struct race_shared *s;
	trace_task_t task;
	int index, line, line_lock;
	uint64_t waits, wait_ns; /* contended acquires of counter_lock */
	uint64_t last_draw;
};

/* counter_lock.acquire(): a try first; when another thread holds it,
 * CPython releases the GIL, blocks, and takes the GIL back once it has the
 * lock. Every wait is counted; at most one a millisecond is drawn, or the
 * recorder would take millions of tiny spans. */
static void racer_lock(struct racer *r)
{
	struct race_shared *s = r->s;
	if (sem_trywait(&s->lock) != 0) {
		uint64_t t0 = clock_now_ns();
		int draw = t0 - r->last_draw >= NS_PER_MS;
		if (draw)
			trace_statef(r->task, STATE_LOCK, r->line_lock, "waiting for counter_lock held by %s%s",
			             s->names[atomic_load_explicit(&s->holder, memory_order_relaxed)],
			             s->gil ? " (GIL released)" : "");
		gil_release(s->gil, r->task);
		while (sem_wait(&s->lock) != 0)
			;
		/* holder still names the racer that let the lock go: it woke us */
		if (draw)
			trace_wake(r->task, s->racers[atomic_load_explicit(&s->holder, memory_order_relaxed)].task,
			           "released counter_lock");
		if (draw)
			gil_acquire(s->gil, r->task, r->line);
		else
			gil_acquire_quiet(s->gil, r->task);
		uint64_t t1 = clock_now_ns();
		r->waits++;
		r->wait_ns += t1 - t0;
		if (draw) {
			trace_state_at(r->task, STATE_RUNNING, r->line, s->code->source);
			r->last_draw = t1;
		}
	}
	atomic_store_explicit(&s->holder, r->index, memory_order_relaxed);
}

/* One iteration of the loop body. */
static void racer_step_all(struct racer *r, long *value)
{
	struct race_shared *s = r->s;
	const struct py_code *c = s->code;
	for (int k = 0; k < c->nsteps; k++) {
		switch (c->steps[k].op) {
		case PY_SPIN:
			cpuburn_spin(s->spins[k]);
			break;
		case PY_READ:
			*value = atomic_load_explicit(&s->counter, memory_order_relaxed);
			break;
		case PY_WRITE:
			atomic_store_explicit(&s->counter, *value + 1, memory_order_relaxed);
			break;
		case PY_CHECK:
			gil_check(s->gil, r->task, r->line);
			break;
		case PY_LOCK:
			racer_lock(r);
			break;
		case PY_UNLOCK:
			sem_post(&s->lock);
			break;
		}
	}
}

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	struct race_shared *s = r->s;
	long value = 0;
	trace_bind(r->task);
	trace_state_at(r->task, STATE_READY, TRACE_NO_LINE, "waiting for the others to start");
	while (!atomic_load(&s->go))
		sched_yield();
	if (s->gil)
		gil_acquire(s->gil, r->task, r->line);
	trace_state_at(r->task, STATE_RUNNING, r->line, s->code->source);
	for (long i = 0; i < s->m; i++) {
		if ((i & 0xfff) == 0 && run_stopping(s->run))
			break;
		racer_step_all(r, &value);
	}
	trace_end(r->task);
	gil_release(s->gil, r->task);
	return NULL;
}

/* ---- one phase: T racers running one code, with or without the GIL ---- */

struct race_outcome {
	long total; /* -1: not every thread started */
	double ms;
	uint64_t waits, wait_ns, switches;
};

static void race_phase_setup(struct race_shared *s, struct racer *r, int t, trace_task_t main_task,
                             const char *group)
{
	struct run *run = s->run;
	int on = s->gil != NULL;
	for (int k = 0; k < s->code->nsteps; k++)
		s->spins[k] = s->code->steps[k].op == PY_SPIN ? cpuburn_spins(s->code->steps[k].ns) : 0;
	for (int i = 0; i < t; i++) {
		snprintf(s->names[i], sizeof(s->names[i]), "%s-%s-%d", on ? "gil" : "ft", s->code->name, i + 1);
		r[i] = (struct racer){.s = s, .index = i, .line = run_lesson_line(run, s->code->tag),
		                      .line_lock = run_lesson_line(run, "lock")};
		r[i].task = trace_task_new_child(s->names[i], KIND_THREAD, group, main_task);
		gil_name_task(s->gil, r[i].task, s->names[i]);
	}
}

static struct race_outcome race_phase(struct run *run, trace_task_t main_task, const struct py_code *code,
                                      int gil_on)
{
	struct race_outcome out = {.total = -1};
	int t = (int)run_int(run, "threads");
	char group[64];
	snprintf(group, sizeof(group), "%s: %s", gil_on ? "GIL on" : "GIL off", code->name);
	struct race_shared s = {.run = run, .m = run_int(run, "increments"), .code = code};
	struct racer *r = calloc((size_t)t, sizeof(*r));
	pthread_t *th = calloc((size_t)t, sizeof(*th));
	s.names = calloc((size_t)t, sizeof(*s.names));
	s.gil = gil_on ? gil_new((uint64_t)(run_num(run, "switch_interval_ms") * (double)NS_PER_MS)) : NULL;
	if (!r || !th || !s.names || (gil_on && !s.gil))
		goto out;
	sem_init(&s.lock, 0, 1);
	s.racers = r;
	race_phase_setup(&s, r, t, main_task, group);

	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "start"), "t.start()");
	uint64_t t0 = clock_now_ns();
	int started = 0;
	for (int i = 0; i < t && threads_start(&th[i], racer_main, &r[i]) == 0; i++)
		started++;
	atomic_store(&s.go, 1);
	for (int i = started; i < t; i++)
		trace_end(r[i].task);
	trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "join"), "t.join()");
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		out.waits += r[i].waits;
		out.wait_ns += r[i].wait_ns;
	}
	out.ms = threads_ms(clock_now_ns() - t0);
	out.total = started < t ? -1 : atomic_load(&s.counter);
	out.switches = s.gil ? gil_switches(s.gil) : 0;
	sem_destroy(&s.lock);
out:
	gil_free(s.gil);
	free(r);
	free(th);
	free(s.names);
	return out;
}

/* Results under "gil_on." or "gil_off.", and the line main prints. */
static void race_report(struct run *run, trace_task_t main_task, const struct py_code *code, int gil_on,
                        const struct race_outcome *o, long expected)
{
	const char *pre = gil_on ? "gil_on" : "gil_off";
	char key[64];
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "print"), "print");
	trace_markf(main_task, "GIL %-3s %-8s expected %ld, got %ld (%ld lost)", gil_on ? "on" : "off",
	            code->name, expected, o->total, expected - o->total);
	if (code == &code_locked) {
		snprintf(key, sizeof(key), "%s.locked_total", pre);
		run_result_num(run, key, (double)o->total);
		snprintf(key, sizeof(key), "%s.locked_ms", pre);
		run_result_num(run, key, o->ms);
		snprintf(key, sizeof(key), "%s.lock_waits", pre);
		run_result_num(run, key, (double)o->waits);
		snprintf(key, sizeof(key), "%s.lock_wait_ms", pre);
		run_result_num(run, key, threads_ms(o->wait_ns));
	} else {
		snprintf(key, sizeof(key), "%s.%s_total", pre, code->name);
		run_result_num(run, key, (double)o->total);
		snprintf(key, sizeof(key), "%s.%s_lost", pre, code->name);
		run_result_num(run, key, (double)(expected - o->total));
		snprintf(key, sizeof(key), "%s.%s_ms", pre, code->name);
		run_result_num(run, key, o->ms);
	}
	if (gil_on) {
		snprintf(key, sizeof(key), "gil_on.%s_gil_switches", code->name);
		run_result_num(run, key, (double)o->switches);
	}
}

int threads_race_main(struct run *run)
{
	long expected = run_int(run, "threads") * run_int(run, "increments");
	const char *gil = run_enum(run, "gil");
	const struct py_code *codes[3];
	int ncodes = 0, ok = 1;
	if (run_bool(run, "inplace"))
		codes[ncodes++] = &code_inplace;
	codes[ncodes++] = &code_unlocked;
	codes[ncodes++] = &code_locked;

	trace_task_t main_task = trace_task_new("main", KIND_MAIN, NULL);
	trace_bind(main_task);
	trace_state(main_task, STATE_RUNNING, "calibrating the spin");
	cpuburn_spin_calibrate();
	run_result_num(run, "expected", (double)expected);
	for (int on = 1; on >= 0 && ok; on--) {
		if (strcmp(gil, on ? "off" : "on") == 0)
			continue;
		for (int i = 0; i < ncodes && ok && !run_stopping(run); i++) {
			char title[128];
			snprintf(title, sizeof(title), "GIL %s: %s", on ? "on (CPython, emulated)" : "off (free-threaded)",
			         codes[i]->source);
			trace_milestone(title);
			struct race_outcome o = race_phase(run, main_task, codes[i], on);
			if (o.total < 0) {
				ok = 0;
				break;
			}
			if (!run_stopping(run))
				race_report(run, main_task, codes[i], on, &o, expected);
		}
	}
	trace_end(main_task);
	if (!ok && !run_stopping(run)) {
		run_fail(run, "could not start every thread");
		return -1;
	}
	return 0;
}

static const char *const race_gil_choices[] = {"both", "on", "off", NULL};

const struct param_spec threads_race_params[THREADS_RACE_NPARAMS] = {
	{.name = "threads", .type = PARAM_INT, .def = 4, .min = 1, .max = 64, .unit = "threads",
	 .help = "threads updating the shared counter"},
	{.name = "increments", .type = PARAM_INT, .def = 1000000, .min = 1, .max = 10000000, .unit = "times",
	 .help = "updates per thread"},
	{.name = "gil", .type = PARAM_ENUM, .def = 0, .choices = race_gil_choices,
	 .help = "with the emulated GIL (CPython), without (free-threaded 3.13t), or both"},
	{.name = "inplace", .type = PARAM_BOOL, .def = 1, .min = 0, .max = 1,
	 .help = "also run `counter += 1` (no call between read and write)"},
	{.name = "switch_interval_ms", .type = PARAM_FLOAT, .def = 5, .min = 0.1, .max = 100, .unit = "ms",
	 .help = "the GIL's switch interval (sys.setswitchinterval)"},
};
