/*
 * support.h: what every test shares: running a demo in-process to the end
 * and getting its model, and checking invariants of a recorded timeline.
 */
#ifndef SIMUL_TEST_SUPPORT_H
#define SIMUL_TEST_SUPPORT_H

#include <check.h>
#include <stdint.h>

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

/* Run `suite` in forked processes, each test with timeout_s; returns the
 * number of failures (for main's exit status). */
int support_main(Suite *suite);

/* A result the demo set, or fails the test. */
double support_result(struct run *run, const char *key);

#endif
