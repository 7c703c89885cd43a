/*
 * test_record.c: the TUI's side of the screencast relay: each milestone of
 * the model is told to the relay once, in order, one line each (the relay
 * writes them as asciicast "m" markers), and nothing is written when simul
 * is not being recorded.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "record.h"
#include "support.h"
#include "trace.h"

static void milestone(struct model *m, uint64_t t, const char *text)
{
	struct trace_record r = {.t_ns = t, .task = -1, .type = TRACE_EV_MILESTONE, .text = text,
	                         .text_len = strlen(text)};
	model_ingest(m, &r);
}

static size_t drain(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return n;
}

START_TEST(milestones_told_once_in_order)
{
	int p[2];
	char buf[512], fdtext[16];
	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	snprintf(fdtext, sizeof(fdtext), "%d", p[1]);
	setenv("SIMUL_MARK_FD", fdtext, 1);

	trace_reset();
	struct model *m = model_new(0);
	model_set_origin(m, 1000);
	milestone(m, 2000, "GIL turned on");
	milestone(m, 1500, "sync exhibition\ndone"); /* earlier: comes first */
	model_apply(m, 3000);
	record_milestones_publish(m);
	drain(p[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "sync exhibition done\nGIL turned on\n");

	record_milestones_publish(m); /* nothing new: nothing written */
	ck_assert_uint_eq(drain(p[0], buf, sizeof(buf)), 0);

	milestone(m, 4000, "third");
	model_apply(m, 5000);
	record_milestones_publish(m);
	drain(p[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "third\n");
	model_free(m);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(not_recording)
{
	unsetenv("SIMUL_MARK_FD");
	unsetenv("SIMUL_CMD_FD");
	ck_assert_int_eq(record_command_fd(), -1);
	setenv("SIMUL_CMD_FD", "1", 1); /* stdio is never the relay's pipe */
	ck_assert_int_eq(record_command_fd(), -1);
	trace_reset();
	struct model *m = model_new(0);
	milestone(m, 10, "x");
	model_apply(m, 20);
	record_milestones_publish(m); /* no fd: must not write anywhere */
	model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, milestones_told_once_in_order);
	tcase_add_test(tc, not_recording);
	suite_add_tcase(s, tc);
	return support_main(s);
}
