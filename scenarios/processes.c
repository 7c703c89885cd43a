/*
 * processes.c: the processes module: real child processes (simul itself in
 * worker mode, as multiprocessing's spawn start method starts a fresh
 * interpreter), a process pool, and what crossing a process boundary costs.
 *
 * processes/workers runs P CPU-bound jobs one after another in this process,
 * then in P child processes at once. processes/pool maps a function over a
 * list with a pool of W children, sending each item and each result through
 * a socket pair in a pickle-like encoding, so that the time spent
 * serialising and copying shows on the lanes. processes/vs-threads runs the
 * same jobs in threads under an emulated GIL and in processes.
 *
 * The children's side is processes_worker (`simul --worker processes KIND
 * TASK ...`): each reports into the shared ring its parent made for it.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cpuburn.h"
#include "demo.h"
#include "fdio.h"
#include "gil.h"
#include "procs.h"
#include "processes/order.h"
#include "pycost.h"
#include "run.h"
#include "trace.h"
#include "verdict.h"

/* A run stopped half-way has no meaningful timings: say it stopped,
 * instead of reporting a speedup over cut-short work. Returns 1 then. */
static int report_stopped(struct run *run, int crashed)
{
	if (!run_stopping(run))
		return 0;
	run_result_num(run, "stopped", 1);
	run_result_num(run, "crashed_workers", crashed);
	return 1;
}

static double ms_since(uint64_t t0)
{
	return (double)(clock_now_ns() - t0) / (double)NS_PER_MS;
}

/* cpuburn_run in slices, so that work done in the demo's own process stops
 * soon after the run does (run is NULL in a child: there the parent's
 * SIGKILL is the stop). */
#define BURN_SLICE 1024
static uint64_t burn(struct run *run, uint64_t units)
{
	uint64_t sum = 0;
	while (units > 0 && (run == NULL || !run_stopping(run))) {
		uint64_t n = units < BURN_SLICE ? units : BURN_SLICE;
		sum += cpuburn_run(n);
		units -= n;
	}
	return sum;
}

/* multiprocessing's start method from the run's `start` parameter, set on
 * ps (lane: the task that starts the children); shown on that lane and in
 * the results. */
static void processes_start_method(struct run *run, struct procs_set *ps, trace_task_t lane)
{
	const char *name = run_enum(run, "start");
	enum pycost_start m = PYCOST_FORK;
	for (int i = 0; i < PYCOST_START_COUNT; i++)
		if (strcmp(name, pycost_start_names[i]) == 0)
			m = (enum pycost_start)i;
	procs_set_start(ps, m, lane);
	double ms = (double)pycost_child_start_ns(m) / (double)NS_PER_MS;
	if (m == PYCOST_FORK)
		trace_markf(lane, "start method fork: each child is a copy of this process, nothing to load");
	else
		trace_markf(lane, "start method %s: each child spends %.0f ms of CPU to start, as CPython's does%s", name, ms,
		            m == PYCOST_FORKSERVER ? ", after the fork server's own start" : "");
	run_result_text(run, "start_method", name);
	run_result_num(run, "start_cost_ms", ms);
}

/* ---- processes/workers ---- */

/* One job: count primes, the same amount of work in a child or here. */
static uint64_t workers_job(struct run *run, trace_task_t task, int index, uint64_t units, int line_pid,
                            int line_work)
{
	trace_state_at(task, STATE_RUNNING, line_pid, "print(os.getpid(), os.getppid())");
	trace_markf(task, "worker %d: pid %d, parent pid %d", index, (int)getpid(), (int)getppid());
	trace_statef(task, STATE_RUNNING, line_work, "count_primes (job %d)", index);
	uint64_t cpu0 = clock_thread_cpu_ns();
	uint64_t sum = burn(run, units);
	trace_markf(task, "worker %d: checksum %" PRIu64 ", cpu %.0f ms", index, sum,
	            (double)(clock_thread_cpu_ns() - cpu0) / (double)NS_PER_MS);
	return sum;
}

/* Start one child that burns `units` of CPU as task `name` (the worker side
 * is worker_burn). Returns 0, or -1 when it could not be started. */
static int spawn_burner(struct procs_set *ps, trace_task_t parent, const char *name, int index,
                        uint64_t units, int line_pid, int line_work)
{
	char arg_task[16], arg_index[16], arg_units[24], arg_lp[16], arg_lw[16];
	trace_task_t t = trace_task_new_child(name, KIND_PROCESS, "processes", parent);
	snprintf(arg_task, sizeof(arg_task), "%d", (int)t);
	snprintf(arg_index, sizeof(arg_index), "%d", index);
	snprintf(arg_units, sizeof(arg_units), "%" PRIu64, units);
	snprintf(arg_lp, sizeof(arg_lp), "%d", line_pid);
	snprintf(arg_lw, sizeof(arg_lw), "%d", line_work);
	const char *args[] = {"burn", arg_task, arg_index, arg_units, arg_lp, arg_lw, NULL};
	if (procs_spawn(ps, t, name, 0, args) < 0) {
		trace_end(t);
		return -1;
	}
	return 0;
}

