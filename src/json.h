/*
 * json.h: a small streaming JSON writer (objects, arrays, numbers, strings),
 * indented two spaces. Strings are escaped per RFC 8259 and written as
 * UTF-8: a byte sequence that is not UTF-8 becomes U+FFFD. Non-finite
 * numbers are written as null.
 */
#ifndef SIMUL_JSON_H
#define SIMUL_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	int count[JSON_MAX_DEPTH];
	int pretty;
};

void json_init(struct json *j, FILE *f, int pretty);
/* key is NULL inside arrays and at the top. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_num(struct json *j, const char *key, double v);
void json_int(struct json *j, const char *key, int64_t v);
void json_str(struct json *j, const char *key, const char *s);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
/* Writes s as a JSON string literal (with quotes). */
void json_write_string(FILE *f, const char *s);

#endif
