/*
 * fuzz.h - what the libFuzzer targets share: a NUL-terminated copy of the
 * input, and the properties they check (abort, so the fuzzer keeps the
 * input, when one fails).
 */
#ifndef JOBLINE_FUZZ_H
#define JOBLINE_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* The input as a C string (it stops at the first NUL); free it. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Abort with a message when cond is false. */
#define FUZZ_CHECK(cond, what) do { \
	if (!(cond)) { \
		fprintf(stderr, "property failed: %s (%s:%d)\n", what, \
		    __FILE__, __LINE__); \
		abort(); \
	} } while (0)

/* s[0..n) is valid UTF-8. */
#define FUZZ_UTF8(s, n, what) \
	FUZZ_CHECK(utf8_check((s), (n)) == (n), what)

#endif
