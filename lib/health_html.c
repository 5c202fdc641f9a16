/*
 * health_html.c - jobs-status(1)'s HTML page: one self-contained file
 * (no script, no request: a Content-Security-Policy allowing only its
 * own style), the jobs with their recent runs drawn as bars, the queues
 * and the failing feeds (see health.h).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "timefmt.h"
#include "util.h"

static void
html_text(FILE *fp, const char *s)
{
	char *c = health_clean(s ? s : "");

	for (const char *p = c; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: putc(*p, fp);
		}
	}
	free(c);
}

static const char *
status_colour(const char *s)
{
	static const struct { const char *status, *colour; } c[] = {
		{ "success", "#2e7d32" }, { "partial", "#9e9d24" },
		{ "failed", "#c62828" },
		{ "timeout", "#ef6c00" }, { "interrupted", "#6a1b9a" },
		{ "skipped", "#9e9e9e" }, { "running", "#1565c0" }
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (strcmp(c[i].status, s) == 0)
			return c[i].colour;
	return "#000000";
}

/* Bars of the recent runs, oldest left; height by duration. */
static void
html_bars(FILE *fp, const struct health_job *j)
{
	enum { BAR = 8, GAP = 2, HEIGHT = 32, MIN = 4 };
	int64_t max = 1;
	int w = j->nrecent * (BAR + GAP);
	char b[TIME_BUFSZ];

	for (int i = 0; i < j->nrecent; i++)
		if (j->recent[i].duration > max)
			max = j->recent[i].duration;
	fprintf(fp, "<svg class=\"runs\""
	    " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\""
	    " aria-label=\"recent runs of ", w > 0 ? w : 1, HEIGHT,
	    w > 0 ? w : 1, HEIGHT);
	html_text(fp, j->name);
	fputs("\">", fp);
	for (int k = 0; k < j->nrecent; k++) {
		const struct run *r = &j->recent[j->nrecent - 1 - k];
		double frac = r->duration > 0 ? sqrt((double)r->duration /
		    (double)max) : 0;
		int h = MIN + (int)(frac * (HEIGHT - MIN));

		fprintf(fp, "<rect class=\"run %s\" data-status=\"%s\""
		    " data-duration-ms=\"%lld\" x=\"%d\" y=\"%d\" width=\"%d\""
		    " height=\"%d\" fill=\"%s\"><title>run %lld: %s, ",
		    r->status, r->status, (long long)r->duration,
		    k * (BAR + GAP), HEIGHT - h, BAR, h,
		    status_colour(r->status), (long long)r->id, r->status);
		fputs(health_dur(r->duration, b), fp);
		fputs(", ", fp);
		html_text(fp, r->started_text);
		fputs("</title></rect>", fp);
	}
	fputs("</svg>", fp);
}

/* Text of several lines (an error) in a <pre>, its lines kept. */
static void
html_pre(FILE *fp, const char *cls, const char *s)
{
	const char *p = s, *nl;

	fprintf(fp, "<pre class=\"%s\">", cls);
	while (*p != '\0') {
		char *line;

		nl = strchr(p, '\n');
		line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
		html_text(fp, line);
		free(line);
		if (nl == NULL)
			break;
		putc('\n', fp);
		p = nl + 1;
	}
	fputs("</pre>", fp);
}

/* The order of the jobs on the page: worst first, then by name. */
static const struct health_report *sort_rep;

