/*
 * fuzz_script.c: libFuzzer harness for the --script parser. Any input must
 * be accepted or refused with a one-line message, never crash or leak; an
 * accepted script's actions must be in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct script s;
	char err[512];
	if (script_parse((const char *)data, size, &s, err, sizeof(err)) != 0) {
		if (strchr(err, '\n') != NULL || strncmp(err, "line ", 5) != 0)
			abort();
		return 0;
	}
	for (size_t i = 0; i < s.n; i++) {
		const struct script_action *a = &s.actions[i];
		char b[32];
		if (a->line < 1 || (size_t)a->line > size || memchr(a->text, '\0', sizeof(a->text)) == NULL)
			abort();
		if (a->op == SCRIPT_KEY)
			script_key_name(a->key, b, sizeof(b));
	}
	script_free(&s);
	return 0;
}
