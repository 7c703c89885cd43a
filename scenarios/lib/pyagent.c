/*
 * pyagent.c: a CPython program under simul's agent (see pyagent.h).
 */
#include "pyagent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "assets.h"
#include "clock.h"
#include "fdio.h"
#include "httpd.h"
#include "pace.h"
#include "probe.h"
#include "pylanes.h"
#include "pyrec.h"
#include "run.h"
#include "trace.h"
#include "xalloc.h"

#define PY_FIFO_BYTES (1 << 20)   /* the FIFO's capacity, when the kernel allows it */
#define PY_POLL_MS 20
/* After a read, the reader rests this long: records pile up in the FIFO
 * meanwhile, and a write into a FIFO nobody waits on wakes nobody, so the
 * program does not pay a wake-up per record. The view is that much later. */
#define PY_REST_US 4000
#define PY_GRACE_MS 500           /* SIGTERM, then SIGKILL after this */
#define PY_ARGS_MAX 256
#define PY_FIND_TIMEOUT_MS 15000

static const char *const agent_files[] = {"simul_agent.py", "sitecustomize.py", "simul_run.py"};
#define NAGENT (sizeof(agent_files) / sizeof(agent_files[0]))

/* ---- the private directory ---- */

struct pydir {
	char path[PATH_MAX - 64];
	char fifo[PATH_MAX];
};

