#!/bin/bash
# dequeue: running jobs, retries, backoff, dead jobs, leases, fencing,
# shutdown, limits, upkeep
. "$(dirname "$0")/lib.sh"

T0=2026-11-22T08:00:00Z

# secs_after COLUMN ID: seconds from $T0 to the job's COLUMN
secs_after() {
	t=$(rows "SELECT $1 FROM queue WHERE id = $2") &&
	echo $(($(date -d "$t" +%s) - $(date -d "$T0" +%s)))
}

# gone PID: the process has ended (a zombie nobody reaps counts)
gone() {
	! kill -0 "$1" 2>/dev/null || grep -q "^State:.*zombie" /proc/"$1"/status
}

# wait_for FILE: until FILE exists (at most 20 s, times $JOBLINE_SLOW)
wait_for() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -gt $((400 * JOBLINE_SLOW)) ] && { echo "no $1" >&2; return 1; }
		sleep 0.05
	done
}

test_expect 'usage: --help, no COMMAND, unknown option, --version' '
	dequeue --help | grep -q "^usage: dequeue QUEUE" &&
	exits 2 dequeue q 2>err && grep -q "no COMMAND" err &&
	exits 2 dequeue 2>/dev/null &&
	exits 2 dequeue q --bogus -- true 2>/dev/null &&
	exits 2 dequeue q --lease 0 -- true 2>/dev/null &&
	exits 2 dequeue q --list nosuch 2>/dev/null &&
	dequeue --version | grep -q "^dequeue (jobline) "
'

test_expect 'the payload on stdin, the job in the environment, no shell' '
	printf "%s\n" "{\"cmd\":\"\$(touch pwned); touch pwned2\",\"n\":1}" | enqueue q --key n >/dev/null &&
	dequeue q --drain -- sh -c "cat >in.\$JOBLINE_JOB_ID; env | grep ^JOBLINE_ | sort >env" >out &&
	test ! -e pwned && test ! -e pwned2 &&
	printf "%s\n" "{\"cmd\":\"\$(touch pwned); touch pwned2\",\"n\":1}" >want &&
	test_cmp want in.1 &&
	grep -qx JOBLINE_JOB_ID=1 env && grep -qx JOBLINE_ATTEMPT=1 env &&
	grep -qx JOBLINE_QUEUE=q env && grep -qx JOBLINE_JOB_KEY=1 env &&
	jq -e "[.id, .key, .attempt, .state, .exit_code] == [1, \"1\", 1, \"done\", 0]" out &&
	test "$(rows "SELECT state, attempts, CASE WHEN lease_until IS NULL THEN 1 END, CASE WHEN completed_at IS NOT NULL THEN 1 END FROM queue")" = "done|1|1|1"
'

test_expect 'silent on success; a failed job s output goes to stderr, prefixed' '
	printf "{\"n\":1}\n{\"n\":2}\n" | enqueue q >/dev/null &&
	exits 1 dequeue q --drain -q -- sh -c "read l; echo out of \$JOBLINE_JOB_ID; echo err >&2; [ \$JOBLINE_JOB_ID = 1 ]" >out 2>err &&
	test ! -s out &&
	! grep -q "job 1" err &&
	grep -qx "dequeue: job 2: out of 2" err &&
	grep -qx "dequeue: job 2: err" err &&
	grep -q "^dequeue: job 2: attempt 1/5 failed (exit 1): retry at " err &&
	test "$(rows "SELECT last_error FROM queue WHERE id = 2")" = "$(printf "exit 1: out of 2\nerr")"
'

test_expect 'jobs run by priority, then run_after, then id' '
	printf "{\"n\":1}\n" | enqueue q --priority 5 >/dev/null &&
	printf "{\"n\":2}\n" | enqueue q --priority 1 --at 2026-01-02 >/dev/null &&
	printf "{\"n\":3}\n" | enqueue q --priority 1 --at 2026-01-01 >/dev/null &&
	printf "{\"n\":4}\n{\"n\":5}\n" | enqueue q --priority 1 --at 2026-01-02 >/dev/null &&
	printf "{\"n\":6}\n" | enqueue q --priority -1 --delay 1d >/dev/null &&
	dequeue q --drain -q -- sh -c "jq -r .n >>order" &&
	test "$(tr "\n" " " <order)" = "3 2 4 5 1 " &&
	test "$(rows "SELECT state FROM queue WHERE id = 6")" = queued
'

test_expect '-j N runs N jobs at once' '
	for i in 1 2 3 4; do echo "{\"n\":$i}"; done | enqueue q >/dev/null &&
	cat >job <<-\EOF &&
	#!/bin/sh
	touch started.$JOBLINE_JOB_ID
	i=0
	while [ "$(ls started.* | wc -l)" -lt 4 ]; do
		i=$((i + 1)); [ $i -gt 200 ] && exit 1; sleep 0.05
	done
	EOF
	chmod +x job &&
	dequeue q -j 4 --drain -q -- ./job &&
	test "$(rows "SELECT count(*) FROM queue WHERE state = \"done\"")" = 4
