#!/bin/bash
# jobs-status: health rules, exit statuses, table, JSON, Prometheus, queues,
# failing feeds
. "$(dirname "$0")/lib.sh"

# at TIME run-job ...: run with the clock at TIME (2026-11-22THH:MM:00Z)
at() {
	t=$1
	shift
	JOBLINE_NOW=2026-11-22T${t}:00Z "$@"
}

# runs JOB OUTCOME...: one run a minute from 08:00, each true or false
runs() {
	job=$1
	shift
	m=0
	for r in "$@"; do
		at "$(printf "08:%02d" $m)" run-job -q --strict --alert-after 0 "$job" -- "$r" ||
		    [ "$r" = false ] || return 1
		m=$((m + 1))
	done
}

test_expect 'usage: --help to stdout, bad options exit 2 with the usage' '
	jobs-status --help | grep -q "^usage: jobs-status" &&
	jobs-status --version | grep -q "^jobs-status (jobline) " &&
	exits 2 jobs-status --bogus 2>err && grep -q usage err &&
	exits 2 jobs-status --json --prometheus 2>/dev/null &&
	exits 2 jobs-status -n many 2>/dev/null &&
	exits 2 jobs-status a b 2>/dev/null
'

test_expect 'a store that is missing or unreadable is UNKNOWN (3)' '
	exits 3 jobs-status --db nothere.db 2>err && grep -q nothere.db err &&
	test ! -e nothere.db &&
	echo "not a database" >junk.db && exits 3 jobs-status --db junk.db 2>/dev/null
'

test_expect 'an empty store is OK (0)' '
	run-job --pause nothing 2>/dev/null && rows "DELETE FROM job_state" &&
	jobs-status >out && head -n 1 out | grep -q "^JOBS OK"
'

test_expect 'all successes: healthy, exit 0, the plain text lists the job' '
	runs a true true true &&
	at 08:05 jobs-status >out &&
	head -n 1 out | grep -qx "JOBS OK - 0 unhealthy, 0 degraded, 1 healthy | unhealthy=0 degraded=0 healthy=1 failing_feeds=0" &&
	grep -q "^JOB  *HEALTH" out &&
	grep "^a " out | grep -q "healthy.*success.*100%"
'

test_expect 'last run failed: unhealthy, exit 2 (CRITICAL)' '
	runs a true true true false &&
	exits 2 at 08:05 jobs-status >out &&
	head -n 1 out | grep -q "^JOBS CRITICAL - 1 unhealthy" &&
	grep "^a " out | grep -q "last run failed"
'

test_expect 'a failure among the recent runs: degraded, exit 1 (WARNING)' '
	runs a true true true true true true true true true true true true true true true true true true false true &&
	exits 1 at 08:30 jobs-status --json >out &&
	jq -e ".jobs[0] | .health == \"degraded\" and .healthy == false and (.reasons | test(\"recent failures\"))" out &&
	jq -e ".jobs[0].successRate == 0.95" out
'

test_expect 'success rate below 90%: degraded; below 70%: unhealthy; exactly 90%: healthy' '
	runs a false true false true false true true true true true true true true true true true true true true true &&
	exits 1 at 08:30 jobs-status --json a >out &&
	jq -e ".jobs[0] | .health == \"degraded\" and .successRate == 0.85 and (.reasons | test(\"success rate 85% < 90%\"))" out &&
	runs b false true false true false true false true false true &&
	exits 2 at 08:30 jobs-status --json b >out &&
	jq -e ".jobs[0] | .health == \"unhealthy\" and (.reasons | test(\"success rate 50% < 70%\"))" out &&
	runs c true true true true true true true true false false true true true true true true true true true true &&
	at 08:30 jobs-status --json c >out &&
	jq -e ".jobs[0] | .health == \"healthy\" and .successRate == 0.9" out
'

test_expect 'expected interval: unhealthy when no success within it (+ grace), healthy again after one' '
	at 08:00 run-job --expect 1h hourly -- true &&
	at 09:20 jobs-status hourly >/dev/null &&
	exits 2 at 09:31 jobs-status --json hourly >out &&
	jq -e ".jobs[0] | .health == \"unhealthy\" and (.reasons | test(\"no success for 1h31m\")) and .expectedIntervalMs == 3600000" out &&
	at 09:34 run-job hourly -- true &&
	at 09:35 jobs-status hourly >/dev/null &&
	exits 2 at 11:05 jobs-status hourly >/dev/null
'

