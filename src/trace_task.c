/*
 * trace_task.c: the recorder's task table (trace.h): each task's name,
 * group, kind and parent, registered from any thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "trace_int.h"
#include "xalloc.h"

struct task_entry {
	char *name;
	char *group;
	enum task_kind kind;
	trace_task_t parent;
};

static pthread_mutex_t tasks_mu = PTHREAD_MUTEX_INITIALIZER;
static struct task_entry *tasks;
static size_t ntasks, captasks;
/* Their names, packed into blocks, and their groups, each kept once (a
 * million tasks in one group): under tasks_mu, freed by trace_reset. */
#define NAMES_BLOCK 65536
#define GROUPS_KEPT 64
static char **name_blocks;
static size_t nname_blocks, capname_blocks;
static char *names_at;
static size_t names_left;
static char *groups_kept[GROUPS_KEPT];
static size_t ngroups_kept;

/* ---- tasks ---- */

/* A copy of s in the names blocks (under tasks_mu). */
static char *name_copy(const char *s)
{
	size_t n = strlen(s) + 1;
	if (n > names_left) {
		if (nname_blocks == capname_blocks) {
			capname_blocks = capname_blocks ? capname_blocks * 2 : 16;
			name_blocks = xreallocarray(name_blocks, capname_blocks, sizeof(*name_blocks));
		}
		size_t size = n > NAMES_BLOCK ? n : NAMES_BLOCK;
		name_blocks[nname_blocks++] = names_at = xmalloc(size);
		names_left = size;
	}
	char *p = names_at;
	memcpy(p, s, n);
	names_at += n;
	names_left -= n;
	return p;
}

/* The group's one copy (under tasks_mu). */
static char *group_copy(const char *g)
{
	for (size_t i = 0; i < ngroups_kept; i++)
		if (strcmp(groups_kept[i], g) == 0)
			return groups_kept[i];
	char *c = name_copy(g);
	if (ngroups_kept < GROUPS_KEPT)
		groups_kept[ngroups_kept++] = c;
	return c;
}

trace_task_t trace_task_new_child(const char *name, enum task_kind kind, const char *group,
                                  trace_task_t parent)
{
	pthread_mutex_lock(&tasks_mu);
	char *n = name_copy(name ? name : "?");
	char *g = group_copy(group ? group : "");
	if (ntasks == captasks) {
		size_t cap = captasks ? captasks * 2 : 64;
		tasks = xreallocarray(tasks, cap, sizeof(*tasks));
		captasks = cap;
	}
	tasks[ntasks] = (struct task_entry){.name = n, .group = g, .kind = kind, .parent = parent};
	trace_task_t id = (trace_task_t)ntasks++;
	pthread_mutex_unlock(&tasks_mu);
	return id;
}

trace_task_t trace_task_new(const char *name, enum task_kind kind, const char *group)
{
	return trace_task_new_child(name, kind, group, TRACE_NO_TASK);
}

size_t trace_task_count(void)
{
	pthread_mutex_lock(&tasks_mu);
	size_t n = ntasks;
	pthread_mutex_unlock(&tasks_mu);
	return n;
}

int trace_task_get(trace_task_t task, struct trace_task_info *out)
{
	int rc = -1;
	pthread_mutex_lock(&tasks_mu);
	if (task >= 0 && (size_t)task < ntasks) {
		out->name = tasks[task].name;
		out->group = tasks[task].group;
		out->kind = tasks[task].kind;
		out->parent = tasks[task].parent;
		rc = 0;
	}
	pthread_mutex_unlock(&tasks_mu);
	return rc;
}

void trace_tasks_reset(void)
{
	pthread_mutex_lock(&tasks_mu);
	for (size_t i = 0; i < nname_blocks; i++)
		free(name_blocks[i]);
	nname_blocks = 0;
	names_left = 0;
	ngroups_kept = 0;
	ntasks = 0;
	pthread_mutex_unlock(&tasks_mu);
}
