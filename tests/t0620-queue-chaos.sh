#!/bin/bash
# dequeue under fire: 8 workers drain 10,000 jobs while random workers are
# killed with SIGKILL and new ones start.  Nothing lost, nothing done twice,
# never two live leases on one job.
. "$(dirname "$0")/lib.sh"

# 10,000 as the issue asks; under the sanitizers (make SANITIZE=1 check),
# where each fork of a worker costs ten times as much, 2,000; under
# valgrind (make check-valgrind), where every step of a worker does, 500
JOBS=10000
ldd "$TOP/bin/dequeue" 2>/dev/null | grep -q libasan && JOBS=2000
[ "${JOBLINE_VALGRIND:-}" = 1 ] && JOBS=500
JOBS=${CHAOS_JOBS:-$JOBS}

test_expect "8 workers, SIGKILLed at random, drain $JOBS jobs: none lost, none done twice" '
	awk -v n=$JOBS "BEGIN { for (i = 1; i <= n; i++) printf \"{\\\"n\\\":%d}\\n\", i }" |
	    enqueue chaos >/dev/null &&
	# the store records every lease given and every job marked done
	sqlite3 "$JOBLINE_DB" "
	CREATE TABLE lease_log (id, attempt, lease_until, at, claim);
	CREATE TRIGGER lease_log AFTER UPDATE OF lease_until ON queue
	  WHEN new.lease_until IS NOT NULL BEGIN
	  INSERT INTO lease_log VALUES (new.id, new.attempts, new.lease_until,
	    strftime(\"%Y-%m-%dT%H:%M:%fZ\", \"now\"), new.attempts > old.attempts);
	END;
	CREATE TABLE done_log (id, attempt);
	CREATE TRIGGER done_log AFTER UPDATE OF state ON queue
	  WHEN new.state = \"done\" BEGIN
	  INSERT INTO done_log VALUES (new.id, new.attempts);
	END;" &&
	printf "#!/bin/sh\necho \"\$JOBLINE_JOB_ID \$JOBLINE_ATTEMPT\" >>ids\n" >rec &&
	chmod +x rec &&
	pids=""
	worker() {
		dequeue chaos -j 2 --lease 1s --drain -q -- ./rec >/dev/null 2>>err &
		pids="$pids $!"
	}
	for i in 1 2 3 4 5 6 7 8; do worker; done
	kills=0 round=0
	# the killer: every 0.2 s one random worker dies, a new one starts
	while [ $round -lt 300 ]; do
		round=$((round + 1))
		sleep 0.2
		left=$(rows "SELECT count(*) FROM queue WHERE state <> \"done\"")
		[ "$left" -lt $((JOBS / 10)) ] && break
		victim=$(printf "%s\n" $pids | shuf -n 1)
		kill -9 $victim 2>/dev/null && kills=$((kills + 1))
		wait $victim 2>/dev/null
		pids="$(printf "%s\n" $pids | grep -vx $victim)"
		worker
	done
	for p in $pids; do wait $p; done
	# what the killed workers held comes back when the leases run out
	i=0
	while [ "$(rows "SELECT count(*) FROM queue WHERE state <> \"done\"")" != 0 ]; do
		i=$((i + 1)); [ $i -gt 20 ] && break
		sleep 0.5
		dequeue chaos -j 4 --lease 1s --drain -q -- ./rec 2>>err
	done
	echo "kills $kills, reclaimed $(rows "SELECT count(*) FROM queue WHERE attempts > 1")"
	grep -v "expired lease" err | head -5
	test $kills -ge 3 &&
	test "$(rows "SELECT state, count(*) FROM queue GROUP BY state")" = "done|$JOBS" &&
	test "$(cut -d" " -f1 ids | sort -u | wc -l)" = $JOBS &&
	test "$(sort ids | uniq -d | wc -l)" = 0 &&
	test "$(rows "SELECT count(*), count(DISTINCT id) FROM done_log")" = "$JOBS|$JOBS" &&
	test "$(rows "SELECT count(*) FROM done_log d JOIN queue q USING (id) WHERE d.attempt <> q.attempts")" = 0 &&
	test "$(rows "SELECT count(*) FROM queue WHERE attempts > 1")" -ge 1 &&
	sort -u ids | cut -d" " -f1 | uniq -d >twice &&
	{ test ! -s twice || test "$(rows "SELECT count(*) FROM queue WHERE attempts = 1 AND id IN ($(paste -sd, twice))")" = 0; } &&
	test "$(rows "SELECT count(*) FROM lease_log c JOIN lease_log p ON p.id = c.id AND p.attempt < c.attempt WHERE c.claim AND p.lease_until >= c.at")" = 0 &&
	test "$(rows "PRAGMA integrity_check")" = ok
'

test_done
