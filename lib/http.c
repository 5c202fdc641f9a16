/*
 * http.c - concurrent GETs on libcurl multi (see http.h).
 *
 * Requests wait in an array; each pass of the loop starts the waiting ones
 * that are due (retry time) and fit (jobs, per host), lets libcurl work,
 * and finishes what completed: done, or back to waiting for a retry.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "backoff.h"
#include "http.h"
#include "sig.h"
#include "timefmt.h"
#include "util.h"

#define MAX_CHAIN 8	/* URLs remembered per redirect chain */

enum state { WAITING, RUNNING, DONE };

struct xfer {
	struct http_req req;	/* copy; its strings owned */
	struct http *h;		/* owner */
	enum state state;
	char *host;		/* for the per-host limit; owned */
	CURL *easy;		/* while running */
	struct curl_slist *headers; /* request headers; owned */
	int attempts;		/* started so far */
	int64_t due;		/* monotonic ms before which not to start */
	int64_t started;	/* monotonic ms of the first attempt */
	int body_started;	/* on_body called in this attempt */
	int body_ever;		/* a body was handed on in some attempt */
	int64_t bytes;		/* body bytes this attempt */
	long retry_after_ms;	/* from the last response, -1 none */
	char *etag, *lastmod;	/* of the last response; owned */
	char *ctype;		/* Content-Type of the last response; owned */
	char *cloc;		/* its Content-Location; owned */
	char *chain[MAX_CHAIN];	/* URLs of this attempt's responses */
	int nchain;
	const char *abort_why;	/* set when we cut the transfer off */
	char errbuf[CURL_ERROR_SIZE];
};

struct http {
	struct http_opts o;
	CURLM *multi;
	struct xfer **x;	/* all requests */
	size_t n, cap;
	size_t ndone, nrunning;
	struct xfer **run;	/* the running ones (nrun of them, <= jobs) */
	size_t nrun;
	size_t first;		/* no request before this one is waiting */
};

struct http *
http_new(const struct http_opts *opts)
{
	struct http *h = xcalloc(1, sizeof(*h));

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h->o = *opts;
	if (h->o.jobs < 1)
		h->o.jobs = 1;
	if (h->o.per_host < 1)
		h->o.per_host = 1;
	if ((h->multi = curl_multi_init()) == NULL)
		die_nomem();
	h->run = xcalloc((size_t)h->o.jobs, sizeof(*h->run));
	return h;
}

static char *
host_of(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *r;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
		curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_cleanup(u);
	r = xstrdup(host ? host : "");
	curl_free(host);
	return r;
}

void
http_add(struct http *h, const struct http_req *req)
{
	struct xfer *x = xcalloc(1, sizeof(*x));

	x->req = *req;
	x->req.url = xstrdup(req->url);
	x->req.etag = req->etag ? xstrdup(req->etag) : NULL;
	x->req.last_modified = req->last_modified ?
	    xstrdup(req->last_modified) : NULL;
	x->req.accept = req->accept ? xstrdup(req->accept) : NULL;
	x->req.bearer = req->bearer ? xstrdup(req->bearer) : NULL;
	if (req->post != NULL) {
		char *p = xmalloc(req->post_len + 1);

		memcpy(p, req->post, req->post_len);
		p[req->post_len] = '\0';
		x->req.post = p;
	}
	x->h = h;
	x->host = host_of(req->url);
	x->retry_after_ms = -1;
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->x = xrealloc(h->x, h->cap * sizeof(*h->x));
	}
	h->x[h->n++] = x;
}

void
http_counts(const struct http *h, size_t *done, size_t *total)
{
	*done = h->ndone;
	*total = h->n;
}

static void
replace(char **dst, const char *s, size_t n)
{
	free(*dst);
	*dst = xstrndup(s, n);
}

/* Retry-After: seconds or an HTTP date; -1 when unreadable. */
static long
retry_after(const char *v)
{
	char *end;
	long s = strtol(v, &end, 10);
	time_t t;

	if (end != v && (*end == '\0' || isspace((unsigned char)*end)) && s >= 0)
		return s > 86400 ? 86400000L : s * 1000;
	t = curl_getdate(v, NULL);
	if (t < 0)
		return -1;
	t -= time(NULL);	/* the server's clock is the real one */
	return t < 0 ? 0 : (long)(t > 86400 ? 86400 : t) * 1000;
}

