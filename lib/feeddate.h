/*
 * feeddate.h - the dates feeds carry, read leniently.
 *
 * RFC 822/1123 with its real-world variants (no day name or a full one,
 * full or abbreviated month names in any case, two-digit years, missing
 * seconds, single-digit hours, named zones such as GMT, EST, CEST, JST,
 * military letters, "+0200", "+02:00", "GMT+2", a trailing "(UTC)"),
 * asctime ("Wed Jun 10 04:00:00 2003"), RFC 3339 / ISO 8601 (also basic
 * "20030610T040000Z", "2003-06-10 04:00", a lone date or year-month), and
 * the common broken mixtures of those.  No allocation.
 */
#ifndef JOBLINE_FEEDDATE_H
#define JOBLINE_FEEDDATE_H

#include <stdint.h>

/* Parse s into ms since the epoch (UTC): 0, or -1 when it cannot be read. */
int feeddate_parse(const char *s, int64_t *ms);

#endif
