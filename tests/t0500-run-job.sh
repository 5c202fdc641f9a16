#!/bin/bash
# run-job: records, overlap, capture, timeout, signals, retries, alerts,
# pause, crash recovery, loop mode, pruning
. "$(dirname "$0")/lib.sh"

# gone PID: no such process, or only a zombie waiting for its reaper
gone() {
	case $(ps -o stat= -p "$1") in
	""|Z*) return 0 ;;
	*) echo "process $1 still alive" >&2; return 1 ;;
	esac
}

# wait_for FILE: until FILE exists (at most 10 s, times $JOBLINE_SLOW)
wait_for() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -gt $((200 * JOBLINE_SLOW)) ] && { echo "timed out waiting for $1" >&2; return 1; }
		sleep 0.05
	done
}

test_expect 'usage: --help, --version, bad options and missing parts exit 2' '
	run-job --help | grep -q "^usage: run-job" &&
	run-job --version | grep -q "^run-job (jobline) " &&
	exits 2 run-job --bogus x -- true 2>err && grep -q usage err &&
	exits 2 run-job 2>/dev/null &&
	exits 2 run-job name 2>err && grep -q "no command" err &&
	exits 2 run-job --timeout soon name -- true 2>err &&
	grep -q "timeout: not a duration.*: soon" err &&
	exits 2 run-job -- true 2>/dev/null &&
	exits 2 run-job -- -x -- true 2>/dev/null &&
	exits 2 run-job --for 1m name -- true 2>/dev/null &&
	exits 2 run-job --pause a --resume b 2>/dev/null &&
	test ! -e "$JOBLINE_DB"
'

test_expect '--check validates options, with NAME before or after them, and runs nothing' '
	run-job --check --timeout 5m --retries 2 --every 5s --for 1m n -- touch ran &&
	run-job --check n --timeout 5m --expect 1h -- touch ran &&
	run-job --check n touch ran &&
	test ! -e ran && test ! -e "$JOBLINE_DB"
'

test_expect 'a success is silent and recorded with counters, host and pid' '
	run-job ingest -- sh -c "echo out; echo err >&2;
	    echo \"items_fetched 3\" >>\"\$JOBLINE_STATS\";
	    echo \"items_fetched 4\" >>\"\$JOBLINE_STATS\";
	    echo \"tokens 10\" >>\"\$JOBLINE_STATS\"; echo junk >>\"\$JOBLINE_STATS\"" >out 2>err &&
	test ! -s out && test ! -s err &&
	test "$(rows "SELECT status, exit_code, attempts, CAST(error IS NULL AS INTEGER), CAST(completed_at IS NOT NULL AS INTEGER), CAST(duration_ms >= 0 AS INTEGER) FROM runs")" = "success|0|1|1|1|1" &&
	test "$(rows "SELECT json_extract(counters, '\''\$.items_fetched'\''), json_extract(counters, '\''\$.tokens'\'') FROM runs")" = "7|10" &&
	test "$(rows "SELECT host FROM runs")" = "$(hostname)" &&
	test "$(rows "SELECT CAST(pid > 0 AS INTEGER) FROM runs")" = 1 &&
	test "$(rows "SELECT n_success, consecutive_failures FROM job_state WHERE job = '\''ingest'\''")" = "1|0"
'

test_expect 'a failure prints what the command wrote and exits with its status' '
	exits 3 run-job bad -- sh -c "echo to-stdout; echo to-stderr >&2; exit 3" >out 2>err &&
	grep -qx to-stdout out && grep -qx to-stderr err &&
	grep -q "^run-job: bad: failed (exit 3)" err &&
	test "$(rows "SELECT status, exit_code, error FROM runs")" = "failed|3|to-stderr"
'

test_expect '-v passes the output through live; -q prints nothing on failure' '
	run-job -v loud -- sh -c "echo hello; echo there >&2" >out 2>err &&
	grep -qx hello out && grep -qx there err &&
	exits 2 run-job -q quiet -- sh -c "echo x; echo y >&2; exit 2" >out 2>err &&
	test ! -s out && ! grep -q "^y" err
'

