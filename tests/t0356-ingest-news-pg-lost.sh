#!/bin/bash
# ingest-news on PostgreSQL: the server restarted (pg_ctl restart -m
# immediate) at any moment of a run - the run fails, nothing it wrote is
# half there, and the next run stores every item the feeds served, each
# article once and with each of its chunks once
. "$(dirname "$0")/lib.sh"

if [ "${JOBLINE_TEST_PG:-}" != 1 ]; then
	test_skip 'the connection lost mid-pipeline' "PostgreSQL only (make check-pg)"
	test_done
fi

# mkfeed I N: feed I with items 1..N, each of its own URL, a few chunks each
mkfeed() {
	{
		echo '<?xml version="1.0"?><rss version="2.0"><channel>'
		echo "<title>Feed $1</title>"
		n=1
		while [ "$n" -le "$2" ]; do
			echo "<item><title>Feed $1 item $n</title>"
			echo "<link>https://news.example/f$1/$n</link>"
			printf '<description>'
			w=0
			while [ $w -lt $((200 + n % 7 * 60)) ]; do
				printf 'Item %s of feed %s: revenue rose in quarter %s. ' "$n" "$1" "$w"
				w=$((w + 10))
			done
			echo '</description></item>'
			n=$((n + 1))
		done
		echo '</channel></rss>'
	} >"$TMP/www/f$1.xml"
}
mkdir -p "$TMP/www"
for i in 1 2 3 4 5 6; do mkfeed "$i" 40; done
start_httpd "$TMP/www" || exit 1
for i in 1 2 3 4 5 6; do echo "$HTTPD/_/cond?f=f$i.xml&vary=1"; done >"$TMP/feeds"

# every item the feeds serve now is stored and complete, each complete
# article has exactly its chunks, and there are as many chunks as a run
# into a fresh SQLite store makes
all_stored_once() {
	rm -f scratch.db* &&
	ingest-news --db scratch.db -f "$TMP/feeds" </dev/null &&
	sqlite3 scratch.db "SELECT url FROM articles WHERE complete = 1 ORDER BY url" >want &&
	rows "SELECT url FROM articles WHERE complete = 1 ORDER BY url" >got &&
	test_cmp want got &&
	test "$(rows "SELECT count(*) FROM articles WHERE complete = 0")" = 0 &&
	test "$(rows "SELECT count(*) FROM articles a WHERE a.chunks <>
	    (SELECT count(*) FROM chunks c WHERE c.item_id = a.id)")" = 0 &&
	test "$(rows "SELECT count(*) FROM chunks")" = \
	    "$(sqlite3 scratch.db "SELECT count(*) FROM chunks")"
}

test_expect 'the server restarted at seeded moments of runs: every item stored once, with its chunks once' '
	r=0 failed=0 &&
	while [ $r -lt 6 ]; do
		r=$((r + 1))
		# new items in two feeds each round: work for every stage
		mkfeed $((r % 6 + 1)) $((40 + 20 * r)) &&
		mkfeed $(((r + 3) % 6 + 1)) $((40 + 20 * r)) &&
		# odd rounds: once this run has stored articles; even: chunks
		t=articles; [ $((r % 2)) = 0 ] && t=chunks
		before=$(rows "SELECT count(*) FROM $t") || exit 1
		{ ingest-news -f "$TMP/feeds" </dev/null >/dev/null 2>>err & p=$!; } &&
		i=0 &&
		while [ "$(rows "SELECT count(*) FROM $t")" = "$before" ] &&
		    [ $i -lt $((400 * JOBLINE_SLOW)) ] && kill -0 $p 2>/dev/null; do
			i=$((i + 1)); sleep 0.02
		done &&
		pg_ctl_restart || exit 1
		wait $p && rc=0 || rc=$?
		# it finished before the restart, or it failed: not killed, not hung
		case $rc in 0) ;; 1|3) failed=$((failed + 1)) ;; *) echo "rc $rc" >&2; exit 1 ;; esac
	done &&
	echo "runs that lost the server: $failed of 6" >&2 &&
	test $failed -ge 3 &&
	grep -q "connection lost\|cannot connect\|server closed" err &&
	ingest-news -f "$TMP/feeds" </dev/null &&
	all_stored_once
'

test_done
