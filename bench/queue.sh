#!/bin/sh
# bench/queue.sh [N]: the job queue, in one run.
#   1. enqueue 100,000 jobs (with and without a unique key): jobs/s
#   2. claim + run + complete N trivial jobs (`true`, default N=2000) with
#      dequeue -j 1, 4, 8, against nq and task-spooler (tsp) running the
#      same command N times with the same parallelism (nq runs one at a
#      time, so it is compared at -j 1)
#   3. claim latency as the done history grows to 1,000,000 rows
# Needs: ./deps --bench (nq, task-spooler).  Writes under bench/out/queue.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/queue
n=${1:-2000}
mkdir -p "$out"
cd "$out"
PATH=$top/bin:$PATH
export LC_ALL=C

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.2f s  %8.0f jobs/s", b - a, n / (b - a) }'; }
# timed N COMMAND...: wall and CPU (user+sys, children included) of one run
timed() {
	n=$1; shift
	/usr/bin/time -f '%e %U %S' -o .t "$@" >/dev/null
	awk -v n="$n" '{ printf "%6.2f s %8.0f jobs/s   CPU %5.2f s %8.0f jobs/CPU-s", $1, n / $1, $2 + $3, n / ($2 + $3 + 0.001) }' .t
}

# -- 1. enqueue
awk 'BEGIN { for (i = 1; i <= 100000; i++)
    printf "{\"company\":\"Company %d\",\"rank\":%d,\"url\":\"https://news.example.com/search?q=company-%d\"}\n", i, i % 100 + 1, i }' >jobs.jsonl
rm -f e.db*
enqueue warm --db e.db </dev/null
echo "enqueue 100,000 jobs:           $(timed 100000 sh -c 'enqueue bench --db e.db <jobs.jsonl')"
echo "enqueue 100,000 jobs --key:     $(timed 100000 sh -c 'enqueue keyed --db e.db --key company <jobs.jsonl')"
echo "again, all 100,000 duplicates:  $(timed 100000 sh -c 'enqueue keyed --db e.db --key company <jobs.jsonl')"

# -- 2. claim + complete against nq and tsp
head -n "$n" jobs.jsonl >n.jsonl
echo "claim + run + complete, $n jobs of 'true':"
for j in 1 4 8; do
	rm -f d.db*
	t0=$(now); enqueue q --db d.db <n.jsonl >/dev/null; t1=$(now)
	dequeue q --db d.db -j $j --drain -q -- true; t2=$(now)
	echo "  dequeue -j $j:                 $(rate "$n" "$t1" "$t2")   (with enqueue: $(rate "$n" "$t0" "$t2"))"
	rm -f d.db*; enqueue q --db d.db <n.jsonl >/dev/null
	echo "    again, timed:               $(timed "$n" dequeue q --db d.db -j $j --drain -q -- true)"

	export TS_SOCKET=$out/tsp-$j.sock TS_MAXFINISHED=$((n + 10)) TMPDIR=$out
	tsp -S $j
	t0=$(now)
	i=0; while [ $i -lt "$n" ]; do tsp -n true >/dev/null; i=$((i + 1)); done
	# a job needing every slot runs only when all before it are done
	tsp -N $j -n true >/dev/null; tsp -w >/dev/null 2>&1 || true
	t1=$(now)
	echo "  tsp -S $j:                     $(rate "$n" "$t0" "$t1")"
	tsp -K 2>/dev/null || true
	unset TS_SOCKET TS_MAXFINISHED TMPDIR

	if [ $j = 1 ]; then
		rm -rf nq.d; mkdir nq.d
		t0=$(now)
		i=0; while [ $i -lt "$n" ]; do NQDIR=nq.d nq -q true; i=$((i + 1)); done
		NQDIR=nq.d nq -w >/dev/null 2>&1 || true
		t1=$(now)
		echo "  nq (one at a time):            $(rate "$n" "$t0" "$t1")"
		rm -rf nq.d
	fi
done

# -- 3. claim latency against done history
echo "claim latency (1000 claims, each the bare UPDATE ... RETURNING in its own transaction, by sqlite3; then dequeue -j 1 of true):"
rm -f h.db*
enqueue q --db h.db </dev/null
have=0
for hist in 0 10000 100000 1000000; do
	add=$((hist - have))
	[ $add -gt 0 ] && sqlite3 h.db "
	    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $add)
	    INSERT INTO queue (queue, payload, state, attempts, run_after, created_at, updated_at, completed_at)
	    SELECT 'q', '{\"old\":' || i || '}', 'done', 1, '2026-01-01T00:00:00.000Z',
	      '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' FROM c;"
	have=$hist
	head -n 1000 jobs.jsonl | enqueue q --db h.db >/dev/null
	awk 'BEGIN { print "PRAGMA synchronous = NORMAL;"; for (i = 0; i < 1000; i++) print "UPDATE queue SET state = '\''running'\'', attempts = attempts + 1, lease_until = '\''2099-01-01T00:00:00.000Z'\'', worker = '\''b'\'', started_at = '\''2026-11-22T00:00:00.000Z'\'', updated_at = '\''2026-11-22T00:00:00.000Z'\'' WHERE id = (SELECT id FROM queue WHERE queue = '\''q'\'' AND state IN ('\''queued'\'', '\''failed'\'') AND run_after <= '\''2099-01-01T00:00:00.000Z'\'' ORDER BY priority, run_after, id LIMIT 1) RETURNING id;" }' >claims.sql
	t0=$(now); sqlite3 h.db <claims.sql >/dev/null; t1=$(now)
	sqlite3 h.db "UPDATE queue SET state = 'done', completed_at = '2026-11-22T00:00:00.000Z', lease_until = NULL WHERE state = 'running'"
	have=$((have + 1000))
	head -n 1000 jobs.jsonl | enqueue q --db h.db >/dev/null
	t2=$(now); dequeue q --db h.db --drain -q -- true; t3=$(now)
	have=$((have + 1000))
	awk -v h="$hist" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
	    printf "  %8d done rows: %6.3f ms per claim;  dequeue %6.0f jobs/s\n", h, (b - a), 1000 / (d - c) }'
done
sqlite3 h.db "EXPLAIN QUERY PLAN SELECT id FROM queue WHERE queue = 'q' AND state IN ('queued', 'failed') AND run_after <= 'x' ORDER BY priority, run_after, id LIMIT 1" | sed 's/^/  plan: /'
