/*
 * pylanes.c: the Python agent's records into lanes (see pylanes.h).
 */
#include "pylanes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "run.h"
#include "trace.h"
#include "xalloc.h"

#define PROCS_MAX_PY 1024

struct lane {
	uint32_t pid, id; /* id 0: empty slot */
	trace_task_t task;
	int ended;
};

struct proc {
	uint32_t pid, ppid, main_tid;
	trace_task_t task; /* TRACE_NO_TASK until registered */
	int flags;
	int exited;
	char version[32];
};

struct pylanes {
	struct run *run;
	struct pylanes_options o;
	char group_threads[64], group_tasks[64], group_procs[64];
	struct lane *lanes;
	size_t cap, n;
	struct proc procs[PROCS_MAX_PY];
	int nprocs;
	uint64_t records;
	int exit_status;
	char exit_text[TRACE_TEXT_MAX + 1];
	int started;
};

/* ---- tables ---- */

static uint64_t lane_hash(uint32_t pid, uint32_t id)
{
	uint64_t k = ((uint64_t)pid << 32 | id) * 0x9e3779b97f4a7c15ull;
	return k ^ (k >> 29);
}

static struct lane *lane_slot(struct pylanes *L, uint32_t pid, uint32_t id)
{
	size_t mask = L->cap - 1;
	for (size_t i = lane_hash(pid, id) & mask;; i = (i + 1) & mask) {
		struct lane *l = &L->lanes[i];
		if (l->id == 0 || (l->pid == pid && l->id == id))
			return l;
	}
}

static void lanes_grow(struct pylanes *L)
{
	struct lane *old = L->lanes;
	size_t oldcap = L->cap;
	L->cap = oldcap ? oldcap * 2 : 256;
	L->lanes = xcalloc(L->cap, sizeof(*L->lanes));
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].id != 0)
			*lane_slot(L, old[i].pid, old[i].id) = old[i];
	free(old);
}

static struct lane *lane_find(struct pylanes *L, uint32_t pid, uint32_t id)
{
	if (L->cap == 0 || id == 0)
		return NULL;
	struct lane *l = lane_slot(L, pid, id);
	return l->id != 0 ? l : NULL;
}

static struct lane *lane_put(struct pylanes *L, uint32_t pid, uint32_t id, trace_task_t task)
{
	if ((L->n + 1) * 2 > L->cap)
		lanes_grow(L);
	struct lane *l = lane_slot(L, pid, id);
	if (l->id == 0)
		L->n++;
	*l = (struct lane){.pid = pid, .id = id, .task = task};
	return l;
}

static struct proc *proc_find(struct pylanes *L, uint32_t pid)
{
	for (int i = 0; i < L->nprocs; i++)
		if (L->procs[i].pid == pid)
			return &L->procs[i];
	return NULL;
}

/* ---- lanes ---- */

static void text_copy(char *out, size_t n, const struct pyrec *r)
{
	size_t k = r->text_len < n - 1 ? r->text_len : n - 1;
	memcpy(out, r->text, k);
	out[k] = '\0';
}

static uint64_t lesson_t(const struct pyrec *r)
{
	return clock_lesson_of(r->t_ns);
}

/* Register a process's main lane (its main thread). */
static trace_task_t proc_register(struct pylanes *L, struct proc *p, const char *name, uint64_t t)
{
	char label[160];
	trace_task_t parent = TRACE_NO_TASK;
	struct proc *pp = proc_find(L, p->ppid);
	if (pp != NULL)
		parent = pp->task;
	if (p->pid == (uint32_t)L->o.root)
		snprintf(label, sizeof(label), "MainThread pid %u", p->pid);
	else
		snprintf(label, sizeof(label), "%s pid %u ppid %u", name ? name : "python", p->pid, p->ppid);
	enum task_kind kind = p->pid == (uint32_t)L->o.root ? KIND_MAIN : KIND_PROCESS;
	p->task = trace_task_new_child(label, kind, p->pid == (uint32_t)L->o.root ? L->group_threads : L->group_procs,
	                               parent);
	lane_put(L, p->pid, p->main_tid, p->task);
	trace_put(t, TRACE_EV_BIND, p->task, 0, 0, p->pid, p->main_tid, NULL);
	trace_put(t, TRACE_EV_STATE, p->task, STATE_RUNNING, 0, 0, 0, "running");
	return p->task;
}

/* The lane of (pid, id), registered now when it is a process's main thread
 * or a thread the agent did not see start. */
