/*
 * quote.h: user input (an argument, a file name, a line of a file) shown in
 * a one-line message without letting it break the line or the terminal.
 */
#ifndef SIMUL_QUOTE_H
#define SIMUL_QUOTE_H

#include <stddef.h>

/* The most a quoted argument takes in a message, quotes and "..." included. */
#define QUOTE_MAX 256

/* s in single quotes, into out (n bytes, at least 8): control characters,
 * DEL and bytes that are not UTF-8 as \n, \t, \r, \e or \xNN, a backslash
 * or a quote with a backslash before it; cut with "..." before the closing
 * quote when it does not fit. Returns out. */
const char *quote_arg(const char *s, char *out, size_t n);
/* The same without the quotes (a file name, as messages show them). */
const char *quote_text(const char *s, char *out, size_t n);

/* s for a terminal as it is, but that a tab becomes a space and every
 * other control character (ESC included, so no escape sequence gets
 * through) a '?'; cut to fit n. Returns out. */
const char *quote_defang(const char *s, char *out, size_t n);

#endif
