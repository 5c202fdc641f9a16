/*
 * unit.c - checks of lib/ functions that no program shows directly.
 * Prints TAP; built by `make check` as obj/unit, run by t0010-lib.sh.
 */
#define _GNU_SOURCE
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "base64.h"
#include "charset.h"
#include "cond.h"
#include "extract.h"
#include "feeddate.h"
#include "fields.h"
#include "fts5rank.h"
#include "ftsexpr.h"
#include "html.h"
#include "jsonl.h"
#include "jsonscan.h"
#include "ordered.h"
#include "queue.h"
#include "schema.h"
#include "segment.h"
#include "timefmt.h"
#include "url.h"
#include "utf8.h"
#include "util.h"

static int n, failed;

static void
check(int ok, const char *what, const char *detail)
{
	n++;
	printf("%sok %d - %s\n", ok ? "" : "not ", n, what);
	if (!ok) {
		printf("#   %s\n", detail ? detail : "");
		failed++;
	}
}

/*
 * jl_bm25 (lib/fts5rank.h) over five rows of 12 tokens: without k1 and b
 * it gives what FTS5's bm25() gives; with k1 2 and b 0.5, row 2 ("oil
 * oil gas", 3 tokens of a mean 2.4: k1 (1 - b + b 3 / 2.4) = 2.25)
 * scores idf 2 * 3 / (2 + 2.25) + idf 1 * 3 / (1 + 2.25), where oil
 * and gas are each in 2 rows: idf = log((5 - 2 + 0.5) / (2 + 0.5)).
 */
