/*
 * procs.h: worker child processes for the processes module: spawning simul
 * itself in worker mode, reaping, and the child's side of the recorder.
 *
 * The parent keeps a procs_set: a private libuv loop on the scenario thread
 * that owns every child's uv_process_t. Each child gets a shared-memory ring
 * as its fd 3 (trace_shm_ring_new) and, when asked, one end of a socket
 * pair as its fd 0 for commands and results. Children are reaped as they
 * exit (exit_cb); one that dies of a signal or a non-zero status gets a mark
 * on its lane saying so and its lane ends, and is counted in `crashed`.
 * When the run is stopped every child still alive is killed and reaped.
 * The run's live panel lists the children: pid, parent pid, CPU time (read
 * from /proc while they live) and how they ended, unless a spawn asked the
 * set to leave the panel to the demo.
 *
 * Not thread-safe: one thread (the demo's scenario thread) owns a set.
 */
#ifndef SIMUL_PROCS_H
#define SIMUL_PROCS_H

#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "pycost.h"
#include "run.h"
#include "trace.h"

#define PROCS_MAX 64

struct procs_set;

struct procs_child {
	uv_process_t proc;
	struct procs_set *set;
	trace_task_t task;
	pid_t pid;
	int spawned, exited;
	int64_t status;
	int signal;
	int stopped; /* stopped by a signal when last looked at (procs_poll) */
	int sock; /* parent's end of the command socket, -1 when none */
	uint64_t cpu_ns; /* last CPU time read from /proc */
	char name[32];
};

struct procs_set {
	uv_loop_t loop;
	uv_timer_t tick;
	struct run *run;
	struct procs_child kids[PROCS_MAX];
	int n;        /* children spawned */
	int alive;    /* spawned and not yet reaped */
	int crashed;  /* died of a signal or a non-zero status, not by us */
	int stopping; /* we killed them because the run is stopping */
	int no_panel; /* the demo draws its own panel */
	uint64_t panel_ns; /* when the panel was last refreshed */
	/* multiprocessing's start method: what a child costs before it runs
	 * its target (pycost.h); with forkserver, kids[server] is the server. */
	enum pycost_start start;
	int server;        /* index of the fork server, -1 until it runs */
	trace_task_t lane; /* the lane that starts the children (the server's parent) */
};

int procs_set_init(struct procs_set *s, struct run *run);

/* How to start one worker. Zero-initialised is procs_spawn's default but
 * for the fds: set stdin_fd and stdout_fd to -1 when unused. */
struct procs_spawn_options {
	const char *module; /* `simul --worker MODULE`; NULL: "processes" */
	int with_socket;    /* a socket pair whose child end is its fd 0 */
	/* Else these as its fd 0 and fd 1, e.g. one pipe shared by every
	 * worker of a pool (a job queue, a result queue); -1: none. */
	int stdin_fd, stdout_fd;
	int no_panel;       /* leave the run's panel to the demo (for the set) */
};

/*
 * Start the children the way multiprocessing's start method `m` would, at
 * CPython's cost (default fork). Every child then spends, on its own lane
 * and before it runs anything, what a CPython child spends to start that
 * way; with forkserver the first procs_spawn starts a "fork server" lane
 * first (paying a spawned interpreter's start once, while `lane` waits for
 * it, as the first Process.start() does), and it lives until
 * procs_wait_all. Call before the first procs_spawn.
 */
void procs_set_start(struct procs_set *s, enum pycost_start m, trace_task_t lane);
/*
 * Start `simul --worker processes ARGS...` for task (registered by the
 * caller, kind KIND_PROCESS, called name in the panel), with its ring on fd 3 and, when with_socket,
 * a socket pair whose child end is its fd 0. Returns the child's index or
 * a negative errno (the run's error says why).
 */
int procs_spawn(struct procs_set *s, trace_task_t task, const char *name, int with_socket,
                const char *const *args);
/* The same with options (o may be NULL). */
int procs_spawn_with(struct procs_set *s, trace_task_t task, const char *name,
                     const struct procs_spawn_options *o, const char *const *args);
/* Reap whatever has exited, without blocking. */
void procs_poll(struct procs_set *s);
/* Block until every child has exited; kills them all when the run stops. */
void procs_wait_all(struct procs_set *s);
/* Kill every child still alive (SIGKILL) and reap them all, close the
 * sockets and the loop. */
void procs_set_close(struct procs_set *s);

/* Child side: attach fd 3 as this process's ring and bind `task_arg` (the
 * task id as text) to this thread; then spend the start method's cost on
 * that lane. Returns the task or TRACE_NO_TASK. */
trace_task_t procs_child_attach(const char *task_arg);
/* The fork server's side (`simul --worker processes forkserver TASK`):
 * start like a spawned interpreter, say so on fd 0, wait until the parent
 * closes it. */
int procs_forkserver_main(int argc, char **argv);

/* The whole of buf to child's socket, or n bytes from it, giving up when
 * the run is stopping or the child has exited: a child stopped by SIGSTOP
 * must not hold its parent in a send or a recv that no stop could end.
 * Returns 0, or -1. */
int procs_send(struct procs_set *s, int child, const void *buf, size_t n);
int procs_recv(struct procs_set *s, int child, void *buf, size_t n);

#endif
