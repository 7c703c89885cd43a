/*
 * fatal.h: what simul does on a signal that ends it.
 *
 * SIGINT, SIGTERM and SIGHUP are not fatal here: batch mode and the TUI
 * catch them on their libuv loop and stop the demo cleanly, writing what
 * was recorded. Every other signal whose default action ends the process
 * (SIGQUIT, SIGUSR1, SIGSEGV, ...) runs one handler that undoes what must
 * not outlive simul: the terminal's modes (the hook the TUI sets) and the
 * temporary output files (output.h); then simul dies of that signal, as if
 * it had no handler, so its parent sees the same status. SIGPIPE keeps its
 * default (`simul --list | head` ends quietly); SIGKILL cannot be caught.
 * Worker processes die with simul (PR_SET_PDEATHSIG: run.h).
 */
#ifndef SIMUL_FATAL_H
#define SIMUL_FATAL_H

/* Install the handler for every fatal signal not ignored by whoever
 * started simul, and remove temporary outputs at exit() too. */
void fatal_install(void);

/* Called first by the handler (async-signal-safe code only); NULL for
 * none. The TUI gives the terminal back with it. */
void fatal_set_hook(void (*fn)(void));

#endif
