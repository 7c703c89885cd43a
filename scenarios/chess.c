/*
 * chess.c: the chess module: a master plays a simultaneous exhibition.
 *
 * A chess master plays many opponents. Her move takes master_move_s, an
 * opponent's reply opponent_move_s, a game is `moves` move pairs (she plays
 * first). The sync master plays one game to its end before the next; the
 * async master is an event loop: she moves on whichever board is ready and
 * leaves its opponent thinking on a timer. Time is simulated: one real
 * second is worth time_scale simulated seconds, and every simulated figure
 * is a measured real duration times that scale.
 *
 * Every board holds a real position. The master's thinking is a real move
 * search on it (chessboard.h) for the scaled duration, against a clock as in
 * tournament chess: she thinks for exactly her time and searches as deep as
 * her core allows (once a game is decided she burns the rest of her time
 * counting primes, so the schedule stays the lesson's). Opponents think on
 * real timers (run_sleep_ns for the sync master, uv_timer for the async
 * one). Every player keeps a chess clock: a move that overruns its time (the
 * thread was preempted at its deadline, a timer fired late on a busy
 * machine) is taken from that player's next move, so the measured totals
 * follow the schedule rather than the machine's load. The master's clock
 * also runs between two moves she makes one after the other (the loop's
 * bookkeeping), and stops only while she waits. With masters > 1, each master is a thread of her own that plays an
 * equal share of the boards.
 *
 * An exhibition is timed from the first move until its last game is over:
 * the opponent's reply to the master's last move. That is what the lesson's
 * Python measures too (asyncio.gather returns once every game has ended,
 * and the sync loop ends with a time.sleep), and what the formulas below
 * compute: 24 x 30 x (5 + 55) = 43,200 s, and 29 x 120 + 120 + 55 = 3,655 s.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "chessboard.h"
#include "clock.h"
#include "pace.h"
#include "cpuburn.h"
#include "demo.h"
#include "run.h"
#include "trace.h"

#define CHESS_BOARDS_MAX 48
#define CHESS_ROW 4 /* boards per line of the panel: narrow, beside the timeline */
#define CHESS_PANEL_TITLE "boards: number, move, whose turn, last move"

enum board_status { BOARD_WAIT, BOARD_MASTER, BOARD_OPPONENT, BOARD_DONE };

struct board {
	int index;
	trace_task_t task;
	atomic_int moves_done;
	atomic_int status;
	atomic_int last_move;  /* from << 8 | to of the last move, -1: none */
	atomic_int decided;    /* the game is over early: 1 she won, 2 she lost, 3 no move */
	struct chess_pos pos;  /* touched only by its master's thread */
	uint64_t rng;
	uint64_t reply_start, reply_budget; /* the opponent's clock */
	int64_t reply_debt;
	uv_timer_t timer;   /* async: the opponent thinking */
	struct master *master;
};

struct master {
	struct exhibition *ex;
	trace_task_t task;
	pthread_t thread;
	int boards[CHESS_BOARDS_MAX];
	int nboards;
	uint64_t done_ns;       /* end of her last move */
	uint64_t last_reply_ns; /* the last reply played so far */
	uint64_t end_ns;        /* her last game's last reply: her share's end (or projected) */
	uint64_t busy_ns;
	uint64_t checksum; /* of the prime counting: keeps it from being optimised away */
	uint64_t nodes;    /* positions her searches visited */
	int64_t debt_ns;     /* her clock: overrun to take from her next move */
	uint64_t clock_from; /* her clock runs from here (her last move's end); 0: stopped */
	int games_done;
	int projected;
	/* async: her event loop and the boards waiting for her, FIFO */
	uv_loop_t loop;
	uv_idle_t idle;
	uv_timer_t watch;
	int queue[CHESS_BOARDS_MAX];
	int qhead, qcount;
	int moves_left, games_left;
	int line_think, line_wait, line_ready, line_idle;
};

