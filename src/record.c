/*
 * record.c: the screencast relay (see record.h).
 *
 * One process, one poll loop: the pseudo-terminal's master (the TUI's
 * output), the real terminal's input when there is one, and the milestone
 * pipe. Script actions are due at absolute times; the loop sleeps until the
 * next one. Output is written to the cast as it arrives, cut only at
 * UTF-8 character boundaries so that every event is valid JSON text.
 */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fdio.h"
#include "model.h"
#include "fatal.h"
#include "output.h"
#include "run.h"
#include "script.h"
#include "xalloc.h"

#define RECORD_ENV "SIMUL_RELAYED"
#define RECORD_MARK_FD_ENV "SIMUL_MARK_FD"
#define RECORD_CMD_FD_ENV "SIMUL_CMD_FD"
/* Screen size when neither --size nor a terminal gives one. */
#define RECORD_DEFAULT_COLS 100
#define RECORD_DEFAULT_ROWS 30
/* Quiet time after a scripted Esc, longer than the TUI's Esc delay (25 ms),
 * so that it reads a lone Esc and not the start of a key sequence. */
#define RECORD_ESC_PAUSE_NS (60 * NS_PER_MS)
/* After a quit is typed (the script's, or ours when a script ends without
 * one and no terminal can type it), how long the TUI has to exit before it
 * is sent SIGTERM, then as long again before SIGKILL: a 'q' typed into a
 * parameter being edited is text, not a quit. */
#define RECORD_QUIT_GRACE_NS (3 * NS_PER_S)

int record_wanted(const struct app_options *o)
{
	const char *in = getenv(RECORD_ENV);
	if (in != NULL && in[0] != '\0')
		return 0;
	return o->record != NULL || o->size_w > 0 || o->script != NULL;
}

static int env_fd(const char *name)
{
	const char *e = getenv(name);
	int fd = e != NULL ? atoi(e) : -1;
	return fd > 2 ? fd : -1;
}

int record_command_fd(void)
{
	return env_fd(RECORD_CMD_FD_ENV);
}

/* In the TUI: the milestones already told to the relay, and of which model
 * (a re-run starts a new one, to be told from its first milestone). */
static struct {
	int fd; /* the relay's pipe; -2 until looked up, -1 none */
	const struct model *model;
	size_t told;
} relay_marks = {.fd = -2};

