/*
 * main.c: the command line. Parses options (getopt_long), validates them
 * completely before anything runs, and hands over to the TUI or batch mode.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "assets.h"
#include "pyagent.h"
#include "demo.h"
#include "pace.h"
#include "params.h"
#include "record.h"
#include "run.h"
#include "fatal.h"
#include "output.h"
#include "quote.h"
#include "serve.h"
#include "startup.h"

#ifndef SIMUL_VERSION
#define SIMUL_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
	fputs("usage: simul [DEMO] [options]\n"
	      "\n"
	      "See concurrency: simul runs real threads, processes and event loops and draws,\n"
	      "live, one timeline lane per task: running, preempted, ready, blocked on I/O,\n"
	      "sleeping, waiting for a lock or the (emulated) GIL, and what each printed.\n"
	      "\n"
	      "  simul                      open the interactive menu\n"
	      "  simul DEMO                 open the TUI on DEMO (e.g. threads/interleave)\n"
	      "  simul DEMO --plain         run DEMO, then print its timeline as text\n"
	      "  simul DEMO --report FILE   run DEMO, write its summary as JSON (- = stdout)\n"
	      "  simul python FILE.py [ARGS]  run a Python program under CPython and draw its threads,\n"
	      "                             processes and asyncio tasks (doc/python.md)\n"
	      "  simul --list               list every demo\n"
	      "  simul --serve PORT         only the loopback HTTP server, for the lessons' Python\n"
	      "  simul --rq-worker URL      a worker that joins a queue/rq run on the Redis at URL\n"
	      "\n"
	      "options:\n"
	      "  -l, --list            list demos as 'module/demo  summary' and exit\n"
	      "  -p, --plain           no curses: run, then print the timeline, output and totals\n"
	      "  -r, --report FILE     write the JSON report to FILE ('-' for stdout)\n"
	      "  -w, --width N         width of --plain output (default: terminal, else 100)\n"
	      "  -s, --set KEY=VALUE   set a demo parameter (repeatable); --list-params DEMO shows them\n"
	      "      --list-params DEMO  show DEMO's parameters, defaults and allowed values\n"
	      "      --seed N          seed for every random choice a demo makes\n"
	      "      --ascii           ASCII glyphs only\n"
	      "      --no-color        no colour (also when NO_COLOR is set)\n"
	      "      --theme NAME      dark (default), light, contrast, cb (colour-blind safe)\n"
	      "      --speed F         slow motion of the real run, 0.01..1 (e.g. 0.1 or 1/10): sleeps,\n"
	      "                        delays and CPU work last 1/F as long; figures stay in lesson time\n"
	      "      --sample-hz N     OS sampler rate, 1..1000 (0 turns it off; default 100)\n"
	      "      --trace FILE.json write the run as Chrome trace events (Perfetto, chrome://tracing)\n"
	      "      --save FILE       save the whole run, to look at again with --replay\n"
	      "      --replay FILE     show a saved run instead of running a demo\n"
	      "      --record FILE.cast  record the TUI's screen as an asciicast v2 (asciinema)\n"
	      "      --size WxH        fixed screen size for the TUI, e.g. 100x30 (recordings)\n"
	      "      --script FILE     type a script of timed actions into the TUI (doc/recording.md)\n"
	      "      --keys-overlay    show each key pressed, briefly, in a corner\n"
	      "      --present         presenter layout for a projector (also P in the TUI)\n"
	      "      --python PATH     the interpreter for simul python and mirror=on (default: the first\n"
	      "                        python3 that has what the program imports)\n"
	      "  -s mirror=on          with any demo: then run its lesson's own .py under CPython, on\n"
	      "                        the same time axis\n"
	      "      --tui             the TUI even with --report, --trace or --save (it writes them\n"
	      "                        when the run ends, or on quit; implied by the four above)\n"
	      "      --serve PORT      run only the HTTP server the demos download from, on\n"
	      "                        127.0.0.1:PORT (0: any free port); print its URL, serve\n"
	      "                        until Ctrl-C (SIMUL_URL=URL python3 LESSON.py uses it)\n"
	      "  -h, --help            this help\n"
	      "  -V, --version         version\n"
	      "\n"
	      "exit status: 0 done, 1 the demo failed, 2 bad usage, 130 interrupted.\n"
	      "Keys in the TUI: press ? inside it. More: man simul, doc/ in the source tree.\n",
	      f);
}

static void list_demos(void)
{
	const struct demo_module *const *mods;
	size_t n = registry_modules(&mods);
	for (size_t i = 0; i < n; i++)
		for (size_t d = 0; d < mods[i]->ndemos; d++) {
			char full[96];
			snprintf(full, sizeof(full), "%s/%s", mods[i]->name, mods[i]->demos[d].name);
			printf("%-22s %s\n", full, mods[i]->demos[d].summary);
		}
}

static int list_params(const char *name)
{
	const struct demo_module *mod;
	const struct demo *d = registry_find(name, &mod);
	if (d == NULL) {
		registry_unknown(name);
		return APP_EXIT_USAGE;
	}
	printf("%s/%s: %s\n", mod->name, d->name, d->summary);
	if (d->nparams == 0)
		printf("  (no parameters)\n");
	struct params p;
	params_init(&p, d->params, d->nparams);
	for (size_t i = 0; i < d->nparams; i++) {
		char def[64], allowed[256];
		params_format(&p, i, def, sizeof(def));
		if (def[0] == '\0') /* a text parameter left empty */
			snprintf(def, sizeof(def), "none");
		params_allowed(&d->params[i], allowed, sizeof(allowed));
		printf("  %-18s default %-8s %s; %s\n", d->params[i].name, def, allowed, d->params[i].help);
	}
	return 0;
}