static size_t
on_header(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, k;
	const char *v;
	size_t vl;

	if (n >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		/* a new response: forget the last one's headers */
		char *url = NULL;
		int i;

		free(x->etag);
		free(x->lastmod);
		free(x->ctype);
		free(x->cloc);
		x->etag = x->lastmod = x->ctype = x->cloc = NULL;
		x->retry_after_ms = -1;
		curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
		if (url != NULL) {
			for (i = 0; i < x->nchain; i++)
				if (strcmp(x->chain[i], url) == 0) {
					x->abort_why = "redirect loop";
					return 0;
				}
			if (x->nchain < MAX_CHAIN)
				x->chain[x->nchain++] = xstrdup(url);
		}
		return n;
	}
	for (k = 0; k < n && buf[k] != ':'; k++)
		;
	if (k == n)
		return n;
	v = buf + k + 1;
	vl = n - k - 1;
	while (vl > 0 && isspace((unsigned char)*v))
		v++, vl--;
	while (vl > 0 && isspace((unsigned char)v[vl - 1]))
		vl--;
	if (k == 4 && strncasecmp(buf, "etag", 4) == 0)
		replace(&x->etag, v, vl);
	else if (k == 13 && strncasecmp(buf, "last-modified", 13) == 0)
		replace(&x->lastmod, v, vl);
	else if (k == 12 && strncasecmp(buf, "content-type", 12) == 0)
		replace(&x->ctype, v, vl);
	else if (k == 16 && strncasecmp(buf, "content-location", 16) == 0)
		replace(&x->cloc, v, vl);
	else if (k == 11 && strncasecmp(buf, "retry-after", 11) == 0) {
		char *s = xstrndup(v, vl);

		x->retry_after_ms = retry_after(s);
		free(s);
	}
	return n;
}

static size_t
on_write(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	long status = 0;

	x->bytes += (int64_t)n;
	if (x->h->o.max_size > 0 && x->bytes > x->h->o.max_size) {
		x->abort_why = "too large";
		return 0;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		return n;	/* an error page: not ours to parse */
	if (!x->body_started) {
		x->body_started = x->body_ever = 1;
		if (x->req.on_body) {
			char *url = NULL;

			curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
			x->req.on_body(x->req.arg, status, x->ctype,
			    url ? url : x->req.url, x->cloc);
		}
	}
	if (x->req.on_data && x->req.on_data(x->req.arg, buf, n) != 0) {
		x->abort_why = "aborted";
		return 0;
	}
	return n;
}

/* Add a request header, formatted. */
static void __attribute__((format(printf, 2, 3)))
add_header(struct xfer *x, const char *fmt, ...)
{
	va_list ap;
	char *hdr;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&hdr, fmt, ap);
	va_end(ap);
	if (n < 0)
		die_nomem();
	x->headers = curl_slist_append(x->headers, hdr);
	free(hdr);
}

static void
xfer_start(struct http *h, struct xfer *x)
{
	CURL *e = curl_easy_init();
	int i;

	if (e == NULL)
		die_nomem();
	x->easy = e;
	x->attempts++;
	if (x->attempts == 1)
		x->started = time_mono();
	x->body_started = 0;
	x->bytes = 0;
	x->abort_why = NULL;
	x->errbuf[0] = '\0';
	for (i = 0; i < x->nchain; i++)
		free(x->chain[i]);
	x->nchain = 0;
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	if (x->req.etag)
		add_header(x, "If-None-Match: %s", x->req.etag);
	if (x->req.last_modified)
		add_header(x, "If-Modified-Since: %s", x->req.last_modified);
	if (x->req.bearer)
		add_header(x, "Authorization: Bearer %s", x->req.bearer);
	if (x->req.post) {
		add_header(x, "Content-Type: %s", "text/plain; charset=utf-8");
		/* the body at once, not after waiting for a 100 Continue */
		add_header(x, "%s", "Expect:");
	}
	add_header(x, "Accept: %s", x->req.accept ? x->req.accept :
	    "application/rss+xml, application/atom+xml, "
	    "application/feed+json, application/xml;q=0.9, "
	    "text/xml;q=0.9, application/json;q=0.8, */*;q=0.5");
	curl_easy_setopt(e, CURLOPT_URL, x->req.url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, h->o.user_agent);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, h->o.max_redirects);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->o.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->o.timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	if (h->o.max_size > 0)
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)h->o.max_size);
	if (x->req.post != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)x->req.post_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->req.post);
	}
	x->state = RUNNING;
	h->nrunning++;
	h->run[h->nrun++] = x;
	curl_multi_add_handle(h->multi, e);
}

static int
host_busy(struct http *h, struct xfer *x)
{
	size_t i;
	int n = 0;

	for (i = 0; i < h->nrun; i++)
		if (strcmp(h->run[i]->host, x->host) == 0)
			n++;
	return n >= h->o.per_host;
}

static void
run_remove(struct http *h, struct xfer *x)
{
	size_t i;

	for (i = 0; i < h->nrun; i++)
		if (h->run[i] == x) {
			h->run[i] = h->run[--h->nrun];
			return;
		}
}

