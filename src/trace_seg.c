/*
 * trace_seg.c: the recorder's ring segments (see trace_int.h and trace.c):
 * mapping them, the budget for those beyond each ring's first, and a small
 * pool of drained ones kept for the next producer that fills one.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trace_int.h"

#define SEG_POOL 2 /* drained segments kept for the next producer that fills one */
#define BUDGET_MAX ((size_t)1 << 30)

/* Segments beyond each ring's first, and drained ones kept for reuse. */
static pthread_mutex_t segs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct seg *seg_pool[SEG_POOL];
static size_t nseg_pool;
static _Atomic size_t extra_bytes, mapped_bytes, peak_bytes;
static _Atomic size_t budget;

static void bytes_add(size_t n)
{
	size_t now = atomic_fetch_add(&mapped_bytes, n) + n;
	size_t peak = atomic_load(&peak_bytes);
	while (now > peak && !atomic_compare_exchange_weak(&peak_bytes, &peak, now))
		;
}

void seg_rewind(struct seg *s)
{
	atomic_store(&s->head, 0);
	s->tail_cache = 0;
	atomic_store(&s->tail, 0);
	atomic_store(&s->dropped, 0);
	atomic_store(&s->written, 0);
	atomic_store(&s->next, NULL);
}

struct seg *seg_map(void)
{
	void *m = mmap(NULL, SEG_BYTES, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	struct seg *s = m;
	s->magic = SEG_MAGIC;
	s->cap = SEG_CAP;
	seg_rewind(s);
	bytes_add(SEG_BYTES);
	return s;
}

void seg_unmap(struct seg *s)
{
	munmap(s, SEG_BYTES);
	atomic_fetch_sub(&mapped_bytes, SEG_BYTES);
}

static size_t budget_now(void)
{
	size_t b = atomic_load_explicit(&budget, memory_order_relaxed);
	if (b != 0)
		return b;
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	b = pages > 0 && size > 0 ? (size_t)pages / 4 * (size_t)size : BUDGET_MAX;
	return b < BUDGET_MAX ? b : BUDGET_MAX;
}

void trace_set_ring_budget(size_t bytes)
{
	atomic_store(&budget, bytes);
}

struct seg *seg_extra(void)
{
	if (atomic_fetch_add(&extra_bytes, SEG_BYTES) + SEG_BYTES > budget_now()) {
		atomic_fetch_sub(&extra_bytes, SEG_BYTES);
		return NULL;
	}
	struct seg *g = NULL;
	pthread_mutex_lock(&segs_mu);
	if (nseg_pool > 0)
		g = seg_pool[--nseg_pool];
	pthread_mutex_unlock(&segs_mu);
	if (g == NULL && (g = seg_map()) == NULL) {
		atomic_fetch_sub(&extra_bytes, SEG_BYTES);
		return NULL;
	}
	return g;
}

void seg_release(struct seg *s)
{
	atomic_fetch_sub(&extra_bytes, SEG_BYTES);
	seg_rewind(s);
	pthread_mutex_lock(&segs_mu);
	if (nseg_pool < SEG_POOL) {
		seg_pool[nseg_pool++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&segs_mu);
	if (s != NULL)
		seg_unmap(s);
}

void seg_peak_reset(void)
{
	atomic_store(&peak_bytes, atomic_load(&mapped_bytes));
}

size_t trace_ring_bytes(size_t *peak)
{
	if (peak != NULL)
		*peak = atomic_load(&peak_bytes);
	return atomic_load(&mapped_bytes);
}
