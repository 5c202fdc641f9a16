#!/bin/bash
# ingest-news: the pipeline script, its options, report and exit statuses
# (fetch-feed replaced by tests/data/retrieval/fetch-feed-stub)
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/stub"
cp "$DATA/retrieval/fetch-feed-stub" "$TMP/stub/fetch-feed"
PATH=$TMP/stub:$PATH
python3 "$TOP/tests/gen-articles.py" 80 21 >"$TMP/items"
echo "http://feeds.example.com/news.xml" >"$TMP/feeds"
STUB_ITEMS=$TMP/items
export PATH STUB_ITEMS

test_expect 'usage: --help to stdout, bad options and feed lists exit 2' '
	ingest-news --help | grep -q "^usage: ingest-news" &&
	exits 2 ingest-news --bogus 2>err && grep -q usage err &&
	exits 2 ingest-news -f "$TMP/nonexistent" 2>err &&
	grep -q "cannot read the feed list" err &&
	ingest-news --version | grep -q "^ingest-news (jobline) "
'

test_expect 'stores every article complete, its chunks with vectors; silent' '
	ingest-news -f "$TMP/feeds" >out 2>err &&
	test ! -s out && test ! -s err &&
	test "$(rows "SELECT count(*), sum(complete) FROM articles")" = "80|80" &&
	test "$(rows "SELECT count(*) FROM chunks WHERE model = '"'"'hash-v1-384'"'"' AND length(vector) = 1536")" = "$(rows "SELECT sum(chunks) FROM articles")" &&
	test "$(rows "SELECT count(*) FROM articles WHERE chunks = 0")" -gt 0
'

test_expect '--report says what was fetched and stored; a second run adds nothing' '
	ingest-news -f "$TMP/feeds" --db s.db --report >out &&
	grep -q "^ingest-news: 80 new articles; 80 articles cut into [0-9]* chunks" out &&
	grep -q "^ingest-news: s.db: 80 articles (80 complete), [0-9]* chunks" out &&
	sqlite3 s.db "SELECT id, hex(vector) FROM chunks ORDER BY id" >before &&
	ingest-news -f "$TMP/feeds" --db s.db --report >out2 &&
	grep -q "^ingest-news: 0 new articles; 0 articles" out2 &&
	sqlite3 s.db "SELECT id, hex(vector) FROM chunks ORDER BY id" >after &&
	test_cmp before after
'

test_expect 'the feed list and options reach the stages; -- passes options to embed' '
	STUB_ARGS=$PWD/args ingest-news -f "$TMP/feeds" -- --dim 32 &&
	test "$(cat args)" = "$(printf -- "-f\n%s" "$TMP/feeds")" &&
	test "$(rows "SELECT DISTINCT model FROM chunks")" = hash-v1-32
'

test_expect 'a stage that fails sets the exit status; the next run finishes the work' '
	STUB_EXIT=1 exits 1 ingest-news -f "$TMP/feeds" &&
	test "$(rows "SELECT count(*), sum(complete) FROM articles")" = "80|80" &&
	rm -f "$JOBLINE_DB"* &&
	exits 1 ingest-news -f "$TMP/feeds" -- --backend openai \
	    --url http://127.0.0.1:9/v1 --retries 0 2>err &&
	grep -q "embed: batch of" err &&
	test "$(rows "SELECT count(*) FROM articles WHERE complete = 1 AND chunks > 0")" = 0 &&
	ingest-news -f "$TMP/feeds" &&
	test "$(rows "SELECT count(*), sum(complete) FROM articles")" = "80|80"
'

test_expect 'counters reach $JOBLINE_STATS' '
	JOBLINE_STATS=$PWD/st ingest-news -f "$TMP/feeds" &&
	grep -q "^articles_new 80$" st && grep -q "^chunk_items 80$" st &&
	grep -q "^embedded [1-9]" st
'

test_expect 'without -f: the sample feeds beside the script, in the tree or installed' '
	mkdir -p p/bin p/share/jobline/samples &&
	cp "$TOP/bin/ingest-news" p/bin/ &&
	echo "http://feeds.example.com/x" >p/share/jobline/samples/feeds.txt &&
	STUB_ARGS=$PWD/args p/bin/ingest-news &&
	test "$(sed -n 2p args)" = "$PWD/p/bin/../share/jobline/samples/feeds.txt" &&
	mkdir -p t/bin t/share/samples && cp "$TOP/bin/ingest-news" t/bin/ &&
	echo "http://feeds.example.com/y" >t/share/samples/feeds.txt &&
	STUB_ARGS=$PWD/args t/bin/ingest-news &&
	test "$(sed -n 2p args)" = "$PWD/t/bin/../share/samples/feeds.txt" &&
	mkdir -p n/bin && cp "$TOP/bin/ingest-news" n/bin/ &&
	exits 2 n/bin/ingest-news 2>err && grep -q "no feed list" err
'

test_done
