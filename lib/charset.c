/*
 * charset.c - feed bytes to valid UTF-8 (see charset.h).
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "charsettab.h"
#include "fbuf.h"
#include "html.h"
#include "utf8.h"
#include "util.h"

#define SNIFF_MAX 1024	/* bytes looked at to find the encoding */

struct charset_dec {
	charset_out_fn *out;	/* receiver */
	void *arg;		/* its argument */
	char *http;		/* HTTP charset or NULL; owned */
	int decided;		/* the encoding is chosen */
	struct fbuf sniff;	/* first bytes, held until decided */
	iconv_t cd;		/* converter, or (iconv_t)-1 for UTF-8 */
	const uint16_t *table;	/* or bytes 0x80..0xFF read from this */
	char name[48];		/* encoding chosen */
	char carry[8];		/* incomplete sequence held back */
	size_t ncarry;		/* bytes in carry */
	struct fbuf conv;	/* iconv output */
	struct fbuf outb;	/* UTF-8 output of one push */
	int skip_bom;		/* a UTF-8 BOM may still start the output */
	int latin9;		/* ISO-8859-15: its bytes where UTF-8 breaks */
};

/* A byte that breaks UTF-8, read as Windows-1252, or as ISO-8859-15
 * (latin9) where that differs from Latin-1. */
static void
put_byte_1252(struct fbuf *o, unsigned char c, int latin9)
{
	static const struct {
		unsigned char byte;	/* ISO-8859-15 */
		unsigned short c;	/* its character */
	} l9[] = {
		{0xA4, 0x20AC}, {0xA6, 0x0160}, {0xA8, 0x0161}, {0xB4, 0x017D},
		{0xB8, 0x017E}, {0xBC, 0x0152}, {0xBD, 0x0153}, {0xBE, 0x0178}
	};

	for (size_t i = 0; latin9 && i < sizeof(l9) / sizeof(l9[0]); i++)
		if (l9[i].byte == c) {
			utf8_put(o, l9[i].c);
			return;
		}
	utf8_put(o, cp1252_char(c));
}

/* Length of a valid UTF-8 sequence at s (n bytes available): >0 valid,
 * 0 when incomplete but could become valid, -1 invalid. */
static int
seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	int len, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0xC2 || c > 0xF4)
		return -1;
	len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return 0;
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			return -1;
	}
	return len;
}

/*
 * Append s[0..n) to o as clean UTF-8; returns the bytes consumed (less than
 * n when an incomplete sequence ends the input and !final).
 */
