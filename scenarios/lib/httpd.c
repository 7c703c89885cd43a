/*
 * httpd.c: the loopback HTTP server (see httpd.h).
 *
 * One connection = one uv_tcp_t plus one uv_timer_t (the latency, then the
 * pacing ticks). A response goes: read until the blank line, parse, wait the
 * latency, write headers + body in chunks from a shared block (one write in
 * flight at a time, each chunk as big as the bandwidth allows so far), then
 * shutdown and close. One that may go all at once (no bandwidth limit, at
 * most a chunk) is one send and a close, and leaves in one segment with
 * the FIN (conn_send_all). Stopping closes the listener and every connection from
 * the server's own thread (woken by a uv_async_t), then joins it.
 */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

#include "clock.h"
#include "pace.h"
#include "xalloc.h"

#define CHUNK_MAX (64 * 1024)
#define REQ_MAX 1024
#define TICK_MS 10
#define BODY_MAX (1ull << 32) /* 4 GiB: more is surely a typo */

/* What every body is made of: printable, so a dump of it reads well. */
static char body_block[CHUNK_MAX];
static pthread_once_t body_once = PTHREAD_ONCE_INIT;

struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t wr;
	uv_shutdown_t sd;
	struct httpd *h;
	struct conn *prev, *next;
	struct conn *due_prev, *due_next; /* in the latency queue (waiting: 1) */
	char req[REQ_MAX];
	size_t req_len;
	char hdr[192];
	size_t hdr_len;
	int hdr_sent;
	uint64_t size, sent;
	int kbps;
	uint64_t t_first; /* lesson time (clock.h, ns) when the first byte is due */
	int writing, closing, open_handles, responded, waiting;
};

struct httpd {
	uv_loop_t loop;
	uv_tcp_t listener;
	uv_async_t stop_async;
	pthread_t thread;
	int port;
	struct httpd_options opt;
	struct conn *conns; /* every open connection, for stop */
	/* Connections waiting out their latency in the order they come due,
	 * under one timer for the first (see conn_wait). */
	struct conn *due_head, *due_tail;
	uv_timer_t due_timer;
	/* Turns a client away when there is no memory for its connection
	 * (server_turn_away); accept_waiting: one more waits for it. */
	uv_tcp_t spare;
	int spare_busy, accept_waiting;
	atomic_int stopping, refusing;
	atomic_uint_fast64_t requests, open, max_open, turned_away;
};

void *(*httpd_conn_calloc)(size_t n, size_t size) = calloc;

