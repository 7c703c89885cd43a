/*
 * chessboard.h: a small, real chess player for the chess exhibition.
 *
 * Positions on a 0x88 board, pseudo-legal moves (no castling, no en
 * passant, pawns promote to a queen; a king can be captured, which ends the
 * game), and an iterative-deepening alpha-beta search on material that runs
 * until a deadline: the master's thinking for as long as her clock allows.
 * The opponents reply with a cheap two-ply move. Not a strong engine: a real
 * search on a real position, which is all the exhibition needs.
 */
#ifndef SIMUL_CHESSBOARD_H
#define SIMUL_CHESSBOARD_H

#include <stdatomic.h>
#include <stdint.h>

struct chess_pos {
	signed char sq[128]; /* 0x88; >0 white, <0 black: 1 P 2 N 3 B 4 R 5 Q 6 K */
	int side;            /* 1: white to move, -1: black */
};

struct chess_move {
	unsigned char from, to;
};

void chess_pos_init(struct chess_pos *p);
/* Pseudo-legal moves of the side to move; returns how many (at most 256). */
int chess_moves(const struct chess_pos *p, struct chess_move *out);
void chess_play(struct chess_pos *p, struct chess_move m);
/* 1 while both kings are on the board and the side to move has a move. */
int chess_in_play(const struct chess_pos *p);
/* Search until clock_now_ns() >= deadline_ns or *stop becomes non-zero
 * (deepening while time is left); *best is the best move of the deepest
 * finished search. Returns the depth reached, or 0 when there is no move.
 * Adds the nodes visited to *nodes. */
int chess_search(const struct chess_pos *p, uint64_t deadline_ns, const atomic_int *stop, struct chess_move *best,
                 uint64_t *nodes);
/* The opponent's reply: the best move two plies deep, with a little noise
 * (rng: a xorshift state). Returns 0 when there is no move. */
int chess_reply(const struct chess_pos *p, uint64_t *rng, struct chess_move *out);
/* "e2e4" */
void chess_move_text(struct chess_move m, char out[5]);
/* Rank 8..1 (rank 7 = top) of the position as 8 characters, '.' empty. */
void chess_pos_rank(const struct chess_pos *p, int rank, char out[9]);

#endif