static size_t
utf8_clean(struct fbuf *o, const unsigned char *s, size_t n, int final,
    int latin9)
{
	size_t i = 0, run = 0;

	fbuf_grow(o, n + n / 8);
	while (i < n) {
		unsigned char c;
		int l;

		/* eight plain ASCII bytes at a time */
		while (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if ((w & 0x8080808080808080ULL) != 0 ||
			    ((w - 0x2020202020202020ULL) & ~w &
			    0x8080808080808080ULL) != 0)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		c = s[i];

		if (c >= 0x20 && c < 0x80) {
			i++;
			continue;
		}
		if (c < 0x20) {
			if (c != '\t' && c != '\n' && c != '\r') {
				fbuf_add(o, (const char *)s + run, i - run);
				fbuf_addc(o, ' ');
				run = ++i;
				continue;
			}
			i++;
			continue;
		}
		l = seq_len(s + i, n - i);
		if (l > 0) {
			/* U+FFFE and U+FFFF are not XML characters */
			if (l == 3 && c == 0xEF && s[i + 1] == 0xBF &&
			    s[i + 2] >= 0xBE) {
				fbuf_add(o, (const char *)s + run, i - run);
				utf8_put(o, 0xFFFD);
				run = i + 3;
			}
			i += (size_t)l;
			continue;
		}
		if (l == 0 && !final)
			break;
		fbuf_add(o, (const char *)s + run, i - run);
		put_byte_1252(o, c, latin9);
		run = ++i;
	}
	fbuf_add(o, (const char *)s + run, i - run);
	return i;
}

struct charset_dec *
charset_new(const char *http_charset, charset_out_fn *out, void *arg)
{
	struct charset_dec *d = xcalloc(1, sizeof(*d));

	d->out = out;
	d->arg = arg;
	d->http = http_charset && *http_charset ? xstrdup(http_charset) : NULL;
	d->cd = (iconv_t)-1;
	strcpy(d->name, "UTF-8");
	return d;
}

const char *
charset_name(const struct charset_dec *d)
{
	return d->name;
}

static int
is_utf8ish(const char *name)
{
	static const char *const names[] = {
		"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1",
		"iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1",
		"windows-1252", "cp1252", "x-cp1252", "ansi_x3.4-1968",
		"iso-8859-15", "iso8859-15", "latin9", "unicode-1-1-utf-8", NULL
	};
	const char *const *p;

	for (p = names; *p; p++)
		if (strcasecmp(name, *p) == 0)
			return 1;
	return 0;
}

/* The encoding="..." of an XML declaration at the start of s, into name. */
static int
xml_decl_encoding(const char *s, size_t n, char *name, size_t size)
{
	const char *end, *p;
	size_t k = 0;
	char q;

	if (n < 6 || memcmp(s, "<?xml", 5) != 0)
		return -1;
	end = memchr(s, '>', n);
	if (end == NULL)
		end = s + n;
	for (p = s + 5; p + 8 < end; p++)
		if (memcmp(p, "encoding", 8) == 0)
			break;
	if (p + 8 >= end)
		return -1;
	p += 8;
	while (p < end && (*p == ' ' || *p == '=' || *p == '\t'))
		p++;
	if (p >= end || (*p != '"' && *p != '\''))
		return -1;
	q = *p++;
	while (p < end && *p != q && k < size - 1)
		name[k++] = *p++;
	name[k] = '\0';
	return k ? 0 : -1;
}

/*
 * enc as Python's codec lookup reads it: lower case, each run of
 * characters other than letters, digits and '.' one '_', none at either
 * end ("ISO-8859-1" and "iso 8859 1" are "iso_8859_1").
 */
static void
py_norm(const char *enc, char *out, size_t size)
{
	size_t k = 0;
	int gap = 0;

	for (; *enc && k < size - 2; enc++) {
		unsigned char c = (unsigned char)*enc;

		if (isalnum(c) || c == '.') {
			if (gap && k > 0)
				out[k++] = '_';
			out[k++] = (char)tolower(c);
			gap = 0;
		} else
			gap = 1;
	}
	out[k] = '\0';
}

/*
 * A converter from the encoding named enc, whose py_norm form is name,
 * to UTF-8, or (iconv_t)-1.  Names
 * are read as Python reads them (feedparser's codecs): py_norm's form,
 * Python's aliases that iconv(3) spells otherwise mapped, a bare number
 * a code page ("1251" is CP1251); GB2312 is read as its superset GB18030
 * (as feedparser does), Shift_JIS as Windows' CP932 and KS C 5601 as
 * CP949 likewise.
 */
static iconv_t
charset_iconv(const char *enc, const char *name)
{
	static const char *const alias[][2] = {
		{"gb2312", "GB18030"}, {"gb_2312_80", "GB18030"},
		{"gb2312_80", "GB18030"},
		{"csgb2312", "GB18030"}, {"euc_cn", "GB18030"},
		{"x_euc_cn", "GB18030"}, {"gbk", "GB18030"},
		{"chinese", "GB18030"}, {"csiso58gb231280", "GB18030"},
		{"eucgb2312_cn", "GB18030"}, {"gb2312_1980", "GB18030"},
		{"iso_ir_58", "GB18030"}, {"x_mac_simp_chinese", "GB18030"},
		{"gb18030_2000", "GB18030"}, {"936", "GB18030"},
		{"cp936", "GB18030"}, {"ms936", "GB18030"},
		{"shift_jis", "CP932"}, {"sjis", "CP932"}, {"x_sjis", "CP932"},
		{"s_jis", "CP932"}, {"shiftjis", "CP932"},
		{"x_mac_japanese", "CP932"}, {"ms_kanji", "CP932"},
		{"mskanji", "CP932"}, {"ms932", "CP932"},
		{"csshiftjis", "CP932"}, {"shift_jis_2004", "SHIFT_JISX0213"},
		{"shiftjis2004", "SHIFT_JISX0213"},
		{"sjis_2004", "SHIFT_JISX0213"},
		{"s_jis_2004", "SHIFT_JISX0213"},
		{"shift_jisx0213", "SHIFT_JISX0213"},
		{"s_jisx0213", "SHIFT_JISX0213"},
		{"sjisx0213", "SHIFT_JISX0213"},
		{"euc_jis_2004", "EUC-JISX0213"}, {"euc_jis2004", "EUC-JISX0213"},
		{"eucjis2004", "EUC-JISX0213"}, {"jisx0213", "EUC-JISX0213"},
		{"euc_jisx0213", "EUC-JISX0213"}, {"eucjisx0213", "EUC-JISX0213"},
		{"u_jis", "EUC-JP"}, {"ujis", "EUC-JP"},
		{"iso2022_jp", "ISO-2022-JP"}, {"iso2022jp", "ISO-2022-JP"},
		{"iso2022_jp_1", "ISO-2022-JP-2"},
		{"iso2022jp_1", "ISO-2022-JP-2"},
		{"iso_2022_jp_1", "ISO-2022-JP-2"},
		{"iso2022_jp_2", "ISO-2022-JP-2"},
		{"iso2022jp_2", "ISO-2022-JP-2"},
		{"iso2022_jp_ext", "ISO-2022-JP-2"},
		{"iso2022jp_ext", "ISO-2022-JP-2"},
		{"iso_2022_jp_ext", "ISO-2022-JP-2"},
		{"iso2022_jp_3", "ISO-2022-JP-3"},
		{"iso2022jp_3", "ISO-2022-JP-3"},
		{"iso2022_jp_2004", "ISO-2022-JP-3"},
		{"iso2022jp_2004", "ISO-2022-JP-3"},
		{"iso_2022_jp_2004", "ISO-2022-JP-3"},
		{"iso2022_kr", "ISO-2022-KR"}, {"iso2022kr", "ISO-2022-KR"},
		{"ks_c_5601_1987", "CP949"}, {"ks_c_5601", "CP949"},
		{"korean", "CP949"}, {"ms949", "CP949"}, {"uhc", "CP949"},
		{"ks_x_1001", "EUC-KR"}, {"ksc5601", "EUC-KR"},
		{"ksx1001", "EUC-KR"}, {"x_mac_korean", "EUC-KR"},
		{"ms1361", "JOHAB"}, {"cp1361", "JOHAB"},
		{"l9", "ISO-8859-15"}, {"u7", "UTF-7"},
		{"unicode_1_1_utf_7", "UTF-7"},
		{"big5_tw", "BIG5"}, {"csbig5", "BIG5"},
		{"x_mac_trad_chinese", "BIG5"}, {"ms950", "CP950"},
		{"hkscs", "BIG5-HKSCS"}, {"big5_hkscs", "BIG5-HKSCS"},
		{"mac_latin2", "MAC-CENTRALEUROPE"},
		{"maclatin2", "MAC-CENTRALEUROPE"},
		{"mac_centeuro", "MAC-CENTRALEUROPE"},
		{"maccentraleurope", "MAC-CENTRALEUROPE"},
		{"x_mac_ukrainian", "MACUKRAINIAN"}, {"kz1048", "RK1048"},
		{"kz_1048", "RK1048"}, {"ptcp154", "PT154"}, {"cp154", "PT154"},
		{"csptcp154", "PT154"}, {"cyrillic_asian", "PT154"},
		{"cp866u", "CP1125"}, {"ibm1125", "CP1125"},
		{"cp_is", "CP861"}, {"csibm861", "CP861"},
		{"csibm858", "CP858"}, {"cp1051", "HP-ROMAN8"},
		{"ibm1051", "HP-ROMAN8"}, {"thai", "TIS-620"},
		{"tis_620_0", "TIS-620"}, {"tis_620_2529_0", "TIS-620"},
		{"tis_620_2529_1", "TIS-620"},
	};
	char norm[48], *p;
	size_t i;
	iconv_t cd;

	snprintf(norm, sizeof(norm), "%s", name);
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(norm, alias[i][0]) == 0)
			return iconv_open("UTF-8", alias[i][1]);
	if (norm[0] != '\0' && strspn(norm, "0123456789") == strlen(norm)) {
		char cp[sizeof(norm) + 2];

		snprintf(cp, sizeof(cp), "CP%s", norm);
		return iconv_open("UTF-8", cp);
	}
	/* iso_8859_5_1988 and the like: the part without the year */
	if (strncmp(norm, "iso_8859_", 9) == 0 &&
	    (p = strchr(norm + 9, '_')) != NULL)
		*p = '\0';
	if ((cd = iconv_open("UTF-8", enc)) != (iconv_t)-1)
		return cd;
	for (p = norm; *p; p++)
		if (*p == '_')
			*p = '-';
	return iconv_open("UTF-8", norm);
}

