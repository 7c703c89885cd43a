/*
 * savefile.h: a saved run (--save FILE) and loading it back (--replay FILE).
 *
 * Format, version 3: UTF-8 text, one record a line, fields separated by one
 * space. Strings are in double quotes with C escapes (\\ \" \n \r \t \xHH);
 * numbers are decimal; times are nanoseconds since the run's start; reals
 * are written with 17 significant digits so they read back exactly.
 *
 *   simul-save 3                      first line: magic and version
 *   demo "module/demo"
 *   param "name" "value"              as --set would take it
 *   seed N
 *   origin NS                         absolute start (CLOCK_MONOTONIC)
 *   now NS                            the model is complete up to here
 *   ended NS                          when the demo returned, -1 if unknown
 *   cpu NS                            CPU time of the run
 *   status N                          demo's return value
 *   error "text"
 *   interrupted 0|1
 *   sim_scale R                       simulated s per real s, 0: real time
 *   sampler HZ CPU_NS NCORES B0 B1..  OS sampler: rate, cost, per-core busy
 *   recorder EVENTS DROPPED LATE BYTES [CLOCK]  the run's counters (struct
 *                                     run_counters) as the original run ended;
 *                                     a replay saves them unchanged; CLOCK
 *                                     (tsc or monotonic) is absent in files
 *                                     written before it was recorded
 *   machine CORES                     cores online where it was recorded
 *   load BEFORE DURING NCORES         other programs' share of the cores (load.h)
 *                                     before and during the run, -1 unknown;
 *                                     cores in /proc/stat (from version 2)
 *   result "key" num R | result "key" text "text"
 *   panel_title "text"
 *   panel LINE "text"                 one line of the demo's panel
 *   task "name" KIND "group" PARENT PID TID END HOW
 *                                     END: NS or -1 (alive); HOW: how it
 *                                     ended, finished or cancelled, - while
 *                                     alive (from version 3)
 *   wake TASK T WAKER "cause"         TASK, waiting, woken by WAKER, which
 *                                     did "cause" (from version 3)
 *   span TASK START STATE LINE CORE "reason"      CORE -1: unknown
 *   mark TASK T "text"                a line the task printed
 *   milestone T "text"
 *   end                               last line: a file without it is cut
 *
 * Versions 1 and 2 are read too: neither has HOW (every task that ended
 * finished) nor wakes; version 1's `recorder` line has no BYTES (the
 * loaded model's size stands in).
 *
 * KIND, STATE and HOW are the names of state.h. Tasks come before any
 * wake, span or mark; a task's spans are in time order. Wakes are written
 * before the spans, so that a wake and the woken task's next state at the
 * same nanosecond load in the order they were recorded (events at one
 * instant keep their order, model_queue.h). Unknown record names are errors
 * (a newer version gets a new number).
 *
 * Loading resets the recorder, registers the saved tasks with it, and
 * feeds the model the events that rebuild the same spans, marks and
 * milestones (model_ingest), so a replayed model answers every query as
 * the original did. Any problem yields one line naming the line number and
 * what was wrong; nothing is trusted.
 */
#ifndef SIMUL_SAVEFILE_H
#define SIMUL_SAVEFILE_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"
#include "run.h"

#define SAVEFILE_VERSION 3
#define SAVEFILE_OLDEST 1 /* oldest version still read */
#define SAVEFILE_MAGIC "simul-save"

/* Write run and model. Returns 0, or -1 when writing failed. */
int savefile_write(FILE *f, struct run *run, const struct model *m);

/*
 * Parse a saved run from buf[0..len). On success returns 0 with *run
 * initialised (release it with run_destroy; it is never started) and
 * *model a new, finished model. On failure returns -1 with a one-line
 * message in err, and nothing to release.
 */
int savefile_parse(const char *buf, size_t len, struct run *run, struct model **model, char *err,
                   size_t errlen);
/* Same, reading the file at path (which names itself in err). */
int savefile_load(const char *path, struct run *run, struct model **model, char *err, size_t errlen);

#endif