static int workers_main(struct run *run)
{
	int nworkers = (int)run_int(run, "workers");
	uint64_t units = cpuburn_units((uint64_t)run_int(run, "job_ms") * NS_PER_MS);
	int line_pid = run_lesson_line(run, "pid"), line_work = run_lesson_line(run, "work");
	char name[32];
	struct verdict_mark mark;
	verdict_mark(&mark);

	/* The same jobs one after another, in this process. */
	double seq_ms = 0;
	if (run_bool(run, "sequential")) {
		trace_task_t seq = trace_task_new("sequential", KIND_MAIN, "sequential");
		trace_bind(seq);
		trace_milestone("one process, one job after another");
		uint64_t t0 = clock_now_ns();
		for (int i = 0; i < nworkers && !run_stopping(run); i++) {
			trace_state_at(seq, STATE_RUNNING, run_lesson_line(run, "sequential"),
			               "work(i) in a loop");
			workers_job(run, seq, i, units, line_pid, line_work);
		}
		seq_ms = ms_since(t0);
		trace_end(seq);
	}

	/* The same jobs, one child process each. */
	struct procs_set ps;
	if (procs_set_init(&ps, run) != 0) {
		run_fail(run, "could not make an event loop for the workers");
		return -1;
	}
	trace_task_t parent = trace_task_new("parent", KIND_MAIN, "processes");
	trace_bind(parent);
	trace_milestone("one child process per job");
	trace_markf(parent, "parent: pid %d", (int)getpid());
	processes_start_method(run, &ps, parent);
	uint64_t t0 = clock_now_ns(), cpu0 = clock_children_cpu_ns();
	int rc = 0;
	for (int i = 0; i < nworkers && !run_stopping(run); i++) {
		trace_state_at(parent, STATE_RUNNING, run_lesson_line(run, "start"), "p.start()");
		snprintf(name, sizeof(name), "worker %d", i);
		if (spawn_burner(&ps, parent, name, i, units, line_pid, line_work) != 0) {
			rc = -1;
			break;
		}
	}
	trace_state_at(parent, STATE_JOIN, run_lesson_line(run, "join"), "p.join()");
	procs_wait_all(&ps);
	double par_ms = ms_since(t0);
	int crashed = ps.crashed, started = ps.n - (ps.server >= 0);
	procs_set_close(&ps);
	/* The children's CPU time over the wall time: how many cores they kept
	 * busy at once (the fork server's start included). */
	double par_cpu_ms = (double)(clock_children_cpu_ns() - cpu0) / (double)NS_PER_MS;
	trace_end(parent);

	if (rc != 0 || report_stopped(run, crashed))
		return rc;
	run_result_num(run, "parallel_ms", par_ms);
	double parallelism = par_ms > 0 ? par_cpu_ms / par_ms : 0, speedup = par_ms > 0 ? seq_ms / par_ms : 0;
	run_result_num(run, "parallelism", parallelism);
	if (seq_ms > 0) {
		run_result_num(run, "sequential_ms", seq_ms);
		run_result_num(run, "speedup", speedup);
	}
	if (nworkers >= 2 && sampler_cores() >= 2)
		verdict_report(run, &mark, parallelism > 1.2 && (seq_ms <= 0 || speedup > 1.0),
		               "the workers ran on several cores at once and beat one process");
	else
		verdict_report(run, &mark, 1, NULL);
	run_result_num(run, "cores", sampler_cores());
	run_result_num(run, "workers_started", started);
	run_result_num(run, "crashed_workers", crashed);
	return rc;
}

static int worker_burn(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "simul: --worker processes burn: want TASK INDEX UNITS LINE LINE\n");
		return 2;
	}
	trace_task_t task = procs_child_attach(argv[2]);
	if (task == TRACE_NO_TASK) {
		fprintf(stderr, "simul: --worker processes: no recorder ring on fd 3 (only simul starts workers)\n");
		return 2;
	}
	workers_job(NULL, task, atoi(argv[3]), strtoull(argv[4], NULL, 10), atoi(argv[5]), atoi(argv[6]));
	trace_end(task);
	return 0;
}

/* ---- processes/pool ---- */

/*
 * Messages on a worker's socket. A task is a chunk of `count` items from
 * `index` on: header, then each item's payload as floats in pickle's
 * BINFLOAT form ('G' and 8 big-endian bytes each). A result: header, then
 * the same floats back (f returns its input, as big as it came).
 *
 * Encoding a float that way costs C a few ns; CPython's pickle of a list of
 * floats costs 50 to 100 (pycost.h). With data=list (the default) every
 * pickling and unpickling also spends CPython's cost, in CPU time, in the
 * process that would do it in Python; data=array only copies the bytes, as
 * pickling a NumPy array's buffer would.
 */
struct pool_msg {
	uint32_t index;
	uint32_t count;
	uint32_t nfloats; /* per item */
	uint32_t pad;
	uint64_t units;   /* task: work per item; result: the prime-count checksum */
	uint64_t ipc_ns;  /* result: time the worker spent unpickling, pickling, sending */
	double send_ns;   /* task: CPython's cost per float to pickle and send (0: none) */
	double recv_ns;   /* task: the same to receive and unpickle */
};

#define POOL_FLOAT_BYTES 9

/* Pickle n floats into out; with CPython's cost_ns a float to send, spend
 * it all here, counting the real encoding (run: NULL in a worker). */
static void pool_pickle(struct run *run, const double *v, uint32_t n, unsigned char *out, double cost_ns)
{
	uint64_t cpu0 = clock_thread_cpu_ns();
	for (uint32_t i = 0; i < n; i++) {
		uint64_t bits;
		memcpy(&bits, &v[i], sizeof(bits));
		*out++ = 'G';
		for (int b = 7; b >= 0; b--)
			*out++ = (unsigned char)(bits >> (8 * b));
	}
	pycost_spend_to(run, cpu0 + (uint64_t)(cost_ns * n));
}

