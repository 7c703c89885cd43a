/*
 * sampler.c: a thread that sweeps /proc for each watched thread's schedstat.
 */
#include "sampler.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "load.h"
#include "procstat.h"
#include "xalloc.h"
#include "trace.h"

#define MAX_PIDS 4096
#define BUDGET 0.02 /* share of one core the sampler may use */
/* The machine's other load (load.h) is sampled this often, and "recent"
 * spans the last LOAD_RING - 1 samples: about one second. */
#define LOAD_EVERY_NS (250 * NS_PER_MS)
#define LOAD_RING 5

struct thr {
	pid_t pid, tid;
	int sched_fd, stat_fd;
	uint64_t run, wait, t;
	int core;
	int seen; /* found in the last directory scan */
	int wchan_fd; /* SAMPLER_FUTEX threads only, else -1 */
	int kw;       /* blocked on a futex at the last sweep (a KWAIT is open) */
};

struct sampler {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	uint64_t period_ns, min_period_ns;

	pid_t pids[MAX_PIDS];
	unsigned pid_flags[MAX_PIDS];
	int npids;

	struct thr *thr;
	size_t nthr, capthr;

	uint64_t sweeps, reads, start_ns, cpu_ns;
	struct procstat stat0;

	/* Other load: the first snapshot, the last LOAD_RING (guarded by mu
	 * once published: so_far and recent). */
	struct load_snap load0, ring[LOAD_RING];
	unsigned nring;
	double load_so_far, load_recent;
};

int sampler_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static int pread_all(int fd, char *buf, size_t n)
{
	ssize_t r = pread(fd, buf, n - 1, 0);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	return 0;
}

static int parse_schedstat(const char *buf, uint64_t *run, uint64_t *wait)
{
	unsigned long long a, b;
	if (sscanf(buf, "%llu %llu", &a, &b) != 2)
		return -1;
	*run = a;
	*wait = b;
	return 0;
}

/* Field 39 of /proc/<pid>/task/<tid>/stat: the core it last ran on. */
static int parse_core(const char *buf)
{
	const char *p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	p++;
	/* After ")" come fields 3.. separated by spaces; field 39 is the 37th. */
	for (int field = 3; field < 39 && p; field++) {
		p = strchr(p + 1, ' ');
	}
	if (p == NULL)
		return -1;
	return atoi(p + 1);
}

static struct thr *thr_find(struct sampler *s, pid_t pid, pid_t tid)
{
	for (size_t i = 0; i < s->nthr; i++)
		if (s->thr[i].pid == pid && s->thr[i].tid == tid)
			return &s->thr[i];
	return NULL;
}

static void thr_add(struct sampler *s, pid_t pid, pid_t tid, unsigned flags)
{
	char path[96];
	if (s->nthr == s->capthr) {
		size_t cap = s->capthr ? s->capthr * 2 : 64;
		s->thr = xreallocarray(s->thr, cap, sizeof(*s->thr));
		s->capthr = cap;
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	int fd2 = open(path, O_RDONLY | O_CLOEXEC);
	if (fd2 < 0) {
		close(fd);
		return;
	}
	struct thr *t = &s->thr[s->nthr];
	char buf[512];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	t->sched_fd = fd;
	t->stat_fd = fd2;
	t->core = -1;
	t->seen = 1;
	t->wchan_fd = -1;
	if (flags & SAMPLER_FUTEX) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", (int)pid, (int)tid);
		t->wchan_fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	t->t = clock_real_ns();
	if (pread_all(fd, buf, sizeof(buf)) == 0)
		parse_schedstat(buf, &t->run, &t->wait);
	s->nthr++;
}

static void thr_close(struct thr *t)
{
	close(t->sched_fd);
	close(t->stat_fd);
	if (t->wchan_fd >= 0)
		close(t->wchan_fd);
}

static void thr_drop(struct sampler *s, size_t i)
{
	struct thr *t = &s->thr[i];
	if (t->kw)
		trace_raw(clock_lesson_of(clock_real_ns()), TRACE_EV_KWAIT, -1, 0, 0, (uint32_t)t->pid,
		          (uint32_t)t->tid);
	thr_close(t);
	s->thr[i] = s->thr[--s->nthr];
}

static void scan_pid(struct sampler *s, pid_t pid, unsigned flags)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		pid_t tid = (pid_t)atoi(de->d_name);
		struct thr *t = thr_find(s, pid, tid);
		if (t != NULL)
			t->seen = 1;
		else
			thr_add(s, pid, tid, flags);
	}
	closedir(d);
}

/* Whether the thread is asleep in the kernel on a futex now: its state (S
 * or D, field 3 of stat) and where it sleeps (wchan). */