/* Remove the directory and what Python left in it (__pycache__). */
static void pydir_remove(const char *path)
{
	DIR *d = opendir(path);
	if (d == NULL)
		return;
	struct dirent *de;
	char p[PATH_MAX];
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			pydir_remove(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(path);
}

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int rc = fd_write_all(fd, data, len) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Make the directory with the agent and the FIFO. 0 or -errno. */
static int pydir_make(struct pydir *d)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(d->path, sizeof(d->path), "%s/simul-py-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(d->path) == NULL)
		return -errno;
	for (size_t i = 0; i < NAGENT; i++) {
		char rel[64], p[PATH_MAX];
		snprintf(rel, sizeof(rel), "agent/%s", agent_files[i]);
		const struct asset *a = asset_get(rel);
		snprintf(p, sizeof(p), "%s/%s", d->path, agent_files[i]);
		int rc = a ? write_file(p, a->data, a->len) : -ENOENT;
		if (rc != 0) {
			pydir_remove(d->path);
			return rc;
		}
	}
	snprintf(d->fifo, sizeof(d->fifo), "%s/events", d->path);
	if (mkfifo(d->fifo, 0600) != 0) {
		int e = errno;
		pydir_remove(d->path);
		return -e;
	}
	return 0;
}

/* ---- the child ---- */

struct pychild {
	pid_t pid;
	int fifo;        /* read end (opened O_RDWR: never EOF) */
	int out, err;    /* the program's stdout and stderr */
	int exited, status;
};

/* The environment: ours, with the agent's variables and DIR first on
 * PYTHONPATH, and the spec's. One block to free. */
static char **child_env(const struct pydir *d, const char *script, const char *const *more)
{
	static const char *const ours[] = {"PYTHONPATH=", "SIMUL_AGENT_FIFO=", "SIMUL_AGENT_SCRIPT="};
	size_t n = 0, nmore = 0;
	while (environ[n] != NULL)
		n++;
	while (more != NULL && more[nmore] != NULL)
		nmore++;
	char **env = xcalloc(n + nmore + 4, sizeof(*env));
	size_t k = 0;
	const char *pp = getenv("PYTHONPATH");
	for (size_t i = 0; i < n; i++) {
		int skip = 0;
		for (size_t j = 0; j < 3; j++)
			skip |= strncmp(environ[i], ours[j], strlen(ours[j])) == 0;
		for (size_t j = 0; j < nmore; j++) {
			const char *eq = strchr(more[j], '=');
			size_t kl = eq ? (size_t)(eq - more[j]) + 1 : strlen(more[j]);
			skip |= strncmp(environ[i], more[j], kl) == 0;
		}
		if (!skip)
			env[k++] = xstrdup(environ[i]);
	}
	char buf[3 * PATH_MAX];
	snprintf(buf, sizeof(buf), "PYTHONPATH=%s%s%s", d->path, pp && pp[0] ? ":" : "", pp ? pp : "");
	env[k++] = xstrdup(buf);
	snprintf(buf, sizeof(buf), "SIMUL_AGENT_FIFO=%s", d->fifo);
	env[k++] = xstrdup(buf);
	snprintf(buf, sizeof(buf), "SIMUL_AGENT_SCRIPT=%s", script);
	env[k++] = xstrdup(buf);
	for (size_t j = 0; j < nmore; j++)
		env[k++] = xstrdup(more[j]);
	env[k] = NULL;
	return env;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_exec(const char *python, char **argv, char **env, int out, int err, int nul, int errpipe,
                       pid_t parent)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	dup2(nul, 0);
	dup2(out, 1);
	dup2(err, 2);
	execve(python, argv, env);
	int e = errno;
	ssize_t w = write(errpipe, &e, sizeof(e));
	(void)w;
	_exit(127);
}

/* Start PYTHON DIR/simul_run.py SCRIPT ARGS. 0, or -errno. */
static int child_start(struct pychild *c, const struct pydir *d, const char *python, const char *script,
                       const char *const *args, const char *const *more_env)
{
	char run_py[PATH_MAX];
	char *argv[PY_ARGS_MAX + 4];
	int n = 0;
	snprintf(run_py, sizeof(run_py), "%s/simul_run.py", d->path);
	argv[n++] = (char *)python;
	argv[n++] = run_py;
	argv[n++] = (char *)script;
	for (int i = 0; args != NULL && args[i] != NULL && n < PY_ARGS_MAX; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;

	int po[2], pe[2], perr[2];
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nul < 0)
		return -errno;
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0 || pipe2(perr, O_CLOEXEC) != 0) {
		int e = errno;
		close(nul);
		return -e;
	}
	char **env = child_env(d, script, more_env);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		child_exec(python, argv, env, po[1], pe[1], nul, perr[1], parent);
	int fork_errno = errno;
	strv_free(env);
	close(nul);
	close(po[1]);
	close(pe[1]);
	close(perr[1]);
	int e = 0;
	if (pid < 0)
		e = fork_errno;
	else if (read(perr[0], &e, sizeof(e)) != (ssize_t)sizeof(e))
		e = 0; /* closed by exec: it runs */
	close(perr[0]);
	if (pid > 0 && e != 0)
		waitpid(pid, NULL, 0);
	if (pid < 0 || e != 0) {
		close(po[0]);
		close(pe[0]);
		return -e;
	}
	setpgid(pid, pid);
	c->pid = pid;
	c->out = po[0];
	c->err = pe[0];
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	fcntl(c->err, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Stop the whole group: SIGTERM, then SIGKILL if it is still there after
 * the grace period; reap the first process. */
static void child_stop(struct pychild *c)
{
	if (c->pid <= 0)
		return;
	if (!c->exited) {
		kill(-c->pid, SIGTERM);
		for (int i = 0; i < PY_GRACE_MS / 10; i++) {
			int st;
			if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
				c->exited = 1;
				c->status = st;
				break;
			}
			usleep(10000);
		}
	}
	kill(-c->pid, SIGKILL); /* anything left in the group: daemon children */
	if (!c->exited) {
		int st;
		if (waitpid(c->pid, &st, 0) == c->pid) {
			c->exited = 1;
			c->status = st;
		}
	}
}

/* ---- reading ---- */

struct reader {
	struct pylanes *lanes;
	unsigned char buf[PY_FIFO_BYTES / 4 + PYREC_MAX];
	size_t len;
	char line[2][1024];
	size_t llen[2];
	int bad;   /* a malformed record: the rest is ignored */
};

/* Read what the FIFO holds; returns bytes read. */
static size_t read_fifo(struct reader *r, int fd)
{
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n <= 0)
			break;
		r->len += (size_t)n;
		total += (size_t)n;
		size_t off = 0;
		while (!r->bad) {
			struct pyrec rec;
			long k = pyrec_parse(r->buf + off, r->len - off, &rec);
			if (k < 0) {
				r->bad = 1;
				fprintf(stderr, "simul: python: a malformed record from the agent; the rest is ignored\n");
			}
			if (k <= 0)
				break;
			pylanes_record(r->lanes, &rec);
			off += (size_t)k;
		}
		if (r->bad)
			off = r->len;
		memmove(r->buf, r->buf + off, r->len - off);
		r->len -= off;
	}
	return total;
}

/* The program's own stdout or stderr, a line at a time. */
static void read_output(struct reader *r, int fd, int which)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || r->llen[which] == sizeof(r->line[which]) - 1) {
				pylanes_output(r->lanes, which, r->line[which], r->llen[which]);
				r->llen[which] = 0;
				if (buf[i] == '\n')
					continue;
			}
			r->line[which][r->llen[which]++] = buf[i];
		}
	}
}

static void read_all(struct reader *r, struct pychild *c, int fifo)
{
	read_fifo(r, fifo);
	read_output(r, c->out, 0);
	read_output(r, c->err, 1);
}

