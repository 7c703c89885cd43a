/*
 * serve.h: `simul --serve PORT`, the loopback HTTP server the demos
 * download from (scenarios/lib/httpd.h), alone, for running the lessons'
 * own Python against it. See serve.c.
 */
#ifndef SIMUL_SERVE_H
#define SIMUL_SERVE_H

/* Parse PORT (0..65535, 0: any free port), serve on 127.0.0.1 until SIGINT,
 * SIGTERM or SIGHUP, and return the exit status: 0 after a signal, 2 for a
 * bad port, 1 when it cannot listen. Prints the URL as one line on stdout. */
int serve_main(const char *port);

#endif
