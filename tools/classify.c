/*
 * classify - label news items by business event, find the companies they
 * are about, their industries, a stated amount, and a priority.
 * See man/classify.1 and man/classify.5 (the rules file).  The engine is
 * in lib/: rules.c (the rules files), events.c (one item), companies.c,
 * evmodel.c (the model and its trainer), tokens.c, phrases.c, names.c.
 */
#define _GNU_SOURCE
#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "events.h"
#include "evmodel.h"
#include "jsonl.h"
#include "jsonscan.h"
#include "names.h"
#include "rules.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"

/* The labels the development targets are measured over (macro-F1). */
static const int ev_core[] = {
	EV_FUNDING, EV_ACQUISITION, EV_PARTNERSHIP, EV_HIRING, EV_EXPANSION,
	EV_LAUNCH
};

/* stdin and stdout buffers (glibc ignores the size without a buffer) */
static char inbuf[1 << 16], outbuf[1 << 16];

/* The input fields of a parsed record (strings owned by o). */
static void
input_from_object(struct evinput *in, json_object *o)
{
	static const char *const keys[3] = { "title", "summary", "content" };

	for (int f = 0; f < 3; f++) {
		in->text[f] = json_get_string(o, keys[f]);
		in->len[f] = in->text[f] ? strlen(in->text[f]) : 0;
	}
	in->published = json_get_string(o, "published");
	if (in->published == NULL)
		in->published = json_get_string(o, "updated");
}

/* ---- output ---- */

static const char *const own_keys[] = {
	"event_type", "event_confidence", "companies", "industries", "amount",
	"tracked", "priority", "explain"
};

/* Write the input record with the new fields appended. */
static void
write_item(struct jsonl_reader *r, json_object *o, struct evitem *it)
{
	const char *s = r->line;
	size_t n = r->len;
	int had = 0;

	for (size_t i = 0; i < sizeof(own_keys) / sizeof(*own_keys); i++)
		if (json_object_object_get_ex(o, own_keys[i], NULL)) {
			json_object_object_del(o, own_keys[i]);
			had = 1;
		}
	if (had)
		s = jsonl_text(o, &n);
	while (n > 0 && s[n - 1] != '}')
		n--;
	if (n == 0)
		return;
	fwrite(s, 1, n - 1, stdout);
	if (json_object_object_length(o) == 0)
		fwrite(it->out.s + 1, 1, it->out.len - 1, stdout);
	else
		fwrite(it->out.s, 1, it->out.len, stdout);
	fputs("}\n", stdout);
}

/* Write a record line unchanged but for the new fields at its end. */
static void
write_raw(const char *s, size_t n, struct evitem *it)
{
	size_t i = 1;

	while (n > 0 && s[n - 1] != '}')
		n--;
	if (n == 0)
		return;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	fwrite(s, 1, n - 1, stdout);
	if (i == n - 1)		/* {} */
		fwrite(it->out.s + 1, 1, it->out.len - 1, stdout);
	else
		fwrite(it->out.s, 1, it->out.len, stdout);
	fputs("}\n", stdout);
}

/*
 * Classify the current line and write it out.  The line is checked and
 * its fields picked out without building it (jsonscan); only a record
 * that already has classify's fields is parsed, to replace them.
 * Returns 0 when the line was reported bad.
 */
static int
classify_line(struct jsonl_reader *r, struct evitem *it)
{
	enum { F_TITLE, F_SUMMARY, F_CONTENT, F_PUBLISHED, F_UPDATED, F_OWN,
	    F_N = F_OWN + sizeof(own_keys) / sizeof(*own_keys) };
	static const char *const keys[F_OWN] = { "title", "summary",
	    "content", "published", "updated" };
	struct jscan_field f[F_N];
	struct evinput in;
	char *own[3] = { NULL, NULL, NULL }, pub[64];

	memset(f, 0, sizeof(f));
	for (int i = 0; i < F_N; i++)
		f[i].key = i < F_OWN ? keys[i] : own_keys[i - F_OWN];
	if (!jsonl_scan(r, f, F_N))
		return 0;
	for (int i = F_OWN; i < F_N; i++)
		if (f[i].found) {
			json_object *o = jsonl_parse(r);

			if (o == NULL)
				return 0;
			input_from_object(&in, o);
			evitem_classify(it, &in);
			write_item(r, o, it);
			json_object_put(o);
			return 1;
		}
	for (int k = 0; k < 3; k++) {
		in.text[k] = NULL;
		in.len[k] = 0;
		if (!f[k].found || !f[k].is_string)
			continue;
		if (f[k].escaped) {
			own[k] = jscan_string(&f[k]);
			in.text[k] = own[k];
			in.len[k] = strlen(own[k]);
		} else {
			in.text[k] = f[k].val;
			in.len[k] = f[k].len;
		}
	}
	in.published = NULL;
	for (int k = F_PUBLISHED; k <= F_UPDATED; k++)
		if (f[k].found && f[k].is_string && f[k].len < sizeof(pub)) {
			if (f[k].escaped) {
				char *v = jscan_string(&f[k]);

				snprintf(pub, sizeof(pub), "%s", v);
				free(v);
			} else {
				memcpy(pub, f[k].val, f[k].len);
				pub[f[k].len] = '\0';
			}
			in.published = pub;
			break;
		}
	evitem_classify(it, &in);
	write_raw(r->line, r->len, it);
	for (int k = 0; k < 3; k++)
		free(own[k]);
	return 1;
}

