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
ingest-news on both machines at once over the same feeds: each article stored once and new once, its chunks stored once'
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
	    ${ON_EXEC:-} unshare --uts sh -c 'hostname "$0" && exec "$@"' \
	    "machine-$1" "${@:2}"
}
# spawn M CMD...: on M in the background, CMD itself the process $! names
spawn() {
	ON_EXEC=exec on "$@" &
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

# one execution of a queue job, all in shell builtins: logged with the
# job, the attempt and the worker ($W); 1 in 100 attempts (by their id and
# number) SIGKILLs itself before the work, and as many after it (done, but
# not recorded as done)
cat >"$TMP/chaos.sh" <<\EOF
echo "start $JOBLINE_JOB_ID $JOBLINE_ATTEMPT $W" >>"$LOG"
read -r payload
r=$(( (JOBLINE_JOB_ID * 7919 + JOBLINE_ATTEMPT * 104729) % 100 ))
if [ $r = 0 ]; then
	echo "kill $JOBLINE_JOB_ID $JOBLINE_ATTEMPT $W" >>"$LOG"
	kill -KILL $$
fi
echo "end $JOBLINE_JOB_ID $JOBLINE_ATTEMPT $W" >>"$LOG"
if [ $r = 1 ]; then
	echo "kill $JOBLINE_JOB_ID $JOBLINE_ATTEMPT $W" >>"$LOG"
	kill -KILL $$
fi
EOF

JOBS=10000
# worker SLOT: (re)start worker SLOT (1-4 on machine a, 5-8 on b), a
# dequeue of its own named $W, its pid in pid.SLOT
worker() {
	gen=$((gen + 1))
	m=a; [ "$1" -le 4 ] || m=b
	W=$m$1.$gen LOG=$PWD/log spawn $m dequeue chaos --lease 3s \
	    --backoff 1s --poll 500ms -- sh "$TMP/chaos.sh" \
	    >"out.$m$1.$gen" 2>"err.$m$1.$gen"
	echo $! >pid.$1
	echo $m$1.$gen >name.$1
}

test_expect "$(sed -n 4p <<<"$TITLES")" '
	seq $JOBS | jq -c "{n: .}" | enqueue chaos --max-attempts 25 >/dev/null || exit 1
	gen=0
	for s in 1 2 3 4 5 6 7 8; do worker $s || exit 1; done
	# a worker killed about every second, 25 times, each started again
	t=0 kills=0
	until [ "$(rows "SELECT count(*) FROM queue WHERE state IN ('\''done'\'', '\''dead'\'')")" = $JOBS ]; do
		t=$((t + 1))
		[ $t -lt $((600 * JOBLINE_SLOW)) ] || { echo "not drained in time"; exit 1; }
		if [ $kills -lt 25 ] && [ $((t % 2)) = 0 ]; then
			s=$((RANDOM % 8 + 1))
			kill -9 "$(cat pid.$s)" && cat name.$s >>killed || exit 1
			kills=$((kills + 1))
			worker $s || exit 1
		fi
		sleep 0.5
	done
	for s in 1 2 3 4 5 6 7 8; do kill -TERM "$(cat pid.$s)"; done
	wait
	: none lost &&
	test "$(rows "SELECT state, count(*) FROM queue GROUP BY state")" = "done|$JOBS" &&
	test "$(awk "\$1 == \"end\" { print \$2 }" log | sort -u | wc -l)" = $JOBS &&
	: none done twice, and no attempt taken over from a living worker &&
	cat out.* | jq -r "select(.state == \"done\") | .id" | sort | uniq -d >twice &&
	test ! -s twice &&
	! cat out.* | jq -e "select(.state == \"lost\")" &&
	: every run but one of each job was killed, or its worker was &&
	awk -v kills=$kills -v jobs=$JOBS "
	FILENAME == \"killed\" { dead[\$1] = 1; next }
	\$1 == \"start\" { who[\$2 \" \" \$3] = \$4; runs++ }
	\$1 == \"kill\" { killed[\$2 \" \" \$3] = 1; selfkills++ }
	END {
		for (r in who)
			if (!(r in killed) && !(who[r] in dead)) {
				split(r, f, \" \")
				if (++plain[f[1]] > 1) { print \"job \" f[1] \" ran twice, neither run killed\"; bad = 1 }
			}
		printf \"%d runs of %d jobs, %d commands and %d workers killed\\n\", runs, jobs, selfkills, kills
		exit bad
	}" killed log >&2 &&
	test "$(awk "\$1 == \"start\"" log | wc -l)" -gt $JOBS
'

# feeds 1-6: 25 items each, each an article of its own, with text enough
# for two or three chunks
mkdir -p "$TMP/www"
for i in 1 2 3 4 5 6; do
	{
		echo '<?xml version="1.0"?><rss version="2.0"><channel>'
		echo "<title>Feed $i</title>"
		for n in $(seq 25); do
			echo "<item><title>Feed $i item $n</title>"
			echo "<link>https://news.example/f$i/$n</link><description>"
			for k in $(seq 70); do
				echo "Paragraph $k of item $n of feed $i: the company said revenue rose in the quarter."
			done
			echo "</description></item>"
		done
		echo '</channel></rss>'
	} >"$TMP/www/f$i.xml"
done
start_httpd "$TMP/www" || exit 1
for i in 1 2 3 4 5 6; do echo "$HTTPD/f$i.xml"; done >"$TMP/feeds"

test_expect "$(sed -n 5p <<<"$TITLES")" '
	{ on a ingest-news -f "$TMP/feeds" --report >ra 2>ea &
	  on b ingest-news -f "$TMP/feeds" --report >rb 2>eb; wait; } &&
	test ! -s ea && test ! -s eb &&
	test "$(rows "SELECT count(*), sum(complete), count(DISTINCT url) FROM articles")" = "150|150|150" &&
	test "$(rows "SELECT count(*) FROM articles a WHERE chunks <> (SELECT count(*) FROM chunks c WHERE c.item_id = a.id)")" = 0 &&
	chunks=$(rows "SELECT count(*) FROM chunks") && test "$chunks" -gt 300 &&
	: each article new on one machine only &&
	cat ra rb | sed -n "s/^ingest-news: \([0-9]*\) new articles; \([0-9]*\) articles cut into \([0-9]*\) chunks.*/\1 \2 \3/p" >did &&
	test "$(wc -l <did)" = 2 &&
	test "$(awk "{ n += \$1 } END { print n }" did)" = 150 &&
	: an article stored by one machine and not yet complete is passed on by &&
	: the other as unfinished, and cut again: the chunks are the same rows &&
	awk "{ c += \$2 } END { print c \" articles cut, of 150\" }" did >&2 &&
	: once more on both: nothing new &&
	{ on a ingest-news -f "$TMP/feeds" --report >ra2 &
	  on b ingest-news -f "$TMP/feeds" --report >rb2; wait; } &&
	test "$(grep -c "^ingest-news: 0 new articles; 0 articles cut" ra2 rb2 | tr "\n" " ")" = "ra2:1 rb2:1 " &&
	test "$(rows "SELECT count(*) FROM chunks")" = "$chunks"
'

test_done