test_expect 'the error is the tail of stderr; the output printed is bounded' '
	exits 2 run-job big -- sh -c "seq 1 300000; seq 1 1000 >&2; exit 2" >out 2>err &&
	test "$(wc -c <out)" -lt 300000 &&
	grep -q "not kept" out && tail -n 1 out | grep -qx 300000 &&
	rows "SELECT error FROM runs" >e &&
	tail -n 1 e | grep -qx 1000 && test "$(wc -c <e)" -le 2001 &&
	! grep -q "^1$" e
'

test_expect 'the error is text: invalid UTF-8 and NUL bytes become U+FFFD' '
	exits 2 run-job bytes -- sh -c "printf \"a\\377b\\000c\\n\" >&2; exit 2" 2>/dev/null &&
	test "$(rows "SELECT hex(error) FROM runs")" = 61EFBFBD62EFBFBD63
'

test_expect 'a command that cannot be run: failed, 127, the reason recorded' '
	exits 127 run-job nope -- ./no-such-program 2>err &&
	grep -q "no-such-program: No such file" err &&
	test "$(rows "SELECT status, exit_code FROM runs")" = "failed|127" &&
	rows "SELECT error FROM runs" | grep -q "No such file"
'

test_expect 'a failure with nothing on stderr records how it ended, in the words dequeue uses' '
	exits 4 run-job silent -- sh -c "exit 4" 2>err &&
	grep -q "^run-job: silent: failed (exit 4) after" err &&
	test "$(rows "SELECT error FROM runs")" = "exit 4"
'

test_expect 'a command killed by a signal: failed, 128+signal' '
	exits 137 run-job killed -- sh -c "kill -9 \$\$" 2>err &&
	test "$(rows "SELECT status, exit_code, error FROM runs")" = "failed|137|killed by SIGKILL"
'

test_expect 'overlap: two starts at once, exactly one runs, the other is skipped and exits 0' '
	run-job slow -- sh -c "echo run >>ran; touch started; sleep $(slow 4)" & p1=$!
	wait_for started &&
	run-job slow -- sh -c "echo run >>ran" >out 2>err; rc=$?
	wait $p1 &&
	test $rc = 0 && test ! -s out && test ! -s err &&
	test "$(wc -l <ran)" = 1 &&
	test "$(rows "SELECT status FROM runs ORDER BY status")" = "$(printf "skipped\nsuccess")" &&
	rows "SELECT error FROM runs WHERE status = '\''skipped'\''" | grep -q "already running (run-job pid $p1)" &&
	test "$(rows "SELECT n_skipped, n_success FROM job_state")" = "1|1"
'

test_expect 'overlap: many starts at once, never two commands at the same time' '
	for i in 1 2 3 4 5 6; do
		run-job race -- sh -c "mkdir inside || exit 9; sleep 0.3; rmdir inside" &
	done
	wait
	test "$(rows "SELECT count(*) FROM runs WHERE status NOT IN ('\''success'\'', '\''skipped'\'')")" = 0 &&
	test "$(rows "SELECT count(*) FROM runs")" = 6 &&
	test "$(rows "SELECT count(*) FROM runs WHERE status = '\''success'\''")" -ge 1
'

test_expect '--wait waits for the running one instead of skipping' '
	run-job w -- sh -c "mkdir inside; touch started; sleep $(slow 1); rmdir inside" & p1=$!
	wait_for started &&
	run-job --wait w -- sh -c "test ! -d inside" &&
	wait $p1 &&
	test "$(rows "SELECT group_concat(status) FROM runs")" = "success,success"
'

test_expect 'a lock per job name: different jobs run at once; odd names get safe lock files' '
	run-job "a/b c" -- sh -c "touch started; sleep $(slow 1)" & p1=$!
	wait_for started &&
	run-job other -- true &&
	wait $p1 &&
	test "$(rows "SELECT count(*) FROM runs WHERE status = '\''success'\''")" = 2 &&
	# on PostgreSQL the lock is an advisory lock on the server, no file
	if [ "${JOBLINE_TEST_PG:-}" != 1 ]; then
		ls locks | grep -q "^a_b_c-[0-9a-f]*\.lock$" && test -f locks/other.lock
	fi
'

