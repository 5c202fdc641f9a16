/*
 * feeddate.c - lenient feed dates (see feeddate.h).  ISO 8601 forms are
 * read by a strict scanner first; everything else by a tokenizer that
 * sorts the pieces by their shape: a month name, a 4-digit year, h:m[:s],
 * a numeric or named zone, and the remaining numbers as day and year.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "feeddate.h"

static int64_t
days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

static int
days_in_month(long y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* Check the fields and compute ms; offset in minutes east of UTC. */
static int
make_time(long y, int mo, int d, int h, int mi, int s, int frac_ms,
    int off_min, int64_t *ms)
{
	if (y < 100)
		y += y < 50 ? 2000 : 1900;
	if (y < 1000 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h < 0 || h > 24 || mi < 0 || mi > 59 ||
	    s < 0 || s > 60 || (h == 24 && (mi || s)))
		return -1;
	if (s == 60)
		s = 59;
	*ms = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 +
	    mi - off_min) * 60000LL + s * 1000LL + frac_ms;
	return 0;
}

/* n digits at *p as a number, advancing; -1 when not n digits. */
static int
digits(const char **p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

/* "Z", "+hh:mm", "+hhmm", "+hh" at p; sets *off, returns chars used, -1. */
static int
iso_zone(const char *p, int *off)
{
	const char *q = p;
	int sign, h, m = 0;

	if (*q == 'Z' || *q == 'z') {
		*off = 0;
		return 1;
	}
	if (*q != '+' && *q != '-')
		return -1;
	sign = *q++ == '-' ? -1 : 1;
	if ((h = digits(&q, 2)) < 0)
		return -1;
	if (*q == ':')
		q++;
	if (isdigit((unsigned char)*q) && (m = digits(&q, 2)) < 0)
		return -1;
	if (h > 23 || m > 59)
		return -1;
	*off = sign * (h * 60 + m);
	return (int)(q - p);
}

static int
parse_iso(const char *p, int64_t *ms)
{
	int y, mo = 1, d = 1, h = 0, mi = 0, s = 0, frac = 0, off = 0, n;
	int basic = 0;

	if ((y = digits(&p, 4)) < 0)
		return -1;
	if (*p == '-') {
		p++;
		if ((mo = digits(&p, 2)) < 0)
			return -1;
		if (*p == '-') {
			p++;
			if ((d = digits(&p, 2)) < 0)
				return -1;
		}
	} else if (isdigit((unsigned char)*p)) {
		basic = 1;
		if ((mo = digits(&p, 2)) < 0 || (d = digits(&p, 2)) < 0)
			return -1;
	} else if (*p != '\0') {
		return -1;
	}
	if (*p == 'T' || *p == 't' || (*p == ' ' &&
	    isdigit((unsigned char)p[1]))) {
		p++;
		if ((h = digits(&p, 2)) < 0)
			return -1;
		if (*p == ':')
			p++;
		else if (!basic && !isdigit((unsigned char)*p))
			goto zone;
		if ((mi = digits(&p, 2)) < 0)
			return -1;
		if (*p == ':' || (basic && isdigit((unsigned char)*p))) {
			if (*p == ':')
				p++;
			if ((s = digits(&p, 2)) < 0)
				return -1;
			if (*p == '.' || *p == ',') {
				int scale = 100;

				for (p++; isdigit((unsigned char)*p); p++) {
					frac += (*p - '0') * scale;
					scale /= 10;
				}
			}
		}
zone:
		while (*p == ' ')
			p++;
		if (*p != '\0') {
			if ((n = iso_zone(p, &off)) < 0) {
				if (strcasecmp(p, "UTC") && strcasecmp(p, "GMT"))
					return -1;
				n = 3;
			}
			p += n;
		}
	}
	while (*p == ' ')
		p++;
	if (*p != '\0')
		return -1;
	return make_time(y, mo, d, h, mi, s, frac, off, ms);
}

static const char *const months[12] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
	"nov", "dec"
};

