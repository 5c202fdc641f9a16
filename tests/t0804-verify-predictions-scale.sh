#!/bin/bash
# verify-predictions at scale: 10,000 due predictions, 1,000,000 votes of
# 100,000 users, resolved in one run, exactly once
. "$(dirname "$0")/lib.sh"

# gen PREDICTIONS VOTES_PER_PREDICTION: straight into the store
gen() {
	"$TOP/tests/gen-predictions.sh" "$JOBLINE_DB" "$1" "$2" >/dev/null
}

if [ "${JOBLINE_VALGRIND:-}" = 1 ]; then
	test_skip '10,000 predictions and 1,000,000 votes, resolved once' \
	    'under valgrind: a million votes would take most of an hour; t0800-t0803 run verify-predictions under valgrind'
	test_done
fi

test_expect '10,000 predictions and 1,000,000 votes, resolved once' '
	gen 10000 100 &&
	verify-predictions --now 2026-11-22T10:00:00Z >out 2>err &&
	test ! -s err &&
	test "$(wc -l <out)" = 10000 &&
	: S0 1985 is -0.75% D, S1 1992 -0.4% C, S2 1999 C, S3 2006 0.3% B, S4 2013 B, S5 2020 1% A &&
	test "$(rows "SELECT correct_option, count(*) FROM predictions GROUP BY 1" | tr "\n" " ")" = "A|1666 B|3334 C|3334 D|1666 " &&
	test "$(rows "SELECT count(*), sum(correct) FROM votes")" = "1000000|250000" &&
	test "$(rows "SELECT count(*), sum(predictions), sum(correct) FROM user_stats")" = "100000|1000000|250000" &&
	test "$(rows "SELECT count(*) FROM predictions WHERE status = '\''verified'\'' AND votes_correct + votes_incorrect = 100")" = 10000 &&
	: one jq pass over the 54 MB of output &&
	jq -r "[.id, .votes_correct, .votes_incorrect, (.voters | length)] | @tsv" out >summary &&
	test "$(cut -f 2- summary | sort | uniq -c | awk "{ print \$1, \$2, \$3, \$4 }")" = "10000 25 75 100" &&
	test "$(cut -f 1 summary | sort -u | wc -l)" = 10000 &&
	: the voters of a line are the votes of its prediction &&
	grep "^{\"id\":\"p00042\"," out | jq -r ".voters[] | [.user_id, .option, .correct] | @tsv" >v1 &&
	rows "SELECT user_id, option, CASE correct WHEN 1 THEN '\''true'\'' ELSE '\''false'\'' END FROM votes WHERE prediction_id = '\''p00042'\'' ORDER BY user_id" | tr "|" "\t" >v2 &&
	test_cmp v2 v1 &&
	verify-predictions --now 2026-11-22T10:00:00Z >again && test ! -s again
'

test_done
