/* url.c - URLs, on libcurl's URL API */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "url.h"
#include "util.h"

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* The query without utm_* parameters; NULL when nothing is left. */
static char *
strip_tracking(const char *query)
{
	char *out = xmalloc(strlen(query) + 1), *o = out;
	const char *p = query;

	while (*p) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);

		if (n > 0 && strncasecmp(p, "utm_", 4) != 0) {
			if (o != out)
				*o++ = '&';
			memcpy(o, p, n);
			o += n;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	*o = '\0';
	if (o == out) {
		free(out);
		return NULL;
	}
	return out;
}

static char *
get_url(CURLU *u)
{
	char *s = NULL, *copy;

	if (curl_url_get(u, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT) !=
	    CURLUE_OK)
		return NULL;
	copy = xstrdup(s);
	curl_free(s);
	return copy;
}

char *
url_canonical(const char *url)
{
	CURLU *u = curl_url();
	char *part = NULL, *res = NULL;

	if (u == NULL)
		die_nomem();
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK)
		goto out;
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(u, CURLUPART_SCHEME, &part, 0) == CURLUE_OK) {
		lower(part);
		curl_url_set(u, CURLUPART_SCHEME, part, CURLU_NON_SUPPORT_SCHEME);
		curl_free(part);
		part = NULL;
	}
	if (curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
		lower(part);
		curl_url_set(u, CURLUPART_HOST, part, 0);
		curl_free(part);
		part = NULL;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK) {
		char *q = strip_tracking(part);

		curl_url_set(u, CURLUPART_QUERY, q, 0);
		free(q);
		curl_free(part);
		part = NULL;
	}
	res = get_url(u);
out:
	curl_url_cleanup(u);
	return res;
}

char *
url_resolve(const char *base, const char *rel)
{
	CURLU *u = curl_url();
	char *res = NULL;

	if (u == NULL)
		die_nomem();
	if (base != NULL && *base != '\0' &&
	    curl_url_set(u, CURLUPART_URL, base, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK)
		curl_url_set(u, CURLUPART_URL, "", 0);
	if (curl_url_set(u, CURLUPART_URL, rel, CURLU_NON_SUPPORT_SCHEME) ==
	    CURLUE_OK)
		res = get_url(u);
	curl_url_cleanup(u);
	return res;
}
