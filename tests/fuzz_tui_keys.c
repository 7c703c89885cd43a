/*
 * fuzz_tui_keys.c: libFuzzer harness for the TUI's key handling: a saved
 * run's screen (tests/fuzz_corpus/replay/interleave.save, as --replay opens
 * it) driven by keys taken from the input, each byte one key, every frame
 * drawn; then the save at the end of the input, when it loads, the same
 * way. Whatever the keys (play, step, Esc to the menu and back, zoom, the
 * help, the detail, a filter, a parameter edited), no crash, no leak, no
 * hang; no demo starts (tui_drive_replay).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_screen.h"
#include "savefile.h"
#include "tui.h"

#define FUZZ_SAVE "tests/fuzz_corpus/replay/interleave.save"
#define FUZZ_MAX_KEYS 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char *seed_save;
static size_t seed_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FILE *f = fopen(FUZZ_SAVE, "rb");
	if (f == NULL) {
		fprintf(stderr, "fuzz_tui_keys: run me from the source tree (%s)\n", FUZZ_SAVE);
		abort();
	}
	seed_save = malloc(1 << 20);
	seed_len = seed_save ? fread(seed_save, 1, 1 << 20, f) : 0;
	fclose(f);
	return 0;
}

/* Keys that are not one printable character. */
static const int special[] = {
	'\n', '\r', 27, '\t', 8, 127, KEY_UP, KEY_DOWN, KEY_LEFT, KEY_RIGHT, KEY_HOME, KEY_END,
	KEY_NPAGE, KEY_PPAGE, KEY_BTAB, KEY_ENTER, KEY_RESIZE, KEY_MOUSE, KEY_BACKSPACE, KEY_F(1),
};
#define NSPECIAL (sizeof(special) / sizeof(special[0]))

/* Byte 1..95: the printable character b + 31 (1 is Space); 255: a pause
 * of 60 ms (the play head's timer falls due); others from 96: a special
 * key. 0 ends the keys. */
#define FUZZ_PAUSE_BYTE 255
#define FUZZ_PAUSE_MS 60

static int key_of(uint8_t b)
{
	if (b == FUZZ_PAUSE_BYTE)
		return -FUZZ_PAUSE_MS;
	return b <= 95 ? ' ' + b - 1 : special[(b - 96) % NSPECIAL];
}

/* Load text as a save file and drive its screen with keys. */
static void drive(const char *text, size_t len, const int *keys, size_t n)
{
	struct run *run = malloc(sizeof(*run));
	struct model *m;
	char err[512];
	if (run == NULL)
		return;
	if (savefile_parse(text, len, run, &m, err, sizeof(err)) != 0) {
		free(run);
		return;
	}
	tui_drive_replay(run, m, keys, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int keys[FUZZ_MAX_KEYS];
	size_t n = 0, pauses = 0;
	/* Keys up to the first NUL byte (or FUZZ_MAX_KEYS); a save file after it. */
	while (n < size && n < FUZZ_MAX_KEYS && data[n] != 0) {
		keys[n] = key_of(data[n]);
		/* at most 8 pauses a run, so that a run stays short */
		if (keys[n] < 0 && ++pauses > 8)
			keys[n] = ' ';
		n++;
	}
	fuzz_screen(80 + (int)(size % 120), 24 + (int)(size % 40));
	drive(seed_save, seed_len, keys, n);
	if (n + 1 < size)
		drive((const char *)data + n + 1, size - n - 1, keys, n);
	return 0;
}
