/*
 * co_ctx.h: the bare switch from one stack to another, under co.c's tasks
 * and co_gen.c's generators.
 *
 * On x86-64 it is a few instructions: push the registers a called function
 * must keep, store the stack pointer, load the other one, pop, return. A
 * suspended context is then its stack pointer alone, and a switch makes no
 * system call. swapcontext, the portable way, also saves and restores the
 * signal mask, a system call each way (most of what a switch cost), and
 * keeps a 1 KB ucontext_t per task.
 *
 * swapcontext stays where the short switch is not written (other
 * architectures) and under AddressSanitizer and ThreadSanitizer, which
 * follow swapcontext but not a hand-made switch.
 *
 * A context's entry function must never return: it ends by switching away
 * for good.
 */
#ifndef SIMUL_CO_CTX_H
#define SIMUL_CO_CTX_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CO_CTX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CO_CTX_SANITIZED 1
#endif
#endif

#if defined(__x86_64__) && !defined(CO_CTX_SANITIZED)
#define CO_CTX_SHORT 1
#else
#include <ucontext.h>
#endif

struct co_ctx {
#ifdef CO_CTX_SHORT
	void *sp;
#else
	ucontext_t uc;
#endif
};

/* Bytes below a suspended context's stack pointer that may still hold live
 * data: none after the short switch (a call keeps nothing there); under
 * swapcontext, the x86-64 red zone (128) with room to spare. */
#ifdef CO_CTX_SHORT
#define CO_CTX_MARGIN 0
#else
#define CO_CTX_MARGIN 256
#endif

/* Make ctx run entry() on the stack [base, base + size) when it is first
 * switched to. */
void co_ctx_make(struct co_ctx *ctx, char *base, size_t size, void (*entry)(void));
/* Save where we are in `from` and go on where `to` left off. */
#ifdef CO_CTX_SHORT
void co_ctx_swap(void **save, void *load);
static inline void co_ctx_switch(struct co_ctx *from, struct co_ctx *to)
{
	co_ctx_swap(&from->sp, to->sp);
}
#else
void co_ctx_switch(struct co_ctx *from, struct co_ctx *to);
#endif
/* The stack pointer of a suspended context (everything the switch itself
 * pushed lies above it). */
char *co_ctx_sp(const struct co_ctx *ctx);
/* "switch" or "swapcontext": what this build switches with. */
const char *co_ctx_kind(void);

#endif
