/*
 * run.c: the scenario thread, its stop flag, its results.
 */
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "assets.h"
#include "clock.h"
#include "pace.h"
#include "trace.h"

void run_init(struct run *run, const struct demo_module *module, const struct demo *demo)
{
	pthread_condattr_t ca;
	memset(run, 0, sizeof(*run));
	run->module = module;
	run->demo = demo;
	snprintf(run->full_name, sizeof(run->full_name), "%s/%s", module->name, demo->name);
	params_init(&run->params, demo->params, demo->nparams);
	run->seed = 1;
	run->speed = 1.0;
	run->sampler_hz = SAMPLER_DEFAULT_HZ;
	run->load_before = -1;
	run->load_during = -1;
	pthread_mutex_init(&run->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&run->cv, &ca);
	pthread_condattr_destroy(&ca);
}

static int (*mirror_fn)(struct run *run);

void run_set_mirror(int (*fn)(struct run *run))
{
	mirror_fn = fn;
}

int run_mirror_parse(const char *value, int *out)
{
	static const char *const on[] = {"on", "1", "true", "yes"}, *const off[] = {"off", "0", "false", "no"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(value, on[i]) == 0)
			return *out = 1, 0;
		if (strcmp(value, off[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

static void *scenario_main(void *arg)
{
	struct run *run = arg;
	int rc = run->demo->main(run);
	if (rc == 0 && run->mirror && mirror_fn != NULL && !run_stopping(run))
		rc = mirror_fn(run);
	struct load_snap end;
	run->end_ns = clock_now_ns();
	run->paused_ns = pace_paused_ns();
	run->real_ns = clock_real_ns() - run->real_ns; /* run_start left the start there */
	run->cpu_ns = clock_process_cpu_ns() + clock_children_cpu_ns() - run->cpu0_ns;
	run_load_mark(run, &end);
	run->load_during = load_other(&run->load0, &end);
	run->status = rc;
	if (rc != 0 && run->error[0] == '\0')
		snprintf(run->error, sizeof(run->error), "%s failed", run->full_name);
	atomic_store(&run->finished, 1);
	uv_async_send(&run->done_async);
	return NULL;
}

static void done_cb(uv_async_t *h)
{
	struct run *run = h->data;
	if (atomic_load(&run->finished) && run->on_done != NULL) {
		void (*fn)(struct run *, void *) = run->on_done;
		run->on_done = NULL;
		/* The demo is over: nothing more will come through this handle,
		 * and an open handle would keep the owner's loop alive. */
		uv_close((uv_handle_t *)h, NULL);
		fn(run, run->on_done_arg);
	}
}

int run_start(struct run *run, uv_loop_t *loop, void (*on_done)(struct run *, void *), void *arg)
{
	int rc = uv_async_init(loop, &run->done_async, done_cb);
	if (rc != 0)
		return rc;
	run->done_async.data = run;
	run->on_done = on_done;
	run->on_done_arg = arg;
	if (run->sampler_hz > 0 && sampler_start(&run->sampler, run->sampler_hz) != 0)
		run->sampler = NULL; /* the timeline then shows reported states only */
	pace_begin(run->speed);
	load_snap_take(&run->load0, NULL, 0);
	run->start_ns = clock_now_ns();
	run->real_ns = clock_real_ns();
	run->cpu0_ns = clock_process_cpu_ns() + clock_children_cpu_ns();
	rc = pthread_create(&run->thread, NULL, scenario_main, run);
	if (rc != 0) {
		if (run->sampler)
			sampler_stop(run->sampler, NULL);
		run->sampler = NULL;
		uv_close((uv_handle_t *)&run->done_async, NULL);
		return -rc;
	}
	run->thread_started = 1;
	return 0;
}

void run_request_stop(struct run *run)
{
	pthread_mutex_lock(&run->mu);
	atomic_store(&run->stop, 1);
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
	pace_wake(); /* a paused run resumes to stop; sleepers wake */
}

void run_finish(struct run *run)
{
	if (run->thread_started) {
		pthread_join(run->thread, NULL);
		run->thread_started = 0;
		pace_end();
		if (!uv_is_closing((uv_handle_t *)&run->done_async))
			uv_close((uv_handle_t *)&run->done_async, NULL);
	}
	if (run->sampler != NULL) {
		sampler_stop(run->sampler, &run->sampler_stats);
		run->sampler = NULL;
	}
}

void run_destroy(struct run *run)
{
	run_finish(run);
	pthread_mutex_destroy(&run->mu);
	pthread_cond_destroy(&run->cv);
}

long run_int(const struct run *run, const char *param)
{
	return params_int(&run->params, param);
}

double run_num(const struct run *run, const char *param)
{
	return params_num(&run->params, param);
}

int run_bool(const struct run *run, const char *param)
{
	return params_bool(&run->params, param);
}

const char *run_enum(const struct run *run, const char *param)
{
	return params_enum(&run->params, param);
}

const char *run_text(const struct run *run, const char *param)
{
	return params_text(&run->params, param);
}

int run_stopping(struct run *run)
{
	return atomic_load_explicit(&run->stop, memory_order_relaxed);
}

int run_sleep_ns(struct run *run, uint64_t ns)
{
	return pace_sleep_ns(ns, &run->stop);
}

static struct run_result *result_slot(struct run *run, const char *key)
{
	for (int i = 0; i < run->nresults; i++)
		if (strcmp(run->results[i].key, key) == 0)
			return &run->results[i];
	if (run->nresults == RUN_RESULTS_MAX)
		return NULL;
	struct run_result *r = &run->results[run->nresults++];
	memset(r, 0, sizeof(*r));
	snprintf(r->key, sizeof(r->key), "%s", key);
	return r;
}

void run_result_num(struct run *run, const char *key, double value)
{
	pthread_mutex_lock(&run->mu);
	struct run_result *r = result_slot(run, key);
	if (r != NULL) {
		r->is_text = 0;
		r->num = value;
	}
	pthread_mutex_unlock(&run->mu);
}

void run_result_text(struct run *run, const char *key, const char *text)
{
	pthread_mutex_lock(&run->mu);
	struct run_result *r = result_slot(run, key);
	if (r != NULL) {
		r->is_text = 1;
		snprintf(r->text, sizeof(r->text), "%s", text);
	}
	pthread_mutex_unlock(&run->mu);
}

int run_result_get(struct run *run, const char *key, double *value)
{
	int rc = -1;
	pthread_mutex_lock(&run->mu);
	for (int i = 0; i < run->nresults; i++)
		if (strcmp(run->results[i].key, key) == 0 && !run->results[i].is_text) {
			*value = run->results[i].num;
			rc = 0;
		}
	pthread_mutex_unlock(&run->mu);
	return rc;
}

void run_fail(struct run *run, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&run->mu);
	va_start(ap, fmt);
	vsnprintf(run->error, sizeof(run->error), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&run->mu);
}

int run_lesson_line(const struct run *run, const char *tag)
{
	return lesson_line(run->full_name, tag);
}

void run_set_sim_scale(struct run *run, double sim_per_real)
{
	run->sim_scale = sim_per_real;
}

void run_watch_pid(struct run *run, pid_t pid)
{
	sampler_watch(run->sampler, pid);
	pace_watch_pid(pid);
}

void run_watch_python(struct run *run, pid_t pid, int infer_gil)
{
	sampler_watch_flags(run->sampler, pid, infer_gil ? SAMPLER_FUTEX : 0);
	pace_watch_pid(pid);
}

void run_measure_before(struct run *run)
{
	struct load_snap a, b;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = RUN_LOAD_BEFORE_MS * 1000000L};
	load_snap_take(&a, NULL, 0);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	load_snap_take(&b, NULL, 0);
	run->load_before = load_other(&a, &b);
}

void run_load_mark(struct run *run, struct load_snap *mark)
{
	pid_t kids[256];
	int n = run->sampler != NULL ? sampler_kids(run->sampler, kids, 256) : 0;
	load_snap_take(mark, kids, n);
}

int run_load_busy_since(struct run *run, const struct load_snap *mark, double *other)
{
	struct load_snap now;
	run_load_mark(run, &now);
	double o = load_other(mark, &now);
	if (other != NULL)
		*other = o;
	return load_is_busy(o);
}

void run_machine_load(struct run *run, struct run_load *out)
{
	memset(out, 0, sizeof(*out));
	out->ncores = run->load0.ncores;
	out->before = run->load_before;
	/* A run not started, or loaded from a file, has no live figures. */
	out->live = run->load0.ok && !atomic_load(&run->finished);
	if (!out->live) {
		out->during = out->recent = run->load_during;
		out->busy = load_is_busy(out->during >= 0 ? out->during : out->before);
		return;
	}
	if (run->sampler != NULL) {
		sampler_load(run->sampler, &out->during, &out->recent);
	} else {
		struct load_snap now;
		run_load_mark(run, &now);
		out->during = out->recent = load_other(&run->load0, &now);
	}
	out->busy = load_is_busy(out->recent);
}

uint64_t run_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

void run_panel_set(struct run *run, int line, const char *title, const char *text)
{
	if (line < 0 || line >= RUN_PANEL_LINES)
		return;
	pthread_mutex_lock(&run->mu);
	if (title != NULL)
		snprintf(run->panel_title, sizeof(run->panel_title), "%s", title);
	snprintf(run->panel[line], RUN_PANEL_WIDTH, "%s", text ? text : "");
	if (line + 1 > run->panel_lines)
		run->panel_lines = line + 1;
	run->panel_version++;
	pthread_mutex_unlock(&run->mu);
}

int run_panel_copy(struct run *run, char out[][RUN_PANEL_WIDTH], int max, char *title, size_t title_len,
                   uint64_t *version)
{
	pthread_mutex_lock(&run->mu);
	int n = run->panel_lines < max ? run->panel_lines : max;
	for (int i = 0; i < n; i++)
		memcpy(out[i], run->panel[i], RUN_PANEL_WIDTH);
	if (title != NULL && title_len > 0)
		snprintf(title, title_len, "%s", run->panel_title);
	if (version != NULL)
		*version = run->panel_version;
	pthread_mutex_unlock(&run->mu);
	return n;
}

void run_notice(struct run *run, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&run->mu);
	va_start(ap, fmt);
	vsnprintf(run->notice, sizeof(run->notice), fmt, ap);
	va_end(ap);
	run->notices++;
	pthread_mutex_unlock(&run->mu);
}

int run_notice_take(struct run *run, uint64_t *seen, char *buf, size_t n)
{
	int fresh = 0;
	pthread_mutex_lock(&run->mu);
	if (run->notices != *seen) {
		*seen = run->notices;
		snprintf(buf, n, "%s", run->notice);
		fresh = 1;
	}
	pthread_mutex_unlock(&run->mu);
	return fresh;
}

#define RUN_PARENT_ENV "SIMUL_WORKER_PARENT"

static int self_is_simul;
static char self_exe[4096];
static pthread_once_t self_exe_once = PTHREAD_ONCE_INIT;

void run_process_init(int is_simul)
{
	self_is_simul = is_simul;
}

char **run_worker_env(void)
{
	enum { OWN_MAX = sizeof(RUN_PARENT_ENV) + 24 };
	size_t n = 0;
	while (environ[n] != NULL)
		n++;
	char **env = malloc((n + 2) * sizeof(*env) + OWN_MAX);
	if (env == NULL)
		return NULL;
	char *own = (char *)(env + n + 2);
	snprintf(own, OWN_MAX, RUN_PARENT_ENV "=%ld", (long)getpid());
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], RUN_PARENT_ENV "=", sizeof(RUN_PARENT_ENV)) != 0)
			env[k++] = environ[i];
	env[k++] = own;
	env[k] = NULL;
	return env;
}

