/*
 * procs.c: spawning, reaping and killing worker child processes (see
 * procs.h).
 */
#include "procs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "fdio.h"

#define PROCS_TICK_MS 20
#define PROCS_ARGS_MAX 32
#define PROCS_PANEL_EVERY_NS (100 * NS_PER_MS)
#define PROCS_ENV_MAX 512

/* The child's start cost travels in its environment: "NS WHAT". */
#define PROCS_START_ENV "SIMUL_START_COST"

/* A process's state letter from /proc/PID/stat ('R', 'S', 'T' stopped by
 * a signal, 't' by a tracer, 'Z' ...), or 0 when it cannot be read. */
static char procs_pid_state(pid_t pid)
{
	char path[48], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: the state follows
	 * the last ')'. */
	const char *p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p[2] : 0;
}

/* A child stopped by a signal (SIGSTOP, Ctrl-Z's SIGTSTP) waits until it is
 * continued, and so does whoever waits for it, as in CPython. That is not
 * a hang to leave unexplained: its lane and the run's notice say so, once
 * when it stops and once when it goes on; the panel's status shows it. */
static void procs_check_stopped(struct procs_set *s)
{
	for (int i = 0; i < s->n; i++) {
		struct procs_child *c = &s->kids[i];
		if (!c->spawned || c->exited)
			continue;
		char st = procs_pid_state(c->pid);
		int stopped = st == 'T' || st == 't';
		if (st == 0 || stopped == c->stopped)
			continue;
		c->stopped = stopped;
		if (stopped) {
			trace_markf(c->task, "pid %d stopped by a signal: it, and whoever waits for it, wait "
			            "until it is continued (SIGCONT)", (int)c->pid);
			run_notice(s->run, "%s (pid %d) is stopped: the run waits for it; kill -CONT %d resumes "
			           "it, Ctrl-C stops the run", c->name, (int)c->pid, (int)c->pid);
		} else {
			trace_markf(c->task, "pid %d continued", (int)c->pid);
			run_notice(s->run, "%s (pid %d) continued", c->name, (int)c->pid);
		}
	}
}

/* Refresh the run's panel: one line per child. force: even if it was
 * refreshed less than PROCS_PANEL_EVERY_NS ago. */
static void procs_panel(struct procs_set *s, int force)
{
	uint64_t now = clock_now_ns();
	if (!force && now - s->panel_ns < PROCS_PANEL_EVERY_NS)
		return;
	s->panel_ns = now;
	procs_check_stopped(s);
	if (s->no_panel)
		return;
	char line[RUN_PANEL_WIDTH], status[64];
	snprintf(line, sizeof(line), "%-16s %8s %8s %8s  %s", "task", "pid", "ppid", "cpu ms", "status");
	run_panel_set(s->run, 0, "worker processes", line);
	for (int i = 0; i < s->n; i++) {
		struct procs_child *c = &s->kids[i];
		if (!c->exited) {
			/* in lesson time: a slowed-down child does its work 1/speed times */
			uint64_t cpu = clock_lesson_span(clock_pid_cpu_ns((int)c->pid));
			if (cpu > c->cpu_ns)
				c->cpu_ns = cpu;
			snprintf(status, sizeof(status), "%s", c->stopped ? "stopped (SIGCONT resumes it)" : "alive");
		} else if (c->signal != 0) {
			snprintf(status, sizeof(status), "killed by %s%s", strsignal(c->signal),
			         s->stopping ? " (run stopped)" : "");
		} else {
			snprintf(status, sizeof(status), "exited, status %lld", (long long)c->status);
		}
		/* Once reaped, /proc has no more to say: the last reading is a
		 * lower bound (the lane's own mark has the exact figure). */
		char cpu[24];
		snprintf(cpu, sizeof(cpu), "%s%.0f", c->exited ? ">=" : "", (double)c->cpu_ns / (double)NS_PER_MS);
		snprintf(line, sizeof(line), "%-16s %8d %8d %8s  %s", c->name, (int)c->pid, (int)getpid(), cpu,
		         status);
		run_panel_set(s->run, i + 1, NULL, line);
	}
}

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
	procs_panel(s, 1);
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
	procs_panel(s, 0);
}

