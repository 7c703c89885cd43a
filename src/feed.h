/*
 * feed.h: where the recorder meets the model, on the app shell's side.
 *
 * Data flows one way: workload → recorder → (here) → model → views. The app
 * shell starts a recording with feed_start, its loop calls feed_drain on
 * every tick, and feed_finish runs once the run is over (app_run_end); each takes every event out of the recorder's rings, adds the
 * tasks registered since the last call to the model (before their events
 * are applied), and applies what is old enough. Neither the model nor any
 * view calls the recorder.
 *
 * UI thread only, like the model.
 */
#ifndef SIMUL_FEED_H
#define SIMUL_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* A new recording: forget the recorder's tasks and events, and make the
 * model they will feed, its time starting now. */
struct model *feed_start(void);
/* Take everything from the recorder and apply what is older than
 * now_ns - MODEL_HOLDBACK_NS. Returns the number of events taken. */
size_t feed_drain(struct model *m, uint64_t now_ns);
/* The same, applying for at most budget_ns (0: no limit) and leaving the
 * rest queued: the TUI's tick, so that a burst (a million tasks made at
 * once) is applied over several ticks while it keeps drawing and answering
 * keys. Batch mode applies all: nothing waits for it, and a queue kept
 * long costs memory. */
#define FEED_APPLY_BUDGET_NS (20 * 1000 * 1000ull)
size_t feed_drain_for(struct model *m, uint64_t now_ns, uint64_t budget_ns);
/* Take everything and apply it all: the run is over (or paused for good). */
void feed_finish(struct model *m, uint64_t now_ns);

#endif
