/*
 * session.c: a run on the TUI: start one, stop it, run it again or go back
 * to the menu once the demo's thread is done.
 */
#include "tui_int.h"

#include "feed.h"

/* ---- the run ---- */


uint64_t tui_run_end(const struct tui *t)
{
	if (t->replay)
		return t->head;
	if (t->live)
		return model_now(t->model);
	return t->run->end_ns ? t->run->end_ns : model_now(t->model);
}

int tui_run_start(struct tui *t)
{
	if (t->no_runs) {
		snprintf(t->msg, sizeof(t->msg), "no demo starts here");
		return -1;
	}
	t->model = feed_start();
	memset(&t->vp, 0, sizeof(t->vp));
	t->vp.origin = model_origin(t->model);
	t->follow = 1;
	t->sel = 0;
	t->lane_top = 0;
	t->open_group = -1;
	t->overlay = OVERLAY_NONE;
	memset(t->scroll, 0, sizeof(t->scroll));
	t->cores_read_ns = 0;
	t->cv.nmach = 0;
	t->cv.have_snap = 0;
	t->cv.key_spans = (size_t)-1; /* a new model: the core lanes are worked out again */
	tui_cores_read(t);
	int rc = run_start(t->run, &t->loop, tui_on_done, t);
	if (rc != 0) {
		snprintf(t->msg, sizeof(t->msg), "could not start %s: %s", t->run->full_name, strerror(-rc));
		model_free(t->model);
		t->model = NULL;
		return -1;
	}
	t->live = 1;
	t->replay = 0;
	t->playing = 0;
	t->screen = SCREEN_RUN;
	uv_timer_start(&t->tick, tui_on_tick, TUI_TICK_MS, TUI_TICK_MS);
	return 0;
}

/* Build a fresh run of menu item i (its edited parameters). */
struct run *tui_run_new(struct tui *t, int i)
{
	struct run *r = xmalloc(sizeof(*r));
	if (t->opt->py_script != NULL) {
		/* simul python FILE.py: the same program again */
		if (app_prepare_run(r, t->opt) != 0) {
			free(r);
			return NULL;
		}
		return r;
	}
	run_init(r, t->items[i].mod, t->items[i].demo);
	r->params = t->items[i].params;
	r->mirror = t->mirror;
	r->speed = t->speed > 0 ? t->speed : 1.0;
	if (t->opt->have_seed)
		r->seed = t->opt->seed;
	if (t->opt->sampler_hz != 0)
		r->sampler_hz = t->opt->sampler_hz < 0 ? 0 : t->opt->sampler_hz;
	return r;
}

static void tui_run_drop(struct tui *t)
{
	/* A replay's play head goes with its run: its timer would otherwise
	 * tick on over a freed model. */
	uv_timer_stop(&t->play_timer);
	t->replay = 0;
	t->playing = 0;
	if (t->run == NULL)
		return;
	run_finish(t->run);
	/* run_finish closed the async handle inside the run; the memory is
	 * freed on a later loop turn, once libuv is done with it. */
	if (t->retired != NULL) {
		run_destroy(t->retired);
		free(t->retired);
	}
	t->retired = t->run;
	t->run = NULL;
	model_free(t->model);
	t->model = NULL;
	t->live = 0;
}


void tui_on_done(struct run *run, void *arg)
{
	struct tui *t = arg;
	app_run_end(run, t->model);
	t->live = 0;
	tui_outputs_write(t); /* --report, --trace, --save: the run as it ended */
	uv_timer_stop(&t->tick);
	if (t->follow)
		view_fit(&t->vp, t->vp.origin, run->end_ns, t->vp.ncols > 0 ? t->vp.ncols : TUI_MIN_COLS);
	t->follow = 0;
	t->cursor = -1;
	if (t->pending != ACTION_NONE)
		uv_timer_start(&t->later, tui_do_action, 0, 0);
	tui_draw(t);
}

void tui_request(struct tui *t, enum action a)
{
	t->pending = a;
	if (t->live)
		run_request_stop(t->run);
	else
		uv_timer_start(&t->later, tui_do_action, 0, 0);
}

void tui_do_action(uv_timer_t *h)
{
	struct tui *t = h->data;
	enum action a = t->pending;
	t->pending = ACTION_NONE;
	if (t->retired != NULL) {
		run_destroy(t->retired);
		free(t->retired);
		t->retired = NULL;
	}
	tui_run_drop(t);
	if (a == ACTION_RERUN) {
		t->run = tui_run_new(t, t->item);
		if (t->run != NULL && tui_run_start(t) != 0) {
			run_destroy(t->run);
			free(t->run);
			t->run = NULL;
		}
		if (t->run == NULL)
			t->screen = SCREEN_MENU;
	} else {
		t->screen = SCREEN_MENU;
	}
	tui_draw(t);
}