static void
fts5rank_checks(void)
{
	static const char *const rows[] = { "oil price up", "oil oil gas",
	    "gas bill", "coal mine", "wind farm" };
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char got[256] = "";
	int ok;

	ok = sqlite3_open(":memory:", &db) == SQLITE_OK &&
	    fts5rank_register(db) == SQLITE_OK && sqlite3_exec(db,
	    "CREATE VIRTUAL TABLE t USING fts5(x)", NULL, NULL,
	    NULL) == SQLITE_OK;
	for (int i = 0; ok && i < 5; i++) {
		char *sql = sqlite3_mprintf("INSERT INTO t VALUES (%Q)",
		    rows[i]);

		ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
		sqlite3_free(sql);
	}
	ok = ok && sqlite3_prepare_v2(db, "SELECT rowid, bm25(t),"
	    " jl_bm25(t), jl_bm25(t, 2.0, 0.5) FROM t WHERE t MATCH"
	    " 'oil OR gas' ORDER BY rowid", -1, &st, NULL) == SQLITE_OK;
	while (ok && sqlite3_step(st) == SQLITE_ROW) {
		double fts = sqlite3_column_double(st, 1);
		double ours = sqlite3_column_double(st, 2);
		double tuned = sqlite3_column_double(st, 3);

		snprintf(got, sizeof(got), "row %lld: bm25 %g, jl_bm25 %g, "
		    "jl_bm25(2, 0.5) %g", sqlite3_column_int64(st, 0), fts,
		    ours, tuned);
		ok = fabs(fts - ours) < 1e-9 && ours < 0;
		if (ok && sqlite3_column_int64(st, 0) == 2)
			ok = fabs(tuned + log(3.5 / 2.5) * (6 / 4.25 +
			    3 / 3.25)) < 1e-9;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	check(ok, "fts5rank: jl_bm25 is bm25() by default, and takes k1 and "
	    "b", got);
}

/*
 * A typed field reader (lib/fields.h) on the field v of the record json,
 * read as the programs read it: kind 'i' an integer in 0..10, 'j' one of
 * 64 bits, 'd' a number in 0..1e9, 'p' one above 0 up to 1e300, 's' a
 * string, 't' a time, 'o' a time or seconds, 'k' a key;
 * 'S', 'T', 'K' the same of the scanned field.  Its answer, the value it
 * gave as text in val, what it reported in msg.
 */
static int
field_run(const char *json, int kind, char *val, size_t vn, char *msg,
    size_t mn)
{
	FILE *in = fmemopen((void *)json, strlen(json), "r");
	FILE *saved = stderr, *err = tmpfile();
	struct jscan_field f = { .key = "v" };
	struct jsonl_reader r;
	json_object *o = NULL;
	const char *s = NULL;
	char buf[FIELD_KEYSZ], *k = NULL;
	int64_t x = 0;
	double d = 0;
	int rc = 9;

	stderr = err;
	jsonl_init(&r, in, "t");
	*val = *msg = '\0';
	if (jsonl_next_line(&r) != NULL &&
	    (kind >= 'a' ? (o = jsonl_parse(&r)) != NULL :
	    jsonl_scan(&r, &f, 1))) {
		switch (kind) {
		case 'i': rc = field_int(&r, o, "v", 0, 0, 10, &x); break;
		case 'j': rc = field_int(&r, o, "v", FIELD_REQUIRED,
		    INT64_MIN, INT64_MAX, &x); break;
		case 'd': rc = field_double(&r, o, "v", 0, 0, 1e9, &d); break;
		case 'p': rc = field_positive(&r, o, "v", 0, 1e300, &d); break;
		case 'o': rc = field_time_or_seconds(&r, o, "v", 0, &x); break;
		case 's': rc = field_string(&r, o, "v", 0, &s); break;
		case 't': rc = field_time(&r, o, "v", 0, &x); break;
		case 'k': rc = field_key(&r, o, "v", 0, buf, &s); break;
		case 'S': rc = field_scanned_string(&r, &f, 0); break;
		case 'T': rc = field_scanned_time(&r, &f, 0, &x); break;
		case 'K': rc = field_scanned_key(&r, &f, FIELD_REQUIRED, &k);
			break;
		}
	}
	if (rc == FIELD_OK) {
		if (kind == 'd' || kind == 'p')
			snprintf(val, vn, "%g", d);
		else if (s != NULL || k != NULL)
			snprintf(val, vn, "%s", s != NULL ? s : k);
		else
			snprintf(val, vn, "%lld", (long long)x);
	}
	fflush(err);
	rewind(err);
	if (fgets(msg, (int)mn, err) != NULL)
		msg[strcspn(msg, "\n")] = '\0';
	stderr = saved;
	fclose(err);
	free(k);
	json_object_put(o);
	jsonl_free(&r);
	fclose(in);
	return rc;
}

/* field_run's answer is want, with the value or message (after the
 * program's name and the line's place) given. */
static void
field_ok(const char *json, int kind, int want, const char *text)
{
	char val[128], msg[256], what[256], got[512];
	const char *m;
	int rc = field_run(json, kind, val, sizeof(val), msg, sizeof(msg));

	m = strstr(msg, "t:1: ");
	m = m != NULL ? m + 5 : msg;
	snprintf(what, sizeof(what), "fields %c: %s", kind, json);
	snprintf(got, sizeof(got), "rc %d, value '%s', message '%s'", rc, val,
	    msg);
	check(rc == want && strcmp(want == FIELD_OK ? val : m, text) == 0,
	    what, got);
}

/*
 * lib/cond.c: src at a start and an end price holds (want 1) or not (0),
 * or (want -1) is refused with the message err.
 */
static void
cond_ok(const char *src, double start, double end, int want,
    const char *err)
{
	struct cond_vars v;
	struct cond *c;
	char msg[COND_ERRSZ], what[COND_MAX_LEN + 64];
	int got = -1;

	cond_vars_set(&v, start, end);
	if ((c = cond_parse(src, msg, sizeof(msg))) != NULL) {
		got = cond_eval(c, &v);
		snprintf(msg, sizeof(msg), "%s", got ? "holds" : "does not hold");
	}
	snprintf(what, sizeof(what), "cond %.100s at %g -> %g: %s", src,
	    start, end, want < 0 ? err : want ? "holds" : "does not hold");
	check(got == want && (want >= 0 || strcmp(msg, err) == 0), what, msg);
	cond_free(c);
}

/* cond_options_check of the JSON options (manual or not): err, or "". */
static void
options_ok(const char *json, int manual, const char *want)
{
	json_object *o = json_tokener_parse(json);
	char err[COND_ERRSZ + 80] = "", what[256];

	cond_options_check(o, manual, err, sizeof(err));
	snprintf(what, sizeof(what), "cond_options_check %s%s: %s", json,
	    manual ? " (manual)" : "", *want ? want : "good");
	check(strcmp(err, want) == 0, what, err);
	json_object_put(o);
}

/* cond_options_pick of the JSON options at start and end: the label, or
 * the reason. */
static void
pick_ok(const char *json, double start, double end, const char *want)
{
	json_object *o = json_tokener_parse(json);
	struct cond_vars v;
	char reason[COND_REASONSZ], what[256];
	const char *label;

	cond_vars_set(&v, start, end);
	label = cond_options_pick(o, &v, reason);
	snprintf(what, sizeof(what), "cond_options_pick %.120s at %g -> %g: %s",
	    json, start, end, want);
	check(strcmp(label != NULL ? label : reason, want) == 0, what,
	    label != NULL ? label : reason);
	json_object_put(o);
}

static void
time_ok(const char *in, const char *want)
{
	int64_t ms;
	char buf[TIME_BUFSZ], what[128];

	snprintf(what, sizeof(what), "time_parse(%s)", in);
	if (want == NULL) {
		check(time_parse(in, &ms) != 0, what, "accepted");
		return;
	}
	check(time_parse(in, &ms) == 0 &&
	    strcmp(time_format_ms(ms, buf), want) == 0, what, buf);
}

static void
duration_ok(const char *in, long long want)
{
	int64_t ms = -1;
	char what[128], got[64];
	int rc = duration_parse(in, &ms);

	snprintf(what, sizeof(what), "duration_parse(%s)", in);
	snprintf(got, sizeof(got), "rc %d, %lld ms", rc, (long long)ms);
	check(want < 0 ? rc != 0 : rc == 0 && ms == want, what, got);
}

/* fetch-feed: lenient feed dates, HTML to text, charsets */
static void
feeddate_ok(const char *in, const char *want)
{
	int64_t ms;
	char buf[TIME_BUFSZ] = "", what[128];
	int rc = feeddate_parse(in, &ms);

	snprintf(what, sizeof(what), "feeddate_parse(%s)", in);
	if (rc == 0)
		time_format(ms, buf);
	check(want == NULL ? rc != 0 : rc == 0 && strcmp(buf, want) == 0,
	    what, buf);
}

/* ftsexpr_words and ftsexpr_pairs of q must be words and pairs (NULL:
 * none) */
static void
ftsexpr_ok(const char *q, const char *words, const char *pairs)
{
	char *w = ftsexpr_words(q), *p = ftsexpr_pairs(q);
	char what[160], got[400];
	int ok = (w == NULL ? words == NULL : words != NULL &&
	    strcmp(w, words) == 0) && (p == NULL ? pairs == NULL :
	    pairs != NULL && strcmp(p, pairs) == 0);

	snprintf(what, sizeof(what), "ftsexpr(%s)", q);
	snprintf(got, sizeof(got), "%s | %s", w ? w : "NULL",
	    p ? p : "NULL");
	check(ok, what, got);
	free(w);
	free(p);
}

static void
html_ok(const char *in, int flags, const char *want)
{
	struct fbuf b = { 0 };
	char what[160];
	char *c;

	html_to_text(&b, in, strlen(in), flags);
	snprintf(what, sizeof(what), "html_to_text(%s)", in);
	for (c = what; *c; c++)	/* one TAP line */
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	check(strcmp(fbuf_str(&b), want) == 0, what, fbuf_str(&b));
	fbuf_free(&b);
}

static void
charset_collect(void *arg, const char *s, size_t n)
{
	fbuf_add(arg, s, n);
}

/* in pushed one byte at a time must come out as want */
static void
charset_ok(const char *http, const char *in, size_t n, const char *want)
{
	struct fbuf b = { 0 };
	struct charset_dec *d = charset_new(http, charset_collect, &b);
	size_t i;
	char what[128];

	for (i = 0; i < n; i++)
		charset_push(d, in + i, 1);
	charset_finish(d);
	snprintf(what, sizeof(what), "charset %s -> %s", charset_name(d), want);
	check(strcmp(fbuf_str(&b), want) == 0, what, fbuf_str(&b));
	charset_free(d);
	fbuf_free(&b);
}

/* base64 of in decodes back to it; s decodes to want (NULL: refused) */
static void
base64_ok(const char *in, const char *s, int flags, const char *want)
{
	char enc[64], what[128];
	unsigned char dec[64];
	size_t n = base64_encode(enc, (const unsigned char *)in, strlen(in));
	long k = base64_decode(dec, enc, n, 0);

	snprintf(what, sizeof(what), "base64 round trip of %s", in);
	check(n == BASE64_ENCODED_LEN(strlen(in)) && k == (long)strlen(in) &&
	    memcmp(dec, in, (size_t)k) == 0, what, in);
	k = base64_decode(dec, s, strlen(s), flags);
	snprintf(what, sizeof(what), "base64_decode(%s)", s);
	check(want == NULL ? k < 0 : k == (long)strlen(want) &&
	    memcmp(dec, want, (size_t)k) == 0, what, k < 0 ? "refused" : "");
}

/* charset_fix_text of in (a field of a UTF-8 document or not) */
static void
fix_ok(const char *in, int utf8_doc, const char *want)
{
	struct fbuf b = { 0 };
	char what[128];

	fbuf_adds(&b, "keep:");
	fbuf_adds(&b, in);
	charset_fix_text(&b, 5, utf8_doc);
	snprintf(what, sizeof(what), "charset_fix_text(%s, %d)", in, utf8_doc);
	check(strncmp(fbuf_str(&b), "keep:", 5) == 0 &&
	    strcmp(fbuf_str(&b) + 5, want) == 0, what, fbuf_str(&b));
	fbuf_free(&b);
}

static void
url_ok(const char *in, const char *want)
{
	char *got = url_canonical(in), what[256];

	snprintf(what, sizeof(what), "url_canonical(%s)", in);
	check(got != NULL && strcmp(got, want) == 0, what, got);
	free(got);
}

/* lib/ordered: what the callbacks saw, as text. */
struct ordered_log {
	char sent[64];		/* batches sent: their sizes */
	char written[64];	/* records written: their "n" */
};

static void
ordered_log_send(void *arg, struct ordered_item **items, int n)
{
	struct ordered_log *l = arg;

	snprintf(l->sent + strlen(l->sent), sizeof(l->sent) - strlen(l->sent),
	    "%d ", n);
	free(items);
}

static void
ordered_log_write(void *arg, struct ordered_item *it)
{
	struct ordered_log *l = arg;
	const char *v = json_get_string(it->o, "n");

	snprintf(l->written + strlen(l->written),
	    sizeof(l->written) - strlen(l->written), "%s ", v ? v : "?");
}

/* Records 1..5, batches of 2: 1, 2 and 4, 5 join batches, 3 passes; the
 * answers come last first. */
static void
ordered_checks(void)
{
	struct ordered q;
	struct ordered_log l = { "", "" };
	struct ordered_item *it[5];
	char num[2];

	ordered_init(&q, 2, sizeof(struct ordered_item), ordered_log_send,
	    ordered_log_write, &l);
	for (int i = 0; i < 5; i++) {
		json_object *o = json_object_new_object();

		num[0] = (char)('1' + i);
		num[1] = '\0';
		json_object_object_add(o, "n", json_object_new_string(num));
		it[i] = ordered_push(&q, o);
		if (i == 2)
			it[i]->state = 1;
		else
			ordered_join(&q, it[i]);
	}
	check(strcmp(l.sent, "2 2 ") == 0, "ordered: a full batch is sent",
	    l.sent);
	it[4]->state = it[3]->state = 1;
	ordered_drain(&q);
	check(l.written[0] == '\0', "ordered: nothing before the first is "
	    "written", l.written);
	it[0]->state = it[1]->state = 1;
	ordered_drain(&q);
	check(strcmp(l.written, "1 2 3 4 5 ") == 0,
	    "ordered: settled records are written in input order", l.written);
	it[0] = ordered_push(&q, json_object_new_object());
	ordered_join(&q, it[0]);
	ordered_flush(&q);
	ordered_flush(&q);
	check(strcmp(l.sent, "2 2 1 ") == 0, "ordered: flush sends the open "
	    "batch, once", l.sent);
	ordered_free(&q);
}

/* lib/extract on texts whose synopsis is known. */
static void
extract_checks(void)
{
	struct extract *x = extract_new(1, 20);
	char *c;
	int ok, cut;

	ok = extract_text(x, NULL, 0, " \n\t", 3);
	check(ok == 0 && x->outlen == 0 && *x->out == '\0',
	    "extract: a text without words has no synopsis", x->out);
	ok = extract_text(x, NULL, 0, "Short one.  Another.", 20);
	check(ok == 1 && strcmp(x->out, "Short one.") == 0,
	    "extract: one sentence, the first of equals", x->out);
	ok = extract_text(x, NULL, 0, "This  first sentence is much too long "
	    "for twenty.", 48);
	check(ok == 1 &&
	    strcmp(x->out, "This first sentence\xe2\x80\xa6") == 0,
	    "extract: a best sentence too long is cut at a word", x->out);
	c = extract_clean(x, "  a\n b  ", 8, &cut);
	check(c != NULL && strcmp(c, "a b") == 0 && cut == 0,
	    "extract_clean: whitespace collapsed and trimmed", c);
	free(c);
	c = extract_clean(x, "\t ", 2, &cut);
	check(c == NULL, "extract_clean: no words, no summary", c);
	check(seg_clip("ab cd ef", 8, 4, &cut) == 3 && cut == 1 &&
	    seg_clip("ab", 2, 4, &cut) == 2 && cut == 0,
	    "seg_clip: cut at the last space that fits", NULL);
	extract_free(x);
}

int
main(void)
{
	char buf[TIME_BUFSZ];

	time_ok("2026-11-22T08:30:00Z", "2026-11-22T08:30:00.000Z");
	time_ok("2026-11-22T10:30:00+02:00", "2026-11-22T08:30:00.000Z");
	time_ok("2026-11-22t08:30:00.5-0130", "2026-11-22T10:00:00.500Z");
	time_ok("2026-11-22 08:30", "2026-11-22T08:30:00.000Z");
	time_ok("2026-11-22", "2026-11-22T00:00:00.000Z");
	time_ok("1969-12-31T23:59:59.250Z", "1969-12-31T23:59:59.250Z");
	/* found by fuzz-date: years before 1000 lost their leading zero */
	time_ok("0506-11-20", "0506-11-20T00:00:00.000Z");
	time_ok("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z");
	time_ok("2026-02-29T00:00:00Z", NULL);
	time_ok("2026-13-01", NULL);
	time_ok("2026-11-22T25:00:00Z", NULL);
	time_ok("2026-11-22T08:30:00Zjunk", NULL);
	time_ok("yesterday", NULL);
	check(strcmp(time_format(0, buf), "1970-01-01T00:00:00Z") == 0,
	    "time_format(0)", buf);

	duration_ok("30s", 30000);
	duration_ok("5m", 300000);
	duration_ok("2h", 7200000);
	duration_ok("1d", 86400000);
	duration_ok("1w", 604800000);
	duration_ok("1h30m", 5400000);
	duration_ok("250ms", 250);
	duration_ok("1.5s", 1500);
	duration_ok("90", 90000);
	duration_ok("daily", 86400000);
	duration_ok("Weekly", 604800000);
	duration_ok("0", 0);
	duration_ok("", -1);
	duration_ok("5x", -1);
	duration_ok("-5s", -1);
	duration_ok("s", -1);
	duration_ok("10 m", -1);
	check(strcmp(duration_format(5400000, buf), "1h30m") == 0,
	    "duration_format(1h30m)", buf);
	check(strcmp(duration_format(250, buf), "250ms") == 0,
	    "duration_format(250ms)", buf);

	url_ok("HTTP://Example.COM", "http://example.com/");
	url_ok("https://News.Example.com:443/a/b?utm_source=x&p=2#top",
	    "https://news.example.com/a/b?p=2");
	url_ok("http://x.example:8080/a?utm_a=1&utm_b=2",
	    "http://x.example:8080/a");
	url_ok("http://x.example/a/./b/../c", "http://x.example/a/c");
	url_ok("http://x.example/a?b=1&utm_x=2&c=3", "http://x.example/a?b=1&c=3");
	url_ok("http://User@X.example/", "http://user@x.example/");
	check(url_canonical("not a url") == NULL, "url_canonical(not a url)",
	    "accepted");

	check(utf8_check("abc\xc3\xa9", 5) == 5, "utf8_check valid", NULL);
	check(utf8_prefix("ab\xc3\xa9", 4, 3) == 2 &&
	    utf8_prefix("ab\xc3\xa9", 4, 4) == 4 &&
	    utf8_prefix("ab\xc3\xa9x", 5, 4) == 4 &&
	    utf8_prefix("\xe2\x82\xac", 3, 2) == 0, "utf8_prefix", NULL);
	check(utf8_check("abcdefgh\xc3", 9) == 8, "utf8_check truncated",
	    NULL);
	check(utf8_check("\xed\xa0\x80", 3) == 0, "utf8_check surrogate",
	    NULL);
	check(utf8_check("\xc0\xaf", 2) == 0, "utf8_check overlong", NULL);
	check(utf8_check("\xf4\x90\x80\x80", 4) == 0, "utf8_check > U+10FFFF",
	    NULL);
	{
		const char *s = "{\"k\":\"a\\u00e9\\ud83d\\ude00\\u0000\\u0000x\"}";
		struct jscan_field f = { .key = "k" };
		size_t off;
		const char *msg;
		char *v = NULL;
		int ok = jscan_object(s, strlen(s), &f, 1, &off, &msg) ==
		    JSCAN_OBJECT;

		v = jscan_string(&f);
		check(ok && v != NULL &&
		    strcmp(v, "a\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd"
		    "\xef\xbf\xbdx") == 0, "jscan_string escapes", v);
		free(v);
		s = "{\"k\":\"\\ud800x\"}";
		check(jscan_object(s, strlen(s), &f, 1, &off, &msg) ==
		    JSCAN_INVALID && strcmp(msg, "lone surrogate in \\u escape")
		    == 0, "jscan refuses a lone surrogate", msg);
	}
	{
		/* duplicate keys, by the linear and the hashed look-up */
		char buf[4096], *p;
		size_t off;
		const char *msg;
		int big = 0;

		for (int n = 2; n <= 200; n += 99) {
			p = buf + sprintf(buf, "{");
			for (int i = 0; i < n; i++)
				p += sprintf(p, "%s\"k%d\":{\"x\":%d}",
				    i ? "," : "", i, i);
			sprintf(p, "}");
			check(jscan_object(buf, strlen(buf), NULL, 0, &off,
			    &msg) == JSCAN_OBJECT, "jscan distinct keys", buf);
			sprintf(p, ",\"\\u006b%d\":1}", n / 2);
			check(jscan_object(buf, strlen(buf), NULL, 0, &off,
			    &msg) == JSCAN_INVALID && strcmp(msg,
			    "duplicate key") == 0 && off == (size_t)(p - buf + 1),
			    "jscan duplicate key", buf);
		}
		check(jscan_object_ex("{\"a\":[18446744073709551615,"
		    "-9223372036854775808]}", 49, NULL, 0, &off, &msg, &big) ==
		    JSCAN_OBJECT && big == 0, "jscan 64-bit limits", NULL);
		check(jscan_object_ex("{\"a\":18446744073709551616}", 26,
		    NULL, 0, &off, &msg, &big) == JSCAN_OBJECT && big == 1,
		    "jscan beyond 64 bits", NULL);
	}

	feeddate_ok("Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z");
	feeddate_ok("Tue, 10 Jun 03 04:00:00 EDT", "2003-06-10T08:00:00Z");
	feeddate_ok("10 JUNE 2003 4:00 +0200", "2003-06-10T02:00:00Z");
	feeddate_ok("Tuesday, 10-Jun-2003 04:00:00 Z", "2003-06-10T04:00:00Z");
	feeddate_ok("Tue Jun 10 04:00:00 2003", "2003-06-10T04:00:00Z");
	feeddate_ok("Tue, 10 Jun 2003 04:00:00 +0000 (UTC)",
	    "2003-06-10T04:00:00Z");
	feeddate_ok("Jun 10, 2003 4:00 PM EST", "2003-06-10T21:00:00Z");
	feeddate_ok("2003-06-10T04:00:00.123+05:30", "2003-06-09T22:30:00Z");
	feeddate_ok("2003-06-10T04:00Z", "2003-06-10T04:00:00Z");
	feeddate_ok("20030610T040000", "2003-06-10T04:00:00Z");
	feeddate_ok("2003-06", "2003-06-01T00:00:00Z");
	feeddate_ok("2003-06-10 04:00:00 EST", "2003-06-10T09:00:00Z");
	feeddate_ok("Tue, 10 Jun 2003 24:00:00 GMT", "2003-06-11T00:00:00Z");
	feeddate_ok("Mon, 31 Jun 2003 04:00:00 GMT", NULL);
	feeddate_ok("Tue, 10 Foo 2003 04:00:00 GMT", NULL);
	/* the forms feedparser's date handlers read */
	feeddate_ok("Sun, 16 Dec 79 1:2:3 GMT", "2079-12-16T01:02:03Z");
	feeddate_ok("Thu, 01 Jan 04 19:48:21 A", "2004-01-01T20:48:21Z");
	feeddate_ok("Thu, 01 Jan 04 19:48:21 Y", "2004-01-01T07:48:21Z");
	feeddate_ok("Thu, 01 Jan 2004 19:48:21 pt", "2004-01-02T03:48:21Z");
	feeddate_ok("Jan 01 2004 at 19:48 et", "2004-01-02T00:48:00Z");
	feeddate_ok("Fri,24 Nov 2023 18:28:36 -0000", "2023-11-24T18:28:36Z");
	feeddate_ok("Sun Jan  4 16:29:06 PST 2004", "2004-01-05T00:29:06Z");
	feeddate_ok("Fri, 2006/09/15 08:19:53 EDT", "2006-09-15T12:19:53Z");
	feeddate_ok("2004-005", "2004-01-05T00:00:00Z");
	feeddate_ok("2004060T10:30Z", "2004-02-29T10:30:00Z");
	feeddate_ok("2003-366", NULL);
	feeddate_ok("04-01-05", "2004-01-05T00:00:00Z");
	feeddate_ok("040105T01:02:03Z", "2004-01-05T01:02:03Z");
	feeddate_ok("2004-07-08 23:56:58.0", "2004-07-08T23:56:58Z");
	feeddate_ok("2004-7-8T9:15-05:00", "2004-07-08T14:15:00Z");
	feeddate_ok("\xce\x9a\xcf\x85\xcf\x81, 11 \xce\x99\xce\xbf\xcf\x8d\xce\xbb"
	    " 2004 12:00:00 EST", "2004-07-11T17:00:00Z");
	feeddate_ok("2004-j\xc3\xbalius-13T9:15-05:00", "2004-07-13T14:15:00Z");
	feeddate_ok("2004\xeb\x85\x84 05\xec\x9b\x94 28\xec\x9d\xbc 01:31:15",
	    "2004-05-27T16:31:15Z");
	feeddate_ok("2004-05-25 \xec\x98\xa4\xed\x9b\x84 11:23:17",
	    "2004-05-25T14:23:17Z");
	feeddate_ok("", NULL);
	feeddate_ok("now", NULL);
	/* found by fuzz-date: long runs of digits overflowed an int */
	feeddate_ok("2026-11-22 10:306666666666", NULL);
	feeddate_ok("2026-11-22 10:30:1020001020999", NULL);

	html_ok("<p>One &amp; <b>two</b></p><p>Three&hellip;</p>", 0,
	    "One & two\n\nThree\xe2\x80\xa6");
	html_ok("a<br>b<li>c</li>  d\n\te", 0, "a\nb\nc\nd e");
	html_ok("x<script>if (a < b) {}</script>y<style>p{}</style>z", 0,
	    "xyz");
	html_ok("&#169; &#x20AC; &#150; &copy2026 &notit; &bogus; AT&T", 0,
	    "\xc2\xa9 \xe2\x82\xac \xe2\x80\x93 \xc2\xa9" "2026 "
	    "\xc2\xacit; &bogus; AT&T");
	html_ok("<!-- c -->a < b <![CDATA[<i>]]>", 0, "a < b <i>");
	html_ok("  line one\nline two\n\n\npara  ", HTML_PLAIN,
	    "line one\nline two\n\npara");
	html_ok("<p>a</p>\n<p>b</p>", HTML_ONELINE, "a b");
	html_ok("<a href='x>y'>link</a> text", 0, "link text");
	/* as feedparser's sanitizer: these elements go, their text stays */
	html_ok("a<object><object>x</object>y</object>b<iframe>z</iframe>c", 0,
	    "axybzc");
	html_ok("a<blink>x</blink> b<embed src=e> c<link rel=s>d<meta x>e", 0,
	    "ax b cde");
	html_ok("a<applet code=c>x<p>y</p></applet>b<script/>c", 0, "abc");
	html_ok("a<scripts>b</scripts>c<script>d</scriptx>e", 0, "abc");
	check(html_looks_like("a <b>x</b>", 10), "html_looks_like(end tag)", "");
	check(html_looks_like("AT&amp;T", 8), "html_looks_like(reference)", "");
	check(!html_looks_like("Use <br> tags", 13), "html_looks_like(no end tag)",
	    "");
	check(!html_looks_like("<x>y</x>", 8), "html_looks_like(unknown tag)", "");
	check(!html_looks_like("a &bogus; b", 11), "html_looks_like(unknown name)",
	    "");
	check(html_looks_like("<script>x</script>", 18),
	    "html_looks_like(script)", "");
	base64_ok("", "", 0, "");
	base64_ok("a", "YQ", 0, "a");
	base64_ok("ab", " YW Jj ZA== ", BASE64_SPACE, "abcd");
	base64_ok("abc", "YW Jj", 0, NULL);
	base64_ok("abcd", "YWJjZA==YQ", 0, NULL);
	base64_ok("abcde", "Y", 0, NULL);
	base64_ok("hello", "a$b", 0, NULL);
	fix_ok("Caf\xc3\x83\xc2\xa9 \xc3\xa2\xc2\x80\xc2\x99", 1,
	    "Caf\xc3\xa9 \xe2\x80\x99");
	fix_ok("Caf\xc3\x83\xc2\xa9", 0, "Caf\xc3\x83\xc2\xa9");
	fix_ok("Caf\xc3\xa9", 1, "Caf\xc3\xa9");
	fix_ok("\xc2\x93q\xc2\x94 \xc2\x81 \xe2\x98\x83", 1,
	    "\xe2\x80\x9cq\xe2\x80\x9d \xc2\x81 \xe2\x98\x83");
	fix_ok("plain", 1, "plain");

	charset_ok(NULL, "caf\xc3\xa9", 5, "caf\xc3\xa9");
	charset_ok(NULL, "caf\xe9 \x93x\x94", 8,
	    "caf\xc3\xa9 \xe2\x80\x9cx\xe2\x80\x9d");
	charset_ok("iso-8859-1", "\xef\xbb\xbf\xc3\xa9", 5, "\xc3\xa9");
	charset_ok(NULL, "\xff\xfe<\0a\0", 6, "<a");
	charset_ok("windows-1251",
	    "<?xml version=\"1.0\"?>\xcf", 22,
	    "<?xml version=\"1.0\"?>\xd0\x9f");
	charset_ok(NULL, "<?xml version=\"1.0\" encoding=\"koi8-r\"?>\xf0",
	    40, "<?xml version=\"1.0\" encoding=\"koi8-r\"?>\xd0\x9f");
	charset_ok(NULL, "a\x01" "b\x0c\xef\xbf\xbf", 7,
	    "a b \xef\xbf\xbd");
	check(url_has_scheme("http://x") && url_has_scheme("tag:a") &&
	    !url_has_scheme("C:/x") && !url_has_scheme("/a:b") &&
	    !url_has_scheme("a/b:c"), "url_has_scheme", NULL);

	{
		/* found by fuzz-jsonl: json-c took a raw control character
		 * in a string, which JSON (and jsonscan) refuse */
		static char lines[] = "{\"id\":\"su\x1c-1\"}\n{\"id\":\"ok\"}\n";
		FILE *fp = fmemopen(lines, sizeof(lines) - 1, "r");
		FILE *saved = stderr;
		struct jsonl_reader r;
		json_object *o;
		int objects = 0;

		stderr = fopen("/dev/null", "w");
		jsonl_init(&r, fp, "unit");
		while ((o = jsonl_next(&r)) != NULL) {
			objects++;
			json_object_put(o);
		}
		fclose(stderr);
		stderr = saved;
		check(objects == 1 && r.bad == 1,
		    "jsonl_next refuses raw control characters", NULL);
		jsonl_free(&r);
		fclose(fp);
	}

	/* the store's schema: table names generic records may not take */
	check(schema_reserved("articles") && schema_reserved("ARTICLES") &&
	    schema_reserved("articles_todo") && schema_reserved("chunks_fts") &&
	    schema_reserved("queue_keys") && schema_reserved("user_stats") &&
	    schema_reserved("sqlite_master") &&
	    schema_reserved("chunks_fts_data") && !schema_reserved("chunks_x"),
	    "schema_reserved: the schema's tables, any case, a virtual "
	    "table's shadow tables, and SQLite's", NULL);
	check(!schema_reserved("article") && !schema_reserved("things") &&
	    !schema_reserved("articles_") && !schema_reserved("queue_ready"),
	    "schema_reserved: other names (an index is not a table)", NULL);

	/* typed fields: refused, never read as a default */
	field_ok("{\"v\":7}", 'i', FIELD_OK, "7");
	field_ok("{\"a\":1}", 'i', FIELD_NONE, "");
	field_ok("{\"v\":null}", 'i', FIELD_NONE, "");
	field_ok("{\"a\":1}", 'j', FIELD_BAD, "no v");
	field_ok("{\"v\":\"1\"}", 'i', FIELD_BAD, "v: not an integer");
	field_ok("{\"v\":1.0}", 'i', FIELD_BAD, "v: not an integer");
	field_ok("{\"v\":1.7}", 'i', FIELD_BAD, "v: not an integer");
	field_ok("{\"v\":1e999}", 'i', FIELD_BAD, "v: not an integer");
	field_ok("{\"v\":9.3e18}", 'i', FIELD_BAD, "v: not an integer");
	field_ok("{\"v\":true}", 'i', FIELD_BAD, "v: not an integer");
	field_ok("{\"v\":11}", 'i', FIELD_BAD, "v: not between 0 and 10");
	field_ok("{\"v\":-1}", 'i', FIELD_BAD, "v: not between 0 and 10");
	field_ok("{\"v\":9300000000000000000}", 'j', FIELD_BAD,
	    "v: out of range");
	field_ok("{\"v\":123456789012345678901234567890}", 'j', FIELD_BAD,
	    "v: out of range");
	field_ok("{\"v\":-9223372036854775808}", 'j', FIELD_OK,
	    "-9223372036854775808");
	field_ok("{\"v\":9223372036854775807}", 'j', FIELD_OK,
	    "9223372036854775807");
	field_ok("{\"v\":2.5}", 'd', FIELD_OK, "2.5");
	field_ok("{\"v\":3}", 'd', FIELD_OK, "3");
	field_ok("{\"v\":1e999}", 'd', FIELD_BAD, "v: out of range");
	field_ok("{\"v\":-1e999}", 'd', FIELD_BAD, "v: out of range");
	field_ok("{\"v\":-0.5}", 'd', FIELD_BAD, "v: not between 0 and 1e+09");
	field_ok("{\"v\":\"2\"}", 'd', FIELD_BAD, "v: not a number");
	field_ok("{\"v\":\"\"}", 's', FIELD_OK, "");
	field_ok("{\"v\":[\"a\"]}", 's', FIELD_BAD, "v: not a string");
	field_ok("{\"v\":\"2026-11-22T10:30:00+02:00\"}", 't', FIELD_OK,
	    "1795336200000");
	field_ok("{\"v\":\"1969-12-31T23:59:59Z\"}", 't', FIELD_BAD,
	    "v: before 1970");
	field_ok("{\"v\":\"yesterday\"}", 't', FIELD_BAD,
	    "v: not an RFC 3339 time");
	field_ok("{\"v\":1795336200}", 't', FIELD_BAD, "v: not a string");
	field_ok("{\"v\":\"Ada\"}", 'k', FIELD_OK, "Ada");
	field_ok("{\"v\":18446744073709551615}", 'k', FIELD_OK,
	    "18446744073709551615");
	field_ok("{\"v\":-5}", 'k', FIELD_OK, "-5");
	field_ok("{\"v\":\"\"}", 'k', FIELD_BAD, "v: empty");
	field_ok("{\"v\":1.5}", 'k', FIELD_BAD, "v: not a string or an integer");
	field_ok("{\"v\":18446744073709551616}", 'k', FIELD_BAD,
	    "v: out of range");
	field_ok("{\"v\":\"x\"}", 'S', FIELD_OK, "0");
	field_ok("{\"v\":null}", 'S', FIELD_NONE, "");
	field_ok("{\"v\":{}}", 'S', FIELD_BAD, "v: not a string");
	field_ok("{\"v\":\"2026-11-22T08:30:00Z\"}", 'T', FIELD_OK,
	    "1795336200000");
	field_ok("{\"v\":\"\\u0032026-11-22\"}", 'T', FIELD_OK,
	    "1795305600000");
	field_ok("{\"v\":\"10000-01-01\"}", 'T', FIELD_BAD,
	    "v: not an RFC 3339 time");
	field_ok("{\"v\":\"Caf\\u00e9\"}", 'K', FIELD_OK, "Caf\xc3\xa9");
	field_ok("{\"v\":42}", 'K', FIELD_OK, "42");
	field_ok("{\"v\":-0.0}", 'K', FIELD_BAD,
	    "v: not a string or an integer");
	field_ok("{\"v\":99999999999999999999}", 'K', FIELD_BAD,
	    "v: out of range");
	field_ok("{\"w\":1}", 'K', FIELD_BAD, "no v");
	field_ok("{\"v\":\"\"}", 'K', FIELD_BAD, "v: empty");

	field_ok("{\"v\":2000}", 'p', FIELD_OK, "2000");
	field_ok("{\"v\":1e-300}", 'p', FIELD_OK, "1e-300");
	field_ok("{\"v\":0}", 'p', FIELD_BAD, "v: not positive");
	field_ok("{\"v\":-0.0}", 'p', FIELD_BAD, "v: not positive");
	field_ok("{\"v\":-3}", 'p', FIELD_BAD, "v: not positive");
	field_ok("{\"v\":1e301}", 'p', FIELD_BAD, "v: above 1e+300");
	field_ok("{\"v\":1e999}", 'p', FIELD_BAD, "v: out of range");
	field_ok("{\"v\":\"5\"}", 'p', FIELD_BAD, "v: not a number");
	field_ok("{\"v\":null}", 'p', FIELD_NONE, "");
	field_ok("{\"v\":\"2026-11-22T08:30:00Z\"}", 'o', FIELD_OK,
	    "1795336200000");
	field_ok("{\"v\":1795336200}", 'o', FIELD_OK, "1795336200000");
	field_ok("{\"v\":1795336200.25}", 'o', FIELD_OK, "1795336200250");
	field_ok("{\"v\":0}", 'o', FIELD_OK, "0");
	field_ok("{\"v\":-1}", 'o', FIELD_BAD, "v: before 1970");
	field_ok("{\"v\":253402300800}", 'o', FIELD_BAD, "v: after 9999");
	field_ok("{\"v\":1e999}", 'o', FIELD_BAD, "v: out of range");
	field_ok("{\"v\":\"soon\"}", 'o', FIELD_BAD,
	    "v: not an RFC 3339 time");
	field_ok("{\"v\":[1]}", 'o', FIELD_BAD,
	    "v: not an RFC 3339 time or seconds");

	/* the condition language of prediction options (lib/cond.h) */
	cond_ok("price_change_percent >= 1.0", 2000, 2020, 1, NULL);
	cond_ok("price_change_percent >= 1.0", 2000, 2019.99, 0, NULL);
	/* a change of exactly 1% is 1.0 despite binary fractions */
	cond_ok("price_change_percent == 1", 0.3, 0.303, 1, NULL);
	cond_ok("price_change_percent > -0.5 AND NOT (price_change_percent > 0)",
	    100, 99.8, 1, NULL);
	cond_ok("price_change < 0 or price > 1e3", 100, 1001, 1, NULL);
	cond_ok("price_change < 0 or price > 1e3", 100, 999, 0, NULL);
	cond_ok("start_price == 100 AND price != start_price", 100, 100, 0,
	    NULL);
	cond_ok("2000 <= price", 1, 2000, 1, NULL);
	cond_ok("-.5 < price_change", 1, 0.6, 1, NULL);
	cond_ok("NOT NOT (price_change_percent == 0)", 5, 5, 1, NULL);
	cond_ok("price_change_percent >= 1 AND price_change_percent < 2 OR "
	    "price < 0", 100, 101.5, 1, NULL);
	cond_ok("", 1, 1, -1, "column 1: empty condition");
	cond_ok("price =< 5", 1, 1, -1,
	    "column 7: '=<' is not an operator, use '<='");
	cond_ok("price = 5", 1, 1, -1,
	    "column 7: '=' is not an operator, use '=='");
	cond_ok("price > 5 && price < 9", 1, 1, -1,
	    "column 11: '&' is not an operator, use AND");
	cond_ok("1 < price < 3", 1, 1, -1,
	    "column 11: comparisons do not chain, join them with AND");
	cond_ok("(price > 1", 1, 1, -1,
	    "column 11: expected ')' to close the '(' at column 1, found end "
	    "of condition");
	cond_ok("price > 1e999", 1, 1, -1, "column 9: number out of range");
	cond_ok("price > 1.", 1, 2, 1, NULL);	/* as C reads it */
	cond_ok("price > 1..5", 1, 1, -1, "column 9: malformed number");
	cond_ok("price > 1e", 1, 1, -1, "column 9: malformed number");
	cond_ok("price > -", 1, 1, -1, "column 9: unexpected character '-'");
	cond_ok("price > 1111111111111111111111111111111111111111111111111111111"
	    "1111111111", 1, 1, -1, "column 9: number too long");
	cond_ok("price", 1, 1, -1, "column 6: expected a comparison "
	    "(< <= > >= == !=), found end of condition");
	cond_ok("cost > 1", 1, 1, -1, "column 1: unknown name 'cost' (the "
	    "variables are price_change_percent, price_change, price, "
	    "start_price)");
	cond_ok("price > 1 OR", 1, 1, -1,
	    "column 13: expected a variable or a number, found end of condition");
	{
		char deep[200];
		int i;

		for (i = 0; i < 40; i++)
			deep[i] = '(';
		snprintf(deep + i, sizeof(deep) - (size_t)i, "price > 1");
		cond_ok(deep, 1, 2, -1, "column 33: nested more than 32 deep");
	}
	{
		char *big = xcalloc(COND_MAX_LEN + 2, 1);

		memset(big, ' ', COND_MAX_LEN + 1);
		cond_ok(big, 1, 1, -1, "column 4097: longer than 4096 bytes");
		free(big);
	}
	{
		struct cond_vars v;

		check(cond_vars_set(&v, 0, 1) != 0 &&
		    cond_vars_set(&v, -1, 1) != 0 &&
		    cond_vars_set(&v, 1, 1.0 / 0.0) != 0 &&
		    cond_vars_set(&v, 2000, 1990) == 0 &&
		    v.price_change == -10 && v.price_change_percent == -0.5,
		    "cond_vars_set: a start price above 0 and finite prices",
		    NULL);
	}
	options_ok("{\"up\":\"price_change > 0\",\"down\":\"price_change <= 0\"}",
	    0, "");
	options_ok("{}", 0, "no options");
	options_ok("[1]", 0, "options is not an object of label: condition");
	options_ok("{\"\":\"price > 0\"}", 0, "option labels are 1 to 64 bytes");
	options_ok("{\"a\":1}", 0, "option a: the condition is not a string");
	options_ok("{\"a\":\"\",\"b\":null}", 1, "");
	options_ok("{\"a\":\"\"}", 0, "option a: column 1: empty condition");
	options_ok("{\"a\":null}", 0, "option a: the condition is not a string");
	options_ok("{\"a\":\"price >\"}", 1,
	    "option a: column 8: expected a variable or a number, found end of condition");
	pick_ok("{\"up\":\"price_change > 0\",\"down\":\"price_change <= 0\"}",
	    10, 11, "up");
	pick_ok("{\"up\":\"price_change > 0\",\"down\":\"price_change <= 0\"}",
	    10, 9, "down");
	pick_ok("{\"a\":\"price > 1\",\"b\":\"price > 2\"}", 10, 11,
	    "2 options hold (a, b) at price_change_percent 10");
	pick_ok("{\"a\":\"price > 100\"}", 10, 12.5,
	    "no option holds at price_change_percent 25 (price 12.5, start 10)");
	pick_ok("{}", 1, 1, "no options");
	pick_ok("\"x\"", 1, 1, "options are not an object");
	pick_ok("{\"a\":\"price >> 1\"}", 1, 1,
	    "option a: column 8: expected a variable or a number, found '>'");

	/* backoff: doubling from base, capped, equal jitter */
	{
		int ok = backoff_fixed_ms(10, 2000, 1) == 10 &&
		    backoff_fixed_ms(10, 2000, 4) == 80 &&
		    backoff_fixed_ms(10, 2000, 40) == 2000 &&
		    backoff_fixed_ms(0, 100, 1) == 1;

		for (int i = 0; i < 1000 && ok; i++) {
			int64_t d = backoff_ms(1000, 60000, 1 + i % 10);
			int64_t f = backoff_fixed_ms(1000, 60000, 1 + i % 10);

			ok = d >= f - f / 2 && d <= f;
		}
		check(ok, "backoff_ms: between half and all of the doubled "
		    "wait, capped", NULL);
	}
	/* queue intervals: ranges by rank, first match wins */
	{
		struct queue_intervals iv;
		const char *why = NULL;
		int ok;

		ok = queue_intervals_parse(QUEUE_INTERVALS_DEFAULT, &iv,
		    &why) == 0 && iv.n == 5 &&
		    queue_intervals_find(&iv, 100) == 86400000 &&
		    queue_intervals_find(&iv, 81) == 86400000 &&
		    queue_intervals_find(&iv, 80) == 2 * 86400000 &&
		    queue_intervals_find(&iv, 1) == 5 * 86400000LL &&
		    queue_intervals_find(&iv, 0) == -1 &&
		    queue_intervals_find(&iv, 101) == -1;
		check(ok, "queue_intervals: the default spec, its edges", why);
		ok = queue_intervals_parse("10-1:1h,5:1m,-3--1:2s", &iv,
		    &why) == 0 && iv.n == 3 &&
		    queue_intervals_find(&iv, 5) == 3600000 &&
		    queue_intervals_find(&iv, -2) == 2000 &&
		    queue_intervals_find(&iv, 11) == -1;
		check(ok, "queue_intervals: a reversed range, a single rank, "
		    "negative ranks; the first range that holds a rank wins",
		    why);
		ok = queue_intervals_parse("", &iv, &why) != 0 &&
		    strcmp(why, "empty") == 0 &&
		    queue_intervals_parse("1-5", &iv, &why) != 0 &&
		    strstr(why, "interval") != NULL &&
		    queue_intervals_parse("a-5:1d", &iv, &why) != 0 &&
		    strstr(why, "not a number") != NULL &&
		    queue_intervals_parse("1-5:0s", &iv, &why) != 0 &&
		    strstr(why, "duration") != NULL &&
		    queue_intervals_parse("1-5:1d,", &iv, &why) == 0 &&
		    iv.n == 1;
		check(ok, "queue_intervals: what is refused says why", why);
	}
	ftsexpr_ok("", NULL, NULL);
	ftsexpr_ok("!!! -- \"\" *", NULL, NULL);
	ftsexpr_ok("oil", "\"oil\"", NULL);
	ftsexpr_ok("\"oil\" AND (NEAR* -gas", "\"oil\" OR \"AND\" OR \"NEAR\""
	    " OR \"gas\"", "NEAR(\"oil\" \"NEAR\", 2) OR "
	    "NEAR(\"NEAR\" \"gas\", 2)");
	ftsexpr_ok("Layoffs at the utility's plant", "\"Layoffs\" OR \"at\" OR"
	    " \"the\" OR \"utility\" OR \"s\" OR \"plant\"",
	    "NEAR(\"Layoffs\" \"utility\", 2) OR NEAR(\"utility\" \"plant\", 2)");
	ftsexpr_ok("in the", "\"in\" OR \"the\"", "NEAR(\"in\" \"the\", 2)");
	ftsexpr_ok("café, Zürich", "\"café\" OR \"Zürich\"",
	    "NEAR(\"café\" \"Zürich\", 2)");
	ordered_checks();
	extract_checks();
	fts5rank_checks();
	printf("1..%d\n", n);
	return failed != 0;
}
