/*
 * test_chess.c: the chess exhibitions run for real at a small scale, and
 * their simulated totals, the master's lane and the parallel variant have
 * the shape the lesson's arithmetic predicts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chessboard.h"
#include "clock.h"
#include "support.h"

/* The margin for simulated totals: the 2%. Under a sanitizer every
 * step between two moves is several times slower, and that time is outside
 * the players' clocks: the margin is then 10%. */
static double chess_margin(void)
{
	const char *san = getenv("SIMUL_SANITIZER");
	return san != NULL && san[0] != '\0' ? 0.10 : 0.02;
}

/* A loaded machine (or a CPU quota) can stall the master's thread for
 * longer than a whole move: noise only ever adds time. So each run must
 * not beat the formula, and the best of up to three runs must match it. */
#define CHESS_TRIES 3

static int chess_check_total(double got, double want, int try, const char *what)
{
	double frac = chess_margin();
	ck_assert_msg(got >= want * (1 - frac), "%s: %.1f, faster than the schedule's %.1f", what, got, want);
	if (got <= want * (1 + frac))
		return 1;
	ck_assert_msg(try + 1 < CHESS_TRIES, "%s: %.1f, expected %.1f within %.0f%% (best of %d)", what, got,
	              want, frac * 100, CHESS_TRIES);
	return 0;
}

START_TEST(chess_sync_matches_formula)
{
	/* 4 boards x 3 pairs x (5 + 55) s = 720 s: the exhibition ends with
	 * the last game, at the opponent's reply to her last move. */
	static const char *const sets[] = {"boards=4", "moves=3", "master_move_s=5", "opponent_move_s=55",
	                                   "time_scale=200", "sync_full=on", NULL};
	for (int try = 0; try < CHESS_TRIES; try++) {
		struct run run;
		struct model *m = support_run_demo("chess/sync", sets, &run);
		support_check_invariants(m, 1, 0.01);
		ck_assert(support_result(&run, "sync_projected") == 0);
		/* The sync master mostly waits: 5 of every 60 s are hers. */
		ck_assert(support_result(&run, "master_busy_share") < 0.2);
		int ok = chess_check_total(support_result(&run, "sync_sim_s"), 4 * 3 * 60, try, "sync_sim_s");
		ck_assert_double_eq(support_result(&run, "sync_formula_sim_s"), 4 * 3 * 60);
		model_free(m);
		run_destroy(&run);
		if (ok)
			break;
	}
}
END_TEST

/* The master never runs two boards at once: the boards' running spans, all
 * together, never overlap, and there are 4 x 3 of them. */
static void chess_check_one_at_a_time(const struct model *m)
{
	struct model_span spans[64];
	int n = 0;
	for (int i = 1; i <= 4; i++) {
		char name[32];
		snprintf(name, sizeof(name), "async board %d", i);
		int t = support_task(m, name);
		ck_assert_int_ge(t, 0);
		for (size_t k = 0; k < model_span_count(m, (size_t)t); k++) {
			struct model_span sp;
			model_span_get(m, (size_t)t, k, &sp);
			if (sp.state == STATE_RUNNING && n < 64)
				spans[n++] = sp;
		}
	}
	ck_assert_int_eq(n, 12);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			ck_assert_msg(spans[i].end_ns <= spans[j].start_ns || spans[j].end_ns <= spans[i].start_ns,
			              "two boards had the master at once");
}

START_TEST(chess_async_matches_formula_one_board_at_a_time)
{
	/* Rounds last max(4 x 5, 5 + 55) = 60 s: her last move ends at
	 * 2 x 60 + 4 x 5 = 140 s, the last game 55 s later, at 195 s. */
	static const char *const sets[] = {"boards=4", "moves=3", "master_move_s=5", "opponent_move_s=55",
	                                   "time_scale=100", NULL};
	for (int try = 0; try < CHESS_TRIES; try++) {
		struct run run;
		struct model *m = support_run_demo("chess/async", sets, &run);
		support_check_invariants(m, 1, 0.01);
		chess_check_one_at_a_time(m);
		ck_assert_double_eq(support_result(&run, "async_formula_sim_s"), 2 * 60 + 4 * 5 + 55);
		double last_move = support_result(&run, "async_last_move_sim_s");
		double total = support_result(&run, "async_sim_s");
		/* The last reply is an opponent's 55 s, measured like any other. */
		ck_assert_msg(total - last_move > 55 * 0.95 && total - last_move < 55 * 1.2,
		              "last move at %.1f s, last game over at %.1f s", last_move, total);
		int ok = chess_check_total(total, 2 * 60 + 4 * 5 + 55, try, "async_sim_s");
		model_free(m);
		run_destroy(&run);
		if (ok)
			break;
	}
}
END_TEST

START_TEST(chess_few_boards_leave_the_master_idle)
{
	/* 8 x 5 s < 5 s + 55 s: each round she waits about 20 s of 60. */
	static const char *const sets[] = {"boards=8", "moves=4", "time_scale=200", NULL};
	struct run run;
	struct model *m = support_run_demo("chess/async", sets, &run);
	support_check_invariants(m, 1, 0.01);
	int t = support_task(m, "async master");
	ck_assert_int_ge(t, 0);
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, (size_t)t, tot);
	const struct model_task *mt = model_task(m, (size_t)t);
	uint64_t life = mt->end_ns - mt->start_ns;
	ck_assert_msg(tot[STATE_IDLE] > life / 10, "idle %llu ns of %llu", (unsigned long long)tot[STATE_IDLE],
	              (unsigned long long)life);
	ck_assert(support_result(&run, "master_busy_share") < 0.9);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* both with the sync exhibition fast-forwarded: the speedup rests on a
 * projection and says so; played in full, it does not. */