'

test_expect 'retries after exponential backoff with jitter, then dead with the error kept' '
	echo "{\"k\":\"acme\"}" | JOBLINE_NOW=$T0 enqueue q --key k --max-attempts 3 >/dev/null &&
	cat >job <<-\EOF &&
	#!/bin/sh
	echo "try $JOBLINE_ATTEMPT"; echo "boom $JOBLINE_ATTEMPT" >&2; exit 3
	EOF
	chmod +x job &&
	exits 1 env JOBLINE_NOW=$T0 dequeue q --drain --backoff 10s -q -- ./job 2>err &&
	test "$(rows "SELECT state, attempts FROM queue")" = "failed|1" &&
	s=$(secs_after run_after 1) && test "$s" -ge 5 && test "$s" -le 10 &&
	JOBLINE_NOW=$T0 dequeue q --drain -q -- ./job &&
	test "$(rows "SELECT attempts FROM queue")" = 1 &&
	exits 1 env JOBLINE_NOW=2026-11-22T08:00:10Z dequeue q --drain --backoff 10s -q -- ./job 2>err &&
	s=$(secs_after run_after 1) && test "$s" -ge 20 && test "$s" -le 30 &&
	exits 1 env JOBLINE_NOW=2026-11-22T08:01:00Z dequeue q --drain --backoff 10s -q -- ./job 2>err &&
	grep -q "attempt 3/3 failed (exit 3): dead" err &&
	test "$(rows "SELECT state, attempts, completed_at FROM queue")" = "dead|3|2026-11-22T08:01:00.000Z" &&
	test "$(rows "SELECT last_error FROM queue")" = "$(printf "exit 3: try 3\nboom 3")" &&
	test "$(rows "SELECT dead_count, last_dead FROM queue_keys")" = "1|2026-11-22T08:01:00.000Z"
'

test_expect 'a key whose jobs keep going dead is a problem key until one succeeds' '
	for i in 1 2 3; do
		echo "{\"k\":\"bad\"}" | enqueue q --key k --max-attempts 1 >/dev/null &&
		exits 1 dequeue q --drain -q -- false 2>/dev/null || exit 1
	done
	test "$(rows "SELECT dead_count, last_error FROM queue_keys")" = "3|exit 1" &&
	echo "{\"k\":\"bad\"}" | enqueue q --key k >/dev/null &&
	dequeue q --drain -q -- true &&
	test "$(rows "SELECT dead_count, CASE WHEN last_success IS NOT NULL THEN 1 END FROM queue_keys")" = "0|1"
'

test_expect 'jobs-status shows the queue and its problem key' '
	for i in 1 2; do
		echo "{\"k\":\"bad\"}" | enqueue q --key k --max-attempts 1 >/dev/null &&
		exits 1 dequeue q --drain -q -- false 2>/dev/null || exit 1
	done
	echo "{\"n\":1}" | enqueue q >/dev/null &&
	exits 1 jobs-status --json >st &&
	jq -e ".queues[0] | .name == \"q\" and .queued == 1 and .dead == 2 and .problemKeys == 1" st &&
	exits 1 jobs-status | grep -q "problem key bad in q: 2 dead jobs"
'

test_expect 'a command that cannot be run fails with the reason' '
	echo "{}" | enqueue q --max-attempts 1 >/dev/null &&
	exits 1 dequeue q --drain -q -- ./no-such-command 2>err &&
	grep -q "no-such-command: No such file or directory" err &&
	test "$(rows "SELECT state FROM queue")" = dead &&
	rows "SELECT last_error FROM queue" | grep -q "^exit 127: "
'

test_expect 'a killed worker: its command dies too, its lease runs out, another worker takes the job' '
	echo "{}" | JOBLINE_NOW=$T0 enqueue q >/dev/null || exit 1
	JOBLINE_NOW=$T0 dequeue q --lease 1m -q -- sh -c "echo \$\$ >pid; exec sleep 30" & w=$!
	wait_for pid; kill -9 $w; wait $w 2>/dev/null
	sleep 0.3 &&
	gone "$(cat pid)" &&
	test "$(rows "SELECT state, attempts, lease_until FROM queue")" = "running|1|2026-11-22T08:01:00.000Z" &&
	JOBLINE_NOW=2026-11-22T08:00:59Z dequeue q --drain -q -- true &&
	test "$(rows "SELECT state FROM queue")" = running &&
	JOBLINE_NOW=2026-11-22T08:01:01Z dequeue q --drain -q -v -- true 2>err &&
	grep -q "1 expired lease reaped" err &&
	test "$(rows "SELECT state, attempts FROM queue")" = "done|2" &&
	rows "SELECT last_error FROM queue" | grep -q "^lease expired: worker .* lost attempt 1$"
