/*
 * pace.c: slow motion, pause and step of the real run (see pace.h).
 *
 * One mapping per process (the lesson clock's, clock.h) under `mu`; every
 * change is published to this process's clock and to the shared blocks of
 * the children's trace rings (trace_shm_set_pace) before any child is
 * continued, so a child reads the new mapping as soon as it runs again.
 */
#include "pace.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "trace.h"

#define PACE_POLL_NS (20 * NS_PER_MS) /* a sleeper's look at a paused clock */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static struct clock_map map = {.speed = 1.0};
static int *pidfds;
static size_t npidfds, cappidfds;

static _Atomic int owner;        /* pace_begin was called in this process */
static pthread_t owner_thread;   /* never blocks in a gate */
_Atomic int pace_flag_paused; /* the run is paused (the gate is closed) */
_Atomic int pace_flag_step;   /* a step waits for its event */
static uint64_t step_base;       /* children's events when it began (owner's thread) */

static void init_once(void)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &ca);
	pthread_condattr_destroy(&ca);
}

int pace_speed_ok(double speed)
{
	return isfinite(speed) && speed >= CLOCK_SPEED_MIN - 1e-12 && speed <= CLOCK_SPEED_MAX + 1e-12;
}

int pace_speed_parse(const char *s, double *speed)
{
	char *end;
	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno != 0)
		return -1;
	if (*end == '%') {
		v /= 100.0;
		end++;
	} else if (*end == '/') {
		char *e2;
		double d = strtod(end + 1, &e2);
		if (e2 == end + 1 || d <= 0)
			return -1;
		v /= d;
		end = e2;
	}
	if (*end != '\0' || !pace_speed_ok(v))
		return -1;
	*speed = v;
	return 0;
}

/* Under mu. */
static void publish(void)
{
	clock_map_set(&map);
	trace_shm_set_pace(&map);
}

static void signal_children(int sig)
{
	for (size_t i = 0; i < npidfds; i++)
		if (pidfds[i] >= 0)
			(void)syscall(SYS_pidfd_send_signal, pidfds[i], sig, NULL, 0);
}

static void pause_locked(void)
{
	if (map.paused_since != 0)
		return;
	map.paused_since = clock_real_ns();
	publish();
	atomic_store(&pace_flag_paused, 1);
	signal_children(SIGSTOP);
	pthread_cond_broadcast(&cv);
}

static void resume_locked(void)
{
	if (map.paused_since == 0)
		return;
	map.paused_ns += clock_real_ns() - map.paused_since;
	map.paused_since = 0;
	publish();
	signal_children(SIGCONT);
	atomic_store(&pace_flag_paused, 0);
	pthread_cond_broadcast(&cv);
}

static void forget_children_locked(void)
{
	for (size_t i = 0; i < npidfds; i++)
		if (pidfds[i] >= 0)
			close(pidfds[i]);
	npidfds = 0;
}

void pace_begin(double speed)
{
	pthread_once(&once, init_once);
	pthread_mutex_lock(&mu);
	resume_locked();
	forget_children_locked();
	uint64_t real = clock_real_ns();
	uint64_t lesson = clock_lesson_of(real); /* the clock never goes back */
	map.speed = pace_speed_ok(speed) ? speed : 1.0;
	map.real0 = real;
	map.lesson0 = lesson;
	map.paused_ns = 0;
	map.paused_since = 0;
	atomic_store(&pace_flag_step, 0);
	owner_thread = pthread_self();
	atomic_store(&owner, 1);
	publish();
	pthread_mutex_unlock(&mu);
}

void pace_end(void)
{
	pthread_once(&once, init_once);
	pthread_mutex_lock(&mu);
	atomic_store(&pace_flag_step, 0);
	resume_locked();
	forget_children_locked();
	free(pidfds);
	pidfds = NULL;
	cappidfds = 0;
	pthread_mutex_unlock(&mu);
}

void pace_pause(void)
{
	pthread_once(&once, init_once);
	pthread_mutex_lock(&mu);
	atomic_store(&pace_flag_step, 0);
	pause_locked();
	pthread_mutex_unlock(&mu);
}

void pace_resume(void)
{
	pthread_once(&once, init_once);
	pthread_mutex_lock(&mu);
	atomic_store(&pace_flag_step, 0);
	resume_locked();
	pthread_mutex_unlock(&mu);
}

void pace_step(void)
{
	pthread_once(&once, init_once);
	pthread_mutex_lock(&mu);
	if (map.paused_since != 0) {
		step_base = trace_shm_work();
		atomic_store(&pace_flag_step, 1);
		resume_locked();
	}
	pthread_mutex_unlock(&mu);
}

int pace_paused(void)
{
	return atomic_load(&pace_flag_paused);
}

int pace_stepping(void)
{
	return atomic_load(&pace_flag_step);
}

uint64_t pace_paused_ns(void)
{
	pthread_mutex_lock(&mu);
	uint64_t p = map.paused_ns;
	if (map.paused_since != 0)
		p += clock_real_ns() - map.paused_since;
	pthread_mutex_unlock(&mu);
	return p;
}

