/*
 * pycost.c: CPython's costs, built in or measured with python3 (see
 * pycost.h).
 */
#include "pycost.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpuburn.h"
#include "probe.h"
#include "run.h"

const char *const pycost_start_names[] = {"fork", "spawn", "forkserver", NULL};

/* ---- pickle ---- */

/* Sizes are measured in classes of powers of two, up to 2^20 floats (8 MiB,
 * where the cost per float has settled). */
#define PYCOST_CLASSES 21

static pthread_mutex_t pycost_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pycost_pickle pycost_cache[PYCOST_CLASSES];
static int pycost_tried[PYCOST_CLASSES];

/* The script python3 runs: a list of n floats sent three times through a
 * multiprocessing Pipe from this thread to another, as a Pool does (its
 * ForkingPickler, its Connection); the median CPU time of each side.
 * Prints "SEND_NS RECV_NS VERSION", per float. */
static const char pycost_script[] =
	"import sys,time,threading\n"
	"import multiprocessing.connection as mc\n"
	"from multiprocessing.reduction import ForkingPickler as F\n"
	"n=int(sys.argv[1]);d=[1.0+k/1024 for k in range(n)]\n"
	"r,w=mc.Pipe(duplex=False);S=[];R=[]\n"
	"def reader():\n"
	" for _ in range(3):\n"
	"  t=time.thread_time();x=F.loads(r.recv_bytes());R.append(time.thread_time()-t);del x\n"
	"th=threading.Thread(target=reader);th.start()\n"
	"for _ in range(3):\n"
	" t=time.thread_time();w.send_bytes(F.dumps(d));S.append(time.thread_time()-t)\n"
	"th.join()\n"
	"print(sorted(S)[1]/n*1e9,sorted(R)[1]/n*1e9,sys.version.split()[0])\n";

/* A broken python3 must not hold the demo up for long. */
#define PYCOST_PROBE_TIMEOUT_MS 20000

/* Run python3 (the first on PATH) on the script for n floats, as a probe
 * (probe.h: it dies with simul, it is reaped). Returns 0 and fills out, or
 * -1. */
static int pycost_measure(size_t n, struct pycost_pickle *out)
{
	char python[4096], count[32], said[256], version[32];
	if (probe_which("python3", python, sizeof(python)) != 0)
		return -1;
	snprintf(count, sizeof(count), "%zu", n);
	char *const argv[] = {python, "-c", (char *)pycost_script, count, NULL};
	int status = probe_run(argv, PYCOST_PROBE_TIMEOUT_MS, said, sizeof(said));
	double d = 0, l = 0;
	int got = sscanf(said, "%lf %lf %31s", &d, &l, version);
	if (status != 0 || got != 3 || !(d > 0) || !(l > 0) || d > 1e5 || l > 1e5)
		return -1;
	out->send_ns = d;
	out->recv_ns = l;
	out->measured = 1;
	snprintf(out->source, sizeof(out->source), "measured with python3 %s on this machine", version);
	return 0;
}

static void pycost_builtin(size_t nfloats, struct pycost_pickle *out)
{
	double n = (double)nfloats, f;
	if (n <= PYCOST_PICKLE_SMALL)
		f = 0;
	else if (n >= PYCOST_PICKLE_BIG)
		f = 1;
	else
		f = log(n / PYCOST_PICKLE_SMALL) / log(PYCOST_PICKLE_BIG / PYCOST_PICKLE_SMALL);
	out->send_ns = PYCOST_PICKLE_SEND_SMALL_NS + f * (PYCOST_PICKLE_SEND_BIG_NS - PYCOST_PICKLE_SEND_SMALL_NS);
	out->recv_ns = PYCOST_PICKLE_RECV_SMALL_NS + f * (PYCOST_PICKLE_RECV_BIG_NS - PYCOST_PICKLE_RECV_SMALL_NS);
	out->measured = 0;
	snprintf(out->source, sizeof(out->source), "built in: CPython 3.11 on a 2-core development machine");
}

static int pycost_class(size_t nfloats)
{
	int k = 0;
	while (k + 1 < PYCOST_CLASSES && ((size_t)1 << k) < nfloats)
		k++;
	return k;
}

int pycost_pickle_known(size_t nfloats)
{
	pthread_mutex_lock(&pycost_mu);
	int known = pycost_tried[pycost_class(nfloats)];
	pthread_mutex_unlock(&pycost_mu);
	return known;
}

void pycost_pickle(size_t nfloats, int measure, struct pycost_pickle *out)
{
	if (!measure) {
		pycost_builtin(nfloats, out);
		return;
	}
	int k = pycost_class(nfloats);
	/* Small lists are dominated by fixed costs: measure at least 1,024. */
	size_t n = (size_t)1 << (k < 10 ? 10 : k);
	pthread_mutex_lock(&pycost_mu);
	if (!pycost_tried[k]) {
		pycost_tried[k] = 1;
		if (pycost_measure(n, &pycost_cache[k]) != 0)
			pycost_builtin(n, &pycost_cache[k]);
	}
	*out = pycost_cache[k];
	pthread_mutex_unlock(&pycost_mu);
}

/* ---- start methods ---- */

uint64_t pycost_child_start_ns(enum pycost_start method)
{
	switch (method) {
	case PYCOST_SPAWN:
		return 60 * NS_PER_MS;
	case PYCOST_FORKSERVER:
		return 10 * NS_PER_MS;
	default:
		return 0; /* fork: simul's own exec costs about what fork does */
	}
}

uint64_t pycost_forkserver_start_ns(void)
{
	return pycost_child_start_ns(PYCOST_SPAWN);
}

/* ---- asyncio ---- */

uint64_t pycost_aiohttp_get_ns(long in_flight)
{
	/* Between the measured points, linear in log10(in_flight). */
	static const double at[][2] = {{3.0, 335e3}, {3.477, 520e3}, {4.0, 660e3}};
	double x = log10(in_flight > 1 ? (double)in_flight : 1.0);
	if (x <= at[0][0])
		return (uint64_t)at[0][1];
	for (int i = 1; i < 3; i++)
		if (x <= at[i][0])
			return (uint64_t)(at[i - 1][1] +
			                  (at[i][1] - at[i - 1][1]) * (x - at[i - 1][0]) / (at[i][0] - at[i - 1][0]));
	return (uint64_t)at[2][1];
}

/* ---- spending it ---- */

void pycost_spend_to(struct run *run, uint64_t end)
{
	/* A few units at a time (a unit is about 10 us; one near the end):
	 * reading the CPU clock is a system call, cheap next to that. */
	uint64_t now;
	while ((now = clock_thread_cpu_ns()) < end && (run == NULL || !run_stopping(run)))
		cpuburn_run(end - now < 200 * 1000 ? 1 : 4);
}

void pycost_spend(struct run *run, uint64_t ns)
{
	if (ns > 0)
		pycost_spend_to(run, clock_thread_cpu_ns() + ns);
}
