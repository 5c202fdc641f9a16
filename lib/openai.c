/* openai.c - OpenAI-compatible HTTP client on libcurl multi (see openai.h) */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <curl/curl.h>

#include "backoff.h"
#include "openai.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"

/* Answers larger than this are refused (no API answer comes near). */
#define OAI_MAX_BODY (256u << 20)

struct oai_req {
	struct oai_req *next;	/* next in the wait queue */
	char *url;		/* full URL; owned */
	char *body;		/* request body; owned */
	size_t len;		/* its length */
	oai_done_fn done;	/* callback */
	void *arg;		/* its argument */
	int attempt;		/* attempts made so far */
	int64_t not_before;	/* time_mono() before which not to start */
	CURL *easy;		/* transfer while in flight, else NULL */
	char *resp;		/* answer body being read; owned */
	size_t resplen, respcap;	/* its length and capacity */
	char errbuf[CURL_ERROR_SIZE];	/* curl's message */
};

struct oai {
	char *base;		/* base URL without a trailing slash; owned */
	int jobs;		/* most requests in flight */
	int retries;		/* retries after the first attempt */
	long timeout_ms;	/* per attempt */
	CURLM *multi;		/* the transfers */
	struct curl_slist *headers;	/* shared request headers; owned */
	struct oai_req *head, *tail;	/* waiting, in order */
	struct oai_req *active;	/* in flight, linked by next */
	int nwaiting;		/* requests in the wait queue */
	int nactive;		/* requests in flight */
};

static int curl_ready;

/* Is the server at base on this machine (a local model server needs no
 * key)?  localhost, 127.0.0.0/8, ::1; an unparsable URL is not. */
static int
base_is_local(const char *base)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int local = 0;

	if (u == NULL)
		die_nomem();
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		local = strcasecmp(host, "localhost") == 0 ||
		    strncmp(host, "127.", 4) == 0 ||
		    strcmp(host, "[::1]") == 0;
	curl_free(host);
	curl_url_cleanup(u);
	return local;
}

struct oai *
oai_new(const char *base, int jobs)
{
	struct oai *c = xcalloc(1, sizeof(*c));
	const char *key = getenv("JOBLINE_API_KEY");
	size_t n;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			errx(EXIT_FATAL, "cannot initialise libcurl");
		curl_ready = 1;
	}
	if (base == NULL || *base == '\0')
		base = getenv("JOBLINE_API_URL");
	if (base == NULL || *base == '\0')
		base = OAI_DEFAULT_URL;
	c->base = xstrdup(base);
	n = strlen(c->base);
	while (n > 0 && c->base[n - 1] == '/')
		c->base[--n] = '\0';
	c->jobs = jobs > 0 ? jobs : 1;
	c->retries = 5;
	c->timeout_ms = 120000;
	if ((c->multi = curl_multi_init()) == NULL)
		die_nomem();
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)c->jobs);
	c->headers = curl_slist_append(NULL,
	    "Content-Type: application/json");
	c->headers = curl_slist_append(c->headers, "Accept: application/json");
	c->headers = curl_slist_append(c->headers, "Expect:");
	if (key == NULL || *key == '\0')
		key = getenv("OPENAI_API_KEY");
	if ((key == NULL || *key == '\0') && !base_is_local(c->base))
		errx(EXIT_FATAL, "%s: no API key: set OPENAI_API_KEY or "
		    "JOBLINE_API_KEY (a server on this machine needs none)",
		    c->base);
	if (key != NULL && *key != '\0') {
		char *h;

		if (asprintf(&h, "Authorization: Bearer %s", key) < 0)
			die_nomem();
		c->headers = curl_slist_append(c->headers, h);
		explicit_bzero(h, strlen(h));
		free(h);
	}
	if (c->headers == NULL)
		die_nomem();
	return c;
}

static void
req_free(struct oai_req *r)
{
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	free(r->url);
	free(r->body);
	free(r->resp);
	free(r);
}