double pace_speed(void)
{
	struct clock_map m;
	clock_map_get(&m);
	return m.speed;
}

void pace_watch_pid(pid_t pid)
{
	if (!atomic_load(&owner) || pid <= 0)
		return;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return; /* gone already, or no pidfd: it cannot be paused */
	pthread_mutex_lock(&mu);
	if (npidfds == cappidfds) {
		size_t cap = cappidfds ? 2 * cappidfds : 16;
		int *n = realloc(pidfds, cap * sizeof(*n));
		if (n == NULL) {
			pthread_mutex_unlock(&mu);
			close(fd);
			return;
		}
		pidfds = n;
		cappidfds = cap;
	}
	pidfds[npidfds++] = fd;
	if (map.paused_since != 0)
		(void)syscall(SYS_pidfd_send_signal, fd, SIGSTOP, NULL, 0);
	pthread_mutex_unlock(&mu);
}

static void end_step(void)
{
	if (atomic_load(&pace_flag_step) && atomic_exchange(&pace_flag_step, 0)) {
		pthread_mutex_lock(&mu);
		pause_locked();
		pthread_mutex_unlock(&mu);
	}
}

void pace_step_check(void)
{
	if (atomic_load(&pace_flag_step) && trace_shm_work() != step_base)
		end_step();
}

uint64_t pace_holdback_credit(uint64_t real_ns)
{
	struct clock_map m;
	clock_map_get(&m);
	if (m.paused_since != 0)
		return real_ns;
	return real_ns - clock_map_lesson_span(&m, real_ns);
}

void pace_wake(void)
{
	pthread_once(&once, init_once);
	pthread_mutex_lock(&mu);
	atomic_store(&pace_flag_step, 0);
	resume_locked();
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static int may_block(void)
{
	return atomic_load_explicit(&owner, memory_order_relaxed) &&
	       !pthread_equal(pthread_self(), owner_thread);
}

static void wait_open(void)
{
	pthread_once(&once, init_once);
	pthread_mutex_lock(&mu);
	while (atomic_load(&pace_flag_paused))
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

void pace_gate_slow(void)
{
	if (!may_block())
		return;
	if (atomic_load(&pace_flag_paused))
		wait_open();
	end_step();
}

void pace_hold(void)
{
	if (atomic_load_explicit(&pace_flag_paused, memory_order_relaxed) && may_block())
		wait_open();
}

int pace_sleep_ns(uint64_t lesson_ns, atomic_int *stop)
{
	struct clock_map m;
	pthread_once(&once, init_once);
	clock_map_get(&m);
	uint64_t deadline = clock_map_lesson(&m, clock_real_ns()) + lesson_ns;
	int rc = -1;
	pthread_mutex_lock(&mu);
	while (stop == NULL || !atomic_load(stop)) {
		clock_map_get(&m);
		uint64_t real = clock_real_ns();
		uint64_t now = clock_map_lesson(&m, real);
		if (now >= deadline) {
			rc = 0;
			break;
		}
		uint64_t wait = m.paused_since ? PACE_POLL_NS : clock_map_real_span(&m, deadline - now);
		if (wait > 3600 * NS_PER_S)
			wait = 3600 * NS_PER_S;
		uint64_t until = real + wait;
		struct timespec ts = {(time_t)(until / NS_PER_S), (long)(until % NS_PER_S)};
		pthread_cond_timedwait(&cv, &mu, &ts);
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

uint64_t pace_real_ns(uint64_t lesson_ns)
{
	struct clock_map m;
	clock_map_get(&m);
	return clock_map_real_span(&m, lesson_ns);
}

uint64_t pace_real_ms_until(uint64_t lesson_deadline_ns)
{
	struct clock_map m;
	clock_map_get(&m);
	uint64_t now = clock_map_lesson(&m, clock_real_ns());
	if (now >= lesson_deadline_ns)
		return 0;
	if (m.paused_since != 0)
		return PACE_POLL_NS / NS_PER_MS;
	/* Within a libuv timer's granularity (1 ms, which it may fire early
	 * by) it is due; else the nearest ms. */
	uint64_t real = clock_map_real_span(&m, lesson_deadline_ns - now);
	return real < NS_PER_MS ? 0 : (real + NS_PER_MS / 2) / NS_PER_MS;
}

uint64_t pace_due_until(void)
{
	struct clock_map m;
	clock_map_get(&m);
	uint64_t now = clock_map_lesson(&m, clock_real_ns());
	if (m.paused_since != 0)
		return now;
	/* Due when the real span left is under a ms: under speed x 1 ms of
	 * lesson time. */
	uint64_t span = clock_map_lesson_span(&m, NS_PER_MS);
	return now + (span > 0 ? span - 1 : 0);
}

double pace_cycles(void)
{
	struct clock_map m;
	clock_map_get(&m);
	return 1.0 / m.speed;
}
