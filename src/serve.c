/*
 * serve.c: `simul --serve PORT`: the loopback HTTP server the demos download
 * from (scenarios/lib/httpd.h), alone, so that a learner can run a lesson's
 * own Python against the same server the demo used:
 *
 *     simul --serve 8000 &
 *     SIMUL_URL=http://127.0.0.1:8000 python3 loop/gather.py
 *
 * It listens on 127.0.0.1 only, prints its URL as one line on stdout (then
 * flushes, so a script can read it from a pipe), and serves until SIGINT,
 * SIGTERM or SIGHUP, which end it cleanly with status 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"

#include "app.h"
#include "httpd.h"
#include "quote.h"

static int parse_port(const char *s, int *port)
{
	char *end;
	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	long v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int serve_main(const char *port_arg)
{
	struct httpd_options o = {0};
	struct httpd *h;
	sigset_t stop, old;
	int sig, rc;

	if (parse_port(port_arg, &o.port) != 0) {
		char q[QUOTE_MAX];
		fprintf(stderr, "simul: --serve %s: expected a port 0..65535 (0: any free port)\n",
		        quote_arg(port_arg, q, sizeof(q)));
		return APP_EXIT_USAGE;
	}
	/* Block the stop signals before the server's thread starts, so that it
	 * inherits the mask and only sigwait below receives them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	if ((rc = httpd_start(&h, &o)) != 0) {
		fprintf(stderr, "simul: --serve: cannot listen on 127.0.0.1:%d: %s\n", o.port, strerror(-rc));
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return APP_EXIT_FAIL;
	}
	printf("http://127.0.0.1:%d\n", httpd_port(h));
	if (fflush(stdout) != 0) {
		fprintf(stderr, "simul: --serve: cannot write the URL: %s\n", strerror(errno));
		httpd_stop(h);
		return APP_EXIT_FAIL;
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "simul: serving GET /bytes/N?latency_ms=L&kbps=B on 127.0.0.1 until Ctrl-C\n");
	while (sigwait(&stop, &sig) != 0)
		;
	httpd_stop(h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return APP_EXIT_OK;
}
