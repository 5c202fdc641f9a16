#!/bin/bash
# SIGKILL at random points of run-job, verify-predictions and fetch-feed
# (feed state), again and again; then one clean run.  The store passes
# PRAGMA integrity_check and ends as an uninterrupted run leaves it.
# (t0350 does this for the ingest pipeline, t0620 for the queue.)
#
# The kill delays come from a seeded generator; the seed is printed, and
# KILL_SEED=N replays a run.
. "$(dirname "$0")/lib.sh"

SEED=${KILL_SEED:-$(( $(date +%s) % 100000 ))}
echo "# KILL_SEED=$SEED"
export JOBLINE_NOW=2026-11-22T10:00:00Z

# delays N LO HI SALT: N random delays in seconds, in [LO, HI)
delays() {
	awk -v n="$1" -v lo="$2" -v hi="$3" -v s=$((SEED + $4)) 'BEGIN {
	    srand(s); for (i = 0; i < n; i++) printf "%.3f\n", lo + rand() * (hi - lo) }'
}

# killed DELAY CMD...: start CMD (stdin and stdout as given), SIGKILL it
# DELAY seconds later (if it still runs), reap it
killed() {
	d=$1
	shift
	"$@" &
	kpid=$!
	sleep "$d"
	kill -KILL $kpid 2>/dev/null
	wait $kpid 2>/dev/null
	return 0
}

# none_alive FILE: no process of the pids in FILE still runs (a zombie
# nobody reaps, as pid 1 here may not, counts as gone), within 5 s (times
# $JOBLINE_SLOW) for the guardian of a killed run to be scheduled on a
# loaded machine: one that is still there then has outlived run-job
none_alive() {
	tries=0
	for p in $(cat "$1"); do
		while kill -0 "$p" 2>/dev/null &&
		    ! grep -q "^State:.*zombie" /proc/"$p"/status 2>/dev/null; do
			tries=$((tries + 1))
			if [ $tries -gt $((50 * JOBLINE_SLOW)) ]; then
				echo "process $p outlived run-job" >&2
				return 1
			fi
			sleep 0.1
		done
	done
}

integrity() {
	test "$(sqlite3 "$JOBLINE_DB" "PRAGMA integrity_check")" = ok
}

test_expect "run-job killed 16 times (seed $SEED): runs closed, counters agree, no command left" '
	: >pids &&
	for d in $(delays 16 0 0.4 1); do
		killed "$d" run-job j -- sh -c "echo \$\$ >>pids; exec sleep 0.2" 2>>err
	done
	integrity &&
	run-job j -- true 2>>err && integrity &&
	echo "runs: $(rows "SELECT status, count(*) FROM runs GROUP BY 1" | tr "\n" " ")" &&
	test "$(rows "SELECT count(*) FROM runs WHERE status = \"running\" OR completed_at IS NULL")" = 0 &&
	test "$(rows "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" = success &&
	test "$(rows "SELECT n_success, n_failed, n_interrupted, n_skipped FROM job_state")" = \
	    "$(rows "SELECT sum(status = \"success\"), sum(status = \"failed\"), sum(status = \"interrupted\"), sum(status = \"skipped\") FROM runs")" &&
	test "$(rows "SELECT last_run_id = (SELECT max(id) FROM runs) FROM job_state")" = 1 &&
	sleep 0.3 && none_alive pids
'

test_expect "run-job killed 12 times while its command is a pipeline (seed $SEED): no stage left" '
	: >pids &&
	for d in $(delays 12 0 0.4 3); do
		killed "$d" run-job --wait p -- sh -c "echo \$\$ >>pids;
		    sleep 0.3 | (sh -c \"echo \\\$\\\$ >>pids; exec sleep 30\"; sleep 1)" 2>>err
	done
	sleep 0.3 && none_alive pids &&
	run-job p -- true 2>>err && integrity &&
	test "$(rows "SELECT count(*) FROM runs WHERE status = \"running\"")" = 0
'

test_expect "run-job --every killed 6 times (seed $SEED): every run closed once" '
	for d in $(delays 6 0.1 0.8 2); do
		killed "$d" run-job --every 100ms --for 1s j -- true 2>>err
	done
	run-job j -- true 2>>err && integrity &&
	test "$(rows "SELECT count(*) FROM runs WHERE status = \"running\"")" = 0 &&
	test "$(rows "SELECT n_success + n_interrupted + n_failed FROM job_state")" = \
	    "$(rows "SELECT count(*) FROM runs")"
'

