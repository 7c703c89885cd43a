/*
 * order_demo.c: processes/order, the order a process pool's results come
 * back in, and what chunksize does.
 *
 * It mirrors order.py. W worker processes (`simul --worker processes order
 * ...`) each take a task (a chunk of items) from their socket, run f on
 * every item (real CPU work, item i taking its own time so that they finish
 * out of order), and send the chunk's results back together, as a Pool
 * worker does. The owner hands the next chunk to whichever worker is free
 * first. What differs between the four ways is only when the owner lets
 * the program have a result:
 *   Pool.map            all at once at the end, in input order; its default
 *                       chunksize is ceil(items / (4 x workers))
 *   Pool.imap           one at a time in input order: a result that came
 *                       early waits for those before it (chunksize 1)
 *   Pool.imap_unordered one at a time, as they come (chunksize 1)
 *   as_completed        futures of a ProcessPoolExecutor, one item each, as
 *                       they complete (another pool, its own workers)
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpuburn.h"
#include "fdio.h"
#include "procs.h"
#include "processes/order.h"
#include "run.h"
#include "trace.h"

#define ORD_ITEMS_MAX 64
#define ORD_WORKERS_MAX 8

enum ord_mode { ORD_MAP, ORD_IMAP, ORD_UNORDERED, ORD_AS_COMPLETED, ORD_MODES };
static const char *const ord_keys[ORD_MODES] = {"map", "imap", "unordered", "as_completed"};
static const char *const ord_calls[ORD_MODES] = {"pool.map(f, items)", "pool.imap(f, items)",
                                                 "pool.imap_unordered(f, items)", "as_completed(futures)"};
static const char *const ord_tags[ORD_MODES] = {"map", "imap", "unordered", "as_completed"};

struct ord_task {
	uint32_t first, count; /* count 0: no more work */
	uint64_t units[ORD_ITEMS_MAX];
};

struct ord_result {
	uint32_t first, count;
	uint64_t checksum;
};

/* ---- a worker ---- */

int processes_order_worker(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "simul: --worker processes order: want TASK LINE\n");
		return 2;
	}
	trace_task_t task = procs_child_attach(argv[2]);
	if (task == TRACE_NO_TASK) {
		fprintf(stderr, "simul: --worker processes: no recorder ring on fd 3 (only simul starts workers)\n");
		return 2;
	}
	int line = atoi(argv[3]);
	struct ord_task t;
	for (;;) {
		trace_state(task, STATE_READY, "waiting for a task from the pool");
		if (fd_read_all(0, &t, sizeof(t)) != 0 || t.count == 0 || t.count > ORD_ITEMS_MAX)
			break;
		struct ord_result r = {.first = t.first, .count = t.count};
		for (uint32_t i = 0; i < t.count; i++) {
			trace_statef(task, STATE_RUNNING, line, "f(%u)", t.first + i);
			r.checksum += cpuburn_run(t.units[i]);
		}
		trace_statef(task, STATE_IO, line, "sending the results of items %u-%u", t.first, t.first + t.count - 1);
		if (fd_write_all(0, &r, sizeof(r)) != 0)
			break;
	}
	trace_end(task);
	return 0;
}

/* ---- the owner ---- */

struct ord {
	struct run *run;
	struct procs_set ps;
	int ps_inited;
	trace_task_t owner;
	int items, workers;
	uint64_t units[ORD_ITEMS_MAX];
	int kids[2][ORD_WORKERS_MAX]; /* the Pool's, the executor's */
	/* one phase */
	int got[ORD_ITEMS_MAX], next_yield, nyield;
	char order[ORD_ITEMS_MAX * 4];
	uint64_t t0, first_ns;
};

/* f(i)'s CPU time: every item its own, from job_ms/items to job_ms,
 * shuffled (items - 7i mod items: item 0 the longest), as in order.py. */
static uint64_t ord_item_ms_x1000(int i, int items, long job_ms)
{
	return (uint64_t)job_ms * 1000 * (uint64_t)(items - (7 * i) % items) / (uint64_t)items;
}

