/*
 * test_interleave.c: threads/interleave runs for real and what it recorded
 * has the shape the lesson describes.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

START_TEST(interleave_records_both_threads)
{
	static const char *const sets[] = {"pause_ms=20", NULL};
	struct run run;
	struct model *m = support_run_demo("threads/interleave", sets, &run);

	int num = support_task(m, "numbers"), let = support_task(m, "letters"),
	    main_task = support_task(m, "main");
	ck_assert_int_ge(num, 0);
	ck_assert_int_ge(let, 0);
	ck_assert_int_ge(main_task, 0);
	support_check_invariants(m, 1, 0.01);

	/* Exactly the ten expected lines, each task's in its own order. */
	ck_assert_uint_eq(model_mark_count(m), 10);
	int next_num = 1;
	char next_let = 'a';
	uint64_t prev_t = 0;
	for (size_t k = 0; k < model_mark_count(m); k++) {
		struct model_mark mk;
		char want[32];
		model_mark_get(m, k, &mk);
		ck_assert_uint_ge(mk.t_ns, prev_t);
		prev_t = mk.t_ns;
		if (mk.task == num)
			snprintf(want, sizeof(want), "Number %d", next_num++);
		else if (mk.task == let)
			snprintf(want, sizeof(want), "Letter %c", next_let++);
		else
			ck_abort_msg("mark from unexpected task %d", mk.task);
		ck_assert_str_eq(mk.text, want);
	}
	ck_assert_int_eq(next_num, 6);
	ck_assert_int_eq(next_let, 'f');

	/* Both printers lived at the same time (concurrency), mostly asleep. */
	const struct model_task *a = model_task(m, (size_t)num), *b = model_task(m, (size_t)let);
	ck_assert_uint_lt(a->start_ns, b->end_ns);
	ck_assert_uint_lt(b->start_ns, a->end_ns);
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, (size_t)num, tot);
	ck_assert_uint_gt(tot[STATE_SLEEP], 5 * 20 * 1000000ull * 8 / 10);
	/* main waited in join for about as long as the printers lived. */
	model_task_totals(m, (size_t)main_task, tot);
	ck_assert_uint_gt(tot[STATE_JOIN], (a->end_ns - a->start_ns) / 2);

	model_free(m);
	run_destroy(&run);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("interleave");
	TCase *tc = tcase_create("run");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, interleave_records_both_threads);
	suite_add_tcase(s, tc);
	return support_main(s);
}
