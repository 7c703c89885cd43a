/*
 * feed.c: the recorder's tasks and events into the model (see feed.h).
 */
#include "feed.h"

#include "clock.h"
#include "trace.h"

static void feed_event(const struct trace_record *rec, void *arg)
{
	model_ingest(arg, rec);
}

/* Tasks are registered before any event names them, so once the rings are
 * drained every task an event names is in the recorder's table. */
static size_t feed_take(struct model *m)
{
	size_t n = trace_drain(feed_event, m);
	size_t have = model_task_count(m), want = trace_task_count();
	for (size_t i = have; i < want; i++) {
		struct trace_task_info info;
		if (trace_task_get((trace_task_t)i, &info) != 0)
			break;
		model_task_add(m, &info);
	}
	return n;
}

struct model *feed_start(void)
{
	trace_reset();
	struct model *m = model_new(0);
	model_set_origin(m, clock_now_ns());
	return m;
}

size_t feed_drain_for(struct model *m, uint64_t now_ns, uint64_t budget_ns)
{
	size_t n = feed_take(m);
	uint64_t upto = now_ns > MODEL_HOLDBACK_NS ? now_ns - MODEL_HOLDBACK_NS : 0;
	if (upto < model_origin(m))
		upto = model_origin(m);
	model_apply_some(m, upto, budget_ns);
	return n;
}

size_t feed_drain(struct model *m, uint64_t now_ns)
{
	return feed_drain_for(m, now_ns, 0);
}

void feed_finish(struct model *m, uint64_t now_ns)
{
	feed_take(m);
	model_apply_all(m, now_ns);
}
