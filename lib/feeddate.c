/*
 * feeddate.c - lenient feed dates (see feeddate.h).  ISO 8601 forms are
 * read by timefmt.c's scanner first; everything else by a tokenizer that
 * sorts the pieces by their shape: a month name, a 4-digit year, h:m[:s],
 * a numeric or named zone, and the remaining numbers as day and year.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "feeddate.h"
#include "timefmt.h"

/* Check the fields and compute ms; offset in minutes east of UTC. */
static int
make_time(long y, int mo, int d, int h, int mi, int s, int off_min,
    int64_t *ms)
{
	if (y < 100)
		y += y < 50 ? 2000 : 1900;
	if (y < 1000 || y > 9999)
		return -1;
	return time_from_civil(y, mo, d, h, mi, s, 0, off_min, ms);
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

/* What the loose tokenizer has found so far. */
struct loose {
	long year;		/* -1 until a 4-digit number is seen */
	int mo, day;		/* month 1..12, day; -1 until found */
	int h, mi, s;		/* the clock, 0 when none */
	int off;		/* zone, minutes east of UTC */
	int have_time;		/* h:m[:s] was read */
	int have_zone;		/* a zone was read */
	int nums[4];		/* other numbers, in order (-1: too long) */
	int nnum;
};

/* "+2", "-05:00", "+0530" after a zone name ("GMT+2"): added to l->off. */
static const char *
zone_suffix(struct loose *l, const char *p)
{
	int sign = *p == '-' ? -1 : 1, hh, mm = 0;

	p++;
	hh = *p++ - '0';
	if (isdigit((unsigned char)*p))
		hh = hh * 10 + (*p++ - '0');
	if (*p == ':')
		p++;
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1])) {
		mm = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
	}
	if (hh > 23 && mm == 0 && hh % 100 < 60) {
		mm = hh % 100;
		hh /= 100;
	}
	l->off += sign * (hh * 60 + mm);
	return p;
}

/* A word at p: a month name, a zone (with its offset), or ignored. */
static const char *
loose_word(struct loose *l, const char *p)
{
	char w[16];
	size_t k = 0;
	int i;

	while (isalpha((unsigned char)*p) || *p == '.') {
		if (*p != '.' && k < sizeof(w) - 1)
			w[k++] = (char)tolower((unsigned char)*p);
		p++;
	}
	w[k] = '\0';
	if (k >= 3 && l->mo < 0) {
		for (i = 0; i < 12; i++)
			if (strncmp(w, months[i], 3) == 0)
				break;
		if (i < 12 && (k == 3 || (k == 4 && strcmp(w, "sept") == 0) ||
		    k > 4 || strcmp(w, "june") == 0 ||
		    strcmp(w, "july") == 0)) {
			l->mo = i + 1;
			return p;
		}
	}
	if (!l->have_zone && zone_named(w, l->have_time, &l->off) == 0) {
		l->have_zone = 1;
		if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]))
			p = zone_suffix(l, p);
	}
	/* day names, "at", "of" and unknown words are ignored */
	return p;
}

/* A numeric zone after the time: "+0200", "-05:00", "+02"; NULL: bad. */
static const char *
loose_zone(struct loose *l, const char *p)
{
	int sign = *p == '-' ? -1 : 1, v = 0, nd = 0, mm = 0;

	for (p++; isdigit((unsigned char)*p) && nd < 4; p++, nd++)
		v = v * 10 + (*p - '0');
	if (*p == ':' && nd == 2 && isdigit((unsigned char)p[1])) {
		mm = (p[1] - '0') * 10 + (isdigit((unsigned char)p[2]) ?
		    p[2] - '0' : 0);
		p += isdigit((unsigned char)p[2]) ? 3 : 2;
		v = v * 100 + mm;
		nd = 4;
	}
	if (nd <= 2)
		v *= 100;
	if (v % 100 > 59 || v / 100 > 23)
		return NULL;
	l->off = sign * ((v / 100) * 60 + v % 100);
	l->have_zone = 1;
	return p;
}