/* Choose the encoding from the sniffed bytes; returns BOM bytes to skip. */
static size_t
decide(struct charset_dec *d)
{
	const unsigned char *s = (const unsigned char *)d->sniff.s;
	size_t n = d->sniff.len, skip = 0;
	const char *enc = NULL;
	char decl[40];

	d->decided = 1;
	if (n >= 4 && !memcmp(s, "\x00\x00\xFE\xFF", 4))
		enc = "UTF-32BE", skip = 4;
	else if (n >= 4 && !memcmp(s, "\xFF\xFE\x00\x00", 4))
		enc = "UTF-32LE", skip = 4;
	else if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		enc = "UTF-8", skip = 3;
	else if (n >= 2 && !memcmp(s, "\xFE\xFF", 2))
		enc = "UTF-16BE", skip = 2;
	else if (n >= 2 && !memcmp(s, "\xFF\xFE", 2))
		enc = "UTF-16LE", skip = 2;
	else if (n >= 4 && !memcmp(s, "\x00\x00\x00\x3C", 4))
		enc = "UTF-32BE";
	else if (n >= 4 && !memcmp(s, "\x3C\x00\x00\x00", 4))
		enc = "UTF-32LE";
	else if (n >= 4 && !memcmp(s, "\x00\x3C\x00\x3F", 4))
		enc = "UTF-16BE";
	else if (n >= 4 && !memcmp(s, "\x3C\x00\x3F\x00", 4))
		enc = "UTF-16LE";
	else if (n >= 4 && !memcmp(s, "\x4C\x6F\xA7\x94", 4))
		enc = "IBM037";	/* "<?xm" in EBCDIC */
	else {
		int has_decl = xml_decl_encoding((const char *)s, n, decl,
		    sizeof(decl)) == 0;

		/* a server's Western default does not beat a declared
		 * non-Western encoding */
		if (d->http != NULL && !(is_utf8ish(d->http) && has_decl &&
		    !is_utf8ish(decl)))
			enc = d->http;
		else if (has_decl)
			enc = decl;
		else
			enc = "UTF-8";
	}
	snprintf(d->name, sizeof(d->name), "%s", enc);
	d->latin9 = strcasecmp(enc, "iso-8859-15") == 0 ||
	    strcasecmp(enc, "latin9") == 0 || strcasecmp(enc, "iso8859-15") == 0;
	if (!is_utf8ish(enc)) {
		char norm[48];

		py_norm(enc, norm, sizeof(norm));
		if ((d->table = charset_table(norm)) == NULL)
			d->cd = charset_iconv(enc, norm);
		if (d->table == NULL && d->cd == (iconv_t)-1)
			snprintf(d->name, sizeof(d->name), "UTF-8");
	}
	return skip;
}

