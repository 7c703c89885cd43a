/*
 * co_bridge.c: asyncio.run_coroutine_threadsafe(coro, loop).result() for
 * co's loop (see co_sync.h).
 *
 * The loop's structures (its ready queue, an asyncio.Queue) belong to the
 * loop's thread: another thread that touched them would race with it, and
 * a task it woke would not be noticed by a loop asleep in poll. So the
 * other thread only appends a request to a list under a mutex and wakes
 * the loop with uv_async_send (libuv's one thread-safe call, as CPython's
 * call_soon_threadsafe writes to the loop's self-pipe). On the loop's
 * thread the async callback starts a task for each request; when the task
 * returns it signals the waiting thread. A request is freed by whichever
 * of the two lets go of it last.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "co_impl.h"
#include "co_sync.h"

struct co_bridge_req {
	struct co_bridge *b;
	co_fn fn;
	void *arg;
	char name[32];
	trace_task_t lane; /* the waiting thread's, or TRACE_NO_TASK */
	int result, done, refs;
	struct co_bridge_req *next;
};

struct co_bridge {
	uv_async_t async;
	struct co_loop *loop;
	char group[48];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct co_bridge_req *pending;
};

static void co_bridge_unref(struct co_bridge *b, struct co_bridge_req *r)
{
	pthread_mutex_lock(&b->mu);
	int last = --r->refs == 0;
	pthread_mutex_unlock(&b->mu);
	if (last)
		free(r);
}

/* The task the loop runs for a request. */
static void co_bridge_task(struct co_task *t, void *arg)
{
	struct co_bridge_req *r = arg;
	struct co_bridge *b = r->b;
	if (t->loop->cancelling)
		r->result = UV_ECANCELED;
	else
		r->fn(t, r->arg);
	/* Its future's result wakes the thread that waits for it. */
	if (r->lane != TRACE_NO_TASK)
		trace_wake(r->lane, t->id, "returned: the future is set");
	pthread_mutex_lock(&b->mu);
	r->done = 1;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	co_bridge_unref(b, r);
}

void co_bridge_result(struct co_task *t, int result)
{
	struct co_bridge_req *r = t->arg;
	r->result = result;
}

/* On the loop's thread: a task for every request that came. */
static void co_bridge_async(uv_async_t *h)
{
	struct co_bridge *b = h->data;
	pthread_mutex_lock(&b->mu);
	struct co_bridge_req *r = b->pending, *rev = NULL;
	b->pending = NULL;
	pthread_mutex_unlock(&b->mu);
	while (r != NULL) { /* they were pushed newest first */
		struct co_bridge_req *next = r->next;
		r->next = rev;
		rev = r;
		r = next;
	}
	for (r = rev; r != NULL;) {
		struct co_bridge_req *next = r->next;
		if (co_create_task(b->loop, NULL, r->name, b->group[0] ? b->group : NULL, co_bridge_task, r) == NULL) {
			pthread_mutex_lock(&b->mu);
			r->result = UV_ENOMEM;
			r->done = 1;
			pthread_cond_broadcast(&b->cv);
			pthread_mutex_unlock(&b->mu);
			co_bridge_unref(b, r);
		}
		r = next;
	}
}

struct co_bridge *co_bridge_new(struct co_loop *l, const char *group)
{
	struct co_bridge *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->loop = l;
	snprintf(b->group, sizeof(b->group), "%s", group ? group : "");
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	if (uv_async_init(&l->uv, &b->async, co_bridge_async) != 0) {
		pthread_mutex_destroy(&b->mu);
		pthread_cond_destroy(&b->cv);
		free(b);
		return NULL;
	}
	b->async.data = b;
	/* Only the tasks keep the loop going: co_loop_run ends with them. */
	uv_unref((uv_handle_t *)&b->async);
	return b;
}

int co_bridge_call(struct co_bridge *b, trace_task_t lane, int line, const char *name, co_fn fn, void *arg)
{
	struct co_bridge_req *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return UV_ENOMEM;
	*r = (struct co_bridge_req){.b = b, .fn = fn, .arg = arg, .lane = lane, .refs = 2};
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (lane != TRACE_NO_TASK)
		trace_statef(lane, STATE_JOIN, line, "run_coroutine_threadsafe(%s, loop).result()", name);
	pthread_mutex_lock(&b->mu);
	r->next = b->pending;
	b->pending = r;
	pthread_mutex_unlock(&b->mu);
	uv_async_send(&b->async);
	/* The loop always answers: while this thread runs, a task awaits it
	 * (asyncio.to_thread), so the loop is alive, and a stopping loop runs
	 * the request's task at once, cancelled. */
	pthread_mutex_lock(&b->mu);
	while (!r->done)
		pthread_cond_wait(&b->cv, &b->mu);
	int rc = r->result;
	pthread_mutex_unlock(&b->mu);
	co_bridge_unref(b, r);
	return rc;
}

void co_bridge_free(struct co_bridge *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	free(b);
}
