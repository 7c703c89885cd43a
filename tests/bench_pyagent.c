/*
 * bench_pyagent.c: what simul's Python agent costs the program it watches.
 *
 *   python_agent_ns_per_event    one record written by the agent (its
 *                                header packed, the text encoded, one write
 *                                to the FIFO that simul drains), per event
 *   python_agent_wrapped_call_ns what a wrapped blocking call adds
 *                                (time.sleep(0): two records and the
 *                                script's line found on the stack)
 *   python_agent_lock_ns         what the agent adds to an uncontended
 *                                `with lock:` (no record: only a wrapper)
 *   pyrec_parse_ns               simul's side: parsing one record
 *
 * The agent is the one compiled into simul (assets/agent), written to a
 * temporary directory; python3 runs the loops, this program drains the
 * FIFO on a thread of its own, as simul does. Each figure is the median of
 * five rounds, less an empty loop, in the CPU time of the Python thread
 * (time.thread_time_ns): other load on the machine stretches wall time, not
 * this.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assets.h"
#include "clock.h"
#include "pyrec.h"

static volatile int draining = 1;
static int fifo_fd = -1;
static unsigned long long drained;

static void *drainer(void *arg)
{
	(void)arg;
	char buf[1 << 16];
	while (draining) {
		ssize_t n = read(fifo_fd, buf, sizeof(buf));
		if (n > 0)
			drained += (unsigned long long)n;
		else
			usleep(200);
	}
	return NULL;
}

static const char script[] =
	"import os, sys, time, threading, statistics\n"
	"sys.path.insert(0, sys.argv[1])\n"
	"os.environ['SIMUL_AGENT_FIFO'] = sys.argv[2]\n"
	"os.environ['SIMUL_AGENT_SCRIPT'] = os.path.abspath(__file__)\n"
	"import simul_agent as a\n"
	"a.install()\n"
	"N = 20000\n"
	"def per(fn, base):\n"
	"    r = []\n"
	"    for _ in range(5):\n"
	"        t0 = time.thread_time_ns(); fn(); t1 = time.thread_time_ns(); base(); t2 = time.thread_time_ns()\n"
	"        r.append(((t1 - t0) - (t2 - t1)) / N)\n"
	"    return statistics.median(r)\n"
	"rec, STATE = a.record, a.STATE\n"
	"def events():\n"
	"    for _ in range(N): rec(STATE, 1, 2, 0, 10, 'time.sleep(0.1)')\n"
	"def empty():\n"
	"    for _ in range(N): pass\n"
	"sleep, raw_sleep = time.sleep, a._orig[(time, 'sleep')]\n"
	"def wrapped():\n"
	"    for _ in range(N): sleep(0)\n"
	"def bare():\n"
	"    for _ in range(N): raw_sleep(0)\n"
	"lk, raw = threading.Lock(), a._thread.allocate_lock()\n"
	"def locked():\n"
	"    for _ in range(N):\n"
	"        with lk: pass\n"
	"def raw_locked():\n"
	"    for _ in range(N):\n"
	"        with raw: pass\n"
	"print('%.1f %.1f %.1f' % (per(events, empty), per(wrapped, bare), per(locked, raw_locked)), file=sys.__stdout__)\n";

static int write_agent(const char *dir)
{
	static const char *const files[] = {"simul_agent.py"};
	for (size_t i = 0; i < 1; i++) {
		char rel[64], p[512];
		snprintf(rel, sizeof(rel), "agent/%s", files[i]);
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		const struct asset *a = asset_get(rel);
		FILE *f = fopen(p, "w");
		if (a == NULL || f == NULL)
			return -1;
		fwrite(a->data, 1, a->len, f);
		fclose(f);
	}
	char p[512];
	snprintf(p, sizeof(p), "%s/bench.py", dir);
	FILE *f = fopen(p, "w");
	if (f == NULL)
		return -1;
	fputs(script, f);
	fclose(f);
	return 0;
}

static double parse_ns(void)
{
	unsigned char buf[PYREC_MAX];
	struct pyrec r = {.type = PYREC_STATE, .state = PYREC_SLEEP, .pid = 1, .lane = 2, .line = 10,
	                  .t_ns = 123, .text = "time.sleep(0.1)", .text_len = 15};
	size_t n = pyrec_encode(buf, &r);
	enum { K = 1000000 };
	volatile long sink = 0;
	uint64_t t0 = clock_real_ns();
	for (int i = 0; i < K; i++) {
		struct pyrec out;
		sink += pyrec_parse(buf, n, &out);
	}
	return (double)(clock_real_ns() - t0) / K;
}

int main(void)
{
	printf("bench: pyrec_parse_ns %.1f ns\n", parse_ns());
	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		printf("bench: python_agent_ns_per_event skipped (no python3)\n");
		return 0;
	}
	char dir[] = "/tmp/simul-bench-py-XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 1;
	char fifo[600], cmd[2048];
	snprintf(fifo, sizeof(fifo), "%s/events", dir);
	if (write_agent(dir) != 0 || mkfifo(fifo, 0600) != 0)
		return 1;
	fifo_fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	(void)fcntl(fifo_fd, F_SETPIPE_SZ, 1 << 20);
	pthread_t th;
	pthread_create(&th, NULL, drainer, NULL);
	snprintf(cmd, sizeof(cmd), "python3 %s/bench.py %s %s", dir, dir, fifo);
	FILE *p = popen(cmd, "r");
	double ev = -1, call = -1, lock = -1;
	int got = p ? fscanf(p, "%lf %lf %lf", &ev, &call, &lock) : 0;
	int rc = p ? pclose(p) : -1;
	draining = 0;
	pthread_join(th, NULL);
	close(fifo_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_pyagent: could not remove %s\n", dir);
	if (got != 3 || rc != 0) {
		fprintf(stderr, "bench_pyagent: python3 failed\n");
		return 1;
	}
	printf("bench: python_agent_ns_per_event %.1f ns\n", ev);
	printf("bench: python_agent_wrapped_call_ns %.1f ns\n", call);
	printf("bench: python_agent_lock_ns %.1f ns\n", lock);
	printf("bench: python_agent_bytes_drained %llu bytes\n", drained);
	return 0;
}
