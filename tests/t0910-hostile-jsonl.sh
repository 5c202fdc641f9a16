#!/bin/bash
# Hostile JSON lines (issue 10, story "JSON lines of 100 MB, NUL bytes,
# invalid UTF-8, deep nesting, duplicate keys, numbers beyond 64 bits"):
# every program that reads JSON lines gets one stream where good lines
# surround each hostile one, and must
#   - report each bad line as "PROGRAM: stdin:LINE: reason", exactly,
#   - process every good line (and the accepted odd ones: big numbers pass
#     through as written, a valid 100 MB line is processed),
#   - exit 1 (some input was bad, the rest processed),
#   - stay under a peak RSS of 4 times the long line plus 64 MiB.
# The 100 MB lines are made by the generator as the program reads them:
# nothing large is written to disk (but what store keeps of the valid one).
. "$(dirname "$0")/lib.sh"

# The long lines: 100 MiB; 16 MiB under the sanitizers (time, not memory).
MB=${HOSTILE_MB:-100}
[ "${SANITIZE:-}" = 1 ] && MB=${HOSTILE_MB:-16}
MEMCAP_KB=$((MB * 1024 * 4 + 65536))
[ "${SANITIZE:-}" = 1 ] && MEMCAP_KB=$((MEMCAP_KB + 1048576))
# under valgrind (make check-valgrind) as under the sanitizers: memcheck's
# shadow memory counts in the RSS, and it is slower still
if [ "${JOBLINE_VALGRIND:-}" = 1 ]; then
	MB=${HOSTILE_MB:-16}
	MEMCAP_KB=$((MB * 1024 * 4 + 65536 + 1048576))
fi
RDF=$DATA/feeds/rdf.xml
export MB MEMCAP_KB RDF

# gen.py KIND MB EXPECT: the stream on stdout, the reasons expected for its
# bad lines in EXPECT ("stdin:LINE: reason").  KIND says what a good line
# is: items, prices (quotes) or feeds (fetch-feed's {"url": ...}).  Good
# lines carry "ref": "gLINE".
cat >"$TMP/gen.py" <<'EOF'
import sys
kind, mb, expect = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "w")
out = sys.stdout.buffer
lineno = 0

def body(n):
    """The inside of a good line number n, without its closing brace."""
    if kind == "prices":
        return b'{"symbol":"XAUUSD","time":"2026-11-22T08:%02d:00Z",' \
            b'"price":%d,"ref":"g%d"' % (n, 1900 + n, n)
    if kind == "feeds":
        return b'{"url":"%s","ref":"g%d"' % (sys.argv[4].encode(), n)
    t = b"Acme Corp raises $%d million in Series B funding to open " \
        b"an office in Berlin." % n
    return b'{"id":"g%d","ref":"g%d","title":"%s","text":"%s",' \
        b'"content":"%s","query":"acme funding"' % (n, n, t, t, t)

def put(line, why=None):
    global lineno
    lineno += 1
    out.write(line + b"\n")
    if why:
        expect.write("stdin:%d: %s\n" % (lineno, why))

def good():
    put(body(lineno + 1) + b"}")

good()
put(b'{"id":"nul","x":"a\x00b"}', "NUL byte in line")
good()
put(b'{"id":"bad\xff\xfe utf-8"}', "invalid UTF-8 at byte 11")
good()
put(b'{"a":' * 100000 + b"1" + b"}" * 100000,
    "invalid JSON at byte 321: nested too deep")
good()
line = body(lineno + 1) + b',"ref":"again"}'
put(line, "duplicate key at byte %d" % (line.rindex(b'"ref"') + 1))
good()
line = b'{"id":"dup","meta":{"a":1,"b":[{"k":1,"\\u006b":2}]}}'
put(line, "duplicate key at byte %d" % (line.index(b'"\\u006b"') + 1))
good()
# numbers beyond 64 bits and beyond a double, in fields no program knows:
# accepted, passed through as written
put(body(lineno + 1) + b',"big":123456789012345678901234567890,'
    b'"huge":1e400,"neg":-99999999999999999999,"tiny":1e-400}')
good()
# a valid line of MB MiB: processed
out.write(body(lineno + 1) + b',"blob":"')
block = b"0123456789abcdef" * 65536
for _ in range(mb):
    out.write(block)
put(b'"}')
good()
# a line of MB MiB that never closes its string: reported
out.write(body(lineno + 1) + b',"blob":"')
n = len(body(lineno + 1)) + 9
for _ in range(mb):
    out.write(block)
    n += len(block)
put(b"", "invalid JSON at byte %d: unterminated string" % (n + 1))
good()
EOF

# The refs of the lines to be processed.
printf 'g%s\n' 1 3 5 7 9 11 12 13 14 15 17 >"$TMP/refs"

# stream KIND CMD...: feed CMD the stream of KIND; out, err, expect, rc
# and kb (peak RSS) as bounded (tests/lib.sh) sets them; fails past 120 s
# or the RSS cap.  Through a named pipe: a pipeline would set rc and kb in
# a subshell.
stream() {
	kind=$1
	shift
	rm -f in.fifo && mkfifo in.fifo || return 1
	python3 "$TMP/gen.py" "$kind" "$MB" expect "$RDF" >in.fifo &
	bounded 120 "$@" <in.fifo
	status=$?
	wait $!
	return $status
}

# reported PROGRAM: stderr is exactly the expected reasons, prefixed.
reported() {
	sed "s/^/$1: /" expect >expect.err && test_cmp expect.err err
}

