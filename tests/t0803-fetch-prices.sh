#!/bin/bash
# fetch-prices: quotes from an HTTP JSON endpoint into the prices table,
# the answer shapes, errors, pruning by age
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/www"
cat >"$TMP/www/quotes.json" <<\EOF
[{"symbol":"XAUUSD","price":2650.1,"time":"2026-11-22T09:00:00Z"},
 {"symbol":"XAGUSD","price":"31.25"},
 {"symbol":"EURUSD","price":1.0523,"time":1795338000},
 {"symbol":"GBPUSD","price":1.2511,"time":1795338000000},
 {"symbol":"USDJPY","price":154.2,"time":"2026-11-22T10:00:00+01:00"},
 {"symbol":"BTCUSD","price":98000.5},
 {"symbol":"ETHUSD","price":3100}]
EOF
echo '{"XAUUSD":2650.1,"BTCUSD":{"price":98000.5,"time":"2026-11-22T09:00:01Z"}}' >"$TMP/www/map.json"
echo '{"time":"2026-11-22T08:00:00Z","quotes":{"XAUUSD":2600,"XAGUSD":30}}' >"$TMP/www/wrapped.json"
echo '{"data":[{"symbol":"XAUUSD","price":-1},{"symbol":"XAGUSD","price":"abc"}]}' >"$TMP/www/bad.json"
echo '<html>maintenance</html>' >"$TMP/www/html.json"
start_httpd "$TMP/www" || exit 1
export JOBLINE_NOW=2026-11-22T09:00:02Z

test_expect 'usage: --help, unknown option, no endpoint' '
	fetch-prices --help | grep -q "^usage: fetch-prices" &&
	exits 2 fetch-prices --bogus 2>/dev/null &&
	exits 2 fetch-prices 2>err && grep -q "no endpoint: give --url or set JOBLINE_PRICES_URL" err &&
	exits 2 fetch-prices --url "$HTTPD/x" --symbols "X;Y" 2>/dev/null &&
	fetch-prices --version | grep -q "^fetch-prices (jobline) "
'

test_expect 'an array of quotes: the default symbols stored, others ignored' '
	fetch-prices --url "$HTTPD/quotes.json" &&
	rows "SELECT symbol, time, price FROM prices ORDER BY 1" >got &&
	cat >want <<-\EOF &&
	BTCUSD|2026-11-22T09:00:02Z|98000.5
	EURUSD|2026-11-22T09:00:00Z|1.0523
	GBPUSD|2026-11-22T09:00:00Z|1.2511
	XAGUSD|2026-11-22T09:00:02Z|31.25
	XAUUSD|2026-11-22T09:00:00Z|2650.1
	USDJPY|2026-11-22T09:00:00Z|154.2
	EOF
	sort want >want.s && sort got >got.s && test_cmp want.s got.s &&
	: again: nothing new &&
	JOBLINE_STATS=$PWD/st fetch-prices --url "$HTTPD/quotes.json" &&
	grep -q "^quotes_stored 0$" st && test "$(rows "SELECT count(*) FROM prices")" = 6
'

test_expect 'an object map, --symbols, --emit, --no-store; JOBLINE_PRICES_URL' '
	JOBLINE_PRICES_URL="$HTTPD/map.json" fetch-prices --symbols XAUUSD,BTCUSD --emit --no-store >out &&
	printf "%s\n" "{\"symbol\":\"XAUUSD\",\"time\":\"2026-11-22T09:00:02Z\",\"price\":2650.1}" \
	    "{\"symbol\":\"BTCUSD\",\"time\":\"2026-11-22T09:00:01Z\",\"price\":98000.5}" >want &&
	test_cmp want out && test ! -f "$JOBLINE_DB" &&
	: the quotes feed verify-predictions directly &&
	fetch-prices --url "$HTTPD/map.json" --symbols XAUUSD --emit --no-store | jq -e ".symbol == \"XAUUSD\""
'