struct exhibition {
	struct run *run;
	const char *group; /* "sync" or "async" */
	int async;
	int nboards, moves, nmasters;
	uint64_t master_ns, opp_ns, t0, budget_ns;
	int full; /* sync: play every game, never project */
	int panel_line0;
	int started; /* master threads started */
	atomic_int masters_left;
	struct board boards[CHESS_BOARDS_MAX];
	struct master masters[CHESS_BOARDS_MAX];
};

/* ---- the arithmetic (what the lesson teaches) ---- */

/* Largest share of boards one master gets when nmasters split nboards. */
static int chess_share(int nboards, int nmasters)
{
	return (nboards + nmasters - 1) / nmasters;
}

/* Sync: every game, move pairs back to back, to the last reply. */
static double chess_sync_formula(int boards, int moves, double m, double o)
{
	return boards * moves * (m + o);
}

/* Async: a round lasts max(boards x m, m + o); the last round ends with her
 * move on the last board, and that board's game with its opponent's reply. */
static double chess_async_formula(int boards, int moves, double m, double o)
{
	return (moves - 1) * fmax(boards * m, m + o) + boards * m + o;
}

/* ---- the players' clocks ---- */

/* Time for the next move: the nominal time less what earlier moves overran
 * (debt = time used so far minus time allowed so far), within [0, 2x]. */
static uint64_t chess_budget(uint64_t nominal, int64_t debt)
{
	if (debt >= (int64_t)nominal)
		return 0;
	if (debt < -(int64_t)nominal)
		return 2 * nominal;
	return (uint64_t)((int64_t)nominal - debt);
}

static void chess_reply_start(struct exhibition *ex, struct board *b)
{
	b->reply_start = clock_now_ns();
	b->reply_budget = chess_budget(ex->opp_ns, b->reply_debt);
}

static void chess_reply_end(struct exhibition *ex, struct board *b)
{
	b->reply_debt += (int64_t)(clock_now_ns() - b->reply_start) - (int64_t)ex->opp_ns;
}

/* ---- the live board grid ---- */

static void chess_last_text(int packed, char out[5])
{
	if (packed < 0) {
		strcpy(out, "    ");
		return;
	}
	struct chess_move m = {(unsigned char)(packed >> 8), (unsigned char)(packed & 0xff)};
	chess_move_text(m, out);
}

static void chess_panel_row(struct exhibition *ex, int row)
{
	char buf[RUN_PANEL_WIDTH];
	size_t n = 0;
	for (int i = row * CHESS_ROW; i < ex->nboards && i < (row + 1) * CHESS_ROW; i++) {
		struct board *b = &ex->boards[i];
		static const char what[] = "wMo#";  /* enum board_status */
		static const char result[] = " +-="; /* decided */
		char last[5];
		int st = atomic_load(&b->status), decided = atomic_load(&b->decided);
		chess_last_text(atomic_load(&b->last_move), last);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%2d %2d%c %s%c  ", i + 1, atomic_load(&b->moves_done),
		                      what[st], last, result[decided]);
		if (n >= sizeof(buf))
			break;
	}
	run_panel_set(ex->run, ex->panel_line0 + 1 + row, CHESS_PANEL_TITLE, buf);
}

static void chess_panel_header(struct exhibition *ex, const char *text)
{
	char buf[RUN_PANEL_WIDTH];
	snprintf(buf, sizeof(buf), "%s: %s", ex->group, text);
	run_panel_set(ex->run, ex->panel_line0, CHESS_PANEL_TITLE, buf);
}

/* Header, the grid, then the position she last moved on: a title and 8
 * ranks. */
static int chess_panel_lines(int nboards)
{
	return 1 + (nboards + CHESS_ROW - 1) / CHESS_ROW + 9;
}

