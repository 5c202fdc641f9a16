/* worker.c - dequeue's engine: commands for the jobs of a queue (see worker.h) */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"
#include "dbstmt.h"
#include "jsonl.h"
#include "proc.h"
#include "sig.h"
#include "timefmt.h"
#include "util.h"
#include "worker.h"

/* Output of a command kept in memory (its tail), shown when it fails. */
#define OUT_MAX (64 * 1024)
/* Tail of that output kept as the job's last_error. */
#define ERROR_MAX 2000
/* Input up to this size goes through a pipe, larger a file. */
#define PIPE_INPUT_MAX 60000
/* Longest result line of a batch read; a longer one is refused. */
#define RESULT_MAX (64 * 1024)
/* With keep_ms: how often done jobs are pruned while working. */
#define PRUNE_EVERY_MS 60000
/* After the grace period: SIGTERM, then SIGKILL this much later. */
#define KILL_AFTER_MS 5000

/* What became of a job of a running command. */
enum fate {
	FATE_RUN,		/* running: the end (or a result line) decides */
	FATE_LOST,		/* lease lost to another worker: discarded */
	FATE_RELEASED,		/* stopped at shutdown: given back at the end */
	FATE_RECORDED		/* its result line is recorded (a batch) */
};

/* A running command and the jobs it works. */
struct child {
	struct proc *p;		/* NULL: the slot is free */
	struct queue_job *jobs;	/* the claims; owned */
	enum fate *fate;	/* each one's; owned */
	int njobs;		/* how many: 1, or up to the batch size */
	int64_t started;	/* time_mono at start */
	int64_t renew_at;	/* time_mono of the next lease renewal */
	int res_fd;		/* a batch's result lines, read end, or -1 */
	char *res;		/* a result line not yet ended; owned */
	size_t reslen;		/* its length */
	int res_cut;		/* that line passed RESULT_MAX: refused */
	unsigned long lineno;	/* result lines read */
};

/* The worker. */
struct worker {
	struct db *db;		/* the store; not owned */
	struct queue_db *q;	/* statements on the queue; not owned */
	const struct worker_opts *o; /* how; not owned */
	struct worker_counts *n; /* the counts; not owned */
	char **env;		/* our environment without the job's variables */
	size_t nenv;		/* its length */
	struct child *kids;	/* o->jobs slots */
	int running;		/* slots in use */
	int listen_fd;		/* new jobs are announced here, or -1 */
	int woken;		/* a job was announced: look at once */
	int freed;		/* a command ended: look at once */
};

long
worker_prune(struct db *db, const char *queue, int64_t age_ms)
{
	int64_t t = db_now(db) - age_ms, n;
	long total = 0;

	/* in batches, so workers are never locked out for long */
	do {
		n = queue_prune_done(db, queue, t, 10000);
		total += (long)n;
	} while (n > 0 && !sig_caught);
	return total;
}

/* A transaction for several writes, unless one is open already; 1 when
 * this call opened it. */
static int
tx_begin(struct worker *w, int writes)
{
	if (writes < 2 || db_in_transaction(w->db))
		return 0;
	db_begin(w->db);
	return 1;
}

/* ---- starting a command ---- */

