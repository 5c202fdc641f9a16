#!/bin/bash
# fetch-feed: HTTP (cache, encodings, redirects, timeouts, limits, retries, store)
. "$(dirname "$0")/lib.sh"

start_httpd "$DATA" || exit 1

# hits KEY: how many requests /_/flaky saw for KEY (without curl(1))
hits() {
	python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$HTTPD/_/hits?key=$1"
}
export JOBLINE_NOW=2026-11-22T08:30:00Z

test_expect 'fetches over HTTP; User-Agent names jobline; all encodings offered' '
	fetch-feed "$HTTPD/feeds/rss2.xml" "$HTTPD/_/ua" >out &&
	jq -e -s "length == 4 and (map(select(.id == \"nw-2026-001\"))[0].feed == \"$HTTPD/feeds/rss2.xml\") and
	    (map(select(.id == \"ua\"))[0] | (.title | test(\"^jobline-fetch-feed/[0-9.]+$\")) and
	    (.summary | test(\"gzip\") and test(\"br\") and test(\"zstd\")))" out
'

test_expect 'the feeds table records the outcome' '
	exits 1 fetch-feed "$HTTPD/feeds/rdf.xml" "$HTTPD/nothing.xml" >/dev/null 2>err &&
	grep -q "^fetch-feed: $HTTPD/nothing.xml: HTTP 404$" err &&
	test "$(rows "SELECT http_status, items, failures, error IS NULL, last_success IS NOT NULL, title FROM feeds WHERE url = \"$HTTPD/feeds/rdf.xml\"")" = "200|1|0|1|1|RDF News" &&
	test "$(rows "SELECT http_status, failures, error, last_success IS NULL, last_attempt FROM feeds WHERE url = \"$HTTPD/nothing.xml\"")" = "404|1|HTTP 404|1|2026-11-22T08:30:00Z" &&
	exits 1 fetch-feed "$HTTPD/nothing.xml" 2>/dev/null &&
	test "$(rows "SELECT failures FROM feeds WHERE url = \"$HTTPD/nothing.xml\"")" = 2
'

test_expect 'conditional GET: ETag and Last-Modified kept by --pending, stored by --commit; 304 gives no items, no error' '
	u="$HTTPD/_/cond?f=feeds/rss2.xml" &&
	fetch-feed --pending p "$u" >first && test "$(wc -l <first)" = 3 &&
	test "$(rows "SELECT etag IS NULL, last_modified IS NULL FROM feeds")" = "1|1" &&
	jq -e ".url == \"$u\" and (.etag | startswith(\"\\\"v1-\"))" p &&
	fetch-feed --commit p &&
	test "$(rows "SELECT etag, last_modified FROM feeds")" = "\"v1-$(wc -c <"$DATA/feeds/rss2.xml")\"|Sat, 21 Nov 2026 10:00:00 GMT" &&
	fetch-feed -v "$u" >second 2>err && test ! -s second &&
	grep -q "304 not modified" err &&
	test "$(rows "SELECT http_status, items, failures FROM feeds")" = "304|3|0" &&
	fetch-feed --no-cache "$u" >third && test "$(wc -l <third)" = 3
'

test_expect 'gzip and brotli bodies are decoded' '
	fetch-feed "$HTTPD/_/gzip?f=feeds/atom10.xml" "$HTTPD/_/br?f=feeds/rss2.xml" >out &&
	jq -e -s "length == 5 and any(.source == \"Contoso Blog\") and any(.id == \"nw-2026-001\")" out
'

test_expect 'redirects are followed (up to 5); a loop and a long chain fail' '
	fetch-feed "$HTTPD/_/redirect?n=5&f=feeds/rdf.xml" | jq -e ".title == \"RDF item\"" &&
	exits 1 fetch-feed --retries 0 "$HTTPD/_/loop" "$HTTPD/_/redirect?n=7&f=feeds/rdf.xml" >out 2>err &&
	test ! -s out &&
	grep -q "^fetch-feed: $HTTPD/_/loop: redirect loop$" err &&
	grep -q "redirect?n=7.*: too many redirects" err
'

test_expect 'relative links resolve against the URL after redirects' '
	fetch-feed "$HTTPD/_/redirect?n=2&f=feeds/relative.xml" >out &&
	jq -e ".url == \"$HTTPD/feeds/story/1\" and .feed == \"$HTTPD/_/redirect?n=2&f=feeds/relative.xml\"" out
'

test_expect 'a slow drip past --timeout fails with a timeout' '
	exits 1 fetch-feed --timeout 1s --retries 0 "$HTTPD/_/drip?s=4" 2>err &&
	grep -q "_/drip?s=4: timed out" err &&
	test "$(rows "SELECT failures, error LIKE \"timed out%\" FROM feeds")" = "1|1"
'

test_expect 'a huge body and a gzip bomb are cut off at --max-size' '
	exits 1 fetch-feed --max-size 1M "$HTTPD/_/huge?mb=40" "$HTTPD/_/bomb" >/dev/null 2>err &&
	grep -q "_/huge?mb=40: too large (over 1048576 bytes)" err &&
	grep -q "_/bomb: too large (over 1048576 bytes)" err
'

test_expect '500 and 429 are retried (Retry-After honoured), then succeed' '
	fetch-feed -v "$HTTPD/_/flaky?key=a&code=500&f=feeds/rdf.xml" \
	    "$HTTPD/_/flaky?key=b&code=429&after=1&f=feeds/rdf.xml" >out 2>err &&
	test "$(wc -l <out)" = 2 && grep -q retried err &&
	test "$(hits a)" = 2 &&
	test "$(hits b)" = 2
'

test_expect 'retries are bounded; a Retry-After too long is not waited for' '
	exits 1 fetch-feed --retries 1 "$HTTPD/_/flaky?key=c&code=503&times=9" \
	    "$HTTPD/_/flaky?key=d&code=429&after=3600&times=9" 2>err &&
	test "$(hits c)" = 2 &&
	test "$(hits d)" = 1 &&
	grep -q "key=c.*: HTTP 503$" err && grep -q "key=d.*: HTTP 429, retry after 3600s (1 failure in a row; next try at 2026-11-22T09:30:00Z)$" err
'

test_expect 'charsets: HTTP charset used; a wrong Latin-1 label on UTF-8 is repaired' '
	fetch-feed "$HTTPD/_/ctype?f=feeds/cp1251.xml&ct=text/xml;%20charset=windows-1251" \
	    "$HTTPD/_/ctype?f=feeds/rss2.xml&ct=text/xml;%20charset=iso-8859-1" \
	    "$HTTPD/_/ctype?f=feeds/rss091.xml&ct=text/xml" >out &&
	jq -e -s "(map(select(.id == \"ru\"))[0].title == \"\u041f\u0440\u0438\u0432\u0435\u0442\") and
	    (map(select(.id == \"nw-2026-001\"))[0].summary | contains(\"\u20ac40m\")) and
	    (map(select(.url == \"http://cafe.example/1\"))[0].title == \"Cr\u00e8me br\u00fbl\u00e9e \u00e9t\u00e9 \u00a9 2026\")" out
'

test_expect 'XXE over HTTP: no request leaves for the external entity' '
	fetch-feed "$HTTPD/feeds/xxe.xml" "$HTTPD/feeds/billion-laughs.xml" >out &&
	test "$(wc -l <out)" = 2 && ! grep -q evil.dtd "$TMP/.server-log"
'

test_expect 'a host that refuses connections fails with a reason; -j and --per-host accepted' '
	exits 1 fetch-feed -j 3 --per-host 1 --retries 0 http://127.0.0.1:9/feed "$HTTPD/feeds/rdf.xml" >out 2>err &&
	test "$(wc -l <out)" = 1 && grep -q "^fetch-feed: http://127.0.0.1:9/feed: .*" err
'

test_expect 'TLS and DNS failures: one line each, the other feeds go on' '
	port=${HTTPD##*:} &&
	exits 1 fetch-feed --retries 0 --connect-timeout 3s "https://127.0.0.1:$port/feeds/rdf.xml" \
	    http://no-such-host.invalid/feed "$HTTPD/feeds/rdf.xml" >out 2>err &&
	test "$(wc -l <out)" = 1 && test "$(wc -l <err)" = 2 &&
	grep -q "^fetch-feed: https://127.0.0.1:$port/feeds/rdf.xml: .*SSL" err &&
	grep -q "^fetch-feed: http://no-such-host.invalid/feed: " err
'

test_expect 'many feeds from one host at once: all fetched' '
	for i in $(seq 1 30); do echo "{\"url\":\"$HTTPD/feeds/rdf.xml?$i\",\"n\":$i}"; done |
	    fetch-feed -j 6 >out &&
	test "$(jq -s "map(.n) | sort | length" out)" = 30
'

test_expect '--per-host bounds the transfers to one host' '
	for i in 1 2 3 4 5 6 7 8; do echo "$HTTPD/_/conc?n=$i"; done >urls &&
	fetch-feed -j 8 --per-host 2 -f urls >out &&
	test "$(wc -l <out)" = 8 &&
	max=$(python3 -c "import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1]).read().decode())" "$HTTPD/_/conc?max=1") &&
	test "$max" -le 2 && test "$max" -ge 1
'

test_expect 'SIGTERM during a slow transfer: stops, exits 143' '
	fetch-feed --retries 0 "$HTTPD/feeds/rdf.xml" "$HTTPD/_/drip?s=20" >out 2>err & pid=$!
	sleep 1.5; kill -TERM $pid; wait $pid; rc=$?
	test $rc = 143 && jq -e ".title == \"RDF item\"" out
'

test_expect '-q: failures only in the exit status' '
	exits 1 fetch-feed -q --retries 0 "$HTTPD/nothing.xml" 2>err && test ! -s err
'

test_expect 'a feed failing again and again backs off: growing waits, capped at a day; --reset-failures brings it back' '
	u="$HTTPD/_/flaky?key=dead&code=500&times=100" &&
	exits 1 fetch-feed --retries 0 "$u" 2>err &&
	grep -qx "fetch-feed: $u: HTTP 500" err &&
	test "$(rows "SELECT failures, next_try IS NULL FROM feeds")" = "1|1" &&
	exits 1 fetch-feed --retries 0 "$u" 2>err &&
	next=$(rows "SELECT next_try FROM feeds") &&
	grep -qx "fetch-feed: $u: HTTP 500 (2 failures in a row; next try at $next)" err &&
	# the first wait: 5 to 10 minutes (10 with jitter)
	test "$next" \> 2026-11-22T08:34:59Z && test "$next" \< 2026-11-22T08:40:01Z &&
	test "$(hits dead)" = 2 &&
	exits 1 fetch-feed --retries 0 "$u" >out 2>err &&
	test ! -s out && test ! -s err && test "$(hits dead)" = 2 &&
	exits 1 fetch-feed -v --retries 0 "$u" 2>err &&
	grep -qx "fetch-feed: $u: not tried: 2 failures in a row; next try at $next" err &&
	JOBLINE_NOW=2026-11-22T08:40:01Z exits 1 fetch-feed --retries 0 "$u" 2>/dev/null &&
	test "$(hits dead)" = 3 &&
	next3=$(rows "SELECT next_try FROM feeds") &&
	test "$next3" \> 2026-11-22T08:50:00Z && test "$next3" \< 2026-11-22T09:00:02Z &&
	sqlite3 "$JOBLINE_DB" "UPDATE feeds SET failures = 40, next_try = NULL" &&
	exits 1 fetch-feed --retries 0 "$u" 2>/dev/null &&
	last=$(rows "SELECT next_try FROM feeds") &&
	test "$last" \> 2026-11-22T20:29:59Z && test "$last" \< 2026-11-23T08:30:01Z &&
	fetch-feed --reset-failures "$u" &&
	test "$(rows "SELECT failures, next_try IS NULL FROM feeds")" = "0|1" &&
	exits 1 fetch-feed --retries 0 "$u" 2>/dev/null && test "$(hits dead)" = 5 &&
	exits 1 fetch-feed --reset-failures "$HTTPD/unknown" 2>err &&
	grep -qx "fetch-feed: $HTTPD/unknown: no such feed in $JOBLINE_DB" err
'

test_expect 'Retry-After is honoured from the first failure; a success ends the backoff' '
	u="$HTTPD/_/flaky?key=ra&code=503&times=2&after=7200" &&
	exits 1 fetch-feed --retries 0 "$u" 2>err &&
	test "$(rows "SELECT failures, next_try FROM feeds")" = "1|2026-11-22T10:30:00Z" &&
	grep -qx "fetch-feed: $u: HTTP 503 (1 failure in a row; next try at 2026-11-22T10:30:00Z)" err &&
	u2="$HTTPD/_/flaky?key=ra2&code=503&times=1&after=999999" &&
	exits 1 fetch-feed --retries 0 "$u2" 2>/dev/null &&
	test "$(rows "SELECT next_try FROM feeds WHERE url = \"$u2\"")" = 2026-11-23T08:30:00Z &&
	JOBLINE_NOW=2026-11-23T08:30:00Z fetch-feed --retries 0 "$u2" >out &&
	test -s out &&
	test "$(rows "SELECT failures, next_try IS NULL, error IS NULL FROM feeds WHERE url = \"$u2\"")" = "0|1|1"
'

test_done
