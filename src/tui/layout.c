/*
 * layout.c: where everything goes on the run screen, computed once per frame
 * from the terminal's size: the header row, the timeline (axis labels,
 * ruler, lanes, legend), the three panes under it with their separators,
 * and the key bar; then the timeline's columns once the lane names are
 * known. Drawing and the mouse read the same rectangles (t->lo), so a click
 * lands on what was drawn.
 */
#include "tui_int.h"

static struct tui_rect rect(int y, int x, int h, int w)
{
	struct tui_rect r = {y, x, h, w};
	return r;
}

void tui_layout_compute(struct tui_layout *lo, int w, int h, int npanel)
{
	memset(lo, 0, sizeof(*lo));
	lo->header = rect(0, 0, 1, w);
	lo->keybar = rect(h - 1, 0, 1, w);
	int tl_h = (h - lo->header.h - lo->keybar.h) * TUI_TIMELINE_PCT / 100;
	if (tl_h < TUI_TIMELINE_MIN_ROWS)
		tl_h = TUI_TIMELINE_MIN_ROWS;
	lo->timeline = rect(lo->header.h, 0, tl_h, w);
	lo->lane_y = lo->timeline.y + TUI_AXIS_ROWS;
	lo->lane_rows = tl_h - TUI_AXIS_ROWS - TUI_LEGEND_ROWS;
	if (lo->lane_rows < 1)
		lo->lane_rows = 1;

	/* output | panel over stats | lesson, a separator column between */
	int by = lo->timeline.y + tl_h, bh = lo->keybar.y - by;
	int ow = w * TUI_OUTPUT_PCT / 100, sw = w * TUI_STATS_PCT / 100;
	lo->output = rect(by, 0, bh, ow);
	lo->sep[0] = ow;
	lo->sep[1] = ow + 1 + sw;
	lo->lesson = rect(by, lo->sep[1] + 1, bh, w - lo->sep[1] - 1);
	int ph = 0;
	if (npanel > 0)
		ph = npanel + 1 < bh / 2 ? npanel + 1 : bh / 2; /* its title, then its lines */
	lo->panel = rect(by, ow + 1, ph, sw);
	lo->stats = rect(by + ph, ow + 1, bh - ph, sw);
	lo->panes_y = by;
	lo->panes_h = bh;
	tui_layout_columns(lo, TUI_NAME_MIN);
}

void tui_layout_columns(struct tui_layout *lo, int name_w)
{
	if (name_w > TUI_NAME_MAX)
		name_w = TUI_NAME_MAX;
	lo->name_w = name_w;
	lo->cells_x = name_w + TUI_NAME_GAP;
	lo->ncols = lo->timeline.w - lo->cells_x - TUI_STATE_COL_W;
	if (lo->ncols < TUI_MIN_CELLS)
		lo->ncols = TUI_MIN_CELLS;
	lo->state_x = lo->cells_x + lo->ncols + 1;
}

int tui_layout_lane_at(const struct tui_layout *lo, int y)
{
	if (y < lo->lane_y || y >= lo->lane_y + lo->lane_rows)
		return -1;
	return y - lo->lane_y;
}

int tui_layout_col_at(const struct tui_layout *lo, int x)
{
	int c = x - lo->cells_x;
	return c >= 0 && c < lo->ncols ? c : -1;
}

int tui_lane_rows(void)
{
	struct tui_layout lo;
	tui_layout_compute(&lo, COLS, LINES, 0);
	return lo.lane_rows;
}
