/*
 * trace_int.h: what trace.c and trace_task.c share inside the recorder.
 */
#ifndef SIMUL_TRACE_INT_H
#define SIMUL_TRACE_INT_H

#include <stdatomic.h>

/* Recording on (trace_enable): when off, every call returns at once. */
extern _Atomic int trace_enabled_flag;
#define ENABLED() __builtin_expect(atomic_load_explicit(&trace_enabled_flag, memory_order_relaxed), 1)

/* Forget every task and free their names (trace_reset, no producer
 * running). */
void trace_tasks_reset(void);

#endif