/* A whole number min..max for option opt. Returns 0, or -1 after the one
 * line (the same range whichever way the value is off). */
static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end, q[QUOTE_MAX];
	errno = 0;
	if (s[0] >= '0' && s[0] <= '9') {
		unsigned long long v = strtoull(s, &end, 10);
		if (errno == 0 && *end == '\0' && v >= min && v <= max) {
			*out = v;
			return 0;
		}
	}
	fprintf(stderr, "simul: %s %s: expected a whole number %llu..%llu\n", opt, quote_arg(s, q, sizeof(q)),
	        (unsigned long long)min, (unsigned long long)max);
	return -1;
}

/* WxH, each a whole number within its range (no sign, no overflow). */
static int parse_size(const char *s, int *w, int *h)
{
	char *x, *end;
	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	unsigned long a = strtoul(s, &x, 10);
	if (errno != 0 || *x != 'x' || x[1] < '0' || x[1] > '9')
		return -1;
	unsigned long b = strtoul(x + 1, &end, 10);
	if (errno != 0 || *end != '\0' || a < TUI_SIZE_MIN_W || a > TUI_SIZE_MAX_W || b < TUI_SIZE_MIN_H ||
	    b > TUI_SIZE_MAX_H)
		return -1;
	*w = (int)a;
	*h = (int)b;
	return 0;
}

enum {
	OPT_SEED = 256, OPT_ASCII, OPT_NO_COLOR, OPT_THEME, OPT_SAMPLE_HZ, OPT_LIST_PARAMS, OPT_TRACE, OPT_SAVE,
	OPT_REPLAY, OPT_RECORD, OPT_SIZE, OPT_SCRIPT, OPT_KEYS_OVERLAY, OPT_SPEED, OPT_TUI, OPT_PYTHON,
	OPT_PRESENT, OPT_SERVE, OPT_LAST
};

static const struct option longopts[] = {
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{"list", no_argument, NULL, 'l'},
	{"plain", no_argument, NULL, 'p'},
	{"report", required_argument, NULL, 'r'},
	{"width", required_argument, NULL, 'w'},
	{"set", required_argument, NULL, 's'},
	{"seed", required_argument, NULL, OPT_SEED},
	{"ascii", no_argument, NULL, OPT_ASCII},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"theme", required_argument, NULL, OPT_THEME},
	{"sample-hz", required_argument, NULL, OPT_SAMPLE_HZ},
	{"list-params", required_argument, NULL, OPT_LIST_PARAMS},
	{"trace", required_argument, NULL, OPT_TRACE},
	{"save", required_argument, NULL, OPT_SAVE},
	{"replay", required_argument, NULL, OPT_REPLAY},
	{"record", required_argument, NULL, OPT_RECORD},
	{"size", required_argument, NULL, OPT_SIZE},
	{"script", required_argument, NULL, OPT_SCRIPT},
	{"keys-overlay", no_argument, NULL, OPT_KEYS_OVERLAY},
	{"present", no_argument, NULL, OPT_PRESENT},
	{"speed", required_argument, NULL, OPT_SPEED},
	{"tui", no_argument, NULL, OPT_TUI},
	{"python", required_argument, NULL, OPT_PYTHON},
	{"serve", required_argument, NULL, OPT_SERVE},
	{NULL, 0, NULL, 0},
};

