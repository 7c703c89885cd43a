/*
 * quote.c: escaping user input for one-line messages (see quote.h).
 */
#include "quote.h"

#include <stdio.h>
#include <string.h>

/* Length of the UTF-8 sequence at s (2..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* One character of s, escaped, into buf; returns the bytes of s used. */
static size_t quote_one(const unsigned char *s, char *buf, size_t bufn)
{
	static const char esc_from[] = "\n\t\r\033\\'";
	static const char esc_to[] = "ntre\\'";
	const char *e = s[0] != '\0' ? strchr(esc_from, s[0]) : NULL;
	if (e != NULL) {
		snprintf(buf, bufn, "\\%c", esc_to[e - esc_from]);
		return 1;
	}
	if (s[0] < 0x20 || s[0] == 0x7f) {
		snprintf(buf, bufn, "\\x%02x", s[0]);
		return 1;
	}
	if (s[0] < 0x80) {
		snprintf(buf, bufn, "%c", s[0]);
		return 1;
	}
	size_t n = utf8_len(s);
	if (n == 0) {
		snprintf(buf, bufn, "\\x%02x", s[0]);
		return 1;
	}
	snprintf(buf, bufn, "%.*s", (int)n, (const char *)s);
	return n;
}

/* s escaped into out, between quote characters q ("" for none). */
static const char *quote_with(const char *s, char *out, size_t n, const char *q)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = 0, ql = strlen(q);
	memcpy(out, q, ql);
	len += ql;
	while (*p != '\0') {
		char one[8];
		size_t used = quote_one(p, one, sizeof(one));
		size_t k = strlen(one);
		/* room for this, and for "...'" and the NUL should more follow */
		size_t need = p[used] != '\0' ? k + 4 + ql : k + 1 + ql;
		if (len + need > n) {
			snprintf(out + len, n - len, "...%s", q);
			return out;
		}
		memcpy(out + len, one, k);
		len += k;
		p += used;
	}
	memcpy(out + len, q, ql);
	out[len + ql] = '\0';
	return out;
}

const char *quote_arg(const char *s, char *out, size_t n)
{
	return quote_with(s, out, n, "'");
}

const char *quote_text(const char *s, char *out, size_t n)
{
	return quote_with(s, out, n, "");
}

const char *quote_defang(const char *s, char *out, size_t n)
{
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && k + 1 < n; p++)
		out[k++] = *p == '\t' ? ' ' : *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
	out[k] = '\0';
	return out;
}
