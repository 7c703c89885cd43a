/*
 * test_httpd.c: the loopback HTTP server serves the right sizes after the
 * latency, at the bandwidth, to many clients at once, and survives clients
 * that hang up mid-transfer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "httpd.h"
#include "support.h"

static double ms_since(uint64_t t0)
{
	return (double)(clock_now_ns() - t0) / 1e6;
}

START_TEST(serves_sizes)
{
	struct httpd *h;
	ck_assert_int_eq(httpd_start(&h, NULL), 0);
	int port = httpd_port(h);
	ck_assert_int_gt(port, 0);
	ck_assert_int_eq(httpd_fetch(port, "/bytes/0"), 0);
	ck_assert_int_eq(httpd_fetch(port, "/bytes/1"), 1);
	/* The biggest answer sent in one go, then one that takes writes. */
	ck_assert_int_eq(httpd_fetch(port, "/bytes/65536"), 65536);
	ck_assert_int_eq(httpd_fetch(port, "/bytes/100000"), 100000);
	ck_assert_int_eq(httpd_fetch(port, "/bytes/3000000"), 3000000);
	ck_assert_int_eq(httpd_fetch(port, "/nothing"), -EPROTO);
	ck_assert_int_eq(httpd_fetch(port, "/bytes/12x"), -EPROTO);
	ck_assert_int_eq(httpd_fetch(port, "no-slash"), -EINVAL);
	/* The 404s are answered too. The client stops reading at a 404's
	 * headers, so the server may count it a moment later. */
	for (int i = 0; i < 200 && httpd_requests(h) < 7; i++)
		usleep(5000);
	ck_assert_uint_eq(httpd_requests(h), 7);
	httpd_stop(h);
}
END_TEST

START_TEST(latency_and_bandwidth)
{
	struct httpd *h;
	struct httpd_options o = {.latency_ms = 150};
	ck_assert_int_eq(httpd_start(&h, &o), 0);
	int port = httpd_port(h);

	uint64_t t0 = clock_now_ns();
	ck_assert_int_eq(httpd_fetch(port, "/bytes/10"), 10);
	double ms = ms_since(t0);
	ck_assert_msg(ms >= 145, "default latency 150 ms, took %.1f ms", ms);

	t0 = clock_now_ns();
	ck_assert_int_eq(httpd_fetch(port, "/bytes/10?latency_ms=0"), 10);
	ms = ms_since(t0);
	ck_assert_msg(ms < 140, "latency 0 took %.1f ms", ms);

	/* 800 kbps = 100,000 bytes/s: 50,000 bytes take about 500 ms. */
	t0 = clock_now_ns();
	ck_assert_int_eq(httpd_fetch(port, "/bytes/50000?latency_ms=0&kbps=800"), 50000);
	ms = ms_since(t0);
	ck_assert_msg(ms >= 400 && ms < 5000, "50 kB at 800 kbps took %.1f ms", ms);
	httpd_stop(h);
}
END_TEST

struct fetcher {
	int port;
	long got;
};

static void *fetcher_main(void *arg)
{
	struct fetcher *f = arg;
	f->got = httpd_fetch(f->port, "/bytes/20000");
	return NULL;
}

