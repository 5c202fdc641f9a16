#!/bin/bash
# the PostgreSQL store: connecting, credentials (run by make check-pg, and
# by make check when the server package is there)
. "$(dirname "$0")/lib.sh"

if [ "${JOBLINE_TEST_PG:-}" != 1 ]; then
	if ! start_postgres 2>/dev/null; then
		test_skip 'the PostgreSQL store' 'no PostgreSQL server'
		test_done
	fi
fi

test_expect 'a server that is not there: exit 3, cannot connect, the address' '
	uri="postgresql:///x?host=$PWD/nosuchdir&user=jobline" &&
	exits 3 fetch-feed --db "$uri" http://127.0.0.1:9/feed 2>err &&
	grep -q "^fetch-feed: postgresql:///x?host=$PWD/nosuchdir&user=jobline: cannot connect: " err
'

test_expect 'a password in --db: warned about, never shown' '
	uri="postgresql://jobline:s3cret@/nodb?host=$PG_DIR" &&
	exits 3 fetch-feed --db "$uri" http://127.0.0.1:9/feed 2>err &&
	grep -q "^fetch-feed: a password in --db can be read by every user" err &&
	grep -q "postgresql://jobline:\*\*\*@/nodb" err && ! grep -q s3cret err &&
	exits 3 env JOBLINE_DB="postgresql:///nodb?host=$PG_DIR&password=s3cret" \
	    fetch-feed http://127.0.0.1:9/feed 2>err2 &&
	! grep -q "a password in --db" err2 && ! grep -q s3cret err2 &&
	grep -q "password=\*\*\*" err2
'

test_expect 'run-job and jobs-status on a PostgreSQL store: runs, partial, pause, a crashed run closed, its advisory lock gone with its connection' '
	pg_createdb runs && db=$(pg_uri runs) &&
	export XDG_STATE_HOME=$PWD/state JOBLINE_NOW=2026-11-22T08:00:00Z &&
	run-job --db "$db" ok -- true &&
	run-job --db "$db" part -- sh -c "echo dead >&2; exit 1" &&
	exits 1 run-job --db "$db" --strict bad -- false 2>/dev/null &&
	run-job --db "$db" --pause p --reason x && run-job --db "$db" p -- touch ran && test ! -e ran &&
	{ run-job --db "$db" crash -- sh -c "touch started; exec sleep 30" & p=$!; } &&
	i=0; while [ ! -e started ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done &&
	kill -9 $p; wait $p 2>/dev/null
	exits 2 jobs-status --db "$db" --json >out &&
	jq -e "[.jobs[] | {(.name): .health}] | add == {\"bad\":\"unhealthy\",\"crash\":\"degraded\",\"ok\":\"healthy\",\"p\":\"degraded\",\"part\":\"degraded\"}" out &&
	jq -e ".jobs[] | select(.name == \"crash\") | .lastRun.stale" out &&
	run-job --db "$db" crash -- true 2>err && grep -q "closed as interrupted" err &&
	psql -X -A -t -d "$db" -c "SELECT job, status FROM runs ORDER BY id" >rows &&
	printf "ok|success\npart|partial\nbad|failed\np|skipped\ncrash|interrupted\ncrash|success\n" >want &&
	test_cmp want rows &&
	exits 2 jobs-status --db "$db" --prometheus >prom &&
	grep -qx "jobline_job_runs_total{job=\"part\",status=\"partial\"} 1" prom
'

test_done