/* parse_options: every option read, go on. */
#define PARSE_GO_ON (-1)

/* An option that takes one value (all but --set) given a second time is
 * refused: the last one silently winning hid typos. given[c] keeps the
 * first value. Returns 0 or APP_EXIT_USAGE after the one line. */
static int option_once(int c, const char *arg, const char **given)
{
	const struct option *lo = longopts;
	while (lo->name != NULL && lo->val != c)
		lo++;
	if (lo->name == NULL || lo->has_arg != required_argument || c == 's' || c < 0 || c >= OPT_LAST)
		return 0;
	if (given[c] == NULL) {
		given[c] = arg;
		return 0;
	}
	const char *name = lo->name;
	char a[QUOTE_MAX], b[QUOTE_MAX];
	fprintf(stderr, "simul: --%s given twice (%s and %s): give it once\n", name,
	        quote_arg(given[c], a, sizeof(a)), quote_arg(arg, b, sizeof(b)));
	return APP_EXIT_USAGE;
}

/* Hidden worker mode: simul --worker MODULE ARGS... (child processes). */
static int worker_main(int argc, char **argv)
{
	if (run_worker_guard() != 0)
		return 1;
	const struct demo_module *m = registry_module(argv[2]);
	if (m == NULL || m->worker == NULL) {
		char q[QUOTE_MAX];
		fprintf(stderr, "simul: --worker: no worker mode for %s\n", quote_arg(argv[2], q, sizeof(q)));
		return APP_EXIT_USAGE;
	}
	return m->worker(argc - 2, argv + 2);
}

/* simul --rq-worker URL: a queue/rq worker that joins a run from another
 * terminal or machine; the queue module's worker does it. */
static int rq_worker_main(int argc, char **argv)
{
	const struct demo_module *m = registry_module("queue");
	if (argc != 3) {
		fprintf(stderr, "simul: --rq-worker: want one Redis URL (redis://HOST[:PORT][/DB] or unix:///PATH)\n");
		return APP_EXIT_USAGE;
	}
	char *wargv[] = {"queue", "join", argv[2], NULL};
	return m != NULL && m->worker != NULL ? m->worker(3, wargv) : APP_EXIT_USAGE;
}

/* An option whose value must be checked. Returns 0, or APP_EXIT_USAGE after
 * the one-line message. */
static int parse_value(int c, const char *arg, struct app_options *o)
{
	uint64_t v = 0;
	int w, h;
	char q[QUOTE_MAX];
	switch (c) {
	case 'w':
		if (parse_u64("--width", arg, APP_WIDTH_MIN, APP_WIDTH_MAX, &v) != 0)
			return APP_EXIT_USAGE;
		o->width = (int)v;
		return 0;
	case 's':
		if (o->nsets == APP_MAX_SETS) {
			fprintf(stderr, "simul: too many --set options (at most %d)\n", APP_MAX_SETS);
			return APP_EXIT_USAGE;
		}
		o->sets[o->nsets++] = arg;
		return 0;
	case OPT_SEED:
		if (parse_u64("--seed", arg, 0, UINT64_MAX, &o->seed) != 0)
			return APP_EXIT_USAGE;
		o->have_seed = 1;
		return 0;
	case OPT_THEME:
		if (strcmp(arg, "dark") && strcmp(arg, "light") && strcmp(arg, "contrast") && strcmp(arg, "cb")) {
			fprintf(stderr, "simul: --theme %s: allowed: dark, light, contrast, cb\n", quote_arg(arg, q, sizeof(q)));
			return APP_EXIT_USAGE;
		}
		o->theme = arg;
		return 0;
	case OPT_SAMPLE_HZ:
		if (parse_u64("--sample-hz", arg, 0, 1000, &v) != 0)
			return APP_EXIT_USAGE;
		o->sampler_hz = v == 0 ? -1 : (int)v;
		return 0;
	case OPT_SIZE:
		if (parse_size(arg, &w, &h) != 0) {
			fprintf(stderr, "simul: --size %s: expected WxH, width %d..%d, height %d..%d (e.g. 100x30)\n",
			        quote_arg(arg, q, sizeof(q)), TUI_SIZE_MIN_W, TUI_SIZE_MAX_W, TUI_SIZE_MIN_H,
			        TUI_SIZE_MAX_H);
			return APP_EXIT_USAGE;
		}
		o->size_w = w;
		o->size_h = h;
		return 0;
	case OPT_SPEED:
		if (pace_speed_parse(arg, &o->speed) != 0) {
			fprintf(stderr, "simul: --speed %s: expected a speed 0.01..1 (e.g. 0.25, 1/4 or 25%%)\n",
			        quote_arg(arg, q, sizeof(q)));
			return APP_EXIT_USAGE;
		}
		return 0;
	}
	return 0;
}

