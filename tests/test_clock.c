/*
 * test_clock.c: the CPU clocks agree: another process's CPU time as
 * /proc counts it (clock_pid_cpu_ns, read here for this process) matches
 * this process's own CPU clock to within the kernel's tick; a process that
 * is gone has none.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "support.h"

START_TEST(pid_cpu_matches_own_clock)
{
	uint64_t c0 = clock_process_cpu_ns();
	volatile uint64_t x = 0;
	while (clock_process_cpu_ns() - c0 < 200 * NS_PER_MS)
		x = x * 31 + 7;
	uint64_t own = clock_process_cpu_ns(), seen = clock_pid_cpu_ns((int)getpid());
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t tick = NS_PER_S / (uint64_t)(hz > 0 ? hz : 100);
	/* /proc counts whole ticks, at most a couple behind the precise clock. */
	ck_assert_uint_le(seen, own + tick);
	ck_assert_uint_ge(seen + 3 * tick, own);
	ck_assert_uint_ge(seen, 150 * NS_PER_MS);
}
END_TEST

START_TEST(gone_process_has_none)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_uint_eq(clock_pid_cpu_ns((int)pid), 0);
	ck_assert_uint_eq(clock_pid_cpu_ns(-1), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("clock");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, pid_cpu_matches_own_clock);
	tcase_add_test(tc, gone_process_has_none);
	suite_add_tcase(s, tc);
	return support_main(s);
}
