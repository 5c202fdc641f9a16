#!/bin/bash
# enqueue: output, unique keys, priorities, delays, bad input, concurrency,
# recurring due-ness with a controlled clock
. "$(dirname "$0")/lib.sh"

# jobs N [PREFIX]: N payloads {"k":"PREFIXi","n":i}
jobs() {
	awk -v n="$1" -v p="${2:-k}" 'BEGIN { for (i = 1; i <= n; i++)
	    printf "{\"k\":\"%s%d\",\"n\":%d}\n", p, i, i }'
}

# done_all QUEUE: run every due job of QUEUE successfully
done_all() {
	dequeue "$1" --drain -q -- true
}

test_expect 'usage: --help to stdout, unknown option exits 2, --version' '
	enqueue --help | grep -q "^usage: enqueue QUEUE" &&
	exits 2 enqueue --bogus q 2>err && grep -q usage err &&
	exits 2 enqueue </dev/null 2>/dev/null &&
	exits 2 enqueue q --recurring </dev/null 2>err && grep -q "needs --key" err &&
	exits 2 enqueue q --delay 1h --at 2026-01-01 </dev/null 2>/dev/null &&
	exits 2 enqueue q --intervals "1-5" </dev/null 2>err &&
	grep -q "intervals" err &&
	exits 2 enqueue q --max-attempts 0 </dev/null 2>/dev/null &&
	exits 2 enqueue q -k id </dev/null 2>/dev/null &&
	exits 2 enqueue q -p 1 </dev/null 2>/dev/null &&
	enqueue q -q --key id </dev/null &&
	enqueue --version | grep -q "^enqueue (jobline) "
'

test_expect 'each line becomes a job; enqueued jobs are written out' '
	printf "{\"a\":1}\n{\"b\":\"x y\"}\n" | enqueue mail >out &&
	test "$(wc -l <out)" = 2 &&
	jq -e -s "map(.id) == [1,2] and all(.queue == \"mail\" and .key == null and (.run_after | test(\"Z$\")))" out &&
	test "$(rows "SELECT payload, state, attempts, max_attempts FROM queue ORDER BY id")" = "$(printf "{\"a\":1}|queued|0|5\n{\"b\":\"x y\"}|queued|0|5")"
'

test_expect 'a key that is pending is counted a duplicate, not an error' '
	printf "%s\n" "{\"k\":\"a\",\"v\":1}" "{\"k\":\"b\"}" "{\"k\":\"a\",\"v\":2}" "{\"k\":7}" "{\"k\":7}" |
	    JOBLINE_STATS=$PWD/stats enqueue q --key k -v >out 2>err &&
	jq -e -s "map(.key) == [\"a\",\"b\",\"7\"]" out &&
	grep -q "stdin:3: a: a job with this key is pending" err &&
	grep -qx "jobs_duplicate 2" stats && grep -qx "jobs_enqueued 3" stats &&
	echo "{\"k\":\"a\"}" | enqueue q --key k >again &&
	test ! -s again &&
	echo "{\"k\":\"a\"}" | enqueue other --key k >otherq &&
	test "$(wc -l <otherq)" = 1 &&
	test "$(rows "SELECT json_extract(payload, \"\$.v\") FROM queue WHERE key = \"a\" AND queue = \"q\"")" = 1
'

test_expect 'payloads go in byte for byte; ids rise in input order, duplicates of a batch refused' '
	cat >in <<-\EOF &&
	{"k":"b","s":"a\"b\\c {x,y} NULL"}
	{"k":"a","u":"\u00e9 \u0000"}
	{"k":"b"}
	{"k":"c",  "sp" : [1, 2]}
	EOF
	enqueue q --key k <in >out &&
	jq -e -s "map(.key) == [\"b\",\"a\",\"c\"] and .[0].id < .[1].id and .[1].id < .[2].id" out &&
	test "$(rows "SELECT count(*) FROM queue")" = 3 &&
	rows "SELECT payload FROM queue ORDER BY id" >got &&
	sed -n "1p;2p;4p" in >want &&
	test_cmp want got
'

test_expect 'a key may be enqueued again once its job is done or dead' '
	echo "{\"k\":\"a\"}" | enqueue q --key k >/dev/null &&
	done_all q &&
	echo "{\"k\":\"a\"}" | enqueue q --key k >out &&
	jq -e ".id == 2" out &&
	rows "UPDATE queue SET state = \"dead\" WHERE id = 2" &&
	echo "{\"k\":\"a\"}" | enqueue q --key k >out &&
	jq -e ".id == 3" out
'

