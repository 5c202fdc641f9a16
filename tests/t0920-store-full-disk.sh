#!/bin/bash
# A store on a full disk: every program that writes the store says so
# (which file, what), exits 3 and loses nothing committed before; once
# space returns, the same input runs again and ends in the state of a run
# that never saw a full disk, with PRAGMA integrity_check ok.
#
# The disk is a small tmpfs mounted under the test's directory (root
# only); a filler file takes all but a few KiB of it, so the store (its
# WAL, its -shm, the database file at a checkpoint) grows into ENOSPC.
. "$(dirname "$0")/lib.sh"

export JOBLINE_NOW=2026-11-22T10:00:00Z

# every tmpfs mounted here is unmounted at exit, failed test or not,
# before lib.sh removes the directory
: >"$TMP/.mounts"
unmount_all() {
	while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done <"$TMP/.mounts"
	test_cleanup
}
trap unmount_all EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

mkdir "$TMP/probe"
if ! mount -t tmpfs -o size=1m tmpfs "$TMP/probe" 2>"$TMP/probe.err"; then
	why="cannot mount a tmpfs ($(id -un): $(head -n 1 "$TMP/probe.err"))"
	# CI runs as root and must really run these
	if [ -n "${CI:-}" ]; then
		test_expect "full disk: a tmpfs can be mounted" "echo \"$why\"; false"
		test_done
	fi
	for t in store-articles checkpoint store-chunks enqueue dequeue run-job \
	    run-job-output jobs-status verify-predictions fetch-feed fetch-prices; do
		test_skip "full disk: $t" "$why"
	done
	test_done
fi
umount "$TMP/probe"

# disk [SIZE]: a tmpfs of SIZE on ./disk, the store on it.  40m by
# default: with 16 KiB pages the WAL reaches 16 MB before its first
# checkpoint, and the rerun needs room for that
disk() {
	# the disks of the tests before are done with: give their memory back
	while read -r m; do umount "$m" 2>/dev/null; done <"$TMP/.mounts"
	mkdir -p disk && mount -t tmpfs -o "size=${1:-40m}" tmpfs disk &&
	echo "$PWD/disk" >>"$TMP/.mounts" &&
	JOBLINE_DB=$PWD/disk/jobline.db
}

# fill KIB: the filler takes all the disk but KIB KiB.  The WAL is first
# checkpointed and emptied, so that the store's next writes need space.
fill() {
	sqlite3 "$JOBLINE_DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null &&
	{ dd if=/dev/zero of=disk/filler bs=64k 2>/dev/null; :; } &&
	size=$(stat -c %s disk/filler) &&
	truncate -s $((size > $1 * 1024 ? size - $1 * 1024 : 0)) disk/filler
}

# full PROGRAM ERR: the program exited 3 ($rc) and its message names the
# store and the full disk
full() {
	[ "$rc" = 3 ] || { echo "exit status $rc, wanted 3" >&2; cat "$2" >&2; return 1; }
	grep -q "^$1: $JOBLINE_DB: .*\(disk is full\|No space left on device\)" "$2" ||
	    { cat "$2" >&2; return 1; }
}

# integrity: PRAGMA integrity_check says ok
integrity() {
	test "$(sqlite3 "$JOBLINE_DB" "PRAGMA integrity_check")" = ok
}

# big N PREFIX: N articles of 4 KiB each
big() {
	awk -v n="$1" -v p="$2" 'BEGIN {
	    s = sprintf("%4000s", ""); gsub(/ /, "x", s)
	    for (i = 1; i <= n; i++)
	    printf "{\"id\":\"%s%d\",\"url\":\"https://e.com/%s/%d\",\"title\":\"T %d\",\"summary\":\"%s\"}\n", p, i, p, i, i, s }'
}

# slowly CMD...: its output in pieces 0.6 s apart, so that a program
# that commits by time commits some of it before the disk fills
slowly() {
	"$@" | split -l 150 --filter 'cat && sleep 0.6'
}

# same QUERY: the store on the disk and ./clean.db give the same rows
same() {
	sqlite3 "$JOBLINE_DB" "$1" >got &&
	sqlite3 clean.db "$1" >want &&
	test -s want && test_cmp want got
}

test_expect 'store articles: exit 3, the earlier rows kept; the rerun converges' '
	disk &&
	big 200 a >a && big 1500 b >b &&
	store articles <a && store articles --db clean.db <a &&
	store articles --db clean.db <b &&
	fill 2048 &&
	slowly cat b | store articles >/dev/null 2>err; rc=$?
	full store err && rm -f disk/filler && integrity &&
	n=$(sqlite3 "$JOBLINE_DB" "SELECT count(*) FROM articles") &&
	echo "committed before the disk filled: $n" &&
	test "$(sqlite3 "$JOBLINE_DB" "SELECT count(*) FROM articles WHERE id LIKE \"a%\"")" = 200 &&
	test "$n" -lt 1700 &&
	store articles <b && integrity &&
	same "SELECT id, url_key, title, record, complete FROM articles ORDER BY id"
