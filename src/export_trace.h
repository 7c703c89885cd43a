/*
 * export_trace.h: a finished run in the Chrome trace event format
 * (--trace FILE.json), for Perfetto (ui.perfetto.dev) or chrome://tracing.
 *
 * The file is the JSON Object Format: {"traceEvents": [...],
 * "displayTimeUnit": "ms", "otherData": {...}}. Each task is one track:
 * pid is its group's number (1 + group index; 1 for tasks with no group,
 * named after the demo), tid is 1 + the task's index. Metadata events name
 * every process (process_name) and every task's track (thread_name, and
 * thread_sort_index so tracks keep simul's lane order). Each span is one
 * complete event ("ph": "X") named after its state, with the state, reason,
 * line of the demo's Python and core in args. A printed line is a
 * thread-scoped instant event ("ph": "i", "s": "t"); a milestone is a
 * global instant event ("s": "g"). Times are microseconds since the run's
 * start.
 */
#ifndef SIMUL_EXPORT_TRACE_H
#define SIMUL_EXPORT_TRACE_H

#include <stdio.h>

#include "model.h"
#include "run.h"

/* Write the whole model. Returns 0, or -1 when writing failed. */
int export_trace_write(FILE *f, struct run *run, const struct model *m);

#endif
