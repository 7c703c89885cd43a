/*
 * output.c: temporary file, then rename (see output.h).
 */
#include "output.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quote.h"

/* ---- temporary files still open, for a fatal signal to remove ---- */

#define OUTPUT_TEMPS_MAX 16

static struct {
	volatile sig_atomic_t used;
	char path[PATH_MAX];
} temps[OUTPUT_TEMPS_MAX];

static void temp_register(const char *path)
{
	for (int i = 0; i < OUTPUT_TEMPS_MAX; i++)
		if (!temps[i].used) {
			snprintf(temps[i].path, sizeof(temps[i].path), "%s", path);
			temps[i].used = 1;
			return;
		}
	/* More than OUTPUT_TEMPS_MAX at once: that one is not removed by a
	 * fatal signal (but still by output_close and output_abandon). */
}

static void temp_forget(const char *path)
{
	for (int i = 0; i < OUTPUT_TEMPS_MAX; i++)
		if (temps[i].used && strcmp(temps[i].path, path) == 0)
			temps[i].used = 0;
}

void output_unlink_temps(void)
{
	for (int i = 0; i < OUTPUT_TEMPS_MAX; i++)
		if (temps[i].used) {
			unlink(temps[i].path);
			temps[i].used = 0;
		}
}

/* ---- errors ---- */

