#!/bin/bash
# verify-predictions: resolving due predictions, prices, errors, manual
# resolution, exactly once, user statistics and streaks
. "$(dirname "$0")/lib.sh"

OPTS='{"A":"price_change_percent >= 1.0","B":"price_change_percent > 0 AND price_change_percent < 1.0","C":"price_change_percent >= -0.5 AND price_change_percent <= 0","D":"price_change_percent < -0.5"}'
NOW=2026-11-22T09:00:30Z
export OPTS NOW

# pred ID [START|null] [VERIFY_AT] [OPTIONS] [MODE] [SYMBOL]
pred() {
	printf '{"id":"%s","symbol":"%s","opens_at":"2026-11-22T08:00:00Z","verify_at":"%s","start_price":%s,"options":%s,"mode":"%s"}\n' \
	    "$1" "${6:-XAUUSD}" "${3:-2026-11-22T09:00:00Z}" "${2:-2000}" "${4:-$OPTS}" "${5:-auto}"
}
# quote TIME PRICE [SYMBOL]
quote() {
	printf '{"symbol":"%s","time":"%s","price":%s}\n' "${3:-XAUUSD}" "$1" "$2"
}
# vote PREDICTION USER OPTION
vote() {
	printf '{"prediction_id":"%s","user_id":"%s","option":"%s"}\n' "$1" "$2" "$3"
}
verify() {
	verify-predictions --now "$NOW" "$@"
}
# dump: the tables verify-predictions writes, in order
dump() {
	for t in predictions votes user_stats; do
		rows "SELECT * FROM $t ORDER BY 1, 2" || return 1
	done
}

test_expect 'usage: --help to stdout, unknown option exits 2, --version' '
	verify-predictions --help | grep -q "^usage: verify-predictions" &&
	exits 2 verify-predictions --bogus 2>err && grep -q usage err &&
	exits 2 verify-predictions extra 2>/dev/null &&
	exits 2 verify-predictions --resolve p1 2>/dev/null &&
	exits 2 verify-predictions --now yesterday 2>/dev/null &&
	exits 2 verify-predictions --max-age soon 2>/dev/null &&
	verify-predictions --version | grep -q "^verify-predictions (jobline) "
'

