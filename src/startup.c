/*
 * startup.c: the standard descriptors and the open-file limit, checked
 * before anything opens a file (see startup.h).
 */
#include "startup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int startup_std_fds(void)
{
	int reopened = 0;
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* The lowest free number is fd itself: 0, 1 and 2 in order. */
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n < 0)
			return -1;
		if (n != fd) {
			int ok = dup2(n, fd) == fd;
			close(n);
			if (!ok)
				return -1;
		}
		reopened++;
	}
	return reopened;
}

int startup_fd_limit(char *err, size_t n)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= STARTUP_MIN_FILES)
		return 0;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= STARTUP_MIN_FILES) {
		rl.rlim_cur = STARTUP_MIN_FILES;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return 0;
	}
	snprintf(err, n, "the open-file limit is %llu (ulimit -n); simul needs at least %d",
	         (unsigned long long)rl.rlim_cur, STARTUP_MIN_FILES);
	return -1;
}

void startup_check_stdout(void)
{
	errno = 0;
	int ok = fflush(stdout) == 0 && !ferror(stdout), e = errno;
	/* A terminal that went away (the TUI's SIGHUP) loses no file: the
	 * status says how simul ended, not that. */
	if (ok || isatty(STDOUT_FILENO))
		return;
	fprintf(stderr, "simul: standard output: write failed%s%s\n", e ? ": " : "", e ? strerror(e) : "");
	_exit(1);
}