/* Called by the master who owns b, so the position is hers to read. */
static void chess_panel_position(struct exhibition *ex, struct board *b, const char *who)
{
	int line = ex->panel_line0 + 1 + (ex->nboards + CHESS_ROW - 1) / CHESS_ROW;
	char buf[RUN_PANEL_WIDTH], last[5];
	chess_last_text(atomic_load(&b->last_move), last);
	snprintf(buf, sizeof(buf), "  %s board %d, move %d (%s), %s:", ex->group, b->index + 1,
	         atomic_load(&b->moves_done), last, who);
	run_panel_set(ex->run, line, NULL, buf);
	for (int r = 7; r >= 0; r--) {
		char rank[9];
		chess_pos_rank(&b->pos, r, rank);
		snprintf(buf, sizeof(buf), "    %d %s", r + 1, rank);
		run_panel_set(ex->run, line + 8 - r, NULL, buf);
	}
}

/* A move on board b: play it, remember it, note an early end. */
static void chess_board_move(struct board *b, struct chess_move m)
{
	chess_play(&b->pos, m);
	atomic_store(&b->last_move, m.from << 8 | m.to);
}

static void chess_board_judge(struct board *b)
{
	if (atomic_load(&b->decided) || chess_in_play(&b->pos))
		return;
	/* The side to move has lost its king or has no move. */
	struct chess_move mv[256];
	int kings = 0;
	for (int s = 0; s < 128; s++)
		if (!(s & 0x88) && (b->pos.sq[s] == 6 * b->pos.side))
			kings++;
	if (kings == 0)
		atomic_store(&b->decided, b->pos.side == -1 ? 1 : 2);
	else if (chess_moves(&b->pos, mv) == 0)
		atomic_store(&b->decided, 3);
}

/* The opponent at board b replies (cheaply: the clock is the timer). */
static void chess_opponent_reply(struct board *b)
{
	struct chess_move m;
	if (!atomic_load(&b->decided) && chess_reply(&b->pos, &b->rng, &m)) {
		chess_board_move(b, m);
		chess_board_judge(b);
	}
}

static void chess_board_set(struct exhibition *ex, struct board *b, enum board_status st)
{
	atomic_store(&b->status, (int)st);
	chess_panel_row(ex, b->index / CHESS_ROW);
}

/* ---- the master's thinking: real CPU work against her clock ---- */

static void chess_think(struct master *ms, struct board *b)
{
	struct exhibition *ex = ms->ex;
	uint64_t start = clock_now_ns();
	/* Her clock has run since her last move if she went straight on to this
	 * board (walking to it, the loop's bookkeeping), else from now. */
	uint64_t from = ms->clock_from ? ms->clock_from : start;
	uint64_t end = from + chess_budget(ex->master_ns, ms->debt_ns);

	chess_board_set(ex, b, BOARD_MASTER);
	trace_state(b->task, STATE_RUNNING, "the master is thinking here");
	trace_statef(ms->task, STATE_RUNNING, ms->line_think, "move %d on board %d",
	             atomic_load(&b->moves_done) + 1, b->index + 1);
	struct chess_move m;
	int depth = 0;
	if (!atomic_load(&b->decided) &&
	    (depth = chess_search(&b->pos, end, &ex->run->stop, &m, &ms->nodes)) > 0) {
		chess_board_move(b, m);
		chess_board_judge(b);
	}
	while (clock_now_ns() < end && !run_stopping(ex->run))
		ms->checksum += cpuburn_run(4);
	uint64_t now = clock_now_ns();
	ms->debt_ns += (int64_t)(now - from) - (int64_t)ex->master_ns;
	ms->busy_ns += now - from;
	ms->clock_from = now;
	atomic_fetch_add(&b->moves_done, 1);
	if (depth > 0) {
		char last[5];
		chess_last_text(atomic_load(&b->last_move), last);
		trace_markf(ms->task, "board %d: %s (searched %d plies)", b->index + 1, last, depth);
	}
	if (--ms->moves_left == 0) {
		ms->done_ns = now;
		trace_end(ms->task);
	}
	chess_board_set(ex, b, BOARD_OPPONENT);
	chess_panel_position(ex, b, "after her move");
	trace_state_at(b->task, STATE_SLEEP, ms->line_wait, "the opponent is thinking");
}

static void chess_board_finish(struct exhibition *ex, struct master *ms, struct board *b)
{
	chess_board_set(ex, b, BOARD_DONE);
	trace_end(b->task);
	ms->games_done++;
	ms->last_reply_ns = clock_now_ns();
	if (ms->games_done == ms->nboards)
		ms->end_ns = ms->last_reply_ns;
}