test_expect '--timeout: SIGTERM to the process group, SIGKILL after --grace; status timeout, exit 124' '
	exits 124 run-job --timeout 1s --grace 1s stuck -- sh -c "trap \"\" TERM; sleep 60 & echo \$! >child; wait" 2>err &&
	grep -q "stuck: timeout" err &&
	test "$(rows "SELECT status, exit_code FROM runs")" = "timeout|137" &&
	rows "SELECT error FROM runs" | grep -q "timed out" &&
	gone "$(cat child)"
'

test_expect '--timeout: a command that stops on SIGTERM is not killed' '
	exits 124 run-job --timeout 1s --grace 30s polite -- sh -c "trap \"echo bye >&2; exit 0\" TERM; sleep 60 & wait" 2>err &&
	grep -qx bye err &&
	test "$(rows "SELECT status, exit_code FROM runs")" = "timeout|0"
'

test_expect 'SIGTERM to run-job is forwarded; the run is closed as interrupted; exit 143' '
	run-job term -- sh -c "trap \"echo got >caught; exit 5\" TERM; touch started; sleep 60 & wait" & p=$!
	wait_for started && kill -TERM $p; wait $p; rc=$?
	test $rc = 143 && test "$(cat caught)" = got &&
	test "$(rows "SELECT status, exit_code FROM runs")" = "interrupted|5" &&
	test "$(rows "SELECT n_interrupted, consecutive_failures FROM job_state")" = "1|0"
'

test_expect 'SIGINT to run-job: the command gets SIGINT; exit 130' '
	run-job int -- sh -c "touch started; exec sleep 60" & p=$!
	wait_for started && kill -INT $p; wait $p; rc=$?
	test $rc = 130 &&
	test "$(rows "SELECT status, error FROM runs")" = "interrupted|interrupted by SIGINT"
'

test_expect '--retries with backoff: retried within the run until success' '
	run-job --retries 3 --backoff 10ms flaky -- sh -c "echo x >>tries; echo \"attempt 1\" >>\"\$JOBLINE_STATS\"; test \$(wc -l <tries) -ge 3 || exit 2" &&
	test "$(wc -l <tries)" = 3 &&
	test "$(rows "SELECT status, attempts, json_extract(counters, '\''\$.attempt'\'') FROM runs")" = "success|3|3"
'

test_expect '--retries exhausted: one failed run with every attempt counted' '
	exits 4 run-job --retries 2 --backoff 10ms never -- sh -c "echo x >>tries; exit 4" 2>err &&
	test "$(wc -l <tries)" = 3 &&
	test "$(rows "SELECT status, attempts, exit_code FROM runs")" = "failed|3|4" &&
	test "$(rows "SELECT consecutive_failures FROM job_state")" = 1
'

test_expect '--alert-after N: a CRITICAL line from the Nth consecutive failure; a success resets' '
	exits 1 run-job --strict --alert-after 2 a -- false 2>e1 &&
	exits 1 run-job --strict --alert-after 2 a -- false 2>e2 &&
	exits 1 run-job --strict --alert-after 2 a -- false 2>e3 &&
	! grep -q CRITICAL e1 &&
	grep -q "CRITICAL: job a failed 2 times in a row" e2 &&
	grep -q "CRITICAL: job a failed 3 times in a row" e3 &&
	test -n "$(rows "SELECT alert_since FROM job_state")" &&
	run-job --alert-after 2 a -- true 2>e4 && test ! -s e4 &&
	exits 1 run-job --strict --alert-after 2 a -- false 2>e5 && ! grep -q CRITICAL e5 &&
	test "$(rows "SELECT consecutive_failures, CAST(alert_since IS NULL AS INTEGER) FROM job_state")" = "1|1" &&
	exits 1 run-job --strict a -- false 2>e6 && ! grep -q CRITICAL e6 &&
	exits 1 run-job --strict a -- false 2>e7 && grep -q "CRITICAL: job a failed 3 times" e7
'