/* Unpickle n floats; with CPython's cost_ns a float to receive, spend it,
 * counting this thread's CPU since cpu0 (the start of the read). */
static int pool_unpickle(struct run *run, const unsigned char *in, uint32_t n, double *v, double cost_ns,
                         uint64_t cpu0)
{
	for (uint32_t i = 0; i < n; i++) {
		if (*in++ != 'G')
			return -1;
		uint64_t bits = 0;
		for (int b = 0; b < 8; b++)
			bits = bits << 8 | *in++;
		memcpy(&v[i], &bits, sizeof(bits));
	}
	pycost_spend_to(run, cpu0 + (uint64_t)(cost_ns * n));
	return 0;
}

static void pool_fill(double *v, uint32_t n, uint32_t index)
{
	for (uint32_t i = 0; i < n; i++)
		v[i] = (double)index + (double)i / 1024.0;
}

static const char *pool_size_text(size_t bytes, char *buf, size_t len)
{
	if (bytes >= 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
	else
		snprintf(buf, len, "%.1f KiB", (double)bytes / 1024.0);
	return buf;
}

/* "item 3" or "items 3-6" (what="item"), or "result 3" / "results 3-6". */
static const char *pool_range(char *buf, size_t len, const char *what, uint32_t first, uint32_t count)
{
	if (count == 1)
		snprintf(buf, len, "%s %u", what, first);
	else
		snprintf(buf, len, "%ss %u-%u", what, first, first + count - 1);
	return buf;
}

struct pool_slot {
	int child;   /* index in the procs_set */
	int busy;    /* a chunk is out with this worker */
	int dead;
	uint32_t item, count; /* the chunk */
};

struct pool_state {
	struct run *run;
	struct procs_set ps;
	trace_task_t owner;
	uint32_t nitems;
	uint32_t nfloats;    /* per item */
	uint32_t chunksize;
	uint64_t units;
	double send_ns, recv_ns; /* CPython's cost per float, 0 with data=array */
	unsigned char *wire; /* a result being received */
	double *vals;
	/* The chunk pickled ahead, waiting for the first free worker. */
	unsigned char *ahead;
	uint32_t ahead_item, ahead_count;
	int ahead_ready;
	uint32_t next;       /* first item not yet pickled */
	uint64_t ipc_ns;     /* the parent's own pickling, sending, receiving, unpickling */
	uint64_t checksum;
	int line_send, line_recv;
};

/* Pickle the next chunk ahead of time, as Pool's task handler thread does
 * while the workers compute; it then waits for whichever worker is free
 * first. */
static void pool_prepare(struct pool_state *p)
{
	if (p->ahead_ready || p->next >= p->nitems || run_stopping(p->run))
		return;
	char sz[32], rg[48];
	uint32_t count = p->nitems - p->next < p->chunksize ? p->nitems - p->next : p->chunksize;
	size_t n = (size_t)p->nfloats * count;
	/* Making the items is not IPC (the sequential loop makes them too). */
	for (uint32_t k = 0; k < count; k++)
		pool_fill(p->vals + (size_t)k * p->nfloats, p->nfloats, p->next + k);
	uint64_t t0 = clock_now_ns();
	trace_statef(p->owner, STATE_RUNNING, p->line_send, "pickling %s (%s)", pool_size_text(n * 8, sz, sizeof(sz)),
	             pool_range(rg, sizeof(rg), "item", p->next, count));
	pool_pickle(p->run, p->vals, (uint32_t)n, p->ahead, p->send_ns);
	p->ipc_ns += clock_now_ns() - t0;
	p->ahead_item = p->next;
	p->ahead_count = count;
	p->ahead_ready = 1;
	p->next += count;
}

/* Send the chunk pickled ahead to the worker in sl. On failure the chunk
 * stays ahead, for another worker. */
static int pool_hand_over(struct pool_state *p, struct pool_slot *sl)
{
	char sz[32], rg[48];
	size_t n = (size_t)p->nfloats * p->ahead_count;
	uint64_t t0 = clock_now_ns();
	trace_statef(p->owner, STATE_IO, p->line_send, "sending %s (%s) to worker %d", pool_size_text(n * 8, sz, sizeof(sz)),
	             pool_range(rg, sizeof(rg), "item", p->ahead_item, p->ahead_count), sl->child);
	struct pool_msg h = {.index = p->ahead_item, .count = p->ahead_count, .nfloats = p->nfloats,
	                     .units = p->units, .send_ns = p->send_ns, .recv_ns = p->recv_ns};
	int rc = procs_send(&p->ps, sl->child, &h, sizeof(h));
	if (rc == 0)
		rc = procs_send(&p->ps, sl->child, p->ahead, n * POOL_FLOAT_BYTES);
	p->ipc_ns += clock_now_ns() - t0;
	if (rc != 0)
		return rc;
	sl->busy = 1;
	sl->item = p->ahead_item;
	sl->count = p->ahead_count;
	p->ahead_ready = 0;
	return 0;
}

static int pool_receive(struct pool_state *p, struct pool_slot *sl, uint64_t *child_ipc)
{
	char sz[32], rg[48];
	struct pool_msg h;
	uint64_t t0 = clock_now_ns(), cpu0 = clock_thread_cpu_ns();
	if (procs_recv(&p->ps, sl->child, &h, sizeof(h)) != 0 || h.nfloats != p->nfloats || h.count != sl->count)
		return -1;
	size_t n = (size_t)h.nfloats * h.count, bytes = n * POOL_FLOAT_BYTES;
	pool_size_text(n * 8, sz, sizeof(sz));
	pool_range(rg, sizeof(rg), "result", h.index, h.count);
	trace_statef(p->owner, STATE_IO, p->line_recv, "receiving %s (%s) from worker %d", sz, rg, sl->child);
	if (procs_recv(&p->ps, sl->child, p->wire, bytes) != 0)
		return -1;
	trace_statef(p->owner, STATE_RUNNING, p->line_recv, "unpickling %s (%s)", sz, rg);
	if (pool_unpickle(p->run, p->wire, (uint32_t)n, p->vals, p->recv_ns, cpu0) != 0)
		return -1;
	p->ipc_ns += clock_now_ns() - t0;
	p->checksum += h.units;
	*child_ipc += h.ipc_ns;
	sl->busy = 0;
	return 0;
}

/* The costs of data=list or data=array, into p and the results. */
static void pool_costs(struct pool_state *p)
{
	struct run *run = p->run;
	if (strcmp(run_enum(run, "data"), "array") == 0) {
		run_result_text(run, "pickle_cost", "data=array: the bytes are copied as they are, no CPython cost added");
		return;
	}
	struct pycost_pickle c;
	size_t n = (size_t)p->nfloats * p->chunksize;
	if (pycost_pickle_known(n)) {
		pycost_pickle(n, 1, &c);
	} else {
		/* python3 takes a moment: show it rather than a blank start. */
		trace_task_t t = trace_task_new("python3", KIND_PROCESS, "cost");
		trace_state(t, STATE_JOIN, "measuring what multiprocessing spends to pickle and pipe a list");
		pycost_pickle(n, 1, &c);
		trace_markf(t, "send %.0f ns, receive %.0f ns a float (%s)", c.send_ns, c.recv_ns,
		            c.measured ? "measured" : "python3 missing: built-in figures");
		trace_end(t);
	}
	p->send_ns = c.send_ns;
	p->recv_ns = c.recv_ns;
	char text[160];
	snprintf(text, sizeof(text), "CPython's, a list of floats through a Pipe, %s", c.source);
	run_result_text(run, "pickle_cost", text);
	run_result_num(run, "pickle_send_ns_per_float", c.send_ns);
	run_result_num(run, "pickle_recv_ns_per_float", c.recv_ns);
}

/* Start the pool's workers; returns how many started (<= nworkers), or -1
 * when one could not. */
static int pool_start(struct pool_state *p, struct pool_slot *slots, int nworkers)
{
	struct run *run = p->run;
	char name[32], arg_task[16], arg_lines[3][16];
	snprintf(arg_lines[0], sizeof(arg_lines[0]), "%d", run_lesson_line(run, "w_recv"));
	snprintf(arg_lines[1], sizeof(arg_lines[1]), "%d", run_lesson_line(run, "w_f"));
	snprintf(arg_lines[2], sizeof(arg_lines[2]), "%d", run_lesson_line(run, "w_send"));
	trace_state_at(p->owner, STATE_RUNNING, run_lesson_line(run, "pool"), "Pool(workers)");
	int n = 0;
	for (int w = 0; w < nworkers && !run_stopping(run); w++) {
		snprintf(name, sizeof(name), "pool worker %d", w);
		trace_task_t t = trace_task_new_child(name, KIND_PROCESS, "pool", p->owner);
		snprintf(arg_task, sizeof(arg_task), "%d", (int)t);
		const char *args[] = {"pool", arg_task, arg_lines[0], arg_lines[1], arg_lines[2], NULL};
		int c = procs_spawn(&p->ps, t, name, 1, args);
		if (c < 0) {
			trace_end(t);
			return -1;
		}
		slots[n++] = (struct pool_slot){.child = c};
	}
	return n;
}

/* Pool.map: hand out chunks (one pickled ahead) to whichever worker is
 * free, until every item is back or lost. Returns items done; *lost gets
 * the items lost with workers that died. */
static uint32_t pool_map(struct pool_state *p, struct pool_slot *slots, int nslots, uint32_t *lost,
                         uint64_t *child_ipc)
{
	uint32_t done = 0;
	*lost = 0;
	for (int s = 0; s < nslots; s++) {
		pool_prepare(p);
		if (p->ahead_ready && pool_hand_over(p, &slots[s]) != 0)
			slots[s].dead = 1;
	}
	pool_prepare(p);
	while (done + *lost < p->nitems && !run_stopping(p->run)) {
		struct pollfd fds[PROCS_MAX];
		int map[PROCS_MAX], nfds = 0;
		for (int s = 0; s < nslots; s++)
			if (slots[s].busy && !slots[s].dead) {
				fds[nfds] = (struct pollfd){.fd = p->ps.kids[slots[s].child].sock, .events = POLLIN};
				map[nfds++] = s;
			}
		if (nfds == 0)
			break; /* every worker is gone */
		trace_state_at(p->owner, STATE_JOIN, run_lesson_line(p->run, "map"), "waiting for results");
		int k = poll(fds, (nfds_t)nfds, 20);
		procs_poll(&p->ps);
		for (int i = 0; k > 0 && i < nfds; i++) {
			if (fds[i].revents == 0)
				continue;
			struct pool_slot *sl = &slots[map[i]];
			if (pool_receive(p, sl, child_ipc) != 0) {
				char rg[48];
				if (run_stopping(p->run))
					break; /* cut short by the stop, not lost to a crash */
				sl->dead = 1;
				*lost += sl->count;
				trace_markf(p->owner, "worker %d died: %s lost", sl->child,
				            pool_range(rg, sizeof(rg), "item", sl->item, sl->count));
				continue;
			}
			done += sl->count;
			if (p->ahead_ready && pool_hand_over(p, sl) != 0)
				sl->dead = 1;
			pool_prepare(p);
		}
	}
	/* Items never handed out because no worker was left are lost too. */
	if (!run_stopping(p->run))
		*lost += p->nitems - p->next + (p->ahead_ready ? p->ahead_count : 0);
	return done;
}

static void pool_free(struct pool_state *p)
{
	free(p->wire);
	free(p->vals);
	free(p->ahead);
}

static int pool_main(struct run *run)
{
	int nworkers = (int)run_int(run, "workers");
	struct pool_state p = {
		.run = run,
		.nitems = (uint32_t)run_int(run, "items"),
		.units = cpuburn_units((uint64_t)run_int(run, "job_ms") * NS_PER_MS),
		.nfloats = (uint32_t)((uint64_t)run_int(run, "payload_kib") * 1024 / 8),
		.chunksize = (uint32_t)run_int(run, "chunksize"),
		.line_send = run_lesson_line(run, "send"),
		.line_recv = run_lesson_line(run, "recv"),
	};
	char sz[32];
	size_t item_bytes = (size_t)p.nfloats * 8, chunk_floats = (size_t)p.nfloats * p.chunksize;
	p.wire = malloc(chunk_floats * POOL_FLOAT_BYTES + 1);
	p.ahead = malloc(chunk_floats * POOL_FLOAT_BYTES + 1);
	p.vals = malloc((chunk_floats + 1) * sizeof(double));
	if (p.wire == NULL || p.vals == NULL || p.ahead == NULL) {
		pool_free(&p);
		run_fail(run, "out of memory for chunks of %u items of %s", p.chunksize,
		         pool_size_text(item_bytes, sz, sizeof(sz)));
		return -1;
	}
	pool_costs(&p);
	struct verdict_mark mark;
	verdict_mark(&mark);

	/* Sequentially: f over the list in this process, no pickling. */
	trace_task_t seq = trace_task_new("sequential", KIND_MAIN, "sequential");
	trace_bind(seq);
	trace_milestone("f over the list in one process");
	uint64_t t0 = clock_now_ns(), seq_sum = 0;
	for (uint32_t i = 0; i < p.nitems && !run_stopping(run); i++) {
		trace_statef(seq, STATE_RUNNING, run_lesson_line(run, "sequential"), "f(item %u)", i);
		pool_fill(p.vals, p.nfloats, i);
		seq_sum += burn(run, p.units);
	}
	double seq_ms = ms_since(t0);
	trace_markf(seq, "sequential: %u items, checksum %" PRIu64, p.nitems, seq_sum);
	trace_end(seq);

	/* With a pool of worker processes. */
	if (procs_set_init(&p.ps, run) != 0) {
		pool_free(&p);
		run_fail(run, "could not make an event loop for the pool");
		return -1;
	}
	p.owner = trace_task_new("pool owner", KIND_MAIN, "pool");
	trace_bind(p.owner);
	trace_milestone("Pool(workers).map(f, items)");
	processes_start_method(run, &p.ps, p.owner);
	t0 = clock_now_ns();
	struct pool_slot slots[PROCS_MAX];
	int nslots = pool_start(&p, slots, nworkers);
	uint32_t done = 0, lost = 0;
	uint64_t child_ipc = 0;
	if (nslots > 0)
		done = pool_map(&p, slots, nslots, &lost, &child_ipc);
	/* Closing the sockets tells the workers there is no more work. */
	for (int s = 0; s < nslots; s++) {
		struct procs_child *c = &p.ps.kids[slots[s].child];
		close(c->sock);
		c->sock = -1;
	}
	trace_state_at(p.owner, STATE_JOIN, run_lesson_line(run, "close"), "pool.close(); pool.join()");
	procs_wait_all(&p.ps);
	double pool_ms = ms_since(t0);
	int crashed = p.ps.crashed;
	procs_set_close(&p.ps);
	trace_markf(p.owner, "pool: %u items done, checksum %" PRIu64, done, p.checksum);
	trace_end(p.owner);
	pool_free(&p);

	if (nslots < 0 || report_stopped(run, crashed))
		return nslots < 0 ? -1 : 0;
	verdict_report(run, &mark, 1, NULL);
	run_result_num(run, "sequential_ms", seq_ms);
	run_result_num(run, "pool_ms", pool_ms);
	run_result_num(run, "speedup", pool_ms > 0 ? seq_ms / pool_ms : 0);
	run_result_num(run, "ipc_ms", (double)(p.ipc_ns + child_ipc) / (double)NS_PER_MS);
	run_result_num(run, "ipc_parent_ms", (double)p.ipc_ns / (double)NS_PER_MS);
	run_result_num(run, "payload_bytes", (double)item_bytes);
	run_result_num(run, "items_done", done);
	run_result_num(run, "items_lost", lost);
	run_result_num(run, "crashed_workers", crashed);
	run_result_num(run, "checksum_match", done == p.nitems && p.checksum == seq_sum);
	return 0;
}

/* One task in a pool worker: receive, unpickle, f on each item, pickle,
 * send back. Returns 0, 1 when the pool has closed (no more work), or -1. */
static int worker_pool_task(trace_task_t task, const int lines[3], unsigned char **wire, double **vals,
                            uint32_t *cap)
{
	char sz[32], rg[48];
	struct pool_msg h;
	trace_state_at(task, STATE_READY, lines[0], "waiting for a task from the pool");
	if (fd_read_all(0, &h, sizeof(h)) != 0)
		return 1; /* the pool closed: no more work */
	uint64_t t0 = clock_now_ns(), cpu0 = clock_thread_cpu_ns();
	uint64_t nf = (uint64_t)h.nfloats * h.count;
	if (h.count == 0 || nf > UINT32_MAX)
		return -1;
	size_t bytes = (size_t)nf * POOL_FLOAT_BYTES;
	if (nf > *cap || *wire == NULL) {
		free(*wire);
		free(*vals);
		*cap = (uint32_t)nf;
		*wire = malloc(bytes + 1);
		*vals = malloc(((size_t)*cap + 1) * sizeof(double));
		if (*wire == NULL || *vals == NULL)
			return -1;
	}
	pool_size_text((size_t)nf * 8, sz, sizeof(sz));
	trace_statef(task, STATE_IO, lines[0], "receiving %s (%s)", sz, pool_range(rg, sizeof(rg), "item", h.index, h.count));
	if (fd_read_all(0, *wire, bytes) != 0)
		return -1;
	trace_statef(task, STATE_RUNNING, lines[0], "unpickling %s (%s)", sz, rg);
	if (pool_unpickle(NULL, *wire, (uint32_t)nf, *vals, h.recv_ns, cpu0) != 0)
		return -1;
	uint64_t ipc = clock_now_ns() - t0;
	uint64_t sum = 0;
	for (uint32_t k = 0; k < h.count; k++) {
		trace_statef(task, STATE_RUNNING, lines[1], "f(item %u)", h.index + k);
		sum += burn(NULL, h.units);
	}
	t0 = clock_now_ns();
	pool_range(rg, sizeof(rg), "result", h.index, h.count);
	trace_statef(task, STATE_RUNNING, lines[2], "pickling %s (%s)", sz, rg);
	pool_pickle(NULL, *vals, (uint32_t)nf, *wire, h.send_ns);
	trace_statef(task, STATE_IO, lines[2], "sending %s (%s)", sz, rg);
	struct pool_msg r = {.index = h.index, .count = h.count, .nfloats = h.nfloats, .units = sum};
	/* The time to pickle, and to hand the bytes to the socket (what the
	 * parent is not reading yet waits there). */
	r.ipc_ns = ipc + (clock_now_ns() - t0);
	if (fd_write_all(0, &r, sizeof(r)) != 0 || fd_write_all(0, *wire, bytes) != 0)
		return -1;
	return 0;
}

/* A pool worker: take a task, f(item), send the result back, until the
 * parent closes the socket. */
static int worker_pool(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "simul: --worker processes pool: want TASK LINE LINE LINE\n");
		return 2;
	}
	trace_task_t task = procs_child_attach(argv[2]);
	if (task == TRACE_NO_TASK) {
		fprintf(stderr, "simul: --worker processes: no recorder ring on fd 3 (only simul starts workers)\n");
		return 2;
	}
	const int lines[3] = {atoi(argv[3]), atoi(argv[4]), atoi(argv[5])};
	unsigned char *wire = NULL;
	double *vals = NULL;
	uint32_t cap = 0;
	int rc;
	trace_markf(task, "pool worker: pid %d, parent pid %d", (int)getpid(), (int)getppid());
	while ((rc = worker_pool_task(task, lines, &wire, &vals, &cap)) == 0)
		;
	free(wire);
	free(vals);
	trace_end(task);
	return rc < 0 ? 1 : 0;
}