/* One master of this exhibition is done; the last one says so. */
static void chess_master_done(struct master *ms)
{
	struct exhibition *ex = ms->ex;
	if (atomic_fetch_sub(&ex->masters_left, 1) != 1)
		return;
	char text[120];
	uint64_t last = 0;
	int projected = 0, played = 0;
	for (int i = 0; i < ex->nmasters; i++) {
		if (ex->masters[i].end_ns > last)
			last = ex->masters[i].end_ns;
		projected |= ex->masters[i].projected;
		played += ex->masters[i].games_done;
	}
	if (run_stopping(ex->run) || last < ex->t0) {
		chess_panel_header(ex, "stopped");
		return;
	}
	double sim = (double)(last - ex->t0) / 1e9 * ex->run->sim_scale;
	snprintf(text, sizeof(text), "%s exhibition %s", ex->group, projected ? "fast-forwarded" : "done");
	trace_milestone(text);
	if (projected)
		snprintf(text, sizeof(text), "PROJECTED to end at %d:%02d:%02d (%d of %d games played, the rest projected)",
		         (int)(sim / 3600), (int)fmod(sim / 60, 60), (int)fmod(sim, 60), played, ex->nboards);
	else
		snprintf(text, sizeof(text), "done at %d:%02d:%02d simulated", (int)(sim / 3600), (int)fmod(sim / 60, 60),
		         (int)fmod(sim, 60));
	chess_panel_header(ex, text);
}

/* ---- the sync master: one game after another ---- */

static void *chess_sync_main(void *arg)
{
	struct master *ms = arg;
	struct exhibition *ex = ms->ex;
	struct run *run = ex->run;

	trace_bind(ms->task);
	for (int k = 0; k < ms->nboards && !run_stopping(run); k++) {
		struct board *b = &ex->boards[ms->boards[k]];
		for (int mv = 0; mv < ex->moves && !run_stopping(run); mv++) {
			chess_think(ms, b);
			ms->clock_from = 0; /* she waits: the opponent's clock runs */
			if (ms->moves_left > 0)
				trace_statef(ms->task, STATE_SLEEP, ms->line_wait, "waits for board %d's reply",
				             b->index + 1);
			chess_reply_start(ex, b);
			if (run_sleep_ns(run, b->reply_budget) != 0)
				break;
			chess_reply_end(ex, b);
			chess_opponent_reply(b);
		}
		if (run_stopping(run))
			break;
		chess_board_finish(ex, ms, b);

		/* Once one whole game has been measured and the async exhibition
		 * would be over, the outcome is clear: project the rest. */
		uint64_t now = clock_now_ns();
		if (!ex->full && k + 1 < ms->nboards && now - ex->t0 >= ex->budget_ns) {
			double per_game = (double)(now - ex->t0) / ms->games_done;
			int left = ms->nboards - ms->games_done;
			ms->end_ns = now + (uint64_t)(per_game * left);
			ms->done_ns = ms->end_ns - ex->opp_ns;
			ms->projected = 1;
			trace_markf(ms->task, "fast-forward: %d games measured, %d projected", ms->games_done, left);
			trace_end(ms->task);
			for (int j = k + 1; j < ms->nboards; j++)
				trace_end(ex->boards[ms->boards[j]].task);
			break;
		}
	}
	if (run_stopping(run) && !ms->projected) {
		if (ms->moves_left > 0)
			trace_end(ms->task);
		for (int j = 0; j < ms->nboards; j++)
			if (atomic_load(&ex->boards[ms->boards[j]].status) != BOARD_DONE)
				trace_end(ex->boards[ms->boards[j]].task);
	}
	chess_master_done(ms);
	return NULL;
}

/* ---- the async master: an event loop over her boards ---- */

static void chess_on_reply(uv_timer_t *t);