test_expect '--pause-after N: the circuit breaker pauses; later runs are skipped until --resume' '
	exits 1 run-job --strict --pause-after 2 cb -- false 2>/dev/null &&
	exits 1 run-job --strict --pause-after 2 cb -- false 2>err &&
	grep -q "paused after 2 consecutive failures" err &&
	run-job --pause-after 2 cb -- touch ran 2>err && test ! -e ran &&
	test "$(rows "SELECT status, error FROM runs ORDER BY id DESC LIMIT 1")" = "skipped|paused: circuit breaker: 2 consecutive failures" &&
	run-job --resume cb &&
	run-job --pause-after 2 cb -- touch ran && test -e ran &&
	test "$(rows "SELECT paused, consecutive_failures FROM job_state")" = "0|0"
'

test_expect '--pause NAME / --resume NAME by hand, with a reason' '
	run-job p -- true &&
	run-job --pause p --reason "disk maintenance" &&
	run-job p -- touch ran && test ! -e ran &&
	test "$(rows "SELECT status, error FROM runs ORDER BY id DESC LIMIT 1")" = "skipped|paused: disk maintenance" &&
	run-job --resume p && run-job p -- touch ran && test -e ran &&
	run-job --pause unknown 2>err && test ! -s err &&
	exits 2 run-job --pause p extra 2>/dev/null
'

test_expect 'run-job killed: its command dies too; the run left running is closed as interrupted at the next start' '
	run-job crash -- sh -c "echo \$\$ >child; touch started; exec sleep 60" & p=$!
	wait_for started && kill -9 $p; wait $p 2>/dev/null
	i=0; until gone "$(cat child)" 2>/dev/null || [ $i -gt $((100 * JOBLINE_SLOW)) ]; do sleep 0.05; i=$((i + 1)); done
	gone "$(cat child)" &&
	test "$(rows "SELECT status FROM runs")" = running &&
	run-job crash -- true 2>err &&
	grep -q "left running by pid $p" err &&
	test "$(rows "SELECT status FROM runs ORDER BY id")" = "$(printf "interrupted\nsuccess")" &&
	rows "SELECT error FROM runs WHERE id = 1" | grep -q "left running by run-job (pid $p" &&
	test "$(rows "SELECT n_interrupted, n_success FROM job_state")" = "1|1"
'

test_expect 'run-job killed while its command is a pipeline: no stage outlives it, the next run does not overlap it' '
	run-job pipe -- sh -c "sleep 60 | (touch started; sleep $(slow 1); echo late >>log)" & p=$!
	wait_for started && kill -9 $p; wait $p 2>/dev/null
	run-job --wait pipe -- sh -c "echo next >>log" 2>/dev/null &&
	sleep $(slow 2) &&
	test "$(cat log)" = next &&
	test "$(rows "SELECT group_concat(status) FROM runs")" = "interrupted,success"
'

test_expect 'SIGKILL mid-pipeline: the late stage never writes, and no next start, waiting or not, runs beside it' '
	cat >next.sh <<-\EOF
	# alive PID: a process that runs (a zombie nobody reaps is gone)
	pid=$(cat stage)
	if [ -r /proc/$pid/status ] && ! grep -q "^State:.*Z" /proc/$pid/status; then
		echo beside >>log
	fi
	echo next >>log
	EOF
	run-job pipe -- sh -c "sleep 60 | sh -c \"echo \\\$\\\$ >stage; sleep $(slow 1); echo late >>log\"" & p=$!
	wait_for stage && kill -9 $p; wait $p 2>/dev/null
	i=0
	until [ "$(rows "SELECT count(*) FROM runs WHERE status = '\''success'\''")" = 1 ]; do
		run-job pipe -- sh next.sh 2>/dev/null || exit 1
		i=$((i + 1)); [ $i -lt 200 ] || { echo "never ran"; exit 1; }
	done
	run-job --wait pipe -- sh next.sh &&
	sleep $(slow 2) &&
	printf "next\nnext\n" >want && test_cmp want log &&
	test "$(rows "SELECT count(*) FROM runs WHERE status NOT IN ('\''success'\'', '\''skipped'\'', '\''interrupted'\'')")" = 0
'

test_expect '--every D --for D: a loop, each iteration recorded, never overlapping' '
	run-job --every $(slow 300)ms --for $(slow 1500)ms tick -- sh -c "mkdir inside || exit 9; echo x >>ran; rmdir inside" &&
	n=$(wc -l <ran) && test "$n" -ge 2 && test "$n" -le 5 &&
	test "$(rows "SELECT count(*) FROM runs WHERE status = '\''success'\''")" = "$n" &&
	test "$(rows "SELECT count(*) FROM runs")" = "$n"