/* Poll until the program exits, the run stops or the limit passes.
 * Returns 0, 1 (stopped) or 2 (past the limit). */
static int watch(struct run *run, struct reader *r, struct pychild *c, int fifo, long limit_s)
{
	uint64_t t0 = clock_real_ns();
	for (;;) {
		struct pollfd p[3] = {{fifo, POLLIN, 0}, {c->out, POLLIN, 0}, {c->err, POLLIN, 0}};
		poll(p, 3, PY_POLL_MS);
		read_all(r, c, fifo);
		usleep(PY_REST_US);
		int st;
		if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
			c->exited = 1;
			c->status = st;
			read_all(r, c, fifo);
			return 0;
		}
		if (run_stopping(run))
			return 1;
		if (limit_s > 0 && clock_real_ns() - t0 > (uint64_t)limit_s * NS_PER_S)
			return 2;
	}
}

/* ---- the interpreter ---- */

/* Top-level module names the script imports ("import a.b, c", "from d
 * import e"), space-separated into out. */
static void script_imports(const char *script, char *out, size_t n)
{
	out[0] = '\0';
	FILE *f = script != NULL ? fopen(script, "r") : NULL;
	if (f == NULL)
		return;
	char line[1024];
	size_t used = 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = NULL;
		if (strncmp(line, "import ", 7) == 0)
			p = line + 7;
		else if (strncmp(line, "from ", 5) == 0)
			p = line + 5;
		else
			continue;
		int from = line[0] == 'f';
		for (;;) {
			while (*p == ' ' || *p == ',')
				p++;
			size_t k = 0;
			while ((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') || p[k] == '_' ||
			       (k > 0 && p[k] >= '0' && p[k] <= '9'))
				k++;
			if (k == 0 || (k == 10 && strncmp(p, "__future__", 10) == 0))
				break;
			if (used + k + 2 < n) {
				memcpy(out + used, p, k);
				used += k;
				out[used++] = ' ';
				out[used] = '\0';
			}
			if (from)
				break;
			p = strchr(p + k, ',');
			if (p == NULL || strstr(line, " as ") != NULL)
				break;
		}
	}
	fclose(f);
}

/* Run `python -c CHECK mods...` quietly: its exit status, or -1; the
 * interpreter's own path (sys.executable: past a pyenv shim) into exe. */