static void chess_on_idle(uv_idle_t *h)
{
	struct master *ms = h->data;
	struct exhibition *ex = ms->ex;

	if (run_stopping(ex->run)) {
		uv_stop(&ms->loop);
		return;
	}
	struct board *b = &ex->boards[ms->queue[ms->qhead]];
	ms->qhead = (ms->qhead + 1) % CHESS_BOARDS_MAX;
	ms->qcount--;
	chess_think(ms, b);
	uv_update_time(&ms->loop); /* she thought for a while: time moved */
	chess_reply_start(ex, b);
	uint64_t real = pace_real_ns(b->reply_budget); /* lesson time (pace.h) */
	uv_timer_start(&b->timer, chess_on_reply, (real + NS_PER_MS / 2) / NS_PER_MS, 0);
	if (ms->qcount == 0) {
		uv_idle_stop(&ms->idle);
		ms->clock_from = 0; /* she idles: every opponent's clock runs */
		if (ms->moves_left > 0)
			trace_state_at(ms->task, STATE_IDLE, ms->line_idle, "every opponent is thinking");
	}
}

static void chess_on_reply(uv_timer_t *t)
{
	struct board *b = t->data;
	struct master *ms = b->master;
	struct exhibition *ex = ms->ex;

	chess_reply_end(ex, b);
	chess_opponent_reply(b);
	if (atomic_load(&b->moves_done) == ex->moves) {
		chess_board_finish(ex, ms, b);
		if (--ms->games_left == 0)
			uv_stop(&ms->loop);
		return;
	}
	ms->queue[(ms->qhead + ms->qcount) % CHESS_BOARDS_MAX] = b->index;
	ms->qcount++;
	chess_board_set(ex, b, BOARD_WAIT);
	trace_state_at(b->task, STATE_READY, ms->line_ready, "waits for the master");
	if (!uv_is_active((uv_handle_t *)&ms->idle))
		uv_idle_start(&ms->idle, chess_on_idle);
}

static void chess_on_watch(uv_timer_t *t)
{
	struct master *ms = t->data;
	if (run_stopping(ms->ex->run))
		uv_stop(&ms->loop);
}

static void *chess_async_main(void *arg)
{
	struct master *ms = arg;
	struct exhibition *ex = ms->ex;

	trace_bind(ms->task);
	trace_state_at(ms->task, STATE_RUNNING, ms->line_think, "starting the loop");
	if (uv_loop_init(&ms->loop) != 0) {
		run_fail(ex->run, "could not make an event loop");
		trace_end(ms->task);
		chess_master_done(ms);
		return NULL;
	}
	uv_idle_init(&ms->loop, &ms->idle);
	ms->idle.data = ms;
	uv_timer_init(&ms->loop, &ms->watch);
	ms->watch.data = ms;
	uv_timer_start(&ms->watch, chess_on_watch, 20, 20);
	uv_unref((uv_handle_t *)&ms->watch);
	for (int k = 0; k < ms->nboards; k++) {
		struct board *b = &ex->boards[ms->boards[k]];
		uv_timer_init(&ms->loop, &b->timer);
		b->timer.data = b;
		ms->queue[k] = b->index;
	}
	ms->qhead = 0;
	ms->qcount = ms->nboards;
	uv_idle_start(&ms->idle, chess_on_idle);
	uv_run(&ms->loop, UV_RUN_DEFAULT);

	/* Finished or stopped: close every handle, let the loop see it. */
	uv_close((uv_handle_t *)&ms->idle, NULL);
	uv_close((uv_handle_t *)&ms->watch, NULL);
	for (int k = 0; k < ms->nboards; k++) {
		struct board *b = &ex->boards[ms->boards[k]];
		uv_close((uv_handle_t *)&b->timer, NULL);
		if (atomic_load(&b->status) != BOARD_DONE)
			trace_end(b->task);
	}
	uv_run(&ms->loop, UV_RUN_DEFAULT);
	uv_loop_close(&ms->loop);
	if (ms->moves_left > 0)
		trace_end(ms->task);
	chess_master_done(ms);
	return NULL;
}

/* ---- an exhibition ---- */