void record_milestones_publish(const struct model *m)
{
	if (relay_marks.fd == -2)
		relay_marks.fd = env_fd(RECORD_MARK_FD_ENV);
	if (relay_marks.fd < 0)
		return;
	if (m != relay_marks.model || model_milestone_count(m) < relay_marks.told) {
		relay_marks.model = m;
		relay_marks.told = 0;
	}
	for (; relay_marks.told < model_milestone_count(m); relay_marks.told++) {
		struct model_mark mk;
		char line[TRACE_TEXT_MAX + 2];
		if (model_milestone_get(m, relay_marks.told, &mk) != 0)
			continue;
		int n = snprintf(line, sizeof(line), "%s\n", mk.text);
		if (n >= (int)sizeof(line)) { /* cut: still one line */
			n = (int)sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		for (char *p = line; *p && p < line + n - 1; p++)
			if (*p == '\n')
				*p = ' ';
		if (write(relay_marks.fd, line, (size_t)n) < 0)
			return;
	}
}

/* ---- the cast ---- */

struct cast {
	FILE *f;
	uint64_t t0;
	double last;
	unsigned char carry[4]; /* an incomplete UTF-8 character */
	size_t ncarry;
};

static double cast_time(struct cast *c)
{
	double t = (double)(clock_real_ns() - c->t0) / 1e9;
	if (t < c->last)
		t = c->last;
	c->last = t;
	return t;
}

static void cast_json_bytes(FILE *f, const unsigned char *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* Length of the valid UTF-8 prefix of p[0..n) that ends on a character
 * boundary; invalid bytes are replaced by '?' in place. */
static size_t utf8_complete(unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char ch = p[i];
		size_t len = ch < 0x80 ? 1 : (ch & 0xe0) == 0xc0 ? 2 : (ch & 0xf0) == 0xe0 ? 3 : (ch & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 0) {
			p[i++] = '?';
			continue;
		}
		if (i + len > n)
			return i; /* cut: the rest comes with the next read */
		size_t k;
		for (k = 1; k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				break;
		if (k < len) {
			p[i++] = '?';
			continue;
		}
		i += len;
	}
	return i;
}

static void cast_output(struct cast *c, const unsigned char *data, size_t n)
{
	if (c->f == NULL)
		return;
	unsigned char *buf = xmalloc(c->ncarry + n);
	memcpy(buf, c->carry, c->ncarry);
	memcpy(buf + c->ncarry, data, n);
	size_t total = c->ncarry + n;
	size_t ok = utf8_complete(buf, total);
	if (total - ok >= sizeof(c->carry)) { /* cannot be a cut character */
		memset(buf + ok, '?', total - ok);
		ok = total;
	}
	c->ncarry = total - ok;
	memcpy(c->carry, buf + ok, c->ncarry);
	if (ok > 0) {
		fprintf(c->f, "[%.6f, \"o\", ", cast_time(c));
		cast_json_bytes(c->f, buf, ok);
		fputs("]\n", c->f);
	}
	free(buf);
}

static void cast_marker(struct cast *c, const char *text)
{
	if (c->f == NULL)
		return;
	fprintf(c->f, "[%.6f, \"m\", ", cast_time(c));
	cast_json_bytes(c->f, (const unsigned char *)text, strlen(text));
	fputs("]\n", c->f);
	fflush(c->f);
}

/* ---- typing a script ---- */

static const char *key_bytes(int key, char *one)
{
	switch (key) {
	case '\n': return "\r";
	case SCRIPT_KEY_UP: return "\033OA";
	case SCRIPT_KEY_DOWN: return "\033OB";
	case SCRIPT_KEY_RIGHT: return "\033OC";
	case SCRIPT_KEY_LEFT: return "\033OD";
	case SCRIPT_KEY_HOME: return "\033OH";
	case SCRIPT_KEY_END: return "\033OF";
	case SCRIPT_KEY_PPAGE: return "\033[5~";
	case SCRIPT_KEY_NPAGE: return "\033[6~";
	case SCRIPT_KEY_BACKSPACE: return "\177";
	default: break;
	}
	if (key > SCRIPT_KEY_F0 && key <= SCRIPT_KEY_F0 + SCRIPT_KEY_NFUNC) {
		static const char *const fk[SCRIPT_KEY_NFUNC] = {"\033OP", "\033OQ", "\033OR", "\033OS", "\033[15~", "\033[17~",
		                                   "\033[18~", "\033[19~", "\033[20~", "\033[21~", "\033[23~", "\033[24~"};
		return fk[key - SCRIPT_KEY_F0 - 1];
	}
	one[0] = (char)key;
	one[1] = '\0';
	return one;
}

/* ---- the relay ---- */

static struct termios saved_tty;
static int have_saved_tty;

static void restore_tty(void)
{
	if (have_saved_tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
}

/* The relay passes SIGINT, SIGTERM and SIGHUP on to the TUI, which
 * restores the screen and exits; the relay then restores the terminal. */
static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static int spawn_in_pty(char **argv, const struct winsize *ws, int mark_w, int cmd_r, int *master_out,
                        pid_t *pid_out)
{
	const char *exe = run_self_exe();
	if (exe == NULL)
		return -ENOENT;
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
		if (master >= 0)
			close(master);
		return -errno;
	}
	char *slave_name = ptsname(master);
	if (slave_name == NULL) {
		close(master);
		return -ENOTTY;
	}
	char path[128];
	snprintf(path, sizeof(path), "%s", slave_name);
	fflush(stdout);
	pid_t relay = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(master);
		return -errno;
	}
	if (pid == 0) {
		close(master);
		setsid();
		int s = open(path, O_RDWR);
		if (s < 0)
			_exit(127);
		/* The TUI quits (as on a hang-up) if the relay dies unannounced. */
		prctl(PR_SET_PDEATHSIG, SIGHUP);
		if (getppid() != relay)
			_exit(129); /* it died before the prctl */
		ioctl(s, TIOCSCTTY, 0);
		ioctl(s, TIOCSWINSZ, ws);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		char fdbuf[16];
		snprintf(fdbuf, sizeof(fdbuf), "%d", mark_w);
		setenv(RECORD_ENV, "1", 1);
		setenv(RECORD_MARK_FD_ENV, fdbuf, 1);
		snprintf(fdbuf, sizeof(fdbuf), "%d", cmd_r);
		setenv(RECORD_CMD_FD_ENV, fdbuf, 1);
		/* The keys a script types are xterm's. */
		setenv("TERM", "xterm-256color", 1);
		unsetenv("LINES");
		unsetenv("COLUMNS");
		execv(exe, argv);
		_exit(127);
	}
	*master_out = master;
	*pid_out = pid;
	return 0;
}

/* Everything the relay holds while the TUI runs. */
struct relay {
	const struct app_options *o;
	struct script sc;
	size_t next;          /* the next script action */
	uint64_t due;         /* when it is due */
	struct output out;    /* the cast file (--record) */
	struct cast cast;
	struct winsize ws;
	int interactive;      /* a real terminal to read keys from */
	int master;           /* the pseudo-terminal; -1 until started */
	int marks_r, cmds_w;  /* our ends of the milestone and command pipes */
	int master_open, marks_open;
	uint64_t quit_ns;     /* when a quit was typed; 0: none yet */
	int quit_signals;     /* SIGTERM, then SIGKILL, sent since */
	int quit_implied;     /* the script ended without one: we typed it */
	pid_t pid;
	char markbuf[1024];
	size_t nmark;
};

/* Before anything starts: the script, the size, the cast file, a terminal.
 * Returns 0, or an exit status after printing why. */
static int relay_prepare(struct relay *r)
{
	char err[512];
	const struct app_options *o = r->o;
	if (o->script != NULL && script_load(o->script, &r->sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "simul: --script %s\n", err);
		return APP_EXIT_USAGE;
	}
	r->ws = (struct winsize){.ws_col = RECORD_DEFAULT_COLS, .ws_row = RECORD_DEFAULT_ROWS};
	if (o->size_w > 0) {
		r->ws.ws_col = (unsigned short)o->size_w;
		r->ws.ws_row = (unsigned short)o->size_h;
	} else {
		struct winsize real;
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &real) == 0 && real.ws_col > 0 && real.ws_row > 0)
			r->ws = real;
	}
	if (output_open(&r->out, "--record", o->record) != 0)
		return APP_EXIT_USAGE;
	r->cast.f = r->out.f;
	r->interactive = isatty(STDIN_FILENO);
	if (!r->interactive && r->sc.n == 0) {
		fprintf(stderr, "simul: the interactive view needs a terminal (or a --script); use --plain or --report\n");
		return APP_EXIT_USAGE;
	}
	return 0;
}

