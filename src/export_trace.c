/*
 * export_trace.c: the Chrome trace event format writer (see export_trace.h).
 *
 * Written by hand rather than with json.c because timestamps need
 * sub-microsecond digits (json_num keeps six significant ones), and one
 * event per line keeps a large trace readable and diffable.
 */
#include "export_trace.h"

#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "state.h"

/* Microseconds since the run's start, to the nanosecond. */
static void put_us(FILE *f, const struct model *m, uint64_t t)
{
	uint64_t o = model_origin(m);
	uint64_t ns = t > o ? t - o : 0;
	fprintf(f, "%" PRIu64 ".%03u", ns / 1000, (unsigned)(ns % 1000));
}

static int task_pid(const struct model_task *t)
{
	return t->group_index >= 0 ? t->group_index + 2 : 1;
}

/* Separator before every event but the first. */
static void next_event(FILE *f, int *first)
{
	fputs(*first ? "\n" : ",\n", f);
	*first = 0;
}

static void write_metadata(FILE *f, struct run *run, const struct model *m, int *first)
{
	size_t ntasks = model_task_count(m);
	int ungrouped = 0;
	for (size_t i = 0; i < ntasks; i++)
		if (model_task(m, i)->group_index < 0)
			ungrouped = 1;
	if (ungrouped || ntasks == 0) {
		next_event(f, first);
		fputs("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":", f);
		json_write_string(f, run->full_name);
		fputs("}}", f);
	}
	for (size_t g = 0; g < model_group_count(m); g++) {
		char name[192];
		snprintf(name, sizeof(name), "%s: %s", run->full_name, model_group_name(m, g));
		next_event(f, first);
		fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%zu,\"tid\":0,\"args\":{\"name\":",
		        g + 2);
		json_write_string(f, name);
		fputs("}}", f);
		next_event(f, first);
		fprintf(f,
		        "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":%zu,\"tid\":0,"
		        "\"args\":{\"sort_index\":%zu}}",
		        g + 2, g + 2);
	}
	for (size_t i = 0; i < ntasks; i++) {
		const struct model_task *t = model_task(m, i);
		next_event(f, first);
		fprintf(f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%zu,\"args\":{\"name\":",
		        task_pid(t), i + 1);
		json_write_string(f, t->name);
		fputs("}}", f);
		next_event(f, first);
		fprintf(f,
		        "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%d,\"tid\":%zu,"
		        "\"args\":{\"sort_index\":%zu}}",
		        task_pid(t), i + 1, i);
	}
}

static void write_spans(FILE *f, const struct model *m, int *first)
{
	for (size_t i = 0; i < model_task_count(m); i++) {
		const struct model_task *t = model_task(m, i);
		size_t n = model_span_count(m, i);
		for (size_t k = 0; k < n; k++) {
			struct model_span s;
			if (model_span_get(m, i, k, &s) != 0)
				continue;
			next_event(f, first);
			fprintf(f, "{\"name\":\"%s\",\"cat\":\"state\",\"ph\":\"X\",\"pid\":%d,\"tid\":%zu,\"ts\":",
			        state_name(s.state), task_pid(t), i + 1);
			put_us(f, m, s.start_ns);
			uint64_t d = s.end_ns - s.start_ns;
			fprintf(f, ",\"dur\":%" PRIu64 ".%03u,\"args\":{\"state\":\"%s\",\"reason\":", d / 1000,
			        (unsigned)(d % 1000), state_name(s.state));
			json_write_string(f, s.reason);
			fprintf(f, ",\"line\":%d,\"core\":%d}}", s.line, s.core);
		}
	}
}

static void write_instants(FILE *f, const struct model *m, int *first)
{
	struct model_mark mk;
	for (size_t k = 0; k < model_mark_count(m); k++) {
		if (model_mark_get(m, k, &mk) != 0 || mk.task < 0 || (size_t)mk.task >= model_task_count(m))
			continue;
		next_event(f, first);
		fputs("{\"name\":", f);
		json_write_string(f, mk.text);
		fprintf(f, ",\"cat\":\"print\",\"ph\":\"i\",\"s\":\"t\",\"pid\":%d,\"tid\":%d,\"ts\":",
		        task_pid(model_task(m, (size_t)mk.task)), mk.task + 1);
		put_us(f, m, mk.t_ns);
		fputs("}", f);
	}
	for (size_t k = 0; k < model_milestone_count(m); k++) {
		if (model_milestone_get(m, k, &mk) != 0)
			continue;
		next_event(f, first);
		fputs("{\"name\":", f);
		json_write_string(f, mk.text);
		fputs(",\"cat\":\"milestone\",\"ph\":\"i\",\"s\":\"g\",\"pid\":1,\"tid\":0,\"ts\":", f);
		put_us(f, m, mk.t_ns);
		fputs("}", f);
	}
}

/* A wake as a flow arrow, from the waker's track to the woken task's (its
 * wait: "bp":"e" binds the arrow's end to the slice that holds it). */
static void write_flows(FILE *f, const struct model *m, int *first)
{
	struct model_wake w;
	for (size_t k = 0; k < model_wake_count(m); k++) {
		if (model_wake_get(m, k, &w) != 0)
			continue;
		for (int end = 0; end < 2; end++) {
			int task = end ? w.task : w.waker;
			next_event(f, first);
			fprintf(f, "{\"name\":\"woken\",\"cat\":\"wake\",\"ph\":\"%s\",\"id\":%zu,\"pid\":%d,\"tid\":%d,\"ts\":",
			        end ? "f\",\"bp\":\"e" : "s", k + 1, task_pid(model_task(m, (size_t)task)), task + 1);
			put_us(f, m, w.t_ns);
			if (end) {
				fputs(",\"args\":{\"cause\":", f);
				json_write_string(f, w.cause);
				fprintf(f, ",\"waited\":\"%s\"}", state_name(w.state));
			}
			fputs("}", f);
		}
	}
}

/* A task's end when it was not a plain finish (a cancelled task). */
static void write_ends(FILE *f, const struct model *m, int *first)
{
	for (size_t i = 0; i < model_task_count(m); i++) {
		const struct model_task *t = model_task(m, i);
		if (t->end_ns == 0 || t->end_how == TASK_END_FINISHED)
			continue;
		next_event(f, first);
		fprintf(f, "{\"name\":\"%s\",\"cat\":\"end\",\"ph\":\"i\",\"s\":\"t\",\"pid\":%d,\"tid\":%zu,\"ts\":",
		        end_name(t->end_how), task_pid(t), i + 1);
		put_us(f, m, t->end_ns);
		fputs("}", f);
	}
}

int export_trace_write(FILE *f, struct run *run, const struct model *m)
{
	int first = 1;
	fputs("{\"traceEvents\":[", f);
	write_metadata(f, run, m, &first);
	write_spans(f, m, &first);
	write_instants(f, m, &first);
	write_flows(f, m, &first);
	write_ends(f, m, &first);
	fputs("\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":{\"generator\":\"simul\",\"demo\":", f);
	json_write_string(f, run->full_name);
	fprintf(f, ",\"seed\":\"%" PRIu64 "\"}}\n", run->seed);
	return ferror(f) ? -1 : 0;
}
