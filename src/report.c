/*
 * report.c: the machine-readable summary of a run (--report FILE).
 *
 * Keys are stable; doc/report.md documents each. Times are milliseconds since
 * the run's start. Result keys with a dot ("threads.wall_ms") become nested
 * objects.
 */
#include <string.h>

#include "clock.h"
#include "json.h"
#include "render.h"
#include "state.h"

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static double rel_ms(const struct model *m, uint64_t t)
{
	return t > model_origin(m) ? ms(t - model_origin(m)) : 0;
}

static void write_params(struct json *j, struct run *run)
{
	json_object_begin(j, "params");
	for (size_t i = 0; i < run->params.n; i++) {
		const struct param_spec *s = &run->params.spec[i];
		double v = run->params.v[i];
		switch (s->type) {
		case PARAM_INT:
		case PARAM_FLOAT:
			json_num(j, s->name, v);
			break;
		case PARAM_BOOL:
			json_bool(j, s->name, v != 0);
			break;
		case PARAM_ENUM:
			json_str(j, s->name, s->choices[(int)v]);
			break;
		case PARAM_TEXT:
			json_str(j, s->name, run->params.text[(int)v]);
			break;
		}
	}
	json_object_end(j);
}

static void write_result(struct json *j, const char *key, const struct run_result *r)
{
	if (r->is_text)
		json_str(j, key, r->text);
	else
		json_num(j, key, r->num);
}

static void write_results(struct json *j, struct run *run)
{
	int done[RUN_RESULTS_MAX] = {0};
	json_object_begin(j, "results");
	for (int i = 0; i < run->nresults; i++) {
		if (done[i])
			continue;
		const char *key = run->results[i].key;
		const char *dot = strchr(key, '.');
		if (dot == NULL) {
			write_result(j, key, &run->results[i]);
			continue;
		}
		/* Every key with this prefix goes in one object, in order. */
		char prefix[64];
		size_t pl = (size_t)(dot - key);
		memcpy(prefix, key, pl);
		prefix[pl] = '\0';
		json_object_begin(j, prefix);
		for (int k = i; k < run->nresults; k++) {
			const char *kk = run->results[k].key;
			if (strncmp(kk, prefix, pl) == 0 && kk[pl] == '.') {
				write_result(j, kk + pl + 1, &run->results[k]);
				done[k] = 1;
			}
		}
		json_object_end(j);
	}
	json_object_end(j);
}

static void num_or_null(struct json *j, const char *key, double v)
{
	if (v < 0)
		json_null(j, key);
	else
		json_num(j, key, v);
}

/* Other programs' load (load.h): fractions of the machine's cores. */
static void write_load(struct json *j, struct run *run)
{
	struct run_load l;
	run_machine_load(run, &l);
	num_or_null(j, "other_load_before", l.before);
	num_or_null(j, "other_load_during", l.during);
	json_bool(j, "busy", l.busy);
	json_num(j, "busy_threshold", LOAD_BUSY_THRESHOLD);
}

int report_write(FILE *f, struct run *run, const struct model *m)
{
	struct json j;
	uint64_t end = run->end_ns ? run->end_ns : model_now(m);

	json_init(&j, f, 1);
	json_object_begin(&j, NULL);
	json_str(&j, "demo", run->full_name);
	write_params(&j, run);
	json_num(&j, "seed", (double)run->seed);
	json_num(&j, "wall_ms", rel_ms(m, end));
	json_num(&j, "cpu_ms", ms(run->cpu_ns));
	/* Times are lesson time: real time x speed, pauses left out (pace.h). */
	json_num(&j, "speed", run->speed);
	json_num(&j, "paused_ms", ms(run->paused_ns));
	json_num(&j, "real_ms", ms(run->real_ns));
	if (run->status != 0 || run->error[0])
		json_str(&j, "error", run->error);
	json_bool(&j, "interrupted", atomic_load(&run->stop) != 0);

	json_array_begin(&j, "tasks");
	for (size_t i = 0; i < model_task_count(m); i++) {
		const struct model_task *t = model_task(m, i);
		uint64_t tot[STATE_COUNT];
		model_task_totals(m, i, tot);
		json_object_begin(&j, NULL);
		json_str(&j, "name", t->name);
		json_str(&j, "kind", kind_name(t->kind));
		json_str(&j, "group", t->group);
		json_int(&j, "pid", t->pid);
		json_int(&j, "tid", t->tid);
		json_num(&j, "start_ms", rel_ms(m, t->start_ns));
		if (t->end_ns) {
			json_num(&j, "end_ms", rel_ms(m, t->end_ns));
			json_str(&j, "end_state", end_name(t->end_how));
		} else {
			json_null(&j, "end_ms");
			json_null(&j, "end_state");
		}
		json_object_begin(&j, "states_ms");
		for (int s = 0; s < STATE_COUNT; s++)
			if (s != STATE_DONE)
				json_num(&j, state_name((enum state)s), ms(tot[s]));
		json_object_end(&j);
		json_array_begin(&j, "marks");
		for (size_t k = 0; t->nmarks > 0 && k < model_mark_count(m); k++) {
			struct model_mark mk;
			model_mark_get(m, k, &mk);
			if (mk.task != (int)i)
				continue;
			json_object_begin(&j, NULL);
			json_num(&j, "t_ms", rel_ms(m, mk.t_ns));
			json_str(&j, "text", mk.text);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);

	write_results(&j, run);

	json_array_begin(&j, "milestones");
	for (size_t k = 0; k < model_milestone_count(m); k++) {
		struct model_mark mk;
		model_milestone_get(m, k, &mk);
		json_object_begin(&j, NULL);
		json_num(&j, "t_ms", rel_ms(m, mk.t_ns));
		json_str(&j, "text", mk.text);
		json_object_end(&j);
	}
	json_array_end(&j);

	json_object_begin(&j, "recorder");
	json_num(&j, "events", (double)run->counters.events);
	json_num(&j, "dropped", (double)run->counters.dropped);
	json_num(&j, "late", (double)run->counters.late);
	json_num(&j, "spans", (double)model_span_total(m));
	json_num(&j, "model_bytes", (double)run->counters.model_bytes);
	json_num(&j, "sampler_hz", run->sampler_stats.mean_hz);
	json_num(&j, "sampler_cpu_ms", ms(run->sampler_stats.cpu_ns));
	json_str(&j, "clock", run->counters.clock[0] ? run->counters.clock : "unknown");
	json_object_end(&j);

	json_object_begin(&j, "machine");
	json_int(&j, "cores", run->counters.cores);
	json_array_begin(&j, "core_busy");
	for (int c = 0; c < run->sampler_stats.ncores; c++)
		json_num(&j, NULL, run->sampler_stats.core_busy[c]);
	json_array_end(&j);
	write_load(&j, run);
	json_object_end(&j);

	json_object_end(&j);
	return ferror(f) ? -1 : 0;
}