static struct lane *lane_get(struct pylanes *L, uint32_t pid, uint32_t id, uint64_t t)
{
	struct lane *l = lane_find(L, pid, id);
	if (l != NULL)
		return l;
	struct proc *p = proc_find(L, pid);
	if (p == NULL)
		return NULL; /* no HELLO: not a process of ours */
	if (p->task == TRACE_NO_TASK) {
		proc_register(L, p, NULL, t);
		if (id == p->main_tid)
			return lane_find(L, pid, id);
	}
	if (id & PYREC_TASK_BIT)
		return NULL;
	char label[64];
	snprintf(label, sizeof(label), "thread %u", id);
	trace_task_t task = trace_task_new_child(label, KIND_THREAD, L->group_threads, p->task);
	trace_put(t, TRACE_EV_BIND, task, 0, 0, pid, id, NULL);
	return lane_put(L, pid, id, task);
}

static void on_hello(struct pylanes *L, const struct pyrec *r)
{
	struct proc *p = proc_find(L, r->pid);
	if (p == NULL) {
		if (L->nprocs == PROCS_MAX_PY)
			return;
		p = &L->procs[L->nprocs++];
	}
	*p = (struct proc){.pid = r->pid, .ppid = (uint32_t)r->arg, .main_tid = r->lane,
	                   .task = TRACE_NO_TASK, .flags = r->state};
	size_t k = 0;
	while (k < r->text_len && k < sizeof(p->version) - 1 && r->text[k] != '|')
		k++;
	memcpy(p->version, r->text, k);
	p->version[k] = '\0';
	int gil = !(r->state & PYREC_F_GIL_OFF);
	run_watch_python(L->run, (pid_t)r->pid, gil);
	if (r->pid == (uint32_t)L->o.root) {
		proc_register(L, p, NULL, lesson_t(r));
		if (r->state & PYREC_F_FREE_THREADED)
			trace_put(lesson_t(r), TRACE_EV_MARK, p->task, 0, 0, 0, 0,
			          gil ? "free-threaded CPython, running with the GIL"
			              : "free-threaded CPython without the GIL: no GIL waits to infer");
	}
}

static void on_new_lane(struct pylanes *L, const struct pyrec *r)
{
	uint64_t t = lesson_t(r);
	struct lane *parent = lane_get(L, r->pid, (uint32_t)r->arg, t);
	char name[128];
	text_copy(name, sizeof(name), r);
	int is_task = r->type == PYREC_TASK;
	trace_task_t task = trace_task_new_child(name[0] ? name : "?", is_task ? KIND_COROUTINE : KIND_THREAD,
	                                         is_task ? L->group_tasks : L->group_threads,
	                                         parent ? parent->task : TRACE_NO_TASK);
	lane_put(L, r->pid, r->lane, task);
	/* A task runs on the thread that made it (its loop's). */
	trace_put(t, TRACE_EV_BIND, task, 0, 0, r->pid, is_task ? (uint32_t)r->arg : r->lane, NULL);
	trace_put(t, TRACE_EV_STATE, task, pyrec_state_of(r->state), r->line, 0, 0,
	          is_task ? "created" : "started");
}

static void on_end(struct pylanes *L, struct lane *l, const struct pyrec *r)
{
	char text[TRACE_TEXT_MAX + 1];
	if (l->ended)
		return;
	text_copy(text, sizeof(text), r);
	if (text[0] != '\0')
		trace_put(lesson_t(r), TRACE_EV_MARK, l->task, 0, r->line, 0, 0, text);
	trace_put(lesson_t(r), TRACE_EV_END, l->task, STATE_DONE, 0, 0, 0, NULL);
	l->ended = 1;
}

/* Every lane of process pid ends at t. */
static void proc_end(struct pylanes *L, uint32_t pid, uint64_t t)
{
	for (size_t i = 0; i < L->cap; i++) {
		struct lane *l = &L->lanes[i];
		if (l->id != 0 && l->pid == pid && !l->ended) {
			trace_put(t, TRACE_EV_END, l->task, STATE_DONE, 0, 0, 0, NULL);
			l->ended = 1;
		}
	}
}

/* "key: value" with a lowercase key: a result. */
static void maybe_result(struct pylanes *L, const char *s)
{
	char key[64];
	size_t k = 0;
	while ((s[k] >= 'a' && s[k] <= 'z') || s[k] == '_' || (k > 0 && ((s[k] >= '0' && s[k] <= '9') || s[k] == '.')))
		k++;
	if (k == 0 || k >= 48 || s[k] != ':' || s[k + 1] != ' ' || s[k + 2] == '\0')
		return;
	snprintf(key, sizeof(key), "%s%.*s", L->o.result_prefix, (int)k, s);
	const char *v = s + k + 2;
	char *end;
	double d = strtod(v, &end);
	if (end != v && *end == '\0')
		run_result_num(L->run, key, d);
	else
		run_result_text(L->run, key, v);
}

static void on_print(struct pylanes *L, struct lane *l, const struct pyrec *r)
{
	char text[TRACE_TEXT_MAX + 1];
	text_copy(text, sizeof(text), r);
	trace_put(lesson_t(r), TRACE_EV_MARK, l->task, 0, r->line, 0, 0, text);
	if (r->state == 0 && r->pid == (uint32_t)L->o.root)
		maybe_result(L, text);
}