/* Two digits (a third is read and refused) at *p into *v: 0, or -1. */
static int
two_digits(const char **p, int *v)
{
	int nd;

	for (*v = 0, nd = 0; isdigit((unsigned char)**p); (*p)++, nd++)
		if (nd < 3)
			*v = *v * 10 + (**p - '0');
	return nd == 2 ? 0 : -1;
}

/* The clock after its hour h and the ':' at p: m[:s[.frac]] [AM|PM]. */
static const char *
loose_clock(struct loose *l, int h, const char *p)
{
	l->h = h;
	p++;
	if (two_digits(&p, &l->mi))
		return NULL;
	if (*p == ':' && isdigit((unsigned char)p[1])) {
		p++;
		if (two_digits(&p, &l->s))
			return NULL;
		if (*p == '.' || *p == ',')
			for (p++; isdigit((unsigned char)*p); p++)
				;
	}
	l->have_time = 1;
	/* "4:00 PM" */
	while (*p == ' ')
		p++;
	if ((tolower((unsigned char)p[0]) == 'p' ||
	    tolower((unsigned char)p[0]) == 'a') &&
	    tolower((unsigned char)p[1]) == 'm' &&
	    !isalpha((unsigned char)p[2])) {
		if (l->h > 12)
			return NULL;
		if (l->h == 12)
			l->h = 0;
		if (tolower((unsigned char)p[0]) == 'p')
			l->h += 12;
		p += 2;
	}
	return p;
}

/* A number at p: the hour of a clock, a 4-digit year, or kept in nums. */
static const char *
loose_number(struct loose *l, const char *p)
{
	long v = 0;
	int nd = 0;

	for (; isdigit((unsigned char)*p); p++, nd++)
		if (nd < 9)
			v = v * 10 + (*p - '0');
	if (*p == ':' && isdigit((unsigned char)p[1]) && !l->have_time &&
	    nd <= 2)
		return loose_clock(l, (int)v, p);
	if (nd == 4 && l->year < 0)
		l->year = v;
	else if (l->nnum < 4)
		l->nums[l->nnum++] = (int)(nd > 4 ? -1 : v);
	return p;
}

static int
parse_loose(const char *p, int64_t *ms)
{
	struct loose l = { .year = -1, .mo = -1, .day = -1 };
	int i;

	while (p != NULL && *p) {
		if (isalpha((unsigned char)*p))
			p = loose_word(&l, p);
		else if ((*p == '+' || *p == '-') &&
		    isdigit((unsigned char)p[1]) && l.have_time && !l.have_zone)
			p = loose_zone(&l, p);
		else if (isdigit((unsigned char)*p))
			p = loose_number(&l, p);
		else
			p++;
	}
	if (p == NULL)
		return -1;
	/* numbers left: day, then year (two digits) or the day in Y-M-D */
	if (l.mo < 0 && l.year >= 0 && l.nnum >= 2 && l.nums[0] >= 1 &&
	    l.nums[0] <= 12) {
		l.mo = l.nums[0];	/* 2003-06-10 with a word zone, 06/10/2003 */
		l.day = l.nums[1];
		memmove(l.nums, l.nums + 2, (size_t)(l.nnum - 2) *
		    sizeof(l.nums[0]));
		l.nnum -= 2;
	}
	for (i = 0; i < l.nnum; i++) {
		if (l.day < 0 && l.nums[i] >= 1 && l.nums[i] <= 31)
			l.day = l.nums[i];
		else if (l.year < 0 && l.nums[i] >= 0)
			l.year = l.nums[i];
		else
			return -1;
	}
	if (l.mo < 0 || l.year < 0)
		return -1;
	if (l.day < 0)
		l.day = 1;
	return make_time(l.year, l.mo, l.day, l.h, l.mi, l.s, l.off, ms);
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
	if (isdigit((unsigned char)buf[0]) &&
	    time_parse_iso(buf, TIME_LENIENT, ms) == 0)
		return 0;
	return parse_loose(buf, ms);
}