START_TEST(concurrent_clients_overlap)
{
	enum { N = 32 };
	struct httpd *h;
	struct httpd_options o = {.latency_ms = 300};
	ck_assert_int_eq(httpd_start(&h, &o), 0);
	struct fetcher f[N];
	pthread_t th[N];
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < N; i++) {
		f[i] = (struct fetcher){.port = httpd_port(h)};
		ck_assert_int_eq(pthread_create(&th[i], NULL, fetcher_main, &f[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(f[i].got, 20000);
	}
	double ms = ms_since(t0);
	/* One after another would be 32 x 300 ms = 9.6 s. */
	ck_assert_msg(ms < 3000, "32 concurrent 300 ms requests took %.1f ms", ms);
	ck_assert_uint_eq(httpd_requests(h), N);
	ck_assert_uint_ge(httpd_max_connections(h), 2);
	httpd_stop(h);
}
END_TEST

START_TEST(refuse_ends_blocked_fetches)
{
	struct httpd *h;
	struct httpd_options o = {.latency_ms = 5000};
	ck_assert_int_eq(httpd_start(&h, &o), 0);
	struct fetcher f = {.port = httpd_port(h)};
	pthread_t th;
	uint64_t t0 = clock_now_ns();
	ck_assert_int_eq(pthread_create(&th, NULL, fetcher_main, &f), 0);
	usleep(100000);
	httpd_refuse(h);
	pthread_join(th, NULL);
	ck_assert_int_lt(f.got, 0);
	ck_assert_msg(ms_since(t0) < 2000, "blocked fetch took %.1f ms to end", ms_since(t0));
	ck_assert_int_lt(httpd_fetch(httpd_port(h), "/bytes/10"), 0); /* new ones too */
	httpd_stop(h);
}
END_TEST

static int raw_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

START_TEST(client_hangs_up_mid_transfer)
{
	struct httpd *h;
	ck_assert_int_eq(httpd_start(&h, NULL), 0);
	int port = httpd_port(h);
	for (int k = 0; k < 20; k++) {
		int fd = raw_connect(port);
		const char *req = k % 2 ? "GET /bytes/50000000 HTTP/1.1\r\n\r\n"
		                        : "GET /bytes/5000000?kbps=8000 HTTP/1.1\r\n\r\n";
		ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
		char buf[4096];
		ck_assert_int_gt(recv(fd, buf, sizeof(buf), 0), 0);
		if (k % 4 == 3) { /* hang up hard (RST) */
			struct linger l = {1, 0};
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		}
		close(fd);
	}
	/* A client that connects and leaves without asking. */
	close(raw_connect(port));
	/* Still serving, and every abandoned connection is gone. */
	ck_assert_int_eq(httpd_fetch(port, "/bytes/1000"), 1000);
	for (int i = 0; i < 200 && httpd_connections(h) > 0; i++)
		usleep(10000);
	ck_assert_uint_eq(httpd_connections(h), 0);
	httpd_stop(h);
}
END_TEST

/* Latencies asked out of order, and clients that leave while they wait:
 * each answer comes no sooner than its own latency, the short ones before
 * the long ones (a queue kept in arrival order must not hold a short one
 * behind a long one), and a leaver does not take anyone's answer with it. */
START_TEST(latencies_out_of_order_and_leavers)
{
	static const struct {
		int ms, leaves;
	} ask[] = {{400, 0}, {600, 1}, {800, 0}, {1000, 1}, {100, 0}, {50, 1}, {250, 0}};
	enum { N = sizeof(ask) / sizeof(ask[0]) };
	struct httpd *h;
	ck_assert_int_eq(httpd_start(&h, NULL), 0);
	int port = httpd_port(h);
	int fds[N];
	double sent_ms[N], got_ms[N];
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < N; i++) {
		char req[96];
		int len = snprintf(req, sizeof(req), "GET /bytes/10?latency_ms=%d HTTP/1.1\r\n\r\n", ask[i].ms);
		fds[i] = raw_connect(port);
		sent_ms[i] = ms_since(t0);
		ck_assert_int_eq(send(fds[i], req, (size_t)len, MSG_NOSIGNAL), len);
		got_ms[i] = -1;
	}
	usleep(20000); /* every request parsed (a leaver's too) */
	for (int i = 0; i < N; i++)
		if (ask[i].leaves) {
			close(fds[i]);
			fds[i] = -1;
		}
	for (int left = N - 3; left > 0 && ms_since(t0) < 20000;) {
		struct pollfd pf[N];
		for (int i = 0; i < N; i++)
			pf[i] = (struct pollfd){.fd = fds[i] >= 0 && got_ms[i] < 0 ? fds[i] : -1, .events = POLLIN};
		ck_assert_int_gt(poll(pf, N, 1000), -1);
		for (int i = 0; i < N; i++)
			if (pf[i].revents & (POLLIN | POLLHUP)) {
				got_ms[i] = ms_since(t0);
				left--;
			}
	}
	for (int i = 0; i < N; i++) {
		if (ask[i].leaves)
			continue;
		ck_assert_msg(got_ms[i] >= 0, "the %d ms request was never answered", ask[i].ms);
		ck_assert_msg(got_ms[i] - sent_ms[i] >= ask[i].ms - 2, "%d ms latency answered after %.1f ms",
		              ask[i].ms, got_ms[i] - sent_ms[i]);
		char buf[512];
		ck_assert_int_gt(recv(fds[i], buf, sizeof(buf), 0), 10);
		close(fds[i]);
	}
	/* Shorter before longer: 100 before 250 before 400 before 800. */
	ck_assert(got_ms[4] < got_ms[6] && got_ms[6] < got_ms[0] && got_ms[0] < got_ms[2]);
	for (int i = 0; i < 200 && httpd_connections(h) > 0; i++)
		usleep(10000);
	ck_assert_uint_eq(httpd_connections(h), 0);
	ck_assert_uint_eq(httpd_requests(h), 4);
	httpd_stop(h);
}
END_TEST

START_TEST(many_slow_connections_and_stop)
{
	/* A thousand connections open at once, each waiting on its latency;
	 * then stop with some still open. */
	enum { N = 1000 };
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 2 * N + 100 && rl.rlim_max >= 2 * N + 100) {
		rl.rlim_cur = 2 * N + 100;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	ck_assert_msg(rl.rlim_cur >= 2 * N + 100, "open-file limit too low for the test");
	struct httpd *h;
	struct httpd_options o = {.latency_ms = 400};
	ck_assert_int_eq(httpd_start(&h, &o), 0);
	int port = httpd_port(h);
	static int fds[N];
	static struct pollfd pf[N];
	const char *req = "GET /bytes/100 HTTP/1.1\r\n\r\n";
	for (int i = 0; i < N; i++) {
		fds[i] = raw_connect(port);
		ck_assert_int_eq(send(fds[i], req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	}
	/* Wait for every response to end (EOF), counting body bytes. */
	static long got[N];
	int left = N;
	uint64_t t0 = clock_now_ns();
	while (left > 0 && ms_since(t0) < 20000) {
		int n = 0;
		for (int i = 0; i < N; i++)
			if (fds[i] >= 0)
				pf[n++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
		ck_assert_int_gt(poll(pf, (nfds_t)n, 1000), -1);
		for (int j = 0; j < n; j++) {
			if (!(pf[j].revents & (POLLIN | POLLHUP)))
				continue;
			for (int i = 0; i < N; i++) {
				if (fds[i] != pf[j].fd)
					continue;
				char buf[512];
				ssize_t r = recv(fds[i], buf, sizeof(buf), 0);
				if (r > 0) {
					got[i] += r;
				} else {
					close(fds[i]);
					fds[i] = -1;
					left--;
				}
				break;
			}
		}
	}
	ck_assert_int_eq(left, 0);
	for (int i = 0; i < N; i++)
		ck_assert_int_gt(got[i], 100); /* headers + 100 bytes */
	ck_assert_uint_ge(httpd_max_connections(h), N / 2);
	ck_assert_uint_eq(httpd_requests(h), N);
	/* Stop with connections open mid-latency. */
	int open_fds[10];
	for (int i = 0; i < 10; i++) {
		open_fds[i] = raw_connect(port);
		send(open_fds[i], req, strlen(req), MSG_NOSIGNAL);
	}
	usleep(50000);
	httpd_stop(h);
	for (int i = 0; i < 10; i++)
		close(open_fds[i]);
}
END_TEST

/* The first `fail_left` connections find no memory. */
static atomic_int fail_left;
static void *failing_calloc(size_t n, size_t size)
{
	if (atomic_fetch_sub(&fail_left, 1) > 0)
		return NULL;
	return calloc(n, size);
}

/* With no memory for a connection, its client is turned away at once (an
 * error, not a wait) and the server goes on accepting: it once stopped for
 * good, and every later client hung. */
START_TEST(no_memory_turns_clients_away)
{
	enum { N = 24, FAILS = 12 };
	struct httpd *h;
	struct httpd_options o = {.latency_ms = 50};
	/* The allocator is chosen before the server's thread starts, and put
	 * back after it ended: that thread reads it (a race ASan showed). */
	atomic_store(&fail_left, 0);
	httpd_conn_calloc = failing_calloc;
	ck_assert_int_eq(httpd_start(&h, &o), 0);
	atomic_store(&fail_left, 3);
	int port = httpd_port(h);
	/* Three refusals, three clients one after the other. A client turned
	 * away sees its connection end when the spare handle's socket closes,
	 * which can be before the server's loop is done closing the handle: the
	 * next client then waits for it and asks for memory twice. So 2 or 3
	 * of them are turned away, each at once, and the server goes on. */
	int refused = 0;
	for (int i = 0; i < 3; i++)
		refused += httpd_fetch(port, "/bytes/10") < 0;
	ck_assert_int_ge(refused, 2);
	ck_assert_uint_eq(httpd_turned_away(h), (unsigned)refused);
	ck_assert_int_eq(httpd_fetch(port, "/bytes/10"), 10);

	/* Many at once while the memory runs out: some wait for the spare
	 * handle while it closes; each ends, one way or the other. */
	atomic_store(&fail_left, FAILS);
	struct fetcher f[N];
	pthread_t th[N];
	for (int i = 0; i < N; i++) {
		f[i] = (struct fetcher){.port = port};
		ck_assert_int_eq(pthread_create(&th[i], NULL, fetcher_main, &f[i]), 0);
	}
	int ok = 0, failed = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		if (f[i].got == 20000)
			ok++;
		else
			failed++;
	}
	/* A connection that waited for the spare asks for memory again, so
	 * FAILS refusals turn away at most FAILS clients. */
	ck_assert_int_ge(failed, 1);
	ck_assert_int_le(failed, FAILS);
	ck_assert_int_eq(ok, N - failed);
	ck_assert_uint_eq(httpd_turned_away(h), (unsigned)(refused + failed));
	ck_assert_int_eq(httpd_fetch(port, "/bytes/10"), 10);
	httpd_stop(h);
	httpd_conn_calloc = calloc;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("httpd");
	TCase *tc = tcase_create("server");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, serves_sizes);
	tcase_add_test(tc, latency_and_bandwidth);
	tcase_add_test(tc, concurrent_clients_overlap);
	tcase_add_test(tc, client_hangs_up_mid_transfer);
	tcase_add_test(tc, latencies_out_of_order_and_leavers);
	tcase_add_test(tc, refuse_ends_blocked_fetches);
	tcase_add_test(tc, many_slow_connections_and_stop);
	tcase_add_test(tc, no_memory_turns_clients_away);
	suite_add_tcase(s, tc);
	return support_main(s);
}
