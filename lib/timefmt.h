/*
 * timefmt.h - the clock, RFC 3339 times and durations.
 *
 * Times are int64 milliseconds since the Unix epoch, UTC.  The clock is
 * $JOBLINE_NOW when that is set (tests and replays), else the system clock.
 * No function here allocates; buffers are the caller's.
 */
#ifndef JOBLINE_TIMEFMT_H
#define JOBLINE_TIMEFMT_H

#include <stdint.h>
#include <stddef.h>

#define TIME_BUFSZ 32	/* room for "2026-11-22T08:30:00.123Z" and more */

/* Now, in ms: $JOBLINE_NOW if set and readable, else CLOCK_REALTIME. */
int64_t time_now(void);

/* Milliseconds of a monotonic clock, for measuring durations and timeouts. */
int64_t time_mono(void);

/* "2026-11-22T08:30:00Z" into buf (TIME_BUFSZ bytes); returns buf. */
char *time_format(int64_t ms, char *buf);

/* The same with milliseconds: "2026-11-22T08:30:00.123Z". */
char *time_format_ms(int64_t ms, char *buf);

/*
 * Parse an RFC 3339 / ISO 8601 time: YYYY-MM-DD, optionally followed by
 * [T ]hh:mm[:ss[.fraction]] and Z or +hh:mm / -hh[:]mm (none means UTC).
 * Returns 0 and sets *ms, or -1 when s is not such a time.
 */
int time_parse(const char *s, int64_t *ms);

enum { TIME_LENIENT = 1 };	/* flags of time_parse_iso */

/*
 * The one ISO 8601 scanner: time_parse is time_parse_iso(s, 0, ms).
 * TIME_LENIENT also reads what feeds write (feeddate.h): the basic form
 * "20030610T040000Z", a year or year-month alone, the hour alone
 * ("2003-06-10T04Z"), spaces before the zone, "UTC" or "GMT" as the
 * zone, a fraction without digits, fields past their range carried
 * over as feedparser does (hour 25, minute 61, day 30 of February, month
 * 13); years before 1000 are refused.
 */
int time_parse_iso(const char *s, int flags, int64_t *ms);

/*
 * The instant of a civil time, the fields checked (second 60 is read as
 * 59, 24:00:00 as the next day's start); off_min: the zone's minutes
 * east of UTC.  Returns 0 and sets *ms, or -1 when a field is out of range.
 */
int time_from_civil(int64_t y, int mo, int d, int h, int mi, int s,
    int frac_ms, int off_min, int64_t *ms);

/*
 * Parse a duration: a number and a unit, repeated ("90s", "5m", "1h30m",
 * "2d", "1w", "250ms"); a bare number is seconds; also "hourly", "daily",
 * "weekly", "monthly" (30 days).  Returns 0 and sets *ms (> 0 or 0 for
 * "0"), or -1.
 */
int duration_parse(const char *s, int64_t *ms);

/* "1d2h", "5m", "1.5s", "250ms" into buf (TIME_BUFSZ bytes); returns buf. */
char *duration_format(int64_t ms, char *buf);

#endif
