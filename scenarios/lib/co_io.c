/*
 * co_io.c: the awaits that do real I/O (see co.h): co_get, one HTTP/1.0
 * GET over a real TCP connection to the loopback server, and co_read_file,
 * a file read on libuv's pool. Each starts a libuv request and suspends
 * its task until the request's callback puts it back on the ready queue.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "co_impl.h"
#include "run.h"

/* ---- co_get: HTTP over TCP ---- */

struct co_conn {
	uv_tcp_t tcp;
	uv_connect_t connect;
	uv_write_t write;
	struct co_task *task;
	char request[CO_REQUEST_MAX];
	size_t request_len;
	int status, closing;
	int crlf;      /* progress through "\r\n\r\n" */
	int in_body;
	size_t seen;   /* bytes read so far */
	long length;   /* the body's Content-Length, or -1: read to the end */
	size_t body;
	uint32_t cap; /* of its block (co_block_get) */
};

static void co_conn_closed(uv_handle_t *h)
{
	struct co_conn *c = h->data;
	struct co_task *t = c->task;
	t->op = NULL;
	t->got = c->body;
	co_enqueue(t, c->status, 0, "response complete");
	co_block_put(t->loop, c, c->cap);
}

static void co_conn_close(struct co_conn *c, int status)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (c->status == 0)
		c->status = status;
	uv_close((uv_handle_t *)&c->tcp, co_conn_closed);
}

static void co_conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct co_conn *c = h->data;
	(void)suggested;
	*buf = uv_buf_init(c->task->loop->rbuf, CO_READ_BUF);
}

/* The Content-Length the headers at p (n bytes, up to and with the blank
 * line) give, or -1 when they give none. */
static long co_content_length(const char *p, size_t n)
{
	static const char key[] = "\r\ncontent-length:";
	const size_t k = sizeof(key) - 1;
	for (size_t i = 0; i + k <= n; i++) {
		if (strncasecmp(p + i, key, k) != 0)
			continue;
		char *end; /* the line's \r stops the digits, within the n bytes */
		long v = strtol(p + i + k, &end, 10);
		return end > p + i + k && v >= 0 ? v : -1;
	}
	return -1;
}

static void co_conn_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct co_conn *c = s->data;
	if (n == UV_EOF) {
		co_conn_close(c, c->in_body ? 0 : UV_EPROTO);
		return;
	}
	if (n < 0) {
		co_conn_close(c, (int)n);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (c->in_body) {
			c->body += (size_t)(n - i);
			break;
		}
		char ch = buf->base[i];
		int want = (c->crlf % 2 == 0) ? '\r' : '\n';
		c->crlf = ch == want ? c->crlf + 1 : (ch == '\r' ? 1 : 0);
		if (c->crlf == 4) {
			c->in_body = 1;
			/* Headers that came in one read: their length is known. */
			if (c->seen == 0)
				c->length = co_content_length(buf->base, (size_t)i + 1);
		}
	}
	c->seen += (size_t)n;
	/* The whole body is in: done, as aiohttp is, without waiting a loop
	 * turn for the end of the stream (the server's FIN, most often already
	 * here with the data). */
	if (c->in_body && c->length >= 0 && c->body >= (size_t)c->length)
		co_conn_close(c, 0);
}

static void co_conn_written(uv_write_t *w, int status)
{
	struct co_conn *c = w->data;
	if (status != 0)
		co_conn_close(c, status);
}

static void co_get_cancel(struct co_task *t)
{
	co_conn_close(t->op, UV_ECANCELED);
}

/* Hand the request from byte off on to libuv (it writes what it can at
 * once, the rest when the socket turns writable), and read the reply. */
static int co_conn_send(struct co_conn *c, size_t off)
{
	uv_buf_t b = uv_buf_init(c->request + off, (unsigned)(c->request_len - off));
	c->write.data = c;
	int rc = uv_write(&c->write, (uv_stream_t *)&c->tcp, &b, 1, co_conn_written);
	return rc != 0 ? rc : uv_read_start((uv_stream_t *)&c->tcp, co_conn_alloc, co_conn_read);
}

static void co_conn_connected(uv_connect_t *req, int status)
{
	struct co_conn *c = req->data;
	if (c->closing)
		return;
	struct co_task *t = c->task;
	if (status == 0 && !t->loop->many)
		trace_state_at(t->id, STATE_IO, t->line, "awaiting the response");
	int rc = status != 0 ? status : co_conn_send(c, 0);
	if (rc != 0)
		co_conn_close(c, rc);
}

/* asyncio's order: connect, and send the request once the loop has seen
 * the connection made, a turn later (so each request of a crowd waits for
 * every connect of that turn). 0, or an error for co_conn_close. */
static int co_conn_connect(struct co_conn *c, const struct sockaddr_in *addr)
{
	c->connect.data = c;
	return uv_tcp_connect(&c->connect, &c->tcp, (const struct sockaddr *)addr, co_conn_connected);
}

/* The C loop's order (co_loop_options.eager_send): connect and send in the
 * task's own turn. On loopback the handshake is over when connect
 * returns, so the request goes at once and the server's latency starts
 * before the next task connects; no writable round, no getsockopt. When
 * the connection is not up yet, libuv sends the request once it is. 0, or
 * an error for co_conn_close. */
