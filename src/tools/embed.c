/*
 * embed.c: a build tool that turns files under assets/ into a C table.
 *
 * Usage: embed OUT.c ROOT FILE...; each FILE's path is stored relative to
 * ROOT. Run by the Makefile only; not part of simul.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: embed OUT.c ROOT FILE...\n");
		return 2;
	}
	FILE *out = fopen(argv[1], "w");
	if (out == NULL) {
		perror(argv[1]);
		return 1;
	}
	size_t rootlen = strlen(argv[2]);
	fprintf(out, "/* Generated from assets/ by src/tools/embed.c: do not edit. */\n");
	fprintf(out, "#include <stddef.h>\n#include \"assets.h\"\n\n");
	for (int i = 3; i < argc; i++) {
		FILE *in = fopen(argv[i], "rb");
		int c;
		size_t n = 0;
		if (in == NULL) {
			perror(argv[i]);
			return 1;
		}
		fprintf(out, "static const char asset_%d[] = {", i);
		while ((c = fgetc(in)) != EOF) {
			fprintf(out, "%s%d,", n % 24 == 0 ? "\n" : "", c);
			n++;
		}
		fprintf(out, "0};\n");
		fclose(in);
	}
	fprintf(out, "\nconst struct asset simul_assets[] = {\n");
	for (int i = 3; i < argc; i++) {
		const char *rel = argv[i];
		if (strncmp(rel, argv[2], rootlen) == 0) {
			rel += rootlen;
			while (*rel == '/')
				rel++;
		}
		fprintf(out, "\t{\"%s\", asset_%d, sizeof(asset_%d) - 1},\n", rel, i, i);
	}
	fprintf(out, "\t{NULL, NULL, 0}\n};\nconst size_t simul_nassets = %d;\n", argc - 3);
	return fclose(out) == 0 ? 0 : 1;
}
