/*
 * present.c: the presenter layout (--present, or P), for a projector: lanes
 * two rows apart (a task's prints on the row under its lane, so they hide
 * no cell), every state bold, no dim text, and a callout band under the
 * time axis that shows, at the cursor, the chapter of the run it is in
 * (the latest milestone) with the lesson's "What to watch for" point that
 * goes with it. A point goes with the milestone that starts with its label
 * ("GIL off:" for "GIL off: real parallel threads") or, failing that, that
 * shares the most words with it.
 */
#include "tui_int.h"

#include <ctype.h>

#define TUI_BULLETS_MAX 16
#define TUI_LABEL_BONUS 100 /* a milestone that starts with the point's label wins */

static void append(char *buf, size_t *l, const char *s, size_t n)
{
	if (*l + n + 1 > TUI_BULLET_MAX)
		n = TUI_BULLET_MAX - 1 - *l;
	memcpy(buf + *l, s, n);
	*l += n;
	buf[*l] = '\0';
}

/* The points of the lesson's "What to watch for" list, each on one line
 * (its indented continuation lines joined). Returns how many. */
int tui_lesson_points(const char *md, char (*out)[TUI_BULLET_MAX], int max)
{
	const char *p = md ? strstr(md, "atch for") : NULL;
	int n = -1;
	size_t l = 0;
	if (p == NULL)
		return 0;
	for (p = strchr(p, '\n'); p != NULL && *p; p = strchr(p, '\n')) {
		p++;
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p), sp = strspn(p, " ");
		if (len >= 2 && p[0] == '-' && p[1] == ' ') {
			if (n + 1 >= max)
				break;
			l = 0;
			append(out[++n], &l, p + 2, len - 2);
		} else if (sp > 0 && sp < len && n >= 0) {
			append(out[n], &l, " ", 1);
			append(out[n], &l, p + sp, len - sp);
		} else if (n >= 0) {
			break; /* a blank line or other text: the list is over */
		}
	}
	return n + 1;
}

static int stop_word(const char *w, size_t n)
{
	static const char *const stop[] = {"the", "and", "for", "are", "but", "not", "its", "all", "was",
	                                   "out", "any", "has", "with", "that", "this", "from", "when",
	                                   "each", "then", "they", "into", "only", "every", "one", "two"};
	for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		if (strlen(stop[i]) == n && strncasecmp(w, stop[i], n) == 0)
			return 1;
	return 0;
}

/* Words of a and b in common (3 letters or more, not too common; the same
 * when their first 5 letters are, so "gather" meets "gathered"). */
static int words_shared(const char *a, const char *b)
{
	int score = 0;
	for (const char *p = a; *p;) {
		while (*p && !isalnum((unsigned char)*p))
			p++;
		size_t n = 0;
		while (isalnum((unsigned char)p[n]))
			n++;
		if (n >= 3 && !stop_word(p, n)) {
			size_t k = n < 5 ? n : 5;
			for (const char *q = b; *q;) {
				while (*q && !isalnum((unsigned char)*q))
					q++;
				size_t m = 0;
				while (isalnum((unsigned char)q[m]))
					m++;
				if (m >= k && (n < 5 ? m == n : 1) && strncasecmp(p, q, k) == 0) {
					score++;
					break;
				}
				q += m;
			}
		}
		p += n;
	}
	return score;
}

int tui_point_for(const char *milestone, char (*points)[TUI_BULLET_MAX], int n)
{
	int best = -1, best_score = 0;
	for (int i = 0; i < n; i++) {
		const char *colon = strchr(points[i], ':');
		int score = words_shared(milestone, points[i]);
		size_t label = colon ? (size_t)(colon - points[i]) : 0;
		if (label > 0 && strncasecmp(milestone, points[i], label) == 0)
			score += TUI_LABEL_BONUS;
		if (score > best_score) {
			best = i;
			best_score = score;
		}
	}
	return best;
}

/* The band: the chapter at the cursor, then its point, wrapped. */
void tui_draw_callout(struct tui *t)
{
	static char points[TUI_BULLETS_MAX][TUI_BULLET_MAX];
	const struct tui_layout *lo = &t->lo;
	struct model_mark mk, at = {0, -1, NULL};
	for (size_t k = 0; k < model_milestone_count(t->model); k++)
		if (model_milestone_get(t->model, k, &mk) == 0 && mk.t_ns <= t->tcur)
			at = mk;
	if (at.text == NULL) {
		tui_put(lo->callout_y, 0, lo->timeline.w, "watch for: (the first chapter has not begun at the cursor)",
		        A_NORMAL);
		return;
	}
	int n = tui_lesson_points(lesson_text(t->run->full_name), points, TUI_BULLETS_MAX);
	int p = tui_point_for(at.text, points, n);
	char when[32], text[TUI_BULLET_MAX + 256];
	view_format_time(&t->vp, at.t_ns, t->ascii, when, sizeof(when));
	const char *colon = p >= 0 ? strchr(points[p], ':') : NULL;
	int labelled = colon != NULL && strncasecmp(at.text, points[p], (size_t)(colon - points[p])) == 0;
	if (labelled) /* the point says what the milestone says, and more */
		snprintf(text, sizeof(text), "%s %s  %s", t->ascii ? "v" : "\u25bc", when, points[p]);
	else
		snprintf(text, sizeof(text), "%s %s  %s%s%s", t->ascii ? "v" : "\u25bc", when, at.text,
		         p >= 0 ? " - " : "", p >= 0 ? points[p] : "");
	char lines[TUI_CALLOUT_ROWS][TUI_LINE_MAX];
	struct wrap_out o = {lines, 0, TUI_CALLOUT_ROWS};
	tui_wrap_indent(text, lo->timeline.w, 2, &o);
	for (int r = 0; r < o.n; r++)
		tui_put(lo->callout_y + r, 0, lo->timeline.w, lines[r], A_BOLD);
}