/* ---- processes/vs-threads ---- */

/* Units of work between two looks at the GIL (about 0.2 ms): CPython's
 * eval loop looks at every few bytecodes; this only needs to be well under
 * the 5 ms switch interval. */
#define VS_GIL_SLICE 16

struct vs_thread {
	struct run *run;
	struct gil *gil;
	trace_task_t task;
	uint64_t units;
	int line;
	int index;
	uint64_t cpu_ns; /* CPU time the thread used */
};

static void *vs_thread_main(void *arg)
{
	struct vs_thread *t = arg;
	trace_bind(t->task);
	gil_acquire(t->gil, t->task, t->line);
	uint64_t cpu0 = clock_thread_cpu_ns(), sum = 0;
	for (uint64_t done = 0; done < t->units && !run_stopping(t->run); done += VS_GIL_SLICE) {
		sum += cpuburn_run(t->units - done < VS_GIL_SLICE ? t->units - done : VS_GIL_SLICE);
		gil_check(t->gil, t->task, t->line);
	}
	gil_release(t->gil, t->task);
	t->cpu_ns = clock_thread_cpu_ns() - cpu0;
	trace_markf(t->task, "thread %d: checksum %" PRIu64 ", cpu %.0f ms", t->index, sum,
	            (double)t->cpu_ns / (double)NS_PER_MS);
	trace_end(t->task);
	return NULL;
}

