/*
 * jobs-status - the health of every run-job job, queue and feed: a table,
 * plain text, JSON, Prometheus text or an HTML page; the exit status of a
 * monitoring plugin.  See man/jobs-status.1.
 */
#define _GNU_SOURCE
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "health.h"
#include "outfile.h"
#include "timefmt.h"
#include "util.h"

enum format { F_AUTO, F_JSON, F_PROMETHEUS, F_HTML };

enum {
	OPT_JSON = OPT_FIRST_PRIVATE, OPT_PROMETHEUS, OPT_HTML, OPT_FEEDS
};

/*
 * What an UNKNOWN exit (3, from anywhere once the options are read) still
 * owes its reader: the monitoring-plugin line on stdout, and in a file
 * named with -o a report saying that nothing could be read rather than
 * yesterday's figures.
 */
static struct {
	int armed;		/* the options are read */
	int done;		/* the report was written */
	enum format fmt;	/* the report's format */
	const char *output;	/* -o FILE, or NULL for stdout */
	int quiet;		/* -q: nothing on stdout */
	char why[512];		/* the status line's reason */
} unknown;

static void
unknown_report(void)
{
	struct outfile out;
	char buf[TIME_BUFSZ];

	if (!unknown.armed || unknown.done || unknown.fmt == F_HTML ||
	    (unknown.quiet && unknown.output == NULL))
		return;
	unknown.done = 1;
	if (outfile_open(&out, unknown.output, 0644) != 0) {
		outfile_abort(&out);
		return;
	}
	if (unknown.fmt == F_PROMETHEUS)
		health_prometheus_down(out.fp, time_now());
	else if (unknown.fmt == F_JSON)
		fprintf(out.fp, "{\"generatedAt\":\"%s\",\"health\":\"unknown\","
		    "\"healthy\":false,\"jobs\":[]}\n",
		    time_format_ms(time_now(), buf));
	else
		fprintf(out.fp, "JOBS UNKNOWN - %s\n", unknown.why);
	if (outfile_commit(&out) != 0)
		outfile_abort(&out);
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: jobs-status [--db PATH] [--json | --prometheus | "
	    "--html FILE] [-o FILE]\n"
	    "                   [-n RUNS] [--feed-failures N] [-q] [NAME]\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "output", required_argument, NULL, 'o' },
		{ "runs", required_argument, NULL, 'n' },
		{ "feed-failures", required_argument, NULL, OPT_FEEDS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	enum format fmt = F_AUTO;
	const char *db_path = NULL, *output = NULL, *html = NULL, *only;
	long nruns = -1, feed_fail = 3;
	int c, quiet = 0, nformats = 0, status;
	struct health_report rep;
	struct outfile out;
	struct db *db;

	while ((c = getopt_long(argc, argv, "o:n:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: db_path = optarg; break;
		case OPT_JSON: fmt = F_JSON; nformats++; break;
		case OPT_PROMETHEUS: fmt = F_PROMETHEUS; nformats++; break;
		case OPT_HTML: fmt = F_HTML; html = optarg; nformats++; break;
		case 'o': output = optarg; break;
		case 'n':
			if (!parse_long(optarg, 0, 100000, &nruns)) {
				warnx("-n: not a count: %s", optarg);
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_FEEDS:
			if (!parse_long(optarg, 0, 1000000, &feed_fail)) {
				warnx("--feed-failures: not a count: %s",
				    optarg);
				usage(stderr, EXIT_USAGE);
			}
			break;
		case 'q': quiet = 1; break;
		case 'v': break;
		case 'h': usage(stdout, EXIT_OK); break;
		case OPT_VERSION: version_exit();
		default: usage(stderr, EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || nformats > 1 || (html != NULL && output != NULL)) {
		warnx(argc > 1 ? "one job name at most" :
		    "one of --json, --prometheus, --html FILE");
		usage(stderr, EXIT_USAGE);
	}
	only = argc == 1 ? argv[0] : NULL;
	if (fmt == F_HTML)
		output = html;
	if (nruns < 0)
		nruns = only ? 100 : fmt == F_HTML ? 50 : 10;

	/* a store that is not there is UNKNOWN ("no store at PATH", from
	 * db_open), not a new empty one */
	if (db_path == NULL) {
		const char *e = getenv("JOBLINE_DB");

		db_path = e && *e ? e : NULL;
	}
	if (output != NULL && strcmp(output, "-") == 0)
		output = NULL;
	unknown.fmt = fmt;
	unknown.output = output;
	unknown.quiet = quiet;
	/* not the address given: a URI may carry a password */
	snprintf(unknown.why, sizeof(unknown.why), "cannot read the store");
	unknown.armed = 1;
	atexit(unknown_report);
	db = db_open(db_path, DB_READONLY);
	snprintf(unknown.why, sizeof(unknown.why), "cannot read the store %s",
	    db_name(db));
	health_load(db, &rep, only, (int)nruns, (int)feed_fail, time_now());
	if (only != NULL && rep.njobs == 0) {
		snprintf(unknown.why, sizeof(unknown.why), "%s: no such job",
		    only);
		errx(H_UNKNOWN, "%s: no such job", only);
	}

	if (outfile_open(&out, output, 0644) != 0)
		err(H_UNKNOWN, "%s", out.failed);
	unknown.done = 1;
	if (!quiet || output != NULL) {
		switch (fmt) {
		case F_JSON: health_json(out.fp, &rep); break;
		case F_PROMETHEUS: health_prometheus(out.fp, &rep); break;
		case F_HTML: health_html(out.fp, &rep); break;
		default: health_text(out.fp, &rep, output == NULL &&
		    isatty(STDOUT_FILENO));
		}
	}
	if (outfile_commit(&out) != 0) {
		warn("%s", out.failed);
		outfile_abort(&out);
		exit(H_UNKNOWN);
	}
	status = rep.health;
	health_free(&rep);
	db_close(db);
	exit_flush(status);
}
