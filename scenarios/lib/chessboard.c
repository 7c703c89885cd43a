/*
 * chessboard.c: a small, real chess player (see chessboard.h).
 *
 * The search is plain negamax with alpha-beta, captures tried first, on a
 * material evaluation with a little bonus for central, advanced pieces so
 * that quiet moves are not all equal. It checks the clock every 32 nodes
 * and abandons the unfinished depth when time is up, as a time-controlled
 * engine does.
 */
#include "chessboard.h"

#include <string.h>

#include "clock.h"

#define CHESS_INF 1000000
#define CHESS_KING_VALUE 100000

static const int piece_value[7] = {0, 100, 320, 330, 500, 900, CHESS_KING_VALUE};
static const int knight_steps[8] = {33, 31, 18, 14, -33, -31, -18, -14};
static const int king_steps[8] = {1, -1, 16, -16, 17, 15, -17, -15};
static const int bishop_dirs[4] = {17, 15, -17, -15};
static const int rook_dirs[4] = {1, -1, 16, -16};

void chess_pos_init(struct chess_pos *p)
{
	static const signed char back[8] = {4, 2, 3, 5, 6, 3, 2, 4};
	memset(p, 0, sizeof(*p));
	for (int f = 0; f < 8; f++) {
		p->sq[f] = back[f];
		p->sq[16 + f] = 1;
		p->sq[96 + f] = -1;
		p->sq[112 + f] = (signed char)-back[f];
	}
	p->side = 1;
}

static int chess_on_board(int s)
{
	return (s & 0x88) == 0;
}

static int chess_add(const struct chess_pos *p, struct chess_move *out, int n, int from, int to)
{
	int target = p->sq[to];
	if (target * p->side > 0)
		return n; /* own piece */
	out[n].from = (unsigned char)from;
	out[n].to = (unsigned char)to;
	return n + 1;
}

int chess_moves(const struct chess_pos *p, struct chess_move *out)
{
	int n = 0, side = p->side;
	for (int s = 0; s < 128; s++) {
		if (!chess_on_board(s) || p->sq[s] * side <= 0)
			continue;
		int kind = p->sq[s] * side;
		if (kind == 1) {
			int fwd = 16 * side, start_rank = side > 0 ? 1 : 6;
			if (chess_on_board(s + fwd) && p->sq[s + fwd] == 0) {
				n = chess_add(p, out, n, s, s + fwd);
				if ((s >> 4) == start_rank && p->sq[s + 2 * fwd] == 0)
					n = chess_add(p, out, n, s, s + 2 * fwd);
			}
			for (int d = -1; d <= 1; d += 2) {
				int t = s + fwd + d;
				if (chess_on_board(t) && p->sq[t] * side < 0)
					n = chess_add(p, out, n, s, t);
			}
		} else if (kind == 2 || kind == 6) {
			const int *steps = kind == 2 ? knight_steps : king_steps;
			for (int k = 0; k < 8; k++)
				if (chess_on_board(s + steps[k]))
					n = chess_add(p, out, n, s, s + steps[k]);
		} else {
			for (int k = 0; k < 8; k++) {
				int d;
				if (k < 4) {
					if (kind == 4)
						continue;
					d = bishop_dirs[k];
				} else {
					if (kind == 3)
						continue;
					d = rook_dirs[k - 4];
				}
				for (int t = s + d; chess_on_board(t); t += d) {
					n = chess_add(p, out, n, s, t);
					if (p->sq[t] != 0)
						break;
				}
			}
		}
	}
	return n;
}

void chess_play(struct chess_pos *p, struct chess_move m)
{
	signed char piece = p->sq[m.from];
	int rank = m.to >> 4;
	if ((piece == 1 && rank == 7) || (piece == -1 && rank == 0))
		piece = (signed char)(5 * p->side);
	p->sq[m.to] = piece;
	p->sq[m.from] = 0;
	p->side = -p->side;
}

static int chess_has_king(const struct chess_pos *p, int side)
{
	for (int s = 0; s < 128; s++)
		if (chess_on_board(s) && p->sq[s] == 6 * side)
			return 1;
	return 0;
}

int chess_in_play(const struct chess_pos *p)
{
	struct chess_move mv[256];
	return chess_has_king(p, 1) && chess_has_king(p, -1) && chess_moves(p, mv) > 0;
}

/* Material and a small bonus for central, advanced men, from the side to
 * move's point of view. */
static int chess_eval(const struct chess_pos *p)
{
	int score = 0;
	for (int s = 0; s < 128; s++) {
		if (!chess_on_board(s) || p->sq[s] == 0)
			continue;
		int piece = p->sq[s], side = piece > 0 ? 1 : -1, kind = piece * side;
		int file = s & 7, rank = s >> 4;
		int centre = 6 - (file < 4 ? 3 - file : file - 4) - (rank < 4 ? 3 - rank : rank - 4);
		int advance = side > 0 ? rank : 7 - rank;
		int bonus = kind == 1 ? 4 * advance : (kind == 6 ? 0 : 3 * centre);
		score += side * (piece_value[kind] + bonus);
	}
	return score * p->side;
}

