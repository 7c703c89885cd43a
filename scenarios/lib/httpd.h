/*
 * httpd.h: the loopback HTTP server every "download" in simul fetches from.
 *
 * An embedded libuv server on its own thread and its own loop, listening on
 * 127.0.0.1 at an ephemeral port (or a chosen one: `simul --serve PORT`). It serves GET /bytes/N: N bytes of body
 * (Content-Length, Connection: close), sent after a latency (time to first
 * byte) and paced to a bandwidth. A request may override both:
 * GET /bytes/N?latency_ms=L&kbps=B. Anything else gets 404.
 *
 * It holds no per-connection buffer for the body (every connection writes
 * from one shared read-only block), so 10,000 slow connections cost about
 * 1.5 KB each. A client that goes away mid-transfer only ends its own
 * connection. No address but 127.0.0.1 is ever bound or contacted.
 *
 * Bandwidth is in kilobits per second (1 kbps = 125 bytes/s); 0 is
 * unlimited (as fast as loopback goes).
 */
#ifndef SIMUL_HTTPD_H
#define SIMUL_HTTPD_H

#include <stddef.h>
#include <stdint.h>

struct httpd;

struct httpd_options {
	int latency_ms;     /* time to first byte, from the end of the request */
	int bandwidth_kbps; /* 0: unlimited */
	int port;           /* 0: any free port (the default); else 1..65535 */
};

/* Start a server (options may be NULL: no latency, unlimited, any port).
 * 0 or -errno (-EADDRINUSE: the port is taken; -EINVAL: a port out of range). */
int httpd_start(struct httpd **out, const struct httpd_options *o);
int httpd_port(const struct httpd *h);
/* Close every connection, join the server's thread, free. NULL is fine. */
void httpd_stop(struct httpd *h);
/* From now on close every connection, open or new, at once: for a demo
 * that is stopping, so that clients blocked in httpd_fetch return. */
void httpd_refuse(struct httpd *h);
/* Requests answered (body fully written) so far. */
uint64_t httpd_requests(const struct httpd *h);
/* Connections open right now, and the most open at once so far. */
uint64_t httpd_connections(const struct httpd *h);
uint64_t httpd_max_connections(const struct httpd *h);
/* Connections closed at once for want of memory to serve them: their
 * clients see the connection end (an error), never a wait. */
uint64_t httpd_turned_away(const struct httpd *h);
/* What a connection's memory comes from (calloc); tests make it fail. */
extern void *(*httpd_conn_calloc)(size_t n, size_t size);

/* A blocking client for thread demos: connect to 127.0.0.1:port, send
 * GET path, read the whole body. Returns the body's length, or -errno
 * (-EPROTO for a reply that is not a complete 200 with its length). */
long httpd_fetch(int port, const char *path);

#endif