static int co_conn_start(struct co_conn *c, const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return uv_translate_sys_error(errno);
	int rc;
	do
		rc = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	while (rc != 0 && errno == EINTR);
	if (rc != 0 && errno != EINPROGRESS)
		rc = uv_translate_sys_error(errno);
	else
		rc = uv_tcp_open(&c->tcp, fd);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	size_t len = c->request_len;
	ssize_t sent = send(fd, c->request, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		return uv_translate_sys_error(errno);
	if (sent < (ssize_t)len)
		return co_conn_send(c, sent > 0 ? (size_t)sent : 0);
	return uv_read_start((uv_stream_t *)&c->tcp, co_conn_alloc, co_conn_read);
}

/* The request's text: the loop's last one when it was for the same path
 * (compared, not formatted again), else formatted and kept for the next. */
static void co_get_request(struct co_loop *l, struct co_conn *c, int port, const char *path)
{
	static const char head[] = "GET ";
	size_t n = strlen(path);
	if (port == l->get_port && l->get_request_len > sizeof(head) - 1 + n &&
	    memcmp(l->get_request + sizeof(head) - 1, path, n) == 0 && l->get_request[sizeof(head) - 1 + n] == ' ') {
		memcpy(c->request, l->get_request, l->get_request_len + 1);
		c->request_len = l->get_request_len;
		return;
	}
	int len = snprintf(c->request, sizeof(c->request),
	                   "%s%s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", head, path, port);
	c->request_len = len < 0 ? 0 : (size_t)len < sizeof(c->request) ? (size_t)len : sizeof(c->request) - 1;
	memcpy(l->get_request, c->request, c->request_len + 1);
	l->get_request_len = c->request_len;
	l->get_port = port;
}

int co_get(struct co_task *t, int port, const char *path, int line, size_t *body_bytes)
{
	struct co_loop *l = t->loop;
	if (l->cancelling)
		return UV_ECANCELED;
	uint32_t cap;
	struct co_conn *c = co_block_get(l, sizeof(*c), &cap);
	if (!c)
		return UV_ENOMEM;
	memset(c, 0, sizeof(*c));
	c->cap = cap;
	c->length = -1;
	c->task = t;
	co_get_request(l, c, port, path);
	int rc = uv_tcp_init(&l->uv, &c->tcp);
	if (rc != 0) {
		co_block_put(l, c, cap);
		return rc;
	}
	c->tcp.data = c;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* The handle is initialised: on error it must be closed, which wakes
	 * us with the error. */
	rc = l->eager_send ? co_conn_start(c, &addr) : co_conn_connect(c, &addr);
	if (rc != 0)
		co_conn_close(c, rc);
	t->op = c;
	char why[64];
	if (!l->many)
		snprintf(why, sizeof(why), "await get %s", path);
	rc = co_wait(t, STATE_IO, line, l->many ? NULL : why, co_get_cancel);
	if (body_bytes)
		*body_bytes = t->got;
	return rc;
}

/* ---- co_read_file ---- */

struct co_file {
	uv_fs_t req;
	struct co_task *task;
	uv_file fd;
	char *buf;
	size_t len;
	ssize_t result;
};

static void co_file_closed(uv_fs_t *req)
{
	struct co_file *f = req->data;
	uv_fs_req_cleanup(req);
	co_enqueue(f->task, 0, 0, "file read");
}

static void co_file_read(uv_fs_t *req)
{
	struct co_file *f = req->data;
	f->result = req->result;
	uv_fs_req_cleanup(req);
	uv_fs_close(req->loop, &f->req, f->fd, co_file_closed);
}

static void co_file_opened(uv_fs_t *req)
{
	struct co_file *f = req->data;
	ssize_t r = req->result;
	uv_fs_req_cleanup(req);
	if (r < 0) {
		f->result = r;
		co_enqueue(f->task, 0, 0, "open failed");
		return;
	}
	f->fd = (uv_file)r;
	uv_buf_t b = uv_buf_init(f->buf, (unsigned)f->len);
	uv_fs_read(req->loop, &f->req, f->fd, &b, 1, 0, co_file_read);
}

ssize_t co_read_file(struct co_task *t, const char *path, char *buf, size_t len, int line)
{
	if (t->loop->cancelling)
		return UV_ECANCELED;
	struct co_file *f = calloc(1, sizeof(*f));
	char *heap = malloc(len ? len : 1);
	if (!f || !heap) {
		free(f);
		free(heap);
		return UV_ENOMEM;
	}
	f->task = t;
	f->buf = heap;
	f->len = len;
	f->req.data = f;
	int rc = uv_fs_open(&t->loop->uv, &f->req, path, O_RDONLY, 0, co_file_opened);
	ssize_t result = rc;
	if (rc == 0) {
		/* Not cancellable: a local file read is short. */
		co_wait(t, STATE_IO, line, "await read_file", NULL);
		result = f->result;
		if (result > 0)
			memcpy(buf, heap, (size_t)result);
	}
	free(heap);
	free(f);
	return result;
}

