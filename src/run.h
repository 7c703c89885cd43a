/*
 * run.h: one run of one demo, and the calls a demo makes about its run.
 *
 * The app makes a run (run_new), starts it (run_start: the OS sampler and
 * the scenario thread), and is told on its libuv loop when the demo has
 * returned. Demos use the calls in the second part: their parameters,
 * an interruptible sleep, results, and the line numbers of their lesson's
 * Python.
 *
 * Thread-safety: run_stopping, run_sleep_ns, run_result_*, run_fail and
 * run_watch_pid may be called from any thread of the workload. The rest
 * belong to the thread that owns the run (the UI's).
 */
#ifndef SIMUL_RUN_H
#define SIMUL_RUN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "demo.h"
#include "load.h"
#include "params.h"
#include "sampler.h"

#define RUN_RESULTS_MAX 128
#define RUN_PANEL_LINES 48
#define RUN_PANEL_WIDTH 160
#define RUN_PANEL_TITLE 64

struct run_result {
	char key[64];   /* "speedup", or "threads.wall_ms" for nested objects */
	int is_text;
	double num;
	char text[160];
};

/* What the machinery counted about a run, captured when it ended
 * (app_run_end), saved with it and loaded back: a replay reports these
 * figures of the original run, not its own. */
struct run_counters {
	uint64_t events;      /* events the recorder took */
	uint64_t dropped;     /* events lost: a full ring, or spans past the model's cap */
	uint64_t late;        /* events the model applied late */
	uint64_t model_bytes; /* the model's memory at the end */
	int cores;            /* cores online on the machine it ran on */
	char clock[12];       /* what stamped the events: "tsc", "monotonic"; "" unknown */
};

struct run {
	const struct demo *demo;
	const struct demo_module *module;
	char full_name[96];
	struct params params;
	uint64_t seed;
	double speed;                  /* --speed: 0.01..1 (pace.h); set before run_start */
	int mirror;                    /* mirror=on: the lesson's .py under CPython after the demo */

	/* filled by run_start / the scenario thread */
	uint64_t start_ns, end_ns;     /* lesson clock (clock.h) */
	uint64_t paused_ns;            /* real time the run spent paused */
	uint64_t real_ns;              /* real time from start to end, pauses included */
	uint64_t cpu0_ns, cpu_ns;      /* this process plus reaped children */
	int status;                    /* demo's return value */
	char error[256];               /* run_fail's message */
	atomic_int stop;
	atomic_int finished;
	double sim_scale;              /* simulated s per real s; 0: real time */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct run_result results[RUN_RESULTS_MAX];
	int nresults;

	/* A demo's live text panel (the chess board grid), shown beside the
	 * timeline; guarded by mu. */
	char panel[RUN_PANEL_LINES][RUN_PANEL_WIDTH];
	int panel_lines;
	char panel_title[RUN_PANEL_TITLE];
	uint64_t panel_version;

	/* The latest run_notice and how many there were; guarded by mu. */
	char notice[RUN_PANEL_WIDTH * 2];
	uint64_t notices;

	struct sampler *sampler;
	struct sampler_stats sampler_stats;
	int sampler_hz;
	struct run_counters counters;

	/* Other programs' load on the machine (load.h); read it with
	 * run_machine_load. -1: not measured. */
	double load_before;            /* run_measure_before's window */
	double load_during;            /* set before `finished` */
	struct load_snap load0;        /* at run_start */

	pthread_t thread;
	int thread_started;
	uv_async_t done_async;
	void (*on_done)(struct run *run, void *arg);
	void *on_done_arg;
};

/* ---- the owner's side ---- */

/* Prepare a run of demo with default parameters. */
void run_init(struct run *run, const struct demo_module *module, const struct demo *demo);
/* Start the sampler and the scenario thread; on_done is called on `loop`
 * once the demo's main has returned. Returns 0 or -errno. */
int run_start(struct run *run, uv_loop_t *loop, void (*on_done)(struct run *, void *), void *arg);
/* Ask the demo to stop (from any thread); it returns soon after. */
void run_request_stop(struct run *run);
/* After on_done (or to abandon a run): join the scenario thread, stop the
 * sampler, close the async handle. Safe to call twice. */
void run_finish(struct run *run);
void run_destroy(struct run *run);

/* What mirror=on runs once the demo has returned (pyagent_mirror): set once
 * by the program, before any run. */
void run_set_mirror(int (*fn)(struct run *run));
/* Parse "on"/"off" for mirror=; 0 or -1. */
int run_mirror_parse(const char *value, int *out);
/* Measure the other load on the machine for RUN_LOAD_BEFORE_MS, before
 * the run starts (call it before run_start, and before the timeline's
 * origin is set: it blocks for that long). Optional: without it the
 * report's other_load_before is null. */
#define RUN_LOAD_BEFORE_MS 100
void run_measure_before(struct run *run);

/* Other programs' load on the machine, for views (the TUI's banner, the
 * --plain line, the report). Fractions of the machine's cores, 0..1 (×
 * ncores for "1.8 of 2 cores"); -1 when not known. Thread-safe. */