/* The TUI in a pseudo-terminal, with a pipe for its milestones and one for
 * the script's commands; our terminal raw; signals passed on to it. */
static int relay_start(struct relay *r, char **argv)
{
	int marks[2], cmds[2];
	if (pipe2(marks, O_CLOEXEC) != 0)
		goto no_pipe;
	if (pipe2(cmds, O_CLOEXEC) != 0) {
		close(marks[0]);
		close(marks[1]);
		goto no_pipe;
	}
	/* The child keeps its ends across exec. */
	fcntl(marks[1], F_SETFD, 0);
	fcntl(cmds[0], F_SETFD, 0);
	int rc = spawn_in_pty(argv, &r->ws, marks[1], cmds[0], &r->master, &r->pid);
	close(marks[1]);
	close(cmds[0]);
	r->marks_r = marks[0];
	r->cmds_w = cmds[1];
	if (rc != 0) {
		fprintf(stderr, "simul: cannot start a pseudo-terminal: %s\n", strerror(-rc));
		return APP_EXIT_FAIL;
	}
	if (r->interactive && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
		struct termios raw = saved_tty;
		cfmakeraw(&raw);
		have_saved_tty = 1;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	}
	signal(SIGPIPE, SIG_IGN);
	fatal_set_hook(restore_tty); /* a fatal signal gives our terminal back too */
	child_pid = r->pid;
	struct sigaction sa = {.sa_handler = forward_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	r->master_open = r->marks_open = 1;
	return 0;
no_pipe:
	fprintf(stderr, "simul: pipe: %s\n", strerror(errno));
	return APP_EXIT_FAIL;
}

/* The asciicast v2 header line. */
static void cast_header(struct cast *c, const struct app_options *o, const struct winsize *ws)
{
	const char *term = "xterm-256color", *shell = getenv("SHELL");
	char title[160];
	c->t0 = clock_real_ns();
	if (c->f == NULL)
		return;
	fprintf(c->f, "{\"version\": 2, \"width\": %d, \"height\": %d, \"timestamp\": %lld, \"title\": ", ws->ws_col,
	        ws->ws_row, (long long)time(NULL));
	if (o->replay != NULL)
		snprintf(title, sizeof(title), "simul: replay of %s", o->replay);
	else
		snprintf(title, sizeof(title), "simul%s%s", o->demo ? ": " : "", o->demo ? o->demo : "");
	cast_json_bytes(c->f, (const unsigned char *)title, strlen(title));
	fputs(", \"env\": {\"TERM\": ", c->f);
	cast_json_bytes(c->f, (const unsigned char *)term, strlen(term));
	fputs(", \"SHELL\": ", c->f);
	if (shell == NULL)
		shell = "/bin/sh";
	cast_json_bytes(c->f, (const unsigned char *)shell, strlen(shell));
	fputs("}}\n", c->f);
}

/* What the TUI wrote: to our terminal and to the cast. */
static void relay_screen(struct relay *r)
{
	unsigned char buf[16384];
	ssize_t n = read(r->master, buf, sizeof(buf));
	if (n <= 0) {
		r->master_open = 0; /* EIO: the TUI has exited */
		return;
	}
	fd_write_all(STDOUT_FILENO, buf, (size_t)n);
	cast_output(&r->cast, buf, (size_t)n);
}

/* Milestones the TUI reported, one a line: markers in the cast. */
static void relay_milestones(struct relay *r)
{
	ssize_t n = read(r->marks_r, r->markbuf + r->nmark, sizeof(r->markbuf) - 1 - r->nmark);
	if (n <= 0) {
		r->marks_open = 0;
		return;
	}
	r->nmark += (size_t)n;
	char *nl;
	while ((nl = memchr(r->markbuf, '\n', r->nmark)) != NULL) {
		*nl = '\0';
		cast_marker(&r->cast, r->markbuf);
		r->nmark -= (size_t)(nl + 1 - r->markbuf);
		memmove(r->markbuf, nl + 1, r->nmark);
	}
	if (r->nmark == sizeof(r->markbuf) - 1)
		r->nmark = 0; /* a line longer than the buffer: dropped */
}

/* One script action, typed into the TUI as keys or sent as a command. */
static void relay_action(struct relay *r, const struct script_action *a)
{
	char one[2], line[SCRIPT_TEXT_MAX + 16];
	switch (a->op) {
	case SCRIPT_WAIT:
		r->due = clock_real_ns() + a->ns;
		break;
	case SCRIPT_KEY: {
		const char *k = key_bytes(a->key, one);
		fd_write_all(r->master, k, strlen(k));
		/* Let the TUI read an Esc alone, not as the start of a sequence. */
		if (a->key == SCRIPT_KEY_ESC)
			r->due = clock_real_ns() + RECORD_ESC_PAUSE_NS;
		break;
	}
	case SCRIPT_QUIT:
		fd_write_all(r->master, "q", 1);
		if (r->quit_ns == 0)
			r->quit_ns = clock_real_ns();
		break;
	case SCRIPT_MARKER:
		cast_marker(&r->cast, a->text);
		break;
	case SCRIPT_RUN:
	case SCRIPT_SELECT:
	case SCRIPT_SET:
	case SCRIPT_PAUSE:
	case SCRIPT_RESUME:
	case SCRIPT_STEP:
	case SCRIPT_SPEED: {
		int len = script_command(a, line, sizeof(line));
		if (len > 0)
			fd_write_all(r->cmds_w, line, (size_t)len);
		break;
	}
	}
}

/* With no terminal to type into, nobody else can end the TUI: once the
 * script is over, quit for it; once a quit was typed, make sure it ends
 * (SIGTERM, then SIGKILL, RECORD_QUIT_GRACE_NS apart). Returns the poll
 * timeout this asks for, in ms (-1: none). */
static int relay_quit_watch(struct relay *r)
{
	if (r->interactive || r->next < r->sc.n)
		return -1;
	uint64_t now = clock_real_ns();
	if (r->quit_ns == 0) {
		if (now < r->due)
			return (int)((r->due - now) / NS_PER_MS) + 1; /* the script's last wait */
		fd_write_all(r->master, "q", 1);
		r->quit_ns = now;
		r->quit_implied = 1;
	}
	uint64_t deadline = r->quit_ns + (uint64_t)(r->quit_signals + 1) * RECORD_QUIT_GRACE_NS;
	if (now >= deadline && r->quit_signals < 2) {
		kill(r->pid, r->quit_signals == 0 ? SIGTERM : SIGKILL);
		r->quit_signals++;
		deadline += RECORD_QUIT_GRACE_NS;
	}
	return r->quit_signals < 2 ? (int)((deadline - now) / NS_PER_MS) + 1 : -1;
}

/* Relay both ways until the TUI closes its terminal, typing the script's
 * actions as they fall due. */
static void relay_loop(struct relay *r)
{
	r->due = clock_real_ns();
	while (r->master_open) {
		struct pollfd pf[3] = {
			{.fd = r->master, .events = POLLIN},
			{.fd = r->marks_open ? r->marks_r : -1, .events = POLLIN},
			{.fd = r->interactive ? STDIN_FILENO : -1, .events = POLLIN},
		};
		int timeout = relay_quit_watch(r);
		if (r->next < r->sc.n) {
			uint64_t now = clock_real_ns();
			timeout = r->due > now ? (int)((r->due - now) / NS_PER_MS) + 1 : 0;
		}
		int n = poll(pf, 3, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
			relay_screen(r);
		if (n > 0 && r->marks_open && (pf[1].revents & (POLLIN | POLLHUP)))
			relay_milestones(r);
		if (n > 0 && r->interactive && (pf[2].revents & POLLIN)) {
			unsigned char buf[4096];
			ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
			if (k > 0)
				fd_write_all(r->master, buf, (size_t)k);
		}
		while (r->next < r->sc.n && clock_real_ns() >= r->due)
			relay_action(r, &r->sc.actions[r->next++]);
	}
}

/* Reap the TUI, give the terminal back, close everything; the cast is
 * renamed into place only when whole. Returns the exit status. */
static int relay_finish(struct relay *r, int rc)
{
	int status = 0;
	if (r->pid > 0)
		while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
			;
	restore_tty();
	if (r->master >= 0)
		close(r->master);
	if (r->marks_r >= 0)
		close(r->marks_r);
	if (r->cmds_w >= 0)
		close(r->cmds_w);
	script_free(&r->sc);
	if (r->quit_implied)
		fprintf(stderr, "simul: --script ended without quit and there is no terminal to type one: "
		                "simul quit for it\n");
	if (rc != 0) {
		output_abandon(&r->out);
		return rc;
	}
	/* A character cut by the TUI's exit (never seen: it ends with a whole
	 * escape sequence) is left out rather than made invalid. */
	if (output_close(&r->out, 0) != 0)
		return APP_EXIT_FAIL;
	if (r->pid > 0 && WIFEXITED(status))
		return WEXITSTATUS(status);
	return APP_EXIT_INTERRUPTED;
}

int record_main(const struct app_options *o, char **argv)
{
	struct relay r = {.o = o, .master = -1, .marks_r = -1, .cmds_w = -1, .pid = -1};
	int rc = relay_prepare(&r);
	if (rc == 0)
		rc = relay_start(&r, argv);
	if (rc == 0) {
		cast_header(&r.cast, o, &r.ws);
		relay_loop(&r);
	}
	return relay_finish(&r, rc);
}
