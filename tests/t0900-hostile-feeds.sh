#!/bin/bash
# fetch-feed against hostile feeds from the test server (issue 10, story
# "hostile feeds"): each hostile feed is fetched in one run beside a good
# feed of the same server, and each run must
#   - give every item of the good feed,
#   - report the hostile feed on stderr as "fetch-feed: URL: reason" and
#     exit 1 (or, for a document that is a feed read safely, give its
#     items and say nothing),
#   - end within a hard cap (timeout(1): the run is killed and the test
#     fails past it),
#   - stay under a peak RSS cap (GNU time's %M).
# Bodies are made by tests/httpd.py as they are sent: nothing large is
# written to disk.
. "$(dirname "$0")/lib.sh"

start_httpd "$DATA" || exit 1
G=$HTTPD/feeds/rss2.xml
export G
JOBLINE_DB=$TMP/good.db fetch-feed "$G" | jq -r .id | sort >"$TMP/good.ids"
test "$(wc -l <"$TMP/good.ids")" = 3 || exit 1

# Peak RSS cap: the good and the hostile feed together.  ASan's shadow
# memory and quarantine (and valgrind's own memory) make RSS meaningless
# under SANITIZE=1 and make check-valgrind.
MEMCAP_KB=65536
{ [ "${SANITIZE:-}" = 1 ] || [ "${JOBLINE_VALGRIND:-}" = 1 ]; } && MEMCAP_KB=1048576
export MEMCAP_KB

# good FILE: every item of the good feed is in FILE, whole.
good() {
	jq -r "select(.feed == \"$G\") | .id" "$1" | sort >good.got &&
	test_cmp "$TMP/good.ids" good.got &&
	jq -e -s "map(select(.feed == \"$G\" and .id == \"nw-2026-001\"))[0] |
	    .title == \"Northwind raises \$40\u00a0million in Series\u00a0B\"" "$1" >/dev/null
}

# reported URL REASON: stderr has exactly "fetch-feed: URL: REASON".
reported() {
	grep -Fx "fetch-feed: $1: $2" err ||
	    { echo "no line \"fetch-feed: $1: $2\" in:" >&2; cat err >&2; return 1; }
}

# utf8_json FILE: every line valid UTF-8 and one JSON object.
utf8_json() {
	python3 -c 'import sys, json
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    try:
        o = json.loads(line.decode("utf-8", "strict"))
        assert isinstance(o, dict)
    except Exception as e:
        sys.exit("line %d: %s" % (n, e))' "$1"
}

if [ ! -x /usr/bin/time ]; then
	test_skip 'hostile feeds' 'no /usr/bin/time (Debian package time)'
	test_done
fi

test_expect '2 GiB bodies, with a length and chunked: cut at --max-size, bounded' '
	bounded 60 fetch-feed --retries 0 "$G" "$HTTPD/_/big?mb=2048" \
	    "$HTTPD/_/big?mb=2048&chunked=1" &&
	test $rc = 1 && good out &&
	reported "$HTTPD/_/big?mb=2048" "too large (over 16777216 bytes)" &&
	reported "$HTTPD/_/big?mb=2048&chunked=1" "too large (over 16777216 bytes)" &&
	test $(wc -l <err) = 2 &&
	n=$(jq -r "select(.feed == \"$HTTPD/_/big?mb=2048&chunked=1\") | .title" out | wc -l) &&
	test $n -gt 10000 && test $n -lt 16384 && utf8_json out
'

test_expect 'an endless chunked response: cut at --max-size, the server left sending' '
	bounded 60 fetch-feed --retries 0 "$HTTPD/_/endless" "$G" &&
	test $rc = 1 && good out &&
	reported "$HTTPD/_/endless" "too large (over 16777216 bytes)" &&
	test $(wc -l <err) = 1 &&
	fetch-feed --reset-failures "$HTTPD/_/endless" &&
	bounded 60 fetch-feed --retries 0 --max-size 100K "$HTTPD/_/endless" "$G" &&
	test $rc = 1 && good out &&
	reported "$HTTPD/_/endless" "too large (over 102400 bytes)"
'

test_expect 'a gzip bomb of 10 GiB made as it is sent: cut at --max-size after decoding' '
	bounded 60 fetch-feed --retries 0 "$HTTPD/_/gzbomb?gb=10" "$G" &&
	test $rc = 1 && good out &&
	reported "$HTTPD/_/gzbomb?gb=10" "too large (over 16777216 bytes)" &&
	test $(wc -l <err) = 1 && test $(wc -l <out) = 3
'

test_expect 'a slow drip that never ends: --timeout ends it, the good feed whole' '
	bounded 30 fetch-feed --retries 0 --timeout 3s "$HTTPD/_/drip?s=3600" "$G" &&
	test $rc = 1 && good out && test $(wc -l <out) = 3 &&
	grep -q "^fetch-feed: $HTTPD/_/drip?s=3600: timed out" err &&
	test $(wc -l <err) = 1
'

test_expect 'a redirect loop and an endless chain of redirects: each reported' '
	bounded 30 fetch-feed --retries 0 "$HTTPD/_/loop" "$HTTPD/_/redirect?n=100000" "$G" &&
	test $rc = 1 && good out && test $(wc -l <out) = 3 &&
	reported "$HTTPD/_/loop" "redirect loop" &&
	reported "$HTTPD/_/redirect?n=100000" "too many redirects (over 5)" &&
	test $(wc -l <err) = 2
