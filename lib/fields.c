/* fields.c - typed fields of input records (see fields.h) */
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "util.h"

const char *
field_key(json_object *o, const char *field, char *buf, size_t n)
{
	json_object *v;

	if (!json_object_object_get_ex(o, field, &v))
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return *json_object_get_string(v) ? json_object_get_string(v) :
		    NULL;
	if (json_object_is_type(v, json_type_int)) {
		snprintf(buf, n, "%lld", (long long)json_object_get_int64(v));
		return buf;
	}
	return NULL;
}

char *
field_scanned_key(const struct jscan_field *f)
{
	if (!f->found)
		return NULL;
	if (f->is_string)
		return f->len > 0 ? jscan_string(f) : NULL;
	if (f->len > 0 && f->len < 21 && strspn(f->val, "-0123456789") ==
	    f->len)
		return xstrndup(f->val, f->len);
	return NULL;
}
