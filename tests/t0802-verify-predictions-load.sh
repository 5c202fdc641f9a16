#!/bin/bash
# store predictions / store votes: what verify-predictions reads, checked
# on the way in; malformed records refused with their line numbers
. "$(dirname "$0")/lib.sh"

OPTS='{"A":"price_change_percent >= 1.0","B":"price_change_percent < 1.0"}'
export OPTS

test_expect 'malformed predictions are refused with their line, the rest loaded' '
	cat >in <<-EOF &&
	{"id":"ok1","symbol":"XAUUSD","question":"Up?","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","start_price":2000,"options":$OPTS}
	{"id":"c1","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","options":{"A":"price_change_percent >= 1.0","B":"price_change_percent =< 1"}}
	{"id":"t1","symbol":"XAUUSD","opens_at":"yesterday","verify_at":"2026-11-22T09:00:00Z","options":$OPTS}
	{"id":"t2","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","options":$OPTS}
	{"id":"t3","symbol":"XAUUSD","opens_at":"2026-11-22T09:00:00Z","verify_at":"2026-11-22T09:00:00Z","options":$OPTS}
	{"id":"o1","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","options":{}}
	{"id":"o2","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z"}
	{"id":"o3","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","options":{"A":1}}
	{"symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","options":$OPTS}
	{"id":"s1","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","options":$OPTS}
	{"id":"m1","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","mode":"robot","options":$OPTS}
	{"id":"p1","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","start_price":-3,"options":$OPTS}
	{"id":"x1","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","status":"verified","options":$OPTS}
	{"id":"m2","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00+01:00","verify_at":"2026-11-22T09:00:00.250+01:00","mode":"manual","options":{"yes":"","no":null}}
	{"id":"a2","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","options":{"yes":"","no":"price > 1"}}
	{"id":7,"symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","options":$OPTS}
	EOF
	exits 1 store predictions <in 2>err &&
	cat >want <<-\EOF &&
	store: stdin:2: option B: column 22: '\''=<'\'' is not an operator, use '\''<='\''
	store: stdin:3: opens_at: not an RFC 3339 time
	store: stdin:4: no verify_at
	store: stdin:5: verify_at: not after opens_at
	store: stdin:6: no options
	store: stdin:7: options is not an object of label: condition
	store: stdin:8: option A: the condition is not a string
	store: stdin:9: no id
	store: stdin:10: no symbol
	store: stdin:11: mode: not auto or manual
	store: stdin:12: start_price: not positive
	store: stdin:13: status: not active or cancelled
	store: stdin:15: option yes: column 1: empty condition
	EOF
	test_cmp want err &&
	test "$(rows "SELECT id, mode, opens_at, verify_at FROM predictions ORDER BY id" | tr "\n" " ")" = "7|auto|2026-11-22T08:00:00Z|2026-11-22T09:00:00Z m2|manual|2026-11-22T07:00:00Z|2026-11-22T08:00:00Z ok1|auto|2026-11-22T08:00:00Z|2026-11-22T09:00:00Z " &&
	test "$(rows "SELECT question, CAST(start_price AS INTEGER), options FROM predictions WHERE id = '\''ok1'\''")" = "Up?|2000|$OPTS"
'

test_expect 'loading again is a no-op; an active prediction may change, a resolved one not' '
	p="{\"id\":\"p1\",\"symbol\":\"XAUUSD\",\"opens_at\":\"2026-11-22T08:00:00Z\",\"verify_at\":\"2026-11-22T09:00:00Z\",\"start_price\":2000,\"options\":$OPTS}" &&
	echo "$p" | store predictions &&
	echo "$p" | store predictions &&
	echo "$p" | sed s/09:00/09:30/ | store predictions &&
	test "$(rows "SELECT count(*), max(verify_at) FROM predictions")" = "1|2026-11-22T09:30:00Z" &&
	echo "{\"symbol\":\"XAUUSD\",\"time\":\"2026-11-22T09:30:00Z\",\"price\":2000}" | store prices &&
	verify-predictions --now 2026-11-22T10:00:00Z >/dev/null &&
	echo "$p" | sed s/09:00/09:30/ | store predictions &&
	echo "$p" | exits 1 store predictions 2>err &&
	grep -q "stdin:1: prediction p1 is verified, not changed" err &&
	test "$(rows "SELECT status, verify_at FROM predictions")" = "verified|2026-11-22T09:30:00Z"
'

test_expect 'malformed votes are refused with their line, the rest loaded' '
	cat >p <<-EOF &&
	{"id":"p1","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","start_price":2000,"options":$OPTS}
	{"id":"p2","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","start_price":2000,"options":$OPTS}
	EOF
	store predictions <p &&
	cat >v <<-\EOF &&
	{"prediction_id":"p1","user_id":"u1","option":"A"}
	{"prediction_id":"p9","user_id":"u1","option":"A"}
	{"prediction_id":"p1","user_id":"u2","option":"E"}
	{"prediction_id":"p1","option":"A"}
	{"user_id":"u3","option":"A"}
	{"prediction_id":"p1","user_id":"u3"}
	{"prediction":"p2","user":42,"option":"B","voted_at":"2026-11-22T08:10:00Z"}
	{"prediction_id":"p2","user_id":"u4","option":"B","voted_at":"soon"}
	[1]
	{"prediction_id":"p1","user_id":"u5","option":"B"}
	EOF
	exits 1 store votes <v 2>err &&
	cat >want <<-\EOF &&
	store: stdin:2: unknown prediction p9
	store: stdin:3: prediction p1 has no option E
	store: stdin:4: no user_id
	store: stdin:5: no prediction_id
	store: stdin:6: no option
	store: stdin:8: voted_at: not an RFC 3339 time
	store: stdin:9: not a JSON object
	EOF
	test_cmp want err &&
	test "$(rows "SELECT prediction_id, user_id, option, voted_at FROM votes ORDER BY 1, 2" | tr "\n" " ")" = "p1|u1|A| p1|u5|B| p2|42|B|2026-11-22T08:10:00Z "