/* Named zones, minutes east of UTC. */
static const struct {
	const char *name;
	int off;
} zones[] = {
	{"ut", 0}, {"utc", 0}, {"gmt", 0}, {"z", 0}, {"wet", 0},
	{"edt", -240}, {"est", -300}, {"cdt", -300}, {"cst", -360},
	{"mdt", -360}, {"mst", -420}, {"pdt", -420}, {"pst", -480},
	{"akdt", -480}, {"akst", -540}, {"hst", -600}, {"adt", -180},
	{"ast", -240}, {"ndt", -150}, {"nst", -210},
	{"bst", 60}, {"ist", 330}, {"cet", 60}, {"met", 60}, {"cest", 120},
	{"mest", 120}, {"eet", 120}, {"eest", 180}, {"west", 60},
	{"msk", 180}, {"jst", 540}, {"kst", 540}, {"hkt", 480},
	{"sgt", 480}, {"awst", 480}, {"acst", 570}, {"aest", 600},
	{"aedt", 660}, {"nzst", 720}, {"nzdt", 780}, {"pht", 480},
	{"wib", 420}, {"brt", -180}, {"art", -180}, {"sast", 120},
	{"cat", 120}, {"eat", 180}, {"ict", 420},
};

static int
zone_named(const char *w, int have_time, int *off)
{
	size_t i;

	if (strlen(w) == 1 && !have_time)
		return -1;
	if (strlen(w) == 1 && isalpha((unsigned char)w[0]) &&
	    tolower((unsigned char)w[0]) != 'j') {
		/* military: A..M east (no J), N..Y west, Z zero */
		int c = tolower((unsigned char)w[0]);

		if (c == 'z')
			*off = 0;
		else if (c <= 'i')
			*off = (c - 'a' + 1) * 60;
		else if (c <= 'm')
			*off = (c - 'a') * 60;
		else
			*off = -(c - 'n' + 1) * 60;
		return 0;
	}
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strcasecmp(w, zones[i].name) == 0) {
			*off = zones[i].off;
			return 0;
		}
	return -1;
}

