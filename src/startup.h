/*
 * startup.h: what the process makes sure of before anything else runs
 * (main calls these first, workers too).
 */
#ifndef SIMUL_STARTUP_H
#define SIMUL_STARTUP_H

#include <stddef.h>

/* The fewest open files simul runs with: its own loops, pipes and the
 * sampler's /proc files, before any demo's sockets. */
#ifndef STARTUP_MIN_FILES
#define STARTUP_MIN_FILES 16
/* At exit(): flush standard output and, when anything written there was
 * lost (a full disk, a closed pipe with SIGPIPE ignored), say so in one line
 * and make the exit status 1 (not for a terminal: a hung-up one loses no
 * file). main registers it with atexit. */
void startup_check_stdout(void);

#endif

/* Open /dev/null on each of standard input, output and error that is
 * closed: the next pipe or socket would otherwise take its number, and
 * libuv refuses (asserts on) a loop fd of 0, 1 or 2. Returns how many were
 * reopened, or -1 when /dev/null cannot be opened. */
int startup_std_fds(void);

/* Raise the soft open-file limit up to the hard one when it is below
 * STARTUP_MIN_FILES. Returns 0, or -1 with a one-line reason in err when
 * even the hard limit is too low. */
int startup_fd_limit(char *err, size_t n);

/* At exit(): flush standard output and, when anything written there was
 * lost (a full disk, a closed pipe with SIGPIPE ignored), say so in one line
 * and make the exit status 1 (not for a terminal: a hung-up one loses no
 * file). main registers it with atexit. */
void startup_check_stdout(void);

#endif
