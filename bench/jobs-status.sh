#!/bin/sh
# bench/jobs-status.sh [RUNS] [JOBS]: jobs-status over a history of RUNS
# recorded runs (default 1000000) spread over JOBS jobs (default 20),
# generated with sqlite3; each format timed with hyperfine (or a loop),
# against the peer: the same figures computed the way the replaced systems
# did, one aggregate query over the runs table (sqlite3).  Writes its store
# under bench/out/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/jobs-status
runs=${1:-1000000}
jobs=${2:-20}
mkdir -p "$out"
cd "$out"
db=$out/runs-$runs.db
export JOBLINE_DB="$db" JOBLINE_NOW=2026-11-22T08:30:00Z
PATH=$top/bin:$PATH

if [ ! -s "$db" ]; then
	rm -f "$db" "$db"-wal "$db"-shm
	run-job --check x -- true
	# creates the schema; the lock directory goes next to it
	run-job --pause bench-setup 2>/dev/null
	t0=$(date +%s)
	sqlite3 "$db" <<EOF
DELETE FROM job_state;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $runs - 1)
INSERT INTO runs (job, started_at, completed_at, status, exit_code,
    duration_ms, attempts, counters, error, host, pid)
SELECT 'job-' || (i % $jobs),
    strftime('%Y-%m-%dT%H:%M:%fZ', '2026-11-22T08:29:00', '-' || (($runs - 1 - i) / $jobs) || ' minutes'),
    strftime('%Y-%m-%dT%H:%M:%fZ', '2026-11-22T08:29:00', '-' || (($runs - 1 - i) / $jobs) || ' minutes', '+' || (i % 7) || ' seconds'),
    CASE WHEN i % 97 = 0 THEN 'failed' WHEN i % 89 = 0 THEN 'skipped'
         WHEN i % 211 = 0 THEN 'timeout' ELSE 'success' END,
    CASE WHEN i % 97 = 0 THEN 1 WHEN i % 89 = 0 THEN NULL
         WHEN i % 211 = 0 THEN 124 ELSE 0 END,
    (i % 7) * 1000 + i % 1000, 1,
    '{"items_fetched":' || (i % 50) || '}',
    CASE WHEN i % 97 = 0 THEN 'fetch-feed: https://feeds.example.com/x: HTTP 503' END,
    'bench', 1000 + i % 30000
FROM n;
INSERT INTO job_state (job, expect_ms, created_at, updated_at, n_success,
    n_failed, n_timeout, n_interrupted, n_skipped, total_ms,
    consecutive_failures, last_run_id, last_success_at)
SELECT job, 3600000, min(started_at), max(started_at),
    sum(status = 'success'), sum(status = 'failed'), sum(status = 'timeout'),
    sum(status = 'interrupted'), sum(status = 'skipped'),
    sum(CASE WHEN status != 'skipped' THEN duration_ms ELSE 0 END), 0,
    max(CASE WHEN status != 'skipped' THEN id END),
    max(CASE WHEN status = 'success' THEN completed_at END)
FROM runs GROUP BY job;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
ANALYZE;
EOF
	echo "generated $runs runs over $jobs jobs in $(( $(date +%s) - t0 )) s"
fi
echo "store: $(sqlite3 "$db" "SELECT count(*) FROM runs") runs, $(sqlite3 "$db" "SELECT count(*) FROM job_state") jobs, $(du -h "$db" | cut -f1)"

peer="SELECT job, count(*), sum(status = 'success'), sum(status IN ('failed', 'timeout')), avg(duration_ms), max(started_at), max(CASE WHEN status = 'success' THEN completed_at END) FROM runs GROUP BY job"

if command -v hyperfine >/dev/null; then
	hyperfine -N --warmup 2 --runs 10 -i --export-json times.json \
	    -n text "$top/bin/jobs-status" \
	    -n json "$top/bin/jobs-status --json" \
	    -n prometheus "$top/bin/jobs-status --prometheus" \
	    -n html "$top/bin/jobs-status --html $out/status.html" \
	    -n one-job "$top/bin/jobs-status --json job-7" \
	    -n "peer: sqlite3 GROUP BY" "sqlite3 $db \"$peer\"" >/dev/null 2>&1
	jq -r '.results[] | "\(.command)\t\(.mean * 1000 | floor) ms mean\t\(.max * 1000 | floor) ms max"' times.json
	mine=$(jq '.results[] | select(.command == "json") | .mean' times.json)
	theirs=$(jq '.results[] | select(.command | startswith("peer")) | .mean' times.json)
	echo "ratio: the peer's aggregate query takes $(echo "$theirs / $mine" | bc -l | cut -c1-5)x as long as jobs-status --json"
else
	for cmd in "jobs-status" "jobs-status --json" "jobs-status --prometheus"; do
		t0=$(date +%s%N)
		for i in 1 2 3 4 5 6 7 8 9 10; do $cmd >/dev/null || true; done
		echo "$cmd: $(( ($(date +%s%N) - t0) / 10000000 )) ms each"
	done
fi

# run-job's own cost per run: a trivial command under run-job (lock, two
# store transactions, capture) against util-linux flock(1), the usual cron
# overlap guard that records nothing, on a small store of its own
if command -v hyperfine >/dev/null && command -v flock >/dev/null; then
	small=$out/overhead.db
	rm -f "$small" "$small"-wal "$small"-shm
	JOBLINE_DB=$small hyperfine -N --warmup 5 --runs 100 --export-json overhead.json \
	    -n "run-job NAME -- true" "$top/bin/run-job --db $small overhead -- true" \
	    -n "peer: flock -n LOCK true" "flock -n $out/overhead.lock true" >/dev/null 2>&1
	jq -r '.results[] | "\(.command)\t\(.mean * 1000 * 100 | floor / 100) ms mean"' overhead.json
	echo "runs recorded: $(sqlite3 "$small" "SELECT count(*) FROM runs")"
fi
