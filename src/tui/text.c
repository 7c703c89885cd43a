/*
 * text.c: text for the panes: Markdown paragraphs reflowed, text wrapped to
 * a width, printf-style lines appended to a fixed buffer.
 */
#include "tui_int.h"

#define TUI_WRAP_MIN_W 10
#define MD_CODE_INDENT 3 /* more indented than this: a code block, kept as it is */

/* Join the hard-wrapped lines of a Markdown paragraph (and the indented
 * continuation lines of a list item), so that the text flows to the pane's
 * width; blank lines, list items and headings keep their line breaks.
 * Returns a copy the caller frees. */
char *tui_reflow(const char *text)
{
	size_t n = strlen(text), k = 0;
	char *out = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		if (text[i] != '\n' || i == 0 || text[i - 1] == '\n') {
			out[k++] = text[i];
			continue;
		}
		const char *next = text + i + 1;
		size_t indent = strspn(next, " ");
		const char *word = next + indent;
		int keep = *word == '\n' || *word == '\0' || *word == '#' || indent > MD_CODE_INDENT ||
		           ((*word == '-' || *word == '*') && word[1] == ' ') || (*word >= '0' && *word <= '9');
		if (keep) {
			out[k++] = '\n';
		} else {
			out[k++] = ' ';
			i += indent;
		}
	}
	out[k] = '\0';
	return out;
}

void tui_wrap_indent(const char *text, int w, int indent, struct wrap_out *o)
{
	if (w > TUI_LINE_MAX - 1)
		w = TUI_LINE_MAX - 1;
	if (w < TUI_WRAP_MIN_W)
		w = TUI_WRAP_MIN_W;
	if (indent > w / 2)
		indent = w / 2;
	const char *p = text;
	while (*p && o->n < o->max) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len == 0) {
			o->lines[o->n++][0] = '\0';
		}
		int first = 1;
		while (len > 0 && o->n < o->max) {
			int in = first ? 0 : indent;
			size_t room = (size_t)(w - in), take = len;
			if (take > room) {
				take = room;
				while (take > 0 && p[take] != ' ')
					take--;
				if (take == 0)
					take = room;
			}
			memset(o->lines[o->n], ' ', (size_t)in);
			memcpy(o->lines[o->n] + in, p, take);
			o->lines[o->n][in + (int)take] = '\0';
			o->n++;
			p += take;
			len -= take;
			first = 0;
			while (len > 0 && *p == ' ') {
				p++;
				len--;
			}
		}
		p += len;
		if (*p == '\n')
			p++;
	}
}

void tui_wrap(const char *text, int w, struct wrap_out *o)
{
	tui_wrap_indent(text, w, 0, o);
}


void tui_line(char (*lines)[TUI_LINE_MAX], int *n, int max, const char *fmt, ...)
{
	va_list ap;
	if (*n >= max)
		return;
	va_start(ap, fmt);
	vsnprintf(lines[*n], TUI_LINE_MAX, fmt, ap);
	va_end(ap);
	(*n)++;
}
