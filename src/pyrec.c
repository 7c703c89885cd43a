/*
 * pyrec.c: the Python agent's record format (see pyrec.h).
 */
#include "pyrec.h"

#include <string.h>

static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const unsigned char *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}
static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

long pyrec_parse(const void *buf, size_t len, struct pyrec *out)
{
	const unsigned char *p = buf;
	if (len < 2)
		return 0;
	size_t n = get16(p);
	if (n < PYREC_HEADER || n > PYREC_MAX)
		return -1;
	if (len < PYREC_HEADER)
		return 0;
	int type = p[2];
	if (type < PYREC_HELLO || type > PYREC_TYPE_MAX)
		return -1;
	if (type == PYREC_STATE && p[3] >= PYREC_STATE_COUNT)
		return -1;
	if (len < n)
		return 0;
	out->type = (enum pyrec_type)type;
	out->state = p[3];
	out->pid = get32(p + 4);
	out->lane = get32(p + 8);
	out->arg = (int32_t)get32(p + 12);
	out->line = (int32_t)get32(p + 16);
	out->t_ns = get64(p + 20);
	out->text = (const char *)p + PYREC_HEADER;
	out->text_len = n - PYREC_HEADER;
	return (long)n;
}

size_t pyrec_encode(void *buf, const struct pyrec *r)
{
	unsigned char *p = buf;
	size_t tl = r->text_len;
	if (tl > PYREC_MAX - PYREC_HEADER)
		tl = PYREC_MAX - PYREC_HEADER;
	size_t n = PYREC_HEADER + tl;
	put16(p, (uint16_t)n);
	p[2] = (unsigned char)r->type;
	p[3] = (unsigned char)r->state;
	put32(p + 4, r->pid);
	put32(p + 8, r->lane);
	put32(p + 12, (uint32_t)r->arg);
	put32(p + 16, (uint32_t)r->line);
	put64(p + 20, r->t_ns);
	if (tl)
		memcpy(p + PYREC_HEADER, r->text, tl);
	return n;
}

enum state pyrec_state_of(int s)
{
	static const enum state map[PYREC_STATE_COUNT] = {
		[PYREC_RUN] = STATE_RUNNING, [PYREC_IO] = STATE_IO,     [PYREC_SLEEP] = STATE_SLEEP,
		[PYREC_LOCK] = STATE_LOCK,   [PYREC_JOIN] = STATE_JOIN, [PYREC_IDLE] = STATE_IDLE,
		[PYREC_READY] = STATE_READY, [PYREC_BLOCKED] = STATE_BLOCKED,
	};
	return s >= 0 && s < PYREC_STATE_COUNT ? map[s] : STATE_RUNNING;
}