int procs_set_init(struct procs_set *s, struct run *run)
{
	memset(s, 0, sizeof(*s));
	s->run = run;
	s->start = PYCOST_FORK;
	s->server = -1;
	s->lane = TRACE_NO_TASK;
	int rc = uv_loop_init(&s->loop);
	if (rc != 0)
		return rc;
	uv_timer_init(&s->loop, &s->tick);
	s->tick.data = s;
	uv_unref((uv_handle_t *)&s->tick);
	return 0;
}

void procs_set_start(struct procs_set *s, enum pycost_start m, trace_task_t lane)
{
	s->start = m;
	s->lane = lane;
}

/* The environment of a child: a worker's (run_worker_env), and its start
 * cost when it has one (env_cost NULL: none). Returns envp, a static table
 * pointing into base (one thread spawns). */
static char **procs_child_env(char **base, const char *env_cost)
{
	static char *envp[PROCS_ENV_MAX + 2];
	int n = 0;
	for (char **e = base; e != NULL && *e != NULL && n < PROCS_ENV_MAX; e++)
		if (strncmp(*e, PROCS_START_ENV "=", sizeof(PROCS_START_ENV)) != 0)
			envp[n++] = *e;
	if (env_cost != NULL)
		envp[n++] = (char *)env_cost;
	envp[n] = NULL;
	return envp;
}

static int procs_spawn_raw(struct procs_set *s, trace_task_t task, const char *name,
                           const struct procs_spawn_options *o, const char *const *args, const char *env_cost);

/* Start the fork server (once) and wait until it says it is ready, as the
 * first Process.start() with forkserver does. Returns 0 or -1. */
static int procs_forkserver_start(struct procs_set *s)
{
	char arg_task[16], env[160];
	struct trace_task_info parent = {.group = NULL};
	if (s->lane != TRACE_NO_TASK)
		trace_task_get(s->lane, &parent);
	trace_task_t t = trace_task_new_child("fork server", KIND_PROCESS, parent.group, s->lane);
	snprintf(arg_task, sizeof(arg_task), "%d", (int)t);
	snprintf(env, sizeof(env), PROCS_START_ENV "=%llu the fork server starts: a fresh interpreter "
	         "(CPython: %.0f ms of CPU)", (unsigned long long)pycost_forkserver_start_ns(),
	         (double)pycost_forkserver_start_ns() / (double)NS_PER_MS);
	const char *args[] = {"forkserver", arg_task, NULL};
	static const struct procs_spawn_options server = {.with_socket = 1, .stdin_fd = -1, .stdout_fd = -1};
	int c = procs_spawn_raw(s, t, "fork server", &server, args, env);
	if (c < 0) {
		trace_end(t);
		return -1;
	}
	s->server = c;
	if (s->lane != TRACE_NO_TASK)
		trace_state(s->lane, STATE_JOIN, "Process.start(): waiting for the fork server to start");
	/* Its one byte says it is ready; poll, so that a stop is seen. */
	for (;;) {
		struct pollfd pfd = {.fd = s->kids[c].sock, .events = POLLIN};
		int k = poll(&pfd, 1, PROCS_TICK_MS);
		procs_poll(s);
		if (run_stopping(s->run) || s->kids[c].exited)
			return -1;
		char b;
		if (k > 0)
			return fd_read_all(s->kids[c].sock, &b, 1) == 0 ? 0 : -1;
	}
}

int procs_spawn(struct procs_set *s, trace_task_t task, const char *name, int with_socket,
                const char *const *args)
{
	struct procs_spawn_options o = {.with_socket = with_socket, .stdin_fd = -1, .stdout_fd = -1};
	return procs_spawn_with(s, task, name, &o, args);
}

