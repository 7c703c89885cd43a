/*
 * tui_int.h: what the files of the interactive front end (src/tui/) share:
 * struct tui, the state of one TUI session (screen, menu, run, view, replay,
 * script), and the functions one component offers the others. Nothing
 * outside src/tui/ includes it; the public API is tui.h and tui_main (app.h).
 *
 * Everything here runs on the main thread, on the libuv loop of tui_main;
 * the demo runs on its own thread and reaches the TUI only through the run
 * (run.h) and the recorder, drained into the model on a timer.
 */
#ifndef SIMUL_TUI_INT_H
#define SIMUL_TUI_INT_H

#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <uv.h>
#include <wchar.h>

#include "app.h"
#include "assets.h"
#include "clock.h"
#include "model.h"
#include "record.h"
#include "savefile.h"
#include "script.h"
#include "run.h"
#include "state.h"
#include "tui.h"
#include "view.h"
#include "xalloc.h"

#define TUI_TICK_MS 100
#define TUI_OUTPUT_MAX_ROWS 256 /* of the output pane */
#define TUI_LINE_MAX 256        /* bytes of one line of a pane's text */
#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24
#define TUI_MAX_CORES 64
/* The corner boxes (replay, key overlay): rows up from the bottom, columns
 * left of the right edge. */
#define TUI_CORNER_UP 4
#define TUI_CORNER_RIGHT 2
#define TUI_NSIGNALS 4 /* INT, TERM, HUP: quit; WINCH: resize */
#define TUI_FOLLOW_MIN_NS (2 * NS_PER_S)

/* The run screen's proportions (layout.c). */
#define TUI_TIMELINE_MAX_PCT 65 /* of the rows between header and key bar, at most */
#define TUI_PANES_MIN_ROWS 7    /* rows the panes keep however many lanes there are */
#define TUI_AXIS_ROWS 2         /* time labels, then the ruler */
#define TUI_CALLOUT_ROWS 3      /* the presenter layout's "watch for" band */
#define TUI_WHY_ROWS 1          /* why the selected lane waits, at the cursor */
#define TUI_LEGEND_ROWS 1
#define TUI_PRESENT_STEP 2      /* rows from lane to lane in the presenter layout */
#define TUI_WIDE_COLS 120       /* from this width, three panes side by side */
#define TUI_OUTPUT_PCT 42       /* of what the middle column leaves, the output pane */
#define TUI_STATS_PCT 26        /* the panel and stats column, at least */
#define TUI_PANEL_MAX_PCT 45    /* and at most, to fit a demo's table */
#define TUI_NARROW_LEFT_PCT 50  /* narrow screens: output or stats, beside the lesson */
#define TUI_STATS_MIN_ROWS 4    /* under a demo's panel */
#define TUI_NAME_MIN 4          /* lane name column, from this to TUI_NAME_MAX_PCT of the width */
#define TUI_NAME_MAX_PCT 20
#define TUI_NAME_GAP 2          /* between the names and the cells */
#define TUI_STATE_COL_W 9       /* a space, the state at the cursor, the why link */
#define TUI_MIN_CELLS 10

struct tui;

/* Key codes ncurses passes through as they are. */
#define TUI_KEY_CTRL_H 8
#define TUI_KEY_ESC 27
#define TUI_KEY_DEL 127

/* Where a key acts (keys.c). */
enum {
	KEYS_MENU = 1u << 0,   /* the menu's list of demos */
	KEYS_PARAMS = 1u << 1, /* the menu's parameters */
	KEYS_RUN = 1u << 2,    /* the run screen */
	KEYS_REPLAY = 1u << 3, /* the run screen of a saved run, before KEYS_RUN */
	KEYS_DETAIL = 1u << 4, /* the task detail */
};

#define TUI_KEY_ALIASES 4

/* One entry of the key table: the dispatch, the help, the key bar and the
 * man page check read it. */
struct tui_key {
	int keys[TUI_KEY_ALIASES]; /* as ncurses reads them; 0 ends the list */
	unsigned where;            /* KEYS_*: where it acts */
	unsigned bar_in;           /* KEYS_*: where the key bar shows it */
	const char *name;          /* as the help and the man page spell it */
	const char *note;          /* what it does */
	const char *bar, *bar_ascii; /* in the key bar; bar_ascii, when not bar, for --ascii */
	void (*handler)(struct tui *t, int ch); /* NULL: a note only (a signal, say) */
};