test_expect 'bad lines are reported with their numbers, skipped, exit 1' '
	printf "%s\n" "{\"k\":\"a\"}" "nope" "{\"x\":1}" "{\"k\":\"\"}" "{\"k\":[1]}" "{\"k\":\"b\",\"p\":\"high\"}" "{\"k\":\"c\"}" >in &&
	exits 1 enqueue q --key k --priority-field p <in >out 2>err &&
	grep -q "^enqueue: stdin:2: invalid JSON" err &&
	grep -q "^enqueue: stdin:3: no k" err &&
	grep -q "^enqueue: stdin:4: no k" err &&
	grep -q "^enqueue: stdin:5: no k" err &&
	grep -q "^enqueue: stdin:6: p is not an integer" err &&
	test "$(wc -l <err)" = 5 &&
	jq -e -s "map(.key) == [\"a\",\"c\"]" out
'

test_expect 'priority, delay, --at and max attempts are stored' '
	JOBLINE_NOW=2026-11-22T08:00:00Z enqueue q --priority 3 --delay 90m --max-attempts 2 </dev/null &&
	echo "{\"x\":1}" | JOBLINE_NOW=2026-11-22T08:00:00Z enqueue q --priority 3 --delay 90m --max-attempts 2 >out &&
	jq -e ".run_after == \"2026-11-22T09:30:00.000Z\"" out &&
	printf "{\"p\":9}\n{}\n" | enqueue q --priority-field p --priority 4 --at 2026-12-01T10:00:00+01:00 >out2 &&
	jq -e -s "all(.run_after == \"2026-12-01T09:00:00.000Z\")" out2 &&
	test "$(rows "SELECT priority || \" \" || max_attempts FROM queue ORDER BY id")" = "$(printf "3 2\n9 5\n4 5")"
'

test_expect 'jobs go in in batches: 25000 lines, all there, one output line each' '
	jobs 25000 | enqueue big --key k >out &&
	test "$(wc -l <out)" = 25000 &&
	test "$(rows "SELECT count(*), count(DISTINCT key) FROM queue")" = "25000|25000" &&
	jq -e -s "map(.id) == [range(1; 25001)]" out >/dev/null
'

test_expect 'a slow producer: what was read is committed, the store is not held while waiting' '
	mkfifo fifo || exit 1
	{ echo "{\"n\":1}"; exec sleep 30; } >fifo & p=$!
	enqueue q <fifo >out & e=$!
	i=0
	while [ "$(rows "SELECT count(*) FROM queue" 2>/dev/null)" != 1 ]; do
		i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05
	done
	echo "{}" | timeout 20 enqueue other >/dev/null; rc=$?
	kill $p $e; wait $e
	test "$(rows "SELECT count(*) FROM queue")" = 2 && test $rc = 0 &&
	jq -e ".id == 1" out
'

test_expect 'concurrent enqueues of the same keys: exactly one pending job per key' '
	jobs 3000 >in &&
	enqueue q --key k </dev/null &&
	for i in 1 2 3 4 5 6; do
		shuf in | enqueue q --key k >out.$i 2>err.$i & done
	wait
	! grep -q . err.* &&
	test "$(cat out.* | wc -l)" = 3000 &&
	test "$(cat out.* | jq -r .key | sort -u | wc -l)" = 3000 &&
	test "$(rows "SELECT count(*) FROM queue WHERE state IN (\"queued\",\"running\",\"failed\")")" = 3000 &&
	test -z "$(rows "SELECT key FROM queue GROUP BY key HAVING count(*) > 1")"
'

# companies: rank 90 (1d), rank 70 (2d), rank 5 (5d), weekly
companies() {
	cat <<-\EOF
	{"name":"Acme","rank":90}
	{"name":"Beta","rank":70}
	{"name":"Gamma","rank":5}
	{"name":"Delta","every":"weekly"}
	EOF
}
# due DAY: the keys enqueued on day DAY (08:00 UTC), then run them all
due() {
	companies | JOBLINE_NOW=2026-11-$1T08:00:00Z enqueue co --recurring --key name |
	    jq -r .key | tr "\n" " "
	JOBLINE_NOW=2026-11-$1T08:00:00Z done_all co
}

test_expect 'recurring: due by rank or every, from the last success, across days' '
	test "$(due 01)" = "Acme Beta Gamma Delta " &&
	test "$(due 01)" = "" &&
	test "$(due 02)" = "Acme " &&
	test "$(due 03)" = "Acme Beta " &&
	test "$(due 04)" = "Acme " &&
	test "$(due 06)" = "Acme Beta Gamma " &&
	test "$(due 08)" = "Acme Beta Delta " &&
	test "$(rows "SELECT key, last_success FROM queue_keys ORDER BY key")" = "$(printf "Acme|2026-11-08T08:00:00.000Z\nBeta|2026-11-08T08:00:00.000Z\nDelta|2026-11-08T08:00:00.000Z\nGamma|2026-11-06T08:00:00.000Z")"
