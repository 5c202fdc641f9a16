#!/bin/sh
# run-job --ping: the healthchecks.io convention, against tests/httpd.py
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/www"
start_httpd "$TMP/www" || exit 1
log=$TMP/www/ping.log

# pings: the requests the server saw since the last call, one
# "METHOD PATH BODY" a line (the body's newlines as |)
pings() {
	[ -e "$log" ] || { : >"$log"; }
	jq -r '"\(.method) \(.path) \(.body | gsub("\n"; "|"))"' "$log" &&
	: >"$log"
}

test_expect 'success: URL/start before the command, URL after, the tail of stderr posted' '
	: >"$log" &&
	run-job --ping "$HTTPD/_/ping/ok/a1" ok -- sh -c "echo hello >&2; test -s \"$log\" && echo started-after-ping >&2" &&
	pings >got &&
	printf "POST /_/ping/ok/a1/start \nPOST /_/ping/ok/a1 hello|started-after-ping\n" >want &&
	test_cmp want got
'

test_expect 'partial is a success; failure, timeout and interruption go to URL/fail' '
	: >"$log" &&
	run-job --ping "$HTTPD/_/ping/ok/p" p -- sh -c "echo \"one feed dead\" >&2; exit 1" &&
	exits 3 run-job --ping "$HTTPD/_/ping/ok/f" f -- sh -c "echo \"disk full\" >&2; exit 3" 2>/dev/null &&
	exits 124 run-job --ping "$HTTPD/_/ping/ok/t" --timeout 100ms --grace 100ms t -- sleep 10 2>/dev/null &&
	exits 1 run-job --strict --ping "$HTTPD/_/ping/ok/s" s -- false 2>/dev/null &&
	pings >got &&
	grep -qx "POST /_/ping/ok/p one feed dead" got &&
	grep -qx "POST /_/ping/ok/f/fail disk full" got &&
	grep -qx "POST /_/ping/ok/t/fail timed out after .*" got &&
	grep -qx "POST /_/ping/ok/s/fail exit 1" got &&
	test "$(grep -c /start got)" = 4 && test "$(wc -l <got)" = 8
'

test_expect 'SIGTERM: the run is interrupted and still pings URL/fail' '
	: >"$log"
	run-job --ping "$HTTPD/_/ping/ok/i" i -- sh -c "touch started; exec sleep 30" 2>/dev/null &
	p=$! &&
	i=0; while [ ! -e started ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done &&
	kill -TERM $p; wait $p; rc=$?
	test $rc = 143 &&
	pings >got &&
	grep -q "^POST /_/ping/ok/i/fail interrupted by SIGTERM" got
'

test_expect 'JOBLINE_PING_URL when --ping is not given; a query stays after /start' '
	: >"$log" &&
	JOBLINE_PING_URL="$HTTPD/_/ping/ok/env?rid=7" run-job e -- true &&
	pings >got &&
	printf "POST /_/ping/ok/env/start \nPOST /_/ping/ok/env \n" >want && test_cmp want got &&
	JOBLINE_PING_URL= run-job e -- true && test "$(pings | wc -l)" = 0 &&
	JOBLINE_PING_URL="$HTTPD/_/ping/ok/x" run-job --ping "$HTTPD/_/ping/ok/y" e -- true &&
	pings | grep -q "^POST /_/ping/ok/y "
'

test_expect 'a ping that fails is retried; one that keeps failing never fails the job or prints' '
	: >"$log" &&
	run-job --ping "$HTTPD/_/ping/flaky/r" r -- true >out 2>err &&
	test ! -s out && test ! -s err &&
	pings >got &&
	test "$(grep -c "^POST /_/ping/flaky/r/start" got)" = 2 &&
	test "$(grep -c "^POST /_/ping/flaky/r $" got)" = 2 &&
	run-job --ping "$HTTPD/_/ping/down/d" d -- true >out 2>err &&
	test ! -s out && test ! -s err &&
	test "$(pings | grep -c "^POST /_/ping/down/d/start")" = 3 &&
	run-job -v --ping "http://127.0.0.1:1/nothing" n -- true 2>err &&
	grep -q "^run-job: n: ping: http://127.0.0.1:1/nothing/start: " err &&
	test "$(rows "SELECT group_concat(status) FROM runs")" = "success,success,success"
'

test_expect 'a skipped start (paused) pings nothing' '
	: >"$log" &&
	run-job --pause k &&
	run-job --ping "$HTTPD/_/ping/ok/k" k -- true &&
	test "$(pings | wc -l)" = 0
'

test_done
