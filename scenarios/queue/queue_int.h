/*
 * queue_int.h: the queue module's demos, each in a file of its own in
 * scenarios/queue/, collected by the module's table in scenarios/queue.c
 * (which also holds their parameters).
 */
#ifndef SIMUL_QUEUE_INT_H
#define SIMUL_QUEUE_INT_H

struct run;

/* queue/rq (rq_demo.c): a job queue on a real Redis server. */
int queue_rq_main(struct run *run);
/* `simul --worker queue rq ...`: one of its local worker processes. */
int queue_rq_worker(int argc, char **argv);

/* queue/threads (threads_demo.c): queue.Queue between threads. */
int queue_threads_main(struct run *run);

/* queue/asyncio (asyncio_demo.c): asyncio.Queue between coroutines. */
int queue_asyncio_main(struct run *run);

#endif
