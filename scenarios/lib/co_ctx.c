/*
 * co_ctx.c: switching stacks (see co_ctx.h): the short switch on x86-64,
 * swapcontext elsewhere.
 */
#include "co_ctx.h"

#include <stdint.h>

#ifdef CO_CTX_SHORT

/* co_ctx_swap(save, load): push what the System V ABI says a function must
 * keep (rbx, rbp, r12-r15, and the SSE and x87 control words), store the
 * stack pointer at *save, take `load` as the stack pointer, pop the same
 * and return to where that context left off. */
__asm__(".text\n"
        ".p2align 4\n"
        ".globl co_ctx_swap\n"
        ".hidden co_ctx_swap\n"
        ".type co_ctx_swap, @function\n"
        "co_ctx_swap:\n"
        "	pushq %rbp\n"
        "	pushq %rbx\n"
        "	pushq %r12\n"
        "	pushq %r13\n"
        "	pushq %r14\n"
        "	pushq %r15\n"
        "	subq $8, %rsp\n"
        "	stmxcsr (%rsp)\n"
        "	fnstcw 4(%rsp)\n"
        "	movq %rsp, (%rdi)\n"
        "	movq %rsi, %rsp\n"
        "	ldmxcsr (%rsp)\n"
        "	fldcw 4(%rsp)\n"
        "	addq $8, %rsp\n"
        "	popq %r15\n"
        "	popq %r14\n"
        "	popq %r13\n"
        "	popq %r12\n"
        "	popq %rbx\n"
        "	popq %rbp\n"
        "	ret\n"
        ".size co_ctx_swap, .-co_ctx_swap\n");

/* A new context's stack, from the top: a null return address for entry
 * (which never returns), entry itself for the first switch's `ret`, six
 * zeroed registers and the control words; entry then starts with the stack
 * aligned as after a call. */
void co_ctx_make(struct co_ctx *ctx, char *base, size_t size, void (*entry)(void))
{
	uintptr_t top = (uintptr_t)(base + size) & ~(uintptr_t)15;
	uintptr_t *sp = (uintptr_t *)top;
	*--sp = 0;
	*--sp = (uintptr_t)entry;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	--sp;
	uint32_t *cw = (uint32_t *)sp;
	__asm__ volatile("stmxcsr %0" : "=m"(cw[0]));
	__asm__ volatile("fnstcw %0" : "=m"(*(uint16_t *)&cw[1]));
	ctx->sp = sp;
}

char *co_ctx_sp(const struct co_ctx *ctx)
{
	return ctx->sp;
}

const char *co_ctx_kind(void)
{
	return "switch";
}

#else

void co_ctx_make(struct co_ctx *ctx, char *base, size_t size, void (*entry)(void))
{
	getcontext(&ctx->uc);
	ctx->uc.uc_stack.ss_sp = base;
	ctx->uc.uc_stack.ss_size = size;
	ctx->uc.uc_link = NULL;
	makecontext(&ctx->uc, entry, 0);
}

void co_ctx_switch(struct co_ctx *from, struct co_ctx *to)
{
	swapcontext(&from->uc, &to->uc);
}

/* Read from the context after the switch, so that everything the switch
 * itself put on the stack (a sanitizer's swapcontext wrapper keeps a frame
 * there) is above it. */
char *co_ctx_sp(const struct co_ctx *ctx)
{
#if defined(__x86_64__)
	return (char *)ctx->uc.uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
	return (char *)ctx->uc.uc_mcontext.sp;
#else
#error "co_ctx.c: add this architecture's stack pointer in ucontext_t"
#endif
}

const char *co_ctx_kind(void)
{
	return "swapcontext";
}

#endif
