/*
 * bench_chess.c: the chess exhibition with its defaults (24 boards, 5 s and
 * 55 s moves, 30 pairs; about 20 s of real time) and the simulated totals
 * it measures, against the lesson's 43,200 s and 3,655 s (each until its
 * last game is over). Runs $SIMUL chess/both --report - and reads the
 * figures from its JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

/* The figures this bench prints: the report's key, the bench's name. */
static const char *const bench_chess_keys[][3] = {
	{"\"sync_sim_s\":", "chess_sync_sim_s_projected", "s"},
	{"\"async_sim_s\":", "chess_async_sim_s", "s"},
	{"\"speedup\":", "chess_speedup", "x"},
	{"\"master_busy_share\":", "chess_async_master_busy_share", "fraction"},
};

int main(void)
{
	const char *simul = getenv("SIMUL");
	char cmd[512], line[512];
	int found = 0;

	snprintf(cmd, sizeof(cmd), "%s chess/both --sample-hz 0 --report -", simul ? simul : "build/simul");
	uint64_t t0 = clock_now_ns();
	FILE *f = popen(cmd, "r");
	if (f == NULL) {
		fprintf(stderr, "bench_chess: could not run %s\n", cmd);
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		for (size_t k = 0; k < sizeof(bench_chess_keys) / sizeof(bench_chess_keys[0]); k++) {
			char *at = strstr(line, bench_chess_keys[k][0]);
			if (at != NULL) {
				printf("bench: %s %.6g %s\n", bench_chess_keys[k][1],
				       strtod(at + strlen(bench_chess_keys[k][0]), NULL), bench_chess_keys[k][2]);
				found++;
			}
		}
	}
	int status = pclose(f);
	printf("bench: chess_real_wall_s %.3g s\n", (double)(clock_now_ns() - t0) / 1e9);
	return status == 0 && found >= 4 ? 0 : 1;
}
