#define _GNU_SOURCE
/* fuzz-classify: classify's reading of an item (lib/events.c,
 * lib/companies.c, lib/names.c) with the shipped rules and gazetteer
 * (share/classify, found as classify finds it, or from obj/replay/).
 * The input is a title, a summary and a content separated by 0x01 bytes
 * (a missing one is absent), each cut where it stops being UTF-8, as the
 * JSON reader hands classify only UTF-8.  Properties: the fields
 * classify adds are UTF-8 and start with a comma; with --explain the
 * same fields come out, the explanation after them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgfile.h"
#include "events.h"
#include "names.h"
#include "rules.h"

#include "fuzz.h"

static struct rules *r;
static struct names tracked;
static struct evmodel model;
static struct evitem plain, explained;

/* The shipped rules: as classify finds them (beside obj-fuzz/), or two
 * levels up from the program (obj/replay/, for make check). */
static char *
rules_path(void)
{
	char exe[4096], *p = rules_find_default(), *slash;
	ssize_t n;

	if (p != NULL ||
	    (n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return p;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	if (asprintf(&p, "%s/../../share/classify/rules", exe) < 0)
		abort();
	return p;
}

static void
setup(void)
{
	char *path = rules_path();

	r = rules_new();
	if (path == NULL || rules_read(r, path) != CFG_OK || rules_finish(r) < 0) {
		fprintf(stderr, "fuzz-classify: no shipped rules: %s\n",
		    path ? r->err : "share/classify/rules not found");
		abort();
	}
	free(path);
	evitem_init(&plain, r, &tracked, &model, 1700000000, 0, 0);
	evitem_init(&explained, r, &tracked, &model, 1700000000, 1, 0);
}

/* The fields up to ,"explain": (it comes last), or all of them. */
static size_t
before_explain(const struct fbuf *b)
{
	const char *e = memmem(b->s, b->len, ",\"explain\":", 11);

	return e ? (size_t)(e - b->s) : b->len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evinput in;
	const char *s = (const char *)data, *end = s + size;
	size_t n;

	if (r == NULL)
		setup();
	memset(&in, 0, sizeof(in));
	for (int f = 0; f < 3 && s <= end; f++) {
		const char *sep = memchr(s, 0x01, (size_t)(end - s));
		size_t len = sep ? (size_t)(sep - s) : (size_t)(end - s);

		in.text[f] = s;
		in.len[f] = utf8_check(s, len);
		s += len + 1;
		if (sep == NULL)
			break;
	}
	evitem_classify(&plain, &in);
	FUZZ_UTF8(plain.out.s, plain.out.len, "fields are UTF-8");
	FUZZ_CHECK(plain.out.len == 0 || plain.out.s[0] == ',',
	    "fields start with a comma");
	evitem_classify(&explained, &in);
	FUZZ_UTF8(explained.out.s, explained.out.len, "explained is UTF-8");
	n = before_explain(&explained.out);
	FUZZ_CHECK(n == plain.out.len &&
	    memcmp(plain.out.s, explained.out.s, n) == 0,
	    "--explain changes nothing else");
	return 0;
}