'

test_expect 'a killed worker: no stage of its command s pipeline runs on' '
	echo "{}" | enqueue q >/dev/null || exit 1
	dequeue q --lease 1m -q -- sh -c "touch started; sleep $(slow 1) | { sleep $(slow 1); touch late; } | cat" & w=$!
	wait_for started; kill -9 $w; wait $w 2>/dev/null
	sleep $(slow 2.5) &&
	test ! -e late &&
	test "$(rows "SELECT state FROM queue")" = running
'

test_expect 'a lease taken over: the old attempt s whole group is killed' '
	echo "{}" | enqueue q >/dev/null || exit 1
	dequeue q --lease $(slow 1)s --drain -- sh -c "touch started; sleep $(slow 1) | { sleep $(slow 1); touch late; } | cat" >out 2>err & w=$!
	wait_for started &&
	rows "UPDATE queue SET attempts = attempts + 1, worker = \"other\"" &&
	wait $w; rc=$?
	sleep $(slow 2.5) &&
	test $rc = 1 && test ! -e late &&
	jq -e ".state == \"lost\"" out
'

test_expect 'a lease that runs out on the last attempt makes the job dead' '
	echo "{\"k\":\"x\"}" | enqueue q --key k --max-attempts 1 >/dev/null || exit 1
	dequeue q --lease 1s -q -- sh -c "echo \$\$ >pid; exec sleep 30" & w=$!
	wait_for pid; kill -9 $w; wait $w 2>/dev/null
	sleep 1.2 &&
	dequeue q --drain -q -- true &&
	test "$(rows "SELECT state, attempts FROM queue")" = "dead|1" &&
	test "$(rows "SELECT dead_count FROM queue_keys")" = 1
'

test_expect 'leases are extended while the command runs' '
	echo "{}" | enqueue q >/dev/null &&
	dequeue q --lease 1s --drain -q -- sleep 2.5 &&
	test "$(rows "SELECT state, attempts FROM queue")" = "done|1"
'

test_expect 'fencing: a worker whose attempt was taken over stops and records nothing' '
	echo "{}" | enqueue q >/dev/null || exit 1
	dequeue q --lease $(slow 1)s --drain -- sh -c "touch started; exec sleep $(slow 5)" >out 2>err & w=$!
	wait_for started &&
	rows "UPDATE queue SET attempts = attempts + 1, worker = \"other\"" &&
	wait $w; rc=$?
	test $rc = 1 &&
	grep -q "job 1: attempt 1 lost its lease; result (killed by SIGKILL) discarded" err &&
	jq -e ".state == \"lost\"" out &&
	test "$(rows "SELECT state, attempts, worker FROM queue")" = "running|2|other"
'

test_expect 'fencing: completion by a stale attempt is not counted' '
	echo "{}" | enqueue q >/dev/null &&
	dequeue q --drain -- bash -c "$(declare -f rows); rows \"UPDATE queue SET attempts = 7\"" >out 2>err;
	grep -q "attempt 1 no longer holds the job; done not recorded" err &&
	test "$(rows "SELECT state, attempts FROM queue")" = "running|7"
'

test_expect 'SIGTERM: stops claiming, a job that ends within the grace period is done' '
	for i in 1 2 3; do echo "{\"n\":$i}"; done | enqueue q >/dev/null || exit 1
	dequeue q --grace 10s -q -- sh -c "touch started.\$JOBLINE_JOB_ID; sleep 1" & w=$!
	wait_for started.1; kill -TERM $w; wait $w; rc=$?
	test $rc = 143 &&
	test "$(rows "SELECT group_concat(state, \" \") FROM (SELECT * FROM queue ORDER BY id) q")" = "done queued queued"
'

test_expect 'SIGTERM: a job still running after the grace period is released, its attempt not used up' '
	for i in 1 2; do echo "{\"n\":$i}"; done | enqueue q --max-attempts 2 >/dev/null || exit 1
	dequeue q -j 2 --grace 0.5s -q -- sh -c "touch started.\$JOBLINE_JOB_ID; exec sleep 30" 2>err & w=$!
	wait_for started.1; wait_for started.2; kill -INT $w; wait $w; rc=$?
	test $rc = 130 &&
	grep -q "stopping: 2 jobs running" err &&
	grep -q "job 1: stopped at shutdown (killed by SIGTERM); released" err &&
	test "$(rows "SELECT group_concat(state || \" \" || attempts || \"/\" || max_attempts, \",\") FROM (SELECT * FROM queue ORDER BY id) q")" = "queued 1/3,queued 1/3" &&
	dequeue q --drain -q -- true &&
	test "$(rows "SELECT group_concat(state || \" \" || attempts, \",\") FROM (SELECT * FROM queue ORDER BY id) q")" = "done 2,done 2"
