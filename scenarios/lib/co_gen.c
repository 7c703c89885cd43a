/*
 * co_gen.c: Python-style generators (see co.h): a function that stops at
 * `x = (yield)` and is resumed by send, on a small stack of its own.
 *
 * Unlike co.c's tasks there is no loop and no scheduler: the caller's
 * co_gen_send switches to the generator, its co_gen_receive switches back.
 * One stack switch each way (co_ctx.h): the whole of what a generator
 * coroutine is.
 */
#include "co.h"

#include <stdlib.h>

#include "co_ctx.h"

#define CO_GEN_STACK_SIZE (64 * 1024)

struct co_gen {
	struct co_ctx ctx, caller;
	char *stack;
	co_gen_fn fn;
	void *arg;
	void *value;
	int started, closed, done;
};

static _Thread_local struct co_gen *co_tl_gen;

static void co_gen_trampoline(void)
{
	struct co_gen *g = co_tl_gen;
	g->fn(g, g->arg);
	g->done = 1;
	co_ctx_switch(&g->ctx, &g->caller); /* for good: it is never resumed */
	abort();
}

struct co_gen *co_gen_new(co_gen_fn fn, void *arg)
{
	struct co_gen *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->stack = malloc(CO_GEN_STACK_SIZE);
	if (!g->stack) {
		free(g);
		return NULL;
	}
	g->fn = fn;
	g->arg = arg;
	return g;
}

static void co_gen_enter(struct co_gen *g)
{
	if (g->done)
		return;
	co_tl_gen = g;
	if (!g->started) {
		g->started = 1;
		co_ctx_make(&g->ctx, g->stack, CO_GEN_STACK_SIZE, co_gen_trampoline);
	}
	co_ctx_switch(&g->caller, &g->ctx);
}

void co_gen_send(struct co_gen *g, void *value)
{
	g->value = value;
	co_gen_enter(g);
}

void *co_gen_receive(struct co_gen *g)
{
	co_ctx_switch(&g->ctx, &g->caller);
	return g->closed ? NULL : g->value;
}

void co_gen_close(struct co_gen *g)
{
	g->closed = 1;
	if (g->started)
		co_gen_enter(g);
	g->done = 1;
}

void co_gen_free(struct co_gen *g)
{
	if (!g)
		return;
	free(g->stack);
	free(g);
}