extern const struct tui_key tui_keys[];
extern const size_t tui_nkeys;

struct tui_rect {
	int y, x, h, w;
};

/* The run screen for one frame: what drawing and the mouse both read. */
struct tui_layout {
	struct tui_rect header, banner, timeline, keybar; /* banner.h 0: none */
	int callout_y;         /* the presenter layout's band, under the axis */
	int lane_y, lane_rows; /* the lanes, inside the timeline */
	int lane_step;         /* rows from one lane to the next (2 in the presenter layout) */
	int why_y, legend_y;
	int name_w;            /* timeline columns: names, cells, state at the cursor */
	int cells_x, ncols, state_x;
	int panes_y, panes_h;
	struct tui_rect output, panel, stats, lesson; /* w or h 0: not shown */
	int sep[2];                                   /* the separators' columns, -1: none */
};

/* What the layout makes room for. */
struct tui_layout_want {
	int npanel, panel_w; /* the demo's panel: lines, widest line */
	int present;         /* the presenter layout */
	int banner;          /* a row under the header: the machine is busy */
	int left;            /* narrow screens: PANE_OUTPUT or PANE_STATS beside the lesson */
};

enum tui_screen { SCREEN_MENU, SCREEN_RUN, SCREEN_COUNT };
enum pane { PANE_TIMELINE, PANE_OUTPUT, PANE_STATS, PANE_LESSON, PANE_COUNT };
enum overlay { OVERLAY_NONE, OVERLAY_HELP, OVERLAY_DETAIL, OVERLAY_COUNT };
enum action { ACTION_NONE, ACTION_RERUN, ACTION_MENU };

struct menu_item {
	const struct demo_module *mod;
	const struct demo *demo;
	struct params params;
};

struct lane {
	int is_group;
	size_t index; /* task, or group */
};

#define TUI_LOOK_SMALL 9
#define TUI_LOOKS 10

/* One visible lane's cells as last computed, reused while the view and the
 * model are unchanged (a cursor move, a key, a replay's redraw). */
struct tui_cells_cached {
	int is_group;
	size_t index;
	uint64_t t0, dt, now, origin;
	size_t spans;
	const struct model *model;
	int ncols; /* 0: empty */
	struct model_cell *cells;
	int cap;
};

/* The per-core view (cores.c). */
struct tui_machine_sample {
	uint64_t t0_ns, t1_ns; /* between two /proc/stat readings */
	float others;          /* other programs' share of the machine then (load.h), -1 unknown */
};

struct tui_coreview {
	int on;
	int sel;            /* selected lane: a core, or ncores for other programs */
	int ncores, ncols;  /* of who[] */
	int *who;           /* [core * ncols + col]: the task that ran there longest, -1 none */
	uint64_t *best, *tot, *acc; /* the task's time there, all the run's tasks', one task's */
	size_t *touched;
	size_t cap;
	int cut;            /* too many spans in view: only the first were read */
	uint64_t key_t0, key_dt, key_t1, key_now; /* who[] is for this view and model */
	size_t key_spans;
	struct tui_machine_sample *mach; /* while live, every TUI_CORES_READ_NS */
	size_t nmach, capmach;
	struct load_snap snap; /* the last reading */
	int have_snap;
};

struct tui {
	const struct app_options *opt;
	int mirror; /* the next run: the lesson's .py under CPython after the demo (mirror=on) */
	uv_loop_t loop;
	int loop_ok; /* loop initialised: teardown closes it */
	uv_poll_t input;
	uv_signal_t sig[TUI_NSIGNALS];
	uv_timer_t tick;
	uv_timer_t later;
	int quit;
	int signum;
	enum tui_screen screen;
	int ascii, color, theme;
	int present; /* the presenter layout (--present, P) */

	/* menu */
	struct menu_item *items;
	size_t nitems;
	int *shown; /* indexes of items passing the filter */
	int nshown;
	int msel;
	int mparam; /* selected parameter, -1 when the demo list has focus */
	int filtering, editing;
	char filter[64];
	char edit[64];
	char msg[256];

