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
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "model.h"
#include "run.h"
#include "script.h"

#define RECORD_ENV "SIMUL_RELAYED"
#define RECORD_MARK_FD_ENV "SIMUL_MARK_FD"
#define RECORD_CMD_FD_ENV "SIMUL_CMD_FD"

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

void record_milestones_publish(const struct model *m)
{
	static size_t told;
	static int fd = -2;
	if (fd == -2)
		fd = env_fd(RECORD_MARK_FD_ENV);
	if (fd < 0)
		return;
	for (; told < model_milestone_count(m); told++) {
		struct model_mark mk;
		char line[TRACE_TEXT_MAX + 2];
		if (model_milestone_get(m, told, &mk) != 0)
			continue;
		int n = snprintf(line, sizeof(line), "%s\n", mk.text);
		for (char *p = line; *p && p < line + n - 1; p++)
			if (*p == '\n')
				*p = ' ';
		if (write(fd, line, (size_t)n) < 0)
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
	double t = (double)(clock_now_ns() - c->t0) / 1e9;
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
	unsigned char *buf = malloc(c->ncarry + n);
	if (buf == NULL)
		return;
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
	if (key > SCRIPT_KEY_F0 && key <= SCRIPT_KEY_F0 + 12) {
		static const char *const fk[12] = {"\033OP", "\033OQ", "\033OR", "\033OS", "\033[15~", "\033[17~",
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

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
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

int record_main(const struct app_options *o, char **argv)
{
	struct script sc = {0};
	struct cast cast = {0};
	char err[512];
	struct winsize ws = {.ws_col = 100, .ws_row = 30};

	if (o->script != NULL && script_load(o->script, &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "simul: --script %s\n", err);
		return APP_EXIT_USAGE;
	}
	if (o->size_w > 0) {
		ws.ws_col = (unsigned short)o->size_w;
		ws.ws_row = (unsigned short)o->size_h;
	} else {
		struct winsize real;
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &real) == 0 && real.ws_col > 0 && real.ws_row > 0)
			ws = real;
	}
	if (o->record != NULL) {
		cast.f = fopen(o->record, "w");
		if (cast.f == NULL) {
			fprintf(stderr, "simul: --record %s: %s\n", o->record, strerror(errno));
			script_free(&sc);
			return APP_EXIT_USAGE;
		}
	}
	int interactive = isatty(STDIN_FILENO);
	if (!interactive && sc.n == 0) {
		fprintf(stderr, "simul: the interactive view needs a terminal (or a --script); use --plain or --report\n");
		if (cast.f)
			fclose(cast.f);
		return APP_EXIT_USAGE;
	}
	int pipefd[2], cmdfd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0 || pipe2(cmdfd, O_CLOEXEC) != 0) {
		fprintf(stderr, "simul: pipe: %s\n", strerror(errno));
		return APP_EXIT_FAIL;
	}
	/* The child keeps its ends across exec. */
	fcntl(pipefd[1], F_SETFD, 0);
	fcntl(cmdfd[0], F_SETFD, 0);
	int master = -1;
	pid_t pid = -1;
	int rc = spawn_in_pty(argv, &ws, pipefd[1], cmdfd[0], &master, &pid);
	close(pipefd[1]);
	close(cmdfd[0]);
	if (rc != 0) {
		fprintf(stderr, "simul: cannot start a pseudo-terminal: %s\n", strerror(-rc));
		close(pipefd[0]);
		close(cmdfd[1]);
		return APP_EXIT_FAIL;
	}
	if (interactive && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
		struct termios raw = saved_tty;
		cfmakeraw(&raw);
		have_saved_tty = 1;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	}
	signal(SIGPIPE, SIG_IGN);
	child_pid = pid;
	struct sigaction sa = {.sa_handler = forward_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	cast.t0 = clock_now_ns();
	if (cast.f != NULL) {
		const char *term = "xterm-256color", *shell = getenv("SHELL");
		fprintf(cast.f, "{\"version\": 2, \"width\": %d, \"height\": %d, \"timestamp\": %lld, \"title\": ",
		        ws.ws_col, ws.ws_row, (long long)time(NULL));
		char title[160];
		if (o->replay != NULL)
			snprintf(title, sizeof(title), "simul: replay of %s", o->replay);
		else
			snprintf(title, sizeof(title), "simul%s%s", o->demo ? ": " : "", o->demo ? o->demo : "");
		cast_json_bytes(cast.f, (const unsigned char *)title, strlen(title));
		fputs(", \"env\": {\"TERM\": ", cast.f);
		cast_json_bytes(cast.f, (const unsigned char *)term, strlen(term));
		fputs(", \"SHELL\": ", cast.f);
		cast_json_bytes(cast.f, (const unsigned char *)(shell ? shell : "/bin/sh"),
		                strlen(shell ? shell : "/bin/sh"));
		fputs("}}\n", cast.f);
	}

	size_t next = 0;
	uint64_t due = clock_now_ns();
	char markbuf[1024];
	size_t nmark = 0;
	unsigned char buf[16384];
	int master_open = 1, mark_open = 1;
	while (master_open) {
		struct pollfd pf[3] = {
			{.fd = master, .events = POLLIN},
			{.fd = mark_open ? pipefd[0] : -1, .events = POLLIN},
			{.fd = interactive ? STDIN_FILENO : -1, .events = POLLIN},
		};
		int timeout = -1;
		if (next < sc.n) {
			uint64_t now = clock_now_ns();
			timeout = due > now ? (int)((due - now) / 1000000) + 1 : 0;
		}
		int n = poll(pf, 3, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(master, buf, sizeof(buf));
			if (r <= 0) {
				master_open = 0; /* EIO: the TUI has exited */
			} else {
				write_all(STDOUT_FILENO, buf, (size_t)r);
				cast_output(&cast, buf, (size_t)r);
			}
		}
		if (n > 0 && mark_open && (pf[1].revents & (POLLIN | POLLHUP))) {
			ssize_t r = read(pipefd[0], markbuf + nmark, sizeof(markbuf) - 1 - nmark);
			if (r <= 0) {
				mark_open = 0;
			} else {
				nmark += (size_t)r;
				char *nl;
				while ((nl = memchr(markbuf, '\n', nmark)) != NULL) {
					*nl = '\0';
					cast_marker(&cast, markbuf);
					nmark -= (size_t)(nl + 1 - markbuf);
					memmove(markbuf, nl + 1, nmark);
				}
				if (nmark == sizeof(markbuf) - 1)
					nmark = 0;
			}
		}
		if (n > 0 && interactive && (pf[2].revents & POLLIN)) {
			ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));
			if (r > 0)
				write_all(master, buf, (size_t)r);
		}
		/* Script actions that are due. */
		while (next < sc.n && clock_now_ns() >= due) {
			const struct script_action *a = &sc.actions[next++];
			char one[2];
			switch (a->op) {
			case SCRIPT_WAIT:
				due = clock_now_ns() + a->ns;
				break;
			case SCRIPT_KEY: {
				const char *k = key_bytes(a->key, one);
				write_all(master, k, strlen(k));
				/* Let the TUI read an Esc alone, not as the start of a sequence. */
				if (a->key == 27)
					due = clock_now_ns() + 60 * 1000000ull;
				break;
			}
			case SCRIPT_QUIT:
				write_all(master, "q", 1);
				break;
			case SCRIPT_MARKER:
				cast_marker(&cast, a->text);
				break;
			case SCRIPT_RUN:
			case SCRIPT_SELECT:
			case SCRIPT_SET: {
				char line[SCRIPT_TEXT_MAX + 16];
				int len = a->op == SCRIPT_RUN ? snprintf(line, sizeof(line), "run\n")
				          : snprintf(line, sizeof(line), "%s %s\n", a->op == SCRIPT_SET ? "set" : "select",
				                     a->text);
				write_all(cmdfd[1], line, (size_t)len);
				break;
			}
			}
		}
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	restore_tty();
	close(master);
	close(pipefd[0]);
	close(cmdfd[1]);
	script_free(&sc);
	if (cast.f != NULL) {
		/* A character cut by the TUI's exit (never seen: it ends with a
		 * whole escape sequence) is left out rather than made invalid. */
		if (fclose(cast.f) != 0) {
			fprintf(stderr, "simul: --record %s: %s\n", o->record, strerror(errno));
			return APP_EXIT_FAIL;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return APP_EXIT_INTERRUPTED;
}
