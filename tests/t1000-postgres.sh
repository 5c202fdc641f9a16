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

test_done
