/*
 * order.h: processes/order (order_demo.c), in which order a process pool's
 * results come back: Pool.map, Pool.imap, Pool.imap_unordered and
 * concurrent.futures.as_completed; registered by the module's table in
 * scenarios/processes.c, its workers reached through processes_worker.
 */
#ifndef SIMUL_PROCESSES_ORDER_H
#define SIMUL_PROCESSES_ORDER_H

#include "params.h"

struct run;

int processes_order_main(struct run *run);
#define PROCESSES_ORDER_NPARAMS 3
extern const struct param_spec processes_order_params[PROCESSES_ORDER_NPARAMS];
/* `simul --worker processes order TASK LINE` */
int processes_order_worker(int argc, char **argv);

#endif
