/*
 * test_probe.c: a probe (scenarios/lib/probe.h) as every child of simul
 * must be: what it prints is read back with its exit status; past its time
 * limit it is killed and reaped; it dies with the process that started it,
 * kill -9 included; and nothing is left. pycost's measure of CPython runs
 * through it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "probe.h"
#include "pycost.h"
#include "support.h"

START_TEST(prints_and_exits)
{
	char out[64];
	char *const argv[] = {"/bin/sh", "-c", "echo one; echo two; exit 3", NULL};
	int st = probe_run(argv, 10000, out, sizeof(out));
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 3);
	ck_assert_str_eq(out, "one\ntwo\n");
	/* What does not fit is dropped, not left in the pipe to block it. */
	char *const lots[] = {"/bin/sh", "-c", "i=0; while [ $i -lt 5000 ]; do echo 0123456789abcdef; i=$((i+1)); done",
	                      NULL};
	st = probe_run(lots, 10000, out, 5);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_str_eq(out, "0123");
	/* An exec that fails: status 127. */
	char *const none[] = {"/nonexistent/probe", NULL};
	st = probe_run(none, 10000, out, sizeof(out));
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	ck_assert_int_eq(support_children(NULL, 0, NULL), 0);
}
END_TEST

START_TEST(killed_past_its_time)
{
	char out[64];
	char *const argv[] = {"/bin/sh", "-c", "echo started; exec sleep 30", NULL};
	uint64_t t0 = clock_now_ns();
	ck_assert_int_eq(probe_run(argv, 300, out, sizeof(out)), -1);
	double ms = (double)(clock_now_ns() - t0) / 1e6;
	ck_assert_msg(ms >= 300 && ms < 10000, "took %.0f ms, limit 300 ms", ms);
	ck_assert_int_eq(support_children(NULL, 0, NULL), 0);
}
END_TEST

/* A stand-in for simul ("middle") starts a probe that would sleep 30 s and
 * is killed with SIGKILL: the probe dies too. This test is the subreaper
 * of its descendants, so the orphaned probe comes back to it and its end,
 * and how, can be seen. */
START_TEST(dies_with_its_parent)
{
	char file[] = "/tmp/test-probe-XXXXXX";
	int fd = mkstemp(file);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	pid_t middle = fork();
	ck_assert_int_ge(middle, 0);
	if (middle == 0) {
		char script[200], out[16];
		snprintf(script, sizeof(script), "echo $$ >%s.new && mv %s.new %s; exec sleep 30", file, file, file);
		char *const argv[] = {"/bin/sh", "-c", script, NULL};
		probe_run(argv, 60000, out, sizeof(out));
		_exit(0);
	}
	long probe = 0;
	for (int i = 0; i < 500 && probe <= 0; i++) {
		FILE *f = fopen(file, "r");
		if (f != NULL) {
			if (fscanf(f, "%ld", &probe) != 1)
				probe = 0;
			fclose(f);
		}
		if (probe <= 0)
			usleep(10000);
	}
	unlink(file);
	ck_assert_msg(probe > 0, "the probe did not start");
	kill(middle, SIGKILL);
	int st;
	ck_assert_int_eq(waitpid(middle, &st, 0), middle);
	pid_t w = 0;
	for (int i = 0; i < 500 && w == 0; i++) {
		w = waitpid((pid_t)probe, &st, WNOHANG);
		if (w == 0)
			usleep(10000);
	}
	if (w == 0)
		kill((pid_t)probe, SIGKILL);
	ck_assert_msg(w == (pid_t)probe, "the probe outlived its parent by 5 s");
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the probe ended with status %#x", st);
}
END_TEST

/* pycost's measure of CPython's pickling goes through a probe: with a
 * python3 it measures, and nothing is left. */
START_TEST(pycost_measures_through_a_probe)
{
	char python[4096];
	if (probe_which("python3", python, sizeof(python)) != 0) {
		support_skip("missing tool: python3 (Debian package python3, in the Makefile's TEST_PKGS)");
		return;
	}
	struct pycost_pickle p;
	pycost_pickle(4096, 1, &p);
	ck_assert_msg(p.measured, "not measured: %s", p.source);
	ck_assert_msg(strstr(p.source, "measured with python3 3.") != NULL, "source '%s'", p.source);
	ck_assert(pycost_pickle_known(4096));
	ck_assert_int_eq(support_children(NULL, 0, NULL), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("probe");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, prints_and_exits);
	tcase_add_test(tc, killed_past_its_time);
	tcase_add_test(tc, dies_with_its_parent);
	tcase_add_test(tc, pycost_measures_through_a_probe);
	suite_add_tcase(s, tc);
	return support_main(s);
}