'

test_expect 'a checkpoint into a full disk: the commits stand, nothing lost, checkpointed later' '
	disk &&
	big 1 a | store articles && big 1500 b >b &&
	store articles --db clean.db <b &&
	# a WAL of some 11 MB, every frame of it rolled back: a writer
	# reuses it from the start, so commits fit, but a checkpoint must
	# grow the database file
	sqlite3 "$JOBLINE_DB" ".filectrl persist_wal 1" "BEGIN" \
	    "CREATE TABLE scratch (x)" \
	    "INSERT INTO scratch SELECT zeroblob(16000) FROM generate_series(1, 800)" \
	    "ROLLBACK" >/dev/null &&
	test "$(stat -c %s "$JOBLINE_DB-wal")" -gt 10000000 &&
	{ dd if=/dev/zero of=disk/filler bs=64k 2>/dev/null; :; } &&
	store articles <b 2>err &&
	test ! -s err &&
	test "$(df --output=avail disk | tail -n 1)" -lt 64 &&
	test "$(rows "SELECT count(*) FROM articles")" = 1501 && integrity &&
	rm disk/filler &&
	store articles </dev/null &&
	test "$(rows "PRAGMA wal_checkpoint(TRUNCATE)")" = "0|0|0" &&
	test "$(rows "SELECT count(*) FROM articles")" = 1501 && integrity &&
	same "SELECT id, url_key, title, record, complete FROM articles WHERE id LIKE \"b%\" ORDER BY id"
'

test_expect 'store chunks: exit 3, no article half-completed; the rerun converges' '
	disk &&
	big 600 a >a && store articles <a && store articles --db clean.db <a &&
	awk "BEGIN { s = sprintf(\"%3000s\", \"\"); gsub(/ /, \"y\", s);
	    for (i = 1; i <= 600; i++) for (n = 0; n < 3; n++)
	    printf \"{\\\"item_id\\\":\\\"a%d\\\",\\\"n\\\":%d,\\\"count\\\":3,\\\"text\\\":\\\"%s\\\"}\\n\", i, n, s }" >c &&
	head -n 30 c >c1 && store chunks <c1 && store chunks --db clean.db <c &&
	fill 2048 &&
	slowly cat c | store chunks 2>err; rc=$?
	full store err && rm -f disk/filler && integrity &&
	n=$(rows "SELECT count(*) FROM articles WHERE complete = 1") &&
	echo "completed before the disk filled: $n" && test "$n" -ge 10 &&
	test "$(rows "SELECT count(*) FROM articles a WHERE complete = 1 AND (SELECT count(*) FROM chunks WHERE item_id = a.id) != 3")" = 0 &&
	store chunks <c && integrity &&
	same "SELECT a.id, a.complete, count(c.n) FROM articles a LEFT JOIN chunks c ON c.item_id = a.id GROUP BY 1 ORDER BY 1"
'

test_expect 'enqueue: exit 3, the earlier jobs kept; the rerun enqueues each once' '
	disk &&
	awk "BEGIN { s = sprintf(\"%2000s\", \"\"); gsub(/ /, \"p\", s);
	    for (i = 1; i <= 3000; i++) printf \"{\\\"n\\\":%d,\\\"pad\\\":\\\"%s\\\"}\\n\", i, s }" >in &&
	head -n 100 in >in1 &&
	enqueue q --key n <in1 >/dev/null && enqueue q --key n --db clean.db <in >/dev/null &&
	fill 1024 &&
	slowly cat in | enqueue q --key n >/dev/null 2>err; rc=$?
	full enqueue err && rm -f disk/filler && integrity &&
	test "$(rows "SELECT count(*) FROM queue WHERE CAST(key AS INTEGER) <= 100")" = 100 &&
	echo "enqueued before the disk filled: $(rows "SELECT count(*) FROM queue")" &&
	enqueue q --key n <in >/dev/null && integrity &&
	same "SELECT key, state, attempts, payload FROM queue ORDER BY CAST(key AS INTEGER)"
'

test_expect 'dequeue: exit 3, no job lost; the rerun does every job' '
	disk &&
	awk "BEGIN { for (i = 1; i <= 400; i++) printf \"{\\\"n\\\":%d}\\n\", i }" >in &&
	enqueue q --key n <in >/dev/null &&
	dequeue q --drain --max-jobs 20 -- sh -c "cat >/dev/null" >/dev/null &&
	fill 200 &&
	dequeue q --drain --lease 1s -- sh -c "cat >/dev/null" >/dev/null 2>err; rc=$?
	full dequeue err && rm -f disk/filler && integrity &&
	test "$(rows "SELECT count(*) FROM queue")" = 400 &&
	n=$(rows "SELECT count(*) FROM queue WHERE state = \"done\"") &&
	echo "done before the disk filled: $n" && test "$n" -ge 20 &&
	sleep 1.2 &&
	dequeue q --drain --lease 1s -- sh -c "cat >/dev/null" >/dev/null && integrity &&
	test "$(rows "SELECT state, count(*) FROM queue GROUP BY 1")" = "done|400"