/* An executable `simul` in dir or its parent, into self_exe. */
static void find_simul_near(char *dir)
{
	for (int up = 0; up < 2; up++) {
		snprintf(self_exe, sizeof(self_exe), "%s/simul", dir);
		if (access(self_exe, X_OK) == 0)
			return;
		char *slash = strrchr(dir, '/');
		if (slash == NULL || slash == dir)
			break;
		*slash = '\0';
	}
	self_exe[0] = '\0';
}

static void self_exe_find(void)
{
	const char *e = getenv("SIMUL_EXE");
	if (e != NULL && e[0] != '\0') {
		snprintf(self_exe, sizeof(self_exe), "%s", e);
		return;
	}
	if (self_is_simul) {
		snprintf(self_exe, sizeof(self_exe), "/proc/self/exe");
		return;
	}
	char me[sizeof(self_exe) - sizeof("/simul")];
	ssize_t n = readlink("/proc/self/exe", me, sizeof(me) - 1);
	if (n <= 0)
		return;
	me[n] = '\0';
	char *slash = strrchr(me, '/');
	if (slash == NULL)
		return;
	*slash = '\0';
	find_simul_near(me);
}

const char *run_self_exe(void)
{
	pthread_once(&self_exe_once, self_exe_find);
	return self_exe[0] != '\0' ? self_exe : NULL;
}

int run_worker_guard(void)
{
	const char *parent = getenv(RUN_PARENT_ENV);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Parent gone between our fork and the prctl: we were reparented. */
	if (parent != NULL && strtol(parent, NULL, 10) != (long)getppid())
		return -1;
	return 0;
}