static void body_fill(void)
{
	for (size_t i = 0; i < sizeof(body_block); i++)
		body_block[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
}

static void conn_handle_closed(uv_handle_t *handle)
{
	struct conn *c = handle->data;
	if (--c->open_handles == 0)
		free(c);
}

static void due_unlink(struct conn *c)
{
	struct httpd *h = c->h;
	if (!c->waiting)
		return;
	c->waiting = 0;
	if (c->due_prev)
		c->due_prev->due_next = c->due_next;
	else
		h->due_head = c->due_next;
	if (c->due_next)
		c->due_next->due_prev = c->due_prev;
	else
		h->due_tail = c->due_prev;
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (c->prev)
		c->prev->next = c->next;
	else
		c->h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	atomic_fetch_sub(&c->h->open, 1);
	due_unlink(c);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
	uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
}

static void conn_shutdown_done(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;
	(void)status;
	if (!c->closing)
		conn_close(c);
}

static void conn_pump(struct conn *c);

static void conn_write_done(uv_write_t *req, int status)
{
	struct conn *c = req->data;
	c->writing = 0;
	if (c->closing)
		return;
	if (status < 0) { /* the client went away: only this connection ends */
		conn_close(c);
		return;
	}
	conn_pump(c);
}

/* Bytes of body the bandwidth allows to have been sent by now. */
static uint64_t conn_allowed(const struct conn *c)
{
	if (c->kbps <= 0)
		return c->size;
	/* Lesson time: a slowed-down run (pace.h) serves slower, a paused one
	 * not at all. */
	uint64_t now = clock_now_ns();
	uint64_t ms = now > c->t_first ? (now - c->t_first) / NS_PER_MS : 0;
	/* kbps kilobits/s = kbps * 125 bytes/s = kbps / 8 bytes/ms; the first
	 * tick's worth goes at once so a small file is not stalled. */
	uint64_t bytes = (ms + TICK_MS) * (uint64_t)c->kbps / 8;
	return bytes < c->size ? bytes : c->size;
}

static void conn_answered(struct conn *c)
{
	if (!c->responded) {
		c->responded = 1;
		atomic_fetch_add(&c->h->requests, 1);
	}
}

/* A response the bandwidth lets go all at once: written straight to the
 * socket with MSG_MORE, so the kernel holds it back until the close just
 * after adds the FIN to it, and data and FIN leave in one segment (one
 * wake-up and one ACK on each side, no shutdown call, no loop turn for a
 * write callback). 1: sent and closed; 0: the write path goes on with
 * what is left (all of it when the socket took nothing or failed: its
 * error then comes back there). */
static int conn_send_all(struct conn *c)
{
	uv_os_fd_t fd;
	if (c->hdr_sent || c->kbps > 0 || c->size > CHUNK_MAX ||
	    uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0)
		return 0;
	struct iovec iov[2] = {{c->hdr, c->hdr_len}, {body_block, (size_t)c->size}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = c->size > 0 ? 2 : 1};
	ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE);
	if (n <= 0)
		return 0;
	if ((size_t)n == c->hdr_len + c->size) {
		c->hdr_sent = 1;
		c->sent = c->size;
		conn_answered(c);
		conn_close(c);
		return 1;
	}
	/* Part of it: the rest goes by uv_write, whose push sends what is held. */
	if ((size_t)n < c->hdr_len) {
		memmove(c->hdr, c->hdr + n, c->hdr_len - (size_t)n);
		c->hdr_len -= (size_t)n;
	} else {
		c->hdr_sent = 1;
		c->sent = (size_t)n - c->hdr_len;
	}
	return 0;
}

/* Write what may be written now, or finish. */
static void conn_pump(struct conn *c)
{
	if (c->writing || c->closing || conn_send_all(c))
		return;
	if (c->hdr_sent && c->sent >= c->size) {
		conn_answered(c);
		c->sd.data = c;
		if (uv_shutdown(&c->sd, (uv_stream_t *)&c->tcp, conn_shutdown_done) != 0)
			conn_close(c);
		return;
	}
	uint64_t allowed = conn_allowed(c);
	uint64_t n = allowed > c->sent ? allowed - c->sent : 0;
	if (n > CHUNK_MAX)
		n = CHUNK_MAX;
	if (n == 0 && c->hdr_sent)
		return; /* the next tick will allow more */
	uv_buf_t bufs[2];
	unsigned nb = 0;
	if (!c->hdr_sent) {
		bufs[nb++] = uv_buf_init(c->hdr, (unsigned)c->hdr_len);
		c->hdr_sent = 1;
	}
	if (n > 0)
		bufs[nb++] = uv_buf_init(body_block, (unsigned)n);
	c->sent += n;
	c->writing = 1;
	c->wr.data = c;
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, bufs, nb, conn_write_done) != 0) {
		c->writing = 0;
		conn_close(c);
	}
}

static void conn_tick(uv_timer_t *t);

/* The latency is over: the first bytes go, and the pacing ticks start. */
static void conn_due(struct conn *c)
{
	if (c->kbps > 0 && c->sent < c->size)
		uv_timer_start(&c->timer, conn_tick, TICK_MS, 0);
	conn_pump(c);
}

static void conn_tick(uv_timer_t *t)
{
	struct conn *c = t->data;
	uint64_t wait = pace_real_ms_until(c->t_first);
	if (wait > 0) { /* the latency is not over in lesson time */
		uv_timer_start(&c->timer, conn_tick, wait, 0);
		return;
	}
	conn_due(c);
}

