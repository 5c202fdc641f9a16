#!/bin/sh
# bench/queue-pg.sh [N]: the queue on PostgreSQL against graphile-worker
# (npm graphile-worker, a PostgreSQL job queue for Node) on one local
# server that the script starts (Debian's postgresql, default settings but
# a unix socket of its own), in one run:
#   1. enqueue 100,000 jobs (one enqueue, its own batches) vs graphile's
#      addJobs, 1,000 jobs a call
#   2. N no-op jobs (default 50,000): dequeue --batch 1000 -j 2 (a sed
#      answering ok for every line) vs graphile-worker at concurrency 24
#   3. dequeue -j 8 of `true` (a process a job), 2,000 jobs, PostgreSQL vs
#      SQLite
#   4. enqueue-to-start latency with a waiting worker: 200 jobs, one at a
#      time, 50 ms apart, through one enqueue; from the line written to the
#      command's first clock reading (the command a bash reading
#      $EPOCHREALTIME: its start is counted); the same for graphile-worker
#      (addJob to the task function, in one process); and SQLite, which
#      polls (--poll 1s)
# Needs: postgresql, node and npm (graphile-worker is installed under
# bench/out/queue-pg).  Writes under bench/out/queue-pg.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/queue-pg
n=${1:-50000}
mkdir -p "$out"
cd "$out"
PATH=$top/bin:$PATH
export LC_ALL=C

if [ ! -d node_modules/graphile-worker ]; then
	npm init -y >/dev/null
	npm install --no-audit --no-fund graphile-worker >/dev/null
fi
cp "$top/bench/graphile-worker.mjs" .

# the server: in a temporary directory (run as nobody when we are root,
# as PostgreSQL refuses root), stopped at exit
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg=$(mktemp -d "${TMPDIR:-/tmp}/queue-pg.XXXXXX")
as=
if [ "$(id -u)" = 0 ]; then
	as="runuser -u nobody --"
	chmod 711 "$pg" && chown nobody "$pg"
fi
$as "$pg_bin/initdb" -D "$pg/data" -U jobline --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$pg/initdb.log" 2>&1
$as "$pg_bin/pg_ctl" -D "$pg/data" -l "$pg/log" -w -o \
    "-c listen_addresses='' -c unix_socket_directories=$pg -c max_connections=100" \
    start >/dev/null
trap '$as "$pg_bin/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null; rm -rf "$pg"' EXIT
uri() { printf 'postgresql:///%s?host=%s&user=jobline\n' "$1" "$pg"; }
newdb() {
	psql -X -q -d "$(uri postgres)" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
}
# graphile-worker takes a connection string it parses itself
gw_uri() { printf 'postgres://jobline@%s/%s\n' "$(printf %s "$pg" | sed 's,/,%2F,g')" "$1"; }
gw() { DATABASE_URL=$(gw_uri "$1") && shift && DATABASE_URL=$DATABASE_URL node graphile-worker.mjs "$@"; }

# timed N COMMAND...: wall and CPU (user+sys, children included) of one run
timed() {
	k=$1; shift
	/usr/bin/time -f '%e %U %S' -o .t "$@" >/dev/null
	awk -v n="$k" '{ printf "%6.2f s %8.0f jobs/s   CPU %5.2f s", $1, n / $1, $2 + $3 }' .t
}
count_done() { psql -X -A -t -d "$1" -c "SELECT count(*) FROM queue WHERE state = 'done'"; }

echo "server: PostgreSQL $("$pg_bin/postgres" --version | awk '{ print $3 }'), graphile-worker $(node -p 'require("./node_modules/graphile-worker/package.json").version'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"

# -- 1. enqueue 100,000
awk 'BEGIN { for (i = 1; i <= 100000; i++)
    printf "{\"company\":\"Company %d\",\"rank\":%d,\"url\":\"https://news.example.com/search?q=company-%d\"}\n", i, i % 100 + 1, i }' >jobs.jsonl
newdb e
enqueue warm --db "$(uri e)" </dev/null
echo "enqueue 100,000 jobs:                 $(timed 100000 enqueue bench --db "$(uri e)" <jobs.jsonl)"
newdb ge
gw ge migrate
echo "graphile addJobs 100,000 (1,000/call): $(gw ge add 100000 1000)"

# -- 2. no-op execution
noop='s/^\{"id":([0-9]+),.*/{"id":\1,"ok":true}/'
newdb b
head -n "$n" jobs.jsonl | enqueue q --db "$(uri b)" >/dev/null
echo "dequeue --batch 1000 -j 2, $n no-op jobs: $(timed "$n" dequeue q --db "$(uri b)" --batch 1000 -j 2 --drain -q -- sed -E "$noop")"
test "$(count_done "$(uri b)")" = "$n"
newdb gb
gw gb migrate
gw gb add "$n" 1000 >/dev/null
echo "graphile-worker concurrency 24, $n no-op jobs: $(gw gb run "$n" 24)"

# -- 3. a process a job, PostgreSQL vs SQLite
m=2000
newdb p
head -n $m jobs.jsonl | enqueue q --db "$(uri p)" >/dev/null
echo "dequeue -j 8 -- true, $m jobs, PostgreSQL: $(timed $m dequeue q --db "$(uri p)" -j 8 --drain -q -- true)"
rm -f s.db*
head -n $m jobs.jsonl | enqueue q --db s.db >/dev/null
echo "dequeue -j 8 -- true, $m jobs, SQLite:     $(timed $m dequeue q --db s.db -j 8 --drain -q -- true)"

# -- 4. enqueue-to-start latency
cat >stamp <<'SH'
#!/bin/bash
read -r l; echo "${EPOCHREALTIME/./} $l" >>lat.out
SH
chmod +x stamp
# latency DB POLL: median and p90 in ms of 200 jobs through one enqueue
latency() {
	rm -f lat.out fifo; mkfifo fifo
	dequeue lat --db "$1" --poll "$2" -q -- ./stamp &
	w=$!
	sleep 1
	enqueue lat --db "$1" <fifo >/dev/null &
	e=$!
	for i in $(seq 200); do
		echo "{\"t\":$(date +%s%N)}"
		sleep 0.05
	done >fifo
	wait $e
	sleep 1.5
	kill $w; wait $w || true
	sed -E 's/^([0-9]+) \{"t":([0-9]+)\}$/\1 \2/' lat.out |
	    awk '{ print ($1 * 1000 - $2) / 1e6 }' | sort -n |
	    awk '{ v[NR] = $1 } END { printf "median %.2f ms p90 %.2f ms (%d jobs)", v[int(NR / 2) + 1], v[int(NR * 0.9)], NR }'
}
newdb l
enqueue warm --db "$(uri l)" </dev/null
echo "enqueue-to-start, waiting dequeue, PostgreSQL: $(latency "$(uri l)" 60s)"
rm -f l.db*
echo "enqueue-to-start, waiting dequeue, SQLite --poll 1s: $(latency l.db 1s)"
newdb gl
gw gl migrate
echo "graphile-worker add-to-start, waiting worker: $(gw gl latency 200 24)"
