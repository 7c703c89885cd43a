/*
 * cmd.c: what a script (--script, through record.c) types besides keys,
 * and the key overlay (--keys-overlay).
 */
#include "tui_int.h"

/* ---- driven by a script, and the key overlay ---- */

/* A script's keys are typed as ncurses reads them. */
_Static_assert(SCRIPT_KEY_UP == KEY_UP && SCRIPT_KEY_LEFT == KEY_LEFT && SCRIPT_KEY_F0 == KEY_F0 &&
                   SCRIPT_KEY_NPAGE == KEY_NPAGE && SCRIPT_KEY_END == KEY_END &&
                   SCRIPT_KEY_BACKSPACE == KEY_BACKSPACE && SCRIPT_KEY_HOME == KEY_HOME,
               "script key codes are ncurses'");

#define TUI_KEY_SHOW_MS 1200
#define TUI_KEY_SHOW_SLACK_MS 10 /* the redraw that hides it comes just after */


/* `select NAME`, `set KEY=VALUE` and `run` of a script: what no single key
 * does on every screen. */
static void tui_cmd_apply(struct tui *t, const char *line)
{
	char err[200];
	static const char select_cmd[] = "select ", set_cmd[] = "set ";
	if (strncmp(line, select_cmd, strlen(select_cmd)) == 0 && t->model != NULL) {
		const char *name = line + strlen(select_cmd);
		for (size_t i = 0; i < model_task_count(t->model); i++) {
			const struct model_task *mt = model_task(t->model, i);
			if (strcmp(mt->name, name) != 0)
				continue;
			tui_lanes_build(t, tui_layout_lanes_max(LINES, t->present));
			int found = 0;
			for (size_t l = 0; l < t->nlanes && !found; l++)
				found = !t->lanes[l].is_group && t->lanes[l].index == i;
			if (!found && mt->group_index >= 0) {
				t->open_group = mt->group_index; /* its group's lanes */
				tui_lanes_build(t, tui_layout_lanes_max(LINES, t->present));
			}
			for (size_t l = 0; l < t->nlanes; l++)
				if (!t->lanes[l].is_group && t->lanes[l].index == i)
					t->sel = (int)l;
			return;
		}
		snprintf(t->msg, sizeof(t->msg), "script: no task named '%s'", name);
	} else if (tui_pace_cmd(t, line)) {
		/* pause, resume, step, speed F */
	} else if (strcmp(line, "run") == 0) {
		/* the menu's Enter, or the run screen's rerun */
		if (t->screen == SCREEN_MENU)
			tui_menu_key(t, '\n');
		else
			tui_request(t, ACTION_RERUN);
	} else if (strncmp(line, set_cmd, strlen(set_cmd)) == 0) {
		int i = t->screen == SCREEN_RUN ? t->item : t->nshown > 0 ? t->shown[t->msel] : -1;
		if (i >= 0 && params_set_kv(&t->items[i].params, line + strlen(set_cmd), err, sizeof(err)) != 0)
			snprintf(t->msg, sizeof(t->msg), "script: %s", err);
	}
}

static void tui_on_cmd(uv_poll_t *h, int status, int events)
{
	struct tui *t = h->data;
	(void)events;
	ssize_t r = status < 0 ? -1 : read(t->cmd_fd, t->cmd_buf + t->cmd_len, sizeof(t->cmd_buf) - 1 - t->cmd_len);
	if (r <= 0) {
		uv_poll_stop(h);
		return;
	}
	t->cmd_len += (size_t)r;
	char *nl;
	while ((nl = memchr(t->cmd_buf, '\n', t->cmd_len)) != NULL) {
		*nl = '\0';
		tui_cmd_apply(t, t->cmd_buf);
		t->cmd_len -= (size_t)(nl + 1 - t->cmd_buf);
		memmove(t->cmd_buf, nl + 1, t->cmd_len);
	}
	if (t->cmd_len == sizeof(t->cmd_buf) - 1)
		t->cmd_len = 0;
	tui_draw(t);
}

int tui_cmd_start(struct tui *t)
{
	t->cmd_fd = record_command_fd();
	if (t->cmd_fd < 0)
		return 0;
	int rc = uv_poll_init(&t->loop, &t->cmd, t->cmd_fd);
	if (rc != 0)
		return rc;
	t->cmd.data = t;
	return uv_poll_start(&t->cmd, UV_READABLE, tui_on_cmd);
}

static void tui_on_keys_timer(uv_timer_t *h)
{
	tui_draw(h->data);
}

void tui_key_show(struct tui *t, int ch)
{
	if (!t->opt->keys_overlay || ch == KEY_MOUSE)
		return;
	script_key_name(ch, t->key_shown, sizeof(t->key_shown));
	t->key_shown_ns = clock_real_ns();
	uv_timer_start(&t->keys_timer, tui_on_keys_timer, TUI_KEY_SHOW_MS + TUI_KEY_SHOW_SLACK_MS, 0);
}

/* The last key, in a box in the bottom-right corner, for a while. */
void tui_key_draw(struct tui *t)
{
	if (t->opt == NULL || !t->opt->keys_overlay || t->key_shown[0] == '\0' ||
	    clock_real_ns() - t->key_shown_ns > (uint64_t)TUI_KEY_SHOW_MS * NS_PER_MS)
		return;
	char box[48];
	int n = snprintf(box, sizeof(box), " key: %s ", t->key_shown);
	int y = LINES - TUI_CORNER_UP;
	if (n < COLS - TUI_CORNER_RIGHT && LINES > TUI_CORNER_UP + 1)
		tui_put(y, COLS - n - TUI_CORNER_RIGHT, n, box, A_REVERSE | A_BOLD);
}
