/* fuzz-html: HTML to plain text; valid UTF-8 in gives valid UTF-8 out. */
#include "fuzz.h"
#include "html.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fbuf out = { 0 };
	int flags;

	if (size < 1)
		return 0;
	flags = data[0] & 3;
	data++, size--;
	html_to_text(&out, (const char *)data, size, flags);
	if (utf8_check((const char *)data, size) == size)
		FUZZ_UTF8(out.s ? out.s : "", out.len, "html_to_text output");
	fbuf_free(&out);
	return 0;
}
