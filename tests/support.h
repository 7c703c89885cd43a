/*
 * support.h: what every test shares: running a demo in-process to the end
 * and getting its model, and checking invariants of a recorded timeline.
 */
#ifndef SIMUL_TEST_SUPPORT_H
#define SIMUL_TEST_SUPPORT_H

#include <check.h>
#include <stdint.h>
#include <sys/types.h>

#include "load.h"
#include "model.h"
#include "run.h"

/* Run demo `name` with parameters "KEY=VALUE" (NULL-terminated list, may be
 * NULL) to its end; returns the model (caller frees) and fills *run (caller
 * calls run_destroy). Fails the test on bad names or parameters. */
struct model *support_run_demo(const char *name, const char *const *sets, struct run *run);

/* Queue one event in the model, as the recorder or a save file would. */
void support_feed(struct model *m, uint64_t t, enum trace_ev_type type, int task, int state, int line,
                  uint32_t a, uint32_t b, const char *text);

/* Index of the task called name, or -1. */
int support_task(const struct model *m, const char *name);

/* Invariants every recorded run must meet; fails the test with a message
 * naming the task otherwise: spans ordered and not overlapping, every task
 * that started ended (when require_end), and each task's states add up to
 * its lifetime within tolerance (a fraction, e.g. 0.01). */
void support_check_invariants(const struct model *m, int require_end, double tolerance);

/* Start demo `name` with parameters `sets` (NULL-terminated, may be NULL),
 * ask it to stop after after_ms, and return how long it took to return from
 * then, in ms (-1 when it ended before being asked). The run's error message
 * (empty when none) is copied to error when it is not NULL. */
double support_stop_after(const char *name, const char *const *sets, uint64_t after_ms, char *error,
                          size_t error_len);

/* The same, polling for the condition rather than trusting a delay: ask
 * the demo to stop after_ms after a task called `task` is registered (NULL:
 * after_ms after the start). */
double support_stop_when(const char *name, const char *const *sets, const char *task, uint64_t after_ms,
                         char *error, size_t error_len);

/* Descriptors this process has open now (entries of /proc/self/fd). */
int support_open_fds(void);

/* ---- what a run leaves behind ---- */

/* This process's children, zombies included, whose command line holds
 * cmd_has (NULL: every child): their pids, up to max of them, in out (NULL
 * when max is 0); returns how many there are. */
int support_children(pid_t *out, int max, const char *cmd_has);

/* Fails the test unless nothing of the runs so far remains: no child
 * process (running or zombie) and, once the recorder forgets the runs
 * (trace_reset), no shared ring mapped or open and nothing of ours in
 * /dev/shm. */
void support_assert_nothing_left(void);

/* The first mark on lane `task` (an index; -1: any lane) whose text holds
 * `text`: 1 when there is one, else 0. */
int support_has_mark(const struct model *m, int task, const char *text);

/* The same for the lane called `name`, which must exist (else the test
 * fails). */
int support_lane_has_mark(const struct model *m, const char *name, const char *text);

/* A text result the demo set (run_result_text), or fails the test. */
const char *support_text_result(struct run *run, const char *key);

/* Run `suite` in forked processes, each test with timeout_s; returns the
 * number of failures (for main's exit status). */
int support_main(Suite *suite);

/* A result the demo set, or fails the test. */
double support_result(struct run *run, const char *key);

/* ---- skips (the convention is in tests/run-tests.sh) ----
 * Prints "SKIP: TEST: REASON" for run-tests.sh to count and show; the test
 * then returns (Check has no skip of its own). Use it only for what the
 * test cannot check now, never for a failure. */
void support_skip_(const char *test, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define support_skip(...) support_skip_(__func__, __VA_ARGS__)

/* ---- other programs' load ----
 * A timing claim that needs free cores is untestable while OTHER programs
 * use them, and only then: whether the machine was busy is measured from
 * /proc/stat (the whole machine's busy time) minus this test's own CPU
 * time (this process and its reaped children), never from our own tasks'
 * waits, which a bug can cause. The measure is src/load.h's, as the
 * demos' own busy-machine verdicts use. */
struct support_load {
	struct load_snap at;
};

/* At or above this share of the machine (a quarter: half a core of two),
 * other programs' load makes a free-core claim untestable. */
#define SUPPORT_BUSY LOAD_BUSY_THRESHOLD

/* Start a window. */
void support_load_start(struct support_load *l);
/* Other programs' share of the machine (0..1, of every core) since
 * support_load_start, or -1 when /proc/stat could not be read or the
 * window was too short to tell (under 50 ms). */
double support_load_other(const struct support_load *l);

#endif
