/*
 * fdio.h: whole reads and writes on a file descriptor, the one copy of the
 * loop around read(2) and write(2).
 *
 * Short transfers are continued and EINTR retried. A socket is written
 * with send(MSG_NOSIGNAL), so a peer that has gone is an error (EPIPE),
 * not a SIGPIPE; anything else (a pipe, a terminal, a file) with write.
 * Blocking descriptors only: EAGAIN is an error.
 */
#ifndef SIMUL_FDIO_H
#define SIMUL_FDIO_H

#include <stddef.h>

/* Write all n bytes. Returns 0, or -1 with errno set. */
int fd_write_all(int fd, const void *buf, size_t n);
/* Read exactly n bytes. Returns 0, or -1 on error (errno set) or at end
 * of file first (errno 0). */
int fd_read_all(int fd, void *buf, size_t n);

#endif