static int run_quiet(const char *python, const char *mods, char *exe, size_t exen)
{
	static const char check[] =
		"import importlib.util, sys\n"
		"print(sys.executable)\n"
		"sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 3)\n";
	char copy[1024];
	char *argv[64];
	int n = 0;
	snprintf(copy, sizeof(copy), "%s", mods);
	argv[n++] = (char *)python;
	argv[n++] = "-c";
	argv[n++] = (char *)check;
	for (char *save = NULL, *w = strtok_r(copy, " ", &save); w && n < 62; w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	int st = probe_run(argv, PY_FIND_TIMEOUT_MS, exe, exen);
	if (st == -1)
		return -1;
	char *nl = strchr(exe, '\n');
	if (nl != NULL)
		*nl = '\0';
	if (exe[0] != '/' || access(exe, X_OK) != 0)
		snprintf(exe, exen, "%s", python);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The candidates: every python3 on PATH, then /usr/bin and /usr/local/bin. */
static int candidates(char out[][PATH_MAX], int max)
{
	int n = 0;
	const char *path = getenv("PATH");
	char copy[8192];
	snprintf(copy, sizeof(copy), "%s:/usr/bin:/usr/local/bin", path ? path : "");
	for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir && n < max; dir = strtok_r(NULL, ":", &save)) {
		char p[PATH_MAX], real[PATH_MAX];
		snprintf(p, sizeof(p), "%s/python3", dir[0] ? dir : ".");
		if (access(p, X_OK) != 0 || realpath(p, real) == NULL)
			continue;
		int dup = 0;
		for (int i = 0; i < n; i++)
			dup |= strcmp(out[i], p) == 0;
		if (!dup)
			snprintf(out[n++], PATH_MAX, "%s", p);
	}
	return n;
}

int pyagent_find_python(const char *script, const char *given, char *out, size_t n, char *err, size_t errn)
{
	char exe[PATH_MAX];
	if (given != NULL) {
		if (access(given, X_OK) != 0 || run_quiet(given, "", exe, sizeof(exe)) != 0) {
			snprintf(err, errn, "--python '%s': not a Python interpreter that runs (%s)", given,
			         access(given, X_OK) != 0 ? strerror(errno) : "it failed a test run");
			return -1;
		}
		snprintf(out, n, "%s", exe);
		return 0;
	}
	static char cand[16][PATH_MAX];
	int nc = candidates(cand, 16);
	char mods[1024];
	script_imports(script, mods, sizeof(mods));
	char first[PATH_MAX] = "";
	for (int i = 0; i < nc; i++) {
		int rc = run_quiet(cand[i], mods, exe, sizeof(exe));
		if (rc == 0) {
			snprintf(out, n, "%s", exe);
			return 0;
		}
		if (rc == 3 && first[0] == '\0')
			snprintf(first, sizeof(first), "%s", exe); /* it lacks a module: the script will say which */
	}
	if (first[0] != '\0') {
		snprintf(out, n, "%s", first);
		return 0;
	}
	snprintf(err, errn, "no python3 found on PATH, in /usr/bin or /usr/local/bin (give --python PATH)");
	return -1;
}

/* ---- a run ---- */

/* Why the program failed, as one line into run's error; -1. Or 0. */
static int verdict(struct run *run, const struct pyagent_spec *s, struct pylanes *L, const struct pychild *c,
                   int how)
{
	const char *exc = "";
	int said = pylanes_exit_status(L, &exc);
	const char *name = s->lane_name;
	if (how == 2) {
		run_fail(run, "%s: still running after %ld s: stopped (-s limit=SECONDS sets the limit, 0 for none)",
		         name, s->limit_s);
		return -1;
	}
	if (how == 1)
		return 0; /* stopped by the user: what was recorded stands */
	if (exc[0] != '\0') {
		run_fail(run, "%s raised %s", name, exc);
		return -1;
	}
	if (WIFSIGNALED(c->status)) {
		run_fail(run, "%s: killed by %s", name, strsignal(WTERMSIG(c->status)));
		return -1;
	}
	int code = WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1;
	if (code != 0) {
		if (said < 0 && pylanes_records(L) == 0)
			run_fail(run, "%s: exited with status %d before the agent started (see its stderr)", name, code);
		else
			run_fail(run, "%s: exited with status %d", name, code);
		return -1;
	}
	return 0;
}

static void note_python(struct run *run, struct pylanes *L, const char *python, const char *prefix)
{
	const char *v;
	int ft, off;
	char key[64], text[PATH_MAX + 96];
	if (pylanes_python(L, &v, &ft, &off) != 0)
		return;
	snprintf(text, sizeof(text), "%s %s%s", python, v,
	         ft ? (off ? " (free-threaded, GIL off: no GIL waits inferred)" : " (free-threaded, GIL on)") : "");
	snprintf(key, sizeof(key), "%spython", prefix);
	run_result_text(run, key, text);
	snprintf(key, sizeof(key), "%sagent_records", prefix);
	run_result_num(run, key, (double)pylanes_records(L));
	snprintf(key, sizeof(key), "%sprocesses", prefix);
	run_result_num(run, key, (double)pylanes_processes(L));
}

static int fifo_open(const struct pydir *d)
{
	int fd = open(d->fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		(void)fcntl(fd, F_SETPIPE_SZ, PY_FIFO_BYTES);
	return fd;
}

int pyagent_run(struct run *run, const struct pyagent_spec *s)
{
	char python[PATH_MAX], err[512], script[PATH_MAX];
	if (realpath(s->script, script) == NULL) {
		run_fail(run, "%s: cannot read it: %s", s->script, strerror(errno));
		return -1;
	}
	if (s->python != NULL)
		snprintf(python, sizeof(python), "%s", s->python); /* found and tried by the caller */
	else if (pyagent_find_python(script, NULL, python, sizeof(python), err, sizeof(err)) != 0) {
		run_fail(run, "%s", err);
		return -1;
	}
	struct pydir d;
	int rc = pydir_make(&d);
	if (rc != 0) {
		run_fail(run, "cannot make the agent's temporary directory: %s", strerror(-rc));
		return -1;
	}
	struct pychild c = {.pid = -1, .out = -1, .err = -1};
	int fifo = fifo_open(&d);
	rc = fifo < 0 ? -errno : child_start(&c, &d, python, script, s->args, s->env);
	if (rc != 0) {
		run_fail(run, "cannot run %s: %s", python, strerror(-rc));
		if (fifo >= 0)
			close(fifo);
		pydir_remove(d.path);
		return -1;
	}
	pace_watch_pid(c.pid); /* paused with the run; its HELLO says how to sample it */
	struct pylanes_options lo = {.root = c.pid, .root_name = s->lane_name, .group = s->group,
	                             .result_prefix = s->result_prefix, .milestones = s->milestone};
	struct reader *r = xcalloc(1, sizeof(*r));
	r->lanes = pylanes_new(run, &lo);
	int how = watch(run, r, &c, fifo, s->limit_s);
	child_stop(&c);
	read_all(r, &c, fifo);
	pylanes_end_all(r->lanes, clock_now_ns());
	note_python(run, r->lanes, python, s->result_prefix);
	rc = verdict(run, s, r->lanes, &c, how);
	pylanes_free(r->lanes);
	free(r);
	close(fifo);
	close(c.out);
	close(c.err);
	pydir_remove(d.path);
	return rc;
}

/* ---- `simul python FILE.py` ---- */

static struct {
	const char *script;
	const char *const *args;
	const char *python;
} target;

void pyagent_set_target(const char *script, const char *const *args, const char *python)
{
	target.script = script;
	target.args = args;
	target.python = python;
}

static int python_main(struct run *run)
{
	if (target.script == NULL) {
		run_fail(run, "python: no program given (simul python FILE.py)");
		return -1;
	}
	const char *base = strrchr(target.script, '/');
	char name[128];
	snprintf(name, sizeof(name), "python %s", base ? base + 1 : target.script);
	struct pyagent_spec s = {
		.script = target.script, .args = target.args, .python = target.python, .lane_name = name,
		.group = "", .result_prefix = "", .limit_s = run_int(run, "limit"),
	};
	return pyagent_run(run, &s);
}

static const struct param_spec python_params[] = {
	{.name = "limit", .type = PARAM_INT, .def = 300, .min = 0, .max = 86400, .unit = "s",
	 .help = "stop the program after this many seconds (0: never)"},
};

static const struct demo python_demos[] = {
	{
		.name = "script",
		.summary = "a CPython program, under simul's agent",
		.description = "Runs a Python program with CPython: one lane per thread, process and "
		               "asyncio task; the waits its agent wraps, and the GIL waits the kernel shows.",
		.params = python_params,
		.nparams = DEMO_COUNT(python_params),
		.main = python_main,
	},
};

const struct demo_module pyagent_module = {
	.name = "python",
	.title = "Python",
	.order = 1000,
	.demos = python_demos,
	.ndemos = DEMO_COUNT(python_demos),
};

/* ---- mirror=on ---- */

/* The demo's parameters the user set, as the mirror's "name=value" arguments. */
static char **mirror_args(const struct run *run)
{
	char **v = xcalloc(PARAMS_MAX + 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < run->params.n; i++) {
		if (!run->params.set[i])
			continue;
		char val[64], buf[128];
		params_format(&run->params, i, val, sizeof(val));
		snprintf(buf, sizeof(buf), "%s=%s", run->params.spec[i].name, val);
		v[k++] = xstrdup(buf);
	}
	return v;
}

int pyagent_mirror(struct run *run)
{
	const char *py = lesson_python(run->full_name);
	if (py == NULL) {
		run_fail(run, "mirror=on: %s has no lesson .py to run", run->full_name);
		return -1;
	}
	const char *slash = strrchr(run->full_name, '/');
	const char *demo = slash ? slash + 1 : run->full_name;
	struct pydir d; /* only its path: the script lives there */
	const char *tmp = getenv("TMPDIR");
	snprintf(d.path, sizeof(d.path), "%s/simul-mirror-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(d.path) == NULL) {
		run_fail(run, "mirror=on: cannot make a temporary directory: %s", strerror(errno));
		return -1;
	}
	char script[PATH_MAX + 128], name[128], url[64];
	snprintf(script, sizeof(script), "%s/%s.py", d.path, demo);
	snprintf(name, sizeof(name), "CPython %s.py", demo);
	if (write_file(script, py, strlen(py)) != 0) {
		run_fail(run, "mirror=on: cannot write %s", script);
		pydir_remove(d.path);
		return -1;
	}
	struct httpd *h = NULL;
	const char *env[2] = {NULL, NULL};
	if (strstr(py, "SIMUL_URL") != NULL && httpd_start(&h, NULL) == 0) {
		snprintf(url, sizeof(url), "SIMUL_URL=http://127.0.0.1:%d", httpd_port(h));
		env[0] = url;
	}
	char **args = mirror_args(run);
	struct pyagent_spec s = {
		.script = script, .args = (const char *const *)args, .lane_name = name, .group = "CPython ",
		.result_prefix = "cpython.", .milestone = 1, .limit_s = 600, .env = env,
	};
	int rc = pyagent_run(run, &s);
	strv_free(args);
	httpd_stop(h);
	pydir_remove(d.path);
	return rc;
}