struct run_load {
	int ncores;     /* cores in /proc/stat */
	double before;  /* over the RUN_LOAD_BEFORE_MS before the run */
	double during;  /* over the run: so far while it is live, all of it once
	                 * the demo has returned; -1 for a run under 50 ms */
	double recent;  /* while live: over about the last second (with the
	                 * sampler on; else the same as during); once done: during */
	int live;       /* the demo has not returned yet */
	int busy;       /* done: during (or before, when during is unknown)
	                 * >= LOAD_BUSY_THRESHOLD; live: recent is */
};
void run_machine_load(struct run *run, struct run_load *out);

/* ---- the demo's side ---- */

long run_int(const struct run *run, const char *param);
double run_num(const struct run *run, const char *param);
int run_bool(const struct run *run, const char *param);
const char *run_enum(const struct run *run, const char *param);
/* A text parameter's value ("" when none). */
const char *run_text(const struct run *run, const char *param);

/* True once the run should end (user quit, re-run, Ctrl-C). */
int run_stopping(struct run *run);
/* Sleep ns nanoseconds of lesson time (1/speed as long, plus any pause),
 * or less if the run is stopped. Returns 0 after the full sleep, -1 when cut
 * short. */
int run_sleep_ns(struct run *run, uint64_t ns);

void run_result_num(struct run *run, const char *key, double value);
void run_result_text(struct run *run, const char *key, const char *text);
/* Look a result up (for tests and for the TUI); returns 0 when found. */
int run_result_get(struct run *run, const char *key, double *value);
/* The demo could not run: say why (one line), then return -1 from main. */
void run_fail(struct run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Line (1-based) of the demo's Python marked with `#@tag`, or 0. */
int run_lesson_line(const struct run *run, const char *tag);
/* Simulated seconds per real second, for demos whose time is simulated. */
void run_set_sim_scale(struct run *run, double sim_per_real);
/* The sampler should follow a child process too (its CPU is then the
 * run's own, not "other load"). */
void run_watch_pid(struct run *run, pid_t pid);
/* The same for a CPython process (simul python): with infer_gil, a thread
 * of it that sleeps on a futex while its lane says it runs is drawn as a
 * GIL wait (inferred). */
void run_watch_python(struct run *run, pid_t pid, int infer_gil);

/* Was the machine busy during my measurement? Take a mark when the
 * measurement starts; at its end run_load_busy_since returns 1 when other
 * programs used at least LOAD_BUSY_THRESHOLD of the machine's cores since
 * the mark, 0 when they did not or it cannot tell (a window under 50 ms),
 * and stores that share (0..1, -1 unknown) in *other when other is not
 * NULL. Our own process and the children given to run_watch_pid are not
 * "other". Any thread; e.g.
 *     struct load_snap m;
 *     run_load_mark(run, &m);
 *     ...the timed phase...
 *     if (run_load_busy_since(run, &m, &other)) ... flag the figure ...
 */
void run_load_mark(struct run *run, struct load_snap *mark);
int run_load_busy_since(struct run *run, const struct load_snap *mark, double *other);

/* Publish line `line` (0-based) of the demo's live panel, titled `title`
 * (NULL keeps the last title). Views copy it with run_panel_copy. */
void run_panel_set(struct run *run, int line, const char *title, const char *text);
/* Copy the panel into out; returns its number of lines and sets *version
 * (it changes whenever a line does). */
int run_panel_copy(struct run *run, char out[][RUN_PANEL_WIDTH], int max, char *title, size_t title_len,
                   uint64_t *version);
/* A word for whoever watches the run while it goes on, about something the
 * demo cannot fix and the user can (a worker stopped by SIGSTOP, say):
 * batch mode prints it on stderr when it drains; the TUI has the lane's
 * mark and the panel. Thread-safe. */
void run_notice(struct run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The latest notice into buf when there was one since *seen (which is
 * then brought up to date); 1 then, else 0. */
int run_notice_take(struct run *run, uint64_t *seen, char *buf, size_t n);

/* Workers are only ever started from the simul binary. run_process_init is
 * called once at the start of a process, before any thread: is_simul says
 * whether this program is simul itself (its main) or another program that
 * runs demos in-process (a test or benchmark). */
void run_process_init(int is_simul);

/* The environment for a worker child: ours, plus SIMUL_WORKER_PARENT set to
 * our pid, so the worker can tell that its parent died before it could arm
 * PR_SET_PDEATHSIG. One block: free() it after the spawn. NULL when out of
 * memory. */
char **run_worker_env(void);

/* Path of the simul executable, for spawning worker children: $SIMUL_EXE
 * when set; /proc/self/exe when this program is simul; else a `simul` in
 * this program's directory or the one above it (build/tests/test_x finds
 * build/simul). NULL when there is none: the caller refuses to start
 * workers with RUN_NO_SIMUL_EXE, never runs itself in their place. */
const char *run_self_exe(void);
#define RUN_NO_SIMUL_EXE                                                                           \
	"cannot start worker processes: this program is not simul and no simul binary is next to "   \
	"it (set SIMUL_EXE to simul's path)"

/* The first thing `simul --worker ...` does: die with the parent
 * (PR_SET_PDEATHSIG), and exit at once (returns nonzero) when the parent
 * that started it is already gone. */
int run_worker_guard(void);

/* A seeded random number for repeatable choices (xorshift over *state,
 * which the caller seeds from run->seed). */
uint64_t run_rand(uint64_t *state);

#endif
