/*
 * httpd_child.c: the loopback server in a child process (see
 * httpd_child.h).
 */
#include "httpd_child.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "pace.h"
#include "run.h"
#include "trace.h"

#define CHILD_START_MS 10000 /* to say its port: an exec and a listen, slow only on a loaded machine */
#define CHILD_STOP_MS 2000   /* to go once asked */

/* Read the child's "PORT\n" within the start time. */
static int read_port(int sock)
{
	char buf[16];
	size_t n = 0;
	while (n < sizeof(buf) - 1) {
		struct pollfd p = {.fd = sock, .events = POLLIN};
		int r = poll(&p, 1, CHILD_START_MS);
		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		ssize_t k = read(sock, buf + n, sizeof(buf) - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k == 0 ? -EPIPE : -errno;
		n += (size_t)k;
		if (memchr(buf, '\n', n) != NULL)
			break;
	}
	buf[n] = '\0';
	long port = strtol(buf, NULL, 10);
	return port > 0 && port < 65536 ? (int)port : -EPROTO;
}

static int spawn_child(struct httpd_child *c, const char *exe, int child_end, int ring, int latency_ms)
{
	char latency[16];
	snprintf(latency, sizeof(latency), "%d", latency_ms);
	char *argv[] = {(char *)exe, "--worker", "loop", "httpd", latency, NULL};
	char **env = run_worker_env();
	if (env == NULL)
		return -ENOMEM;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	/* dup2 clears close-on-exec on the copies. */
	posix_spawn_file_actions_adddup2(&fa, child_end, 0);
	posix_spawn_file_actions_adddup2(&fa, ring, 3);
	int rc = posix_spawn(&c->pid, exe, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	return -rc;
}

int httpd_child_start(struct httpd_child *c, int latency_ms)
{
	c->pid = 0;
	c->sock = -1;
	c->port = 0;
	const char *exe = run_self_exe();
	if (exe == NULL)
		return -ENOENT;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	int ring = trace_shm_ring_new(); /* carries the lesson clock */
	int rc = ring < 0 ? ring : spawn_child(c, exe, sv[1], ring, latency_ms);
	if (ring >= 0)
		close(ring);
	close(sv[1]);
	c->sock = sv[0];
	if (rc != 0) {
		c->pid = 0;
		httpd_child_stop(c);
		return rc;
	}
	pace_watch_pid(c->pid);
	rc = read_port(c->sock);
	if (rc < 0) {
		httpd_child_stop(c);
		return rc;
	}
	c->port = rc;
	return 0;
}

void httpd_child_stop(struct httpd_child *c)
{
	if (c->sock >= 0)
		close(c->sock); /* its end reads EOF: it stops */
	c->sock = -1;
	if (c->pid <= 0)
		return;
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(c->pid, NULL, WNOHANG);
		if (r == c->pid || (r < 0 && errno != EINTR))
			break;
		if (waited >= CHILD_STOP_MS) {
			kill(c->pid, SIGKILL);
			while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
				;
			break;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	c->pid = 0;
}

int httpd_child_main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "simul: --worker loop httpd: want LATENCY_MS\n");
		return 2;
	}
	if (trace_shm_attach(3) != 0) {
		fprintf(stderr, "simul: --worker loop httpd: no ring on fd 3 (only simul starts it)\n");
		return 2;
	}
	close(3);
	/* Thousands of connections come and go at once. The server's thread
	 * takes its memory from the main heap (the only other thread waits in
	 * read), which grows a megabyte at a time (a thread's own heap grows
	 * by mprotect a page at a time), and keeps its free top for the next
	 * ones rather than hand it back a page at a time (a madvise each, then
	 * a page fault for every page taken again). */
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_TOP_PAD, 1 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	/* Every connection is a descriptor here too. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct httpd *h = NULL;
	int rc = httpd_start(&h, &(struct httpd_options){.latency_ms = atoi(argv[1])});
	if (rc != 0) {
		fprintf(stderr, "simul: the loopback server could not start: %s\n", strerror(-rc));
		return 1;
	}
	char line[16];
	int n = snprintf(line, sizeof(line), "%d\n", httpd_port(h));
	if (write(0, line, (size_t)n) != n) {
		httpd_stop(h);
		return 1;
	}
	char buf[64];
	for (;;) {
		ssize_t k = read(0, buf, sizeof(buf));
		if (k > 0 || (k < 0 && errno == EINTR))
			continue;
		break; /* EOF: the parent is done with us */
	}
	httpd_stop(h);
	return 0;
}
