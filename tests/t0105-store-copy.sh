#!/bin/bash
# store --copy-from: a SQLite store's every table into the --db store
# (another SQLite file, or under make check-pg a PostgreSQL database)
. "$(dirname "$0")/lib.sh"

EX=$TOP/share/examples
# the source: articles (some never chunked), chunks with vectors, runs and
# job state, the queue, a feed's validators, prices, predictions resolved
# with votes and user stats, a generic table
SRC=$TMP/src.db
(
	export JOBLINE_DB=$SRC
	python3 "$TOP/tests/gen-articles.py" 20 3 >"$TMP/items" &&
	store articles --emit new <"$TMP/items" |
	    chunk --words 60 --overlap 10 | embed | store chunks &&
	python3 "$TOP/tests/gen-articles.py" 4 4 |
	    sed 's/"id":"a/"id":"u/; s|example.com/|example.com/u|' |
	    store articles &&
	run-job j1 -- true && run-job j2 -- false
	echo '{"n":1}' | enqueue q1 >/dev/null &&
	echo '{"n":2}' | enqueue --key n q1 >/dev/null &&
	store predictions <"$EX/verify-predictions-predictions.jsonl" &&
	store votes <"$EX/verify-predictions-votes.jsonl" &&
	store prices <"$EX/verify-predictions-prices.jsonl" &&
	{ verify-predictions --now 2026-11-22T09:00:30Z >/dev/null 2>&1
	    [ $? -le 1 ]; } &&
	store company_updates --key update_id <<-\EOF2 &&
	{"update_id":"c1","company":"Acme","text":"Acme hires"}
	{"update_id":"c2","company":"Initech","text":"Initech fires"}
	EOF2
	sqlite3 "$SRC" "INSERT INTO feeds (url, etag, failures, next_try)
	    VALUES ('https://f.example/x.xml', '\"e1\"', 2, '2026-11-22T11:00:00Z')"
) || { echo "Bail out! the source store"; exit 1; }
TABLES="articles articles_todo chunks chunks_vectors feeds runs job_state queue queue_keys prices predictions votes user_stats company_updates"

# counts TABLES...: each table's row count, a line each
counts() {
	for t in $TABLES; do echo "$t $(rows "SELECT count(*) FROM $t")"; done
}

test_expect 'every table copied, a JSON line each; vectors and search alike' '
	JOBLINE_DB=$SRC counts >want &&
	store --copy-from "$SRC" >out &&
	counts >got && test_cmp want got &&
	jq -e -s "length == 13 and all(.present == 0) and
	    (map(select(.table == \"articles\"))[0].copied == 24) and
	    (map(select(.table == \"articles_todo\"))[0].copied == 4) and
	    (map(select(.table == \"company_updates\"))[0].copied == 2)" out &&
	q="SELECT c.id, hex(c.vector), a.complete, a.chunks FROM chunks c JOIN articles a ON a.id = c.item_id ORDER BY c.id" &&
	JOBLINE_DB=$SRC rows "$q" >want && rows "$q" >got && test_cmp want got &&
	q="SELECT url, etag, failures, next_try FROM feeds" &&
	JOBLINE_DB=$SRC rows "$q" >want && rows "$q" >got && test_cmp want got &&
	q="SELECT user_id, predictions, correct, best_streak, last_seq FROM user_stats ORDER BY user_id" &&
	JOBLINE_DB=$SRC rows "$q" >want && rows "$q" >got && test_cmp want got &&
	search --db "$SRC" --mode vector -k 3 bitcoin market >want &&
	search --mode vector -k 3 bitcoin market >got && test_cmp want got
'

test_expect 'copying again copies nothing twice' '
	store --copy-from "$SRC" >/dev/null &&
	counts >before &&
	store --copy-from "$SRC" >out &&
	counts >after && test_cmp before after &&
	jq -e -s "length == 13 and all(.copied == 0) and (map(.present) | add) > 0" out
'

test_expect 'ids kept: job state and the queue go on where they were' '
	store --copy-from "$SRC" >/dev/null &&
	test "$(rows "SELECT last_run_id FROM job_state WHERE job = '"'"'j2'"'"'")" = 2 &&
	run-job j3 -- true &&
	test "$(rows "SELECT id FROM runs WHERE job = '"'"'j3'"'"'")" = 3 &&
	echo "{\"n\":3}" | enqueue q1 >out &&
	jq -e ".id == 3" out &&
	echo "{\"n\":2}" | enqueue --key n q1 >out && test ! -s out &&
	test "$(rows "SELECT max(resolved_seq) FROM predictions")" = "$(JOBLINE_DB=$SRC rows "SELECT max(resolved_seq) FROM predictions")"
'

test_expect 'a row whose id is another'"'"'s in the target is not copied, and said (exit 1)' '
	run-job other -- true &&
	exits 1 store --copy-from "$SRC" >out &&
	jq -e -s "map(select(.table == \"runs\"))[0] | .clashed == 1 and .copied == 1" out &&
	test "$(rows "SELECT job FROM runs WHERE id = 1")" = other &&
	test "$(rows "SELECT count(*) FROM articles")" = 24
'

test_expect 'usage: no TABLE with it, a SQLite path only, a missing store exits 3' '
	exits 2 store articles --copy-from "$SRC" 2>err && grep -q usage err &&
	exits 2 store --copy-from postgresql:///x 2>err &&
	grep -q "takes a SQLite store" err &&
	exits 3 store --copy-from "$TMP/nonexistent.db" 2>err &&
	grep -q "nonexistent.db: no store there" err && test ! -e "$TMP/nonexistent.db" &&
	store --help | grep -q -- "--copy-from PATH"
'

test_done
