/*
 * rq_remote.h: workers that join a queue/rq run from elsewhere.
 *
 * `simul --rq-worker URL` (rq_join_main) is a worker of its own, started by
 * hand in another terminal or on another machine: it waits for a run on
 * the Redis server at URL (the key simul:rq:current), joins it, works as
 * the run's own workers do, and publishes each change of its state to the
 * run's event stream (XADD). It prints one line per job; Ctrl-C (or
 * SIGTERM) lets it finish its job and leave, a second one ends it at once.
 *
 * The run reads that stream (rq_remote_poll, on its scenario thread) and
 * draws each remote worker on a lane of its own, stamped when the run reads
 * the event (a few ms after the worker wrote it: machines' clocks are not
 * compared). Only the address the user names is ever contacted.
 */
#ifndef SIMUL_QUEUE_RQ_REMOTE_H
#define SIMUL_QUEUE_RQ_REMOTE_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "rqueue.h"
#include "trace.h"

#define RQ_REMOTE_MAX 32
#define RQ_STREAM_MAXLEN 10000
/* A remote worker's heartbeat TTL: longer than a local one's (1 s), for
 * networks that hiccup. */
#define RQ_REMOTE_HB_TTL_MS 3000

struct rq_remote_worker {
	char id[RQ_ID_MAX];
	trace_task_t lane;
	int ended;
	long jobs;
};

struct rq_remote {
	struct rq_remote_worker w[RQ_REMOTE_MAX];
	int n;
	char last[48]; /* the last stream entry read */
	trace_task_t parent;
	int lines[RQ_PHASE_COUNT];
	long dropped;  /* workers beyond RQ_REMOTE_MAX, not drawn */
};

void rq_remote_init(struct rq_remote *r, trace_task_t parent, const int lines[RQ_PHASE_COUNT]);
/* Read what remote workers wrote since the last call (waiting up to
 * block_ms for the first entry) and draw it. 0, or -1 with err. */
int rq_remote_poll(struct rq_remote *r, redisContext *c, const char *prefix, int block_ms, char *err,
                   size_t errlen);
/* Lanes still open (their worker has not said goodbye). */
int rq_remote_open(const struct rq_remote *r);
/* End every lane still open (the run is over). */
void rq_remote_end(struct rq_remote *r);

/* `simul --rq-worker URL`: argv = {"join", URL}. Exit status: 0 when
 * stopped by a signal, 1 when Redis fails, 2 on a bad URL. */
int rq_join_main(int argc, char **argv);

#endif