# processed FIELD: every output line is valid UTF-8 and a JSON object, and
# their FIELDs are the refs of the lines to be processed.  (One pass of
# python3 over the output: jq takes seconds on a 100 MB line.)
processed() {
	python3 -c 'import sys, json
with open("got", "w") as got:
    for n, line in enumerate(open("out", "rb"), 1):
        try:
            o = json.loads(line.decode("utf-8", "strict"))
            assert isinstance(o, dict)
        except Exception as e:
            sys.exit("out:%d: %s" % (n, e))
        got.write("%s\n" % o.get(sys.argv[1]))' "$1" &&
	test_cmp "$TMP/refs" got
}

# passed_through: the big numbers came out as written, with the record.
passed_through() {
	grep -F '"ref":"g12"' out >g12 &&
	grep -qF '"big":123456789012345678901234567890,"huge":1e400,"neg":-99999999999999999999,"tiny":1e-400' g12
}

if [ ! -x /usr/bin/time ]; then
	test_skip 'hostile JSON lines' 'no /usr/bin/time (Debian package time)'
	test_done
fi

test_expect "store: each bad line reported, the rest stored ($MB MiB lines)" '
	stream items store articles --emit all && test $rc = 1 &&
	reported store && processed ref && passed_through &&
	test "$(rows "SELECT count(*) FROM articles")" = 11
'

test_expect 'store prices: the quotes stored; big numbers in unknown fields accepted' '
	stream prices store prices && test $rc = 1 && reported store &&
	test "$(rows "SELECT count(*) FROM prices")" = 11 &&
	test "$(rows "SELECT price FROM prices ORDER BY time DESC LIMIT 1")" = 1917.0
'

test_expect 'classify: bad lines reported by number, the others classified' '
	stream items classify && test $rc = 1 &&
	reported classify && processed ref && passed_through
'

test_expect 'chunk: bad lines reported by number, the others chunked' '
	stream items chunk --keep ref,big,huge,neg,tiny && test $rc = 1 &&
	reported chunk && processed ref && passed_through
'

test_expect 'embed: bad lines reported by number, the others embedded' '
	stream items embed --dim 16 && test $rc = 1 &&
	reported embed && processed ref && passed_through
'

test_expect 'summarize: bad lines reported by number, the others summarized' '
	stream items summarize && test $rc = 1 &&
	reported summarize && processed ref && passed_through
'

test_expect 'enqueue: bad lines reported by number, the others enqueued' '
	stream items enqueue q --key ref && test $rc = 1 &&
	reported enqueue && processed key &&
	test "$(rows "SELECT count(*) FROM queue WHERE queue = \"q\"")" = 11
'

test_expect 'fetch-feed (JSON lines on stdin): bad lines reported, the other feeds read' '
	stream feeds fetch-feed && test $rc = 1 &&
	reported fetch-feed && processed ref && passed_through
'

test_expect 'search (queries as JSON lines): bad lines reported, the others answered' '
	echo "{\"id\":\"a1\",\"title\":\"Acme\",\"text\":\"Acme Corp raises \$5 million in Series B funding.\"}" |
	    chunk | embed | store chunks &&
	stream items search -k 1 && test $rc = 1 &&
	reported search && processed ref && passed_through
'

test_expect 'verify-predictions --prices -: the last good quote resolves' '
	printf "{\"id\":\"p1\",\"symbol\":\"XAUUSD\",\"opens_at\":\"2026-11-22T08:00:00Z\",\"verify_at\":\"2026-11-22T08:20:00Z\",\"start_price\":2000,\"options\":{\"up\":\"price_change_percent > 0\",\"down\":\"price_change_percent <= 0\"},\"mode\":\"auto\"}\n" |
	    store predictions &&
	stream prices verify-predictions --now 2026-11-22T08:20:30Z --prices - &&
	test $rc = 1 && reported verify-predictions &&
	jq -e ".id == \"p1\" and .end_price == 1917 and .correct_option == \"down\"" out
'

test_expect 'numbers beyond 64 bits in a field a program reads: reported, not clamped' '
	printf "%s\n" "{\"p\":5,\"k\":\"a\"}" "{\"p\":123456789012345678901234567890,\"k\":\"b\"}" \
	    "{\"p\":1e400,\"k\":\"c\"}" "{\"p\":-9223372036854775809,\"k\":\"d\"}" \
	    "{\"p\":9223372036854775807,\"k\":\"e\"}" >in &&
	exits 1 enqueue q --priority-field p --key k <in >out 2>err &&
	test "$(jq -r .key out | tr "\n" " ")" = "a e " &&
	grep -c "^enqueue: stdin:[234]: p is not an integer" err | grep -qx 3 &&
	printf "%s\n" "{\"symbol\":\"X\",\"time\":\"2026-11-22T08:00:00Z\",\"price\":1e400}" \
	    "{\"symbol\":\"X\",\"time\":\"2026-11-22T08:01:00Z\",\"price\":-1e400}" \
	    "{\"symbol\":\"X\",\"time\":\"2026-11-22T08:02:00Z\",\"price\":123456789012345678901234567890}" \
	    "{\"symbol\":\"X\",\"time\":1e400,\"price\":1}" >q &&
	exits 1 store prices <q 2>err &&
	printf "store: stdin:%s\n" "1: price: out of range" "2: price: out of range" "4: time: out of range" >want &&
	test_cmp want err &&
	test "$(rows "SELECT price FROM prices")" = 1.23456789012346e+29 &&
	echo "{\"url\":\"$RDF\",\"n\":123456789012345678901234567890,\"m\":[18446744073709551616,-9223372036854775809,1]}" |
	    fetch-feed >out &&
	grep -qF "\"n\":123456789012345678901234567890,\"m\":[18446744073709551616,-9223372036854775809,1]" out
'

test_done