/* What the three runs of processes/vs-threads measured. */
struct vs_figures {
	double seq_ms, thr_ms, proc_ms;
	uint64_t thr_cpu, proc_cpu; /* CPU time the jobs used */
	double switches;            /* of the GIL */
	int crashed;
};

/* Baseline: one job after another. */
static void vs_sequential(struct run *run, int njobs, uint64_t units, struct vs_figures *fig)
{
	trace_task_t seq = trace_task_new("sequential", KIND_MAIN, "sequential");
	trace_bind(seq);
	trace_milestone("one job after another");
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < njobs && !run_stopping(run); i++) {
		trace_statef(seq, STATE_RUNNING, run_lesson_line(run, "sequential"), "job %d", i);
		burn(run, units);
	}
	fig->seq_ms = ms_since(t0);
	trace_end(seq);
}

/* Threads, one job each, under the emulated GIL. Returns 0, or -1 after
 * run_fail. */
static int vs_threads(struct run *run, int njobs, uint64_t units, int line_work, struct vs_figures *fig)
{
	char name[32];
	struct gil *gil = gil_new(0);
	struct vs_thread *th = calloc((size_t)njobs, sizeof(*th));
	pthread_t *tids = calloc((size_t)njobs, sizeof(*tids));
	if (gil == NULL || th == NULL || tids == NULL) {
		gil_free(gil);
		free(th);
		free(tids);
		run_fail(run, "out of memory");
		return -1;
	}
	trace_task_t tmain = trace_task_new("threads main", KIND_MAIN, "threads (emulated GIL)");
	trace_bind(tmain);
	trace_milestone("threads, with the (emulated) GIL");
	trace_state_at(tmain, STATE_RUNNING, run_lesson_line(run, "threads"), "ThreadPoolExecutor.map");
	int started = 0, rc = 0;
	for (int i = 0; i < njobs; i++) {
		snprintf(name, sizeof(name), "thread %d", i);
		th[i] = (struct vs_thread){
			.run = run,
			.gil = gil,
			.task = trace_task_new_child(name, KIND_THREAD, "threads (emulated GIL)", tmain),
			.units = units,
			.line = line_work,
			.index = i,
		};
		gil_name_task(gil, th[i].task, name);
	}
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < njobs; i++) {
		if (pthread_create(&tids[i], NULL, vs_thread_main, &th[i]) != 0) {
			run_fail(run, "could not start a thread");
			rc = -1;
			break;
		}
		started++;
	}
	trace_state_at(tmain, STATE_JOIN, run_lesson_line(run, "threads"), "waiting for the threads");
	fig->thr_cpu = 0;
	for (int i = 0; i < started; i++) {
		pthread_join(tids[i], NULL);
		fig->thr_cpu += th[i].cpu_ns;
	}
	fig->thr_ms = ms_since(t0);
	trace_end(tmain);
	fig->switches = (double)gil_switches(gil);
	gil_free(gil);
	free(th);
	free(tids);
	return rc;
}

