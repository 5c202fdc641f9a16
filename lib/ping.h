/*
 * ping.h - an off-host dead-man's switch in the healthchecks.io
 * convention: URL/start when a run starts, URL when it did its work,
 * URL/fail when it did not, each a POST whose body is the tail of the
 * run's standard error.  A ping is tried a few times with short timeouts
 * (3 tries, 5 s each, about 1 and 2 s apart: 20 s at worst) and never
 * fails its caller: a monitor that hears nothing raises the alarm itself.
 *
 * Ownership: nothing here allocates for the caller.
 */
#ifndef JOBLINE_PING_H
#define JOBLINE_PING_H

#include <stddef.h>

enum ping_kind {
	PING_START,		/* URL/start */
	PING_SUCCESS,		/* URL */
	PING_FAIL		/* URL/fail */
};

/*
 * Ping url (its /start or /fail put before any query) with body[0..n)
 * (NULL: empty).  Returns 0 when the server answered 2xx, else -1 with
 * the reason in why[0..whysz).  A signal that comes meanwhile (lib/sig.h)
 * ends the ping at once; the caller clears sig_caught before a ping that
 * must go out after one (the end of an interrupted run).
 */
int ping_send(const char *url, enum ping_kind kind, const char *body,
    size_t n, char *why, size_t whysz);

#endif
