/* timefmt.c - the clock, RFC 3339 times and durations */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "timefmt.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int64_t
time_now(void)
{
	const char *env = getenv("JOBLINE_NOW");
	struct timespec ts;
	int64_t ms;

	if (env != NULL && *env != '\0' && time_parse(env, &ms) == 0)
		return ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
time_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
split(int64_t ms, struct tm *tm, int *frac)
{
	int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	time_t t = (time_t)s;

	*frac = (int)(ms - s * 1000);
	gmtime_r(&t, tm);
}

/* The year, held to the four digits RFC 3339 writes. */
static int
year(const struct tm *tm)
{
	int y = tm->tm_year + 1900;

	return y < 0 ? 0 : y > 9999 ? 9999 : y;
}

char *
time_format(int64_t ms, char *buf)
{
	struct tm tm;
	int frac;

	split(ms, &tm, &frac);
	/* not strftime: %Y does not pad years before 1000 to four digits */
	snprintf(buf, TIME_BUFSZ, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    year(&tm), (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
	    tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
	return buf;
}

char *
time_format_ms(int64_t ms, char *buf)
{
	struct tm tm;
	int frac;

	split(ms, &tm, &frac);
	snprintf(buf, TIME_BUFSZ, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    year(&tm), (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
	    tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, frac % 1000);
	return buf;
}

/* Read exactly n digits at *p into *v; advance *p. */
static int
digits(const char **p, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

int
time_from_civil(int64_t y, int mo, int d, int h, int mi, int s, int frac_ms,
    int off_min, int64_t *ms)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 || y % 400 == 0))))
		return -1;
	if (h < 0 || h > 24 || mi < 0 || mi > 59 || s < 0 || s > 60 ||
	    (h == 24 && (mi || s)))
		return -1;
	if (s == 60)
		s = 59;	/* a leap second is read as the one before */
	*ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi - off_min) *
	    60000LL + s * 1000LL + frac_ms;
	return 0;
}

/* "+hh:mm", "+hhmm", "+hh" (or '-') at *p into *off (minutes east). */
static int
zone_offset(const char **p, int *off)
{
	int sign = *(*p)++ == '-' ? -1 : 1, oh, om = 0;

	if (digits(p, 2, &oh))
		return -1;
	if (**p == ':')
		(*p)++;
	if (isdigit((unsigned char)**p) && digits(p, 2, &om))
		return -1;
	if (oh > 23 || om > 59)
		return -1;
	*off = sign * (oh * 60 + om);
	return 0;
}

/* The fraction of a second after '.' or ',' at *p, in ms. */
static int
fraction(const char **p, int lenient, int *frac)
{
	int scale = 100;

	(*p)++;
	if (!lenient && !isdigit((unsigned char)**p))
		return -1;
	for (*frac = 0; isdigit((unsigned char)**p); (*p)++) {
		*frac += (**p - '0') * scale;
		scale /= 10;
	}
	return 0;
}

/* An ordinal day "-DDD" or "DDD" at *s, ended by 'T' or the end: 1..366
 * into *yday, advancing; 0 when there is none. */
static int
ordinal_day(const char **s, int *yday)
{
	const char *p = *s + (**s == '-');
	int v;

	if (digits(&p, 3, &v) || isdigit((unsigned char)*p) || *p == '-' ||
	    v < 1)
		return 0;
	if (*p != '\0' && *p != 'T' && *p != 't' && !isspace((unsigned char)*p))
		return 0;
	*yday = v;
	*s = p;
	return 1;
}

