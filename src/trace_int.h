/*
 * trace_int.h: what trace.c, trace_seg.c, trace_task.c and trace_fmt.c
 * share inside the recorder: the layout of a ring segment and the calls on
 * segments, whether recording is on.
 */
#ifndef SIMUL_TRACE_INT_H
#define SIMUL_TRACE_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "trace.h"

#define SLOT_BYTES ((unsigned)sizeof(struct trace_event))
#define SEG_CAP 131072u /* slots (4 MiB of address space, touched only where written) */
#define SEG_MAGIC 0x53696d53u

/* The clock of a slot's t_ns, in the top bits of its type. */
#define STAMP_LESSON 0x00u /* lesson ns already */
#define STAMP_REAL 0x40u   /* CLOCK_MONOTONIC ns */
#define STAMP_TSC 0x80u    /* time stamp counter ticks */
#define STAMP_MASK 0xc0u

/* One segment of a ring: a circular buffer of SEG_CAP slots behind a header
 * whose lines are the producer's and the consumer's (trace.c says who owns
 * what). A child's ring is one segment in shared memory. */
struct seg {
	uint32_t magic;
	uint32_t cap;
	_Atomic uint32_t stamp; /* a child's ring: STAMP_TSC when the parent reads the counter */
	char pad0[64 - 12];
	/* the lesson clock, for the child process that writes a shm ring */
	struct clock_pace pace;
	_Atomic uint64_t work; /* a child's state changes and prints (a step waits for one) */
	char padp[128 - sizeof(struct clock_pace) - 8];
	/* producer's line */
	_Atomic uint64_t head;
	uint64_t tail_cache;
	_Atomic uint64_t dropped;
	_Atomic uint64_t written;
	uint64_t last_tsc; /* the newest counter stamp: stamps never go back within a ring */
	char pad1[64 - 40];
	/* consumer's line (and the producer's one link, once) */
	_Atomic uint64_t tail;
	_Atomic(struct seg *) next; /* the producer went on there; never in shared memory */
	size_t warm; /* bytes from the start known to be in memory (the drain's, seg_warm) */
	char pad2[64 - 16 - sizeof(size_t)];
	struct trace_event ev[];
};

#define SEG_BYTES (sizeof(struct seg) + SEG_CAP * sizeof(struct trace_event))

_Static_assert(sizeof(struct trace_event) == 32, "a ring slot is 32 bytes");

/* ---- segments (trace_seg.c) ---- */

/* Empty the segment and zero its counts; only while nobody produces into it. */
void seg_rewind(struct seg *s);
/* A ring's first segment, mapped now (NULL when mmap fails). */
struct seg *seg_map(void);
void seg_unmap(struct seg *s);
/* A segment beyond a ring's first, counted against the budget: one the
 * drain gave back, else a new one; NULL when the budget is spent. */
struct seg *seg_extra(void);
/* The drain is done with a segment from seg_extra: keep it for reuse or
 * give it back. */
void seg_release(struct seg *s);
/* Have the pages of s's first n slots in memory (all of them when n is
 * SEG_CAP or more), so that its producer takes no page fault there; it
 * has written up to slot head (those pages are in). For the drain, on a
 * segment of this process: the producer may be writing. */
void seg_warm(struct seg *s, uint64_t head, uint64_t n);
/* The drain saw a ring fill fast: have the pool full of segments already
 * in memory, for the next producers that fill theirs. */
void seg_pool_fill(void);
/* The peak of mapped bytes starts again from what is mapped now. */
void seg_peak_reset(void);

/* ---- on or off (trace.c, trace_fmt.c) ---- */

/* Recording on (trace_enable): when off, every call returns at once. */
extern _Atomic int trace_enabled_flag;
#define ENABLED() __builtin_expect(atomic_load_explicit(&trace_enabled_flag, memory_order_relaxed), 1)

/* ---- tasks (trace_task.c) ---- */

/* Forget every task and free their names (trace_reset, no producer
 * running). */
void trace_tasks_reset(void);

#endif
