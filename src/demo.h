/*
 * demo.h: what a scenario module exports, and the registry of them all.
 *
 * Each scenarios/<module>.c defines one `const struct demo_module
 * <module>_module` holding a const table of demos; the build collects every
 * such file into the registry, so adding a module edits no shared file.
 *
 * A demo's `main` runs on a thread of its own (the scenario thread), never
 * on the UI's. It registers tasks with the recorder, runs the real workload,
 * sets its results, and returns 0 (or -1 after run_fail). It must return
 * soon after run_stopping() becomes true and release everything it made:
 * threads joined, children reaped, sockets and files closed.
 */
#ifndef SIMUL_DEMO_H
#define SIMUL_DEMO_H

#include <stddef.h>

#include "params.h"

struct run;

struct demo {
	const char *name;        /* "interleave"; the full name is module/name */
	const char *summary;     /* one line for --list and the menu */
	const char *description; /* a short paragraph for the menu */
	const struct param_spec *params;
	size_t nparams;
	int (*main)(struct run *run);
	/* When the demo's time is simulated (the chess simul), how many
	 * simulated seconds one real second is worth is given at run time by
	 * run_set_sim_scale; views then label the axis in simulated time. */
};

struct demo_module {
	const char *name;  /* "threads" */
	const char *title; /* "Threads" */
	int order;         /* position in lists: lower first */
	const struct demo *demos;
	size_t ndemos;
	/* Hidden worker mode: `simul --worker MODULE ARGS...` calls this in a
	 * child process (as multiprocessing's spawn does). NULL when unused. */
	int (*worker)(int argc, char **argv);
};

#define DEMO_COUNT(table) (sizeof(table) / sizeof((table)[0]))

/* Every module, sorted by order then name. */
size_t registry_modules(const struct demo_module *const **out);
/* Find "module/demo" (or a bare "module", meaning its first demo). */
const struct demo *registry_find(const char *name, const struct demo_module **module);
const struct demo_module *registry_module(const char *name);
/* Up to `max` names closest to `name`, comma-separated, into buf. */
void registry_suggest(const char *name, char *buf, size_t n, int max);
/* The one line for a name that is no demo: the name (escaped), the closest
 * ones and where to see them all; on stderr. */
void registry_unknown(const char *name);
/* The demo that `simul` opens on by default. */
#define REGISTRY_DEFAULT_DEMO "threads/interleave"

#endif
