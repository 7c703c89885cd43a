/*
 * layout.c: where everything goes on the run screen, computed once per frame
 * from the terminal's size and what there is to show: the header row; a
 * banner row when the machine is busy; the timeline (axis labels and ruler, in the presenter layout a callout band,
 * the lanes, the why line, the legend), which takes the rows its lanes need
 * up to a share of the screen; the panes under it, which take the rest; and
 * the key bar. Wide screens show three panes side by side (output, the
 * demo's panel over stats, lesson); narrow ones two (output or stats, as
 * Tab chose, beside the lesson). Then the timeline's columns once the lane
 * names are known. Drawing and the mouse read the same rectangles (t->lo),
 * so a click lands on what was drawn.
 */
#include "tui_int.h"

static struct tui_rect rect(int y, int x, int h, int w)
{
	struct tui_rect r = {y, x, h, w};
	return r;
}

/* Rows of the timeline besides its lanes. */
static int timeline_extra_rows(int present)
{
	return TUI_AXIS_ROWS + (present ? TUI_CALLOUT_ROWS : 0) + TUI_WHY_ROWS + TUI_LEGEND_ROWS;
}

int tui_layout_lanes_max(int h, int present)
{
	int avail = h - 3; /* header, key bar, and room for a banner */
	int tl = avail * TUI_TIMELINE_MAX_PCT / 100;
	if (avail - tl < TUI_PANES_MIN_ROWS)
		tl = avail - TUI_PANES_MIN_ROWS;
	int rows = (tl - timeline_extra_rows(present)) / (present ? TUI_PRESENT_STEP : 1);
	return rows < 1 ? 1 : rows;
}

/* The panes' columns: output | panel over stats | lesson on a wide screen
 * (the middle column as wide as the panel's table, within reason), else
 * output or stats (with the panel) | lesson. */
static void layout_panes(struct tui_layout *lo, int w, const struct tui_layout_want *want)
{
	int by = lo->panes_y, bh = lo->panes_h;
	lo->sep[0] = lo->sep[1] = -1;
	lo->output = lo->panel = lo->stats = rect(by, 0, 0, 0);
	int left_w, mid_w;
	if (w >= TUI_WIDE_COLS) {
		mid_w = w * TUI_STATS_PCT / 100;
		if (want->panel_w + 1 > mid_w)
			mid_w = want->panel_w + 1 < w * TUI_PANEL_MAX_PCT / 100 ? want->panel_w + 1
			                                                         : w * TUI_PANEL_MAX_PCT / 100;
		left_w = (w - mid_w - 2) * TUI_OUTPUT_PCT / 100;
		lo->output = rect(by, 0, bh, left_w);
		lo->sep[0] = left_w;
		lo->sep[1] = left_w + 1 + mid_w;
	} else {
		left_w = mid_w = w * TUI_NARROW_LEFT_PCT / 100;
		lo->sep[1] = left_w;
		if (want->left == PANE_OUTPUT)
			lo->output = rect(by, 0, bh, left_w);
	}
	int mid_x = lo->sep[1] - mid_w;
	if (lo->sep[0] >= 0 || want->left == PANE_STATS) {
		int ph = 0;
		if (want->npanel > 0) /* its title, then its lines; stats keeps a few rows */
			ph = want->npanel + 1 < bh - TUI_STATS_MIN_ROWS ? want->npanel + 1 : bh - TUI_STATS_MIN_ROWS;
		if (ph < 0)
			ph = 0;
		lo->panel = rect(by, mid_x, ph, mid_w);
		lo->stats = rect(by + ph, mid_x, bh - ph, mid_w);
	}
	lo->lesson = rect(by, lo->sep[1] + 1, bh, w - lo->sep[1] - 1);
}

void tui_layout_compute(struct tui_layout *lo, int w, int h, int nlanes, const struct tui_layout_want *want)
{
	memset(lo, 0, sizeof(*lo));
	int step = want->present ? TUI_PRESENT_STEP : 1;
	int max = tui_layout_lanes_max(h, want->present);
	lo->header = rect(0, 0, 1, w);
	lo->banner = rect(1, 0, want->banner ? 1 : 0, w);
	lo->keybar = rect(h - 1, 0, 1, w);
	lo->lane_rows = nlanes < 1 ? 1 : nlanes > max ? max : nlanes;
	lo->lane_step = step;
	int tl_h = timeline_extra_rows(want->present) + lo->lane_rows * step;
	lo->timeline = rect(lo->header.h + lo->banner.h, 0, tl_h, w);
	lo->callout_y = lo->timeline.y + TUI_AXIS_ROWS;
	lo->lane_y = lo->callout_y + (want->present ? TUI_CALLOUT_ROWS : 0);
	lo->why_y = lo->lane_y + lo->lane_rows * step;
	lo->legend_y = lo->why_y + TUI_WHY_ROWS;
	lo->panes_y = lo->timeline.y + tl_h;
	lo->panes_h = lo->keybar.y - lo->panes_y;
	layout_panes(lo, w, want);
	tui_layout_columns(lo, TUI_NAME_MIN);
}

void tui_layout_columns(struct tui_layout *lo, int name_w)
{
	int max = lo->timeline.w * TUI_NAME_MAX_PCT / 100;
	if (name_w > max)
		name_w = max;
	lo->name_w = name_w;
	lo->cells_x = name_w + TUI_NAME_GAP;
	lo->ncols = lo->timeline.w - lo->cells_x - TUI_STATE_COL_W;
	if (lo->ncols < TUI_MIN_CELLS)
		lo->ncols = TUI_MIN_CELLS;
	lo->state_x = lo->cells_x + lo->ncols + 1;
}

int tui_layout_lane_at(const struct tui_layout *lo, int y)
{
	int step = lo->lane_step > 0 ? lo->lane_step : 1;
	if (y < lo->lane_y || y >= lo->lane_y + lo->lane_rows * step)
		return -1;
	return (y - lo->lane_y) / step;
}

int tui_layout_col_at(const struct tui_layout *lo, int x)
{
	int c = x - lo->cells_x;
	return c >= 0 && c < lo->ncols ? c : -1;
}