test_expect 'a due prediction is resolved: store, votes, one JSON line, silent' '
	{ pred p1; pred p2 2000 2026-11-22T10:00:00Z; } | store predictions &&
	{ vote p1 u1 A; vote p1 u2 B; vote p1 u3 A; } | store votes &&
	{ quote 2026-11-22T08:59:55Z 2020; quote 2026-11-22T09:00:05Z 1900; } | store prices &&
	verify >out 2>err &&
	test ! -s err && test "$(wc -l <out)" = 1 &&
	jq -e "select(.id == \"p1\" and .symbol == \"XAUUSD\" and .start_price == 2000 and
	    .end_price == 2020 and .price_change == 20 and .change_percent == 1 and
	    .correct_option == \"A\" and .resolved_by == \"auto\" and .verified_at == \"$NOW\" and
	    .votes_correct == 2 and .votes_incorrect == 1 and
	    .voters == [{user_id:\"u1\",option:\"A\",correct:true},{user_id:\"u2\",option:\"B\",correct:false},{user_id:\"u3\",option:\"A\",correct:true}])" out &&
	test "$(rows "SELECT status, CAST(end_price AS INTEGER), correct_option, votes_correct, votes_incorrect, resolved_seq FROM predictions WHERE id = '\''p1'\''")" = "verified|2020|A|2|1|1" &&
	test "$(rows "SELECT status FROM predictions WHERE id = '\''p2'\''")" = active &&
	test "$(rows "SELECT user_id || correct FROM votes ORDER BY 1" | tr "\n" " ")" = "u11 u20 u31 "
'

test_expect 'the options table: exactly 1.0, between, exactly 0, below -0.5' '
	{ pred a; pred b; pred c; pred d; pred e; } | store predictions &&
	: each prediction gets its own symbol of quotes &&
	for x in a:2020 b:2019.99 c:2000 d:1989.99 e:1990; do
		id=${x%%:*} p=${x#*:}
		rows "UPDATE predictions SET symbol = '\''S$id'\'' WHERE id = '\''$id'\''" &&
		quote 2026-11-22T09:00:00Z "$p" "S$id" | store prices || exit 1
	done &&
	verify >out &&
	test "$(jq -r "[.id, .correct_option] | join(\"=\")" out | tr "\n" " ")" = "a=A b=B c=C d=D e=C "
'

test_expect 'several options holding, or none, set status error with the reason' '
	pred amb 2000 "" "{\"up\":\"price > 2000\",\"big\":\"price_change_percent >= 1\"}" | store predictions &&
	pred gap 2000 "" "{\"up\":\"price > 2100\",\"down\":\"price < 1900\"}" | store predictions &&
	quote 2026-11-22T09:00:00Z 2050 | store prices &&
	exits 1 verify >out 2>err &&
	test ! -s out &&
	grep -q "^verify-predictions: amb: 2 options hold (up, big)" err &&
	grep -q "^verify-predictions: gap: no option holds at price_change_percent 2.5" err &&
	test "$(rows "SELECT id, status, CAST(end_price AS INTEGER) FROM predictions ORDER BY id" | tr "\n" " ")" = "amb|error|2050 gap|error|2050 " &&
	rows "SELECT error FROM predictions WHERE id = '\''amb'\''" | grep -q "2 options hold" &&
	: an errored prediction is not retried by the next run &&
	verify >out2 2>err2 && test ! -s out2 && test ! -s err2
'

test_expect 'a stale or missing price leaves the prediction active and is reported' '
	{ pred old; pred none 2000 "" "$OPTS" auto XAGUSD; } | store predictions &&
	quote 2026-11-22T08:50:00Z 2020 | store prices &&
	quote 2026-11-22T09:00:01Z 2020 | store prices &&
	exits 1 verify >out 2>err &&
	test ! -s out &&
	grep -q "^verify-predictions: old: no XAUUSD quote between 2026-11-22T08:55:00Z and 2026-11-22T09:00:00Z, left active" err &&
	grep -q "^verify-predictions: none: no XAGUSD quote between" err &&
	test "$(rows "SELECT status FROM predictions ORDER BY id" | tr "\n" " ")" = "active active " &&
	: a longer --max-age accepts the older quote, never the later one &&
	verify --max-age 15m >out 2>err2 ; test $? = 1 &&
	jq -e "select(.id == \"old\") | .end_price == 2020" out &&
	grep -q "none: no XAGUSD" err2 && ! grep -q "old" err2
'

test_expect 'the start price comes from the quote at opens_at, and is kept once opened' '
	pred s1 null | store predictions &&
	quote 2026-11-22T07:59:00Z 1000 | store prices &&
	verify-predictions --now 2026-11-22T08:30:00Z &&
	test "$(rows "SELECT CAST(start_price AS INTEGER), status FROM predictions")" = "1000|active" &&
	: the quote is pruned, the start price stays &&
	rows "DELETE FROM prices" &&
	quote 2026-11-22T09:00:00Z 1010 | store prices &&
	verify >out &&
	jq -e ".start_price == 1000 and .change_percent == 1 and .correct_option == \"A\"" out
'

test_expect 'a start price that cannot be found leaves the prediction waiting' '
	pred s2 null | store predictions &&
	quote 2026-11-22T09:00:00Z 1010 | store prices &&
	exits 1 verify >out 2>err && test ! -s out &&
	grep -q "s2: no XAUUSD quote between 2026-11-22T07:55:00Z and 2026-11-22T08:00:00Z for the start price" err
'

test_expect '--prices - reads quotes from stdin instead of the store' '
	pred p1 | store predictions &&
	quote 2026-11-22T09:00:00Z 9999 | store prices &&
	{ quote 2026-11-22T08:59:00Z 1980; echo "not json"; } | exits 1 verify --prices - >out 2>err &&
	grep -q "stdin:2: " err &&
	jq -e ".end_price == 1980 and .correct_option == \"D\"" out &&
	quote 2026-11-22T08:59:00Z 1980 >q.jsonl &&
	pred p2 | store predictions && verify --prices q.jsonl >out2 &&
	jq -e ".id == \"p2\"" out2
'

test_expect '--prices: its quotes read as store prices reads them, bad fields refused' '
	printf "%s\n" "{\"symbol\":\"XAUUSD\",\"time\":\"2026-11-22T08:59:00Z\",\"price\":0}" \
	    "{\"symbol\":\"XAUUSD\",\"time\":-5,\"price\":1990}" \
	    "{\"symbol\":\"XAUUSD\",\"time\":\"2026-11-22T08:59:00Z\",\"price\":\"1990\"}" >bad.jsonl &&
	exits 1 verify-predictions --now 2026-11-22T09:00:00Z --prices bad.jsonl >out 2>err &&
	printf "verify-predictions: bad.jsonl:%s\n" "1: price: not positive" "2: time: before 1970" \
	    "3: price: not a number" >want &&
	grep "bad.jsonl" err >got && test_cmp want got &&
	: a file that cannot be read is no usage error &&
	exits 3 verify-predictions --prices no-such.jsonl 2>err &&
	grep -q "^verify-predictions: no-such.jsonl: No such file or directory" err
'

test_expect 'manual predictions wait for --resolve ID=OPTION' '
	pred m1 2000 "" "{\"yes\":\"\",\"no\":null}" manual | store predictions &&
	{ vote m1 u1 yes; vote m1 u2 no; } | store votes &&
	quote 2026-11-22T09:00:00Z 2020 | store prices &&
	verify >out && test ! -s out &&
	test "$(rows "SELECT status FROM predictions")" = active &&
	verify --resolve m1=maybe 2>err; test $? = 1 && grep -q "m1: no option maybe" err &&
	verify --resolve m1=yes >out &&
	jq -e ".correct_option == \"yes\" and .resolved_by == \"manual\" and .end_price == 2020 and .votes_correct == 1" out &&
	test "$(rows "SELECT user_id || correct FROM votes ORDER BY 1" | tr "\n" " ")" = "u11 u20 " &&
	: the same resolution again is a no-op, another is refused &&
	verify --resolve m1=yes >out2 && test ! -s out2 &&
	exits 1 verify --resolve m1=no >out3 2>err3 && test ! -s out3 &&
	grep -q "m1: already verified with option yes" err3 &&
	exits 1 verify --resolve nope=yes 2>err4 && grep -q "nope: no such prediction" err4 &&
	test "$(rows "SELECT predictions, correct FROM user_stats WHERE user_id = '\''u1'\''")" = "1|1"
'

test_expect 'an errored prediction is resolved by hand; --cancel calls one off' '
	pred e1 2000 "" "{\"A\":\"price > 1\",\"B\":\"price > 2\"}" | store predictions &&
	pred c1 | store predictions &&
	vote e1 u1 B | store votes &&
	quote 2026-11-22T09:00:00Z 2020 | store prices &&
	verify --now 2026-11-22T08:59:00Z --cancel c1 &&
	exits 1 verify >/dev/null 2>&1 &&
	test "$(rows "SELECT id || status FROM predictions ORDER BY id" | tr "\n" " ")" = "c1cancelled e1error " &&
	verify --resolve e1=B >out &&
	jq -e ".correct_option == \"B\" and .votes_correct == 1" out &&
	test "$(rows "SELECT status, error FROM predictions WHERE id = '\''e1'\''")" = "verified|" &&
	exits 1 verify --cancel e1 2>err && grep -q "e1: no active or errored" err &&
	exits 1 verify --resolve c1=A 2>err && grep -q "c1: cancelled" err
'

test_expect 'running twice changes nothing the second time' '
	for i in 1 2 3; do pred p$i; done | store predictions &&
	for i in 1 2 3; do vote p$i u1 A; vote p$i u2 D; done | store votes &&
	quote 2026-11-22T09:00:00Z 2030 | store prices &&
	verify >out1 && test "$(wc -l <out1)" = 3 &&
	dump >dump1 &&
	verify >out2 && test ! -s out2 &&
	verify --now 2026-11-23T00:00:00Z >out3 && test ! -s out3 &&
	dump >dump2 && test_cmp dump1 dump2 &&
	test "$(rows "SELECT predictions, correct, current_streak FROM user_stats ORDER BY user_id" | tr "\n" " ")" = "3|3|3 3|0|0 "
'

test_expect 'two runs at once resolve each prediction exactly once' '
	awk -v o="$OPTS" "BEGIN { for (i = 1; i <= 300; i++)
	    printf \"{\\\"id\\\":\\\"p%03d\\\",\\\"symbol\\\":\\\"XAUUSD\\\",\\\"opens_at\\\":\\\"2026-11-22T08:00:00Z\\\",\\\"verify_at\\\":\\\"2026-11-22T09:00:00Z\\\",\\\"start_price\\\":2000,\\\"options\\\":%s}\\n\", i, o }" |
	    store predictions &&
	awk "BEGIN { for (i = 1; i <= 300; i++) for (u = 1; u <= 5; u++)
	    printf \"{\\\"prediction_id\\\":\\\"p%03d\\\",\\\"user_id\\\":\\\"u%d\\\",\\\"option\\\":\\\"%s\\\"}\\n\", i, u, (u % 2 ? \"A\" : \"B\") }" |
	    store votes &&
	quote 2026-11-22T09:00:00Z 2030 | store prices &&
	{ verify >o1 2>e1 & verify >o2 2>e2 & verify >o3 2>e3; wait; } &&
	test ! -s e1 && test ! -s e2 && test ! -s e3 &&
	test "$(cat o1 o2 o3 | jq -r .id | sort -u | wc -l)" = 300 &&
	test "$(cat o1 o2 o3 | wc -l)" = 300 &&
	test "$(rows "SELECT count(DISTINCT resolved_seq), max(resolved_seq) FROM predictions")" = "300|300" &&
	test "$(rows "SELECT user_id, predictions, correct, current_streak, best_streak FROM user_stats ORDER BY 1" | tr "\n" " ")" = "u1|300|300|300|300 u2|300|0|0|0 u3|300|300|300|300 u4|300|0|0|0 u5|300|300|300|300 "
'

test_expect 'a voter new to the store, counted by two runs at once: one row, every vote' '
	: the auto run holds its transaction over 400 predictions, each voted on
	: by the users the manual run counts at the same time &&
	{ for i in $(seq 400); do pred a$i; done; for i in 1 2 3 4 5 6 7 8 9; do
	    pred m$i 2000 "" "{\"A\":\"\",\"B\":\"\"}" manual; done; } | store predictions &&
	{ for i in $(seq 400); do vote a$i new1 A; vote a$i new2 D; done
	  for i in 1 2 3 4 5 6 7 8 9; do vote m$i new1 A; vote m$i new2 B; done; } | store votes &&
	quote 2026-11-22T09:00:00Z 2030 | store prices &&
	{ verify >o1 2>e1 &
	  verify --resolve m1=A --resolve m2=A --resolve m3=A --resolve m4=A --resolve m5=A \
	      --resolve m6=A --resolve m7=A --resolve m8=A --resolve m9=A >o2 2>e2; wait; } &&
	test ! -s e1 && test ! -s e2 &&
	test "$(cat o1 o2 | wc -l)" = 409 &&
	test "$(rows "SELECT user_id, predictions, correct FROM user_stats ORDER BY 1" | tr "\n" " ")" = "new1|409|409 new2|409|0 "
'

test_expect 'user statistics and streaks across predictions, in resolution order' '
	: "u1 right, right, wrong, right, right, right; u2 wrong then right" &&
	i=0; for p in 2020:A 2020:A 1900:A 2020:A 2020:A 2020:A; do
		i=$((i + 1))
		pred q$i 2000 "2026-11-22T09:0$i:00Z" "$OPTS" auto S$i
	done | store predictions &&
	for i in 1 2 3 4 5 6; do vote q$i u1 A; done | store votes &&
	{ vote q1 u2 D; vote q2 u2 A; } | store votes &&
	for i in 1 2 4 5 6; do quote 2026-11-22T09:0$i:00Z 2020 S$i; done | store prices &&
	quote 2026-11-22T09:03:00Z 1900 S3 | store prices &&
	verify-predictions --now 2026-11-22T09:02:30Z >o &&
	test "$(rows "SELECT predictions, correct, current_streak, best_streak FROM user_stats WHERE user_id = '\''u1'\''")" = "2|2|2|2" &&
	verify-predictions --now 2026-11-22T09:10:00Z >o2 &&
	test "$(jq -r .id o o2 | tr "\n" " ")" = "q1 q2 q3 q4 q5 q6 " &&
	test "$(rows "SELECT predictions, correct, CAST(accuracy * 1000000 AS INTEGER), current_streak, best_streak, last_seq FROM user_stats WHERE user_id = '\''u1'\''")" = "6|5|833333|3|3|6" &&
	test "$(rows "SELECT predictions, correct, CAST(accuracy * 1000000 AS INTEGER), current_streak, best_streak FROM user_stats WHERE user_id = '\''u2'\''")" = "2|1|500000|1|1"
'

test_expect 'voters are listed in full; JSON text is escaped' '
	pred PID | sed "s/PID/p\\\\\"1/" | store predictions &&
	awk "BEGIN { for (u = 1; u <= 2000; u++) printf \"{\\\"prediction_id\\\":\\\"p\\\\\\\"1\\\",\\\"user_id\\\":\\\"user\\\\\\\\%d\\\",\\\"option\\\":\\\"C\\\"}\\n\", u }" | store votes &&
	quote 2026-11-22T09:00:00Z 2000 | store prices &&
	verify >out &&
	jq -e ".id == \"p\\\"1\" and (.voters | length) == 2000 and .votes_correct == 2000 and .voters[0].user_id == \"user\\\\1\"" out
'

test_expect '--show prints a resolved prediction again; --check finds bad ones' '
	{ pred p1; pred p2 2000 2026-11-23T00:00:00Z; } | store predictions &&
	quote 2026-11-22T09:00:00Z 2020 | store prices &&
	verify >out && verify --show p1 >again && test_cmp out again &&
	exits 1 verify --show p2 2>err && grep -q "p2: no verified prediction" err &&
	verify --check &&
	rows "UPDATE predictions SET options = replace(options, '\''price_change_percent > 0 AND'\'', '\''price >> 1 AND'\'') WHERE id = '\''p2'\''" &&
	exits 1 verify --check 2>err &&
	grep -q "^verify-predictions: p2: option B: column 8: expected a variable or a number, found '\''>'\''" err &&
	rows "UPDATE predictions SET verify_at = '\''2026-11-23 00:00'\'' WHERE id = '\''p2'\''" &&
	exits 1 verify --check 2>err &&
	grep -q "p2: opens_at and verify_at are not written YYYY-MM-DDThh:mm:ssZ" err
'

test_expect 'counters go to $JOBLINE_STATS; -v says what was done' '
	pred p1 | store predictions && vote p1 u1 A | store votes &&
	quote 2026-11-22T09:00:00Z 2020 | store prices &&
	JOBLINE_STATS=$PWD/stats verify -v >/dev/null 2>err &&
	grep -q "^predictions_resolved 1$" stats && grep -q "^votes_scored 1$" stats &&
	grep -q "1 resolved, 0 errored, 0 waiting for a price, 1 votes scored" err
'

test_done
