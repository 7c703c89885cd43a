/*
 * trace_fmt.c: the recorder's calls with a printf-style text (trace.h):
 * the text is formatted on the caller's stack, then recorded as any other.
 */
#include <stdarg.h>
#include <stdio.h>

#include "trace.h"
#include "trace_int.h"

void trace_statef(trace_task_t task, enum state s, int line, const char *fmt, ...)
{
	char buf[TRACE_TEXT_MAX + 1];
	va_list ap;

	if (!ENABLED() || task < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	trace_state_at(task, s, line, buf);
}

void trace_markf(trace_task_t task, const char *fmt, ...)
{
	char buf[TRACE_TEXT_MAX + 1];
	va_list ap;

	if (!ENABLED() || task < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	trace_mark(task, buf);
}
