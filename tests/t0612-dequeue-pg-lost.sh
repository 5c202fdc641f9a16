#!/bin/bash
# dequeue on PostgreSQL: the connection lost mid-drain (the server
# restarted) - the worker exits 3, its leased jobs are retried, nothing is
# lost, and only the jobs it was running when it lost its store run twice
. "$(dirname "$0")/lib.sh"

if [ "${JOBLINE_TEST_PG:-}" != 1 ]; then
	test_skip 'the connection lost mid-drain' "PostgreSQL only (make check-pg)"
	test_skip 'the connection lost while a worker waits' "PostgreSQL only (make check-pg)"
	test_done
fi

test_expect 'the connection lost mid-drain: exit 3, leased jobs retried, none lost, none done twice but those running' '
	seq 300 | jq -c "{n: .}" | enqueue q >/dev/null || exit 1
	dequeue q -j 4 --drain --lease 2s -q -- sh -c "cat >/dev/null; sleep 0.02; echo \$JOBLINE_JOB_ID >>ran" 2>err & w=$!
	i=0
	while [ "$(wc -l 2>/dev/null <ran || echo 0)" -lt 40 ] && [ $i -lt $((400 * JOBLINE_SLOW)) ]; do
		i=$((i + 1)); sleep 0.05
	done
	pg_ctl_restart || exit 1
	wait $w; rc=$?
	test $rc = 3 && grep -q "connection lost" err &&
	# the leases of the jobs it held run out; another worker drains
	sleep $(slow 2.5) &&
	dequeue q -j 4 --drain -q -- sh -c "cat >/dev/null; echo \$JOBLINE_JOB_ID >>ran" &&
	test "$(sort -u ran | wc -l)" = 300 &&
	test "$(rows "SELECT count(*) FROM queue WHERE state = \"done\"")" = 300 &&
	test "$(rows "SELECT count(*) FROM queue WHERE attempts > 2")" = 0 &&
	rows "SELECT id FROM queue WHERE attempts = 2" | sort >retried &&
	sort ran | uniq -d >twice &&
	test "$(wc -l <retried)" -le 4 &&
	! comm -23 twice retried | grep .
'

test_expect 'the connection lost while a worker waits for jobs: exit 3 at once, not at its next --poll' '
	dequeue q --poll 10m -q -- true 2>err & w=$!
	sleep 1
	pg_ctl_restart || exit 1
	timeout $((20 * JOBLINE_SLOW)) tail --pid=$w -f /dev/null
	kill $w 2>/dev/null
	wait $w; rc=$?
	test $rc = 3 && grep -q "connection lost" err
'

test_done
