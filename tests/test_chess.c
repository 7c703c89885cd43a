/*
 * test_chess.c: the chess exhibitions run for real at a small scale, and
 * their simulated totals, the master's lane and the parallel variant have
 * the shape the lesson's arithmetic predicts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
 * not beat the formula, and the best of up to three runs must match it.
 * When none did and other programs kept the cores busy during every run
 * that missed (support_load_other), the figure is untestable now: a
 * counted skip. A miss on a machine that was free is a failure. */
#define CHESS_TRIES 3

struct chess_tries {
	int busy;          /* runs that missed while other programs were busy */
	double worst_load; /* the lowest other load among them */
};

static int chess_check_total(double got, double want, int try, const char *what,
                             const struct support_load *load, struct chess_tries *tr)
{
	double frac = chess_margin();
	ck_assert_msg(got >= want * (1 - frac), "%s: %.1f, faster than the schedule's %.1f", what, got, want);
	if (got <= want * (1 + frac))
		return 1;
	double other = support_load_other(load);
	if (other >= SUPPORT_BUSY) {
		tr->worst_load = tr->busy == 0 || other < tr->worst_load ? other : tr->worst_load;
		tr->busy++;
	}
	if (try + 1 < CHESS_TRIES)
		return 0;
	ck_assert_msg(tr->busy == CHESS_TRIES, "%s: %.1f, expected %.1f within %.0f%% (best of %d; other load %.0f%%)",
	              what, got, want, frac * 100, CHESS_TRIES, 100 * other);
	return -1;
}