'

test_expect '100,000 items: all come out, in flat memory' '
	bounded 60 fetch-feed "$HTTPD/_/items?n=1000" "$G" &&
	test $rc = 0 && small=$kb &&
	bounded 60 fetch-feed "$HTTPD/_/items?n=100000" "$G" &&
	test $rc = 0 && test ! -s err && good out &&
	test "$(jq -r "select(.feed == \"$HTTPD/_/items?n=100000\") | .id" out | sort -u | wc -l)" = 100000 &&
	jq -e -s "map(select(.id == \"i100000\"))[0] | .title == \"item 100000\"" out &&
	if [ "$MEMCAP_KB" = 65536 ]; then
		echo "1,000 items: $small KB, 100,000 items: $kb KB" &&
		test $((kb - small)) -lt 4096
	fi
'

test_expect '10 MB title and description: cut at 1 MiB on a character boundary, said, exit 1' '
	bounded 60 fetch-feed "$HTTPD/_/bigfield?mb=10" "$HTTPD/_/bigfield?mb=10&el=description" \
	    "$G" &&
	test $rc = 1 && good out && utf8_json out &&
	reported "$HTTPD/_/bigfield?mb=10" "1 field cut at 1048576 bytes" &&
	reported "$HTTPD/_/bigfield?mb=10&el=description" "1 field cut at 1048576 bytes" &&
	test $(wc -l <err) = 2 &&
	jq -e -s "map(select(.feed == \"$HTTPD/_/bigfield?mb=10\" and .id == \"big\"))[0] |
	    (.title | utf8bytelength <= 1048576 and utf8bytelength > 1048000 and
	    startswith(\"caf\u00e9 na\u00efve caf\u00e9\")) and .url == \"http://example.com/big\"" out &&
	jq -e -s "map(select(.feed == \"$HTTPD/_/bigfield?mb=10&el=description\" and .id == \"big\"))[0] |
	    .summary | utf8bytelength <= 1048576 and utf8bytelength > 1048000" out &&
	test "$(jq -r "select(.id == \"after\") | .title" out)" = "after the big one
after the big one" &&
	rows "SELECT url, error IS NULL, items FROM feeds WHERE url LIKE \"%bigfield%\" ORDER BY url" >rows &&
	printf "%s|1|2\n" "$HTTPD/_/bigfield?mb=10" "$HTTPD/_/bigfield?mb=10&el=description" >want &&
	test_cmp want rows
'

test_expect 'a million nested elements: fails with the reason, the items before come out' '
	bounded 30 fetch-feed "$HTTPD/_/nest?n=1000000" "$G" &&
	test $rc = 1 && good out &&
	reported "$HTTPD/_/nest?n=1000000" \
	    "XML parsing gave up (line 1: elements nested deeper than 10000); the rest is not read" &&
	jq -e -s "map(select(.feed == \"$HTTPD/_/nest?n=1000000\") | .title) == [\"before the nest\"]" out &&
	bounded 30 fetch-feed "$HTTPD/_/nest?n=5000&close=1" &&
	test $rc = 0 && test ! -s err &&
	jq -e -s "map(.title) == [\"before the nest\", \"after\"]" out
'

test_expect 'XXE (file, network, parameter entity, external DTD): nothing fetched, nothing read' '
	bounded 30 fetch-feed "$HTTPD/_/xxe" "$G" &&
	test $rc = 0 && test ! -s err && good out &&
	jq -e -s "map(select(.id == \"xxe\"))[0] | .title == \"a &file; b\" and .summary == \"c &net; d\"" out &&
	! grep -q "root:" out && ! grep -q LEAKED out &&
	test "$(python3 -c "import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1]).read().decode())" "$HTTPD/_/hits?key=evil")" = 0
'

test_expect 'billion laughs and a quadratic blowup: nothing expanded, references kept as text' '
	bounded 30 fetch-feed "$HTTPD/_/laughs" "$G" &&
	test $rc = 0 && test ! -s err && good out &&
	jq -e -s "map(select(.feed == \"$HTTPD/_/laughs\") | .id) == [\"l1\", \"l2\"]" out &&
	jq -e -s "map(select(.feed == \"$HTTPD/_/laughs\")) |
	    .[0].title == \"&lol9;\" and .[0].url == \"http://example.com/&lol9;\" and
	    .[1].summary == (\"&big;\" * 10000)" out >/dev/null
'

test_expect 'invalid UTF-8 in every field of RSS, Atom and JSON Feed: every item, valid UTF-8 out' '
	bounded 30 fetch-feed "$HTTPD/_/badutf8?kind=rss" "$HTTPD/_/badutf8?kind=atom" \
	    "$HTTPD/_/badutf8?kind=json" "$G" &&
	test $rc = 0 && test ! -s err && good out && utf8_json out &&
	for k in rss atom json; do
		test "$(jq -r "select(.feed == \"$HTTPD/_/badutf8?kind=$k\") | .id" out | sort -u | wc -l)" = 20 ||
		    { echo "$k: not 20 items" >&2; exit 1; }
	done
'

test_done
