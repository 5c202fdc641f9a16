/*
 * replay.c - a fuzz target without libFuzzer: main runs the target's
 * LLVMFuzzerTestOneInput on each file named, as libFuzzer would.  Linked
 * with each target by make check (gcc, and ASan+UBSan under SANITIZE=1)
 * into $(OBJ)/replay/, so tests/t0950-fuzz-regress.sh replays the inputs
 * the fuzzers once crashed on (tests/data/fuzz-regress/TARGET/).
 * A failed property aborts; exits 1 if a file cannot be read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char *argv[])
{
	int status = 0;

	for (int i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		size_t len = 0, cap = 0, n;

		if (fp == NULL) {
			perror(argv[i]);
			status = 1;
			continue;
		}
		do {
			if (len == cap) {
				uint8_t *grown;

				cap = cap ? cap * 2 : 4096;
				if ((grown = realloc(buf, cap)) == NULL)
					abort();
				buf = grown;
			}
			n = fread(buf + len, 1, cap - len, fp);
			len += n;
		} while (n > 0);
		if (ferror(fp)) {
			perror(argv[i]);
			status = 1;
		} else
			LLVMFuzzerTestOneInput(buf, len);
		fclose(fp);
		free(buf);
	}
	return status;
}
