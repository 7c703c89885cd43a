/*
 * httpd_child.h: the loopback server (httpd.h) in a child process of its
 * own, for a demo whose every connection should cost this process one
 * descriptor, as it costs the Python mirror (its server is another
 * process): loop/c10k at 10,000 connections.
 *
 * The child is simul itself (`simul --worker loop httpd LATENCY_MS`, as
 * processes' workers are): it dies with us, follows the run's lesson clock
 * (through a shared trace ring, which carries the clock) and is stopped and
 * continued with the run's pauses (pace_watch_pid). It tells us its port on
 * a socket pair and serves until we close our end.
 *
 * Not thread-safe: the thread that starts one stops it.
 */
#ifndef SIMUL_HTTPD_CHILD_H
#define SIMUL_HTTPD_CHILD_H

#include <sys/types.h>

struct httpd_child {
	pid_t pid;
	int sock; /* our end of the socket pair, -1 when none */
	int port;
};

/* Start the server with this latency. 0, or -errno (-ENOENT: no simul
 * executable to start, run_self_exe). */
int httpd_child_start(struct httpd_child *c, int latency_ms);
/* Ask the child to stop and reap it (killed when it does not go within
 * two seconds). Safe on a child that never started. */
void httpd_child_stop(struct httpd_child *c);

/* The child's side: argv is {"httpd", LATENCY_MS}. Returns its exit status. */
int httpd_child_main(int argc, char **argv);

#endif