static int in_futex(const struct thr *t)
{
	char buf[512];
	if (pread_all(t->stat_fd, buf, sizeof(buf)) != 0)
		return 0;
	const char *p = strrchr(buf, ')');
	if (p == NULL || (p[2] != 'S' && p[2] != 'D'))
		return 0;
	if (pread_all(t->wchan_fd, buf, 64) != 0)
		return 0;
	return strncmp(buf, "futex", 5) == 0;
}

/*
 * A SAMPLER_FUTEX thread: open a KWAIT when it went to sleep on a futex,
 * close it when it woke. Over the interval since the last sweep it slept
 * dt - ran - waited; a sleep that began is placed at the interval's end, one
 * that ended at its start, and a wake-up between two futex sleeps in its
 * middle.
 */
static void futex_step(struct thr *t, uint64_t run, uint64_t wait, uint64_t now)
{
	uint64_t dt = now - t->t;
	uint64_t awake = (run > t->run ? run - t->run : 0) + (wait > t->wait ? wait - t->wait : 0);
	uint64_t slept = dt > awake ? dt - awake : 0;
	int kw = in_futex(t);
	uint32_t pid = (uint32_t)t->pid, tid = (uint32_t)t->tid;
	if (kw && !t->kw) {
		trace_raw(clock_lesson_of(now - slept), TRACE_EV_KWAIT, -1, 1, 0, pid, tid);
	} else if (!kw && t->kw) {
		trace_raw(clock_lesson_of(t->t + slept), TRACE_EV_KWAIT, -1, 0, 0, pid, tid);
	} else if (kw && awake > 0) {
		uint64_t woke = t->t + slept / 2;
		trace_raw(clock_lesson_of(woke), TRACE_EV_KWAIT, -1, 0, 0, pid, tid);
		trace_raw(clock_lesson_of(woke + awake), TRACE_EV_KWAIT, -1, 1, 0, pid, tid);
	}
	t->kw = kw;
}

/* Every LOAD_EVERY_NS, a snapshot of the machine's and our CPU (kids: the
 * watched children), and the other load so far and over the last second. */
static void load_sample(struct sampler *s, const pid_t *kids, int nkids)
{
	const struct load_snap *last = s->nring ? &s->ring[(s->nring - 1) % LOAD_RING] : &s->load0;
	if (clock_real_ns() < last->t_ns + LOAD_EVERY_NS)
		return;
	struct load_snap *now = &s->ring[s->nring % LOAD_RING];
	load_snap_take(now, kids, nkids);
	s->nring++;
	const struct load_snap *oldest = s->nring > LOAD_RING ? &s->ring[s->nring % LOAD_RING] : &s->load0;
	double so_far = load_other(&s->load0, now), recent = load_other(oldest, now);
	pthread_mutex_lock(&s->mu);
	s->load_so_far = so_far;
	s->load_recent = recent;
	pthread_mutex_unlock(&s->mu);
}

static void sweep(struct sampler *s, pid_t self_tid)
{
	char buf[1024];
	pid_t pids[MAX_PIDS];
	unsigned flags[MAX_PIDS];
	int npids;

	pthread_mutex_lock(&s->mu);
	npids = s->npids;
	memcpy(pids, s->pids, sizeof(pid_t) * (size_t)npids);
	memcpy(flags, s->pid_flags, sizeof(unsigned) * (size_t)npids);
	pthread_mutex_unlock(&s->mu);

	for (size_t i = 0; i < s->nthr; i++)
		s->thr[i].seen = 0;
	for (int p = 0; p < npids; p++)
		scan_pid(s, pids[p], flags[p]);
	load_sample(s, pids + 1, npids - 1);

	for (size_t i = 0; i < s->nthr;) {
		struct thr *t = &s->thr[i];
		uint64_t run, wait;
		if (!t->seen || pread_all(t->sched_fd, buf, sizeof(buf)) != 0 ||
		    parse_schedstat(buf, &run, &wait) != 0) {
			thr_drop(s, i);
			continue;
		}
		s->reads++;
		/* schedstat counts real ns: intervals are found in real time and
		 * stamped in lesson time (clock.h). */
		uint64_t now = clock_real_ns();
		if (t->tid != self_tid) {
			uint64_t dw = wait > t->wait ? wait - t->wait : 0;
			if (dw > 0) {
				uint64_t span = now - t->t;
				if (dw > span)
					dw = span;
				trace_raw(clock_lesson_of(now - dw), TRACE_EV_PREEMPT, -1, 1, 0, (uint32_t)t->pid,
				          (uint32_t)t->tid);
				trace_raw(clock_lesson_of(now), TRACE_EV_PREEMPT, -1, 0, 0, (uint32_t)t->pid,
				          (uint32_t)t->tid);
			}
			if (t->wchan_fd >= 0)
				futex_step(t, run, wait, now);
			if (run > t->run && pread_all(t->stat_fd, buf, sizeof(buf)) == 0) {
				int core = parse_core(buf);
				if (core >= 0 && core != t->core) {
					uint64_t ran = run - t->run < now - t->t ? run - t->run : now - t->t;
					trace_raw(clock_lesson_of(now - ran), TRACE_EV_CORE, -1, 0, core,
					          (uint32_t)t->pid, (uint32_t)t->tid);
					t->core = core;
				}
			}
		}
		t->run = run;
		t->wait = wait;
		t->t = now;
		i++;
	}
	s->sweeps++;
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	pid_t self_tid = gettid();

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		pthread_mutex_unlock(&s->mu);
		uint64_t c0 = clock_thread_cpu_real_ns();
		sweep(s, self_tid);
		uint64_t cost = clock_thread_cpu_real_ns() - c0;
		/* Keep the sampler within its budget of one core. */
		uint64_t want = (uint64_t)((double)cost / BUDGET);
		s->period_ns = want > s->min_period_ns ? want : s->min_period_ns;
		if (s->period_ns > 500 * NS_PER_MS)
			s->period_ns = 500 * NS_PER_MS;
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		uint64_t ns = (uint64_t)until.tv_nsec + s->period_ns;
		until.tv_sec += (time_t)(ns / NS_PER_S);
		until.tv_nsec = (long)(ns % NS_PER_S);
		pthread_mutex_lock(&s->mu);
		while (!s->stop) {
			if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT)
				break;
		}
	}
	pthread_mutex_unlock(&s->mu);
	s->cpu_ns = clock_thread_cpu_real_ns();
	return NULL;
}