'

test_expect 'typed fields of predictions: the wrong type or out of range is refused, never read as a default' '
	P="\"symbol\":\"XAUUSD\",\"opens_at\":\"2026-11-22T08:00:00Z\",\"verify_at\":\"2026-11-22T09:00:00Z\",\"options\":$OPTS" &&
	cat >in <<-EOF &&
	{"id":1.5,$P}
	{"id":"",$P}
	{"id":"s1","symbol":7,"opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","options":$OPTS}
	{"id":"s2","symbol":"","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00Z","options":$OPTS}
	{"id":"q1","question":5,$P}
	{"id":"t1","symbol":"XAUUSD","opens_at":"1969-12-31T23:59:59Z","verify_at":"2026-11-22T09:00:00Z","options":$OPTS}
	{"id":"t2","symbol":"XAUUSD","opens_at":1795338000,"verify_at":"2026-11-22T09:00:00Z","options":$OPTS}
	{"id":"t3","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"9999-12-31T23:30:00-01:00","options":$OPTS}
	{"id":"t4","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T09:00:00-99:00","options":$OPTS}
	{"id":"p1","start_price":"2000",$P}
	{"id":"p2","start_price":1e999,$P}
	{"id":"p3","start_price":1e301,$P}
	{"id":"p4","start_price":0,$P}
	{"id":"p5","start_price":true,$P}
	{"id":"m1","mode":1,$P}
	{"id":"m2","status":["active"],$P}
	{"id":"ok","start_price":null,"question":null,"mode":null,$P}
	EOF
	exits 1 store predictions <in 2>err &&
	printf "store: stdin:%s\n" "1: id: not a string or an integer" "2: id: empty" \
	    "3: symbol: not a string" "4: symbol: empty" "5: question: not a string" \
	    "6: opens_at: before 1970" "7: opens_at: not a string" "8: verify_at: after 9999" \
	    "9: verify_at: not an RFC 3339 time" \
	    "10: start_price: not a number" "11: start_price: out of range" \
	    "12: start_price: above 1e+300" "13: start_price: not positive" \
	    "14: start_price: not a number" "15: mode: not a string" "16: status: not a string" >want &&
	test_cmp want err &&
	test "$(rows "SELECT id, coalesce(start_price, -1), coalesce(question, '\''-'\''), mode FROM predictions ORDER BY id" | tr "\n" " ")" = "ok|-1|-|auto "
'

test_expect 'typed fields of votes: the wrong type or out of range is refused' '
	echo "{\"id\":\"p1\",\"symbol\":\"X\",\"opens_at\":\"2026-11-22T08:00:00Z\",\"verify_at\":\"2026-11-22T09:00:00Z\",\"options\":$OPTS}" | store predictions &&
	cat >v <<-\EOF &&
	{"prediction_id":1.5,"user_id":"u1","option":"A"}
	{"prediction_id":"p1","user_id":"","option":"A"}
	{"prediction_id":"p1","user_id":true,"option":"A"}
	{"prediction_id":"p1","user_id":"u1","option":5}
	{"prediction_id":"p1","user_id":"u1","option":""}
	{"prediction_id":"p1","user_id":"u1","option":"A","voted_at":5}
	{"prediction_id":"p1","user_id":"u1","option":"A","voted_at":"1960-01-01T00:00:00Z"}
	{"prediction_id":"p1","user_id":18446744073709551616,"option":"A"}
	{"prediction_id":"p1","user_id":"u1","option":"A","voted_at":null}
	EOF
	exits 1 store votes <v 2>err &&
	printf "store: stdin:%s\n" "1: prediction_id: not a string or an integer" "2: user_id: empty" \
	    "3: user_id: not a string or an integer" "4: option: not a string" "5: option: empty" \
	    "6: voted_at: not a string" "7: voted_at: before 1970" "8: user_id: out of range" >want &&
	test_cmp want err &&
	test "$(rows "SELECT prediction_id, user_id, option, coalesce(voted_at, '\''-'\'') FROM votes")" = "p1|u1|A|-"
'

test_expect 'a user changes a vote while open; votes close once resolved' '
	echo "{\"id\":\"p1\",\"symbol\":\"X\",\"opens_at\":\"2026-11-22T08:00:00Z\",\"verify_at\":\"2026-11-22T09:00:00Z\",\"start_price\":2000,\"options\":$OPTS}" | store predictions &&
	echo "{\"prediction_id\":\"p1\",\"user_id\":\"u1\",\"option\":\"A\"}" | store votes &&
	echo "{\"prediction_id\":\"p1\",\"user_id\":\"u1\",\"option\":\"B\"}" | store votes &&
	test "$(rows "SELECT count(*), max(option) FROM votes")" = "1|B" &&
	echo "{\"symbol\":\"X\",\"time\":\"2026-11-22T09:00:00Z\",\"price\":2000}" | store prices &&
	verify-predictions --now 2026-11-22T09:01:00Z >/dev/null &&
	echo "{\"prediction_id\":\"p1\",\"user_id\":\"u2\",\"option\":\"B\"}" | exits 1 store votes 2>err &&
	grep -q "stdin:1: prediction p1 is verified, votes are closed" err &&
	test "$(rows "SELECT count(*) FROM votes")" = 1
'

test_done