__attribute__((format(printf, 2, 3))) static void output_error(struct output *o, const char *fmt, ...)
{
	char why[PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	char path[QUOTE_MAX];
	snprintf(o->err, sizeof(o->err), "simul: %s %s: %s", o->option, quote_text(o->path, path, sizeof(path)),
	         why);
	if (!o->quiet)
		fprintf(stderr, "%s\n", o->err);
}

/* ---- where to write ---- */

enum place { PLACE_REPLACE, PLACE_IN_PLACE, PLACE_DANGLING };

/* How path is written: replaced whole (o->target: path, or the plain file
 * its link points to), written in place (standard output, and what exists
 * but is not a plain file), or refused (a link to nothing). */
static enum place output_place(struct output *o)
{
	struct stat st;
	snprintf(o->target, sizeof(o->target), "%s", o->path);
	if (strcmp(o->path, "-") == 0)
		return PLACE_IN_PLACE;
	if (lstat(o->path, &st) != 0)
		return PLACE_REPLACE; /* a new file */
	if (S_ISREG(st.st_mode))
		return PLACE_REPLACE;
	if (!S_ISLNK(st.st_mode))
		return PLACE_IN_PLACE;
	if (stat(o->path, &st) != 0)
		return PLACE_DANGLING;
	if (!S_ISREG(st.st_mode))
		return PLACE_IN_PLACE; /* /dev/stdout to a terminal or a pipe, say */
	char real[PATH_MAX];
	if (realpath(o->path, real) == NULL)
		return PLACE_DANGLING;
	snprintf(o->target, sizeof(o->target), "%s", real);
	return PLACE_REPLACE;
}

static FILE *output_make_temp(struct output *o)
{
	const char *slash = strrchr(o->target, '/');
	int dirlen = slash ? (int)(slash - o->target + 1) : 0;
	const char *base = slash ? slash + 1 : o->target;
	int n = snprintf(o->tmp, sizeof(o->tmp), "%.*s.%s.XXXXXX", dirlen, o->target, base);
	if (n < 0 || (size_t)n >= sizeof(o->tmp)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	int fd = mkstemp(o->tmp);
	if (fd < 0)
		return NULL;
	temp_register(o->tmp);
	/* mkstemp makes it private; give it the mode fopen would have: the old
	 * file's (a private file stays private), else what umask allows. */
	struct stat st;
	mode_t mask = umask(0);
	umask(mask);
	mode_t mode = stat(o->target, &st) == 0 ? st.st_mode & 07777 : 0666 & ~mask;
	if (fchmod(fd, mode) != 0) {
		/* keep it private then */
	}
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		int e = errno;
		close(fd);
		unlink(o->tmp);
		temp_forget(o->tmp);
		errno = e;
	}
	return f;
}

static int output_open_as(struct output *o, const char *option, const char *path, int quiet)
{
	memset(o, 0, sizeof(*o));
	o->option = option;
	o->path = path;
	o->quiet = quiet;
	if (path == NULL)
		return 0;
	switch (output_place(o)) {
	case PLACE_DANGLING:
		output_error(o, "a symbolic link to a file that does not exist; give the file itself");
		return -1;
	case PLACE_IN_PLACE:
		o->f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
		break;
	case PLACE_REPLACE:
		o->f = output_make_temp(o);
		break;
	}
	if (o->f == NULL) {
		output_error(o, "%s", strerror(errno));
		o->tmp[0] = '\0';
		return -1;
	}
	return 0;
}

int output_open(struct output *o, const char *option, const char *path)
{
	return output_open_as(o, option, path, 0);
}

int output_open_quiet(struct output *o, const char *option, const char *path)
{
	return output_open_as(o, option, path, 1);
}

int output_close(struct output *o, int write_rc)
{
	int rc = 0;
	if (o->f == NULL)
		return 0;
	errno = 0;
	int flushed = fflush(o->f) == 0; /* first: what is buffered may fail too */
	int e = errno;
	if (write_rc != 0 || !flushed || ferror(o->f)) {
		output_error(o, "write failed%s%s", e ? ": " : "", e ? strerror(e) : "");
		rc = -1;
	}
	if (o->f == stdout)
		clearerr(stdout); /* said once here: not again at exit */
	if (o->f != stdout && fclose(o->f) != 0 && rc == 0) {
		output_error(o, "%s", strerror(errno));
		rc = -1;
	}
	o->f = NULL;
	if (o->tmp[0] != '\0') {
		if (rc == 0 && rename(o->tmp, o->target) != 0) {
			output_error(o, "%s", strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			unlink(o->tmp);
		temp_forget(o->tmp);
		o->tmp[0] = '\0';
	}
	return rc;
}

void output_abandon(struct output *o)
{
	if (o->f != NULL && o->f != stdout)
		fclose(o->f);
	else if (o->f == stdout)
		fflush(stdout);
	o->f = NULL;
	if (o->tmp[0] != '\0') {
		unlink(o->tmp);
		temp_forget(o->tmp);
	}
	o->tmp[0] = '\0';
}

/* ---- one file under two names ---- */

/* The directory part of path ("." when none) into dir. */
static void output_dir_of(const char *path, char *dir, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, n, ".");
	else if (slash == path)
		snprintf(dir, n, "/");
	else
		snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

int output_same_file(const char *a, const char *b)
{
	int a_out = strcmp(a, "-") == 0, b_out = strcmp(b, "-") == 0;
	struct stat sa, sb;
	if (a_out && b_out)
		return 1;
	int ha = a_out ? fstat(STDOUT_FILENO, &sa) == 0 : stat(a, &sa) == 0;
	int hb = b_out ? fstat(STDOUT_FILENO, &sb) == 0 : stat(b, &sb) == 0;
	if (ha && hb)
		return S_ISREG(sa.st_mode) && S_ISREG(sb.st_mode) && sa.st_dev == sb.st_dev &&
		       sa.st_ino == sb.st_ino;
	if (ha || hb || a_out || b_out)
		return 0;
	/* Neither exists yet: the same name in the same directory. */
	const char *ba = strrchr(a, '/'), *bb = strrchr(b, '/');
	if (strcmp(ba ? ba + 1 : a, bb ? bb + 1 : b) != 0)
		return 0;
	char da[PATH_MAX], db[PATH_MAX];
	output_dir_of(a, da, sizeof(da));
	output_dir_of(b, db, sizeof(db));
	return stat(da, &sa) == 0 && stat(db, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
