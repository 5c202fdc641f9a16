/*
 * url.h - URLs, on libcurl's URL API.
 *
 * Ownership: returned strings are the caller's, freed with free(3).
 */
#ifndef JOBLINE_URL_H
#define JOBLINE_URL_H

/*
 * The canonical form of an absolute http(s) URL, for deduplication:
 * scheme and host lowercased, default port dropped, dot segments removed,
 * fragment dropped, utm_* query parameters dropped (the others kept in
 * order), an empty path written as "/".  NULL when url is not an absolute
 * URL.
 */
char *url_canonical(const char *url);

/*
 * rel resolved against base (RFC 3986), or NULL when neither gives an
 * absolute URL.  An absolute rel is returned normalised.
 */
char *url_resolve(const char *base, const char *rel);

/*
 * Non-zero when s starts with a URI scheme and a colon ("http:", "tag:",
 * "urn:"); a single letter and a colon is a drive ("C:"), not a scheme.
 */
int url_has_scheme(const char *s);

#endif