test_expect 'expected interval: a job that never succeeded is unhealthy once it is due' '
	at 08:00 run-job -q --strict --expect 10m never -- false;
	at 08:00 run-job --pause never && at 08:00 run-job --resume never &&
	exits 2 at 08:01 jobs-status --json never >out &&
	jq -e ".jobs[0].reasons | test(\"last run failed\")" out &&
	exits 2 at 08:20 jobs-status --json never >out &&
	jq -e ".jobs[0].reasons | test(\"never succeeded\")" out
'

test_expect 'a paused job is degraded with its reason, and not late' '
	at 08:00 run-job --expect 1m p -- true &&
	run-job --pause p --reason "vendor outage" &&
	exits 1 at 12:00 jobs-status --json >out &&
	jq -e ".jobs[0] | .paused and .pausedReason == \"vendor outage\" and .health == \"degraded\"" out
'

test_expect 'a failure stays the last run behind any number of skipped starts' '
	runs f true false &&
	run-job --pause f &&
	for i in $(seq 30); do run-job f -- true || exit 1; done &&
	exits 2 at 09:00 jobs-status --json f >out &&
	jq -e ".jobs[0].reasons | test(\"last run failed\")" out &&
	jq -e ".jobs[0].lastRun.status == \"failed\" and .jobs[0].stats.skippedRuns == 30" out
'

# the SQL of the tests below that write to the store (single-quoted
# strings, which SQLite and PostgreSQL both read)
skip_and_interrupt() {
	rows "UPDATE runs SET status = 'skipped' WHERE id = 2;
	    INSERT INTO runs (job, started_at, completed_at, status)
	    VALUES ('s', '2026-11-22T08:09:00Z', '2026-11-22T08:09:30Z',
	    'interrupted')"
}
# left_running JOB HOST PID: a run of JOB "running" since 08:01, the last
# run of JOB, by run-job PID on HOST
left_running() {
	rows "INSERT INTO job_state (job, created_at, updated_at)
	    VALUES ('$1', 'x', 'x') ON CONFLICT (job) DO NOTHING;
	    INSERT INTO runs (job, started_at, status, host, pid)
	    VALUES ('$1', '2026-11-22T08:01:00Z', 'running', '$2', $3);
	    UPDATE job_state SET last_run_id = (SELECT max(id) FROM runs)
	    WHERE job = '$1'"
}
queue_rows() {
	rows "INSERT INTO queue (queue, payload, state, run_after, created_at, updated_at) VALUES
	  ('refresh', '{}', 'queued', '2026-11-22T07:50:00Z', 'x', 'x'),
	  ('refresh', '{}', 'queued', '2026-11-22T08:30:00Z', 'x', 'x'),
	  ('refresh', '{}', 'running', '2026-11-22T07:00:00Z', 'x', 'x'),
	  ('refresh', '{}', 'failed', '2026-11-22T07:55:00Z', 'x', 'x'),
	  ('refresh', '{}', 'done', '2026-11-22T06:00:00Z', 'x', 'x'),
	  ('refresh', '{}', 'dead', '2026-11-22T06:00:00Z', 'x', 'x'),
	  ('other', '{}', 'queued', '2026-11-22T08:00:00Z', 'x', 'x');
	INSERT INTO queue_keys (queue, key, dead_count)
	  VALUES ('refresh', 'Acme', 3), ('refresh', 'Fine', 1)"
}
feed_rows() {
	rows "INSERT INTO feeds (url, failures, error, last_attempt, last_success, next_try) VALUES
	  ('https://dead.example/rss', 7, 'HTTP 500', '2026-11-22T07:00:00Z', '2026-11-20T00:00:00Z', '2026-11-22T09:00:00Z'),
	  ('https://ok.example/rss', 0, NULL, '2026-11-22T07:00:00Z', '2026-11-22T07:00:00Z', NULL),
	  ('https://flaky.example/rss', 1, 'timeout', '2026-11-22T07:00:00Z', NULL, NULL)"
}

test_expect 'skipped and interrupted runs count neither for nor against' '
	runs s true true true &&
	skip_and_interrupt &&
	at 08:10 jobs-status --json s >out &&
	jq -e ".jobs[0] | .healthy and .successRate == 1" out
'

