/*
 * pycost.h: what CPython spends where simul does the same thing in C, so
 * that a demo mirroring Python costs what the Python would.
 *
 * simul's workers are C: starting one is an exec of simul (about 2 ms),
 * pickling a float is a memcpy. CPython pays far more for the same steps,
 * and a lesson about processes is about exactly those costs ("big payloads
 * eat the gain", "spawn is slow"). So the steps that mirror them spend, in
 * real CPU work on the thread or process that would do them in Python,
 * CPython's cost: the work is real (prime counting, as cpuburn.h), only its
 * amount comes from a measurement of CPython.
 *
 * The figures: built-in ones measured with CPython 3.11 on the 2-core
 * development machine (each named below), and pickle costs measured again
 * with python3 on this machine when one is on the PATH (pycost_pickle says
 * which it used). Costs are CPU time, not wall time: on a busy machine the
 * same cost takes longer, as it would in Python.
 */
#ifndef SIMUL_PYCOST_H
#define SIMUL_PYCOST_H

#include <stddef.h>
#include <stdint.h>

struct run;

/* ---- pickle, through a pipe ---- */

/*
 * What multiprocessing spends to move a list of floats from one process to
 * another, on each side: the sender pickles it (ForkingPickler.dumps) and
 * writes it (Connection.send_bytes); the receiver reads it in pieces
 * (Connection.recv_bytes) and unpickles it. CPU ns per float, each side's
 * own thread's.
 */
struct pycost_pickle {
	double send_ns;  /* dumps + send_bytes */
	double recv_ns;  /* recv_bytes + loads */
	int measured;    /* 1: measured with python3 here; 0: built-in figures */
	char source[96]; /* "measured with python3 3.11.7 on this machine" or "built in: ..." */
};

/* Built-in figures (CPython 3.11.7 through a multiprocessing Pipe, the
 * median of 3, on a busy 2-core machine): a list of 8,192 floats (64 KiB)
 * 21 ns a float to send and 22 to receive; of 1,048,576 (8 MiB) 24 and 55
 * (a big list's new floats no longer fit the caches). In between, linear
 * in log(size). */
#define PYCOST_PICKLE_SMALL 8192.0
#define PYCOST_PICKLE_SEND_SMALL_NS 21.0
#define PYCOST_PICKLE_RECV_SMALL_NS 22.0
#define PYCOST_PICKLE_BIG 1048576.0
#define PYCOST_PICKLE_SEND_BIG_NS 24.0
#define PYCOST_PICKLE_RECV_BIG_NS 55.0

/* CPython's cost for lists of about nfloats floats. With measure, the
 * first call for a size runs python3 once (a fraction of a second: it
 * sends such a list three times through a Pipe between two threads) and
 * later calls reuse what it found; when python3 is missing or fails, and
 * without measure, the built-in figures. Thread-safe. */
void pycost_pickle(size_t nfloats, int measure, struct pycost_pickle *out);
/* Whether pycost_pickle(nfloats, 1, ...) would return at once (python3 has
 * already been asked about that size). */
int pycost_pickle_known(size_t nfloats);

/* ---- start methods (multiprocessing) ---- */

enum pycost_start { PYCOST_FORK, PYCOST_SPAWN, PYCOST_FORKSERVER, PYCOST_START_COUNT };

/* "fork", "spawn", "forkserver"; the choices of a start parameter. */
extern const char *const pycost_start_names[];

/*
 * CPU time a child spends before it runs its target, by start method
 * (measured: getrusage in the target, CPython 3.11.7 with a small main
 * module, the median of 7 starts):
 *   fork        1.5 ms  the child is a copy of the parent: nothing to load
 *   spawn      60 ms    a fresh interpreter starts, imports multiprocessing
 *                       and the main module, unpickles the Process
 *   forkserver 10 ms    forked from the server, then unpickles the Process
 *                       and imports the main module again
 * and, once, the fork server itself starts as a spawned interpreter does
 * (its first start() took about 150 ms of wall time there).
 * simul's own exec of a worker costs about 2 ms: fork's cost is that.
 */
uint64_t pycost_child_start_ns(enum pycost_start method);
uint64_t pycost_forkserver_start_ns(void);

/* ---- asyncio ---- */

/* CPU of the loop thread per task in a crowd of sleeping tasks (create,
 * schedule, one asyncio.sleep, finish): 27 us, 100,000 tasks. */
#define PYCOST_ASYNCIO_SLEEP_TASK_NS 27000ull
/* The same with one aiohttp GET of 64 bytes instead of the sleep (open a
 * connection, send, parse the reply, close): 335 us a request at 1,000
 * at once, 520 at 3,000, 660 at 10,000 (aiohttp 3.8.4). */
uint64_t pycost_aiohttp_get_ns(long in_flight);

/* ---- spending it ---- */

/* Spend ns of this thread's CPU time in real work, however long that takes
 * on a busy machine. Returns early when run is stopping (run may be NULL:
 * in a child process the parent's SIGKILL is the stop). */
void pycost_spend(struct run *run, uint64_t ns);
/* The same until this thread's CPU clock (clock_thread_cpu_ns) reaches
 * cpu_ns: what the C side already spent on a step counts toward its cost. */
void pycost_spend_to(struct run *run, uint64_t cpu_ns);

#endif