/* Processes, one job each: no GIL between them. Returns 0, or -1 after
 * run_fail. */
static int vs_processes(struct run *run, int njobs, uint64_t units, int line_work, struct vs_figures *fig)
{
	char name[32];
	struct procs_set ps;
	int rc = 0;
	if (procs_set_init(&ps, run) != 0) {
		run_fail(run, "could not make an event loop for the workers");
		return -1;
	}
	trace_task_t pmain = trace_task_new("processes main", KIND_MAIN, "processes");
	trace_bind(pmain);
	trace_milestone("processes: one interpreter (and GIL) each");
	processes_start_method(run, &ps, pmain);
	trace_state_at(pmain, STATE_RUNNING, run_lesson_line(run, "processes"), "ProcessPoolExecutor.map");
	uint64_t proc_cpu = clock_children_cpu_ns();
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < njobs && !run_stopping(run); i++) {
		snprintf(name, sizeof(name), "process %d", i);
		if (spawn_burner(&ps, pmain, name, i, units, line_work, line_work) != 0) {
			rc = -1;
			break;
		}
	}
	trace_state_at(pmain, STATE_JOIN, run_lesson_line(run, "processes"), "waiting for the processes");
	procs_wait_all(&ps);
	fig->proc_ms = ms_since(t0);
	fig->crashed = ps.crashed;
	procs_set_close(&ps);
	fig->proc_cpu = clock_children_cpu_ns() - proc_cpu;
	trace_end(pmain);
	return rc;
}