test_expect '--json: the documented fields per job' '
	at 08:00 run-job a -- sh -c "echo \"items 5\" >>\$JOBLINE_STATS" &&
	at 08:01 run-job -q --alert-after 0 a -- sh -c "echo boom >&2; exit 3";
	at 08:02 run-job -q --strict --alert-after 0 a -- false;
	exits 2 at 08:03 jobs-status --json >out &&
	test "$(wc -l <out)" = 1 &&
	jq -e ".generatedAt == \"2026-11-22T08:03:00.000Z\" and .health == \"unhealthy\" and (.queues | type) == \"array\" and (.failingFeeds | type) == \"array\"" out &&
	jq -e ".jobs[0] | .name == \"a\" and .healthy == false and .stats.totalRuns == 3 and .stats.successfulRuns == 1 and .stats.failedRuns == 2 and .stats.consecutiveFailures == 2 and (.stats.averageDurationMs | type) == \"number\"" out &&
	jq -e ".jobs[0].lastRun | .status == \"failed\" and .exitCode == 1 and .timeSinceLastRunMs == 60000 and .startedAt == \"2026-11-22T08:02:00.000Z\"" out &&
	jq -e ".jobs[0].recentRuns | length == 3 and .[0].status == \"failed\" and .[1].error == \"boom\" and .[2].status == \"success\"" out &&
	jq -e ".jobs[0].lastSuccessAt == \"2026-11-22T08:00:00.000Z\"" out
'

test_expect '--json NAME: one job with its full recent history' '
	for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do
		at "$(printf "08:%02d" $i)" run-job a -- sh -c "echo \"n $i\" >>\$JOBLINE_STATS" || exit 1
	done &&
	at 09:00 run-job b -- true &&
	at 09:00 jobs-status --json >all &&
	jq -e ".jobs | length == 2" all && jq -e ".jobs[0].recentRuns | length == 10" all &&
	at 09:00 jobs-status --json a >one &&
	jq -e ".jobs | length == 1" one &&
	jq -e ".jobs[0].recentRuns | length == 15 and .[0].counters.n == 14 and (.[0].host | type) == \"string\" and .[0].attempts == 1" one &&
	at 09:00 jobs-status --json -n 3 a >three && jq -e ".jobs[0].recentRuns | length == 3" three &&
	exits 3 jobs-status --json nosuch 2>err && grep -q "nosuch: no such job" err
'

test_expect 'a run left running by a dead run-job of this host (any host on PostgreSQL) shows as stale' '
	at 08:00 run-job a -- true &&
	left_running a "$(hostname)" 999999 &&
	exits 1 at 08:02 jobs-status --json >out &&
	jq -e ".jobs[0].lastRun | .status == \"running\" and .stale" out &&
	jq -e ".jobs[0].reasons | test(\"left running\")" out &&
	at 08:02 run-job a -- sh -c "jobs-status --json >inside" 2>/dev/null &&
	jq -e ".jobs[0].lastRun | .status == \"running\" and (.stale | not)" inside &&
	left_running b elsewhere 1 &&
	# a lock file tells nothing of another machine; the server does
	if [ "${JOBLINE_TEST_PG:-}" = 1 ]; then
		exits 1 at 08:03 jobs-status --json b >other &&
		jq -e ".jobs[0].lastRun | .status == \"running\" and .stale" other
	else
		at 08:03 jobs-status --json b >other &&
		jq -e ".jobs[0].lastRun | .status == \"running\" and (.stale | not)" other
	fi
'

