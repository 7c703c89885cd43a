/*
 * procs.c: spawning, reaping and killing worker child processes (see
 * procs.h).
 */
#include "procs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROCS_TICK_MS 20
#define PROCS_ARGS_MAX 32

static void procs_closed(uv_handle_t *h)
{
	(void)h;
}

static void procs_exited(uv_process_t *p, int64_t status, int term_signal)
{
	struct procs_child *c = p->data;
	struct procs_set *s = c->set;
	c->exited = 1;
	c->status = status;
	c->signal = term_signal;
	s->alive--;
	if (!s->stopping && (term_signal != 0 || status != 0)) {
		/* The child could not end its own lane: say why, and end it. */
		s->crashed++;
		if (term_signal != 0)
			trace_markf(c->task, "pid %d killed by signal %d (%s)", (int)c->pid, term_signal,
			            strsignal(term_signal));
		else
			trace_markf(c->task, "pid %d exited with status %lld", (int)c->pid, (long long)status);
		trace_end(c->task);
	} else if (s->stopping && (term_signal != 0 || status != 0)) {
		trace_markf(c->task, "pid %d stopped with the run", (int)c->pid);
		trace_end(c->task);
	}
	uv_close((uv_handle_t *)p, procs_closed);
}

static void procs_kill_alive(struct procs_set *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->kids[i].spawned && !s->kids[i].exited)
			uv_process_kill(&s->kids[i].proc, SIGKILL);
}

static void procs_ticked(uv_timer_t *t)
{
	struct procs_set *s = t->data;
	if (run_stopping(s->run) && !s->stopping) {
		s->stopping = 1;
		procs_kill_alive(s);
	}
}

int procs_set_init(struct procs_set *s, struct run *run)
{
	memset(s, 0, sizeof(*s));
	s->run = run;
	int rc = uv_loop_init(&s->loop);
	if (rc != 0)
		return rc;
	uv_timer_init(&s->loop, &s->tick);
	s->tick.data = s;
	uv_unref((uv_handle_t *)&s->tick);
	return 0;
}

int procs_spawn(struct procs_set *s, trace_task_t task, int with_socket, const char *const *args)
{
	if (s->n == PROCS_MAX) {
		run_fail(s->run, "at most %d worker processes", PROCS_MAX);
		return -EINVAL;
	}
	struct procs_child *c = &s->kids[s->n];
	memset(c, 0, sizeof(*c));
	c->set = s;
	c->task = task;
	c->sock = -1;

	int ring = trace_shm_ring_new();
	if (ring < 0) {
		run_fail(s->run, "could not make a shared ring for a worker: %s", strerror(-ring));
		return ring;
	}
	int sv[2] = {-1, -1};
	if (with_socket && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		int e = errno;
		close(ring);
		run_fail(s->run, "could not make a socket pair for a worker: %s", strerror(e));
		return -e;
	}

	char *argv[PROCS_ARGS_MAX + 4];
	int argc = 0;
	argv[argc++] = (char *)run_self_exe();
	argv[argc++] = "--worker";
	argv[argc++] = "processes";
	for (int i = 0; args[i] != NULL && argc < PROCS_ARGS_MAX + 3; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;

	/* stdout and stderr go nowhere: the TUI owns the terminal. */
	uv_stdio_container_t stdio[4] = {
		{.flags = UV_IGNORE},
		{.flags = UV_IGNORE},
		{.flags = UV_IGNORE},
		{.flags = UV_INHERIT_FD, .data.fd = ring},
	};
	if (with_socket) {
		stdio[0].flags = UV_INHERIT_FD;
		stdio[0].data.fd = sv[1];
	}
	uv_process_options_t o = {
		.exit_cb = procs_exited,
		.file = argv[0],
		.args = argv,
		.stdio = stdio,
		.stdio_count = 4,
	};
	c->proc.data = c;
	int rc = uv_spawn(&s->loop, &c->proc, &o);
	close(ring);
	if (with_socket)
		close(sv[1]);
	if (rc != 0) {
		if (with_socket)
			close(sv[0]);
		uv_close((uv_handle_t *)&c->proc, procs_closed);
		run_fail(s->run, "could not start a worker process (%s): %s", argv[0], uv_strerror(rc));
		return rc;
	}
	c->spawned = 1;
	c->pid = c->proc.pid;
	c->sock = with_socket ? sv[0] : -1;
	s->alive++;
	s->n++;
	trace_bind_to(task, c->pid, c->pid);
	run_watch_pid(s->run, c->pid);
	return s->n - 1;
}

void procs_poll(struct procs_set *s)
{
	if (run_stopping(s->run) && !s->stopping) {
		s->stopping = 1;
		procs_kill_alive(s);
	}
	uv_run(&s->loop, UV_RUN_NOWAIT);
}

void procs_wait_all(struct procs_set *s)
{
	uv_timer_start(&s->tick, procs_ticked, 0, PROCS_TICK_MS);
	uv_ref((uv_handle_t *)&s->tick);
	while (s->alive > 0)
		uv_run(&s->loop, UV_RUN_ONCE);
	uv_timer_stop(&s->tick);
	uv_unref((uv_handle_t *)&s->tick);
}

void procs_set_close(struct procs_set *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->kids[i].sock >= 0) {
			close(s->kids[i].sock);
			s->kids[i].sock = -1;
		}
	if (s->alive > 0) {
		s->stopping = 1;
		procs_kill_alive(s);
		procs_wait_all(s);
	}
	uv_close((uv_handle_t *)&s->tick, procs_closed);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	uv_loop_close(&s->loop);
}

trace_task_t procs_child_attach(const char *task_arg)
{
	char *end;
	long task = strtol(task_arg, &end, 10);
	if (*end != '\0' || task < 0 || trace_shm_attach(3) != 0)
		return TRACE_NO_TASK;
	close(3);
	trace_bind((trace_task_t)task);
	return (trace_task_t)task;
}

int procs_read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int procs_write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}
