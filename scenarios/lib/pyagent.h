/*
 * pyagent.h: run a real CPython program under simul's agent and draw it.
 *
 * `simul python FILE.py [ARGS...]`, and a demo's `mirror=on` (its lesson's
 * own .py after the emulation), both come here. The agent
 * (assets/agent/simul_agent.py, compiled into simul) is written to a private
 * temporary directory with a FIFO beside it; the program runs as
 * `PYTHON DIR/simul_run.py FILE.py ARGS...` in a process group of its own
 * (killed with simul: PR_SET_PDEATHSIG), its stdin /dev/null, its stdout and
 * stderr read by simul. Every Python process it starts loads the agent
 * through sitecustomize (DIR first on PYTHONPATH), or keeps it across fork.
 * The scenario thread reads the FIFO and hands each record to pylanes.h.
 * When the program ends (or the run stops: SIGTERM to the group, SIGKILL
 * after a grace period) the group is killed, reaped, and the directory
 * removed.
 *
 * The interpreter: --python PATH, else the first python3 (on PATH, then
 * /usr/bin, /usr/local/bin) that can import every module the script
 * imports at its top level (Debian's /usr/bin/python3 has aiohttp; the
 * python3 first on PATH may be another).
 */
#ifndef SIMUL_PYAGENT_H
#define SIMUL_PYAGENT_H

#include <stddef.h>

#include "demo.h"

struct run;

struct pyagent_spec {
	const char *script;         /* the program's file */
	const char *const *args;    /* its arguments, NULL-terminated; NULL for none */
	const char *python;         /* the interpreter; NULL: pyagent_find_python */
	const char *lane_name;      /* the first lane's name ("python x.py") */
	const char *group;          /* prefix of lane groups: "" or "CPython " */
	const char *result_prefix;  /* prefix of the results it prints: "" or "cpython." */
	int milestone;              /* mark where it starts on the time axis */
	long limit_s;               /* stop it after this many seconds; 0: never */
	const char *const *env;     /* more "KEY=VALUE" for it, NULL-terminated; may be NULL */
};

/* Run it to its end (or until the run stops). Returns 0, or -1 after
 * run_fail (it could not start, it raised, it exited non-zero, it ran past
 * the limit). */
int pyagent_run(struct run *run, const struct pyagent_spec *s);

/* The interpreter for script: `given` when it is runnable, else the first
 * candidate that has what the script imports, else the first that runs.
 * Returns 0 with its path in out, or -1 with a one-line reason in err. */
int pyagent_find_python(const char *script, const char *given, char *out, size_t n, char *err,
                        size_t errn);

/* `simul python FILE.py ARGS...`: the demo that runs it. Set the target
 * before the run (main, once): the strings must outlive every run. */
void pyagent_set_target(const char *script, const char *const *args, const char *python);
extern const struct demo_module pyagent_module;

/* mirror=on: run the lesson's own .py of the demo just run (its results
 * prefixed "cpython."), below its lanes on the same time axis. */
int pyagent_mirror(struct run *run);

#endif
