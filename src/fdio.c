/*
 * fdio.c: see fdio.h.
 */
#include "fdio.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

int fd_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	int sock = 1; /* until send says it is not a socket */
	while (n > 0) {
		ssize_t k = sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);
		if (k < 0 && sock && errno == ENOTSOCK) {
			sock = 0;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int fd_read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = 0;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}