/* The options into *o. Returns PARSE_GO_ON, or the exit status of an
 * option that is the whole job (--help, --list, ...) or of bad usage. */
static int parse_options(int argc, char **argv, struct app_options *o)
{
	const char *serve = NULL, *given[OPT_LAST] = {0};
	char q[QUOTE_MAX];
	int c, nopts = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hVlpr:w:s:", longopts, NULL)) != -1) {
		int rc = 0;
		nopts++;
		switch (c) {
		case 'h': usage(stdout); return 0;
		case 'V': printf("simul %s\n", SIMUL_VERSION); return 0;
		case 'l': list_demos(); return 0;
		case OPT_LIST_PARAMS: return list_params(optarg);
		case 'p': o->plain = 1; break;
		case 'r': o->report = optarg; break;
		case OPT_ASCII: o->ascii = 1; break;
		case OPT_NO_COLOR: o->no_color = 1; break;
		case OPT_TRACE: o->trace = optarg; break;
		case OPT_SAVE: o->save = optarg; break;
		case OPT_REPLAY: o->replay = optarg; break;
		case OPT_RECORD: o->record = optarg; break;
		case OPT_SCRIPT: o->script = optarg; break;
		case OPT_KEYS_OVERLAY: o->keys_overlay = 1; break;
		case OPT_PRESENT: o->present = 1; break;
		case OPT_TUI: o->tui = 1; break;
		case OPT_PYTHON: o->python = optarg; break;
		case OPT_SERVE: serve = optarg; break;
		case 'w': case 's': case OPT_SEED: case OPT_THEME: case OPT_SAMPLE_HZ: case OPT_SIZE: case OPT_SPEED:
			rc = parse_value(c, optarg, o);
			break;
		case ':':
			fprintf(stderr, "simul: option %s needs a value (simul --help)\n",
			        quote_arg(argv[optind - 1], q, sizeof(q)));
			return APP_EXIT_USAGE;
		default:
			fprintf(stderr, "simul: unknown option %s (simul --help lists them)\n",
			        quote_arg(argv[optind - 1], q, sizeof(q)));
			return APP_EXIT_USAGE;
		}
		if (rc != 0 || (rc = option_once(c, optarg, given)) != 0)
			return rc;
	}
	if (serve != NULL) {
		if (nopts > 1 || optind < argc) {
			fprintf(stderr, "simul: --serve runs the HTTP server alone: give no demo or other option\n");
			return APP_EXIT_USAGE;
		}
		return serve_main(serve);
	}
	if (optind < argc)
		o->demo = argv[optind++];
	if (o->demo != NULL && strcmp(o->demo, "python") == 0) {
		/* simul python FILE.py ARGS...: the rest is the program's */
		if (optind >= argc) {
			fprintf(stderr, "simul python: give the program: simul python FILE.py [ARGS...]\n");
			return APP_EXIT_USAGE;
		}
		o->py_script = argv[optind++];
		o->py_args = (const char *const *)&argv[optind];
		return PARSE_GO_ON;
	}
	if (optind < argc) {
		fprintf(stderr, "simul: unexpected argument %s; give one demo (simul --list)\n",
		        quote_arg(argv[optind], q, sizeof(q)));
		return APP_EXIT_USAGE;
	}
	return PARSE_GO_ON;
}