static int
worst_first(const void *a, const void *b)
{
	const struct health_job *x = &sort_rep->jobs[*(const int *)a];
	const struct health_job *y = &sort_rep->jobs[*(const int *)b];

	if (x->health != y->health)
		return x->health > y->health ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The health a person reads: a degraded job that is paused shows as
 * paused (its reasons tell the rest). */
static const char *
shown_health(const struct health_job *j)
{
	return j->paused && j->health == H_DEGRADED ? "paused" :
	    health_names[j->health];
}

void
health_html(FILE *fp, const struct health_report *rep)
{
	char b[4][TIME_BUFSZ];
	int *order = xcalloc((size_t)rep->njobs + 1, sizeof(*order));

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<meta http-equiv=\"refresh\" content=\"60\">\n"
	    "<title>jobline status</title>\n<style>\n"
	    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;"
	    "color:#212121}\n"
	    "table{border-collapse:collapse;margin-bottom:1.5em}\n"
	    "th,td{text-align:left;padding:.3em .8em;"
	    "border-bottom:1px solid #e0e0e0;vertical-align:middle;"
	    "white-space:nowrap}\n"
	    "th{font-weight:600;background:#fafafa}\n"
	    ".health{font-weight:600;padding:.1em .5em;border-radius:.3em;"
	    "color:#fff}\n"
	    ".healthy{background:#2e7d32}.degraded{background:#ef6c00}"
	    ".unhealthy{background:#c62828}.paused{background:#546e7a}\n"
	    "pre.error{margin:.2em 0 0;font-size:85%;color:#b71c1c;"
	    "white-space:pre-wrap;max-width:60em}\n"
	    ".why{color:#616161;font-size:90%;white-space:normal}\nsvg.runs{display:block}\n"
	    ".legend span{display:inline-block;width:.8em;height:.8em;"
	    "margin:0 .3em 0 1em}\n"
	    "</style>\n</head>\n<body>\n", fp);
	fprintf(fp, "<h1>jobline <span class=\"health %s\" id=\"overall\">"
	    "%s</span></h1>\n<p>Generated %s: %d jobs, %d unhealthy, "
	    "%d degraded.</p>\n", health_names[rep->health],
	    health_names[rep->health], time_format(rep->now, b[0]),
	    rep->njobs, rep->counts[H_UNHEALTHY], rep->counts[H_DEGRADED]);
	fputs("<p class=\"legend\">", fp);
	for (int s = 0; s < RUN_NCOUNTED; s++)
		fprintf(fp, "<span style=\"background:%s\"></span>%s",
		    status_colour(run_counted_names[s]), run_counted_names[s]);
	fprintf(fp, "<span style=\"background:%s\"></span>running</p>\n",
	    status_colour("running"));

	fputs("<h2>Jobs</h2>\n<table id=\"jobs\">\n<thead><tr><th>Job"
	    "<th>Health<th>Last run<th>Status<th>Duration<th>Success rate"
	    "<th>Failures<th>Expected<th>Recent runs</tr></thead>\n<tbody>\n",
	    fp);
	for (int i = 0; i < rep->njobs; i++)
		order[i] = i;
	sort_rep = rep;
	qsort(order, (size_t)rep->njobs, sizeof(*order), worst_first);
	for (int i = 0; i < rep->njobs; i++) {
		const struct health_job *j = &rep->jobs[order[i]];
		const struct run *l = &j->last;

		fputs("<tr class=\"job\" data-job=\"", fp);
		html_text(fp, j->name);
		fprintf(fp, "\" data-health=\"%s\"%s><td class=\"name\">",
		    health_names[j->health], j->paused ?
		    " data-paused=\"1\"" : "");
		html_text(fp, j->name);
		fprintf(fp, "<td><span class=\"health %s\">%s</span>",
		    shown_health(j), shown_health(j));
		if (*j->reasons) {
			fputs("<div class=\"why\">", fp);
			html_text(fp, j->reasons);
			fputs("</div>", fp);
		}
		fputs("<td>", fp);
		if (l->id) {
			char when[TIME_BUFSZ];

			html_text(fp, time_format(l->started, when));
			fprintf(fp, "<br><span class=\"why\">%s ago</span>",
			    health_age(rep->now, l->started, b[0]));
		} else {
			fputs("never", fp);
		}
		fprintf(fp, "<td class=\"status\">%s<td>%s<td>%s<td>%lld<td>%s"
		    "<td>", l->id ? (j->last_stale ? "stale" : l->status) :
		    "-", health_dur(l->id ? l->duration : -1, b[1]),
		    health_rate(j, b[2]), (long long)j->fails, j->expect_ms ?
		    duration_format(j->expect_ms, b[3]) : "-");
		html_bars(fp, j);
		fputs("</tr>\n", fp);
		/* what the last run said, for a job that is not well */
		if (j->health != H_HEALTHY && l->id && l->error != NULL &&
		    strcmp(l->status, "success") != 0) {
			fputs("<tr class=\"error\"><td><td colspan=\"8\">", fp);
			html_pre(fp, "error", l->error);
			fputs("</tr>\n", fp);
		}
	}
	fputs("</tbody>\n</table>\n", fp);
	free(order);

	if (rep->nqueues > 0) {
		fputs("<h2>Queues</h2>\n<table id=\"queues\">\n<thead><tr>"
		    "<th>Queue<th>Queued<th>Running<th>Failed<th>Dead"
		    "<th>Oldest waiting<th>Problem keys<th>Health</tr></thead>\n"
		    "<tbody>\n",
		    fp);
		for (int i = 0; i < rep->nqueues; i++) {
			const struct health_queue *q = &rep->queues[i];

			fprintf(fp, "<tr class=\"queue\" data-health=\"%s\">"
			    "<td>", health_names[q->health]);
			html_text(fp, q->name);
			fprintf(fp, "<td>%lld<td>%lld<td>%lld<td>%lld<td>%s"
			    "<td>%lld<td><span class=\"health %s\">%s</span>"
			    "</tr>\n", (long long)q->queued,
			    (long long)q->running, (long long)q->failed,
			    (long long)q->dead, q->oldest_age >= 0 ?
			    duration_format(q->oldest_age, b[0]) : "-",
			    (long long)q->problem_keys,
			    health_names[q->health], health_names[q->health]);
		}
		fputs("</tbody>\n</table>\n", fp);
	}
	if (rep->nfeeds > 0) {
		fputs("<h2>Failing feeds</h2>\n<table id=\"feeds\">\n<thead>"
		    "<tr><th>Feed<th>Failures<th>Last success<th>Error</tr>"
		    "</thead>\n<tbody>\n", fp);
		for (int i = 0; i < rep->nfeeds; i++) {
			const struct health_feed *f = &rep->feeds[i];

			fputs("<tr class=\"feed\"><td>", fp);
			html_text(fp, f->url);
			fprintf(fp, "<td>%lld<td>", (long long)f->failures);
			html_text(fp, f->last_success ? f->last_success :
			    "never");
			fputs("<td>", fp);
			html_text(fp, f->error);
			fputs("</tr>\n", fp);
		}
		fputs("</tbody>\n</table>\n", fp);
	}
	if (rep->ndead > 0) {
		fputs("<h2>Dead queue jobs</h2>\n<table id=\"dead\">\n<thead>"
		    "<tr><th>Queue<th>Key<th>Dead since<th>Error</tr>"
		    "</thead>\n<tbody>\n", fp);
		for (int i = 0; i < rep->ndead; i++) {
			const struct health_dead *d = &rep->dead[i];

			fputs("<tr class=\"dead\"><td>", fp);
			html_text(fp, d->queue);
			fputs("<td>", fp);
			html_text(fp, d->key ? d->key : "-");
			fputs("<td>", fp);
			html_text(fp, d->when ? d->when : "-");
			fputs("<td>", fp);
			if (d->error != NULL)
				html_pre(fp, "error", d->error);
			fputs("</tr>\n", fp);
		}
		fputs("</tbody>\n</table>\n", fp);
	}
	fputs("</body>\n</html>\n", fp);
}

