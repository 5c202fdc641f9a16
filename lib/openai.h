/*
 * openai.h - a client for OpenAI-compatible HTTP APIs (owned by the
 * retrieval programs: embed and search; summarize reuses it for chat
 * completions).
 *
 * Requests are JSON POSTs to BASE + path (BASE such as
 * "https://api.openai.com/v1" or "http://127.0.0.1:11434/v1"; a path that
 * is already a full URL is used as it is).  Up to `jobs` requests are in
 * flight at once on libcurl's multi interface; the others wait in order.
 * The API key, when $JOBLINE_API_KEY or else $OPENAI_API_KEY is set, goes
 * in an "Authorization: Bearer" header.  TLS is verified; redirects are
 * not followed.
 *
 * A transport error, a timeout, 408, 429 or any 5xx answer is retried up
 * to `retries` times: the wait is the server's Retry-After (seconds or an
 * HTTP date, at most OAI_MAX_WAIT_MS) when it gives one, else exponential
 * backoff from OAI_BACKOFF_MS doubling per attempt (at most
 * OAI_MAX_WAIT_MS), with jitter (a random share of up to half the wait).
 * Other answers are final.  A final 2xx answer whose body is a JSON object
 * is handed to the callback; anything else is an error message.
 *
 * Counters ($JOBLINE_STATS): api_requests (attempts), api_retries,
 * api_failures (requests that failed for good), and from the answers'
 * "usage" objects api_prompt_tokens, api_completion_tokens,
 * api_total_tokens.
 *
 * Ownership: the client copies the body; the callback's resp is borrowed
 * (the client puts it after the callback returns; take a reference with
 * json_object_get to keep it); error strings are borrowed likewise.
 * oai_free cancels what is still queued without calling callbacks.
 */
#ifndef JOBLINE_OPENAI_H
#define JOBLINE_OPENAI_H

#include <stddef.h>
#include <json-c/json.h>

#define OAI_DEFAULT_URL "https://api.openai.com/v1"
#define OAI_BACKOFF_MS 500	/* first retry wait without Retry-After */
#define OAI_MAX_WAIT_MS 60000	/* longest wait before a retry */

struct oai;

/*
 * Called once per request: resp is the answer (a JSON object) and error
 * NULL, or resp NULL and error says what went wrong ("HTTP 500: ...",
 * "timed out", "malformed answer: ...").
 */
typedef void (*oai_done_fn)(void *arg, json_object *resp, const char *error);

/* A client for base (NULL: $JOBLINE_API_URL, else OAI_DEFAULT_URL). */
struct oai *oai_new(const char *base, int jobs);
void oai_free(struct oai *c);

void oai_set_retries(struct oai *c, int retries);	/* default 5 */
void oai_set_timeout(struct oai *c, long ms);		/* default 120000 */

/* Queue a POST of body[0..len) (copied) to path; done is called from
 * oai_run. */
void oai_post(struct oai *c, const char *path, const char *body, size_t len,
    oai_done_fn done, void *arg);

/* Requests queued, in flight or waiting to be retried. */
int oai_pending(const struct oai *c);

/* Requests that may be added before the client is saturated (jobs minus
 * those queued or in flight; never negative). */
int oai_room(const struct oai *c);

/*
 * Drive the transfers: returns after at least one callback ran, or at
 * once when nothing is pending.  Returns the callbacks run.
 */
int oai_run(struct oai *c);

/*
 * The same, but return also as soon as descriptor fd is readable (fd < 0:
 * never), so that a program can drive its transfers while it waits for
 * input.
 */
int oai_wait(struct oai *c, int fd);

/* The base URL in use; owned by c. */
const char *oai_base(const struct oai *c);

#endif