/* Convert and hand on in[0..n) (after the sniffing stage). */
static void
convert(struct charset_dec *d, const char *in, size_t n, int final)
{
	struct fbuf *o = &d->outb;
	struct fbuf all = { 0 };
	const char *s = in;
	size_t used;

	fbuf_reset(o);
	if (d->ncarry) {
		/* rare: join the held-back bytes to this input */
		fbuf_add(&all, d->carry, d->ncarry);
		fbuf_add(&all, in, n);
		s = all.s;
		n = all.len;
		d->ncarry = 0;
	}
	if (d->table != NULL) {
		fbuf_reset(&d->conv);
		for (used = 0; used < n; used++) {
			unsigned char c = (unsigned char)s[used];

			if (c < 0x80)
				fbuf_addc(&d->conv, (char)c);
			else
				utf8_put(&d->conv, d->table[c - 0x80] ?
				    d->table[c - 0x80] : 0xFFFD);
		}
		utf8_clean(o, (const unsigned char *)d->conv.s, d->conv.len, 1, 0);
	} else if (d->cd == (iconv_t)-1) {
		used = utf8_clean(o, (const unsigned char *)s, n, final,
		    d->latin9);
	} else {
		char *ip = (char *)s, *op;
		size_t il = n, ol;

		fbuf_reset(&d->conv);
		while (il > 0) {
			fbuf_grow(&d->conv, il * 4 + 16);
			op = d->conv.s + d->conv.len;
			ol = d->conv.cap - d->conv.len - 1;
			if (iconv(d->cd, &ip, &il, &op, &ol) != (size_t)-1) {
				d->conv.len = (size_t)(op - d->conv.s);
				continue;
			}
			d->conv.len = (size_t)(op - d->conv.s);
			if (errno == E2BIG)
				continue;
			if (errno == EINVAL && !final)
				break;	/* incomplete: carry it */
			utf8_put(&d->conv, 0xFFFD);
			ip++;
			il--;
		}
		used = n - il;
		utf8_clean(o, (const unsigned char *)d->conv.s, d->conv.len, 1, 0);
	}
	if (used < n && n - used <= sizeof(d->carry)) {
		memcpy(d->carry, s + used, n - used);
		d->ncarry = n - used;
	}
	fbuf_free(&all);
	if (o->len) {
		const char *p = o->s;
		size_t len = o->len;

		if (d->skip_bom) {
			d->skip_bom = 0;
			if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
				p += 3, len -= 3;
		}
		d->out(d->arg, p, len);
	}
}

