/*
 * record.h: the screencast relay: --record FILE.cast, --size WxH and
 * --script FILE.
 *
 * simul re-runs itself (the TUI) inside a pseudo-terminal of a fixed size
 * and relays it both ways: what the TUI writes goes to the real terminal
 * and, as asciicast v2 "o" events, to the recording; what the user types
 * goes to the TUI. A script's actions are typed into the pseudo-terminal,
 * so they drive the TUI exactly as typed keys would. The TUI reports each
 * milestone of the demo on a pipe (record_milestones_publish), and the
 * relay writes it as an "m" marker, as it does a script's `marker`.
 *
 * asciicast v2: a header line {"version": 2, "width", "height",
 * "timestamp", "title", "env": {"TERM", "SHELL"}}, then one JSON array a
 * line: [seconds since the start, "o" | "m", text], times never going back.
 */
#ifndef SIMUL_RECORD_H
#define SIMUL_RECORD_H

#include "app.h"

struct model;

/* True when this process should be the relay (record, size or script
 * asked for, and not already the TUI inside the relay). */
int record_wanted(const struct app_options *o);
/* Be the relay: start the TUI in a pseudo-terminal with argv, relay until
 * it exits. Returns the TUI's exit status (or APP_EXIT_USAGE / _FAIL). */
int record_main(const struct app_options *o, char **argv);
/* In the TUI: the pipe the relay sends a script's `select`, `set` and `run` on,
 * one a line, or -1 when there is none. */
int record_command_fd(void);
/* In the TUI: tell the relay (if any) about milestones not told yet. */
void record_milestones_publish(const struct model *m);

#endif