test_expect_sqlite 'a run that ends between the read and the look at its lock is not called stale' '
	at 08:00 run-job seed -- true &&
	sqlite3 "$JOBLINE_DB" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999) INSERT INTO job_state (job, created_at, updated_at) SELECT printf(\"a%04d\", i), \"x\", \"x\" FROM n; WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999) INSERT INTO runs (job, started_at, completed_at, status, duration_ms) SELECT printf(\"a%04d\", i % 1000), \"2026-11-22T08:00:00Z\", \"2026-11-22T08:00:01Z\", \"success\", 5 FROM n" &&
	# the report reads a thousand jobs before zz: zz ends while it does
	at 09:00 run-job zz -- sh -c "touch started; sleep 0.5" &
	while [ ! -e started ]; do sleep 0.01; done &&
	at 09:00 jobs-status -n 100 --json >out;
	wait &&
	jq -e ".jobs[] | select(.name == \"zz\") | (.lastRun.stale | not) and (.reasons | test(\"left running\") | not)" out
'

test_expect 'jobs-status NAME: the recent runs, one a line, with status, duration and error' '
	at 08:00 run-job j -- true &&
	at 08:01 run-job --strict j -- sh -c "echo first >&2; echo \"disk full\" >&2; exit 1" 2>/dev/null;
	at 08:02 run-job j -- sh -c "echo \"one feed dead\" >&2; exit 1" &&
	exits 2 at 08:03 jobs-status j >out &&
	sed -n "/^RUN /,\$p" out >runs &&
	head -n 1 runs | grep -q "^RUN  *STARTED  *STATUS  *DURATION  *ERROR$" &&
	test "$(wc -l <runs)" = 4 &&
	sed -n 2p runs | grep -q "^3  *2026-11-22 08:02:00  *partial  *[0-9.]*m\?s  *one feed dead$" &&
	sed -n 3p runs | grep -q "^2  *2026-11-22 08:01:00  *failed  *[0-9.]*m\?s  *disk full$" &&
	sed -n 4p runs | grep -q "^1  *2026-11-22 08:00:00  *success  *[0-9.]*m\?s  *-$" &&
	at 08:03 jobs-status -n 1 j >one; test "$(sed -n "/^RUN /,\$p" one | wc -l)" = 2 &&
	at 08:03 jobs-status >all; ! grep -q "^RUN " all
'

test_expect 'UNKNOWN: the one-line status on stdout, the reason on stderr; no store is made' '
	exits 3 jobs-status --db nothere.db >out 2>err &&
	grep -q "no store at nothere.db" err &&
	grep -qx "JOBS UNKNOWN - cannot read the store" out &&
	test ! -e nothere.db &&
	exits 3 env -u JOBLINE_DB HOME="$PWD/home" XDG_STATE_HOME="$PWD/state" jobs-status >out 2>err &&
	grep -q "^JOBS UNKNOWN - " out && test ! -e state && test ! -e home &&
	exits 3 env -u JOBLINE_DB HOME="$PWD/home" XDG_STATE_HOME="$PWD/state" search --db "$PWD/state/jobline/jobline.db" x >/dev/null 2>&1;
	test ! -e state &&
	at 08:00 run-job a -- true &&
	exits 3 jobs-status nosuch >out 2>err &&
	grep -qx "JOBS UNKNOWN - nosuch: no such job" out &&
	exits 3 jobs-status -q --db nothere.db >out 2>/dev/null && test ! -s out
'

# check_prom FILE: the text exposition format rules that matter here
check_prom() {
	awk '
	function fail(m) { print "line " NR ": " m ": " $0; bad = 1 }
	/^# HELP / { if (seen[$3]++) fail("family repeated"); help[$3] = 1; fam = $3; next }
	/^# TYPE / { if (!help[$3] || fam != $3) fail("TYPE without HELP");
		if ($4 !~ /^(gauge|counter)$/) fail("type"); type[$3] = $4; next }
	/^#/ { fail("comment"); next }
	{
		name = $0; sub(/[{ ].*/, "", name)
		if (name !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) fail("metric name")
		if (name != fam) fail("sample outside its family " fam)
		if (type[name] == "counter" && name !~ /_total$/) fail("counter name")
		rest = substr($0, length(name) + 1)
		if (rest ~ /^\{/) {
			# label pairs: name="value" with \\ \" \n escapes only
			if (rest !~ /^\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)+\} /) fail("labels")
			sub(/^\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)+\} /, "", rest)
		} else sub(/^ /, "", rest)
		if (rest !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) fail("value")
		if (dup[$1]++) fail("series repeated")
	}
	END { exit bad }' "$1"
}

test_expect '--prometheus: generated time and jobline_up; a store that cannot be read still rewrites -o FILE' '
	at 08:00 run-job a -- true &&
	at 08:05 jobs-status --prometheus -o a.prom && check_prom a.prom &&
	grep -qx "jobline_up 1" a.prom &&
	grep -qx "jobline_status_generated_timestamp_seconds 1795334700.000" a.prom &&
	grep -q "^jobline_job_health{job=\"a\"} 0" a.prom &&
	exits 3 at 08:06 jobs-status --db nothere.db --prometheus -o a.prom 2>/dev/null &&
	check_prom a.prom && grep -qx "jobline_up 0" a.prom &&
	grep -qx "jobline_status_generated_timestamp_seconds 1795334760.000" a.prom &&
	! grep -q jobline_job_ a.prom && test "$(ls | grep -c a.prom)" = 1 &&
	echo "not a database" >junk.db &&
	exits 3 jobs-status --db junk.db --json -o a.json 2>/dev/null &&
	jq -e ".health == \"unknown\" and .healthy == false" a.json