START_TEST(chess_sync_matches_formula)
{
	/* 4 boards x 3 pairs x (5 + 55) s = 720 s: the exhibition ends with
	 * the last game, at the opponent's reply to her last move. */
	static const char *const sets[] = {"boards=4", "moves=3", "master_move_s=5", "opponent_move_s=55",
	                                   "time_scale=200", "sync_full=on", NULL};
	struct chess_tries tr = {0};
	for (int try = 0; try < CHESS_TRIES; try++) {
		struct run run;
		struct support_load load;
		support_load_start(&load);
		struct model *m = support_run_demo("chess/sync", sets, &run);
		support_check_invariants(m, 1, 0.01);
		ck_assert(support_result(&run, "sync_projected") == 0);
		/* The sync master mostly waits: 5 of every 60 s are hers. */
		ck_assert(support_result(&run, "master_busy_share") < 0.2);
		int ok = chess_check_total(support_result(&run, "sync_sim_s"), 4 * 3 * 60, try, "sync_sim_s", &load, &tr);
		ck_assert_double_eq(support_result(&run, "sync_formula_sim_s"), 4 * 3 * 60);
		model_free(m);
		run_destroy(&run);
		if (ok != 0)
			break;
	}
	if (tr.busy == CHESS_TRIES)
		support_skip("machine busy: other programs used at least %.0f%% of the cores in every run; "
		             "the 2%% figure is not testable now", 100 * tr.worst_load);
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
	struct chess_tries tr = {0};
	for (int try = 0; try < CHESS_TRIES; try++) {
		struct run run;
		struct support_load load;
		support_load_start(&load);
		struct model *m = support_run_demo("chess/async", sets, &run);
		support_check_invariants(m, 1, 0.01);
		chess_check_one_at_a_time(m);
		ck_assert_double_eq(support_result(&run, "async_formula_sim_s"), 2 * 60 + 4 * 5 + 55);
		double last_move = support_result(&run, "async_last_move_sim_s");
		double total = support_result(&run, "async_sim_s");
		/* The last reply is an opponent's 55 s, measured like any other. */
		ck_assert_msg(total - last_move > 55 * 0.95 && total - last_move < 55 * 1.2,
		              "last move at %.1f s, last game over at %.1f s", last_move, total);
		int ok = chess_check_total(total, 2 * 60 + 4 * 5 + 55, try, "async_sim_s", &load, &tr);
		model_free(m);
		run_destroy(&run);
		if (ok != 0)
			break;
	}
	if (tr.busy == CHESS_TRIES)
		support_skip("machine busy: other programs used at least %.0f%% of the cores in every run; "
		             "the 2%% figure is not testable now", 100 * tr.worst_load);
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

/* The lesson's arithmetic, written again here from LESSONS.md, not taken
 * from scenarios/chess.c: a round of the async exhibition (her move on
 * every board, each opponent's reply) lasts max(boards x master, master +
 * opponent); the sync master plays every move pair of every game back to
 * back, boards x (master + opponent) a round. Checked on what one more
 * round adds to each formula, which holds whether an exhibition is timed to
 * her last move or to the last reply, and on the headline figures. */
static double lesson_round_s(int boards, double m, double o)
{
	return boards * m > m + o ? boards * m : m + o;
}

/* The formulas chess/both reports for these parameters ("KEY=VALUE", up
 * to 6) and `moves` move pairs: async, sync, and one master's async. */
static void chess_formulas(const char *const *params, int moves, double out[3])
{
	char mv[32];
	const char *sets[10];
	int n = 0;
	snprintf(mv, sizeof(mv), "moves=%d", moves);
	sets[n++] = mv;
	sets[n++] = "time_scale=10000";
	for (int i = 0; params[i] != NULL && n < 9; i++)
		sets[n++] = params[i];
	sets[n] = NULL;
	struct run run;
	struct model *model = support_run_demo("chess/both", sets, &run);
	out[0] = support_result(&run, "async_formula_sim_s");
	out[1] = support_result(&run, "sync_formula_sim_s");
	double one = 0;
	out[2] = run_result_get(&run, "parallel.one_master_async_formula_sim_s", &one) == 0 ? one : -1;
	model_free(model);
	run_destroy(&run);
}

static void chess_check_rounds(const char *const *params, int boards, int moves, double m, double o, int masters)
{
	double a[3], b[3];
	int share = (boards + masters - 1) / masters;
	chess_formulas(params, moves, a);
	chess_formulas(params, moves + 1, b);
	double want = lesson_round_s(share, m, o);
	ck_assert_msg(fabs((b[0] - a[0]) - want) < 1e-6,
	              "%d boards, %g s + %g s, %d master(s): a round of the async formula adds %.3f s, "
	              "the lesson's max(%d x %g, %g + %g) is %.3f s",
	              boards, m, o, masters, b[0] - a[0], share, m, m, o, want);
	ck_assert_msg(fabs((b[1] - a[1]) - share * (m + o)) < 1e-6,
	              "%d boards: a round of the sync formula adds %.3f s, the lesson's %d x (%g + %g) is %.3f s",
	              boards, b[1] - a[1], share, m, o, share * (m + o));
	if (masters > 1)
		ck_assert_msg(fabs((b[2] - a[2]) - lesson_round_s(boards, m, o)) < 1e-6,
		              "one master's async formula adds %.3f s a round, the lesson's %.3f s", b[2] - a[2],
		              lesson_round_s(boards, m, o));
}

START_TEST(chess_formulas_are_the_lessons_arithmetic)
{
	/* The headline: 24 boards, 5 s + 55 s. Her rounds of 24 x 5 = 120 s
	 * outlast an opponent's 60 s; 30 rounds are one hour (to her last
	 * move; the last reply adds at most one opponent's move), one game
	 * after another twelve hours (24 x 30 x 60 s, within one reply). */
	static const char *const none[] = {NULL};
	chess_check_rounds(none, 24, 3, 5, 55, 1);
	double h[3];
	chess_formulas(none, 30, h);
	ck_assert_msg(h[0] >= 3600 - 1e-6 && h[0] <= 3600 + 55 + 1e-6, "the headline async figure is %.1f s", h[0]);
	ck_assert_msg(h[1] >= 43200 - 55 - 1e-6 && h[1] <= 43200 + 1e-6, "the headline sync figure is %.1f s", h[1]);
	/* Few boards: the opponent's 60 s sets the round, not her 4 x 5 s. */
	static const char *const few[] = {"boards=4", NULL};
	chess_check_rounds(few, 4, 3, 5, 55, 1);
	/* Split between two masters: 12 x 5 = 5 + 55, exactly balanced. */
	static const char *const two[] = {"masters=2", NULL};
	chess_check_rounds(two, 24, 3, 5, 55, 2);
	/* Odd sizes: 7 x 3 s outlast 3 s + 10 s. */
	static const char *const odd[] = {"boards=7", "master_move_s=3", "opponent_move_s=10", NULL};
	chess_check_rounds(odd, 7, 4, 3, 10, 1);
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
	struct timespec c0, c1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	atomic_int stop = 0;
	int depth = chess_search(&p, t + budget, &stop, &best, &nodes);
	uint64_t took = clock_now_ns() - t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	uint64_t cpu = (uint64_t)(c1.tv_sec - c0.tv_sec) * 1000000000ull + (uint64_t)c1.tv_nsec - (uint64_t)c0.tv_nsec;
	ck_assert_int_ge(depth, 2);
	ck_assert_uint_gt(nodes, 100);
	char text[5];
	chess_move_text(best, text);
	ck_assert_str_eq(text, "a1a5");
	/* It thinks for its time, not much more. The wall clock can run far
	 * past the deadline while other programs hold the core; the search's
	 * own CPU time cannot: it stops at the first check after the deadline
	 * (every 32 nodes). */
	ck_assert_uint_ge(took, budget);
	ck_assert_msg(cpu < budget * 2, "searched for %.1f ms of CPU (%.1f ms wall) on a %.0f ms budget",
	              (double)cpu / 1e6, (double)took / 1e6, (double)budget / 1e6);
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
	tcase_add_test(tc, chess_formulas_are_the_lessons_arithmetic);
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