/* Answer every connection of the queue whose latency is over, then arm
 * for the next. */
static void due_fire(uv_timer_t *t)
{
	struct httpd *h = t->data;
	uint64_t due = pace_due_until();
	struct conn *c;
	while ((c = h->due_head) != NULL && c->t_first <= due) {
		due_unlink(c);
		conn_due(c);
	}
	if (c != NULL) {
		uv_update_time(&h->loop);
		uv_timer_start(&h->due_timer, due_fire, pace_real_ms_until(c->t_first), 0);
	}
}

/* Wait out the latency. Requests come due in the order they came when
 * they ask for the same latency (the usual case: 10,000 at once with one
 * latency), so they queue under one timer, as asyncio keeps one heap for
 * all its timers, rather than each with a timer in libuv's heap (an
 * insert and a removal of log n steps each); one that would come due
 * before the last of the queue keeps a timer of its own. */
static void conn_wait(struct conn *c)
{
	struct httpd *h = c->h;
	if (h->due_tail && c->t_first < h->due_tail->t_first) {
		uv_timer_start(&c->timer, conn_tick, pace_real_ms_until(c->t_first), 0);
		return;
	}
	c->waiting = 1;
	c->due_next = NULL;
	c->due_prev = h->due_tail;
	if (h->due_tail)
		h->due_tail->due_next = c;
	else
		h->due_head = c;
	h->due_tail = c;
	if (h->due_head == c)
		uv_timer_start(&h->due_timer, due_fire, pace_real_ms_until(c->t_first), 0);
}

/* Value of `key=` in a query string, or def. */
static long query_long(const char *q, const char *key, long def)
{
	size_t kl = strlen(key);
	while (q && *q) {
		if (strncmp(q, key, kl) == 0 && q[kl] == '=')
			return strtol(q + kl + 1, NULL, 10);
		q = strchr(q, '&');
		if (q)
			q++;
	}
	return def;
}

static void conn_respond_error(struct conn *c, int code, const char *what)
{
	c->hdr_len = (size_t)snprintf(c->hdr, sizeof(c->hdr),
	                              "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	                              code, what);
	c->size = c->sent = 0;
	conn_pump(c);
}

/* The request is complete: parse it and start the latency timer. */
static void conn_request(struct conn *c)
{
	char path[REQ_MAX];
	if (sscanf(c->req, "GET %1023s HTTP/", path) != 1) {
		conn_respond_error(c, 400, "Bad Request");
		return;
	}
	if (strncmp(path, "/bytes/", 7) != 0) {
		conn_respond_error(c, 404, "Not Found");
		return;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(path + 7, &end, 10);
	if (end == path + 7 || (*end && *end != '?') || errno || n > BODY_MAX) {
		conn_respond_error(c, 404, "Not Found");
		return;
	}
	const char *q = *end == '?' ? end + 1 : NULL;
	long latency = query_long(q, "latency_ms", c->h->opt.latency_ms);
	long kbps = query_long(q, "kbps", c->h->opt.bandwidth_kbps);
	if (latency < 0 || latency > 3600000 || kbps < 0 || kbps > 100000000) {
		conn_respond_error(c, 400, "Bad Request");
		return;
	}
	c->size = n;
	c->kbps = (int)kbps;
	c->hdr_len = (size_t)snprintf(c->hdr, sizeof(c->hdr),
	                              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	                              "Content-Length: %llu\r\nConnection: close\r\n\r\n",
	                              n);
	c->t_first = clock_now_ns() + (uint64_t)latency * NS_PER_MS;
	conn_wait(c);
}

static void conn_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = handle->data;
	(void)suggested;
	size_t room = REQ_MAX - 1 - c->req_len;
	*buf = uv_buf_init(c->req + c->req_len, (unsigned)room);
}

static void conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;
	(void)buf;
	if (nread < 0) { /* EOF or error: the client is gone */
		conn_close(c);
		return;
	}
	if (nread == 0 || c->size || c->hdr_len)
		return; /* already answering; ignore anything more */
	c->req_len += (size_t)nread;
	c->req[c->req_len] = '\0';
	if (strstr(c->req, "\r\n\r\n")) {
		conn_request(c);
	} else if (c->req_len >= REQ_MAX - 1) {
		uv_read_stop(s);
		conn_respond_error(c, 431, "Request Header Fields Too Large");
	}
}

