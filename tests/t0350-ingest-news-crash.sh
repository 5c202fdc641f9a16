#!/bin/bash
# ingest-news is crash-safe: SIGKILL the whole pipeline at random moments,
# many times, rerunning each time; the store ends as after one clean run.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/stub"
cp "$DATA/retrieval/fetch-feed-stub" "$TMP/stub/fetch-feed"
PATH=$TMP/stub:$PATH
python3 "$TOP/tests/gen-articles.py" 250 31 >"$TMP/items"
echo "http://feeds.example.com/news.xml" >"$TMP/feeds"
STUB_ITEMS=$TMP/items
JOBLINE_NOW=2026-11-22T08:00:00Z
export PATH STUB_ITEMS JOBLINE_NOW
# rounds of five kills and a rerun: 6; under valgrind, where a pipeline
# takes a minute, 2 (and the kills come $JOBLINE_SLOW times later, after
# the first article is stored)
ROUNDS=6
[ "${JOBLINE_VALGRIND:-}" = 1 ] && ROUNDS=2

# dump DB: what must be equal, without the times and run tokens
dump() {
	sqlite3 "$1" "SELECT url_key, id, url, title, published, record, chunks,
	    complete FROM articles ORDER BY url_key;
	    SELECT id, item_id, n, count, text, start, \"end\", words, model, dim,
	    hex(vector), record FROM chunks ORDER BY id;
	    SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'market';"
}

# sound DB: the invariants of a finished store
sound() {
	test "$(sqlite3 "$1" "PRAGMA integrity_check")" = ok &&
	sqlite3 "$1" "INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')" &&
	test "$(sqlite3 "$1" "SELECT count(*), sum(complete) FROM articles")" = "250|250" &&
	test "$(sqlite3 "$1" "SELECT count(*) FROM chunks WHERE vector IS NULL
	    OR length(vector) != 1536")" = 0 &&
	test "$(sqlite3 "$1" "SELECT count(*) FROM articles a WHERE chunks !=
	    (SELECT count(*) FROM chunks c WHERE c.item_id = a.id)")" = 0
}

test_expect 'the reference: one uninterrupted run' '
	ingest-news -f "$TMP/feeds" --db "$TMP/ref.db" &&
	sound "$TMP/ref.db" && dump "$TMP/ref.db" >"$TMP/ref.dump" &&
	test "$(sqlite3 "$TMP/ref.db" "SELECT count(*) FROM chunks")" -gt 250
'

test_expect "killed $((ROUNDS * 5)) times at random moments, rerun each time: the same store" '
	# each run lasts a second at least: the feed comes in ten parts
	STUB_PAUSE=$(slow 0.1) &&
	export STUB_PAUSE &&
	killed=0 unfinished=0 round=0 &&
	while [ $round -lt $ROUNDS ]; do
		round=$((round + 1))
		rm -f crash.db crash.db-*
		i=0
		while [ $i -lt 5 ]; do
			i=$((i + 1))
			delay=$(awk -v s=$round$i "BEGIN { srand(s); printf \"%.3f\", 0.05 + rand() * 0.85 }")
			setsid ingest-news -f "$TMP/feeds" --db crash.db 2>/dev/null &
			pid=$!
			until kill -0 -$pid 2>/dev/null; do sleep 0.01; done
			# under valgrind the programs take longer to start than
			# the run lasts: the moments are counted from the first
			# article stored
			[ "${JOBLINE_VALGRIND:-}" = 1 ] && j=0 &&
			until [ "$(sqlite3 crash.db "SELECT count(*) FROM articles" 2>/dev/null)" -gt 0 ] 2>/dev/null ||
			    [ $j -gt 1200 ]; do j=$((j + 1)); sleep 0.05; done
			sleep "$(slow $delay)"
			kill -KILL -$pid 2>/dev/null && killed=$((killed + 1))
			wait $pid 2>/dev/null
			n=$(sqlite3 crash.db "SELECT count(*) - coalesce(sum(complete), 0) FROM articles" 2>/dev/null)
			[ "${n:-0}" -gt 0 ] && unfinished=$((unfinished + 1))
		done
		ingest-news -f "$TMP/feeds" --db crash.db &&
		sound crash.db &&
		dump crash.db >crash.dump &&
		test_cmp "$TMP/ref.dump" crash.dump || exit 1
	done &&
	echo "killed $killed of $((ROUNDS * 5)) runs; $unfinished left unfinished articles" &&
	test $killed -ge $((ROUNDS * 5 - 5)) && test $unfinished -ge $((ROUNDS - 1))
'

test_expect 'a run killed before anything was stored, then a clean one' '
	setsid ingest-news -f "$TMP/feeds" --db early.db 2>/dev/null &
	pid=$! &&
	until kill -0 -$pid 2>/dev/null; do sleep 0.01; done &&
	kill -KILL -$pid && { wait $pid; true; } &&
	ingest-news -f "$TMP/feeds" --db early.db &&
	sound early.db && dump early.db >early.dump &&
	test_cmp "$TMP/ref.dump" early.dump
'

test_expect 'a stage that stops early: the run exits with its status, not the SIGPIPE of the stages before it' '
	mkdir -p stub2 &&
	printf "%s\n" "#!/bin/sh" "[ \"\$1\" = chunks ] && { echo \"store: lost it\" >&2; exit 3; }" \
	    "exec \"$TOP/bin/store\" \"\$@\"" >stub2/store &&
	chmod +x stub2/store &&
	{ PATH=$PWD/stub2:$PATH ingest-news -f "$TMP/feeds" --db pipe.db -v 2>err; rc=$?; } ;
	test $rc = 3 &&
	grep -q "store-chunks exited 3" err &&
	grep -q "exited 141" err &&
	test "$(sqlite3 pipe.db "SELECT count(*) FROM articles WHERE complete = 1")" = 0
'

test_done