int procs_spawn_with(struct procs_set *s, trace_task_t task, const char *name,
                     const struct procs_spawn_options *o, const char *const *args)
{
	static const struct procs_spawn_options defaults = {.stdin_fd = -1, .stdout_fd = -1};
	if (o == NULL)
		o = &defaults;
	char env[160];
	const char *env_cost = NULL;
	uint64_t ns = pycost_child_start_ns(s->start);
	if (s->start == PYCOST_FORKSERVER && s->server < 0 && procs_forkserver_start(s) != 0) {
		if (!run_stopping(s->run))
			run_fail(s->run, "the fork server did not start");
		return -ECHILD;
	}
	if (ns > 0) {
		snprintf(env, sizeof(env), PROCS_START_ENV "=%llu %s (CPython: %.0f ms of CPU)", (unsigned long long)ns,
		         s->start == PYCOST_SPAWN ? "spawn: a fresh interpreter starts, imports the main module"
		                                  : "forked by the fork server, imports the main module",
		         (double)ns / (double)NS_PER_MS);
		env_cost = env;
	}
	return procs_spawn_raw(s, task, name, o, args, env_cost);
}

static int procs_spawn_raw(struct procs_set *s, trace_task_t task, const char *name,
                           const struct procs_spawn_options *o, const char *const *args, const char *env_cost)
{
	int with_socket = o->with_socket;
	s->no_panel |= o->no_panel;
	if (s->n == PROCS_MAX) {
		run_fail(s->run, "at most %d worker processes", PROCS_MAX);
		return -EINVAL;
	}
	struct procs_child *c = &s->kids[s->n];
	memset(c, 0, sizeof(*c));
	c->set = s;
	c->task = task;
	c->sock = -1;
	snprintf(c->name, sizeof(c->name), "%s", name);

	const char *exe = run_self_exe();
	if (exe == NULL) {
		run_fail(s->run, "%s", RUN_NO_SIMUL_EXE);
		return -ENOENT;
	}
	char **env = run_worker_env();
	if (env == NULL) {
		run_fail(s->run, "could not start a worker process: out of memory");
		return -ENOMEM;
	}
	int ring = trace_shm_ring_new();
	if (ring < 0) {
		free(env);
		run_fail(s->run, "could not make a shared ring for a worker: %s", strerror(-ring));
		return ring;
	}
	int sv[2] = {-1, -1};
	if (with_socket && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		int e = errno;
		free(env);
		close(ring);
		run_fail(s->run, "could not make a socket pair for a worker: %s", strerror(e));
		return -e;
	}

	char *argv[PROCS_ARGS_MAX + 4];
	int argc = 0;
	argv[argc++] = (char *)exe;
	argv[argc++] = "--worker";
	argv[argc++] = (char *)(o->module ? o->module : "processes");
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
	if (with_socket || o->stdin_fd >= 0) {
		stdio[0].flags = UV_INHERIT_FD;
		stdio[0].data.fd = with_socket ? sv[1] : o->stdin_fd;
	}
	if (o->stdout_fd >= 0) {
		stdio[1].flags = UV_INHERIT_FD;
		stdio[1].data.fd = o->stdout_fd;
	}
	uv_process_options_t po = {
		.exit_cb = procs_exited,
		.file = argv[0],
		.args = argv,
		.env = procs_child_env(env, env_cost),
		.stdio = stdio,
		.stdio_count = 4,
	};
	c->proc.data = c;
	int rc = uv_spawn(&s->loop, &c->proc, &po);
	free(env);
	close(ring);
	if (with_socket)
		close(sv[1]);
	if (rc != 0) {
		if (with_socket)
			close(sv[0]);
		/* Finish closing now: the slot is reused by the next spawn. */
		uv_close((uv_handle_t *)&c->proc, procs_closed);
		uv_run(&s->loop, UV_RUN_NOWAIT);
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
	procs_panel(s, 1);
	return s->n - 1;
}

void procs_poll(struct procs_set *s)
{
	if (run_stopping(s->run) && !s->stopping) {
		s->stopping = 1;
		procs_kill_alive(s);
	}
	uv_run(&s->loop, UV_RUN_NOWAIT);
	procs_panel(s, 0);
}

/* Children still alive, not counting the fork server (it lives until the
 * set is closed, as CPython's lives until its parent exits). */
static int procs_workers_alive(const struct procs_set *s)
{
	return s->alive - (s->server >= 0 && !s->kids[s->server].exited);
}

void procs_wait_all(struct procs_set *s)
{
	uv_timer_start(&s->tick, procs_ticked, 0, PROCS_TICK_MS);
	uv_ref((uv_handle_t *)&s->tick);
	while (procs_workers_alive(s) > 0)
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
	/* A fork server ends when its socket closes: let it. */
	if (s->server >= 0 && !s->kids[s->server].exited && !run_stopping(s->run)) {
		int server = s->server;
		s->server = -1;
		uv_timer_start(&s->tick, procs_ticked, 0, PROCS_TICK_MS);
		uv_ref((uv_handle_t *)&s->tick);
		while (!s->kids[server].exited)
			uv_run(&s->loop, UV_RUN_ONCE);
		uv_timer_stop(&s->tick);
		uv_unref((uv_handle_t *)&s->tick);
	}
	s->server = -1;
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
	/* What CPython's child would spend to start this way, before it runs
	 * anything: on this lane, as real CPU work. */
	const char *cost = getenv(PROCS_START_ENV);
	if (cost != NULL) {
		unsigned long long ns = strtoull(cost, &end, 10);
		if (ns > 0 && ns < 10ull * NS_PER_S) {
			trace_state((trace_task_t)task, STATE_RUNNING, *end == ' ' ? end + 1 : "starting");
			pycost_spend(NULL, ns);
		}
	}
	return (trace_task_t)task;
}

int procs_forkserver_main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "simul: --worker processes forkserver: want TASK\n");
		return 2;
	}
	trace_task_t task = procs_child_attach(argv[1]);
	if (task == TRACE_NO_TASK) {
		fprintf(stderr, "simul: --worker processes: no recorder ring on fd 3 (only simul starts workers)\n");
		return 2;
	}
	trace_markf(task, "fork server: pid %d, parent pid %d", (int)getpid(), (int)getppid());
	char b = 1;
	if (fd_write_all(0, &b, 1) != 0) {
		trace_end(task);
		return 1;
	}
	trace_state(task, STATE_IDLE, "waiting for requests to fork a child");
	while (read(0, &b, 1) > 0)
		;
	trace_end(task);
	return 0;
}

/* One whole transfer on a child's socket that a stop can interrupt: wait
 * at most PROCS_TICK_MS at a time, then look after the set (a stop kills
 * the children) and give up when the run is stopping or the child is gone.
 * Returns 0, or -1 (EOF, an error, the child's end, the run's stop). */
static int procs_transfer(struct procs_set *s, int child, void *buf, size_t n, int out)
{
	char *p = buf;
	int fd = s->kids[child].sock;
	while (n > 0) {
		struct pollfd pfd = {.fd = fd, .events = out ? POLLOUT : POLLIN};
		int k = poll(&pfd, 1, PROCS_TICK_MS);
		if (k < 0 && errno != EINTR)
			return -1;
		if (k <= 0) {
			procs_poll(s);
			if (run_stopping(s->run) || s->kids[child].exited)
				return -1;
			continue;
		}
		ssize_t r = out ? send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT) : recv(fd, p, n, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int procs_send(struct procs_set *s, int child, const void *buf, size_t n)
{
	return procs_transfer(s, child, (void *)buf, n, 1);
}

int procs_recv(struct procs_set *s, int child, void *buf, size_t n)
{
	return procs_transfer(s, child, buf, n, 0);
}