static void server_accept(uv_stream_t *listener, int status);

static void spare_closed(uv_handle_t *handle)
{
	struct httpd *h = handle->data;
	h->spare_busy = 0;
	if (h->accept_waiting && !uv_is_closing((uv_handle_t *)&h->listener)) {
		h->accept_waiting = 0;
		server_accept((uv_stream_t *)&h->listener, 0);
	}
}

/* No memory for a connection: take it on the spare handle and close it at
 * once, so its client sees the connection end (and fails that request)
 * instead of waiting forever. It must be taken: until it is, libuv stops
 * accepting on the listener for good. A second one while the spare is
 * still closing waits for spare_closed. */
static void server_turn_away(struct httpd *h, uv_stream_t *listener)
{
	if (h->spare_busy) {
		h->accept_waiting = 1;
		return;
	}
	uv_tcp_init(&h->loop, &h->spare); /* no socket yet: cannot fail */
	h->spare.data = h;
	h->spare_busy = 1;
	if (uv_accept(listener, (uv_stream_t *)&h->spare) == 0)
		atomic_fetch_add(&h->turned_away, 1);
	uv_close((uv_handle_t *)&h->spare, spare_closed);
}

static void server_accept(uv_stream_t *listener, int status)
{
	struct httpd *h = listener->data;
	if (status < 0)
		return;
	struct conn *c = httpd_conn_calloc(1, sizeof(*c));
	if (!c) {
		server_turn_away(h, listener);
		return;
	}
	c->h = h;
	uv_tcp_init(&h->loop, &c->tcp);
	uv_timer_init(&h->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->open_handles = 2;
	c->next = h->conns;
	if (h->conns)
		h->conns->prev = c;
	h->conns = c;
	uint64_t open = atomic_fetch_add(&h->open, 1) + 1;
	if (open > atomic_load(&h->max_open))
		atomic_store(&h->max_open, open);
	if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read) != 0) {
		conn_close(c);
		return;
	}
	if (atomic_load(&h->refusing))
		conn_close(c);
}

static void server_stop_cb(uv_async_t *a)
{
	struct httpd *h = a->data;
	while (h->conns)
		conn_close(h->conns);
	if (!atomic_load(&h->stopping))
		return; /* only refusing */
	uv_close((uv_handle_t *)&h->listener, NULL);
	uv_close((uv_handle_t *)&h->stop_async, NULL);
	uv_close((uv_handle_t *)&h->due_timer, NULL);
}

static void *server_main(void *arg)
{
	struct httpd *h = arg;
	uv_run(&h->loop, UV_RUN_DEFAULT);
	return NULL;
}