int sampler_start(struct sampler **out, int hz)
{
	struct sampler *s = xcalloc(1, sizeof(*s));
	pthread_condattr_t ca;
	if (hz <= 0)
		hz = SAMPLER_DEFAULT_HZ;
	s->min_period_ns = NS_PER_S / (uint64_t)hz;
	s->period_ns = s->min_period_ns;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	s->pids[s->npids++] = getpid();
	s->start_ns = clock_real_ns();
	procstat_read(&s->stat0);
	load_snap_take(&s->load0, NULL, 0);
	s->load_so_far = s->load_recent = -1;
	int rc = pthread_create(&s->thread, NULL, sampler_main, s);
	if (rc != 0) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s);
		return -rc;
	}
	*out = s;
	return 0;
}

void sampler_watch(struct sampler *s, pid_t pid)
{
	sampler_watch_flags(s, pid, 0);
}

void sampler_watch_flags(struct sampler *s, pid_t pid, unsigned flags)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	/* Forget children that have gone, then add this one. */
	int k = 1;
	for (int i = 1; i < s->npids; i++) {
		char path[32];
		snprintf(path, sizeof(path), "/proc/%d", (int)s->pids[i]);
		if (access(path, F_OK) == 0) {
			s->pid_flags[k] = s->pid_flags[i];
			s->pids[k++] = s->pids[i];
		}
	}
	s->npids = k;
	if (s->npids < MAX_PIDS) {
		s->pid_flags[s->npids] = flags;
		s->pids[s->npids++] = pid;
	}
	pthread_mutex_unlock(&s->mu);
}

void sampler_load(struct sampler *s, double *so_far, double *recent)
{
	pthread_mutex_lock(&s->mu);
	*so_far = s->load_so_far;
	*recent = s->load_recent;
	pthread_mutex_unlock(&s->mu);
}

int sampler_kids(struct sampler *s, pid_t *out, int max)
{
	pthread_mutex_lock(&s->mu);
	int n = s->npids - 1 < max ? s->npids - 1 : max;
	if (n > 0)
		memcpy(out, s->pids + 1, sizeof(pid_t) * (size_t)n);
	pthread_mutex_unlock(&s->mu);
	return n > 0 ? n : 0;
}

void sampler_stop(struct sampler *s, struct sampler_stats *st)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	if (st != NULL) {
		struct procstat now;
		uint64_t life = clock_real_ns() - s->start_ns;
		memset(st, 0, sizeof(*st));
		st->sweeps = s->sweeps;
		st->reads = s->reads;
		st->cpu_ns = s->cpu_ns;
		st->mean_hz = life ? (double)s->sweeps * 1e9 / (double)life : 0;
		st->sweep_us = s->sweeps ? (double)s->cpu_ns / 1e3 / (double)s->sweeps : 0;
		procstat_read(&now);
		int n = now.ncores < s->stat0.ncores ? now.ncores : s->stat0.ncores;
		if (n > SAMPLER_MAX_CORES)
			n = SAMPLER_MAX_CORES;
		st->ncores = n;
		for (int i = 0; i < n; i++) {
			uint64_t dt = now.core_total[i] - s->stat0.core_total[i];
			st->core_busy[i] =
			    dt ? (double)(now.core_busy[i] - s->stat0.core_busy[i]) / (double)dt : 0;
		}
	}
	for (size_t i = 0; i < s->nthr; i++)
		thr_close(&s->thr[i]);
	free(s->thr);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
