/*
 * test_output.c: output files appear whole or not at all: written to a
 * temporary file beside the target and renamed on success; a failed write
 * leaves the old file as it was and no temporary file behind; paths that
 * are not plain files are written in place; a bad path fails at open.
 */
#include <dirent.h>
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

int main(void)
{
	Suite *s = suite_create("output");
	TCase *tc = tcase_create("output");
	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, written_whole_on_success);
	tcase_add_test(tc, failure_keeps_the_old_file);
	tcase_add_test(tc, special_files_in_place_and_bad_paths);
	suite_add_tcase(s, tc);
	return support_main(s);
}