static void chess_exhibition_init(struct exhibition *ex, struct run *run, int async, int panel_line0)
{
	double scale = run->sim_scale;
	double m = run_num(run, "master_move_s"), o = run_num(run, "opponent_move_s");

	memset(ex, 0, sizeof(*ex));
	ex->run = run;
	ex->async = async;
	ex->group = async ? "async" : "sync";
	ex->nboards = (int)run_int(run, "boards");
	ex->moves = (int)run_int(run, "moves");
	ex->nmasters = (int)run_int(run, "masters");
	if (ex->nmasters > ex->nboards)
		ex->nmasters = ex->nboards;
	ex->master_ns = (uint64_t)(m / scale * 1e9);
	ex->opp_ns = (uint64_t)(o / scale * 1e9);
	ex->full = run_bool(run, "sync_full");
	ex->budget_ns = (uint64_t)(chess_async_formula(chess_share(ex->nboards, ex->nmasters), ex->moves, m, o) /
	                           scale * 1e9);
	ex->panel_line0 = panel_line0;
	atomic_store(&ex->masters_left, ex->nmasters);

	const char *prefix = async ? "async" : "sync";
	char tag[32];
	for (int i = 0; i < ex->nmasters; i++) {
		struct master *ms = &ex->masters[i];
		char name[32];
		if (ex->nmasters == 1)
			snprintf(name, sizeof(name), "%s master", prefix);
		else
			snprintf(name, sizeof(name), "%s master %d", prefix, i + 1);
		ms->ex = ex;
		ms->task = trace_task_new(name, KIND_THREAD, ex->group);
		snprintf(tag, sizeof(tag), "%s_think", prefix);
		ms->line_think = run_lesson_line(run, tag);
		snprintf(tag, sizeof(tag), "%s_wait", prefix);
		ms->line_wait = run_lesson_line(run, tag);
		snprintf(tag, sizeof(tag), "%s_ready", prefix);
		ms->line_ready = run_lesson_line(run, tag);
		ms->line_idle = run_lesson_line(run, "loop_idle");
	}
	for (int i = 0; i < ex->nboards; i++) {
		struct board *b = &ex->boards[i];
		char name[32];
		struct master *ms = &ex->masters[i % ex->nmasters];
		snprintf(name, sizeof(name), "%s board %d", prefix, i + 1);
		b->index = i;
		b->task = trace_task_new_child(name, KIND_BOARD, ex->group, ms->task);
		chess_pos_init(&b->pos);
		b->rng = run->seed * 2654435761u + (uint64_t)i * 40503u + (uint64_t)async + 1;
		atomic_store(&b->last_move, -1);
		b->master = ms;
		ms->boards[ms->nboards++] = i;
	}
	for (int i = 0; i < ex->nmasters; i++) {
		struct master *ms = &ex->masters[i];
		ms->moves_left = ms->nboards * ex->moves;
		ms->games_left = ms->nboards;
	}
	chess_panel_header(ex, async ? "the master moves on whichever board is ready"
	                             : "the master plays one game after another");
	for (int i = 0; i < ex->nboards; i++)
		chess_panel_row(ex, i / CHESS_ROW);
}

static int chess_exhibition_start(struct exhibition *ex)
{
	for (int i = 0; i < ex->nboards; i++)
		trace_state_at(ex->boards[i].task, STATE_READY, ex->masters[0].line_ready, "waits for the master");
	for (int i = 0; i < ex->nmasters; i++) {
		struct master *ms = &ex->masters[i];
		if (pthread_create(&ms->thread, NULL, ex->async ? chess_async_main : chess_sync_main, ms) != 0) {
			run_fail(ex->run, "could not start a master thread");
			return i;
		}
	}
	return ex->nmasters;
}

/* Simulated seconds from the start to the end of the last game (the latest
 * master's). */