'

test_expect '--every: SIGTERM between iterations ends the loop at once, nothing left running' '
	run-job --every 1h hourly -- touch ran & p=$!
	wait_for ran && sleep 0.2 && kill -TERM $p; wait $p; rc=$?
	test $rc = 143 &&
	test "$(rows "SELECT group_concat(status) FROM runs")" = success
'

test_expect '--every: a paused job records one skip and stops' '
	run-job --pause loop &&
	run-job --every 100ms --for 10s loop -- touch ran && test ! -e ran &&
	test "$(rows "SELECT count(*) FROM runs WHERE job = '\''loop'\''")" = 1
'

test_expect '--expect D is stored per job; --expect 0 clears it' '
	run-job --expect 1h e -- true &&
	test "$(rows "SELECT expect_ms FROM job_state")" = 3600000 &&
	run-job e -- true &&
	test "$(rows "SELECT expect_ms FROM job_state")" = 3600000 &&
	run-job --expect 0 e -- true &&
	test -z "$(rows "SELECT expect_ms FROM job_state")"
'

test_expect '--keep D prunes the job'"'"'s older runs, counters stay; --prune D prunes every job' '
	for d in 01 02 03; do JOBLINE_NOW=2026-01-${d}T00:00:00Z run-job k -- true || exit 1; done &&
	JOBLINE_NOW=2026-01-01T00:00:00Z run-job other -- true &&
	JOBLINE_NOW=2026-01-10T00:00:00Z run-job --keep 7d12h k -- true &&
	test "$(rows "SELECT group_concat(substr(started_at, 1, 10)) FROM runs WHERE job = '\''k'\''")" = "2026-01-03,2026-01-10" &&
	test "$(rows "SELECT n_success FROM job_state WHERE job = '\''k'\''")" = 4 &&
	test "$(rows "SELECT count(*) FROM runs WHERE job = '\''other'\''")" = 1 &&
	JOBLINE_NOW=2026-01-10T00:00:00Z JOBLINE_STATS=$PWD/st run-job --prune 5d &&
	test "$(rows "SELECT group_concat(job) FROM runs")" = k &&
	grep -qx "runs_pruned 2" st
'

test_expect 'counters of a run-job inside run-job reach the outer one' '
	run-job outer -- run-job inner -- sh -c "echo \"n 2\" >>\"\$JOBLINE_STATS\"" &&
	test "$(rows "SELECT job, json_extract(counters, '\''\$.n'\'') FROM runs ORDER BY job")" = "$(printf "inner|2\nouter|2")"
'

test_expect 'an unusable store: exit 3, nothing run' '
	exits 3 run-job --db /proc/nonexistent/j.db x -- touch ran 2>err &&
	grep -q /proc/nonexistent err && test ! -e ran
'

test_expect 'exit 1 is partial: recorded with its error, quiet, exit 0, a success for the alerts' '
	run-job --alert-after 1 --pause-after 1 feeds -- sh -c "echo out; echo \"one feed dead\" >&2; exit 1" >out 2>err &&
	test ! -s out && test ! -s err &&
	test "$(rows "SELECT status, exit_code, error FROM runs")" = "partial|1|one feed dead" &&
	test "$(rows "SELECT n_partial, n_failed, consecutive_failures, consecutive_partial, paused, CAST(alert_since IS NULL AS INTEGER), CAST(last_success_at IS NOT NULL AS INTEGER) FROM job_state")" = "1|0|0|1|0|1|1" &&
	exits 1 run-job --strict feeds -- false 2>/dev/null &&
	run-job feeds -- sh -c "exit 1" &&
	test "$(rows "SELECT consecutive_failures, consecutive_partial FROM job_state")" = "0|1" &&
	run-job feeds -- true &&
	test "$(rows "SELECT n_success, n_partial, consecutive_partial FROM job_state")" = "1|2|0"
'

