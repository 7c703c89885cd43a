/*
 * redisd.c: Redis addresses and connections, and the private redis-server
 * of a queue/rq run (see redisd.h).
 */
#include "redisd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

#define REDISD_START_MS 5000
#define REDISD_STOP_MS 2000
#define REDIS_URL_EXPECTED "expected redis://HOST[:PORT][/DB] or unix:///PATH[?db=N]"

/* ---- addresses ---- */

static int parse_uint(const char *s, size_t len, long max, long *out)
{
	long v = 0;
	if (len == 0 || len > 9)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_unix(const char *rest, struct redis_addr *a, char *err, size_t errlen)
{
	const char *q = strchr(rest, '?');
	size_t len = q ? (size_t)(q - rest) : strlen(rest);
	long db = 0;
	if (len == 0 || rest[0] != '/') {
		snprintf(err, errlen, "the socket's path must be absolute; %s", REDIS_URL_EXPECTED);
		return -1;
	}
	if (len >= sizeof(a->path)) {
		snprintf(err, errlen, "a unix socket's path has at most %zu characters; %s", sizeof(a->path) - 1,
		         REDIS_URL_EXPECTED);
		return -1;
	}
	if (q != NULL && (strncmp(q, "?db=", 4) != 0 || parse_uint(q + 4, strlen(q + 4), 255, &db) != 0)) {
		snprintf(err, errlen, "after the path only ?db=N (0..255) may follow; %s", REDIS_URL_EXPECTED);
		return -1;
	}
	a->is_unix = 1;
	memcpy(a->path, rest, len);
	a->path[len] = '\0';
	a->db = (int)db;
	return 0;
}

static int parse_tcp(const char *rest, struct redis_addr *a, char *err, size_t errlen)
{
	const char *slash = strchr(rest, '/');
	size_t hp = slash ? (size_t)(slash - rest) : strlen(rest);
	const char *host = rest, *port = NULL;
	size_t hl;
	long v;
	if (rest[0] == '[') { /* [IPv6]:port */
		const char *close = memchr(rest, ']', hp);
		if (close == NULL)
			goto bad;
		host = rest + 1;
		hl = (size_t)(close - host);
		if (close + 1 < rest + hp) {
			if (close[1] != ':')
				goto bad;
			port = close + 2;
		}
	} else {
		const char *colon = memchr(rest, ':', hp);
		hl = colon ? (size_t)(colon - rest) : hp;
		port = colon ? colon + 1 : NULL;
	}
	if (hl == 0 || hl >= sizeof(a->host))
		goto bad;
	memcpy(a->host, host, hl);
	a->host[hl] = '\0';
	a->port = 6379;
	if (port != NULL) {
		if (parse_uint(port, (size_t)(rest + hp - port), 65535, &v) != 0 || v == 0) {
			snprintf(err, errlen, "the port must be 1..65535; %s", REDIS_URL_EXPECTED);
			return -1;
		}
		a->port = (int)v;
	}
	a->db = 0;
	if (slash != NULL && slash[1] != '\0') {
		if (parse_uint(slash + 1, strlen(slash + 1), 255, &v) != 0) {
			snprintf(err, errlen, "the database must be a number 0..255; %s", REDIS_URL_EXPECTED);
			return -1;
		}
		a->db = (int)v;
	}
	return 0;
bad:
	snprintf(err, errlen, "no host; %s", REDIS_URL_EXPECTED);
	return -1;
}

int redis_addr_parse(const char *url, struct redis_addr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (strchr(url, '@') != NULL) {
		snprintf(err, errlen, "no password in the URL (it would be written into reports): set "
		         "REDISCLI_AUTH instead; %s", REDIS_URL_EXPECTED);
		return -1;
	}
	if (strncmp(url, "unix://", 7) == 0)
		return parse_unix(url + 7, a, err, errlen);
	if (strncmp(url, "redis://", 8) == 0)
		return parse_tcp(url + 8, a, err, errlen);
	if (strncmp(url, "rediss://", 9) == 0)
		snprintf(err, errlen, "TLS (rediss://) is not supported; %s", REDIS_URL_EXPECTED);
	else
		snprintf(err, errlen, "%s", REDIS_URL_EXPECTED);
	return -1;
}

int redis_url_check(const char *url, char *err, size_t errlen)
{
	struct redis_addr a;
	return redis_addr_parse(url, &a, err, errlen);
}

void redis_addr_format(const struct redis_addr *a, char *out, size_t n)
{
	if (a->is_unix)
		snprintf(out, n, "unix://%s%s", a->path, a->db ? "?db=" : "");
	else if (strchr(a->host, ':') != NULL)
		snprintf(out, n, "redis://[%s]:%d", a->host, a->port);
	else
		snprintf(out, n, "redis://%s:%d", a->host, a->port);
	if (a->db) {
		size_t l = strlen(out);
		snprintf(out + l, n > l ? n - l : 0, a->is_unix ? "%d" : "/%d", a->db);
	}
}

/* ---- connections and commands ---- */

static void conn_error(redisContext *c, char *err, size_t errlen)
{
	if (c->err == REDIS_ERR_EOF)
		snprintf(err, errlen, "the Redis server closed the connection");
	else if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK))
		snprintf(err, errlen, "the Redis server did not answer in time");
	else
		snprintf(err, errlen, "lost the connection to Redis: %s", c->errstr);
}