test_expect 'quotes under "quotes" with a shared time; {symbols} in the URL' '
	JOBLINE_PRICES_SYMBOLS="XAUUSD XAGUSD" fetch-prices --url "$HTTPD/wrapped.json?s={symbols}" &&
	test "$(rows "SELECT symbol || time || CAST(price AS INTEGER) FROM prices ORDER BY 1" | tr "\n" " ")" = "XAGUSD2026-11-22T08:00:00Z30 XAUUSD2026-11-22T08:00:00Z2600 " &&
	grep -q "GET /wrapped.json?s=XAUUSD,XAGUSD " "$TMP/.server-log"
'

test_expect 'a failed fetch, a bad answer, missing symbols: exit 1, said on stderr' '
	exits 1 fetch-prices --url "$HTTPD/_/status?code=503" 2>err &&
	grep -q "_/status?code=503: HTTP 503" err &&
	exits 1 fetch-prices --url "$HTTPD/html.json" 2>err &&
	grep -q "the answer is not JSON quotes" err &&
	exits 1 fetch-prices --url "$HTTPD/bad.json" --symbols XAUUSD,XAGUSD 2>err &&
	grep -q "XAUUSD: price is not a positive number" err &&
	grep -q "XAGUSD: price is not a positive number" err &&
	exits 1 fetch-prices --url "$HTTPD/map.json" --symbols XAUUSD,EURUSD 2>err &&
	grep -q "EURUSD: no quote in the answer" err &&
	test "$(rows "SELECT symbol FROM prices")" = XAUUSD &&
	exits 1 fetch-prices --url "http://127.0.0.1:1/" --timeout 2s 2>err && test -s err
'

test_expect 'transient failures retried after a backoff; a long Retry-After is not waited for' '
	fetch-prices --url "$HTTPD/_/flaky?key=p1&code=503&times=2&f=map.json" --symbols XAUUSD 2>err &&
	test ! -s err && test "$(curl -s "$HTTPD/_/hits?key=p1")" = 3 &&
	exits 1 fetch-prices --url "$HTTPD/_/flaky?key=p2&code=503&times=3&f=map.json" --symbols XAUUSD 2>err &&
	grep -q "HTTP 503" err && test "$(curl -s "$HTTPD/_/hits?key=p2")" = 3 &&
	exits 1 fetch-prices --url "$HTTPD/_/flaky?key=p3&code=429&times=1&after=3600&f=map.json" --symbols XAUUSD 2>err &&
	grep -q "HTTP 429, retry after 3600s" err && test "$(curl -s "$HTTPD/_/hits?key=p3")" = 1 &&
	: a 404 is not retried &&
	exits 1 fetch-prices --url "$HTTPD/_/flaky?key=p4&code=404&times=1&f=map.json" --symbols XAUUSD 2>err &&
	test "$(curl -s "$HTTPD/_/hits?key=p4")" = 1
'

test_expect 'JOBLINE_PRICES_TOKEN is sent as a bearer token, with Accept: application/json' '
	exits 1 fetch-prices --url "$HTTPD/_/auth?token=s3cret&f=map.json" --symbols XAUUSD 2>err &&
	grep -q "HTTP 401" err &&
	JOBLINE_PRICES_TOKEN=s3cret fetch-prices --url "$HTTPD/_/auth?token=s3cret&f=map.json" --symbols XAUUSD --emit --no-store >out &&
	jq -e ".symbol == \"XAUUSD\"" out
'

test_expect 'quotes older than --keep are pruned, of every symbol' '
	printf "%s\n" "{\"symbol\":\"XAUUSD\",\"time\":\"2026-11-20T09:00:00Z\",\"price\":1}" \
	    "{\"symbol\":\"OLD\",\"time\":\"2026-11-21T08:00:00Z\",\"price\":1}" \
	    "{\"symbol\":\"OLD\",\"time\":\"2026-11-22T08:30:00Z\",\"price\":1}" | store prices &&
	fetch-prices --url "$HTTPD/map.json" --symbols XAUUSD --keep 1h &&
	test "$(rows "SELECT symbol || time FROM prices ORDER BY 1" | tr "\n" " ")" = "OLD2026-11-22T08:30:00Z XAUUSD2026-11-22T09:00:02Z " &&
	fetch-prices --url "$HTTPD/map.json" --symbols XAUUSD --keep 0 &&
	test "$(rows "SELECT count(*) FROM prices")" = 2
'

test_done