static void on_exit_rec(struct pylanes *L, const struct pyrec *r)
{
	struct proc *p = proc_find(L, r->pid);
	if (p == NULL)
		return;
	p->exited = 1;
	if (r->pid == (uint32_t)L->o.root) {
		L->exit_status = r->arg;
		text_copy(L->exit_text, sizeof(L->exit_text), r);
	}
	if (p->task != TRACE_NO_TASK)
		proc_end(L, r->pid, lesson_t(r));
}

void pylanes_record(struct pylanes *L, const struct pyrec *r)
{
	L->records++;
	if (!L->started && L->o.milestones) {
		L->started = 1;
		trace_put(lesson_t(r), TRACE_EV_MILESTONE, TRACE_NO_TASK, 0, 0, 0, 0, "CPython: the lesson's own .py");
	}
	if (r->type == PYREC_HELLO) {
		on_hello(L, r);
		return;
	}
	if (r->type == PYREC_EXIT) {
		on_exit_rec(L, r);
		return;
	}
	if (r->type == PYREC_NAME) {
		struct proc *p = proc_find(L, r->pid);
		char name[64];
		text_copy(name, sizeof(name), r);
		if (p != NULL && p->task == TRACE_NO_TASK)
			proc_register(L, p, name, lesson_t(r));
		return;
	}
	if (r->type == PYREC_THREAD || r->type == PYREC_TASK) {
		if (proc_find(L, r->pid) != NULL)
			on_new_lane(L, r);
		return;
	}
	struct lane *l = lane_get(L, r->pid, r->lane, lesson_t(r));
	if (l == NULL)
		return;
	if (r->type == PYREC_PRINT) {
		on_print(L, l, r);
	} else if (r->type == PYREC_END) {
		on_end(L, l, r);
	} else if (r->type == PYREC_STATE && !l->ended) {
		char text[TRACE_TEXT_MAX + 1];
		text_copy(text, sizeof(text), r);
		trace_put(lesson_t(r), TRACE_EV_STATE, l->task, pyrec_state_of(r->state), r->line, 0, 0,
		          text[0] ? text : "running");
	}
}

void pylanes_output(struct pylanes *L, int is_err, const char *line, size_t len)
{
	struct proc *p = proc_find(L, (uint32_t)L->o.root);
	if (p == NULL || p->task == TRACE_NO_TASK)
		return;
	char text[TRACE_TEXT_MAX + 1];
	snprintf(text, sizeof(text), "%s%.*s", is_err ? "stderr: " : "", (int)(len < TRACE_TEXT_MAX ? len : TRACE_TEXT_MAX), line);
	trace_put(clock_now_ns(), TRACE_EV_MARK, p->task, 0, 0, 0, 0, text);
}

void pylanes_end_all(struct pylanes *L, uint64_t t_ns)
{
	for (size_t i = 0; i < L->cap; i++) {
		struct lane *l = &L->lanes[i];
		if (l->id != 0 && !l->ended) {
			trace_put(t_ns, TRACE_EV_END, l->task, STATE_DONE, 0, 0, 0, NULL);
			l->ended = 1;
		}
	}
}

struct pylanes *pylanes_new(struct run *run, const struct pylanes_options *o)
{
	struct pylanes *L = xcalloc(1, sizeof(*L));
	L->run = run;
	L->o = *o;
	L->exit_status = -1;
	const char *g = o->group ? o->group : "";
	snprintf(L->group_threads, sizeof(L->group_threads), "%sthreads", g);
	snprintf(L->group_tasks, sizeof(L->group_tasks), "%stasks", g);
	snprintf(L->group_procs, sizeof(L->group_procs), "%sprocesses", g);
	lanes_grow(L);
	return L;
}

void pylanes_free(struct pylanes *L)
{
	if (L == NULL)
		return;
	free(L->lanes);
	free(L);
}

int pylanes_exit_status(const struct pylanes *L, const char **text)
{
	if (text != NULL)
		*text = L->exit_text;
	return L->exit_status;
}

int pylanes_python(const struct pylanes *L, const char **version, int *free_threaded, int *gil_off)
{
	for (int i = 0; i < L->nprocs; i++)
		if (L->procs[i].pid == (uint32_t)L->o.root) {
			*version = L->procs[i].version;
			*free_threaded = (L->procs[i].flags & PYREC_F_FREE_THREADED) != 0;
			*gil_off = (L->procs[i].flags & PYREC_F_GIL_OFF) != 0;
			return 0;
		}
	return -1;
}

uint64_t pylanes_records(const struct pylanes *L)
{
	return L->records;
}

int pylanes_processes(const struct pylanes *L)
{
	return L->nprocs;
}
