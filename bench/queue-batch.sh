#!/bin/sh
# bench/queue-batch.sh [N]: dequeue --batch against a process per job, in
# one run: N no-op jobs (default 20,000) claimed, run and completed by
#   dequeue --batch 100 -j 1 and -j 2, the command a sed that answers
#     {"id":ID,"ok":true} for every line (a filter doing nothing else);
#   dequeue -j 1 and -j 8 of `true`, a process per job, on N/10 jobs.
# Writes under bench/out/queue-batch.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/queue-batch
n=${1:-20000}
mkdir -p "$out"
cd "$out"
PATH=${BINDIR:-$top/bin}:$PATH
export LC_ALL=C

# timed N COMMAND...: wall and CPU (user+sys, children included) of one run
timed() {
	k=$1; shift
	/usr/bin/time -f '%e %U %S' -o .t "$@" >/dev/null
	awk -v n="$k" '{ printf "%6.2f s %8.0f jobs/s   CPU %5.2f s %8.0f jobs/CPU-s", $1, n / $1, $2 + $3, n / ($2 + $3 + 0.001) }' .t
}
# fresh K: a new store with K queued jobs
fresh() {
	rm -f b.db b.db-wal b.db-shm
	awk -v k="$1" 'BEGIN { for (i = 1; i <= k; i++) printf "{\"n\":%d}\n", i }' |
	    enqueue q --db b.db >/dev/null
}
noop='s/^\{"id":([0-9]+),.*/{"id":\1,"ok":true}/'
for j in 1 2; do
	fresh "$n"
	echo "dequeue --batch 100 -j $j, $n jobs:  $(timed "$n" dequeue q --db b.db --batch 100 -j $j --drain -q -- sed -E "$noop")"
	test "$(sqlite3 b.db "SELECT count(*) FROM queue WHERE state = 'done'")" = "$n"
done
m=$((n / 10))
for j in 1 8; do
	fresh "$m"
	echo "dequeue -j $j (a process a job), $m jobs: $(timed "$m" dequeue q --db b.db -j $j --drain -q -- true)"
	test "$(sqlite3 b.db "SELECT count(*) FROM queue WHERE state = 'done'")" = "$m"
done