/* The program has result i now. */
static void ord_yield(struct ord *o, int mode, int i)
{
	size_t l = strlen(o->order);
	snprintf(o->order + l, sizeof(o->order) - l, "%s%d", l ? " " : "", i);
	if (o->nyield++ == 0)
		o->first_ns = clock_now_ns() - o->t0;
	if (mode != ORD_MAP)
		trace_markf(o->owner, "%s: result %d", ord_keys[mode], i);
}

/* A chunk's results came: what the program may have now. */
static void ord_arrived(struct ord *o, int mode, const struct ord_result *r)
{
	for (uint32_t k = 0; k < r->count; k++) {
		int i = (int)(r->first + k);
		o->got[i] = 1;
		if (mode == ORD_UNORDERED || mode == ORD_AS_COMPLETED)
			ord_yield(o, mode, i);
	}
	while (mode == ORD_IMAP && o->next_yield < o->items && o->got[o->next_yield])
		ord_yield(o, mode, o->next_yield++);
}

static int ord_send(struct ord *o, int kid, int first, int count)
{
	struct ord_task t = {.first = (uint32_t)first, .count = (uint32_t)count};
	memcpy(t.units, o->units + first, (size_t)count * sizeof(uint64_t));
	return fd_write_all(o->ps.kids[kid].sock, &t, sizeof(t));
}

/* One call: chunks to whichever worker is free, until every result is in. */
static int ord_phase(struct ord *o, int mode, int chunk)
{
	const int *kids = o->kids[mode == ORD_AS_COMPLETED];
	int busy[ORD_WORKERS_MAX] = {0}, next = 0, done = 0;
	memset(o->got, 0, sizeof(o->got));
	o->order[0] = '\0';
	o->next_yield = o->nyield = 0;
	trace_milestone(ord_calls[mode]);
	trace_statef(o->owner, STATE_JOIN, run_lesson_line(o->run, ord_tags[mode]), "%s, chunksize %d", ord_calls[mode],
	             chunk);
	o->t0 = clock_now_ns();
	for (int w = 0; w < o->workers && next < o->items; w++, next += chunk)
		if (ord_send(o, kids[w], next, next + chunk <= o->items ? chunk : o->items - next) != 0)
			return -1;
		else
			busy[w] = 1;
	while (done < o->items && !run_stopping(o->run)) {
		struct pollfd p[ORD_WORKERS_MAX];
		for (int w = 0; w < o->workers; w++)
			p[w] = (struct pollfd){.fd = o->ps.kids[kids[w]].sock, .events = busy[w] ? POLLIN : 0};
		int k = poll(p, (nfds_t)o->workers, 20);
		procs_poll(&o->ps);
		for (int w = 0; k > 0 && w < o->workers; w++) {
			struct ord_result r;
			if (!(p[w].revents & (POLLIN | POLLHUP)))
				continue;
			if (fd_read_all(p[w].fd, &r, sizeof(r)) != 0 || r.first + r.count > (uint32_t)o->items)
				return -1;
			done += (int)r.count;
			busy[w] = 0;
			ord_arrived(o, mode, &r);
			if (next < o->items) {
				if (ord_send(o, kids[w], next, next + chunk <= o->items ? chunk : o->items - next) != 0)
					return -1;
				busy[w] = 1;
				next += chunk;
			}
		}
	}
	if (mode == ORD_MAP)
		for (int i = 0; i < o->items; i++)
			ord_yield(o, mode, i);
	if (mode == ORD_MAP)
		trace_markf(o->owner, "map returned its list: %s", o->order);
	return run_stopping(o->run) ? -1 : 0;
}

static int ord_start(struct ord *o, int set, const char *what)
{
	char name[32], task[16], line[16];
	snprintf(line, sizeof(line), "%d", run_lesson_line(o->run, "f"));
	for (int w = 0; w < o->workers; w++) {
		snprintf(name, sizeof(name), "%s %d", what, w + 1);
		trace_task_t t = trace_task_new_child(name, KIND_PROCESS, what, o->owner);
		snprintf(task, sizeof(task), "%d", (int)t);
		const char *args[] = {"order", task, line, NULL};
		int c = procs_spawn(&o->ps, t, name, 1, args);
		if (c < 0) {
			trace_end(t);
			return -1;
		}
		o->kids[set][w] = c;
	}
	return 0;
}

