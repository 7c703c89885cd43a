/*
 * drive.c: the TUI without a terminal or a demo of its own: a saved run's
 * screen driven by keys, for the fuzzer (tests/fuzz_tui_keys.c). It draws
 * on the caller's curses screen (newterm) and starts no demo: a key that
 * would (Enter on the menu, r) gets a message instead, as a failed start.
 */
#include "tui_int.h"

int tui_drive_replay(struct run *run, struct model *model, const int *keys, size_t n)
{
	static const struct app_options none; /* no outputs, no options */
	struct tui *t = xcalloc(1, sizeof(*t));
	t->opt = &none;
	t->open_group = -1;
	t->mparam = -1;
	t->cursor = -1;
	t->speed = 1.0;
	t->play_rate = 1.0;
	t->no_runs = 1;
	tui_menu_init(t, run);
	if (uv_loop_init(&t->loop) != 0) {
		run_destroy(run);
		free(run);
		model_free(model);
		free(t->items);
		free(t->shown);
		free(t);
		return -1;
	}
	t->loop_ok = 1;
	uv_timer_t *timers[] = {&t->tick, &t->later, &t->keys_timer, &t->play_timer};
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
		uv_timer_init(&t->loop, timers[i]);
		timers[i]->data = t;
	}
	tui_replay_open(t, run, model);
	tui_draw(t);
	for (size_t i = 0; i < n && !t->quit; i++) {
		if (keys[i] < 0) /* a pause of -keys[i] ms: the timers fall due */
			usleep((useconds_t)-keys[i] * 1000);
		else
			tui_key(t, keys[i]);
		uv_run(&t->loop, UV_RUN_NOWAIT); /* what the key asked for later */
		tui_draw(t);
	}
	return tui_teardown(t);
}
