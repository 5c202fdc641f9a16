#!/bin/bash
# A store another program holds locked for longer than the busy timeout:
# every program that writes the store says so (which file, what), exits 3,
# and leaves nothing half-written; once the lock is gone the same input
# runs and converges.  (t0100 has the case of "store articles".)
. "$(dirname "$0")/lib.sh"

export JOBLINE_NOW=2026-11-22T10:00:00Z

# hold_lock: a sqlite3 shell holds the store's write lock (BEGIN
# EXCLUSIVE) until the file "release" appears; release ends it.
hold_lock() {
	rm -f locked release
	{ echo "BEGIN EXCLUSIVE;";
	  echo ".shell touch locked"
	  while [ ! -e release ]; do sleep 0.1; done; echo "ROLLBACK;"; } |
	    sqlite3 "$JOBLINE_DB" 2>/dev/null & holder=$!
	i=0
	while [ ! -e locked ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && { echo "the lock holder did not start" >&2; return 1; }
		sleep 0.05
	done
}
release() {
	touch release
	wait $holder
}

# locked PROGRAM ERR: the message names the program, the store and why
locked() {
	grep -q "^$1: $JOBLINE_DB: .*database is locked (held by another program for longer than 1s" "$2" ||
	    { cat "$2" >&2; return 1; }
}

# snap FILE: every row of the store, in order
snap() {
	sqlite3 "$JOBLINE_DB" .dump >"$1"
}

# under_lock PROGRAM ARG...: run it (stdin as given) while the store is
# held, with a busy timeout of 1 s; it must exit 3 and say why in err
under_lock() {
	snap before &&
	hold_lock || return 1
	JOBLINE_BUSY_TIMEOUT=1s exits 3 "$@" >out 2>err
	rc=$?
	release
	[ $rc = 0 ] && locked "$1" err && snap after && test_cmp before after &&
	test "$(rows "PRAGMA integrity_check")" = ok
}

test_expect 'store chunks: exit 3, no chunk and no article completed' '
	printf "{\"id\":\"a%d\",\"url\":\"https://e.com/%d\"}\n" 1 1 2 2 | store articles &&
	printf "{\"item_id\":\"a%d\",\"n\":0,\"count\":1,\"text\":\"t\"}\n" 1 2 >in &&
	under_lock store chunks <in &&
	store chunks <in &&
	test "$(rows "SELECT count(*) FROM chunks")" = 2 &&
	test "$(rows "SELECT count(*) FROM articles WHERE complete = 1")" = 2
'

test_expect 'enqueue: exit 3, nothing enqueued; the rerun enqueues each once' '
	seq 1 50 | sed "s/.*/{\"n\":&}/" >in &&
	enqueue q --key n <in >/dev/null &&
	seq 51 100 | sed "s/.*/{\"n\":&}/" >in2 &&
	under_lock enqueue q --key n <in2 &&
	enqueue q --key n <in2 >/dev/null && enqueue q --key n <in2 >/dev/null &&
	test "$(rows "SELECT count(*), count(DISTINCT key) FROM queue")" = "100|100"
'

test_expect 'dequeue: exit 3, no job claimed, the command not run' '
	seq 1 20 | sed "s/.*/{\"n\":&}/" | enqueue q >/dev/null &&
	under_lock dequeue q --drain -- sh -c "echo x >>ran" </dev/null &&
	test ! -e ran &&
	dequeue q --drain -- sh -c "echo x >>ran" >/dev/null &&
	test "$(wc -l <ran)" = 20 &&
	test "$(rows "SELECT state, count(*), max(attempts) FROM queue GROUP BY 1")" = "done|20|1"
'

test_expect 'run-job: exit 3, the command not run, no run recorded' '
	run-job j -- true &&
	under_lock run-job j -- touch ran </dev/null &&
	test ! -e ran &&
	test "$(rows "SELECT count(*) FROM runs WHERE status = \"running\"")" = 0 &&
	run-job j -- touch ran && test -e ran &&
	test "$(rows "SELECT group_concat(status) FROM runs")" = "success,success"
'

test_expect 'run-job --pause and --prune: exit 3, nothing changed' '
	run-job j -- true &&
	under_lock run-job --pause j </dev/null &&
	under_lock run-job --prune 1s </dev/null &&
	test "$(rows "SELECT paused FROM job_state")" = 0
'

test_expect 'verify-predictions: exit 3, nothing resolved; the rerun resolves all once' '
	"$TOP/tests/gen-predictions.sh" "$JOBLINE_DB" 30 4 >/dev/null &&
	under_lock verify-predictions </dev/null &&
	test ! -s out &&
	verify-predictions >out &&
	test "$(wc -l <out)" = 30 &&
	test "$(rows "SELECT count(*) FROM predictions WHERE status = \"verified\"")" = 30 &&
	verify-predictions >again && test ! -s again
'

mkdir -p "$TMP/www"
for i in 1 2 3 4 5; do cp "$DATA/feeds/rss2.xml" "$TMP/www/f$i.xml"; done
start_httpd "$TMP/www" || exit 1

test_expect 'fetch-feed: exit 3, no feed state written; the rerun records all' '
	for i in 1 2 3 4 5; do echo "$HTTPD/_/cond?f=f$i.xml"; done >urls &&
	fetch-feed --pending p "$HTTPD/_/cond?f=f1.xml" >/dev/null &&
	fetch-feed --commit p &&
	under_lock fetch-feed -f urls </dev/null &&
	fetch-feed --pending p -f urls >out && fetch-feed --commit p &&
	test "$(rows "SELECT count(*) FROM feeds WHERE etag IS NOT NULL")" = 5
'

cat >"$TMP/www/quotes.json" <<\EOF
[{"symbol":"XAUUSD","price":2650.1,"time":"2026-11-22T09:00:00Z"},
 {"symbol":"XAGUSD","price":31.25,"time":"2026-11-22T09:00:00Z"}]
EOF

test_expect 'fetch-prices: exit 3, no quote stored; the rerun stores them' '
	fetch-prices --url "$HTTPD/quotes.json" --symbols XAUUSD &&
	under_lock fetch-prices --url "$HTTPD/quotes.json" --symbols XAUUSD,XAGUSD </dev/null &&
	fetch-prices --url "$HTTPD/quotes.json" --symbols XAUUSD,XAGUSD &&
	test "$(rows "SELECT count(*) FROM prices")" = 2
'

test_done
