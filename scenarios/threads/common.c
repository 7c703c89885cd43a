/*
 * common.c: the pieces the threads module's demos share (see common.h).
 */
#include "threads/common.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"

int threads_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, THREADS_STACK);
	int rc = pthread_create(th, &a, fn, arg);
	pthread_attr_destroy(&a);
	return rc;
}

double threads_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

int threads_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void *stop_watch_main(void *arg)
{
	struct stop_watch *w = arg;
	struct timespec tick = {0, 10 * (long)NS_PER_MS};
	while (!atomic_load(&w->done)) {
		if (run_stopping(w->run)) {
			httpd_refuse(w->h);
			break;
		}
		nanosleep(&tick, NULL);
	}
	return NULL;
}

int stop_watch_start(struct stop_watch *w, struct run *run, struct httpd *h)
{
	w->run = run;
	w->h = h;
	atomic_store(&w->done, 0);
	int rc = threads_start(&w->th, stop_watch_main, w);
	w->started = rc == 0;
	if (rc != 0)
		run_fail(run, "could not start the thread that watches for a stop: %s", strerror(rc));
	return rc;
}

void stop_watch_end(struct stop_watch *w)
{
	atomic_store(&w->done, 1);
	if (w->started)
		pthread_join(w->th, NULL);
	w->started = 0;
}

void threads_sched_self(uint64_t *cpu_ns, uint64_t *run_delay_ns)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	uint64_t cpu = 0, delay = 0;
	if (f) {
		if (fscanf(f, "%" SCNu64 " %" SCNu64, &cpu, &delay) != 2)
			cpu = delay = 0;
		fclose(f);
	}
	*cpu_ns = cpu;
	*run_delay_ns = delay;
}

int threads_panel_wrap(struct run *run, int line, const char *text, int width)
{
	char buf[RUN_PANEL_WIDTH];
	if (width >= RUN_PANEL_WIDTH)
		width = RUN_PANEL_WIDTH - 1;
	while (*text != '\0' && line < RUN_PANEL_LINES) {
		int n = (int)strlen(text);
		if (n > width) {
			n = width;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0)
				n = width;
		}
		snprintf(buf, sizeof(buf), "%.*s", n, text);
		run_panel_set(run, line++, NULL, buf);
		text += n;
		while (*text == ' ')
			text++;
	}
	return line;
}