# verify-predictions: 3 rounds, each on a fresh copy of the same generated
# store, killed 5 times and then run to the end; every round must end as
# the uninterrupted run did
"$TOP/tests/gen-predictions.sh" "$TMP/gen.db" 3000 20 >/dev/null || exit 1
cp "$TMP/gen.db" "$TMP/clean.db" &&
verify-predictions --db "$TMP/clean.db" >"$TMP/clean.out" || exit 1

# same QUERY: the store and clean.db give the same rows
same() {
	sqlite3 "$JOBLINE_DB" "$1" >got &&
	sqlite3 "$TMP/clean.db" "$1" >want &&
	test -s want && test_cmp want got
}

test_expect "verify-predictions killed 15 times (seed $SEED): each resolved once, scores as a clean run" '
	for r in 1 2 3; do
		cp "$TMP/gen.db" "$JOBLINE_DB" && rm -f "$JOBLINE_DB-wal" "$JOBLINE_DB-shm" &&
		: >out &&
		for d in $(delays 5 0.05 1.2 $((10 + r))); do
			killed "$d" verify-predictions >>out 2>>err
		done
		integrity &&
		echo "round $r: $(rows "SELECT count(*) FROM predictions WHERE status = \"verified\"") resolved while killed" &&
		verify-predictions >>out 2>>err && integrity &&
		# stdout is a file: a killed run loses the lines it had not
		# flushed, but none may come twice
		test "$(jq -rR "fromjson? | .id" out | sort | uniq -d | wc -l)" = 0 &&
		same "SELECT id, status, end_price, correct_option, votes_correct, votes_incorrect FROM predictions ORDER BY id" &&
		same "SELECT prediction_id, user_id, option, correct FROM votes ORDER BY 1, 2" &&
		same "SELECT user_id, predictions, correct, accuracy, current_streak, best_streak FROM user_stats ORDER BY 1" ||
		exit 1
	done
'

mkdir -p "$TMP/www"
for i in $(seq 1 60); do
	sed "s|<title>|<title>F$i |" "$DATA/feeds/rss2.xml" >"$TMP/www/f$i.xml"
done
start_httpd "$TMP/www" || exit 1

test_expect "fetch-feed killed 15 times (seed $SEED): feed state whole, every feed's items written" '
	for i in $(seq 1 60); do echo "$HTTPD/_/cond?f=f$i.xml"; done >urls &&
	: >out &&
	for d in $(delays 15 0.02 0.6 20); do
		# what a killed run wrote out counts as stored: its
		# validators are committed
		killed "$d" fetch-feed -j 4 --pending p -f urls >>out 2>>err
		fetch-feed --commit p 2>>err || exit 1
	done
	integrity &&
	echo "feeds recorded while killed: $(rows "SELECT count(*) FROM feeds")" &&
	fetch-feed -j 4 --pending p -f urls >>out 2>>err &&
	fetch-feed --commit p && integrity &&
	test "$(rows "SELECT count(*), count(etag), count(last_modified), sum(failures), count(last_success) FROM feeds")" = "60|60|60|0|60" &&
	# a feed whose validators are stored answers 304 from now on: its
	# items must have been written before
	test "$(jq -rR "fromjson? | .feed" out | sort -u | wc -l)" = 60 &&
	fetch-feed -f urls >again && test ! -s again
'

test_expect "ingest-news whose store articles is killed: the next run still stores every item" '
	for i in 1 2 3; do echo "$HTTPD/_/cond?f=f$i.xml"; done >urls &&
	mkdir stub &&
	# the first store articles reads all its input and dies by SIGKILL: every
	# feed was fetched, no item reached the store
	printf "%s\n" "#!/bin/sh" \
	    "if [ \"\$1\" = articles ] && mkdir \"$PWD/died\" 2>/dev/null; then" \
	    "	cat >/dev/null; kill -KILL \$\$; fi" \
	    "exec \"$TOP/bin/store\" \"\$@\"" >stub/store &&
	chmod +x stub/store &&
	PATH=$PWD/stub:$PATH ingest-news -f urls 2>err; rc=$?
	test "$rc" -ge 128 && test -d died &&
	test "$(rows "SELECT count(*), count(etag) FROM feeds")" = "3|0" &&
	test "$(rows "SELECT count(*) FROM articles")" = 0 &&
	PATH=$PWD/stub:$PATH ingest-news -f urls &&
	test "$(rows "SELECT count(etag) FROM feeds")" = 3 &&
	n=$(fetch-feed --no-cache --db scratch.db -f urls | store articles --db scratch.db --emit new | wc -l) &&
	test "$n" -gt 0 &&
	test "$(rows "SELECT count(*) FROM articles WHERE complete = 1")" = "$n" &&
	ingest-news -f urls && test "$(rows "SELECT count(*) FROM articles")" = "$n"
'

test_done