static void ord_result(struct ord *o, int mode, uint64_t ns)
{
	char key[48];
	snprintf(key, sizeof(key), "%s_ms", ord_keys[mode]);
	run_result_num(o->run, key, (double)ns / (double)NS_PER_MS);
	snprintf(key, sizeof(key), "%s_first_ms", ord_keys[mode]);
	run_result_num(o->run, key, (double)o->first_ns / (double)NS_PER_MS);
	snprintf(key, sizeof(key), "%s_order", ord_keys[mode]);
	run_result_text(o->run, key, o->order);
	/* In input order means 0 1 2 ... */
	char want[ORD_ITEMS_MAX * 4] = "";
	for (int i = 0; i < o->items; i++) {
		size_t l = strlen(want);
		snprintf(want + l, sizeof(want) - l, "%s%d", l ? " " : "", i);
	}
	snprintf(key, sizeof(key), "%s_in_order", ord_keys[mode]);
	run_result_num(o->run, key, strcmp(want, o->order) == 0);
}

int processes_order_main(struct run *run)
{
	static struct ord o;
	memset(&o, 0, sizeof(o));
	o.run = run;
	o.items = (int)run_int(run, "items");
	o.workers = (int)run_int(run, "workers");
	for (int i = 0; i < o.items; i++)
		o.units[i] = cpuburn_units(ord_item_ms_x1000(i, o.items, run_int(run, "job_ms")) * NS_PER_MS / 1000);
	/* Pool.map's default: divmod(len(items), 4 * workers), rounded up. */
	int chunk = (o.items + 4 * o.workers - 1) / (4 * o.workers);
	run_result_num(run, "chunksize", chunk);
	if (procs_set_init(&o.ps, run) != 0) {
		run_fail(run, "could not make an event loop for the workers");
		return -1;
	}
	o.owner = trace_task_new("pool owner", KIND_MAIN, "owner");
	trace_bind(o.owner);
	trace_state_at(o.owner, STATE_RUNNING, run_lesson_line(run, "pool"), "Pool(workers), ProcessPoolExecutor(workers)");
	int rc = ord_start(&o, 0, "pool worker") == 0 && ord_start(&o, 1, "executor worker") == 0 ? 0 : -1;
	for (int mode = 0; mode < ORD_MODES && rc == 0; mode++) {
		uint64_t t0 = clock_now_ns();
		rc = ord_phase(&o, mode, mode == ORD_MAP ? chunk : 1);
		if (rc == 0)
			ord_result(&o, mode, clock_now_ns() - t0);
	}
	for (int i = 0; i < o.ps.n; i++) { /* no more work: each worker leaves */
		struct ord_task t = {.count = 0};
		fd_write_all(o.ps.kids[i].sock, &t, sizeof(t));
	}
	trace_state(o.owner, STATE_JOIN, "pool.close(); pool.join()");
	procs_wait_all(&o.ps);
	procs_set_close(&o.ps);
	trace_end(o.owner);
	if (rc != 0 && !run_stopping(run)) {
		run_fail(run, "a worker process failed (see its lane)");
		return -1;
	}
	return 0;
}

const struct param_spec processes_order_params[PROCESSES_ORDER_NPARAMS] = {
	{.name = "workers", .type = PARAM_INT, .def = 2, .min = 1, .max = ORD_WORKERS_MAX, .unit = "processes",
	 .help = "worker processes of each pool"},
	{.name = "items", .type = PARAM_INT, .def = 16, .min = 2, .max = ORD_ITEMS_MAX, .unit = "items",
	 .help = "items f is mapped over; item i takes its own time"},
	{.name = "job_ms", .type = PARAM_INT, .def = 100, .min = 1, .max = 2000, .unit = "ms",
	 .help = "the longest f(item) (CPU time); the others take job_ms/items to job_ms"},
};