static double chess_exhibition_sim_s(const struct exhibition *ex, double *busy_share, int *projected)
{
	uint64_t last = 0, busy = 0, life = 0, nodes = 0;
	char key[48];
	*projected = 0;
	for (int i = 0; i < ex->nmasters; i++) {
		const struct master *ms = &ex->masters[i];
		if (ms->end_ns > last)
			last = ms->end_ns;
		busy += ms->busy_ns;
		life += (ms->projected ? ms->last_reply_ns : ms->done_ns) - ex->t0;
		*projected |= ms->projected;
		nodes += ms->nodes;
	}
	snprintf(key, sizeof(key), "%s_positions_searched", ex->group);
	run_result_num(ex->run, key, (double)nodes);
	*busy_share = life ? (double)busy / (double)life : 0;
	return (double)(last - ex->t0) / 1e9 * ex->run->sim_scale;
}

static int chess_results(struct run *run, struct exhibition *sync, struct exhibition *async, uint64_t t0);

static int chess_main(struct run *run, int want_sync, int want_async)
{
	int boards = (int)run_int(run, "boards"), masters = (int)run_int(run, "masters");
	int line = 0;

	if (masters > boards) {
		run_fail(run, "masters=%d is more than boards=%d: each master needs a board", masters, boards);
		return -1;
	}
	struct exhibition *exs = calloc(2, sizeof(*exs)); /* too big for the stack */
	if (exs == NULL) {
		run_fail(run, "out of memory");
		return -1;
	}
	struct exhibition *sync = want_sync ? &exs[0] : NULL, *async = want_async ? &exs[1] : NULL;
	run_set_sim_scale(run, run_num(run, "time_scale"));
	if (async) {
		chess_exhibition_init(async, run, 1, line);
		line += chess_panel_lines(boards);
	}
	if (sync) {
		chess_exhibition_init(sync, run, 0, line);
		line += chess_panel_lines(boards);
	}
	run_panel_set(run, line, NULL,
	              "M: she thinks here  o: opponent thinks  w: waits for her  #: game over  "
	              "+ - =: decided early (she won, lost, no move)");

	uint64_t t0 = clock_now_ns();
	if (async) {
		async->t0 = t0;
		async->started = chess_exhibition_start(async);
	}
	if (sync) {
		sync->t0 = t0;
		sync->started = chess_exhibition_start(sync);
	}
	for (int e = 0; e < 2; e++)
		for (int i = 0; i < exs[e].started; i++)
			pthread_join(exs[e].masters[i].thread, NULL);
	int status = chess_results(run, sync, async, t0);
	free(exs);
	return status;
}

/* Results once every master has returned: -1 when one could not start. */
static int chess_results(struct run *run, struct exhibition *sync, struct exhibition *async, uint64_t t0)
{
	double m = run_num(run, "master_move_s"), o = run_num(run, "opponent_move_s");
	int boards = (int)run_int(run, "boards"), moves = (int)run_int(run, "moves");
	int masters = (int)run_int(run, "masters");

	if ((sync && sync->started < sync->nmasters) || (async && async->started < async->nmasters))
		return -1;
	if (run_stopping(run))
		return 0;

	int share = chess_share(boards, masters), projected;
	double busy, sync_s = 0, async_s = 0;
	if (sync) {
		sync_s = chess_exhibition_sim_s(sync, &busy, &projected);
		run_result_num(run, "sync_sim_s", sync_s);
		run_result_num(run, "sync_projected", projected);
		run_result_num(run, "sync_formula_sim_s", chess_sync_formula(share, moves, m, o));
		run_result_num(run, "sync_master_busy_share", busy);
		if (projected) {
			int played = 0;
			for (int i = 0; i < sync->nmasters; i++)
				played += sync->masters[i].games_done;
			run_result_num(run, "sync_games_played", played);
			run_result_text(run, "sync_note", "sync_sim_s is PROJECTED from the games played");
		}
		if (!async)
			run_result_num(run, "master_busy_share", busy);
	}
	if (async) {
		async_s = chess_exhibition_sim_s(async, &busy, &projected);
		uint64_t last_move = 0;
		for (int i = 0; i < async->nmasters; i++)
			if (async->masters[i].done_ns > last_move)
				last_move = async->masters[i].done_ns;
		run_result_num(run, "async_sim_s", async_s);
		run_result_num(run, "async_formula_sim_s", chess_async_formula(share, moves, m, o));
		run_result_num(run, "async_last_move_sim_s", (double)(last_move - t0) / 1e9 * run->sim_scale);
		run_result_num(run, "master_busy_share", busy);
	}
	if (sync && async && async_s > 0) {
		int sync_projected = 0;
		for (int i = 0; i < sync->nmasters; i++)
			sync_projected |= sync->masters[i].projected;
		run_result_num(run, "speedup", sync_s / async_s);
		run_result_num(run, "speedup_projected", sync_projected);
		if (sync_projected)
			run_result_text(run, "speedup_note", "speedup is PROJECTED: it divides the projected sync_sim_s");
	}
	if (masters > 1) {
		double one = chess_async_formula(boards, moves, m, o);
		run_result_num(run, "parallel.masters", masters);
		run_result_num(run, "parallel.one_master_async_formula_sim_s", one);
		if (async)
			run_result_num(run, "parallel.speedup_over_one_master", one / async_s);
	}
	return 0;
}