'

test_expect '--prometheus: the documented metrics, valid exposition format, escaped labels' '
	at 08:00 run-job "we\"ird\\job" -- true &&
	at 08:01 run-job -q --strict --expect 5m a -- false;
	at 08:02 jobs-status --prometheus >out; rc=$?
	test $rc = 2 && check_prom out &&
	grep -qx "jobline_job_last_success_timestamp_seconds{job=\"we\\\\\"ird\\\\\\\\job\"} 1795334400.000" out &&
	grep -q "^jobline_job_last_run_timestamp_seconds{job=\"a\"} 1795334460" out &&
	grep -q "^jobline_job_last_duration_seconds{job=\"a\"} [0-9.]*$" out &&
	grep -qx "jobline_job_consecutive_failures{job=\"a\"} 1" out &&
	grep -qx "jobline_job_runs_total{job=\"a\",status=\"failed\"} 1" out &&
	grep -qx "jobline_job_runs_total{job=\"a\",status=\"success\"} 0" out &&
	grep -qx "# TYPE jobline_job_runs_total counter" out &&
	grep -qx "jobline_job_health{job=\"a\"} 2" out &&
	grep -qx "jobline_job_expected_interval_seconds{job=\"a\"} 300.000" out &&
	grep -qx "jobline_health 2" out
'

test_expect '--prometheus -o FILE: written atomically, nothing else left in the directory' '
	at 08:00 run-job a -- true &&
	mkdir textfile &&
	echo old >textfile/jobline.prom &&
	jobs-status --prometheus -o textfile/jobline.prom >stdout &&
	test ! -s stdout && check_prom textfile/jobline.prom &&
	test "$(ls textfile)" = jobline.prom &&
	grep -q "^jobline_job_health{job=\"a\"} 0" textfile/jobline.prom &&
	test "$(stat -c %a textfile/jobline.prom)" = 644 &&
	exits 3 jobs-status --prometheus -o nodir/x.prom 2>/dev/null
'

test_expect 'queues: counts by state, oldest waiting, problem keys; dead jobs make it degraded' '
	at 08:00 run-job a -- true &&
	queue_rows &&
	exits 1 at 08:00 jobs-status --json >out &&
	jq -e ".queues | map(.name) == [\"refresh\", \"other\"] or map(.name) == [\"other\", \"refresh\"]" out &&
	jq -e ".queues[] | select(.name == \"refresh\") | .queued == 2 and .running == 1 and .failed == 1 and .dead == 1 and .oldestWaiting == \"2026-11-22T07:50:00Z\" and .oldestWaitingMs == 600000 and .problemKeys == 1 and .health == \"degraded\"" out &&
	jq -e ".problemKeys == [{\"queue\":\"refresh\",\"key\":\"Acme\",\"deadCount\":3}]" out &&
	exits 1 at 08:00 jobs-status --prometheus >prom && check_prom prom &&
	grep -qx "jobline_queue_jobs{queue=\"refresh\",state=\"dead\"} 1" prom &&
	grep -qx "jobline_queue_oldest_waiting_seconds{queue=\"refresh\"} 600.000" prom &&
	exits 1 at 08:00 jobs-status >txt &&
	grep -q "^QUEUE " txt && grep -q "^refresh  *2  *1  *1  *1  *10m" txt &&
	grep -q "problem key Acme in refresh: 3 dead jobs" txt
'

test_expect 'feeds that keep failing are listed; --feed-failures 0 ignores them' '
	at 08:00 run-job a -- true &&
	feed_rows &&
	exits 1 at 08:00 jobs-status --json >out &&
	jq -e ".failingFeeds == [{\"url\":\"https://dead.example/rss\",\"title\":null,\"failures\":7,\"lastSuccess\":\"2026-11-20T00:00:00Z\",\"lastAttempt\":\"2026-11-22T07:00:00Z\",\"error\":\"HTTP 500\",\"nextTry\":\"2026-11-22T09:00:00Z\"}]" out &&
	exits 1 at 08:00 jobs-status >txt && grep -qx "https://dead.example/rss  7 failures, last success 2026-11-20T00:00:00Z, next try 2026-11-22T09:00:00Z: HTTP 500" txt &&
	at 08:00 jobs-status --feed-failures 0 >/dev/null
'

