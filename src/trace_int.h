/*
 * trace_int.h: what trace.c and trace_task.c share inside the recorder.
 */
#ifndef SIMUL_TRACE_INT_H
#define SIMUL_TRACE_INT_H

/* Forget every task and free their names (trace_reset, no producer
 * running). */
void trace_tasks_reset(void);

#endif