'

test_expect 'run-job: exit 3 when the start cannot be recorded, the command not run' '
	disk &&
	run-job j -- true &&
	fill 0 &&
	run-job j -- touch ran 2>err; rc=$?
	full run-job err && rm -f disk/filler && integrity && test ! -e ran &&
	run-job j -- touch ran && test -e ran && integrity &&
	test "$(rows "SELECT group_concat(status) FROM runs")" = "success,success"
'

test_expect 'run-job: a command that fills the disk; its output still shown, the run closed next time' '
	disk &&
	run-job j -- true &&
	fill 2048 &&
	mkdir tmp &&
	TMPDIR=$PWD/tmp run-job j -- sh -c "echo filling >&2; dd if=/dev/zero of=disk/more bs=64k 2>/dev/null; exit 4" 2>err; rc=$?
	full run-job err && rm -f disk/filler disk/more && integrity &&
	grep -q "filling" err &&
	test -z "$(ls tmp)" &&
	run-job j -- true 2>err2 &&
	grep -q "closed as interrupted" err2 && integrity &&
	test "$(rows "SELECT group_concat(status) FROM runs")" = "success,interrupted,success"
'

test_expect 'jobs-status, a reader, on a disk too full for the -shm: exit 3 with the reason' '
	disk &&
	run-job j -- true &&
	fill 0 &&
	jobs-status >out 2>err; rc=$?
	full jobs-status err && rm -f disk/filler && integrity &&
	jobs-status >out && grep -q "^j " out
'

test_expect 'verify-predictions: exit 3, resolved ones kept; the rerun resolves each once' '
	disk &&
	"$TOP/tests/gen-predictions.sh" "$JOBLINE_DB" 3000 20 >/dev/null &&
	cp "$JOBLINE_DB" clean.db &&
	verify-predictions --db clean.db >/dev/null &&
	fill 8192 &&
	verify-predictions >out1 2>err; rc=$?
	full verify-predictions err && rm -f disk/filler && integrity &&
	n=$(rows "SELECT count(*) FROM predictions WHERE status = \"verified\"") &&
	echo "resolved before the disk filled: $n" &&
	test "$(wc -l <out1)" = "$n" &&
	verify-predictions >out2 && integrity &&
	test "$(cat out1 out2 | jq -r .id | sort | uniq -d | wc -l)" = 0 &&
	test "$(cat out1 out2 | wc -l)" = 3000 &&
	same "SELECT id, status, end_price, correct_option FROM predictions ORDER BY id" &&
	same "SELECT prediction_id, user_id, correct FROM votes ORDER BY 1, 2" &&
	same "SELECT * FROM user_stats ORDER BY 1"
'

mkdir -p "$TMP/www"
for i in $(seq 1 40); do cp "$DATA/feeds/rss2.xml" "$TMP/www/f$i.xml"; done
start_httpd "$TMP/www" || exit 1

test_expect 'fetch-feed: exit 3, feed state kept; the rerun records every feed' '
	disk &&
	for i in $(seq 1 40); do echo "$HTTPD/_/cond?f=f$i.xml"; done >urls &&
	head -n 5 urls >urls1 &&
	fetch-feed --pending p -f urls1 >/dev/null && fetch-feed --commit p &&
	fill 0 &&
	fetch-feed -f urls >/dev/null 2>err; rc=$?
	full fetch-feed err && rm -f disk/filler && integrity &&
	test "$(rows "SELECT count(*) FROM feeds WHERE etag IS NOT NULL")" -ge 5 &&
	fetch-feed --pending p -f urls >out && fetch-feed --commit p &&
	integrity &&
	test "$(rows "SELECT count(*), count(etag), sum(failures) FROM feeds")" = "40|40|0"
'

cat >"$TMP/www/quotes.json" <<\EOF
[{"symbol":"XAUUSD","price":2650.1,"time":"2026-11-22T09:00:00Z"},
 {"symbol":"XAGUSD","price":31.25,"time":"2026-11-22T09:00:00Z"}]
EOF

test_expect 'fetch-prices: exit 3, earlier quotes kept; the rerun stores them' '
	disk &&
	fetch-prices --url "$HTTPD/quotes.json" --symbols XAUUSD &&
	fill 0 &&
	fetch-prices --url "$HTTPD/quotes.json" --symbols XAUUSD,XAGUSD 2>err; rc=$?
	full fetch-prices err && rm -f disk/filler && integrity &&
	test "$(rows "SELECT count(*) FROM prices")" = 1 &&
	fetch-prices --url "$HTTPD/quotes.json" --symbols XAUUSD,XAGUSD && integrity &&
	test "$(rows "SELECT count(*) FROM prices")" = 2
'

test_done
