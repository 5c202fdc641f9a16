/*
 * feeddate.c - lenient feed dates (see feeddate.h).  ISO 8601 forms are
 * read by timefmt.c's scanner first; everything else by a tokenizer that
 * sorts the pieces by their shape: a month name, a 4-digit year, h:m[:s],
 * a numeric or named zone, and the remaining numbers as day and year.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "feeddate.h"
#include "timefmt.h"

/* Check the fields and compute ms; offset in minutes east of UTC. */
static int
make_time(long y, int mo, int d, int h, int mi, int s, int off_min,
    int64_t *ms)
{
	if (y < 100)	/* as feedparser: 90..99 are the 1990s, the rest 20xx */
		y += y < 90 ? 2000 : 1900;
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
		/* military, with RFC 822's signs as feedparser reads
		 * them: A..M (no J) west, N..Y east, Z zero */
		int c = tolower((unsigned char)w[0]);

		if (c == 'z')
			*off = 0;
		else if (c <= 'i')
			*off = -(c - 'a' + 1) * 60;
		else if (c <= 'm')
			*off = -(c - 'a') * 60;
		else
			*off = (c - 'n' + 1) * 60;
		return 0;
	}
	if (have_time) {
		/* North American zones without the S or D, after the
		 * clock only ("at" is also a word) */
		static const char *const generic[] = { "at", "et", "ct",
		    "mt", "pt" };

		for (i = 0; i < 5; i++)
			if (strcasecmp(w, generic[i]) == 0) {
				*off = -(int)(i + 4) * 60;
				return 0;
			}
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
	int korean;		/* a Korean date word: the zone is +09:00 */
	int pm;			/* Korean "afternoon" before the clock */
};

/*
 * Month names of the languages feedparser reads (its greek.py and
 * hungarian.py: Greek abbreviations as written, in UTF-8, and Hungarian
 * names in lower case).
 */
static const struct {
	const char *name;	/* UTF-8 */
	int month;		/* 1..12 */
} month_names[] = {
	{"\xce\x99\xce\xb1\xce\xbd", 1}, {"\xce\xa6\xce\xb5\xce\xb2", 2},
	{"\xce\x9c\xce\xac\xcf\x8e", 3}, {"\xce\x9c\xce\xb1\xcf\x8e", 3},
	{"\xce\x91\xcf\x80\xcf\x81", 4}, {"\xce\x9c\xce\xac\xce\xb9", 5},
	{"\xce\x9c\xce\xb1\xcf\x8a", 5}, {"\xce\x9c\xce\xb1\xce\xb9", 5},
	{"\xce\x99\xce\xbf\xcf\x8d\xce\xbd", 6}, {"\xce\x99\xce\xbf\xce\xbd", 6},
	{"\xce\x99\xce\xbf\xcf\x8d\xce\xbb", 7}, {"\xce\x99\xce\xbf\xce\xbb", 7},
	{"\xce\x91\xcf\x8d\xce\xb3", 8}, {"\xce\x91\xcf\x85\xce\xb3", 8},
	{"\xce\xa3\xce\xb5\xcf\x80", 9}, {"\xce\x9f\xce\xba\xcf\x84", 10},
	{"\xce\x9d\xce\xbf\xce\xad", 11}, {"\xce\x9d\xce\xbf\xce\xb5", 11},
	{"\xce\x94\xce\xb5\xce\xba", 12},
	{"janu\xc3\xa1r", 1}, {"febru\xc3\xa1r", 2}, {"febru\xc3\xa1ri", 2},
	{"m\xc3\xa1rcius", 3}, {"\xc3\xa1prilis", 4}, {"m\xc3\xa1jus", 5},
	{"m\xc3\xa1ujus", 5}, {"j\xc3\xbanius", 6}, {"j\xc3\xbalius", 7},
	{"augusztus", 8}, {"szeptember", 9}, {"okt\xc3\xb3" "ber", 10},
	{"november", 11}, {"december", 12},
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

/* A month named w (lower case ASCII, UTF-8 as it is): 1..12, or 0. */
static int
month_of(const char *w, size_t k)
{
	int i;

	if (k >= 3 && (unsigned char)w[0] < 0x80) {
		for (i = 0; i < 12; i++)
			if (strncmp(w, months[i], 3) == 0)
				break;
		if (i < 12 && (k == 3 || (k == 4 && strcmp(w, "sept") == 0) ||
		    k > 4 || strcmp(w, "june") == 0 ||
		    strcmp(w, "july") == 0))
			return i + 1;
	}
	for (i = 0; i < (int)(sizeof(month_names) / sizeof(month_names[0]));
	    i++)
		if (strcmp(w, month_names[i].name) == 0)
			return month_names[i].month;
	return 0;
}

/* Korean date words (feedparser's korean.py): year, month, day, and
 * morning or afternoon. */
static int
korean_word(struct loose *l, const char *w)
{
	static const char *const marks[] = {
		"\xeb\x85\x84", "\xec\x9b\x94", "\xec\x9d\xbc",	/* 년 월 일 */
		"\xec\x98\xa4\xec\xa0\x84"			/* 오전 */
	};
	size_t i;

	if (strcmp(w, "\xec\x98\xa4\xed\x9b\x84") == 0) {	/* 오후 */
		l->korean = l->pm = 1;
		return 1;
	}
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strcmp(w, marks[i]) == 0) {
			l->korean = 1;
			return 1;
		}
	return 0;
}