	/* run */
	struct run *run;
	struct run *retired; /* freed once its async handle is closed */
	int item; /* menu item being run */
	int live;
	int no_runs; /* driven by a harness (drive.c): no demo may start */
	enum action pending;
	struct model *model;
	struct viewport vp;
	int follow;
	int cursor;
	int sel; /* selected lane */
	int lane_top;
	int open_group; /* -1: lanes of every group */
	enum pane pane;
	enum pane left; /* narrow screens: the pane beside the lesson (output or stats) */
	int scroll[PANE_COUNT];
	int hscroll; /* a demo's table, sideways */
	uint64_t tcur; /* the instant under the cursor line, as last drawn */
	enum overlay overlay;
	int detail_scroll;
	int help_scroll, help_rows;
	struct lane *lanes;
	size_t nlanes, lanes_cap;
	struct model_cell *cells;
	int cells_cap;
	/* the glyphs of a lane's cells as curses stores them, made once a
	 * frame for each look drawn (timeline.c): [look][state][under the
	 * cursor], look 0 a state's glyph, 1 to 8 running in eighths,
	 * TUI_LOOK_SMALL the small letter of a wait */
	struct {
		cchar_t cc[TUI_LOOKS][STATE_COUNT][2];
		unsigned char made[TUI_LOOKS][STATE_COUNT][2];
		cchar_t *row;
		int row_cap;
	} looks;

	/* pacing (pace.c): the speed of the next run, the files to write */
	double speed;
	int outputs_written;
	char out_err[512];

	/* replay of a saved run (--replay): a play head over the whole model */
	int replay;
	double play_rate; /* 1: as fast as it ran */
	int playing;
	uint64_t head;
	uv_timer_t play_timer;
	uint64_t play_last_ns;

	/* driven by a script (record.c) and the key overlay */
	uv_poll_t cmd;
	int cmd_fd;
	char cmd_buf[512];
	size_t cmd_len;
	uv_timer_t keys_timer;
	/* a short message at the key bar's right end (the theme's name) */
	uv_timer_t flash_timer;
	char flash[96];
	char key_shown[32];
	uint64_t key_shown_ns;

	/* per-core utilisation from /proc/stat while live */
	uint64_t core_busy0[TUI_MAX_CORES], core_total0[TUI_MAX_CORES];
	double core_busy[TUI_MAX_CORES];
	int ncores;
	uint64_t cores_read_ns;

	struct tui_layout lo; /* of the last run screen drawn */
	struct tui_coreview cv;
	struct tui_cells_cached *cache; /* one per visible lane row */
	int ncache;

	/* the output pane's rows, as last laid out (panes.c) */
	struct {
		char lines[TUI_OUTPUT_MAX_ROWS][TUI_LINE_MAX];
		int who_len[TUI_OUTPUT_MAX_ROWS], task[TUI_OUTPUT_MAX_ROWS];
	} out;

	/* which task names are shared by another task (timeline.c) */
	struct {
		unsigned char *dup;
		size_t n, cap;
	} names;

	/* the marks of the lanes on screen, per row and column (instants.c) */
	struct {
		unsigned char *count;
		unsigned char *flags; /* TUI_INST_* */
		size_t cap;
		int *row_of; /* task, then ngroups group indexes: visible row or -1 */
		size_t rowcap;
		int rows, ncols, top;
		int cut; /* too many marks in view: only the first were counted */
	} inst;
};

/* Colour pairs: plain text, one per state, one per task colour. */
#define TUI_TASK_COLORS 6
enum tui_pair {
	PAIR_TEXT = 1,
	PAIR_STATE_FIRST,
	PAIR_TASK_FIRST = PAIR_STATE_FIRST + STATE_COUNT,
	PAIR_END_FIRST = PAIR_TASK_FIRST + TUI_TASK_COLORS,
	PAIR_COUNT = PAIR_END_FIRST + TASK_END_COUNT
};
_Static_assert(PAIR_COUNT <= 64, "more colour pairs than an 8-colour terminal has");
#define PAIR_STATE(s) ((short)(PAIR_STATE_FIRST + (s)))
#define PAIR_TASK(i) ((short)(PAIR_TASK_FIRST + (i) % TUI_TASK_COLORS))
#define PAIR_END(e) ((short)(PAIR_END_FIRST + (e)))


