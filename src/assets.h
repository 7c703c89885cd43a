/*
 * assets.h: text compiled into the binary from assets/ (lessons, help).
 *
 * Paths are relative to assets/: "lessons/threads/interleave.md" holds what
 * to watch for, "lessons/threads/interleave.py" the Python the demo mirrors.
 * A Python line that ends in `#@tag` is one a demo reports its tasks at;
 * lesson_line finds it and lesson_display_line hides the tag.
 */
#ifndef SIMUL_ASSETS_H
#define SIMUL_ASSETS_H

#include <stddef.h>

struct asset {
	const char *path;
	const char *data; /* NUL-terminated */
	size_t len;
};

/* The asset at path, or NULL. */
const struct asset *asset_get(const char *path);
size_t asset_count(void);
const struct asset *asset_at(size_t i);

/* The lesson text / Python of "module/demo", or NULL. The Python may be the
 * module's own "lessons/module/module.py", shared by its demos. */
const char *lesson_text(const char *full_name);
const char *lesson_python(const char *full_name);
/* One more lesson, made at run time (`simul python FILE.py`: its text and
 * the program), found by lesson_text and lesson_python under full_name.
 * Copies the strings; a later call replaces it. */
void lesson_set_extra(const char *full_name, const char *text, const char *python);
/* 1-based line of the Python that carries `#@tag`, or 0. */
int lesson_line(const char *full_name, const char *tag);
/* Copy one line of Python for display, without its `#@tag` marker and the
 * spaces before it. */
void lesson_display_line(const char *line, size_t len, char *out, size_t n);

#endif
