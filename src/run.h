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

	struct sampler *sampler;
	struct sampler_stats sampler_stats;
	int sampler_hz;
	struct run_counters counters;

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

/* ---- the demo's side ---- */

long run_int(const struct run *run, const char *param);
double run_num(const struct run *run, const char *param);
int run_bool(const struct run *run, const char *param);
const char *run_enum(const struct run *run, const char *param);

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
/* The sampler should follow a child process too. */
void run_watch_pid(struct run *run, pid_t pid);

/* Publish line `line` (0-based) of the demo's live panel, titled `title`
 * (NULL keeps the last title). Views copy it with run_panel_copy. */
void run_panel_set(struct run *run, int line, const char *title, const char *text);
/* Copy the panel into out; returns its number of lines and sets *version
 * (it changes whenever a line does). */
int run_panel_copy(struct run *run, char out[][RUN_PANEL_WIDTH], int max, char *title, size_t title_len,
                   uint64_t *version);

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
