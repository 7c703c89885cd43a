/*
 * test_output.c: output files appear whole or not at all: written to a
 * temporary file beside the target and renamed on success; a failed write
 * leaves the old file as it was and no temporary file behind; paths that
 * are not plain files are written in place; a bad path fails at open.
 */
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "support.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/simul-test-output.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int entries(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void read_file(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
}

START_TEST(written_whole_on_success)
{
	char path[128], buf[64];
	struct output o;
	snprintf(path, sizeof(path), "%s/r.json", dir);
	ck_assert_int_eq(output_open(&o, "--report", path), 0);
	/* Until it is closed the target does not exist: only the temporary. */
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(entries(), 1);
	fputs("{}\n", o.f);
	ck_assert_int_eq(output_close(&o, 0), 0);
	read_file(path, buf, sizeof(buf));
	ck_assert_str_eq(buf, "{}\n");
	ck_assert_int_eq(entries(), 1);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	mode_t mask = umask(0);
	umask(mask);
	ck_assert_int_eq(st.st_mode & 0777, 0666 & ~mask);
}
END_TEST

START_TEST(failure_keeps_the_old_file)
{
	char path[128], buf[64];
	struct output o;
	snprintf(path, sizeof(path), "%s/r.json", dir);
	FILE *f = fopen(path, "w");
	fputs("old\n", f);
	fclose(f);
	ck_assert_int_eq(output_open(&o, "--report", path), 0);
	fputs("half of a new", o.f);
	ck_assert_int_eq(output_close(&o, -1), -1);
	read_file(path, buf, sizeof(buf));
	ck_assert_str_eq(buf, "old\n");
	ck_assert_int_eq(entries(), 1);

	/* Abandoned (the run never started): same. */
	ck_assert_int_eq(output_open(&o, "--save", path), 0);
	output_abandon(&o);
	read_file(path, buf, sizeof(buf));
	ck_assert_str_eq(buf, "old\n");
	ck_assert_int_eq(entries(), 1);
}
END_TEST

START_TEST(special_files_in_place_and_bad_paths)
{
	struct output o;
	char path[128];
	ck_assert_int_eq(output_open(&o, "--trace", "/dev/null"), 0);
	ck_assert_str_eq(o.tmp, "");
	fputs("x", o.f);
	ck_assert_int_eq(output_close(&o, 0), 0);
	struct stat st;
	ck_assert_int_eq(stat("/dev/null", &st), 0);
	ck_assert(S_ISCHR(st.st_mode));

	snprintf(path, sizeof(path), "%s/no/such/dir/r.json", dir);
	ck_assert_int_eq(output_open(&o, "--report", path), -1);
	ck_assert_ptr_null(o.f);
	ck_assert_int_eq(output_open(&o, "--report", NULL), 0);
	ck_assert_ptr_null(o.f);
	ck_assert_int_eq(output_close(&o, 0), 0);
	ck_assert_int_eq(entries(), 0);
}
END_TEST

START_TEST(links_are_followed_to_a_plain_file)
{
	char real[128], link[128], dang[128], buf[64];
	struct output o;
	snprintf(real, sizeof(real), "%s/real.json", dir);
	snprintf(link, sizeof(link), "%s/link.json", dir);
	snprintf(dang, sizeof(dang), "%s/dangling.json", dir);
	FILE *f = fopen(real, "w");
	fputs("old", f);
	fclose(f);
	ck_assert_int_eq(chmod(real, 0600), 0);
	ck_assert_int_eq(symlink("real.json", link), 0);
	ck_assert_int_eq(output_open(&o, "--report", link), 0);
	fputs("new", o.f);
	ck_assert_int_eq(output_close(&o, 0), 0);
	struct stat st;
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert_msg(S_ISLNK(st.st_mode), "the link was replaced by a file");
	read_file(real, buf, sizeof(buf));
	ck_assert_str_eq(buf, "new");
	ck_assert_int_eq(stat(real, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600); /* private stays private */

	/* A link to nothing: refused, nothing made. */
	ck_assert_int_eq(symlink("nowhere/x", dang), 0);
	ck_assert_int_eq(output_open_quiet(&o, "--save", dang), -1);
	ck_assert_ptr_nonnull(strstr(o.err, "symbolic link to a file that does not exist"));
	ck_assert_int_eq(entries(), 3);
}
END_TEST

START_TEST(a_fatal_signal_leaves_no_temporary_file)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/s.save", dir);
	FILE *f = fopen(path, "w");
	fputs("the old run", f);
	fclose(f);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct output o;
		if (output_open(&o, "--save", path) != 0)
			_exit(3);
		fputs("half a run", o.f);
		fflush(o.f);
		output_unlink_temps(); /* what fatal.c's handler does */
		_exit(entries() == 1 ? 0 : 4);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	char buf[64];
	read_file(path, buf, sizeof(buf));
	ck_assert_str_eq(buf, "the old run");
}
END_TEST

START_TEST(same_file_under_two_names)
{
	char a[128], b[128], c[128], sub[128];
	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/../%s/a.json", dir, strrchr(dir, '/') + 1);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(c, sizeof(c), "%s/sub/a.json", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert(output_same_file("-", "-"));
	ck_assert(output_same_file(a, b));  /* not made yet: same directory, name */
	ck_assert(!output_same_file(a, c)); /* same name, another directory */
	FILE *f = fopen(a, "w");
	fclose(f);
	ck_assert(output_same_file(a, b));
	ck_assert(!output_same_file(a, c));
	char l[128];
	snprintf(l, sizeof(l), "%s/l.json", dir);
	ck_assert_int_eq(symlink("a.json", l), 0);
	ck_assert(output_same_file(a, l));
	ck_assert(!output_same_file("/dev/null", "/dev/null")); /* not a plain file */
	ck_assert(!output_same_file("-", a));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("output");
	TCase *tc = tcase_create("output");
	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, written_whole_on_success);
	tcase_add_test(tc, failure_keeps_the_old_file);
	tcase_add_test(tc, special_files_in_place_and_bad_paths);
	tcase_add_test(tc, links_are_followed_to_a_plain_file);
	tcase_add_test(tc, a_fatal_signal_leaves_no_temporary_file);
	tcase_add_test(tc, same_file_under_two_names);
	suite_add_tcase(s, tc);
	return support_main(s);
}