static void vs_results(struct run *run, int njobs, const struct verdict_mark *mark, const struct vs_figures *f)
{
	run_result_num(run, "sequential_ms", f->seq_ms);
	run_result_num(run, "threads_ms", f->thr_ms);
	run_result_num(run, "processes_ms", f->proc_ms);
	double thr_speedup = f->thr_ms > 0 ? f->seq_ms / f->thr_ms : 0;
	double proc_speedup = f->proc_ms > 0 ? f->seq_ms / f->proc_ms : 0;
	run_result_num(run, "threads_speedup", thr_speedup);
	run_result_num(run, "processes_speedup", proc_speedup);
	/* CPU time over wall time: how many cores the jobs kept busy on
	 * average. Under one GIL it cannot exceed 1, whatever the load. */
	double thr_par = f->thr_ms > 0 ? (double)f->thr_cpu / NS_PER_MS / f->thr_ms : 0;
	double proc_par = f->proc_ms > 0 ? (double)f->proc_cpu / NS_PER_MS / f->proc_ms : 0;
	run_result_num(run, "threads_parallelism", thr_par);
	run_result_num(run, "processes_parallelism", proc_par);
	if (njobs >= 2 && sampler_cores() >= 2)
		verdict_report(run, mark, proc_speedup > thr_speedup && proc_par > thr_par,
		               "processes beat threads, on more cores at once");
	else
		verdict_report(run, mark, 1, NULL);
	run_result_num(run, "gil_switches", f->switches);
	run_result_num(run, "cores", sampler_cores());
	run_result_num(run, "crashed_workers", f->crashed);
}

/* The same CPU-bound jobs one after another, in threads under the GIL,
 * then in processes. */