/* ---- evaluation ---- */

struct eval {
	unsigned long conf[EV_N][EV_N];	/* [gold][predicted] */
	unsigned long n;
	unsigned long c_tp, c_pred, c_gold;	/* companies */
	unsigned long c_items;
};

/* Labels of an item into out (event indexes); -1 on a bad label. */
static int
item_labels(struct jsonl_reader *r, json_object *o, int *out, int max)
{
	json_object *v;
	int n = 0;

	if (!json_object_object_get_ex(o, "labels", &v)) {
		jsonl_bad(r, "no labels");
		return -1;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);

		if ((out[0] = ev_lookup(s, strlen(s))) < 0) {
			jsonl_bad(r, "unknown label: %s", s);
			return -1;
		}
		return 1;
	}
	if (!json_object_is_type(v, json_type_array)) {
		jsonl_bad(r, "labels: not a list");
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(v) && n < max; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *s = json_object_get_string(e);

		if (!json_object_is_type(e, json_type_string) ||
		    (out[n] = ev_lookup(s, strlen(s))) < 0) {
			jsonl_bad(r, "unknown label: %s", s ? s : "?");
			return -1;
		}
		n++;
	}
	if (n == 0) {
		jsonl_bad(r, "labels: empty");
		return -1;
	}
	return n;
}