void
charset_push(struct charset_dec *d, const char *buf, size_t n)
{
	size_t skip;

	if (d->decided) {
		convert(d, buf, n, 0);
		return;
	}
	fbuf_add(&d->sniff, buf, n);
	if (d->sniff.len < SNIFF_MAX && (d->sniff.len < 6 ||
	    (memcmp(d->sniff.s, "<?xml", 5) == 0 &&
	    memchr(d->sniff.s, '>', d->sniff.len) == NULL)))
		return;
	skip = decide(d);
	convert(d, d->sniff.s + skip, d->sniff.len - skip, 0);
	fbuf_free(&d->sniff);
}

void
charset_finish(struct charset_dec *d)
{
	size_t skip = 0;

	if (!d->decided) {
		skip = decide(d);
		convert(d, d->sniff.len ? d->sniff.s + skip : "",
		    d->sniff.len - skip, 1);
		fbuf_free(&d->sniff);
		return;
	}
	convert(d, "", 0, 1);
}

int
charset_is_utf8(const struct charset_dec *d)
{
	return d->cd == (iconv_t)-1 && d->table == NULL;
}

/* Whether s[0..n) holds a C1 control (U+0080..U+009F). */
static int
has_c1(const unsigned char *s, size_t n)
{
	const unsigned char *p = s, *end = s + n;

	while ((p = memchr(p, 0xC2, (size_t)(end - p))) != NULL) {
		if (p + 1 < end && p[1] < 0xA0)
			return 1;
		p++;
	}
	return 0;
}

/* Whether s[0..n) is Latin-1 characters only (U+0000..U+00FF), some of
 * them past ASCII; and whether it holds a C1 control, into *c1. */
static int
latin1_only(const unsigned char *s, size_t n, int *c1)
{
	size_t i = 0;
	int high = 0;

	*c1 = 0;
	while (i < n) {
		i += utf8_ascii_span(s + i, n - i);
		if (i >= n)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] != 0xC2 && s[i] != 0xC3) || i + 1 >= n) {
			*c1 |= has_c1(s + i, n - i);
			return 0;
		}
		if (s[i] == 0xC2 && s[i + 1] < 0xA0)
			*c1 = 1;
		high = 1;
		i += 2;
	}
	return high;
}

void
charset_fix_text(struct fbuf *b, size_t from, int utf8_doc)
{
	const unsigned char *s;
	size_t n = b->len - from, i, k = 0;
	struct fbuf o = { 0 };
	int c1;

	if (b->s == NULL || n == 0)
		return;
	s = (const unsigned char *)b->s + from;
	if (latin1_only(s, n, &c1) && utf8_doc) {
		/* the bytes Latin-1 gives these characters */
		unsigned char *raw = xmalloc(n);

		for (i = 0; i < n; i++) {
			if (s[i] < 0x80) {
				raw[k++] = s[i];
				continue;
			}
			raw[k++] = (unsigned char)((s[i] & 3) << 6 |
			    (s[i + 1] & 0x3F));
			i++;
		}
		if (utf8_check((const char *)raw, k) == k) {
			b->len = from;
			fbuf_add(b, (const char *)raw, k);
			s = (const unsigned char *)b->s + from;
			n = k;
			latin1_only(s, n, &c1);
		}
		free(raw);
	}
	if (!c1)
		return;
	for (i = 0; i < n; i++) {
		if (s[i] == 0xC2 && i + 1 < n && s[i + 1] < 0xA0) {
			utf8_put(&o, cp1252_char(s[i + 1]));
			i++;
		} else
			fbuf_addc(&o, (char)s[i]);
	}
	b->len = from;
	fbuf_add(b, o.s, o.len);
	fbuf_free(&o);
}

void
charset_free(struct charset_dec *d)
{
	if (d == NULL)
		return;
	if (d->cd != (iconv_t)-1)
		iconv_close(d->cd);
	free(d->http);
	fbuf_free(&d->sniff);
	fbuf_free(&d->conv);
	fbuf_free(&d->outb);
	free(d);
}