'

test_expect 'recurring: a gap is caught up with one job per entity, not one per missed day' '
	test "$(due 01)" = "Acme Beta Gamma Delta " &&
	companies | JOBLINE_NOW=2026-11-30T08:00:00Z enqueue co --recurring --key name >out &&
	test "$(wc -l <out)" = 4 &&
	companies | JOBLINE_NOW=2026-11-30T09:00:00Z enqueue co --recurring --key name >out2 &&
	test ! -s out2 &&
	test "$(rows "SELECT count(*) FROM queue WHERE state = \"queued\"")" = 4
'

test_expect 'recurring: a clock that jumps back enqueues nothing twice' '
	test "$(due 10)" = "Acme Beta Gamma Delta " &&
	test "$(due 05)" = "" &&
	test "$(due 10)" = "" &&
	test "$(due 11)" = "Acme " &&
	test "$(rows "SELECT count(*) FROM queue")" = 5
'

test_expect 'recurring: a job still pending (even failing) blocks a new one' '
	companies | JOBLINE_NOW=2026-11-01T08:00:00Z enqueue co --recurring --key name >/dev/null &&
	JOBLINE_NOW=2026-11-01T08:00:00Z dequeue co --drain -q --max-jobs 1 -- false 2>/dev/null
	test "$(rows "SELECT state FROM queue WHERE key = \"Acme\"")" = failed &&
	companies | JOBLINE_NOW=2026-11-05T08:00:00Z enqueue co --recurring --key name >out &&
	test ! -s out
'

test_expect 'recurring: --dry-run says what is due and why, and writes nothing' '
	test "$(due 01)" = "Acme Beta Gamma Delta " &&
	{ companies; echo "{\"name\":\"New\",\"rank\":50}"; } |
	    JOBLINE_NOW=2026-11-02T09:00:00Z enqueue co --recurring --key name --dry-run >out &&
	jq -e -s "map(.enqueue) == [true,false,false,false,true]" out &&
	jq -e -s ".[0].why == \"last success 2026-11-01T08:00:00.000Z + 1d is 2026-11-02T08:00:00.000Z, past\"" out &&
	jq -e -s ".[1].why | test(\"2026-11-03T08:00:00.000Z, still to come\")" out &&
	jq -e -s ".[1].due_at == \"2026-11-03T08:00:00.000Z\" and .[1].interval == \"2d\"" out &&
	jq -e -s ".[4].why == \"never ran\"" out &&
	test "$(rows "SELECT count(*) FROM queue")" = 4 &&
	{ companies; } | JOBLINE_NOW=2026-11-02T09:00:00Z enqueue co --recurring --key name >/dev/null &&
	companies | JOBLINE_NOW=2026-11-02T09:00:00Z enqueue co --recurring --key name --dry-run >out2 &&
	jq -e -s ".[0].enqueue == false and (.[0].why | test(\"^job [0-9]+ with this key is queued$\"))" out2
'

test_expect 'recurring: --intervals, --rank-field, --every-field, --every, bad entities' '
	printf "%s\n" "{\"id\":1,\"r\":1}" "{\"id\":2,\"r\":2}" "{\"id\":3,\"r\":9}" "{\"id\":4,\"f\":\"3h\"}" \
	    "{\"id\":5,\"f\":\"soon\"}" "{\"id\":6,\"r\":\"x\"}" "{\"id\":7}" >in &&
	exits 1 env JOBLINE_NOW=2026-11-01T00:00:00Z enqueue t --recurring --key id --rank-field r --every-field f --intervals "1:1h,2-3:2h" <in >out 2>err &&
	grep -q "stdin:3: r 9 is in no range of --intervals" err &&
	grep -q "stdin:5: f is not a duration" err &&
	grep -q "stdin:6: r is not an integer" err &&
	grep -q "stdin:7: no f or r" err &&
	JOBLINE_NOW=2026-11-01T00:00:00Z dequeue t --drain -q -- true &&
	exits 1 env JOBLINE_NOW=2026-11-01T01:30:00Z enqueue t --recurring --key id --rank-field r --every-field f --intervals "1:1h,2-3:2h" --every 1d <in >out 2>/dev/null &&
	jq -e -s "map(.key) == [\"1\",\"7\"]" out
'

test_done
