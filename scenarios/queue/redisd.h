/*
 * redisd.h: a Redis server for one run of queue/rq, and the way to any
 * Redis server: its address, a connection, its version.
 *
 * redisd_start starts Debian's redis-server as a child of this process, in
 * a private temporary directory (mode 0700), listening on a unix socket
 * there and on no TCP port, with persistence off (no RDB, no AOF): nothing
 * of it outlives the run. redisd_stop stops it (SIGTERM, then SIGKILL),
 * reaps it and removes the directory, whatever state it is in. The server
 * is in a process group of its own, so a Ctrl-C typed at the terminal
 * reaches simul, which stops it, not the server directly; it gets SIGKILL
 * if the thread that started it dies (PR_SET_PDEATHSIG).
 *
 * Addresses are URLs: redis://HOST[:PORT][/DB] or unix:///PATH[?db=N]. A
 * password is never part of one (it would be written into reports and save
 * files): it comes from REDISCLI_AUTH, as for redis-cli.
 *
 * Not thread-safe: a redisd and a connection belong to one thread.
 */
#ifndef SIMUL_QUEUE_REDISD_H
#define SIMUL_QUEUE_REDISD_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <sys/types.h>

/* The oldest server queue/rq works with: streams (5.0) for the remote
 * workers' events; BLMOVE (6.2) is used when there, else BRPOPLPUSH. */
#define REDIS_MIN_MAJOR 5

struct run;

struct redis_addr {
	int is_unix;
	char host[128];
	int port;
	char path[108]; /* sun_path's size */
	int db;
};

/* Parse url into a; 0, or -1 with a one-line reason in err (what is
 * expected). Also the `redis` parameter's check. */
int redis_addr_parse(const char *url, struct redis_addr *a, char *err, size_t errlen);
int redis_url_check(const char *url, char *err, size_t errlen);
/* The address as a URL again (for messages). */
void redis_addr_format(const struct redis_addr *a, char *out, size_t n);

/* Connect (timeout_ms to connect; every command then waits at most
 * cmd_timeout_ms), AUTH with $REDISCLI_AUTH when set, SELECT the db.
 * NULL with a one-line reason in err. */
redisContext *redis_connect(const struct redis_addr *a, int timeout_ms, int cmd_timeout_ms, char *err,
                            size_t errlen);
/*
 * One command (printf-style, as redisCommand). Returns the reply, or NULL
 * with a one-line reason in err: the connection failed (c->err), or the
 * server answered with an error. The caller frees a reply with
 * freeReplyObject.
 */
redisReply *redis_cmd(redisContext *c, char *err, size_t errlen, const char *fmt, ...);
/* The same with arguments as strings (binary-safe, no format). */
redisReply *redis_cmd_argv(redisContext *c, char *err, size_t errlen, int argc, const char **argv);
/* redis_version from INFO server, e.g. "7.0.15"; 0 or -1 (err). */
int redis_server_version(redisContext *c, char *out, size_t n, char *err, size_t errlen);
/* 1 when version (x.y.z) is at least major.minor. */
int redis_version_at_least(const char *version, int major, int minor);

struct redisd {
	pid_t pid;           /* 0: not started */
	int reaped;
	int status;          /* waitpid's, once reaped */
	char dir[128];       /* the private directory, "" once removed */
	char sock[160];
	char log[160];
	char url[200];       /* unix://<sock> */
};

/*
 * Start redis-server ($SIMUL_REDIS_SERVER, else the first on PATH) and wait
 * (at most 5 s, or until the run stops) until it answers PING. Returns 0, or -1
 * with a one-line reason in err (not installed, could not start and what
 * its log says); on failure everything it made is already gone.
 */
int redisd_start(struct redisd *d, struct run *run, char *err, size_t errlen);
/* 0 while the server lives; -1 once it has exited, with how in why
 * ("killed by signal 9 (Killed)", "exited with status 1"). */
int redisd_check(struct redisd *d, char *why, size_t n);
/* Stop it (if alive), reap it, remove its directory. Safe to call twice. */
void redisd_stop(struct redisd *d);

#endif