/* A word at p (letters, and any UTF-8 past ASCII): a month name, a zone
 * (with its offset), a Korean date word, or ignored. */
static const char *
loose_word(struct loose *l, const char *p)
{
	char w[32];
	size_t k = 0;
	int m;

	while (isalpha((unsigned char)*p) || *p == '.' ||
	    (unsigned char)*p >= 0x80) {
		if (*p != '.' && k < sizeof(w) - 1)
			w[k++] = (char)tolower((unsigned char)*p);
		p++;
	}
	w[k] = '\0';
	if (l->mo < 0 && (m = month_of(w, k)) > 0) {
		l->mo = m;
		return p;
	}
	if (korean_word(l, w))
		return p;
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

/* One or two digits (a third is read and refused) at *p into *v: 0, or
 * -1. */
static int
two_digits(const char **p, int *v)
{
	int nd;

	for (*v = 0, nd = 0; isdigit((unsigned char)**p); (*p)++, nd++)
		if (nd < 3)
			*v = *v * 10 + (**p - '0');
	return nd == 1 || nd == 2 ? 0 : -1;
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
		if (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80)
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
	if (l.korean && !l.have_zone)
		l.off = 9 * 60;
	if (l.pm && l.have_time && l.h < 12)
		l.h += 12;
	return make_time(l.year, l.mo, l.day, l.h, l.mi, l.s, l.off, ms);
}

/*
 * ISO 8601 with a two-digit year, "04-01-05" or "040105" (optionally with
 * a time after 'T'), the ordinal "03335", and the truncated "-03-12",
 * "-0312" and "-03-12-31" (ISO 8601:1988, year without its century),
 * read as feedparser does: in this century.
 */
static int
short_iso(const char *s, size_t n, int64_t *ms)
{
	char buf[136];
	size_t k = 0, digits = 0;

	if (s[0] == '-' && n >= 5 && isdigit((unsigned char)s[1])) {
		/* -yy-mm, -yymm, -yy-mm-dd */
		if (n == 5 || (n == 6 && s[3] == '-') ||
		    (n == 9 && s[3] == '-' && s[6] == '-')) {
			snprintf(buf, sizeof(buf), "20%.2s-%s", s + 1,
			    s + (s[3] == '-' ? 4 : 3));
			return time_parse_iso(buf, TIME_LENIENT, ms);
		}
		return -1;
	}
	while (k < n && (isdigit((unsigned char)s[k]) || s[k] == '-') &&
	    digits < 7) {
		digits += s[k] != '-';
		k++;
	}
	if (digits == 5 && k == 5 && s[k] == '\0') {
		snprintf(buf, sizeof(buf), "20%s", s);	/* yyddd */
		return time_parse_iso(buf, TIME_LENIENT, ms);
	}
	if (digits != 6 || (k != 6 && k != 8) || (k == 8 && (s[2] != '-' ||
	    s[5] != '-')) || (s[k] != '\0' && s[k] != 'T' && s[k] != 't'))
		return -1;
	snprintf(buf, sizeof(buf), "20%s", s);
	return time_parse_iso(buf, TIME_LENIENT, ms);
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
	if (short_iso(buf, n, ms) == 0)
		return 0;
	return parse_loose(buf, ms);
}