void
oai_free(struct oai *c)
{
	struct oai_req *r, *next;
	if (c == NULL)
		return;
	for (r = c->head; r != NULL; r = next) {
		next = r->next;
		req_free(r);
	}
	for (r = c->active; r != NULL; r = next) {
		next = r->next;
		curl_multi_remove_handle(c->multi, r->easy);
		req_free(r);
	}
	curl_multi_cleanup(c->multi);
	curl_slist_free_all(c->headers);
	free(c->base);
	free(c);
}

void
oai_set_retries(struct oai *c, int retries)
{
	c->retries = retries;
}

void
oai_set_timeout(struct oai *c, long ms)
{
	c->timeout_ms = ms;
}

const char *
oai_base(const struct oai *c)
{
	return c->base;
}

int
oai_pending(const struct oai *c)
{
	return c->nwaiting + c->nactive;
}

int
oai_room(const struct oai *c)
{
	int room = c->jobs - c->nwaiting - c->nactive;

	return room > 0 ? room : 0;
}

static void
enqueue(struct oai *c, struct oai_req *r)
{
	r->next = NULL;
	if (c->tail != NULL)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	c->nwaiting++;
}

void
oai_post(struct oai *c, const char *path, const char *body, size_t len,
    oai_done_fn done, void *arg)
{
	struct oai_req *r = xcalloc(1, sizeof(*r));

	if (strncmp(path, "http://", 7) == 0 ||
	    strncmp(path, "https://", 8) == 0)
		r->url = xstrdup(path);
	else if (asprintf(&r->url, "%s%s%s", c->base, *path == '/' ? "" : "/",
	    path) < 0)
		die_nomem();
	r->body = xmalloc(len + 1);
	memcpy(r->body, body, len);
	r->body[len] = '\0';
	r->len = len;
	r->done = done;
	r->arg = arg;
	enqueue(c, r);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct oai_req *r = arg;
	size_t n = size * nmemb;

	if (r->resplen + n + 1 > OAI_MAX_BODY)
		return 0;
	if (r->resplen + n + 1 > r->respcap) {
		r->respcap = (r->resplen + n + 1) * 2;
		r->resp = xrealloc(r->resp, r->respcap);
	}
	memcpy(r->resp + r->resplen, data, n);
	r->resplen += n;
	r->resp[r->resplen] = '\0';
	return n;
}

static void
start(struct oai *c, struct oai_req *r)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		die_nomem();
	r->easy = e;
	r->resplen = 0;
	r->errbuf[0] = '\0';
	r->attempt++;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "jobline/" JOBLINE_VERSION);
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
		errx(EXIT_FATAL, "cannot start a transfer");
	r->next = c->active;
	c->active = r;
	c->nactive++;
	stats_add("api_requests", 1);
}