static int chess_sync_demo(struct run *run)
{
	return chess_main(run, 1, 0);
}

static int chess_async_demo(struct run *run)
{
	return chess_main(run, 0, 1);
}

static int chess_both_demo(struct run *run)
{
	return chess_main(run, 1, 1);
}

static const struct param_spec chess_params[] = {
	{.name = "boards", .type = PARAM_INT, .def = 24, .min = 1, .max = CHESS_BOARDS_MAX, .unit = "boards",
	 .help = "opponents, one board each"},
	{.name = "master_move_s", .type = PARAM_FLOAT, .def = 5, .min = 0.1, .max = 600, .unit = "sim s",
	 .help = "time the master thinks per move"},
	{.name = "opponent_move_s", .type = PARAM_FLOAT, .def = 55, .min = 0.1, .max = 3600, .unit = "sim s",
	 .help = "time an opponent thinks per move"},
	{.name = "moves", .type = PARAM_INT, .def = 30, .min = 1, .max = 200, .unit = "pairs",
	 .help = "move pairs in a game"},
	{.name = "masters", .type = PARAM_INT, .def = 1, .min = 1, .max = 8, .unit = "threads",
	 .help = "masters splitting the boards, one thread each"},
	{.name = "time_scale", .type = PARAM_FLOAT, .def = 180, .min = 1, .max = 10000, .unit = "sim s per s",
	 .help = "simulated seconds per real second"},
	{.name = "sync_full", .type = PARAM_BOOL, .def = 0, .min = 0, .max = 1,
	 .help = "play every sync game instead of projecting once the outcome is clear"},
};

static const struct demo chess_demos[] = {
	{
		.name = "both",
		.summary = "a simul: one game after another vs moving while opponents think",
		.description = "A master plays 24 opponents, 5 s per move for her, 55 s for them, 30 move "
		               "pairs a game. Side by side on one simulated clock: the sync master "
		               "finishes each game before the next (12 hours), the async master moves "
		               "on whichever board is ready (1 hour).",
		.params = chess_params,
		.nparams = DEMO_COUNT(chess_params),
		.main = chess_both_demo,
	},
	{
		.name = "sync",
		.summary = "the master plays one game to its end, then the next",
		.description = "One board after another: while an opponent thinks, the master waits. "
		               "Projected once the outcome is clear unless sync_full is on.",
		.params = chess_params,
		.nparams = DEMO_COUNT(chess_params),
		.main = chess_sync_demo,
	},
	{
		.name = "async",
		.summary = "the master is an event loop: she moves wherever an opponent has replied",
		.description = "Each opponent thinks on a timer while the master moves on the other "
		               "boards; she idles only when every opponent is thinking.",
		.params = chess_params,
		.nparams = DEMO_COUNT(chess_params),
		.main = chess_async_demo,
	},
};

const struct demo_module chess_module = {
	.name = "chess",
	.title = "Chess exhibition",
	.order = 40,
	.demos = chess_demos,
	.ndemos = DEMO_COUNT(chess_demos),
};
