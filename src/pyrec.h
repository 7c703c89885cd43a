/*
 * pyrec.h: the records simul's Python agent (assets/agent/simul_agent.py)
 * writes to its FIFO, and what they mean in simul's terms.
 *
 * A record is a 28-byte little-endian header and a UTF-8 text:
 *
 *   u16 len      whole record, header included (28..PYREC_MAX)
 *   u8  type     enum pyrec_type
 *   u8  state    enum pyrec_state (STATE), flags (HELLO), how it ended (END),
 *                0 stdout / 1 stderr (PRINT)
 *   u32 pid      the process that wrote it
 *   u32 lane     a thread (its native id) or an asyncio task (PYREC_TASK_BIT | n)
 *   i32 arg      HELLO, NAME: parent pid; THREAD, TASK: the lane that made it;
 *                EXIT: exit status
 *   i32 line     line of the program's script, 0 when none
 *   u64 t_ns     CLOCK_MONOTONIC (Python's time.monotonic_ns)
 *   text         len - 28 bytes
 *
 * One os.write per record, at most PIPE_BUF bytes: records of several
 * threads and processes never interleave. This file is only the format; it
 * knows nothing of the recorder.
 */
#ifndef SIMUL_PYREC_H
#define SIMUL_PYREC_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

#define PYREC_HEADER 28
#define PYREC_MAX 4096
#define PYREC_TASK_BIT 0x80000000u

enum pyrec_type {
	PYREC_HELLO = 1, /* a process starts under the agent; text "version|executable|platform" */
	PYREC_THREAD,    /* a thread starts; text = its name */
	PYREC_TASK,      /* an asyncio task is created; text = its name */
	PYREC_STATE,     /* a lane changes state; text = why */
	PYREC_PRINT,     /* a lane printed a line; text = the line */
	PYREC_END,       /* a lane ends; text = how, when not plainly */
	PYREC_NAME,      /* a multiprocessing child's name (Process-1) */
	PYREC_EXIT,      /* the process exits; text = the exception, if one */
	PYREC_TYPE_MAX = PYREC_EXIT
};

enum pyrec_state {
	PYREC_RUN, PYREC_IO, PYREC_SLEEP, PYREC_LOCK, PYREC_JOIN, PYREC_IDLE, PYREC_READY, PYREC_BLOCKED,
	PYREC_STATE_COUNT
};

/* HELLO flags. */
#define PYREC_F_MAIN 1
#define PYREC_F_FREE_THREADED 2 /* a free-threaded build (3.13t and later) */
#define PYREC_F_GIL_OFF 4       /* ... running without the GIL */

/* END: how a lane ended. */
enum pyrec_end { PYREC_END_DONE, PYREC_END_CANCELLED, PYREC_END_RAISED };

struct pyrec {
	enum pyrec_type type;
	int state;
	uint32_t pid, lane;
	int32_t arg, line;
	uint64_t t_ns;
	const char *text; /* inside the parsed buffer: NOT NUL-terminated */
	size_t text_len;
};

/* Parse the record at the start of buf. Returns its length, 0 when buf
 * holds only part of it, or -1 when it is malformed (a length outside
 * 28..PYREC_MAX, an unknown type, a state out of range): the stream
 * cannot be trusted after that. */
long pyrec_parse(const void *buf, size_t len, struct pyrec *out);
/* Write a record into out (at least PYREC_MAX bytes); the text is cut to
 * fit. Returns its length. For tests and benchmarks: the agent writes the
 * real ones. */
size_t pyrec_encode(void *out, const struct pyrec *r);
/* simul's state for an agent's state. */
enum state pyrec_state_of(int s);

#endif
