#!/bin/bash
# ingest-news end to end with the real fetch-feed: the sample feeds shipped
# in share/samples (local files), then the same over HTTP
. "$(dirname "$0")/lib.sh"

# started here, not in a test body, so that test_cleanup stops it
mkdir -p "$TMP/site" && cp -R "$TOP/share/samples/feeds/." "$TMP/site/"
start_httpd "$TMP/site"

test_expect 'the sample feeds: every item stored complete, with vectors; report' '
	ingest-news --report >out 2>err &&
	test ! -s err &&
	n=$(rows "SELECT count(*) FROM articles") &&
	test "$n" -gt 20 &&
	test "$(rows "SELECT count(*) FROM articles WHERE complete = 1")" = "$n" &&
	test "$(rows "SELECT count(*) FROM chunks WHERE length(vector) = 1536")" = "$(rows "SELECT sum(chunks) FROM articles")" &&
	grep -q "^ingest-news: 5 feeds (0 failed), [0-9]* items$" out &&
	grep -q "^ingest-news: $n new articles;" out &&
	search -k 3 revenue outlook >hits &&
	test "$(wc -l <hits)" = 3 && jq -e "(.url | startswith(\"http\")) and .title != null" hits >/dev/null
'

test_expect 'a second run finds nothing new and changes nothing' '
	ingest-news &&
	rows "SELECT id, hex(vector) FROM chunks ORDER BY id" >before &&
	ingest-news --report >out &&
	grep -q "^ingest-news: 0 new articles;" out &&
	rows "SELECT id, hex(vector) FROM chunks ORDER BY id" >after &&
	test_cmp before after
'

test_expect 'feeds over HTTP; a feed that fails makes the exit status 1' '
	for f in "$TMP"/site/*; do echo "$HTTPD/${f#"$TMP"/site/}"; done >feeds.txt &&
	echo "$HTTPD/_/status?code=500" >>feeds.txt &&
	exits 1 ingest-news -f feeds.txt 2>err &&
	test "$(rows "SELECT count(*) FROM articles WHERE complete = 0")" = 0 &&
	test "$(rows "SELECT count(*) FROM articles")" -gt 20
'

test_done
