/*
 * loop_int.h: demos of the loop module that live in files of their own in
 * scenarios/loop/, registered by the module's table in scenarios/loop.c.
 */
#ifndef SIMUL_LOOP_INT_H
#define SIMUL_LOOP_INT_H

#include "params.h"

struct run;

/* loop/wait (wait_demo.c): asyncio.wait, wait_for, cancel, TaskGroup. */
int loop_wait_main(struct run *run);
#define LOOP_WAIT_NPARAMS 5
extern const struct param_spec loop_wait_params[LOOP_WAIT_NPARAMS];

#endif
