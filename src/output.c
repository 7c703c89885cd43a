/*
 * output.c: temporary file, then rename (see output.h).
 */
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Written in place rather than replaced: standard output, and anything
 * that exists but is not a plain file. */
static int output_in_place(const char *path)
{
	struct stat st;
	if (strcmp(path, "-") == 0)
		return 1;
	if (lstat(path, &st) != 0)
		return 0;
	return !S_ISREG(st.st_mode);
}

static FILE *output_make_temp(struct output *o)
{
	const char *slash = strrchr(o->path, '/');
	int dirlen = slash ? (int)(slash - o->path + 1) : 0;
	const char *base = slash ? slash + 1 : o->path;
	int n = snprintf(o->tmp, sizeof(o->tmp), "%.*s.%s.XXXXXX", dirlen, o->path, base);
	if (n < 0 || (size_t)n >= sizeof(o->tmp)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	int fd = mkstemp(o->tmp);
	if (fd < 0)
		return NULL;
	/* mkstemp makes it private; give it the mode fopen would have. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0) {
		/* keep it private then */
	}
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		int e = errno;
		close(fd);
		unlink(o->tmp);
		errno = e;
	}
	return f;
}

int output_open(struct output *o, const char *option, const char *path)
{
	memset(o, 0, sizeof(*o));
	o->option = option;
	o->path = path;
	if (path == NULL)
		return 0;
	if (strcmp(path, "-") == 0)
		o->f = stdout;
	else if (output_in_place(path))
		o->f = fopen(path, "w");
	else
		o->f = output_make_temp(o);
	if (o->f == NULL) {
		fprintf(stderr, "simul: %s %s: %s\n", option, path, strerror(errno));
		o->tmp[0] = '\0';
		return -1;
	}
	return 0;
}

int output_close(struct output *o, int write_rc)
{
	int rc = 0;
	if (o->f == NULL)
		return 0;
	errno = 0;
	if (write_rc != 0 || fflush(o->f) != 0 || ferror(o->f)) {
		fprintf(stderr, "simul: %s %s: write failed%s%s\n", o->option, o->path, errno ? ": " : "",
		        errno ? strerror(errno) : "");
		rc = -1;
	}
	if (o->f != stdout && fclose(o->f) != 0 && rc == 0) {
		fprintf(stderr, "simul: %s %s: %s\n", o->option, o->path, strerror(errno));
		rc = -1;
	}
	o->f = NULL;
	if (o->tmp[0] != '\0') {
		if (rc == 0 && rename(o->tmp, o->path) != 0) {
			fprintf(stderr, "simul: %s %s: %s\n", o->option, o->path, strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			unlink(o->tmp);
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
	if (o->tmp[0] != '\0')
		unlink(o->tmp);
	o->tmp[0] = '\0';
}
