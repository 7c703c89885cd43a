/*
 * fatal.c: the one handler for signals that end simul (see fatal.h).
 */
#include "fatal.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

static void (*_Atomic fatal_hook)(void);

static const int fatal_signals[] = {
	SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS, SIGQUIT, SIGUSR1, SIGUSR2,
	SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGIO, SIGPWR,
#ifdef SIGSTKFLT
	SIGSTKFLT,
#endif
};

static void fatal_handler(int sig)
{
	int saved = errno;
	void (*fn)(void) = atomic_load(&fatal_hook);
	if (fn != NULL)
		fn();
	output_unlink_temps();
	errno = saved;
	raise(sig); /* SA_RESETHAND: the default action, once this returns */
}

void fatal_set_hook(void (*fn)(void))
{
	atomic_store(&fatal_hook, fn);
}

void fatal_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_handler;
	sa.sa_flags = (int)SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++) {
		struct sigaction old;
		/* A signal ignored by whoever started simul stays ignored. */
		if (sigaction(fatal_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(fatal_signals[i], &sa, NULL);
	}
	atexit(output_unlink_temps);
}