/* Split text into o->lines of at most w bytes, breaking at spaces (the
 * lesson text is mostly ASCII, so bytes are close to columns). */
struct wrap_out {
	char (*lines)[TUI_LINE_MAX];
	int n, max;
};


/* layout.c */
/* Lanes that fit on a screen h rows high (then grouped if more). */
int tui_layout_lanes_max(int h, int present);
void tui_layout_compute(struct tui_layout *lo, int w, int h, int nlanes, const struct tui_layout_want *want);
void tui_layout_columns(struct tui_layout *lo, int name_w);
int tui_layout_lane_at(const struct tui_layout *lo, int y); /* row among the lanes, or -1 */
int tui_layout_col_at(const struct tui_layout *lo, int x);  /* timeline column, or -1 */

/* term.c */
void tui_install_fatal(void);
void tui_colors_apply(struct tui *t);
/* A state's foreground in a theme, in 256 colours or in 8; -1 when the
 * theme gives it none. */
short tui_theme_state_fg(int theme, enum state s, int colors256);
attr_t tui_state_attr(const struct tui *t, enum state s);
/* The same for how a task ended (its end glyph and label). */
short tui_theme_end_fg(int theme, enum task_end e, int colors256);
attr_t tui_end_attr(const struct tui *t, enum task_end e);
chtype tui_rendition(attr_t attr);
attr_t tui_dim(const struct tui *t);
int tui_text_width(const char *s);
int tui_put(int y, int x, int w, const char *s, attr_t attr);
int tui_putf(int y, int x, int w, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void tui_fill(int y, int x, int w, attr_t attr);
void tui_vline(const struct tui *t, int y, int x, int h);
void tui_keybar(const struct tui *t, unsigned where, int y, int w);
/* Show msg at the key bar's right end for a moment. */
void tui_flash(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* text.c */
char *tui_reflow(const char *text);
void tui_wrap(const char *text, int w, struct wrap_out *o);
/* The same, continuation lines indented by `indent` spaces. */
void tui_wrap_indent(const char *text, int w, int indent, struct wrap_out *o);
void tui_line(char (*lines)[TUI_LINE_MAX], int *n, int max, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* timeline.c */
void tui_lanes_build(struct tui *t, int rows);
int tui_selected_task(const struct tui *t);
/* Task i's name, followed by its group when another task has the same name
 * ("ticker 1 (blocked)"). */
const char *tui_task_label(struct tui *t, size_t i, char *buf, size_t n);
void tui_draw_timeline(struct tui *t);
void tui_cells_forget(struct tui *t);

/* instants.c */
#define TUI_INST_WOKEN 1u /* the lane's task was woken by another here */
#define TUI_INST_ENDED 2u /* its end glyph (a cancelled task's) goes here */
void tui_instants_collect(struct tui *t, int top, int rows);
int tui_instants_at(const struct tui *t, int row, int col);
int tui_instants_flags(const struct tui *t, int row, int col);
void tui_instant_draw(const struct tui *t, int y, int x, int count, int highlight);

/* cores.c */
void tui_machine_push(struct tui *t, uint64_t now);
int tui_cores_count(const struct tui *t);
int tui_cores_selected_task(const struct tui *t);
void tui_draw_cores(struct tui *t);
void tui_cores_free(struct tui *t);

/* present.c */
#define TUI_BULLET_MAX 640
int tui_lesson_points(const char *md, char (*out)[TUI_BULLET_MAX], int max);
/* The point that goes with a milestone, or -1. */
int tui_point_for(const char *milestone, char (*points)[TUI_BULLET_MAX], int n);
void tui_draw_callout(struct tui *t);

/* link.c */
void tui_draw_why(struct tui *t);

/* panes.c */
void tui_cores_read(struct tui *t);
int tui_clamp_scroll(int *scroll, int total, int h);
/* part / whole in whole per cent, rounded as printf's %.0f rounds (to even
 * at a half), from the exact quotient; 0 when whole is 0. */
unsigned tui_share_percent(uint64_t part, uint64_t whole);
void tui_draw_output(struct tui *t, int y0, int x0, int h, int w);
void tui_draw_stats(struct tui *t, int y0, int x0, int h, int w);
void tui_draw_panel(struct tui *t, char panel[][RUN_PANEL_WIDTH], int n, const char *title,
                    const struct tui_rect *r);
/* The line of the demo's Python that the task was on at instant at (0: none). */
int tui_task_line_at(const struct tui *t, size_t task, uint64_t at);
void tui_draw_lesson(struct tui *t, int y0, int x0, int h, int w);

/* overlays.c */
void tui_draw_detail(struct tui *t);
void tui_draw_help(struct tui *t);
void tui_detail_scroll(struct tui *t, int ch);
/* The help's lines for the keys of `where` (and a replay's, and the
 * glyphs, on the run screen); returns how many. */
int tui_help_lines(unsigned where, int ascii, char (*lines)[TUI_LINE_MAX], int max);
int tui_help_scroll(struct tui *t, int ch); /* 1 when ch scrolled it */

/* screens.c */
void tui_draw_run(struct tui *t);
void tui_draw(struct tui *t);
void tui_key(struct tui *t, int ch); /* to the overlay if one is open, else the screen */

/* menu.c */
void tui_menu_filter(struct tui *t);
int tui_menu_init(struct tui *t, const struct run *first);
void tui_draw_menu(struct tui *t);
void tui_menu_key(struct tui *t, int ch);
void tui_menu_filter_start(struct tui *t, int ch);
void tui_menu_back(struct tui *t, int ch);
void tui_menu_params(struct tui *t, int ch);
void tui_menu_updown(struct tui *t, int ch);
void tui_menu_enter(struct tui *t, int ch);

/* session.c */
uint64_t tui_run_end(const struct tui *t);
int tui_run_start(struct tui *t);
struct run *tui_run_new(struct tui *t, int i);
void tui_on_done(struct run *run, void *arg);
void tui_request(struct tui *t, enum action a);
void tui_do_action(uv_timer_t *h);

/* cmd.c */
int tui_cmd_start(struct tui *t); /* 0 or a libuv error */
void tui_key_show(struct tui *t, int ch);
void tui_key_draw(struct tui *t);

/* replay.c */
/* The run screen of a saved run (takes run and saved), the play head at
 * its end. */
void tui_replay_open(struct tui *t, struct run *run, struct model *saved);
void tui_replay_clip(struct tui *t, int ncols);
uint64_t tui_replay_end(const struct tui *t);
void tui_replay_status(const struct tui *t, char *buf, size_t n);
void tui_replay_key(struct tui *t, int ch);
void tui_replay_seek(struct tui *t, uint64_t head);

/* pace.c */
void tui_format_speed(double v, char *buf, size_t n);
void tui_pace_pause(struct tui *t, int on);
void tui_pace_step(struct tui *t);
uint64_t tui_cursor_time(const struct tui *t);
void tui_pace_status(const struct tui *t, char *buf, size_t n);
int tui_outputs_wanted(const struct tui *t);
void tui_outputs_write(struct tui *t);
int tui_outputs_at_quit(struct tui *t);
int tui_pace_cmd(struct tui *t, const char *line); /* 1 when line was a pace command */
void tui_key_pause(struct tui *t, int ch);
void tui_key_follow(struct tui *t, int ch);
void tui_key_step(struct tui *t, int ch);
void tui_key_speed(struct tui *t, int ch);
void tui_key_rate(struct tui *t, int ch);
void tui_key_replay_step(struct tui *t, int ch);

/* keys.c */
void tui_quit(struct tui *t);
/* Runs the first entry that has ch and acts in `where`; 0 when none. */
int tui_keys_dispatch(struct tui *t, unsigned where, int ch);
/* The entries of `where` that the help lists (not those an earlier entry
 * takes every key of). */
size_t tui_keys_help(unsigned where, const struct tui_key **out, size_t max);
/* The key bar of `where`, in at most `width` columns: entries are dropped
 * from its end, help and quit last. */
void tui_keys_bar(unsigned where, int ascii, int width, char *buf, size_t n);
void tui_on_input(uv_poll_t *h, int status, int events);

/* loop.c */
void tui_on_tick(uv_timer_t *h);
/* Give the terminal back, stop the demo, write the outputs, free t and all
 * it holds; returns the exit status. */
int tui_teardown(struct tui *t);


#endif