/* Start what may start; returns ms until the next retry is due (or -1). */
static long
start_due(struct http *h)
{
	int64_t now = time_mono(), next = -1;
	size_t i;

	while (h->first < h->n && h->x[h->first]->state == DONE)
		h->first++;
	for (i = h->first; i < h->n && h->nrunning < (size_t)h->o.jobs; i++) {
		struct xfer *x = h->x[i];

		if (x->state != WAITING)
			continue;
		if (x->due > now) {
			if (next < 0 || x->due - now < next)
				next = x->due - now;
			continue;
		}
		if (host_busy(h, x))
			continue;
		xfer_start(h, x);
	}
	return (long)next;
}

static void
finish(struct http *h, struct xfer *x, CURLcode rc)
{
	struct http_result r = { 0 };
	long status = 0;
	char *eff = NULL, why[CURL_ERROR_SIZE + 64];
	int transient = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
	r.url = eff ? eff : x->req.url;
	why[0] = '\0';
	if (x->abort_why != NULL) {
		if (strcmp(x->abort_why, "too large") == 0)
			snprintf(why, sizeof(why), "too large (over %lld bytes)",
			    (long long)h->o.max_size);
		else
			snprintf(why, sizeof(why), "%s", x->abort_why);
	} else if (rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(why, sizeof(why), "too large (over %lld bytes)",
		    (long long)h->o.max_size);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, sizeof(why), "timed out (%s)", x->errbuf[0] ?
		    x->errbuf : curl_easy_strerror(rc));
		transient = 1;
	} else if (rc == CURLE_TOO_MANY_REDIRECTS) {
		snprintf(why, sizeof(why), "too many redirects (over %ld)",
		    h->o.max_redirects);
	} else if (rc != CURLE_OK) {
		snprintf(why, sizeof(why), "%s", x->errbuf[0] ? x->errbuf :
		    curl_easy_strerror(rc));
		transient = rc == CURLE_COULDNT_CONNECT || rc == CURLE_RECV_ERROR ||
		    rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
		    rc == CURLE_PARTIAL_FILE;
	} else if (status == 304) {
		/* not modified: no body, no error */
	} else if (status < 200 || status > 299) {
		snprintf(why, sizeof(why), "HTTP %ld", status);
		transient = status >= 500 || status == 429 || status == 408;
	}
	curl_multi_remove_handle(h->multi, x->easy);
	h->nrunning--;
	run_remove(h, x);
	if (why[0] && transient && !x->body_ever &&
	    x->attempts <= h->o.retries && !sig_caught) {
		long wait = x->retry_after_ms;

		if (wait < 0)
			wait = (long)backoff_ms(1000, 32000, x->attempts);
		if (wait <= h->o.retry_max_ms) {
			curl_easy_cleanup(x->easy);
			x->easy = NULL;
			x->state = WAITING;
			x->due = time_mono() + wait;
			return;
		}
		if (x->retry_after_ms >= 0) {
			size_t l = strlen(why);

			snprintf(why + l, sizeof(why) - l,
			    ", retry after %lds", x->retry_after_ms / 1000);
		}
	}
	r.status = status;
	r.error = why[0] ? why : NULL;
	r.etag = x->etag;
	r.last_modified = x->lastmod;
	r.attempts = x->attempts;
	r.bytes = x->bytes;
	r.ms = time_mono() - x->started;
	r.retry_after_ms = x->retry_after_ms;
	if (x->req.on_done)
		x->req.on_done(x->req.arg, &r);
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	x->state = DONE;
	h->ndone++;
}

int
http_run(struct http *h, void (*tick)(void *), void *tick_arg)
{
	int running = 0;

	while (h->ndone < h->n) {
		long next, wait;
		CURLMsg *m;
		int left;

		if (sig_caught)
			return -1;
		next = start_due(h);
		curl_multi_perform(h->multi, &running);
		while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
			struct xfer *x;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    (char **)&x);
			finish(h, x, m->data.result);
		}
		if (tick)
			tick(tick_arg);
		if (h->ndone >= h->n)
			break;
		wait = 1000;
		if (next >= 0 && next < wait)
			wait = next;
		if (h->nrunning == 0 && next < 0)
			wait = 1;	/* something can start now */
		curl_multi_poll(h->multi, NULL, 0, (int)wait, NULL);
	}
	return 0;
}

void
http_free(struct http *h)
{
	size_t i;
	int k;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++) {
		struct xfer *x = h->x[i];

		if (x->easy) {
			curl_multi_remove_handle(h->multi, x->easy);
			curl_easy_cleanup(x->easy);
		}
		curl_slist_free_all(x->headers);
		free((char *)x->req.url);
		free((char *)x->req.etag);
		free((char *)x->req.last_modified);
		free((char *)x->req.accept);
		free((char *)x->req.bearer);
		free((char *)x->req.post);
		free(x->host);
		free(x->etag);
		free(x->lastmod);
		free(x->ctype);
		free(x->cloc);
		for (k = 0; k < x->nchain; k++)
			free(x->chain[k]);
		free(x);
	}
	free(h->x);
	free(h->run);
	curl_multi_cleanup(h->multi);
	free(h);
}
