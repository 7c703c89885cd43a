/*
 * xalloc.h: memory for simul's own bookkeeping, and what happens when there
 * is none.
 *
 * One policy: a request for internal memory (the model's tables, a task's
 * name, a view's buffers) that cannot be met prints one line on stderr and
 * exits with status 1, after the hook set with xalloc_on_failure (the TUI
 * uses it to give the terminal back). Nothing is dropped silently and no
 * caller checks for NULL. Memory whose size comes from the user's input (a
 * file to load) is not internal: those callers use malloc and report the
 * problem as bad input.
 *
 * Thread-safe, like malloc; the hook runs on the failing thread.
 */
#ifndef SIMUL_XALLOC_H
#define SIMUL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Same, for count elements of size bytes, failing (not wrapping) on
 * overflow. */
void *xreallocarray(void *p, size_t count, size_t size);
char *xstrdup(const char *s);

/* Called once before the process exits for want of memory (e.g. to
 * restore the terminal); NULL removes it. */
void xalloc_on_failure(void (*fn)(void));

/* The same end for memory got another way (a loop's own slabs): the hook,
 * "simul: out of memory for WHAT (wanted N bytes)" (what may be NULL),
 * exit status 1. */
_Noreturn void xalloc_die(const char *what, size_t n);

#endif
