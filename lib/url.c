/* url.c - URLs, on libcurl's URL API */
#define _GNU_SOURCE
#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "url.h"
#include "utf8.h"
#include "util.h"

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

/*
 * u's URL, malloc'ed; a byte that breaks UTF-8 (libcurl decodes "%BA" in
 * a host name) percent-encoded again, so that the result is always UTF-8.
 */
static char *
get_url(CURLU *u)
{
	char *s = NULL, *copy, *o;
	size_t n, i, ok;

	if (curl_url_get(u, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT) !=
	    CURLUE_OK)
		return NULL;
	n = strlen(s);
	if (utf8_check(s, n) == n) {
		copy = xstrdup(s);
		curl_free(s);
		return copy;
	}
	o = copy = xmalloc(n * 3 + 1);
	for (i = 0; i < n; ) {
		ok = utf8_check(s + i, n - i);
		memcpy(o, s + i, ok);
		o += ok;
		i += ok;
		if (i < n) {
			static const char hex[] = "0123456789ABCDEF";
			unsigned char c = (unsigned char)s[i++];

			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	curl_free(s);
	return copy;
}

/* Printable ASCII but for "<>\\^`{|}: bytes the fast path takes as they are. */
static const unsigned char url_plain[256] = {
	['!'] = 1, ['#' ... ';'] = 1, ['='] = 1, ['?' ... '['] = 1,
	[']'] = 1, ['_'] = 1, ['a' ... 'z'] = 1, ['~'] = 1,
};

/*
 * The canonical form of the common case without libcurl's parser (which
 * costs more than the rest of storing an article): http(s), a plain host
 * and port, printable ASCII, no dot segments.  NULL sends the URL to the
 * general path, which gives the same answer for these.
 */
static char *
canonical_fast(const char *url)
{
	const char *p, *auth, *end, *path, *query, *qend;
	size_t schemelen, hostlen;
	char *res, *o, *kept = NULL;
	int https;

	if (strncasecmp(url, "http://", 7) == 0)
		https = 0, schemelen = 4;
	else if (strncasecmp(url, "https://", 8) == 0)
		https = 1, schemelen = 5;
	else
		return NULL;
	for (p = url; *p; p++)
		if (!url_plain[(unsigned char)*p])
			return NULL;
	auth = url + schemelen + 3;
	end = auth + strcspn(auth, "/?#");
	if (end == auth || memchr(auth, '@', (size_t)(end - auth)) ||
	    memchr(auth, '[', (size_t)(end - auth)) || *end == '?' ||
	    *end == '#')
		return NULL;
	hostlen = (size_t)(end - auth);
	p = memchr(auth, ':', hostlen);
	if (p != NULL) {
		const char *port = p + 1;

		if (port == end || strspn(port, "0123456789") !=
		    (size_t)(end - port))
			return NULL;
		if ((!https && end - port == 2 && memcmp(port, "80", 2) == 0) ||
		    (https && end - port == 3 && memcmp(port, "443", 3) == 0))
			hostlen = (size_t)(p - auth);
	}
	path = end;
	query = path + strcspn(path, "?#");
	if (strstr(path, "/.") != NULL && strstr(path, "/.") < query)
		return NULL;
	qend = query;
	if (*query == '?') {
		char *q;

		qend = query + 1 + strcspn(query + 1, "#");
		if (qend == query + 1)
			return NULL;
		q = xstrndup(query + 1, (size_t)(qend - query - 1));
		kept = strip_tracking(q);
		free(q);
	}
	res = o = xmalloc(strlen(url) + 2);
	memcpy(o, https ? "https://" : "http://", schemelen + 3);
	o += schemelen + 3;
	for (size_t i = 0; i < hostlen; i++)
		*o++ = (char)tolower((unsigned char)auth[i]);
	if (query == path)
		*o++ = '/';
	memcpy(o, path, (size_t)(query - path));
	o += query - path;
	if (kept != NULL) {
		*o++ = '?';
		strcpy(o, kept);
		o += strlen(kept);
		free(kept);
	}
	*o = '\0';
	return res;
}

char *
url_canonical(const char *url)
{
	CURLU *u;
	char *s = NULL, *res = NULL, *p, *q, *hash;

	if ((res = canonical_fast(url)) != NULL)
		return res;
	if ((u = curl_url()) == NULL)
		die_nomem();
	/* one parse and one print; the rest is done on the printed text */
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT) !=
	    CURLUE_OK)
		goto out;
	res = xstrdup(s);
	if ((hash = strchr(res, '#')) != NULL)
		*hash = '\0';
	/* scheme://authority: lowercase (curl keeps the host's case) */
	p = strstr(res, "://");
	for (q = res; *q && (p == NULL || q < p + 3 || (*q != '/' &&
	    *q != '?')); q++)
		*q = (char)tolower((unsigned char)*q);
	if ((q = strchr(res, '?')) != NULL) {
		char *kept = strip_tracking(q + 1);

		if (kept == NULL)
			*q = '\0';
		else {
			memcpy(q + 1, kept, strlen(kept) + 1);
			free(kept);
		}
	}
out:
	curl_free(s);
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

int
url_has_scheme(const char *s)
{
	const char *q = s;

	if (!isalpha((unsigned char)*q))
		return 0;
	while (isalnum((unsigned char)*q) || *q == '+' || *q == '-' ||
	    *q == '.')
		q++;
	return *q == ':' && q - s > 1;
}