START_TEST(chess_speedup_marked_projected_when_sync_is)
{
	static const char *const projected[] = {"boards=4", "moves=2", "time_scale=400", NULL};
	static const char *const full[] = {"boards=2", "moves=2", "time_scale=400", "sync_full=on", NULL};
	struct run run;
	struct model *m = support_run_demo("chess/both", projected, &run);
	ck_assert_double_eq(support_result(&run, "sync_projected"), 1);
	ck_assert_double_eq(support_result(&run, "speedup_projected"), 1);
	ck_assert_double_gt(support_result(&run, "speedup"), 1);
	model_free(m);
	run_destroy(&run);
	m = support_run_demo("chess/both", full, &run);
	ck_assert_double_eq(support_result(&run, "sync_projected"), 0);
	ck_assert_double_eq(support_result(&run, "speedup_projected"), 0);
	model_free(m);
	run_destroy(&run);
}
END_TEST

static double chess_async_with(const char *masters)
{
	const char *sets[] = {"boards=24", "moves=2", "time_scale=300", masters, NULL};
	struct run run;
	struct model *m = support_run_demo("chess/async", sets, &run);
	double s = support_result(&run, "async_sim_s");
	model_free(m);
	run_destroy(&run);
	return s;
}

START_TEST(chess_two_masters_finish_sooner)
{
	/* 24 boards keep one master busy (120 s rounds); two split them. */
	double one = chess_async_with("masters=1"), two = chess_async_with("masters=2");
	ck_assert_msg(two < 0.8 * one, "masters=2 took %.0f s, masters=1 %.0f s", two, one);
}
END_TEST

/* ---- the master's real player ---- */

static int chess_square(const char *name)
{
	return (name[1] - '1') * 16 + (name[0] - 'a');
}

START_TEST(chessboard_moves_from_the_start)
{
	struct chess_pos p;
	struct chess_move mv[256];
	chess_pos_init(&p);
	ck_assert_int_eq(chess_moves(&p, mv), 20); /* 16 pawn moves, 4 knight moves */
	ck_assert(chess_in_play(&p));
	char rank[9];
	chess_pos_rank(&p, 0, rank);
	ck_assert_str_eq(rank, "RNBQKBNR");
	chess_pos_rank(&p, 6, rank);
	ck_assert_str_eq(rank, "pppppppp");
}
END_TEST

START_TEST(chessboard_search_takes_a_hanging_queen_and_keeps_time)
{
	/* White: king e1, rook a1; black: king e8, queen a5 on the rook's file. */
	struct chess_pos p;
	memset(&p, 0, sizeof(p));
	p.sq[chess_square("e1")] = 6;
	p.sq[chess_square("a1")] = 4;
	p.sq[chess_square("e8")] = -6;
	p.sq[chess_square("a5")] = -5;
	p.side = 1;
	struct chess_move best;
	uint64_t nodes = 0, budget = 30 * 1000000ull, t = clock_now_ns();
	atomic_int stop = 0;
	int depth = chess_search(&p, t + budget, &stop, &best, &nodes);
	uint64_t took = clock_now_ns() - t;
	ck_assert_int_ge(depth, 2);
	ck_assert_uint_gt(nodes, 100);
	char text[5];
	chess_move_text(best, text);
	ck_assert_str_eq(text, "a1a5");
	/* It thinks for its time, not much more (generous: a loaded machine). */
	ck_assert_uint_ge(took, budget);
	ck_assert_uint_lt(took, budget * 4);
}
END_TEST

START_TEST(chessboard_pawn_promotes_and_a_lost_king_ends_the_game)
{
	struct chess_pos p;
	memset(&p, 0, sizeof(p));
	p.sq[chess_square("e1")] = 6;
	p.sq[chess_square("b7")] = 1;
	p.sq[chess_square("a8")] = -6;
	p.side = 1;
	struct chess_move m = {(unsigned char)chess_square("b7"), (unsigned char)chess_square("b8")};
	chess_play(&p, m);
	ck_assert_int_eq(p.sq[chess_square("b8")], 5);
	ck_assert(chess_in_play(&p));
	/* Black's king takes the new queen; white's rook-less king remains. */
	struct chess_move take = {(unsigned char)chess_square("a8"), (unsigned char)chess_square("b8")};
	chess_play(&p, take);
	ck_assert(chess_in_play(&p));
	p.sq[chess_square("e1")] = 0;
	ck_assert(!chess_in_play(&p));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("chess");
	TCase *tc = tcase_create("run");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, chess_sync_matches_formula);
	tcase_add_test(tc, chess_async_matches_formula_one_board_at_a_time);
	tcase_add_test(tc, chess_few_boards_leave_the_master_idle);
	tcase_add_test(tc, chess_two_masters_finish_sooner);
	tcase_add_test(tc, chess_speedup_marked_projected_when_sync_is);
	suite_add_tcase(s, tc);
	TCase *engine = tcase_create("chessboard");
	tcase_set_timeout(engine, 10);
	tcase_add_test(engine, chessboard_moves_from_the_start);
	tcase_add_test(engine, chessboard_search_takes_a_hanging_queen_and_keeps_time);
	tcase_add_test(engine, chessboard_pawn_promotes_and_a_lost_king_ends_the_game);
	suite_add_tcase(s, engine);
	return support_main(s);
}
