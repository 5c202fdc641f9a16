/* ping.c - healthchecks.io-style pings on lib/http.c (see ping.h) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ping.h"
#include "util.h"

/* What on_done saw. */
struct answer {
	int done;		/* on_done was called */
	long status;		/* the last HTTP status */
	char why[256];		/* the error, or "" */
};

static void
on_done(void *arg, const struct http_result *res)
{
	struct answer *a = arg;

	a->done = 1;
	a->status = res->status;
	snprintf(a->why, sizeof(a->why), "%s", res->error ? res->error : "");
}

/* url with /start or /fail after its path (before a query); new string. */
static char *
ping_url(const char *url, enum ping_kind kind)
{
	static const char *const suffix[] = { "/start", "", "/fail" };
	size_t path = strcspn(url, "?#");
	char *s;

	while (path > 0 && url[path - 1] == '/' && kind != PING_SUCCESS)
		path--;
	if (asprintf(&s, "%.*s%s%s", (int)path, url, suffix[kind],
	    url + strcspn(url, "?#")) < 0)
		die_nomem();
	return s;
}

int
ping_send(const char *url, enum ping_kind kind, const char *body,
    size_t n, char *why, size_t whysz)
{
	struct http_opts o;
	struct http_req req;
	struct answer a;
	struct http *h;
	char *u = ping_url(url, kind);
	int rc;

	memset(&o, 0, sizeof(o));
	o.jobs = 1;
	o.per_host = 1;
	o.connect_timeout_ms = 3000;
	o.timeout_ms = 5000;
	o.max_redirects = 3;
	o.max_size = 64 * 1024;
	o.retries = 2;
	o.retry_max_ms = 2000;
	o.user_agent = "jobline-run-job/" JOBLINE_VERSION;
	memset(&req, 0, sizeof(req));
	memset(&a, 0, sizeof(a));
	req.url = u;
	req.accept = "*/*";
	req.post = body != NULL ? body : "";
	req.post_len = body != NULL ? n : 0;
	req.arg = &a;
	req.on_done = on_done;
	h = http_new(&o);
	http_add(h, &req);
	if (http_run(h, NULL, NULL) != 0 || !a.done) {
		snprintf(why, whysz, "%s: interrupted", u);
		rc = -1;
	} else if (a.why[0] != '\0' || a.status < 200 || a.status > 299) {
		snprintf(why, whysz, "%s: %s", u, a.why[0] ? a.why :
		    "no answer");
		rc = -1;
	} else {
		rc = 0;
	}
	http_free(h);
	free(u);
	return rc;
}
