/*
 * replay.c: the play head of a saved run (--replay): columns after it are
 * hidden; its keys play, step and jump between milestones.
 */
#include "tui_int.h"

/* ---- replay of a saved run: the play head ---- */

#define TUI_PLAY_TICK_MS 50

void tui_replay_open(struct tui *t, struct run *run, struct model *saved)
{
	t->run = run;
	t->model = saved;
	t->replay = 1;
	t->screen = SCREEN_RUN;
	t->vp.origin = model_origin(saved);
	t->head = tui_replay_end(t);
	view_fit(&t->vp, t->vp.origin, t->head, COLS > 0 ? COLS : TUI_MIN_COLS);
}

/* Columns after the play head are not shown yet. */
void tui_replay_clip(struct tui *t, int ncols)
{
	for (int c = 0; c < ncols; c++) {
		uint64_t c0 = t->vp.t0 + (uint64_t)c * t->vp.dt;
		if (c0 >= t->head)
			memset(&t->cells[c], 0, sizeof(t->cells[c]));
	}
}

uint64_t tui_replay_end(const struct tui *t)
{
	return t->run->end_ns ? t->run->end_ns : model_now(t->model);
}

void tui_replay_seek(struct tui *t, uint64_t head)
{
	uint64_t end = tui_replay_end(t), o = model_origin(t->model);
	t->head = head < o ? o : head > end ? end : head;
	if (t->head == end)
		t->playing = 0;
	long c = view_col(&t->vp, t->head);
	if (c >= 0 && c < t->vp.ncols)
		t->cursor = (int)c;
}

static void tui_on_play(uv_timer_t *h)
{
	struct tui *t = h->data;
	uint64_t now = clock_real_ns();
	if (t->model == NULL) {
		uv_timer_stop(h);
		return;
	}
	if (t->replay && t->playing) {
		double rate = t->play_rate > 0 ? t->play_rate : 1.0;
		tui_replay_seek(t, t->head + (uint64_t)((double)(now - t->play_last_ns) * rate));
		t->play_last_ns = now;
	}
	if (!t->replay || !t->playing)
		uv_timer_stop(h);
	tui_draw(t);
}

static void tui_replay_play(struct tui *t, int on)
{
	t->playing = on;
	if (on && t->head >= tui_replay_end(t))
		t->head = model_origin(t->model); /* play again from the start */
	t->follow = on;
	t->play_last_ns = clock_real_ns();
	if (on)
		uv_timer_start(&t->play_timer, tui_on_play, TUI_PLAY_TICK_MS, TUI_PLAY_TICK_MS);
}

/* Where the play head is, for the header: "replay > 1.20 s / 4.98 s". */
void tui_replay_status(const struct tui *t, char *buf, size_t n)
{
	char at[32], end[32];
	uint64_t o = model_origin(t->model);
	view_format_duration(t->head - o, t->ascii, at, sizeof(at));
	view_format_duration(tui_replay_end(t) - o, t->ascii, end, sizeof(end));
	char rate[16];
	double r = t->play_rate > 0 ? t->play_rate : 1.0;
	if (r < 1.0)
		tui_format_speed(r, rate, sizeof(rate));
	else
		snprintf(rate, sizeof(rate), "%g", r);
	snprintf(buf, n, "replay %s %s / %s at %sx", t->playing ? (t->ascii ? ">" : "\u25b6") : (t->ascii ? "||" : "\u23f8"),
	         at, end, rate);
}

/* Keys of the play head (their entries in keys.c say which). */
void tui_replay_key(struct tui *t, int ch)
{
	uint64_t step = t->vp.dt > 0 ? t->vp.dt : 1;
	size_t nm = model_milestone_count(t->model);
	struct model_mark mk;
	switch (ch) {
	case ' ':
		tui_replay_play(t, !t->playing);
		return;
	case '.':
	case ',':
		tui_key_replay_step(t, ch);
		return;
	case ']':
		t->playing = 0;
		tui_replay_seek(t, t->head + step);
		return;
	case '[':
		t->playing = 0;
		tui_replay_seek(t, t->head > step ? t->head - step : 0);
		return;
	case 'n': /* next milestone */
		for (size_t k = 0; k < nm; k++)
			if (model_milestone_get(t->model, k, &mk) == 0 && mk.t_ns > t->head) {
				tui_replay_seek(t, mk.t_ns);
				return;
			}
		tui_replay_seek(t, tui_replay_end(t));
		return;
	case 'N': /* previous milestone */
		for (size_t k = nm; k-- > 0;)
			if (model_milestone_get(t->model, k, &mk) == 0 && mk.t_ns < t->head) {
				tui_replay_seek(t, mk.t_ns);
				return;
			}
		tui_replay_seek(t, 0);
		return;
	case KEY_HOME:
		tui_replay_seek(t, 0);
		return;
	case KEY_END:
		tui_replay_seek(t, tui_replay_end(t));
		return;
	default:
		return;
	}
}