test_expect 'partial runs: degraded while they go on, not late, not failing; the failing inputs listed' '
	at 08:00 run-job --expect 10m ingest -- true &&
	at 08:10 run-job ingest -- sh -c "echo \"feed dead\" >&2; exit 1" &&
	at 08:20 run-job ingest -- sh -c "exit 1" &&
	rows "INSERT INTO feeds (url, failures, error, last_attempt) VALUES ('\''https://dead.example/rss'\'', 5, '\''HTTP 503'\'', '\''2026-11-22T08:20:00Z'\'')" &&
	exits 1 at 08:29 jobs-status --json >out &&
	jq -e ".jobs[0] | .health == \"degraded\" and (.reasons | test(\"last 2 runs partial\")) and (.reasons | test(\"no success|run failed|rate\") | not) and .successRate == 1 and .stats.partialRuns == 2 and .stats.consecutivePartial == 2 and .stats.consecutiveFailures == 0 and .lastRun.status == \"partial\" and .lastSuccessAt == \"2026-11-22T08:20:00.000Z\"" out &&
	jq -e ".failingFeeds[0].url == \"https://dead.example/rss\"" out &&
	exits 1 at 08:29 jobs-status >txt &&
	head -n 1 txt | grep -q "^JOBS WARNING - 0 unhealthy, 1 degraded" &&
	grep "^ingest " txt | grep -q "degraded.*partial" &&
	grep -q "^https://dead.example/rss  5 failures" txt &&
	exits 1 at 08:29 jobs-status --prometheus >prom && check_prom prom &&
	grep -qx "jobline_job_runs_total{job=\"ingest\",status=\"partial\"} 2" prom &&
	at 08:30 run-job ingest -- true &&
	rows "DELETE FROM feeds" &&
	at 08:31 jobs-status --json ingest >out &&
	jq -e ".jobs[0].health == \"healthy\" and .jobs[0].stats.consecutivePartial == 0" out
'

test_expect 'a failing queue key is a failing input of a partial job' '
	at 08:00 run-job refresh -- sh -c "exit 1" &&
	rows "INSERT INTO queue_keys (queue, key, dead_count) VALUES ('\''company-refresh'\'', '\''Acme'\'', 4)" &&
	exits 1 at 08:01 jobs-status >txt &&
	grep "^refresh " txt | grep -q "last run partial" &&
	grep -q "problem key Acme in company-refresh: 4 dead jobs" txt
'

test_expect 'a store missing tables its schema version has: UNKNOWN, the table named' '
	at 08:00 run-job a -- true &&
	rows "DROP TABLE queue; DROP TABLE queue_keys; DROP TABLE feeds" &&
	at 08:01 exits 3 jobs-status --json >out 2>err &&
	grep -E -q "no such table: queue|relation \"queue\" does not exist" err
'

if command -v script >/dev/null; then
	test_expect 'on a terminal: the table in colour, no status line; NO_COLOR' '
		at 08:00 run-job a -- true &&
		at 08:01 run-job -q --strict --alert-after 0 b -- false;
		script -qec "jobs-status" /dev/null >tty;
		head -n 1 tty | grep -q "^JOB  *HEALTH" &&
		grep -q "^a  *$(printf "\033")\[32mhealthy" tty &&
		grep -q "^b  *$(printf "\033")\[31munhealthy" tty &&
		NO_COLOR=1 script -qec "jobs-status" /dev/null >plain;
		! grep -q "$(printf "\033")" plain && grep -q "^b  *unhealthy" plain
	'
else
	test_skip 'on a terminal: the table in colour' 'no script(1)'
fi

test_expect '-q: nothing printed, the exit status only' '
	at 08:00 run-job -q --strict --alert-after 0 a -- false;
	exits 2 jobs-status -q >out && test ! -s out
'

if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
	test_expect_sqlite 'a monitoring user who may only read the store runs jobs-status' '
		mkdir -p mon && run-job --db mon/j.db ingest -- true &&
		test -e mon/j.db-wal && test -e mon/j.db-shm &&
		chmod 711 "$TMP" "$TMP/$test_count" && chmod 755 mon &&
		chmod 644 mon/j.db mon/j.db-wal mon/j.db-shm &&
		runuser -u nobody -- jobs-status --db "$PWD/mon/j.db" >out &&
		grep -q "^JOBS OK" out && grep -q "^ingest  *healthy" out &&
		run-job --db mon/j.db ingest -- true &&
		test "$(sqlite3 mon/j.db "SELECT count(*) FROM runs")" = 2
	'
else
	test_skip 'a monitoring user who may only read the store runs jobs-status' 'needs root and runuser'
fi

test_done