test_expect 'a partial run is not retried; a failed one is, and ends partial when its retry is' '
	run-job --retries 3 --backoff 10ms p -- sh -c "echo x >>tries; exit 1" &&
	test "$(wc -l <tries)" = 1 &&
	run-job --retries 3 --backoff 10ms q -- sh -c "echo x >>qtries; test \$(wc -l <qtries) -ge 2 && exit 1; exit 5" &&
	test "$(rows "SELECT status, attempts FROM runs WHERE job = '\''q'\''")" = "partial|2"
'

test_expect '-v says partial; --strict: exit 1 fails, is retried, alerts and trips the breaker' '
	run-job -v v -- sh -c "exit 1" 2>err && grep -q "^run-job: v: partial in" err &&
	exits 1 run-job --strict --retries 1 --backoff 10ms --alert-after 1 --pause-after 1 s -- sh -c "echo x >>tries; exit 1" 2>err &&
	test "$(wc -l <tries)" = 2 &&
	grep -q "CRITICAL: job s failed 1 times" err && grep -q "paused after 1 consecutive" err &&
	test "$(rows "SELECT status, exit_code FROM runs WHERE job = '\''s'\''")" = "failed|1"
'

test_expect_sqlite 'a store of schema 1 is migrated: its runs kept, partial accepted' '
	sqlite3 old.db "CREATE TABLE runs (id INTEGER PRIMARY KEY, job TEXT NOT NULL, started_at TEXT NOT NULL, completed_at TEXT, status TEXT NOT NULL CHECK (status IN (\"running\", \"success\", \"failed\", \"skipped\", \"timeout\", \"interrupted\")), exit_code INTEGER, duration_ms INTEGER, attempts INTEGER NOT NULL DEFAULT 1, counters TEXT, error TEXT, host TEXT, pid INTEGER); CREATE INDEX runs_job ON runs(job, started_at); CREATE INDEX runs_running ON runs(job) WHERE status = \"running\"; CREATE TABLE job_state (job TEXT PRIMARY KEY, paused INTEGER NOT NULL DEFAULT 0, reason TEXT, paused_at TEXT, expect_ms INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, n_success INTEGER NOT NULL DEFAULT 0, n_failed INTEGER NOT NULL DEFAULT 0, n_timeout INTEGER NOT NULL DEFAULT 0, n_interrupted INTEGER NOT NULL DEFAULT 0, n_skipped INTEGER NOT NULL DEFAULT 0, total_ms INTEGER NOT NULL DEFAULT 0, consecutive_failures INTEGER NOT NULL DEFAULT 0, last_run_id INTEGER, last_success_at TEXT, alert_since TEXT) WITHOUT ROWID; INSERT INTO runs (job, started_at, completed_at, status) VALUES (\"old\", \"2026-01-01T00:00:00.000Z\", \"2026-01-01T00:00:01.000Z\", \"failed\"); INSERT INTO job_state (job, created_at, updated_at, n_failed, consecutive_failures) VALUES (\"old\", \"x\", \"x\", 1, 1); CREATE TABLE feeds (url TEXT PRIMARY KEY, title TEXT, etag TEXT, last_modified TEXT, http_status INTEGER, error TEXT, items INTEGER, failures INTEGER NOT NULL DEFAULT 0, last_attempt TEXT, last_success TEXT); CREATE TABLE chunks (text TEXT); CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content=\"chunks\", content_rowid=\"rowid\"); PRAGMA user_version = 1" &&
	run-job --db old.db old -- sh -c "exit 1" &&
	test "$(sqlite3 old.db "SELECT group_concat(status) FROM (SELECT status FROM runs ORDER BY id)")" = "failed,partial" &&
	test "$(sqlite3 old.db "SELECT n_failed, n_partial, consecutive_failures FROM job_state")" = "1|1|0" &&
	sqlite3 old.db "SELECT name FROM sqlite_master WHERE tbl_name = \"runs\" ORDER BY name" >idx &&
	printf "runs\nruns_job\nruns_running\n" >want && test_cmp want idx
'

test_expect '--pause of a job that never ran: silent, exit 0, paused' '
	run-job --pause fresh --reason "not yet" >out 2>err &&
	test ! -s out && test ! -s err &&
	test "$(rows "SELECT paused, reason FROM job_state")" = "1|not yet" &&
	run-job -v --resume fresh 2>err && grep -q "resumed (no runs recorded yet)" err
'

test_done
