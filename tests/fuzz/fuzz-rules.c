/* fuzz-rules: the classify rules file (man/classify.5), read by
 * lib/rules.c.  Each input is written to a file in a private directory
 * (includes and lists resolve beside it, "include default" reads a small
 * second file there) and read as classify reads --rules.  Properties: a
 * file is accepted or refused with "file:line: reason" (a line of the
 * file: bad patterns and every other error in it); a file that parses parses
 * again to the same rules, and its patterns run; nothing leaks either
 * way. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "cfgfile.h"
#include "rules.h"

#include "fuzz.h"

static char dir[64], path[96], defpath[96];
static pcre2_match_context *mctx;
static pcre2_match_data *mdata;

/* What a parse gave: enough to tell two parses apart. */
struct outcome {
	int rc;
	size_t nfiles, nterms, nregex, nindustries, ncur, nforms;
	size_t gaz, legal, keep, stop, common, breaks, before, after;
	double w_title, min_score;
	int max_companies;
	uint64_t terms;		/* hash of the terms' texts, targets, lines */
	char err[sizeof(((struct rules *)0)->err)];
};

static void
cleanup(void)
{
	unlink(path);
	unlink(defpath);
	rmdir(dir);
}

static void
setup(void)
{
	FILE *fp;

	snprintf(dir, sizeof(dir), "/tmp/fuzz-rules.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/rules", dir);
	snprintf(defpath, sizeof(defpath), "%s/default", dir);
	if ((fp = fopen(defpath, "w")) == NULL)
		abort();
	fputs("event funding strength 50\n3: raises, funding round\n"
	    "2: /\\bseries [a-f]\\b/\ncompanies\nlegal: Inc, Ltd\n"
	    "currency USD: $, usd, us$\n", fp);
	fclose(fp);
	atexit(cleanup);
	mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mctx, 100000);
	pcre2_set_depth_limit(mctx, 10000);
	mdata = pcre2_match_data_create(8, NULL);
}

static void
parse(struct outcome *o)
{
	static const char sample[] = "acme inc raises $5 million in a "
	    "series a funding round, café 3.5% — 東京";
	XXH3_state_t *h = XXH3_createState();
	struct rules *r = rules_new();

	memset(o, 0, sizeof(*o));
	r->default_path = defpath;
	o->rc = rules_read(r, path) == CFG_OK ? 0 : -1;
	if (o->rc == 0)
		o->rc = rules_finish(r);
	snprintf(o->err, sizeof(o->err), "%s", r->err);
	o->nfiles = r->nfiles;
	o->nterms = r->nterms;
	o->nregex = r->nregex;
	o->nindustries = r->nindustries;
	o->ncur = r->ncur;
	o->nforms = r->nforms;
	o->gaz = r->gaz.n;
	o->legal = r->legal.n;
	o->keep = r->keep.n;
	o->stop = r->stop.n;
	o->common = r->common.n;
	o->breaks = r->breaks.n;
	o->before = r->before.n;
	o->after = r->after.n;
	o->w_title = r->w_title;
	o->min_score = r->min_score;
	o->max_companies = r->max_companies;
	XXH3_64bits_reset(h);
	for (size_t i = 0; i < r->nterms; i++) {
		const struct term *t = &r->terms[i];

		FUZZ_CHECK(t->line >= 1 && t->src >= 0 &&
		    (size_t)t->src < r->nfiles, "a term knows its file:line");
		FUZZ_CHECK(t->kind != T_EVENT || (t->target >= 0 &&
		    t->target < EV_N), "an event term has an event");
		FUZZ_CHECK(t->kind != T_INDUSTRY || (t->target >= 0 &&
		    (size_t)t->target < r->nindustries),
		    "an industry term has an industry");
		FUZZ_CHECK(isfinite(t->weight), "weights are numbers");
		XXH3_64bits_update(h, t->text, strlen(t->text) + 1);
		XXH3_64bits_update(h, &t->target, sizeof(t->target));
		XXH3_64bits_update(h, &t->line, sizeof(t->line));
		if (o->rc == 0 && t->re != NULL) {
			int mrc = pcre2_match(t->re, (PCRE2_SPTR)sample,
			    sizeof(sample) - 1, 0, 0, mdata, mctx);

			FUZZ_CHECK(mrc >= 0 || mrc == PCRE2_ERROR_NOMATCH ||
			    mrc == PCRE2_ERROR_MATCHLIMIT ||
			    mrc == PCRE2_ERROR_DEPTHLIMIT ||
			    mrc == PCRE2_ERROR_JIT_STACKLIMIT,
			    "a pattern that compiled runs");
		}
	}
	if (o->rc == 0 && r->amount_re != NULL) {
		int mrc = pcre2_match(r->amount_re, (PCRE2_SPTR)sample,
		    sizeof(sample) - 1, 0, 0, mdata, mctx);

		FUZZ_CHECK(mrc >= 0 || mrc == PCRE2_ERROR_NOMATCH ||
		    mrc == PCRE2_ERROR_MATCHLIMIT ||
		    mrc == PCRE2_ERROR_JIT_STACKLIMIT,
		    "the amount pattern runs");
	}
	o->terms = XXH3_64bits_digest(h);
	XXH3_freeState(h);
	rules_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct outcome a, b;
	FILE *fp;
	size_t lines = 1;

	if (!ready) {
		setup();
		ready = 1;
	}
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';

	parse(&a);
	if (a.rc != 0) {
		int line;
		size_t pl = strlen(path);

		FUZZ_CHECK(a.rc == -1 && a.err[0] != '\0',
		    "a refused file says why");
		FUZZ_CHECK(strncmp(a.err, path, pl) != 0 ||
		    a.err[pl] != ':' || a.err[pl + 1] != ' ',
		    "an error in the file names its line");
		if (strncmp(a.err, path, pl) == 0 && a.err[pl] == ':') {
			line = atoi(a.err + pl + 1);
			FUZZ_CHECK(line >= 1 && (size_t)line <= lines,
			    "an error names a line of the file");
			FUZZ_CHECK(a.err[pl + 1 + strspn(a.err + pl + 1,
			    "0123456789")] == ':', "file:line: reason");
		} else
			FUZZ_CHECK(strncmp(a.err, dir, strlen(dir)) == 0 ||
			    a.err[0] == '/' ||
			    strncmp(a.err, "currency forms ", 15) == 0,
			    "an error names its file");
	}
	parse(&b);
	FUZZ_CHECK(a.rc == b.rc && strcmp(a.err, b.err) == 0,
	    "a second parse gives the same verdict");
	FUZZ_CHECK(a.nfiles == b.nfiles && a.nterms == b.nterms &&
	    a.nregex == b.nregex && a.nindustries == b.nindustries &&
	    a.ncur == b.ncur && a.nforms == b.nforms && a.gaz == b.gaz &&
	    a.legal == b.legal && a.keep == b.keep && a.stop == b.stop &&
	    a.common == b.common && a.breaks == b.breaks &&
	    a.before == b.before && a.after == b.after &&
	    a.w_title == b.w_title && a.min_score == b.min_score &&
	    a.max_companies == b.max_companies && a.terms == b.terms,
	    "a second parse gives the same rules");
	return 0;
}
