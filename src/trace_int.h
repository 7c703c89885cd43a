/*
 * trace_int.h: what the recorder's files share (trace.c, trace_tasks.c);
 * not for anyone else.
 */
#ifndef SIMUL_TRACE_INT_H
#define SIMUL_TRACE_INT_H

/* Forget every task (trace_reset, with no workload running). */
void trace_tasks_reset(void);

#endif