static int vs_main(struct run *run)
{
	int njobs = (int)run_int(run, "jobs");
	uint64_t units = cpuburn_units((uint64_t)run_int(run, "job_ms") * NS_PER_MS);
	int line_work = run_lesson_line(run, "work");
	struct vs_figures fig = {0};
	struct verdict_mark mark;
	verdict_mark(&mark);

	vs_sequential(run, njobs, units, &fig);
	if (vs_threads(run, njobs, units, line_work, &fig) != 0)
		return -1;
	int rc = vs_processes(run, njobs, units, line_work, &fig);
	if (rc != 0 || report_stopped(run, fig.crashed))
		return rc;
	vs_results(run, njobs, &mark, &fig);
	return rc;
}

/* ---- the children's entry point ---- */

static int processes_worker(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "burn") == 0)
		return worker_burn(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "pool") == 0)
		return worker_pool(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "forkserver") == 0)
		return procs_forkserver_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "order") == 0)
		return processes_order_worker(argc, argv);
	fprintf(stderr, "simul: --worker processes: unknown job (allowed: burn, pool, forkserver, order)\n");
	return 2;
}

static const struct param_spec workers_params[] = {
	{.name = "workers", .type = PARAM_INT, .def = 4, .min = 1, .max = 16, .unit = "processes",
	 .help = "child processes, one job each"},
	{.name = "job_ms", .type = PARAM_INT, .def = 500, .min = 10, .max = 10000, .unit = "ms",
	 .help = "CPU time of one job on a free core"},
	{.name = "sequential", .type = PARAM_BOOL, .def = 1,
	 .help = "first run the jobs one after another in one process (for the speedup)"},	{.name = "start", .type = PARAM_ENUM, .def = 0, .choices = pycost_start_names,
	 .help = "multiprocessing's start method; each child costs what CPython's does"},
};

static const char *const pool_data_choices[] = {"list", "array", NULL};
static const struct param_spec pool_params[] = {
	{.name = "workers", .type = PARAM_INT, .def = 2, .min = 1, .max = 16, .unit = "processes",
	 .help = "worker processes in the pool"},
	{.name = "items", .type = PARAM_INT, .def = 16, .min = 1, .max = 1000, .unit = "items",
	 .help = "length of the list mapped over"},
	{.name = "job_ms", .type = PARAM_INT, .def = 50, .min = 0, .max = 5000, .unit = "ms",
	 .help = "CPU time of f(item) on a free core"},
	{.name = "payload_kib", .type = PARAM_INT, .def = 64, .min = 0, .max = 65536, .unit = "KiB",
	 .help = "data sent with each item and back with each result"},
	{.name = "chunksize", .type = PARAM_INT, .def = 1, .min = 1, .max = 64, .unit = "items",
	 .help = "items sent to a worker at a time (Pool.map's chunksize)"},
	{.name = "data", .type = PARAM_ENUM, .def = 0, .choices = pool_data_choices,
	 .help = "list: a list of floats, at CPython's pickle cost; array: raw bytes, as a NumPy array's"},	{.name = "start", .type = PARAM_ENUM, .def = 0, .choices = pycost_start_names,
	 .help = "multiprocessing's start method; each child costs what CPython's does"},
};

static const struct param_spec vs_params[] = {
	{.name = "jobs", .type = PARAM_INT, .def = 2, .min = 1, .max = 16, .unit = "jobs",
	 .help = "CPU-bound jobs: threads, then processes, one each"},
	{.name = "job_ms", .type = PARAM_INT, .def = 500, .min = 10, .max = 10000, .unit = "ms",
	 .help = "CPU time of one job on a free core"},
	{.name = "start", .type = PARAM_ENUM, .def = 0, .choices = pycost_start_names,
	 .help = "multiprocessing's start method; each child costs what CPython's does"},
};

static const struct demo processes_demos[] = {
	{
		.name = "workers",
		.summary = "CPU-bound jobs in child processes, beside the same jobs one after another",
		.description = "P child processes each count primes; each prints its pid and its "
		               "parent's. First the same jobs run sequentially in one process. With "
		               "more processes than cores, some wait (preempted) for a core.",
		.params = workers_params,
		.nparams = DEMO_COUNT(workers_params),
		.main = workers_main,
	},
	{
		.name = "pool",
		.summary = "Pool.map over a list: work in W processes, data pickled through pipes",
		.description = "A pool of worker processes maps f over a list. Every item and every "
		               "result is pickled and copied through a pipe; raise payload_kib and "
		               "watch the time spent pickling eat the gain.",
		.params = pool_params,
		.nparams = DEMO_COUNT(pool_params),
		.main = pool_main,
	},
	{
		.name = "vs-threads",
		.summary = "CPU-bound jobs: threads under the (emulated) GIL vs processes",
		.description = "The same CPU-bound jobs run one after another, then in threads "
		               "that must take turns holding an emulated GIL (5 ms switch "
		               "interval), then in processes, each with its own interpreter.",
		.params = vs_params,
		.nparams = DEMO_COUNT(vs_params),
		.main = vs_main,
	},
	{
		.name = "order",
		.summary = "Pool.map keeps input order, imap_unordered and as_completed don't; map's chunksize",
		.description = "The same f over 16 items, each taking its own time, four ways: "
		               "Pool.map returns the list at the end in input order (its default "
		               "chunksize groups items), imap yields in order and holds early results "
		               "back, imap_unordered and as_completed yield each as it completes.",
		.params = processes_order_params,
		.nparams = PROCESSES_ORDER_NPARAMS,
		.main = processes_order_main,
	},
};

const struct demo_module processes_module = {
	.name = "processes",
	.title = "Processes",
	.order = 20,
	.demos = processes_demos,
	.ndemos = DEMO_COUNT(processes_demos),
	.worker = processes_worker,
};