struct chess_search_state {
	uint64_t deadline, nodes;
	const atomic_int *stop;
	int out_of_time;
};

static void chess_order(const struct chess_pos *p, struct chess_move *mv, int n)
{
	/* Captures first, the most valuable victim first (insertion sort). */
	for (int i = 1; i < n; i++) {
		struct chess_move m = mv[i];
		int v = p->sq[m.to] ? piece_value[p->sq[m.to] < 0 ? -p->sq[m.to] : p->sq[m.to]] : 0;
		int j = i - 1;
		while (j >= 0) {
			int w = p->sq[mv[j].to] ? piece_value[p->sq[mv[j].to] < 0 ? -p->sq[mv[j].to] : p->sq[mv[j].to]] : 0;
			if (w >= v)
				break;
			mv[j + 1] = mv[j];
			j--;
		}
		mv[j + 1] = m;
	}
}

static int chess_negamax(const struct chess_pos *p, int depth, int alpha, int beta, struct chess_search_state *st)
{
	if ((++st->nodes & 31) == 0 && (clock_now_ns() >= st->deadline || atomic_load(st->stop)))
		st->out_of_time = 1;
	if (st->out_of_time)
		return 0;
	if (!chess_has_king(p, p->side))
		return -CHESS_KING_VALUE - depth; /* lost: sooner is worse */
	if (depth == 0)
		return chess_eval(p);
	struct chess_move mv[256];
	int n = chess_moves(p, mv);
	if (n == 0)
		return 0;
	chess_order(p, mv, n);
	for (int i = 0; i < n; i++) {
		struct chess_pos next = *p;
		chess_play(&next, mv[i]);
		int v = -chess_negamax(&next, depth - 1, -beta, -alpha, st);
		if (st->out_of_time)
			return 0;
		if (v > alpha)
			alpha = v;
		if (alpha >= beta)
			break;
	}
	return alpha;
}

int chess_search(const struct chess_pos *p, uint64_t deadline_ns, const atomic_int *stop, struct chess_move *best,
                 uint64_t *nodes)
{
	struct chess_move mv[256];
	int n = chess_moves(p, mv), reached = 0;
	if (n == 0)
		return 0;
	struct chess_search_state st = {.deadline = deadline_ns, .stop = stop};
	chess_order(p, mv, n);
	*best = mv[0];
	for (int depth = 1; depth <= 64 && clock_now_ns() < deadline_ns && !atomic_load(stop); depth++) {
		int alpha = -CHESS_INF, found = 0;
		for (int i = 0; i < n; i++) {
			struct chess_pos next = *p;
			chess_play(&next, mv[i]);
			int v = -chess_negamax(&next, depth - 1, -CHESS_INF, -alpha, &st);
			if (st.out_of_time)
				break;
			if (v > alpha) {
				alpha = v;
				found = i;
			}
		}
		if (st.out_of_time)
			break;
		/* Try this depth's best first at the next depth. */
		struct chess_move m = mv[found];
		memmove(&mv[1], &mv[0], (size_t)found * sizeof(mv[0]));
		mv[0] = m;
		*best = m;
		reached = depth;
	}
	*nodes += st.nodes;
	return reached ? reached : 1;
}

/* Value of the piece on square s (0 when empty). */
static int chess_victim(const struct chess_pos *p, int s)
{
	int piece = p->sq[s];
	return piece_value[piece < 0 ? -piece : piece];
}

int chess_reply(const struct chess_pos *p, uint64_t *rng, struct chess_move *out)
{
	struct chess_move mv[256], answers[256];
	int n = chess_moves(p, mv), best = -CHESS_INF;
	if (n == 0)
		return 0;
	/* What the move takes, less the most the answer can take back, plus a
	 * little noise: the opponents keep their kings and their queens in
	 * sight, cheaply, and do not all play the same game. */
	for (int i = 0; i < n; i++) {
		struct chess_pos next = *p;
		int gain = chess_victim(p, mv[i].to), threat = 0;
		chess_play(&next, mv[i]);
		int k = chess_moves(&next, answers);
		for (int j = 0; j < k; j++)
			if (chess_victim(&next, answers[j].to) > threat)
				threat = chess_victim(&next, answers[j].to);
		uint64_t x = *rng ? *rng : 0x9e3779b97f4a7c15ull;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		*rng = x;
		int v = gain - threat + (int)(x % 40);
		if (v > best) {
			best = v;
			*out = mv[i];
		}
	}
	return 1;
}

void chess_move_text(struct chess_move m, char out[5])
{
	out[0] = (char)('a' + (m.from & 7));
	out[1] = (char)('1' + (m.from >> 4));
	out[2] = (char)('a' + (m.to & 7));
	out[3] = (char)('1' + (m.to >> 4));
	out[4] = '\0';
}

void chess_pos_rank(const struct chess_pos *p, int rank, char out[9])
{
	static const char names[] = ".pnbrqk";
	for (int f = 0; f < 8; f++) {
		int piece = p->sq[rank * 16 + f];
		char c = names[piece < 0 ? -piece : piece];
		out[f] = piece > 0 ? (char)(c - 'a' + 'A') : c;
	}
	out[8] = '\0';
}
