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

/* Index of the task called name, or -1. */
int support_task(const struct model *m, const char *name);

/* Invariants every recorded run must meet; fails the test with a message
 * naming the task otherwise: spans ordered and not overlapping, every task
 * that started ended (when require_end), and each task's states add up to
 * its lifetime within tolerance (a fraction, e.g. 0.01). */
void support_check_invariants(const struct model *m, int require_end, double tolerance);

/* Run `suite` in forked processes, each test with timeout_s; returns the
 * number of failures (for main's exit status). */
int support_main(Suite *suite);

/* A result the demo set, or fails the test. */
double support_result(struct run *run, const char *key);

#endif
