/*
 * probe.h: a short helper program run once to ask it something (which
 * Python an interpreter is and what it can import, what CPython's
 * pickling costs on this machine), what it prints on stdout read back.
 *
 * It is a child like every other child simul starts: it dies with simul
 * (PR_SET_PDEATHSIG, SIGKILL: even when simul is killed with kill -9), it is
 * always reaped, and past its time limit it is killed. Its standard input
 * and error are /dev/null. The caller's thread waits for it (the parent
 * death signal follows the thread that started it, which is still there).
 *
 * Not for a program that runs beside a demo (pyagent.c, procs.c do that):
 * for a question with an answer in a few seconds at most.
 */
#ifndef SIMUL_PROBE_H
#define SIMUL_PROBE_H

#include <stddef.h>

/* Run argv[0] (a path, as execv takes it: see probe_which) with argv
 * (NULL-terminated); the first outn - 1 bytes it prints on stdout into out,
 * NUL-terminated (the rest is read and dropped). Returns its wait status
 * (waitpid's: WIFEXITED, WEXITSTATUS ...; an exec that failed exits 127),
 * or -1 when it could not be started or ran past timeout_ms (it was then
 * killed and reaped). */
int probe_run(char *const argv[], int timeout_ms, char *out, size_t outn);

/* The first executable called `name` in a directory of PATH, into out.
 * Returns 0, or -1 when there is none. */
int probe_which(const char *name, char *out, size_t outn);

#endif