static int
parse_loose(const char *p, int64_t *ms)
{
	long year = -1;
	int mo = -1, day = -1, h = 0, mi = 0, s = 0, off = 0;
	int have_time = 0, have_zone = 0, nums[4] = { 0 }, nnum = 0, i;
	char w[16];

	while (*p) {
		size_t k = 0;

		if (isalpha((unsigned char)*p)) {
			while (isalpha((unsigned char)*p) || *p == '.') {
				if (*p != '.' && k < sizeof(w) - 1)
					w[k++] = (char)tolower((unsigned char)*p);
				p++;
			}
			w[k] = '\0';
			if (k >= 3 && mo < 0) {
				for (i = 0; i < 12; i++)
					if (strncmp(w, months[i], 3) == 0)
						break;
				if (i < 12 && (k == 3 || (k == 4 &&
				    strcmp(w, "sept") == 0) || k > 4 ||
				    strcmp(w, "june") == 0 ||
				    strcmp(w, "july") == 0)) {
					mo = i + 1;
					continue;
				}
			}
			if (!have_zone && zone_named(w, have_time, &off) == 0) {
				have_zone = 1;
				/* "GMT+2", "UTC-05:00" */
				if ((*p == '+' || *p == '-') &&
				    isdigit((unsigned char)p[1])) {
					int sign = *p == '-' ? -1 : 1, hh;
					int mm = 0;

					p++;
					hh = *p++ - '0';
					if (isdigit((unsigned char)*p))
						hh = hh * 10 + (*p++ - '0');
					if (*p == ':')
						p++;
					if (isdigit((unsigned char)p[0]) &&
					    isdigit((unsigned char)p[1])) {
						mm = (p[0] - '0') * 10 +
						    (p[1] - '0');
						p += 2;
					}
					if (hh > 23 && mm == 0 && hh % 100 < 60) {
						mm = hh % 100;
						hh /= 100;
					}
					off += sign * (hh * 60 + mm);
				}
			}
			/* day names, "at", "of" and unknown words are ignored */
			continue;
		}
		if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
		    have_time && !have_zone) {
			int sign = *p == '-' ? -1 : 1, v = 0, nd = 0, mm = 0;

			for (p++; isdigit((unsigned char)*p) && nd < 4; p++, nd++)
				v = v * 10 + (*p - '0');
			if (*p == ':' && nd == 2 && isdigit((unsigned char)p[1])) {
				mm = (p[1] - '0') * 10 + (isdigit((unsigned char)
				    p[2]) ? p[2] - '0' : 0);
				p += isdigit((unsigned char)p[2]) ? 3 : 2;
				v = v * 100 + mm;
				nd = 4;
			}
			if (nd <= 2)
				v *= 100;
			if (v % 100 > 59 || v / 100 > 23)
				return -1;
			off = sign * ((v / 100) * 60 + v % 100);
			have_zone = 1;
			continue;
		}
		if (isdigit((unsigned char)*p)) {
			long v = 0;
			int nd = 0;

			for (; isdigit((unsigned char)*p); p++, nd++)
				if (nd < 9)
					v = v * 10 + (*p - '0');
			if (*p == ':' && isdigit((unsigned char)p[1]) &&
			    !have_time && nd <= 2) {
				h = (int)v;
				p++;
				mi = 0;
				for (nd = 0; isdigit((unsigned char)*p); p++, nd++)
					if (nd < 3)
						mi = mi * 10 + (*p - '0');
				if (nd != 2)
					return -1;
				if (*p == ':' && isdigit((unsigned char)p[1])) {
					p++;
					s = 0;
					for (nd = 0; isdigit((unsigned char)*p);
					    p++, nd++)
						if (nd < 3)
							s = s * 10 +
							    (*p - '0');
					if (nd != 2)
						return -1;
					if (*p == '.' || *p == ',')
						for (p++; isdigit((unsigned char)*p); p++)
							;
				}
				have_time = 1;
				/* "4:00 PM" */
				while (*p == ' ')
					p++;
				if ((tolower((unsigned char)p[0]) == 'p' ||
				    tolower((unsigned char)p[0]) == 'a') &&
				    tolower((unsigned char)p[1]) == 'm' &&
				    !isalpha((unsigned char)p[2])) {
					if (h > 12)
						return -1;
					if (h == 12)
						h = 0;
					if (tolower((unsigned char)p[0]) == 'p')
						h += 12;
					p += 2;
				}
				continue;
			}
			if (nd == 4 && year < 0) {
				year = v;
				continue;
			}
			if (nnum < 4)
				nums[nnum++] = (int)(nd > 4 ? -1 : v);
			continue;
		}
		p++;
	}
	/* numbers left: day, then year (two digits) or the day in Y-M-D */
	if (mo < 0 && year >= 0 && nnum >= 2 && nums[0] >= 1 && nums[0] <= 12) {
		mo = nums[0];	/* 2003-06-10 with a word zone, 06/10/2003 */
		day = nums[1];
		memmove(nums, nums + 2, (size_t)(nnum - 2) * sizeof(nums[0]));
		nnum -= 2;
	}
	for (i = 0; i < nnum; i++) {
		if (day < 0 && nums[i] >= 1 && nums[i] <= 31)
			day = nums[i];
		else if (year < 0 && nums[i] >= 0)
			year = nums[i];
		else
			return -1;
	}
	if (mo < 0 || year < 0)
		return -1;
	if (day < 0)
		day = 1;
	return make_time(year, mo, day, h, mi, s, 0, off, ms);
}

int
feeddate_parse(const char *s, int64_t *ms)
{
	char buf[128];
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (isdigit((unsigned char)buf[0]) && parse_iso(buf, ms) == 0)
		return 0;
	return parse_loose(buf, ms);
}