/* The TUI is asked for by --tui or by an option only it has; then it writes
 * --report, --trace and --save itself, to files (standard output is its
 * screen). What cannot be honoured is refused, never dropped. */
static int check_tui_options(struct app_options *o)
{
	const char *only = o->record ? "--record" : o->script ? "--script" : o->size_w ? "--size"
	                   : o->keys_overlay ? "--keys-overlay" : o->present ? "--present" : NULL;
	if (only != NULL)
		o->tui = 1;
	if (!o->tui)
		return 0;
	const char *by = only ? only : "--tui";
	if (o->plain) {
		fprintf(stderr, "simul: %s asks for the TUI and --plain runs without it: give one of them\n", by);
		return -1;
	}
	const char *opt[3] = {"--report", "--trace", "--save"};
	const char *path[3] = {o->report, o->trace, o->save};
	for (int i = 0; i < 3; i++)
		if (path[i] != NULL && strcmp(path[i], "-") == 0) {
			fprintf(stderr, "simul: %s -: with %s the screen is standard output; give %s a file\n",
			        opt[i], by, opt[i]);
			return -1;
		}
	return 0;
}

/* The program's text, for the code pane (at most 1 MiB), or NULL. */
static char *read_program(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	enum { MAX = 1 << 20 };
	char *buf = malloc(MAX + 1);
	size_t n = buf ? fread(buf, 1, MAX, f) : 0;
	fclose(f);
	if (buf != NULL)
		buf[n] = '\0';
	return buf;
}

/* simul python FILE.py: a readable file and an interpreter, before anything
 * runs; then the program is the run's lesson (its code in the code pane). */
static int check_python(struct app_options *o)
{
	static char python[4096];
	char err[512];
	struct stat st;
	if (o->py_script != NULL && (stat(o->py_script, &st) != 0 || access(o->py_script, R_OK) != 0)) {
		fprintf(stderr, "simul python: cannot read '%s': %s\n", o->py_script, strerror(errno));
		return APP_EXIT_USAGE;
	}
	if (o->py_script != NULL && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "simul python: '%s' is not a file; give a Python program (FILE.py)\n", o->py_script);
		return APP_EXIT_USAGE;
	}
	if (o->py_script != NULL && o->speed > 0 && o->speed != 1) {
		fprintf(stderr, "simul python: --speed slows simul's own demos; a CPython program runs at its own pace\n");
		return APP_EXIT_USAGE;
	}
	if (o->py_script != NULL && o->replay != NULL) {
		fprintf(stderr, "simul: --replay shows a saved run: give no program with it\n");
		return APP_EXIT_USAGE;
	}
	if (o->py_script == NULL && o->python == NULL)
		return 0;
	if (pyagent_find_python(o->py_script, o->python, python, sizeof(python), err, sizeof(err)) != 0) {
		fprintf(stderr, "simul python: %s\n", err);
		return APP_EXIT_USAGE;
	}
	pyagent_set_target(o->py_script, o->py_args, python);
	if (o->py_script == NULL)
		return 0;
	char *text = read_program(o->py_script), name[600];
	const char *base = strrchr(o->py_script, '/');
	snprintf(name, sizeof(name), "python %s", base ? base + 1 : o->py_script);
	lesson_set_extra(name,
	                 "# CPython, live\n\nThe program runs under CPython with simul's agent. Measured: each "
	                 "thread, process and asyncio task, the waits the agent wraps (time.sleep, sockets, "
	                 "select, locks, queues, join, await) and what each printed; from the kernel, running "
	                 "vs preempted. Inferred: `gil?`, a thread that says it runs but sleeps on a futex: "
	                 "waiting for the GIL. More: doc/python.md.\n",
	                 text ? text : "");
	free(text);
	return 0;
}

/* No file is written twice, or over a file being read: --report X
 * --save X, --replay F --save F, two outputs to standard output. */