'

test_expect '--max-jobs and --for bound a run' '
	for i in 1 2 3 4 5 6; do echo "{\"n\":$i}"; done | enqueue q >/dev/null &&
	dequeue q --max-jobs 2 -q -- true &&
	test "$(rows "SELECT count(*) FROM queue WHERE state = \"done\"")" = 2 &&
	dequeue q --for 1s -q -- sleep 0.6 &&
	n=$(rows "SELECT count(*) FROM queue WHERE state = \"done\"") &&
	test "$n" -ge 3 && test "$n" -lt 6 &&
	echo "{}" | enqueue empty >/dev/null &&
	dequeue q --for $(slow 1)s -q --poll 0.1s -- true &&
	test "$(rows "SELECT count(*) FROM queue WHERE state = \"done\"")" = 6
'

test_expect 'a large payload reaches the command whole' '
	head -c 300000 /dev/zero | tr "\0" x | jq -R -c "{big: .}" >big &&
	enqueue q <big >/dev/null &&
	dequeue q --drain -q -- sh -c "cat >got" &&
	test_cmp big got
'

test_expect 'upkeep: --list by state, --requeue-dead, --prune old done jobs' '
	for i in 1 2 3 4; do echo "{\"k\":$i}"; done |
	    JOBLINE_NOW=2026-11-01T00:00:00Z enqueue q --key k --max-attempts 1 >/dev/null &&
	exits 1 env JOBLINE_NOW=2026-11-01T00:00:00Z dequeue q --drain -q -- sh -c "[ \$JOBLINE_JOB_ID -le 2 ]" 2>/dev/null &&
	echo "{\"k\":4}" | JOBLINE_NOW=2026-11-01T00:00:00Z enqueue q --key k >/dev/null &&
	dequeue q --list dead >dead &&
	jq -e -s "map(.id) == [3,4] and (.[0].payload == {\"k\":3}) and .[0].last_error == \"exit 1\"" dead &&
	dequeue q --list all | jq -e -s "length == 5" &&
	dequeue q --list pending | jq -e -s "map(.id) == [5]" &&
	dequeue q --requeue-dead >requeued 2>err &&
	jq -e -s "map(.id) == [3]" requeued &&
	grep -q "1 dead job left: a job with the same key is pending" err &&
	test "$(rows "SELECT state, attempts, max_attempts FROM queue WHERE id = 3")" = "queued|1|2" &&
	JOBLINE_NOW=2026-11-20T00:00:00Z dequeue q --drain -q -- true &&
	JOBLINE_NOW=2026-11-21T00:00:00Z dequeue q --prune 10d -v 2>err &&
	grep -q "2 done jobs completed before 2026-11-11T00:00:00.000Z pruned" err &&
	test "$(rows "SELECT group_concat(id) FROM (SELECT * FROM queue ORDER BY id) q")" = "3,4,5" &&
	exits 2 dequeue q --purge 10d 2>/dev/null
'

test_expect '--keep D: a worker prunes done jobs older than D as it works' '
	for i in 1 2 3; do echo "{\"k\":$i}"; done |
	    JOBLINE_NOW=2026-11-01T00:00:00Z enqueue q >/dev/null &&
	JOBLINE_NOW=2026-11-01T00:00:00Z dequeue q --drain -q -- true &&
	echo "{\"k\":4}" | JOBLINE_NOW=2026-11-20T00:00:00Z enqueue q >/dev/null &&
	JOBLINE_NOW=2026-11-20T00:00:00Z dequeue q --drain -q --keep 30d -- true &&
	test "$(rows "SELECT count(*) FROM queue")" = 4 &&
	echo "{\"k\":5}" | JOBLINE_NOW=2026-11-21T00:00:00Z enqueue q >/dev/null &&
	JOBLINE_NOW=2026-11-21T00:00:00Z dequeue q --drain -q -v --keep 10d -- true 2>err &&
	grep -q "3 done jobs older than 10d pruned" err &&
	test "$(rows "SELECT group_concat(id) FROM (SELECT * FROM queue ORDER BY id) q")" = "4,5" &&
	exits 2 dequeue q --prune 1d --keep 1d 2>err && grep -q "keep goes with a COMMAND" err
'

test_expect '-j takes 1 to 256, as every program' '
	exits 2 dequeue q -j 0 -- true 2>err && grep -q "jobs: not a number from 1 to 256" err &&
	exits 2 dequeue q -j 257 -- true 2>/dev/null &&
	dequeue q -j 256 --drain -- true
'

test_done