/* Start what may start; the time until the next waiting one may, in ms. */
static long
start_ready(struct oai *c)
{
	int64_t now = time_mono();
	long wait = 1000;
	struct oai_req **pp = &c->head, *prev = NULL;

	while (*pp != NULL && c->nactive < c->jobs) {
		struct oai_req *r = *pp;

		if (r->not_before > now) {
			if (r->not_before - now < wait)
				wait = (long)(r->not_before - now);
			prev = r;
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		if (c->tail == r)
			c->tail = prev;
		c->nwaiting--;
		start(c, r);
	}
	return wait;
}

static void
count_usage(json_object *resp)
{
	json_object *u, *v;
	static const char *const names[][2] = {
		{ "prompt_tokens", "api_prompt_tokens" },
		{ "completion_tokens", "api_completion_tokens" },
		{ "total_tokens", "api_total_tokens" },
	};

	if (!json_object_object_get_ex(resp, "usage", &u) ||
	    !json_object_is_type(u, json_type_object))
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (json_object_object_get_ex(u, names[i][0], &v) &&
		    json_object_is_type(v, json_type_int))
			stats_add(names[i][1], json_object_get_int64(v));
}

/* A short, printable excerpt of an error answer. */
static void
excerpt(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];

		out[o++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	out[o] = '\0';
}

/* A finished attempt: retry it, or call back. Returns callbacks run. */
static int
finish(struct oai *c, struct oai_req *r, CURLcode code)
{
	long status = 0;
	curl_off_t after = -1;
	char msg[300], ex[160];
	int retry = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &after);
	curl_multi_remove_handle(c->multi, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	for (struct oai_req **pp = &c->active; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	c->nactive--;

	if (code != CURLE_OK) {
		snprintf(msg, sizeof(msg), "%s: %s", r->url,
		    r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
		retry = code != CURLE_WRITE_ERROR &&
		    code != CURLE_UNSUPPORTED_PROTOCOL &&
		    code != CURLE_URL_MALFORMAT;
	} else if (status < 200 || status > 299) {
		excerpt(r->resp ? r->resp : "", r->resplen, ex, sizeof(ex));
		snprintf(msg, sizeof(msg), "%s: HTTP %ld%s%s", r->url, status,
		    *ex ? ": " : "", ex);
		retry = status == 408 || status == 429 || status >= 500;
	} else {
		json_object *resp = NULL;
		json_tokener *tok = json_tokener_new();
		enum json_tokener_error jerr;

		if (tok == NULL)
			die_nomem();
		resp = json_tokener_parse_ex(tok, r->resp ? r->resp : "",
		    (int)r->resplen);
		jerr = json_tokener_get_error(tok);
		json_tokener_free(tok);
		if (resp == NULL || jerr != json_tokener_success ||
		    !json_object_is_type(resp, json_type_object)) {
			json_object_put(resp);
			snprintf(msg, sizeof(msg), "%s: malformed answer: %s",
			    r->url, resp == NULL || jerr != json_tokener_success ?
			    "not JSON" : "not a JSON object");
			stats_add("api_failures", 1);
			r->done(r->arg, NULL, msg);
			req_free(r);
			return 1;
		}
		count_usage(resp);
		r->done(r->arg, resp, NULL);
		json_object_put(resp);
		req_free(r);
		return 1;
	}
	if (retry && r->attempt <= c->retries) {
		int64_t wait = backoff_ms(OAI_BACKOFF_MS, OAI_MAX_WAIT_MS,
		    r->attempt);

		if (after >= 0)
			wait = after * 1000 > OAI_MAX_WAIT_MS ?
			    OAI_MAX_WAIT_MS : after * 1000;
		r->not_before = time_mono() + wait;
		stats_add("api_retries", 1);
		enqueue(c, r);
		return 0;
	}
	stats_add("api_failures", 1);
	r->done(r->arg, NULL, msg);
	req_free(r);
	return 1;
}

int
oai_run(struct oai *c)
{
	return oai_wait(c, -1);
}

int
oai_wait(struct oai *c, int fd)
{
	int called = 0;

	while (called == 0 && oai_pending(c) > 0) {
		long wait = start_ready(c);
		int running, left;
		CURLMsg *m;
		struct curl_waitfd w = { fd, CURL_WAIT_POLLIN, 0 };

		if (curl_multi_perform(c->multi, &running) != CURLM_OK)
			errx(EXIT_FATAL, "libcurl multi failed");
		while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
			struct oai_req *r;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    (char **)&r);
			called += finish(c, r, m->data.result);
		}
		if (called > 0)
			break;
		curl_multi_poll(c->multi, fd >= 0 ? &w : NULL, fd >= 0 ? 1 : 0,
		    (int)(wait > 0 ? (wait < 1000 ? wait : 1000) : 1), NULL);
		if (fd >= 0 && (w.revents & CURL_WAIT_POLLIN))
			break;
	}
	return called;
}