static int check_paths(const struct app_options *o)
{
	const struct {
		const char *opt, *path;
		int writes;
	} f[] = {
		{"--plain", !o->tui && o->plain ? "-" : NULL, 1},
		{"--report", o->report, 1},
		{"--trace", o->trace, 1},
		{"--save", o->save, 1},
		{"--record", o->record, 1},
		{"--replay", o->replay, 0},
		{"--script", o->script, 0},
	};
	const size_t n = sizeof(f) / sizeof(f[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			if (f[i].path == NULL || f[j].path == NULL || !(f[i].writes || f[j].writes) ||
			    !output_same_file(f[i].path, f[j].path))
				continue;
			char a[QUOTE_MAX + 1] = "", b[QUOTE_MAX + 1] = " ";
			/* --plain's "-" is implied: only its name is shown. */
			if (strcmp(f[i].opt, "--plain") != 0) {
				a[0] = ' ';
				quote_text(f[i].path, a + 1, sizeof(a) - 1);
			}
			quote_text(f[j].path, b + 1, sizeof(b) - 1);
			if (f[i].writes && f[j].writes)
				fprintf(stderr, "simul: %s%s and %s%s would write the same file: give each its own\n",
				        f[i].opt, a, f[j].opt, b);
			else
				fprintf(stderr, "simul: %s%s would write over %s%s, which it reads: give another file\n",
				        f[i].writes ? f[i].opt : f[j].opt, f[i].writes ? a : b,
				        f[i].writes ? f[j].opt : f[i].opt, f[i].writes ? b : a);
			return -1;
		}
	return 0;
}

/* Options that do not go together, and an unknown demo. Returns 0 or
 * APP_EXIT_USAGE after the one-line message. */
static int check_options(struct app_options *o)
{
	if (check_python(o) != 0)
		return APP_EXIT_USAGE;
	if (o->demo != NULL && o->py_script == NULL && registry_find(o->demo, NULL) == NULL) {
		registry_unknown(o->demo);
		return APP_EXIT_USAGE;
	}
	if (check_tui_options(o) != 0 || check_paths(o) != 0)
		return APP_EXIT_USAGE;
	if (o->replay != NULL && (o->demo != NULL || o->nsets > 0 || o->have_seed)) {
		fprintf(stderr, "simul: --replay shows a saved run: give no demo, --set or --seed with it\n");
		return APP_EXIT_USAGE;
	}
	return 0;
}

/* Batch mode, the relay that records the TUI, or the TUI itself. */
static int dispatch(struct app_options *o, char **argv)
{
	if (o->replay != NULL) {
		if (!o->tui && (o->plain || o->report || o->trace || o->save))
			return app_replay_batch(o);
	} else if (!o->tui && (o->plain || o->report || o->trace || o->save)) {
		/* --report, --trace, --save alone: a run without the TUI */
		if (o->demo == NULL)
			o->demo = REGISTRY_DEFAULT_DEMO;
		return app_batch(o);
	}
	if (record_wanted(o))
		return record_main(o, argv);
	return tui_main(o);
}

int main(int argc, char **argv)
{
	struct app_options o = {0};

	/* Before anything opens a file: 0, 1 and 2 open, room for the loops. */
	char lim[160];
	if (startup_std_fds() < 0)
		return APP_EXIT_FAIL;
	if (startup_fd_limit(lim, sizeof(lim)) != 0) {
		fprintf(stderr, "simul: %s\n", lim);
		return APP_EXIT_FAIL;
	}
	setlocale(LC_ALL, "");
	if (!(argc >= 2 && strcmp(argv[1], "--worker") == 0))
		run_process_init(1);
	if (argc >= 3 && strcmp(argv[1], "--worker") == 0)
		return worker_main(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "--rq-worker") == 0)
		return rq_worker_main(argc, argv);

	run_set_mirror(pyagent_mirror);
	fatal_install();
	atexit(startup_check_stdout);
	if (getenv("NO_COLOR") != NULL && getenv("NO_COLOR")[0] != '\0')
		o.no_color = 1;
	int rc = parse_options(argc, argv, &o);
	if (rc != PARSE_GO_ON)
		return rc;
	rc = check_options(&o);
	if (rc != 0)
		return rc;
	return dispatch(&o, argv);
}
