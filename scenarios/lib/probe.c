/*
 * probe.c: run a helper program once and read what it prints (probe.h).
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

/* How often the child's state is looked at while it prints nothing. */
#define PROBE_POLL_MS 10

/* In the child, between fork and exec: only async-signal-safe calls. */
static void probe_child(char *const argv[], int nul, int out, pid_t parent)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The parent died between the fork and the prctl: we were reparented. */
	if (getppid() != parent)
		_exit(127);
	dup2(nul, 0);
	dup2(out, 1);
	dup2(nul, 2);
	execv(argv[0], argv);
	_exit(127);
}

/* Read what is there now from fd into out (up to outn - 1 bytes, *got so
 * far), dropping the rest. Returns 1 at end of file, else 0. */
static int probe_read(int fd, char *out, size_t outn, size_t *got)
{
	char drop[512];
	for (;;) {
		char *to = *got + 1 < outn ? out + *got : drop;
		size_t room = *got + 1 < outn ? outn - 1 - *got : sizeof(drop);
		ssize_t r = read(fd, to, room);
		if (r == 0)
			return 1;
		if (r < 0)
			return errno == EINTR ? 0 : errno != EAGAIN;
		if (to != drop)
			*got += (size_t)r;
	}
}

int probe_run(char *const argv[], int timeout_ms, char *out, size_t outn)
{
	if (outn > 0)
		out[0] = '\0';
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC), po[2];
	if (nul < 0 || pipe2(po, O_CLOEXEC | O_NONBLOCK) != 0) {
		if (nul >= 0)
			close(nul);
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		probe_child(argv, nul, po[1], parent);
	close(nul);
	close(po[1]);
	if (pid < 0) {
		close(po[0]);
		return -1;
	}
	uint64_t deadline = clock_now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	size_t got = 0;
	int st = 0, eof = 0, failed = 0;
	for (;;) {
		if (!eof)
			eof = probe_read(po[0], out, outn, &got);
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			failed = 1;
			break;
		}
		if (clock_now_ns() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			failed = 1;
			break;
		}
		struct pollfd p = {.fd = po[0], .events = POLLIN};
		/* (at end of file poll would return at once: sleep instead) */
		if (eof || poll(&p, 1, PROBE_POLL_MS) < 0)
			usleep(PROBE_POLL_MS * 1000);
	}
	/* What it printed just before it ended. */
	if (!failed && !eof)
		probe_read(po[0], out, outn, &got);
	close(po[0]);
	if (outn > 0)
		out[got < outn ? got : outn - 1] = '\0';
	return failed ? -1 : st;
}

int probe_which(const char *name, char *out, size_t outn)
{
	const char *path = getenv("PATH");
	char copy[8192];
	snprintf(copy, sizeof(copy), "%s", path != NULL ? path : "/usr/bin:/bin");
	for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		char p[4096];
		int n = snprintf(p, sizeof(p), "%s/%s", dir[0] != '\0' ? dir : ".", name);
		struct stat sb;
		if (n > 0 && (size_t)n < sizeof(p) && (size_t)n < outn && stat(p, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    access(p, X_OK) == 0) {
			snprintf(out, outn, "%s", p);
			return 0;
		}
	}
	return -1;
}