static void
eval_companies(struct eval *ev, json_object *o, struct evitem *it)
{
	json_object *g;
	uint64_t gold[32];
	size_t ng = 0, np = 0;
	char tmp[256];

	if (!json_object_object_get_ex(o, "companies", &g) ||
	    !json_object_is_type(g, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(g) && ng < 32; i++) {
		const char *s = json_object_get_string(
		    json_object_array_get_idx(g, i));

		if (s)
			gold[ng++] = company_key(s, strlen(s), tmp, sizeof(tmp));
	}
	ev->c_items++;
	ev->c_gold += ng;
	for (size_t i = 0; i < it->cs.nc && (int)np < it->r->max_companies;
	    i++) {
		struct cand *c = &it->cs.c[i];

		if (c->score <= 0)
			continue;
		np++;
		for (size_t k = 0; k < ng; k++)
			if (gold[k] == c->key) {
				ev->c_tp++;
				gold[k] = 0;
				break;
			}
	}
	ev->c_pred += np;
}

static double
f1(double p, double r)
{
	return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

static void
eval_report(struct eval *ev)
{
	double macro_core = 0, macro_all = 0;
	int nall = 0;
	unsigned long right = 0;

	printf("%-12s %6s %6s %6s %9s %7s %6s\n", "label", "gold", "pred",
	    "right", "precision", "recall", "f1");
	for (int l = 0; l < EV_N; l++) {
		unsigned long tp = ev->conf[l][l], gold = 0, pred = 0;
		double p, r;

		for (int k = 0; k < EV_N; k++) {
			gold += ev->conf[l][k];
			pred += ev->conf[k][l];
		}
		right += tp;
		p = pred ? (double)tp / pred : 0;
		r = gold ? (double)tp / gold : 0;
		printf("%-12s %6lu %6lu %6lu %9.3f %7.3f %6.3f\n", ev_names[l],
		    gold, pred, tp, p, r, f1(p, r));
		if (gold > 0 && l != EV_OTHER) {
			macro_all += f1(p, r);
			nall++;
		}
		for (size_t k = 0; k < sizeof(ev_core) / sizeof(*ev_core); k++)
			if (ev_core[k] == l)
				macro_core += f1(p, r);
	}
	printf("\nitems %lu, accuracy %.3f\n", ev->n,
	    ev->n ? (double)right / ev->n : 0);
	printf("macro-F1 funding acquisition partnership hiring expansion "
	    "launch: %.3f\n", macro_core / (sizeof(ev_core) /
	    sizeof(*ev_core)));
	printf("macro-F1 all event labels present (not other): %.3f\n",
	    nall ? macro_all / nall : 0);
	if (ev->c_items > 0) {
		double p = ev->c_pred ? (double)ev->c_tp / ev->c_pred : 0;
		double r = ev->c_gold ? (double)ev->c_tp / ev->c_gold : 0;

		printf("companies: %lu items, %lu gold, %lu found, %lu right: "
		    "precision %.3f recall %.3f f1 %.3f\n", ev->c_items,
		    ev->c_gold, ev->c_pred, ev->c_tp, p, r, f1(p, r));
	}
	printf("\nconfusion (rows gold, columns predicted):\n%-12s",
	    "");
	for (int k = 0; k < EV_N; k++)
		printf(" %5.5s", ev_names[k]);
	putchar('\n');
	for (int l = 0; l < EV_N; l++) {
		printf("%-12s", ev_names[l]);
		for (int k = 0; k < EV_N; k++)
			printf(" %5lu", ev->conf[l][k]);
		putchar('\n');
	}
}

/* ---- main ---- */

enum {
	OPT_RULES = OPT_FIRST_PRIVATE, OPT_TRACKED, OPT_MODEL, OPT_TRAIN,
	OPT_EVAL, OPT_EXPLAIN
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: classify [--rules FILE]... [--tracked FILE] "
	    "[--model FILE] [--explain] [-v]\n"
	    "       classify --train --model FILE [--rules FILE]... "
	    "< labelled\n"
	    "       classify --eval [--rules FILE]... [--tracked FILE] "
	    "[--model FILE] < labelled\n");
	exit(status);
}

/* Everything classify reads before any input. */
struct setup {
	struct rules *r;	/* the rules */
	struct names tracked;	/* tracked companies */
	struct evmodel m;	/* the model, when one is loaded */
	char *defpath;		/* the shipped rules' path, or NULL */
	char *own;		/* the operator's rules or model, or NULL */
};

/* The exit status for a file that could not be loaded (cfgfile.h): 3
 * when it cannot be read, 2 when it is refused. */
static int
load_status(int rc)
{
	return rc == CFG_UNREADABLE ? EXIT_FATAL : EXIT_USAGE;
}

/* Read the rules, the tracked companies and the model; exits on error. */
static void
setup_read(struct setup *s, const char *const *rules_files, int nrules,
    const char *tracked_file, const char *model_file, int train)
{
	char err[1024];
	int rc;

	s->r = rules_new();
	s->defpath = rules_find_default();
	s->r->default_path = s->defpath;
	if (nrules == 0) {
		const char *path = s->own = rules_config("rules");

		if (path == NULL && (path = s->defpath) == NULL)
			errx(EXIT_USAGE, "no default rules found; set "
			    "JOBLINE_SHARE or use --rules");
		if ((rc = rules_read(s->r, path)) != CFG_OK)
			errx(load_status(rc), "%s", s->r->err);
		free(s->own);
		s->own = NULL;
	}
	for (int i = 0; i < nrules; i++)
		if ((rc = rules_read(s->r, rules_files[i])) != CFG_OK)
			errx(load_status(rc), "%s", s->r->err);
	if (rules_finish(s->r) < 0)
		errx(EXIT_USAGE, "%s", s->r->err);
	if (tracked_file && (rc = tracked_read(&s->tracked, tracked_file, err,
	    sizeof(err))) != CFG_OK)
		errx(load_status(rc), "%s", err);
	if (model_file == NULL && !train)
		model_file = s->own = rules_config("model");
	if (model_file && !train && (rc = evmodel_load(&s->m, model_file, err,
	    sizeof(err))) != CFG_OK)
		errx(load_status(rc), "%s", err);
}

/* One labelled item of --train or --eval. */
static void
learn_item(struct jsonl_reader *r, json_object *o, struct evitem *it,
    struct evtrainer *tr, struct eval *ev)
{
	struct evinput in;
	int labels[EV_N];
	int nl = item_labels(r, o, labels, EV_N), gold;

	if (nl <= 0)
		return;
	if (tr) {
		unsigned bits = 0;

		for (int i = 0; i < nl; i++)
			bits |= 1u << labels[i];
		evtrainer_item(tr, bits);
		input_from_object(&in, o);
		evitem_classify(it, &in);
		evitem_words(it, evtrainer_feature, tr);
		evtrainer_rules(tr);
		evitem_rule_features(it, it->event, evtrainer_feature, tr);
		evtrainer_said(tr, it->event, it->conf);
		return;
	}
	gold = labels[0];
	input_from_object(&in, o);
	evitem_classify(it, &in);
	for (int i = 0; i < nl; i++)
		if (labels[i] == it->event)
			gold = it->event;
	if (gold != it->event)
		for (int i = 0; i < nl; i++)
			if (labels[i] != EV_OTHER) {
				gold = labels[i];
				break;
			}
	ev->conf[gold][it->event]++;
	ev->n++;
	eval_companies(ev, o, it);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "tracked", required_argument, NULL, OPT_TRACKED },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "train", no_argument, NULL, OPT_TRAIN },
		{ "eval", no_argument, NULL, OPT_EVAL },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	const char *rules_files[16], *tracked_file = NULL, *model_file = NULL;
	int nrules = 0, train = 0, eval = 0, explain = 0, verbose = 0;
	int ch, status = EXIT_OK;
	struct setup su;
	struct jsonl_reader r;
	struct evitem it;
	struct evtrainer tr;
	struct eval ev;
	json_object *o;
	unsigned long nread = 0, counts[EV_N] = { 0 }, ntracked = 0;
	int64_t t0 = time_mono(), last_progress = 0;
	int show_progress;

	while ((ch = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_RULES:
			if (nrules == 16)
				errx(EXIT_USAGE, "at most 16 --rules");
			rules_files[nrules++] = optarg;
			break;
		case OPT_TRACKED:
			tracked_file = optarg;
			break;
		case OPT_MODEL:
			model_file = optarg;
			break;
		case OPT_TRAIN:
			train = 1;
			break;
		case OPT_EVAL:
			eval = 1;
			break;
		case OPT_EXPLAIN:
			explain = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'q':
			verbose = 0;
			break;
		case 'h':
			usage(stdout, EXIT_OK);
			break;
		case OPT_VERSION:
			version_exit();
			break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EXIT_USAGE);
	if (train && eval) {
		warnx("--train and --eval exclude each other");
		usage(stderr, EXIT_USAGE);
	}
	if (train && model_file == NULL) {
		warnx("--train needs --model FILE to write");
		usage(stderr, EXIT_USAGE);
	}

	/* everything is read and checked before any input */
	memset(&su, 0, sizeof(su));
	setup_read(&su, rules_files, nrules, tracked_file, model_file, train);
	if (verbose)
		warnx("%zu terms (%zu patterns), %zu industries, %zu "
		    "gazetteer names, %zu tracked, model %s", su.r->nterms,
		    su.r->nregex, su.r->nindustries, su.r->gaz.n,
		    su.tracked.n, su.m.loaded ? "loaded" : "none");

	evitem_init(&it, su.r, &su.tracked, &su.m, time_now(), explain,
	    su.m.loaded || train);
	memset(&tr, 0, sizeof(tr));
	tr.verbose = verbose;
	memset(&ev, 0, sizeof(ev));
	sig_catch();
	show_progress = progress_wanted() && (train || eval);
	/* bigger buffers: fewer read and write calls on the hot path; the
	 * output is flushed whenever no further line is waiting, so that a
	 * pipeline sees each item as soon as its input has dried up */
	setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf));
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	jsonl_init(&r, stdin, "stdin");
	while (!sig_caught && jsonl_next_line(&r) != NULL) {
		if (!train && !eval) {
			if (classify_line(&r, &it)) {
				nread++;
				counts[it.event]++;
				ntracked += it.cs.tracked;
			}
			if (!jsonl_ready(stdin))
				fflush(stdout);
		} else if ((o = jsonl_parse(&r)) != NULL) {
			nread++;
			learn_item(&r, o, &it, train ? &tr : NULL, &ev);
			json_object_put(o);
		} else
			continue;
		if (show_progress && time_mono() - last_progress >= 200) {
			last_progress = time_mono();
			fprintf(stderr, "\rclassify: %lu items", nread);
		}
	}
	if (show_progress)
		fprintf(stderr, "\rclassify: %lu items\n", nread);
	if (train && !sig_caught) {
		char err[1024];

		if (evtrainer_write(&tr, model_file, err, sizeof(err)) < 0)
			errx(EXIT_FATAL, "%s", err);
	}
	if (eval && !sig_caught)
		eval_report(&ev);

	stats_add("items_classified", (int64_t)nread);
	stats_add("items_bad", (int64_t)r.bad);
	stats_add("items_tracked", (int64_t)ntracked);
	stats_add("items_other", (int64_t)counts[EV_OTHER]);
	stats_flush();
	if (verbose) {
		double secs = (double)(time_mono() - t0) / 1000;

		warnx("%lu items, %lu bad, %lu tracked, %.2fs", nread, r.bad,
		    ntracked, secs);
		if (!train && !eval)
			for (int e = 0; e < EV_N; e++)
				if (counts[e])
					warnx("  %-12s %lu", ev_names[e],
					    counts[e]);
	}
	if (r.bad > 0 || r.error != 0)
		status = EXIT_PARTIAL;
	jsonl_free(&r);
	evitem_free(&it);
	evtrainer_free(&tr);
	rules_free(su.r);
	names_free(&su.tracked);
	evmodel_free(&su.m);
	free(su.defpath);
	free(su.own);
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
