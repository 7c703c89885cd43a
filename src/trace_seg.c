/*
 * trace_seg.c: the recorder's ring segments (see trace_int.h and trace.c):
 * mapping them, the budget for those beyond each ring's first, and a small
 * pool of drained ones kept for the next producer that fills one.
 *
 * A segment is 4 MiB of address space whose pages the kernel brings in
 * when they are first written: a page fault every 128 events, each about
 * a microsecond in a virtual machine, which a producer writing into fresh
 * memory pays on top of its writes (doc/performance.md has the figures).
 * So the drain, which looks at every ring anyway, brings pages in ahead of
 * the producers (MADV_POPULATE_WRITE, Linux 5.14; elsewhere the producer
 * faults them in as before), before it reads any event: in a ring's
 * current segment, twice what the ring wrote since the drain before; all
 * of it, and a pool of segments all in memory for the next one to fill,
 * when the ring wrote an eighth of a segment or more since then (or filled
 * one), since a drain that comes late would find it full. Nothing of this
 * is on the producer's path. A thread that writes a few events still costs
 * a page or two: only what a ring has written says how far ahead to go.
 */
#include <errno.h>
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
static _Atomic int warm_off; /* the kernel cannot bring pages in ahead */

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
	s->warm = 0;
	seg_rewind(s);
	bytes_add(SEG_BYTES);
	return s;
}

/* Bytes from a segment's start to the end of its slot n - 1. */
static size_t slots_end(uint64_t n)
{
	return offsetof(struct seg, ev) + (size_t)(n < SEG_CAP ? n : SEG_CAP) * SLOT_BYTES;
}

void seg_warm(struct seg *s, uint64_t head, uint64_t n)
{
	static size_t page;
	if (page == 0)
		page = (size_t)sysconf(_SC_PAGESIZE);
	if (s->warm >= SEG_BYTES)
		return;
	if (slots_end(head) > s->warm)
		s->warm = slots_end(head);
	size_t upto = n >= SEG_CAP ? SEG_BYTES : (slots_end(n) + page - 1) / page * page;
	if (upto <= s->warm || atomic_load_explicit(&warm_off, memory_order_relaxed))
		return;
	size_t from = s->warm / page * page;
#ifdef MADV_POPULATE_WRITE
	/* Pages there already cost a page-table walk; a page the producer
	 * writes meanwhile is the kernel's business, not a race. */
	if (madvise((char *)s + from, upto - from, MADV_POPULATE_WRITE) == 0) {
		s->warm = upto;
		return;
	}
	if (errno == EINVAL || errno == ENOSYS) /* a kernel before 5.14 */
		atomic_store(&warm_off, 1);
#else
	(void)from;
	atomic_store(&warm_off, 1);
#endif
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
	size_t written = slots_end(atomic_load(&s->head)); /* in memory: the producer was there */
	if (written > s->warm)
		s->warm = written;
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

void seg_pool_fill(void)
{
	for (;;) {
		pthread_mutex_lock(&segs_mu);
		size_t have = nseg_pool;
		pthread_mutex_unlock(&segs_mu);
		if (have >= SEG_POOL || atomic_load_explicit(&warm_off, memory_order_relaxed) ||
		    atomic_load(&extra_bytes) + SEG_BYTES > budget_now())
			return; /* full, no way to fill it ahead, or no ring may grow */
		struct seg *g = seg_map();
		if (g == NULL)
			return;
		seg_warm(g, 0, SEG_CAP);
		pthread_mutex_lock(&segs_mu);
		if (nseg_pool < SEG_POOL) {
			seg_pool[nseg_pool++] = g;
			g = NULL;
		}
		pthread_mutex_unlock(&segs_mu);
		if (g != NULL) {
			seg_unmap(g);
			return;
		}
	}
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