static redisReply *checked(redisContext *c, redisReply *r, char *err, size_t errlen)
{
	if (r == NULL) {
		conn_error(c, err, errlen);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "Redis said: %s", r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

redisReply *redis_cmd(redisContext *c, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	redisReply *r = redisvCommand(c, fmt, ap);
	va_end(ap);
	return checked(c, r, err, errlen);
}

redisReply *redis_cmd_argv(redisContext *c, char *err, size_t errlen, int argc, const char **argv)
{
	return checked(c, redisCommandArgv(c, argc, argv, NULL), err, errlen);
}

static struct timeval ms_tv(int ms)
{
	return (struct timeval){.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
}

redisContext *redis_connect(const struct redis_addr *a, int timeout_ms, int cmd_timeout_ms, char *err,
                            size_t errlen)
{
	char url[200];
	redis_addr_format(a, url, sizeof(url));
	redisContext *c = a->is_unix ? redisConnectUnixWithTimeout(a->path, ms_tv(timeout_ms))
	                             : redisConnectWithTimeout(a->host, a->port, ms_tv(timeout_ms));
	if (c == NULL) {
		snprintf(err, errlen, "cannot connect to %s: out of memory", url);
		return NULL;
	}
	if (c->err) {
		snprintf(err, errlen, "cannot connect to %s: %s", url, c->errstr);
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, ms_tv(cmd_timeout_ms));
	char why[200];
	const char *pass = getenv("REDISCLI_AUTH");
	redisReply *r = NULL;
	if (pass != NULL && pass[0] != '\0' && (r = redis_cmd(c, why, sizeof(why), "AUTH %s", pass)) == NULL)
		goto fail;
	freeReplyObject(r);
	r = NULL;
	if (a->db != 0 && (r = redis_cmd(c, why, sizeof(why), "SELECT %d", a->db)) == NULL)
		goto fail;
	freeReplyObject(r);
	return c;
fail:
	snprintf(err, errlen, "%s: %s", url, why);
	redisFree(c);
	return NULL;
}

int redis_server_version(redisContext *c, char *out, size_t n, char *err, size_t errlen)
{
	redisReply *r = redis_cmd(c, err, errlen, "INFO server");
	if (r == NULL)
		return -1;
	const char *v = r->type == REDIS_REPLY_STRING ? strstr(r->str, "redis_version:") : NULL;
	if (v == NULL) {
		snprintf(err, errlen, "INFO server has no redis_version: is this a Redis server?");
		freeReplyObject(r);
		return -1;
	}
	v += strlen("redis_version:");
	size_t len = strcspn(v, "\r\n");
	snprintf(out, n, "%.*s", (int)len, v);
	freeReplyObject(r);
	return 0;
}

int redis_version_at_least(const char *version, int major, int minor)
{
	int ma = 0, mi = 0;
	if (sscanf(version, "%d.%d", &ma, &mi) < 1)
		return 0;
	return ma > major || (ma == major && mi >= minor);
}

/* ---- the private server ---- */

/* The first executable called name in $PATH, into out. */
static int find_in_path(const char *name, char *out, size_t n)
{
	const char *path = getenv("PATH");
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		if (len > 0) {
			snprintf(out, n, "%.*s/%s", (int)len, path, name);
			if (access(out, X_OK) == 0)
				return 0;
		}
		path += len;
		if (*path == ':')
			path++;
	}
	return -1;
}

static void describe_status(int status, char *why, size_t n)
{
	if (WIFSIGNALED(status))
		snprintf(why, n, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(why, n, "could not be run (exit status 127)");
	else
		snprintf(why, n, "exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* The last line of the server's log, without Redis's "pid:role date #"
 * prefix, into out ("" when the log is empty). */
static void log_tail(const char *path, char *out, size_t n)
{
	char buf[4096];
	out[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0;
	ssize_t k = pread(fd, buf, sizeof(buf) - 1, from);
	close(fd);
	if (k <= 0)
		return;
	buf[k] = '\0';
	while (k > 0 && (buf[k - 1] == '\n' || buf[k - 1] == '\r' || buf[k - 1] == ' '))
		buf[--k] = '\0';
	char *line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	char *mark = strstr(line, " # ");
	if (mark == NULL)
		mark = strstr(line, " * ");
	snprintf(out, n, "%.*s", (int)(n - 1), mark ? mark + 3 : line);
}

static void remove_dir(struct redisd *d)
{
	if (d->dir[0] == '\0')
		return;
	DIR *dir = opendir(d->dir);
	if (dir != NULL) {
		struct dirent *e;
		while ((e = readdir(dir)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				unlinkat(dirfd(dir), e->d_name, 0);
		closedir(dir);
	}
	rmdir(d->dir);
	d->dir[0] = '\0';
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_exec(const char *bin, char *const argv[], pid_t parent, int nullfd, int logfd)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	/* Sent when the thread that forked dies: the scenario thread stops
	 * the server before it returns, so this only fires if simul dies. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	dup2(nullfd, 0);
	dup2(logfd, 1);
	dup2(logfd, 2);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	execv(bin, argv);
	_exit(127);
}

static int spawn_server(struct redisd *d, const char *bin, char *err, size_t errlen)
{
	char *const argv[] = {
		(char *)"redis-server", "--port", "0", "--unixsocket", d->sock, "--unixsocketperm", "700",
		"--dir", d->dir, "--save", "", "--appendonly", "no", "--daemonize", "no",
		"--loglevel", "notice", "--databases", "1", NULL,
	};
	int logfd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (logfd < 0 || nullfd < 0) {
		snprintf(err, errlen, "cannot make the Redis server's log in %s: %s", d->dir, strerror(errno));
		if (logfd >= 0)
			close(logfd);
		if (nullfd >= 0)
			close(nullfd);
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		child_exec(bin, argv, parent, nullfd, logfd);
	int e = errno;
	close(logfd);
	close(nullfd);
	if (pid < 0) {
		snprintf(err, errlen, "cannot start redis-server: %s", strerror(e));
		return -1;
	}
	d->pid = pid;
	return 0;
}

/* Until it answers PING, exits, the run stops or REDISD_START_MS pass. */
static int wait_ready(struct redisd *d, const char *bin, struct run *run, char *err, size_t errlen)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	for (int waited = 0; waited < REDISD_START_MS; waited += 10) {
		char why[96], tail[160];
		if (redisd_check(d, why, sizeof(why)) != 0) {
			log_tail(d->log, tail, sizeof(tail));
			snprintf(err, errlen, "the Redis server (%s) %s as it started%s%s", bin, why,
			         tail[0] ? ": " : "; its log is empty", tail);
			return -1;
		}
		redisContext *c = redisConnectUnixWithTimeout(d->sock, ms_tv(200));
		if (c != NULL && !c->err) {
			redisSetTimeout(c, ms_tv(1000));
			redisReply *r = redisCommand(c, "PING");
			int ok = r != NULL && r->type == REDIS_REPLY_STATUS;
			freeReplyObject(r);
			redisFree(c);
			if (ok)
				return 0;
		} else if (c != NULL) {
			redisFree(c);
		}
		if (run != NULL && run_stopping(run)) {
			snprintf(err, errlen, "stopped while the Redis server started");
			return -1;
		}
		nanosleep(&tick, NULL);
	}
	snprintf(err, errlen, "the Redis server (%s) did not answer within %d s", bin, REDISD_START_MS / 1000);
	return -1;
}

int redisd_start(struct redisd *d, struct run *run, char *err, size_t errlen)
{
	char bin[256];
	memset(d, 0, sizeof(*d));
	const char *env = getenv("SIMUL_REDIS_SERVER");
	if (env != NULL && env[0] != '\0') {
		snprintf(bin, sizeof(bin), "%s", env);
		if (access(bin, X_OK) != 0) {
			snprintf(err, errlen, "cannot run SIMUL_REDIS_SERVER=%s: %s", bin, strerror(errno));
			return -1;
		}
	} else if (find_in_path("redis-server", bin, sizeof(bin)) != 0) {
		snprintf(err, errlen, "redis-server is not installed (Debian: apt-get install redis-server); or "
		         "give redis=URL of a running Redis");
		return -1;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(d->dir, sizeof(d->dir), "%s/simul-redis-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (mkdtemp(d->dir) == NULL) {
		snprintf(err, errlen, "cannot make a private directory for the Redis server (%s): %s", d->dir,
		         strerror(errno));
		d->dir[0] = '\0';
		return -1;
	}
	int k = snprintf(d->sock, sizeof(d->sock), "%s/redis.sock", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/redis.log", d->dir);
	snprintf(d->url, sizeof(d->url), "unix://%s", d->sock);
	if (k < 0 || (size_t)k >= sizeof(((struct redis_addr *)0)->path)) {
		snprintf(err, errlen, "the temporary directory's path is too long for a unix socket: %s "
		         "(set TMPDIR to a shorter one)", d->dir);
		redisd_stop(d);
		return -1;
	}
	if (spawn_server(d, bin, err, errlen) != 0 || wait_ready(d, bin, run, err, errlen) != 0) {
		redisd_stop(d);
		return -1;
	}
	return 0;
}

int redisd_check(struct redisd *d, char *why, size_t n)
{
	if (d->pid <= 0) {
		snprintf(why, n, "was never started");
		return -1;
	}
	if (!d->reaped) {
		int st;
		pid_t r = waitpid(d->pid, &st, WNOHANG);
		if (r == 0)
			return 0;
		d->reaped = 1;
		d->status = r == d->pid ? st : 0;
	}
	describe_status(d->status, why, n);
	return -1;
}

void redisd_stop(struct redisd *d)
{
	if (d->pid > 0 && !d->reaped) {
		struct timespec tick = {0, 5 * 1000 * 1000};
		int st;
		kill(d->pid, SIGTERM);
		for (int waited = 0; waited < REDISD_STOP_MS && !d->reaped; waited += 5) {
			if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
				d->reaped = 1;
				d->status = st;
			} else {
				nanosleep(&tick, NULL);
			}
		}
		if (!d->reaped) {
			kill(d->pid, SIGKILL);
			while (waitpid(d->pid, &st, 0) < 0 && errno == EINTR)
				;
			d->reaped = 1;
			d->status = st;
		}
	}
	remove_dir(d);
}