int
time_parse_iso(const char *s, int flags, int64_t *ms)
{
	int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
	int lenient = flags & TIME_LENIENT, basic = 0, yday = 0;
	int64_t t;

	while (isspace((unsigned char)*s))
		s++;
	if (digits(&s, 4, &y))
		return -1;
	if (lenient && ordinal_day(&s, &yday)) {
		/* 2004-005, 2004005: the fifth day of 2004 */
	} else if (*s == '-') {
		s++;
		if (digits(&s, 2, &mo))
			return -1;
		if (*s == '-') {
			s++;
			if (digits(&s, 2, &d))
				return -1;
		} else if (!lenient)
			return -1;
	} else if (lenient && isdigit((unsigned char)*s)) {
		basic = 1;	/* 20030610T040000Z */
		if (digits(&s, 2, &mo) || digits(&s, 2, &d))
			return -1;
	} else if (!lenient || *s != '\0')
		return -1;
	if (lenient && y < 1000)
		return -1;
	if (*s == 'T' || *s == 't' || (*s == ' ' && isdigit((unsigned char)s[1]))) {
		s++;
		if (digits(&s, 2, &h))
			return -1;
		if (*s == ':')
			s++;
		else if (!lenient)
			return -1;
		else if (!basic && !isdigit((unsigned char)*s))
			goto zone;	/* "T04Z": the hour alone */
		if (digits(&s, 2, &mi))
			return -1;
		if (*s == ':' || (basic && isdigit((unsigned char)*s))) {
			if (*s == ':')
				s++;
			if (digits(&s, 2, &sec))
				return -1;
			if ((*s == '.' || *s == ',') &&
			    fraction(&s, lenient, &frac))
				return -1;
		}
zone:
		while (lenient && *s == ' ')
			s++;
		if (*s == 'Z' || *s == 'z')
			s++;
		else if (*s == '+' || *s == '-') {
			if (zone_offset(&s, &off))
				return -1;
		} else if (lenient && (strncasecmp(s, "UTC", 3) == 0 ||
		    strncasecmp(s, "GMT", 3) == 0))
			s += 3;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '\0')
		return -1;
	if (yday > (y % 4 == 0 && (y % 100 || y % 400 == 0) ? 366 : 365))
		return -1;
	if (lenient && mo >= 1 && d >= 1 && yday == 0 &&
	    time_from_civil(y, mo, d, h, mi, sec, frac, off, &t) != 0) {
		/* as feedparser: fields past their range carry over
		 * ("2003-12-31T25:14:55Z" is 01:14:55 the next day, the
		 * 30th of February the 1st of March) */
		y += (mo - 1) / 12;
		mo = (mo - 1) % 12 + 1;
		t = (((days_from_civil(y, mo, 1) + d - 1) * 24 + h) * 60 + mi -
		    off) * 60000LL + sec * 1000LL + frac;
	} else if (time_from_civil(y, mo, d, h, mi, sec, frac, off, &t))
		return -1;
	*ms = t + (yday ? (yday - 1) * 86400000LL : 0);
	return 0;
}

int
time_parse(const char *s, int64_t *ms)
{
	return time_parse_iso(s, 0, ms);
}

int
duration_parse(const char *s, int64_t *ms)
{
	static const struct {
		const char *word;	/* a name for an interval */
		int64_t ms;		/* its length */
	} words[] = {
		{ "hourly", 3600000LL }, { "daily", 86400000LL },
		{ "weekly", 7 * 86400000LL }, { "monthly", 30 * 86400000LL },
	};
	int64_t total = 0;
	int any = 0;

	if (s == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i].word) == 0) {
			*ms = words[i].ms;
			return 0;
		}
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		double unit;

		if (end == s || v < 0 || !isdigit((unsigned char)*s))
			return -1;
		s = end;
		if (strncmp(s, "ms", 2) == 0)
			unit = 1, s += 2;
		else if (*s == 's')
			unit = 1000, s++;
		else if (*s == 'm')
			unit = 60000, s++;
		else if (*s == 'h')
			unit = 3600000, s++;
		else if (*s == 'd')
			unit = 86400000, s++;
		else if (*s == 'w')
			unit = 7 * 86400000.0, s++;
		else if (*s == '\0' && !any)
			unit = 1000;
		else
			return -1;
		if (v * unit > 1e15)
			return -1;
		total += (int64_t)(v * unit + 0.5);
		any = 1;
	}
	if (!any)
		return -1;
	*ms = total;
	return 0;
}

char *
duration_format(int64_t ms, char *buf)
{
	int64_t d = ms / 86400000, h = ms / 3600000 % 24, m = ms / 60000 % 60;
	int64_t s = ms / 1000 % 60;
	int n = 0;

	if (ms < 1000) {
		snprintf(buf, TIME_BUFSZ, "%lldms", (long long)ms);
		return buf;
	}
	if (ms < 60000) {
		snprintf(buf, TIME_BUFSZ, "%.1fs", ms / 1000.0);
		return buf;
	}
	buf[0] = '\0';
	if (d)
		n += snprintf(buf + n, TIME_BUFSZ - n, "%lldd", (long long)d);
	if (h)
		n += snprintf(buf + n, TIME_BUFSZ - n, "%lldh", (long long)h);
	if (m && !d)
		n += snprintf(buf + n, TIME_BUFSZ - n, "%lldm", (long long)m);
	if (s && !d && !h)
		snprintf(buf + n, TIME_BUFSZ - n, "%llds", (long long)s);
	return buf;
}