/* An fd to read s[0..n) from: a pipe holding it, or an unlinked file. */
static int
input_fd(const char *s, size_t n)
{
	char path[4096];
	const char *tmp = getenv("TMPDIR");
	int p[2], fd;

	if (n < PIPE_INPUT_MAX) {
		if (pipe2(p, O_CLOEXEC) != 0)
			err(EXIT_FATAL, "pipe");
		/* an empty pipe holds 64 KiB: this write cannot block */
		if (write(p[1], s, n) != (ssize_t)n)
			err(EXIT_FATAL, "pipe");
		close(p[1]);
		return p[0];
	}
	snprintf(path, sizeof(path), "%s/dequeue.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0)
		err(EXIT_FATAL, "%s", path);
	unlink(path);
	if (write(fd, s, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0)
		err(EXIT_FATAL, "%s", path);
	return fd;
}

/* The environment without the variables dequeue sets for a job. */
static void
env_init(struct worker *w)
{
	static const char *const ours[] = { "JOBLINE_JOB_ID=",
	    "JOBLINE_ATTEMPT=", "JOBLINE_QUEUE=", "JOBLINE_JOB_KEY=", NULL };

	w->env = proc_env(ours, NULL);
	for (w->nenv = 0; w->env[w->nenv] != NULL; w->nenv++)
		;
}

/* The stdin of c's command: the payload line, or a batch's job lines. */
static int
child_input(struct worker *w, struct child *c)
{
	const char *queue = queue_db_name(w->q);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int fd;

	if (w->o->batch == 0) {
		const struct queue_job *j = &c->jobs[0];

		buf = xmalloc(strlen(j->payload) + 2);
		len = (size_t)sprintf(buf, "%s\n", j->payload);
	} else {
		if ((fp = open_memstream(&buf, &len)) == NULL)
			die_nomem();
		for (int i = 0; i < c->njobs; i++) {
			const struct queue_job *j = &c->jobs[i];

			fprintf(fp, "{\"id\":%lld,\"queue\":", j->id);
			jsonl_put_string(fp, queue, strlen(queue));
			fputs(",\"key\":", fp);
			if (j->key != NULL)
				jsonl_put_string(fp, j->key, strlen(j->key));
			else
				fputs("null", fp);
			fprintf(fp, ",\"attempt\":%lld,\"payload\":%s}\n",
			    j->attempt, j->payload);
		}
		if (fclose(fp) != 0)
			die_nomem();
	}
	fd = input_fd(buf, len);
	free(buf);
	return fd;
}

static void
start(struct worker *w, struct child *c)
{
	const struct queue_job *j = &c->jobs[0];
	char **envp = xcalloc(w->nenv + 5, sizeof(*envp));
	char *vars[4] = { NULL, NULL, NULL, NULL };
	struct proc_spec spec;
	size_t k = w->nenv;
	int in = child_input(w, c), res[2] = { -1, -1 };

	memcpy(envp, w->env, w->nenv * sizeof(*envp));
	if (asprintf(&vars[0], "JOBLINE_QUEUE=%s", queue_db_name(w->q)) < 0 ||
	    (w->o->batch == 0 &&
	    (asprintf(&vars[1], "JOBLINE_JOB_ID=%lld", j->id) < 0 ||
	    asprintf(&vars[2], "JOBLINE_ATTEMPT=%lld", j->attempt) < 0 ||
	    (j->key != NULL &&
	    asprintf(&vars[3], "JOBLINE_JOB_KEY=%s", j->key) < 0))))
		die_nomem();
	/* JOBLINE_JOB_ID, _ATTEMPT, _QUEUE, _JOB_KEY, in that order */
	for (int i = 1; i < 3; i++)
		if (vars[i] != NULL)
			envp[k++] = vars[i];
	envp[k++] = vars[0];
	if (vars[3] != NULL)
		envp[k++] = vars[3];
	/* a group of its own, led by a guardian that kills all of it
	 * when this worker dies: a killed worker's job is not still
	 * running, pipeline stages and all, when its lease is taken over */
	memset(&spec, 0, sizeof(spec));
	spec.argv = w->o->argv;
	spec.envp = envp;
	spec.in_fd = in;
	spec.keep = OUT_MAX;
	if (w->o->batch > 0) {
		if (pipe2(res, O_CLOEXEC) != 0)
			err(EXIT_FATAL, "pipe");
		spec.out_fd = res[1];
	} else {
		spec.merge = 1;
	}
	fflush(stdout);
	fflush(stderr);
	c->p = proc_start(&spec);
	for (int i = 0; i < 4; i++)
		free(vars[i]);
	free(envp);
	close(in);
	c->res_fd = res[0];
	if (res[1] >= 0) {
		close(res[1]);
		fcntl(res[0], F_SETFL, fcntl(res[0], F_GETFL) | O_NONBLOCK);
	}
	c->reslen = 0;
	c->res_cut = 0;
	c->lineno = 0;
	c->started = time_mono();
	c->renew_at = c->started + w->o->lease_ms / 3;
	for (int i = 0; i < c->njobs; i++)
		c->fate[i] = FATE_RUN;
	w->running++;
	if (w->o->verbose && w->o->batch == 0)
		warnx("job %lld: attempt %lld/%lld: started (pid %ld)",
		    j->id, j->attempt, j->max_attempts, (long)proc_pid(c->p));
	else if (w->o->verbose)
		warnx("batch of %d jobs (%lld...): started (pid %ld)",
		    c->njobs, j->id, (long)proc_pid(c->p));
}

/* ---- outcomes ---- */

/* A command's output on stderr, each line prefixed with who it is. */
static void
show_output(struct child *c, int stream, const char *who)
{
	char *text = proc_tail(c->p, stream, 0);
	const char *p = text, *nl;

	if (proc_total(c->p, stream) > proc_kept(c->p, stream))
		fprintf(stderr, "dequeue: %s: ...\n", who);
	while (*p) {
		nl = strchr(p, '\n');
		fprintf(stderr, "dequeue: %s: %.*s\n", who,
		    (int)(nl ? nl - p : (ptrdiff_t)strlen(p)), p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	free(text);
}

/* One result line on stdout; x: how the command ended, when that
 * decided. */
static void
result_line(struct worker *w, const struct queue_job *j, const char *state,
    int64_t ms, const char *retry_at, const struct proc_exit *x)
{
	const char *queue = queue_db_name(w->q);

	if (w->o->quiet)
		return;
	printf("{\"id\":%lld,\"queue\":", j->id);
	jsonl_put_string(stdout, queue, strlen(queue));
	if (j->key != NULL) {
		fputs(",\"key\":", stdout);
		jsonl_put_string(stdout, j->key, strlen(j->key));
	}
	printf(",\"attempt\":%lld,\"state\":\"%s\"", j->attempt, state);
	if (x != NULL && x->signo == 0)
		printf(",\"exit_code\":%d", x->code);
	else if (x != NULL)
		printf(",\"signal\":%d", x->signo);
	printf(",\"duration_ms\":%lld", (long long)ms);
	if (retry_at != NULL)
		printf(",\"run_after\":\"%s\"", retry_at);
	fputs("}\n", stdout);
	fflush(stdout);
}

/* Done: recorded, or lost when the attempt no longer holds the job. */
static void
job_done(struct worker *w, const struct queue_job *j, int64_t ms,
    const struct proc_exit *x)
{
	if (queue_done(w->q, j->id, j->attempt, db_now(w->db))) {
		w->n->done++;
		if (w->o->verbose)
			warnx("job %lld: done in %lld ms", j->id, (long long)ms);
		result_line(w, j, "done", ms, NULL, x);
	} else {
		w->n->lost++;
		warnx("job %lld: attempt %lld no longer holds the job; "
		    "done not recorded", j->id, j->attempt);
		result_line(w, j, "lost", ms, NULL, x);
	}
}

/* Failed with the error "how: text": retry later, or dead. */
static void
job_failed(struct worker *w, const struct queue_job *j, const char *how,
    const char *text, int64_t ms, const struct proc_exit *x)
{
	int64_t now = db_now(w->db);
	int64_t retry = now + backoff_ms(w->o->backoff_ms, QUEUE_BACKOFF_CAP_MS,
	    j->attempt);
	char when[TIME_BUFSZ], *error;
	int dead;

	if (asprintf(&error, "%s%s%s", how, *text ? ": " : "", text) < 0)
		die_nomem();
	if (!queue_fail(w->q, j->id, j->attempt, now, retry, error, &dead)) {
		w->n->lost++;
		warnx("job %lld: attempt %lld no longer holds the job; "
		    "failure not recorded", j->id, j->attempt);
		result_line(w, j, "lost", ms, NULL, x);
	} else if (dead) {
		w->n->dead++;
		warnx("job %lld: attempt %lld/%lld failed (%s): dead", j->id,
		    j->attempt, j->max_attempts, how);
		result_line(w, j, "dead", ms, NULL, x);
	} else {
		w->n->failed++;
		time_format_ms(retry, when);
		warnx("job %lld: attempt %lld/%lld failed (%s): retry at %s",
		    j->id, j->attempt, j->max_attempts, how, when);
		result_line(w, j, "failed", ms, when, x);
	}
	free(error);
}

/* One result line of a batch: {"id": ID, "ok": BOOL, "error": TEXT}. */
static void
batch_result(struct worker *w, struct child *c, const char *line)
{
	json_object *o = json_tokener_parse(line), *ok;
	const char *why = NULL, *error;
	long long id;
	int i = 0;

	c->lineno++;
	if (o == NULL || !json_object_is_type(o, json_type_object))
		why = "not a JSON object";
	else if (!json_get_int64(o, "id", &id))
		why = "no id";
	else if (!json_object_object_get_ex(o, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean))
		why = "no ok: true or false";
	if (why == NULL) {
		for (i = 0; i < c->njobs && c->jobs[i].id != id; i++)
			;
		if (i == c->njobs)
			why = "no job of this batch has that id";
		else if (c->fate[i] == FATE_RECORDED)
			why = "a second result for that job";
	}
	if (why != NULL) {
		warnx("batch of job %lld: result line %lu: %s", c->jobs[0].id,
		    c->lineno, why);
		json_object_put(o);
		return;
	}
	if (c->fate[i] == FATE_LOST) {
		w->n->lost++;
		warnx("job %lld: attempt %lld lost its lease; result "
		    "discarded", id, c->jobs[i].attempt);
		result_line(w, &c->jobs[i], "lost", time_mono() - c->started,
		    NULL, NULL);
	} else if (json_object_get_boolean(ok)) {
		job_done(w, &c->jobs[i], time_mono() - c->started, NULL);
	} else {
		error = json_get_string(o, "error");
		job_failed(w, &c->jobs[i], "not ok", error ? error : "",
		    time_mono() - c->started, NULL);
	}
	c->fate[i] = FATE_RECORDED;
	json_object_put(o);
}

/* Read a batch's result lines as they come; record each whole one.
 * Closes the pipe at its end. */
static void
batch_read(struct worker *w, struct child *c)
{
	char buf[16384];
	ssize_t n;
	int opened = 0;

	while (c->res_fd >= 0) {
		n = read(c->res_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close(c->res_fd);
			c->res_fd = -1;
			break;
		}
		/* the outcomes of one read: one transaction */
		opened |= tx_begin(w, 2);
		for (ssize_t k = 0; k < n; k++) {
			if (buf[k] != '\n') {
				if (c->reslen < RESULT_MAX)
					c->res[c->reslen++] = buf[k];
				else
					c->res_cut = 1;
				continue;
			}
			c->res[c->reslen] = '\0';
			if (c->res_cut) {
				c->lineno++;
				warnx("batch of job %lld: result line %lu: "
				    "longer than %d bytes", c->jobs[0].id,
				    c->lineno, RESULT_MAX);
			} else if (c->reslen > 0) {
				batch_result(w, c, c->res);
			}
			c->reslen = 0;
			c->res_cut = 0;
		}
	}
	if (opened)
		db_commit(w->db);
}

/* The command has ended and its output is read: record the outcomes
 * its jobs still wait for. */
static void
finish(struct worker *w, struct child *c)
{
	const struct proc_exit *x = proc_exit(c->p);
	int64_t ms = x->ms;
	char how[PROC_TEXTSZ], who[64];
	int batch = w->o->batch > 0, shown = 0;
	char *tail = NULL;

	proc_exit_text(x->code, x->signo, how);
	if (batch && x->code != 0)
		warnx("batch of job %lld: the command ended (%s)",
		    c->jobs[0].id, how);
	for (int i = 0; i < c->njobs; i++) {
		const struct queue_job *j = &c->jobs[i];

		switch (c->fate[i]) {
		case FATE_RECORDED:
			break;
		case FATE_LOST:
			w->n->lost++;
			warnx("job %lld: attempt %lld lost its lease; result "
			    "(%s) discarded", j->id, j->attempt, how);
			result_line(w, j, "lost", ms, NULL, NULL);
			break;
		case FATE_RELEASED:
			if (queue_release(w->q, j->id, j->attempt, db_now(w->db))) {
				w->n->released++;
				warnx("job %lld: stopped at shutdown (%s); "
				    "released to the queue", j->id, how);
				result_line(w, j, "queued", ms, NULL, NULL);
			}
			break;
		case FATE_RUN:
			if (!batch && x->signo == 0 && x->code == 0) {
				job_done(w, j, ms, x);
				break;
			}
			/* the output that tells why, once per command */
			if (!shown) {
				if (batch)
					snprintf(who, sizeof(who),
					    "batch of job %lld", c->jobs[0].id);
				else
					snprintf(who, sizeof(who), "job %lld",
					    j->id);
				show_output(c, batch ? PROC_ERR : PROC_OUT,
				    who);
				tail = proc_tail(c->p, batch ? PROC_ERR :
				    PROC_OUT, ERROR_MAX);
				shown = 1;
			}
			if (batch) {
				char *why;

				if (asprintf(&why, "no result line, %s",
				    how) < 0)
					die_nomem();
				job_failed(w, j, why, tail, ms, x);
				free(why);
			} else {
				job_failed(w, j, how, tail, ms, x);
			}
			break;
		}
		queue_job_free(&c->jobs[i]);
	}
	free(tail);
	proc_free(c->p);
	c->p = NULL;
	c->njobs = 0;
	w->running--;
}

/* Collect ended commands and record their outcomes. */
static void
reap_children(struct worker *w)
{
	int n = 0, opened;

	proc_wake_clear();
	for (int i = 0; i < w->o->jobs; i++) {
		struct child *c = &w->kids[i];

		if (c->p == NULL || !proc_reap(c->p))
			continue;
		/* what the pipe holds now is all it answered; a process
		 * it left behind may keep the pipe open */
		if (c->res_fd >= 0) {
			batch_read(w, c);
			if (c->res_fd >= 0) {
				close(c->res_fd);
				c->res_fd = -1;
			}
		}
		n += c->njobs;
	}
	/* the outcomes of jobs that ended together: one transaction */
	opened = tx_begin(w, n);
	for (int i = 0; i < w->o->jobs; i++)
		if (w->kids[i].p != NULL && proc_exit(w->kids[i].p) != NULL)
			finish(w, &w->kids[i]);
	if (opened)
		db_commit(w->db);
	if (n > 0)
		w->freed = 1;
}

/* ---- leases, stopping, waiting ---- */

/* Extend the leases that are due for it; kill commands whose every job
 * was taken over. */
static void
renew_leases(struct worker *w)
{
	int64_t mono = time_mono();
	int due = 0, opened;

	for (int i = 0; i < w->o->jobs; i++) {
		struct child *c = &w->kids[i];

		if (c->p != NULL && mono >= c->renew_at)
			for (int k = 0; k < c->njobs; k++)
				due += c->fate[k] == FATE_RUN ||
				    c->fate[k] == FATE_RELEASED;
	}
	if (due == 0)
		return;
	opened = tx_begin(w, due);	/* one write for them all */
	for (int i = 0; i < w->o->jobs; i++) {
		struct child *c = &w->kids[i];
		int held = 0, open = 0;

		if (c->p == NULL || mono < c->renew_at)
			continue;
		for (int k = 0; k < c->njobs; k++) {
			if (c->fate[k] != FATE_RUN &&
			    c->fate[k] != FATE_RELEASED)
				continue;
			open++;
			if (queue_renew(w->q, c->jobs[k].id, c->jobs[k].attempt,
			    db_now(w->db) + w->o->lease_ms))
				held++;
			else
				c->fate[k] = FATE_LOST;
		}
		c->renew_at = mono + w->o->lease_ms / 3;
		/* taken over: nothing of those attempts may run on */
		if (open > 0 && held == 0)
			proc_stop(c->p, SIGKILL, 0);
	}
	if (opened)
		db_commit(w->db);
}

/* Shutdown after the grace period: stop the commands still running. */
static void
stop_children(struct worker *w)
{
	for (int i = 0; i < w->o->jobs; i++) {
		struct child *c = &w->kids[i];

		if (c->p == NULL || proc_stopping(c->p))
			continue;
		for (int k = 0; k < c->njobs; k++)
			if (c->fate[k] == FATE_RUN)
				c->fate[k] = FATE_RELEASED;
		proc_stop(c->p, SIGTERM, KILL_AFTER_MS);
	}
}

/* Wait for output, an end, or timeout_ms; then take the timed steps. */
static void
wait_events(struct worker *w, int64_t timeout_ms)
{
	size_t room = (size_t)w->o->jobs * 3 + 2;
	struct pollfd *pfd = xcalloc(room, sizeof(*pfd));
	struct child **who = xcalloc(room, sizeof(*who));
	int n = 0;

	pfd[n].fd = proc_wake_fd();
	pfd[n++].events = POLLIN;
	pfd[n].fd = w->listen_fd;	/* poll ignores a negative fd */
	pfd[n++].events = POLLIN;
	for (int i = 0; i < w->o->jobs; i++) {
		struct child *c = &w->kids[i];
		int k;

		if (c->p == NULL)
			continue;
		k = proc_pollfd(c->p, pfd + n);
		if (c->res_fd >= 0) {
			pfd[n + k].fd = c->res_fd;
			pfd[n + k++].events = POLLIN;
		}
		for (int j = 0; j < k; j++)
			who[n + j] = c;
		n += k;
	}
	if (timeout_ms < 0)
		timeout_ms = 0;
	if (timeout_ms > 1000)
		timeout_ms = 1000;
	if (poll(pfd, (nfds_t)n, (int)timeout_ms) > 0) {
		if (pfd[1].revents && queue_woken(w->q))
			w->woken = 1;
		for (int i = 2; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == who[i]->res_fd)
				batch_read(w, who[i]);
			else
				proc_read(who[i]->p);
		}
	}
	free(pfd);
	free(who);
	for (int i = 0; i < w->o->jobs; i++)
		if (w->kids[i].p != NULL)
			proc_tick(w->kids[i].p);
	reap_children(w);
}

/* Claim what the free slots can take and start their commands; returns
 * how many jobs were claimed, and *want how many were asked for. */
static int
claim_and_start(struct worker *w, long room, int *want)
{
	int per = w->o->batch > 0 ? w->o->batch : 1, got, k = 0;
	struct queue_job *jobs;
	long ask = (long)(w->o->jobs - w->running) * per;

	if (room > 0 && ask > room)
		ask = room;
	*want = (int)ask;
	jobs = xcalloc((size_t)ask, sizeof(*jobs));
	got = queue_claim(w->q, db_now(w->db), w->o->lease_ms, jobs, (int)ask);
	for (int i = 0; i < w->o->jobs && k < got; i++) {
		struct child *c = &w->kids[i];

		if (c->p != NULL)
			continue;
		c->njobs = got - k < per ? got - k : per;
		memcpy(c->jobs, jobs + k, (size_t)c->njobs * sizeof(*jobs));
		k += c->njobs;
		start(w, c);
	}
	free(jobs);
	return got;
}

int
worker_run(struct db *db, struct queue_db *q, const struct worker_opts *o,
    struct worker_counts *n)
{
	struct worker w = { db, q, o, n, NULL, 0, NULL, 0, -1, 0, 0 };
	int64_t begun = time_mono(), grace_end = 0, last_reap = 0;
	int64_t look_at = 0;	/* time_mono of the next look at an idle queue */
	int64_t last_prune = 0, reap_every = o->lease_ms / 4;
	int per = o->batch > 0 ? o->batch : 1;
	int stopping = 0, signo = 0, idle;
	long claimed = 0;
	char gbuf[TIME_BUFSZ];

	(void)proc_wake_fd();	/* SIGCHLD wakes the poll from here on */
	signal(SIGPIPE, SIG_IGN);
	if (reap_every > 1000)
		reap_every = 1000;
	if (reap_every < 50)
		reap_every = 50;
	env_init(&w);
	/* listening before the first look: nothing announced after it is
	 * missed */
	w.listen_fd = queue_listen(q);
	w.kids = xcalloc((size_t)o->jobs, sizeof(*w.kids));
	for (int i = 0; i < o->jobs; i++) {
		w.kids[i].jobs = xcalloc((size_t)per, sizeof(struct queue_job));
		w.kids[i].fate = xcalloc((size_t)per, sizeof(enum fate));
		w.kids[i].res = o->batch > 0 ? xmalloc(RESULT_MAX + 1) : NULL;
		w.kids[i].res_fd = -1;
	}

	for (;;) {
		int64_t mono = time_mono(), timeout;

		if (sig_caught) {
			/* first signal: stop claiming, running jobs get the
			 * grace period; a second one ends it */
			if (signo == 0) {
				if (!stopping || grace_end == INT64_MAX)
					grace_end = mono + o->grace_ms;
				stopping = 1;
				if (w.running > 0)
					warnx("stopping: %d %s running, "
					    "%s grace", w.running,
					    o->batch > 0 ? (w.running == 1 ?
					    "batch" : "batches") :
					    (w.running == 1 ? "job" : "jobs"),
					    duration_format(o->grace_ms, gbuf));
			} else {
				grace_end = 0;
			}
			signo = sig_caught;
			sig_caught = 0;
		}
		if (!stopping && o->for_ms > 0 && mono - begun >= o->for_ms) {
			stopping = 1;
			grace_end = mono + o->grace_ms;
		}
		if (!stopping && o->max_jobs > 0 && claimed >= o->max_jobs) {
			stopping = 1;
			grace_end = INT64_MAX;
		}
		if (o->keep_ms > 0 && !stopping &&
		    (last_prune == 0 || mono - last_prune >= PRUNE_EVERY_MS)) {
			long k = worker_prune(db, queue_db_name(q), o->keep_ms);

			if (k > 0 && o->verbose)
				warnx("%ld done job%s older than %s pruned", k,
				    k == 1 ? "" : "s",
				    duration_format(o->keep_ms, gbuf));
			last_prune = mono;
		}

		/* an idle queue is looked at again after --poll, or at once
		 * when a job is announced or a slot frees */
		if (w.woken || w.freed)
			look_at = 0;
		w.woken = w.freed = 0;
		idle = look_at > mono;
		while (!stopping && !idle && w.running < o->jobs) {
			int want, got;

			if (mono - last_reap >= reap_every) {
				int k = queue_reap(q, db_now(db));

				if (k > 0 && o->verbose)
					warnx("%d expired lease%s reaped", k,
					    k == 1 ? "" : "s");
				last_reap = mono;
			}
			got = claim_and_start(&w, o->max_jobs > 0 ?
			    o->max_jobs - claimed : 0, &want);
			claimed += got;
			if (got < want) {
				idle = 1;
				look_at = mono + o->poll_ms;
			}
			if (got < want ||
			    (o->max_jobs > 0 && claimed >= o->max_jobs))
				break;
		}
		if (w.running == 0 && (stopping || (idle && o->drain)))
			break;

		if (stopping && time_mono() >= grace_end)
			stop_children(&w);
		timeout = 1000;
		for (int i = 0; i < o->jobs; i++)
			if (w.kids[i].p != NULL &&
			    w.kids[i].renew_at - time_mono() < timeout)
				timeout = w.kids[i].renew_at - time_mono();
		if (idle && !stopping && look_at - time_mono() < timeout)
			timeout = look_at - time_mono();
		/* announcements a statement took in meanwhile */
		if (idle && !stopping && w.listen_fd >= 0 && queue_woken(q)) {
			w.woken = 1;
			timeout = 0;
		}
		if (stopping && grace_end > time_mono() &&
		    grace_end - time_mono() < timeout)
			timeout = grace_end - time_mono();
		for (int i = 0; i < o->jobs; i++)	/* SIGKILL due */
			if (w.kids[i].p != NULL &&
			    proc_due(w.kids[i].p) - time_mono() < timeout)
				timeout = proc_due(w.kids[i].p) - time_mono();
		if (!idle && !stopping && w.running < o->jobs)
			timeout = 0;
		wait_events(&w, timeout);
		renew_leases(&w);
	}
	for (int i = 0; i < o->jobs; i++) {
		free(w.kids[i].jobs);
		free(w.kids[i].fate);
		free(w.kids[i].res);
	}
	free(w.kids);
	free(w.env);
	return signo;
}