int httpd_start(struct httpd **out, const struct httpd_options *o)
{
	struct sigaction old;
	struct sockaddr_in addr;
	struct sockaddr_storage name;
	int namelen = sizeof(name), rc;

	*out = NULL;
	pthread_once(&body_once, body_fill);
	/* A client that hangs up makes a write raise SIGPIPE, which would kill
	 * the whole process; the error is handled per connection instead. */
	if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);

	if (o && (o->port < 0 || o->port > 65535))
		return -EINVAL;
	struct httpd *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	if (o)
		h->opt = *o;
	if ((rc = uv_loop_init(&h->loop)) != 0) {
		free(h);
		return rc;
	}
	uv_tcp_init(&h->loop, &h->listener);
	h->listener.data = h;
	uv_timer_init(&h->loop, &h->due_timer);
	h->due_timer.data = h;
	if ((rc = uv_async_init(&h->loop, &h->stop_async, server_stop_cb)) != 0) {
		uv_close((uv_handle_t *)&h->listener, NULL);
		uv_close((uv_handle_t *)&h->due_timer, NULL);
		uv_run(&h->loop, UV_RUN_DEFAULT);
		uv_loop_close(&h->loop);
		free(h);
		return rc;
	}
	h->stop_async.data = h;
	uv_ip4_addr("127.0.0.1", h->opt.port, &addr);
	/* TCP_NODELAY on the listener: every accepted socket inherits it (a
	 * paced body's small chunks go at once), without a call per
	 * connection. */
	if ((rc = uv_tcp_bind(&h->listener, (const struct sockaddr *)&addr, 0)) != 0 ||
	    (rc = uv_tcp_nodelay(&h->listener, 1)) != 0 ||
	    (rc = uv_listen((uv_stream_t *)&h->listener, 65535, server_accept)) != 0 ||
	    (rc = uv_tcp_getsockname(&h->listener, (struct sockaddr *)&name, &namelen)) != 0)
		goto fail;
	h->port = ntohs(((struct sockaddr_in *)&name)->sin_port);
	if ((rc = -pthread_create(&h->thread, NULL, server_main, h)) != 0)
		goto fail;
	*out = h;
	return 0;
fail:
	uv_close((uv_handle_t *)&h->listener, NULL);
	uv_close((uv_handle_t *)&h->stop_async, NULL);
	uv_close((uv_handle_t *)&h->due_timer, NULL);
	uv_run(&h->loop, UV_RUN_DEFAULT);
	uv_loop_close(&h->loop);
	free(h);
	return rc;
}

int httpd_port(const struct httpd *h)
{
	return h->port;
}

void httpd_refuse(struct httpd *h)
{
	atomic_store(&h->refusing, 1);
	uv_async_send(&h->stop_async);
}

uint64_t httpd_requests(const struct httpd *h)
{
	return atomic_load(&((struct httpd *)h)->requests);
}

uint64_t httpd_connections(const struct httpd *h)
{
	return atomic_load(&((struct httpd *)h)->open);
}

uint64_t httpd_max_connections(const struct httpd *h)
{
	return atomic_load(&((struct httpd *)h)->max_open);
}

uint64_t httpd_turned_away(const struct httpd *h)
{
	return atomic_load(&((struct httpd *)h)->turned_away);
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	atomic_store(&h->stopping, 1);
	uv_async_send(&h->stop_async);
	pthread_join(h->thread, NULL);
	uv_loop_close(&h->loop);
	free(h);
}

/* ---- the blocking client ---- */

static int fetch_send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

long httpd_fetch(int port, const char *path)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char buf[16384];
	long rc;

	if (port <= 0 || port > 65535 || !path || path[0] != '/')
		return -EINVAL;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		rc = -errno;
		goto out;
	}
	int len = snprintf(buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
	                   path, port);
	if (len < 0 || (size_t)len >= sizeof(buf)) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	if ((rc = fetch_send_all(fd, buf, (size_t)len)) != 0)
		goto out;

	/* Headers first (they fit in buf), then count the body to EOF. */
	size_t have = 0;
	char *eoh = NULL;
	while (!eoh) {
		ssize_t r = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EPROTO;
			goto out;
		}
		have += (size_t)r;
		buf[have] = '\0';
		eoh = strstr(buf, "\r\n\r\n");
		if (!eoh && have >= sizeof(buf) - 1) {
			rc = -EPROTO;
			goto out;
		}
	}
	const char *cl = strcasestr(buf, "\r\nContent-Length:");
	if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0 || !cl || cl > eoh) {
		rc = -EPROTO;
		goto out;
	}
	long want = strtol(cl + 17, NULL, 10);
	long got = (long)(have - (size_t)(eoh + 4 - buf));
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		got += r;
	}
	rc = got == want ? got : -EPROTO;
out:
	close(fd);
	return rc;
}
