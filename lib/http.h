/*
 * http.h - many GETs (or POSTs) at once on libcurl's multi interface.
 *
 * http_run runs every request added with http_add: at most opts.jobs at
 * once and opts.per_host per host; redirects up to opts.max_redirects with
 * loop detection (a URL seen twice in one chain fails as "redirect loop");
 * only http and https, also across redirects; every content coding libcurl
 * decodes is accepted, and the body is counted after decoding, so a
 * transfer past opts.max_size is cut off ("too large"): a gzip bomb stops
 * there.  If-None-Match / If-Modified-Since are sent when the request has
 * validators.  Timeouts, 5xx and 429 are retried opts.retries times, after
 * Retry-After when the server gives one (up to opts.retry_max_ms, beyond
 * which it gives up) else after lib/backoff.h's backoff from 1 s (at most
 * 32 s), but only while no body has been handed on.  TLS is verified (libcurl's default).
 *
 * Callbacks: on_body is called with the status and Content-Type when a
 * 2xx body starts (once per attempt that has one), on_data with its
 * bytes (return non-zero to abort: "aborted"), on_done once at the end.
 * Strings passed to callbacks are valid only during the call.
 *
 * Ownership: the http handle is freed by http_free; requests (and their
 * strings) are copied.
 */
#ifndef JOBLINE_HTTP_H
#define JOBLINE_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct http_opts {
	int jobs;		/* transfers at once */
	int per_host;		/* transfers at once to one host */
	long connect_timeout_ms;
	long timeout_ms;	/* whole transfer */
	long max_redirects;
	int64_t max_size;	/* body bytes after decoding */
	int retries;		/* extra attempts for transient failures */
	long retry_max_ms;	/* longest wait honoured */
	const char *user_agent;
};

struct http_result {
	long status;		/* last HTTP status, 0 when none */
	const char *error;	/* NULL on success (2xx or 304) */
	const char *etag;	/* validators of the response, or NULL */
	const char *last_modified;
	const char *url;	/* URL after redirects */
	int attempts;		/* 1 + retries made */
	int64_t bytes;		/* body bytes handed on */
	int64_t ms;		/* wall time, all attempts */
	long retry_after_ms;	/* the last answer's Retry-After, -1 none */
};

struct http_req {
	const char *url;
	const char *etag;	/* sent as If-None-Match, or NULL */
	const char *last_modified; /* sent as If-Modified-Since, or NULL */
	const char *accept;	/* the Accept header, or NULL for feeds' types */
	const char *bearer;	/* a token sent as Authorization: Bearer, or
				   NULL */
	const char *post;	/* a POST of these bytes (text/plain), or NULL:
				   a GET */
	size_t post_len;	/* their length */
	void *arg;		/* given to the callbacks */
	/* url: where the body comes from, after redirects; location: the
	 * Content-Location header or NULL */
	void (*on_body)(void *arg, long status, const char *content_type,
	    const char *url, const char *location);
	int (*on_data)(void *arg, const char *buf, size_t n);
	void (*on_done)(void *arg, const struct http_result *res);
};

struct http;

struct http *http_new(const struct http_opts *opts);
void http_add(struct http *h, const struct http_req *req);

/* Run until every request is done, or a signal set sig_caught (then the
 * remaining ones are abandoned without on_done).  Returns 0, or -1 when
 * interrupted. */
int http_run(struct http *h, void (*tick)(void *), void *tick_arg);

/* Requests done so far, and added in all. */
void http_counts(const struct http *h, size_t *done, size_t *total);

void http_free(struct http *h);

#endif
