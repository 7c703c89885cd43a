/*
 * xalloc.c: allocation that succeeds or ends the process (see xalloc.h).
 */
#include "xalloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void (*_Atomic on_failure)(void);

void xalloc_on_failure(void (*fn)(void))
{
	atomic_store(&on_failure, fn);
}

_Noreturn void xalloc_die(const char *what, size_t n)
{
	void (*fn)(void) = atomic_exchange(&on_failure, NULL);
	if (fn != NULL)
		fn();
	/* write(2), not stdio: stdio may want memory itself. */
	char line[160];
	int len = snprintf(line, sizeof(line), "simul: out of memory%s%s (wanted %zu bytes)\n", what ? " for " : "",
	                   what ? what : "", n);
	if (len > 0 && write(STDERR_FILENO, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1) < 0) {
		/* nothing more to say */
	}
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		xalloc_die(NULL, n);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (p == NULL)
		xalloc_die(NULL, count * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		xalloc_die(NULL, n);
	return q;
}

void *xreallocarray(void *p, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		xalloc_die(NULL, SIZE_MAX);
	return xrealloc(p, count * size);
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}
