/* fuzz-cond: the condition language of verify-predictions; what compiles
 * evaluates, whatever the prices. */
#include "fuzz.h"
#include "cond.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), err[COND_ERRSZ];
	struct cond *c = cond_parse(s, err, sizeof(err));
	struct cond_vars v;

	if (c != NULL) {
		if (cond_vars_set(&v, 100, 101) == 0)
			(void)cond_eval(c, &v);
		if (cond_vars_set(&v, 1e-300, 1e300) == 0)
			(void)cond_eval(c, &v);
		cond_free(c);
	} else {
		FUZZ_CHECK(strncmp(err, "column ", 7) == 0,
		    "errors say where");
	}
	free(s);
	return 0;
}
