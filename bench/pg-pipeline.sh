#!/bin/sh
# bench/pg-pipeline.sh [FEEDS] [MB]: the PostgreSQL store against the
# SQLite one, in one run on this machine:
#  1. ingest-news over FEEDS generated feeds of MB megabytes (default 10
#     and 2, as bench/ingest-news.sh) into a new store of each: articles/s;
#  2. a store of 100,000 chunks (100-word rows of a 2,000-word vocabulary,
#     384-dimension hash-v1 vectors, made with SQL in SQLite), copied into
#     PostgreSQL by store --copy-from: rows/s;
#  3. search over it, one process per query, median of 5 after a warm-up:
#     vector, keyword and hybrid for "bitcoin price", and keyword for a word
#     of every chunk (every chunk ranked: the worst case).
# The server is this script's own (Debian's postgresql package), its data
# and socket under bench/out/pg-pipeline/pg, fsync off, stopped at exit;
# run as nobody when run as root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/pg-pipeline
nf=${1:-10}
mb=${2:-2}
mkdir -p "$out"
cd "$out"
PATH=$top/bin:$PATH
export PATH

# the server
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as=
rm -rf pg
mkdir pg
if [ "$(id -u)" = 0 ]; then
	as="runuser -u nobody --"
	chmod 711 . && chown nobody pg
fi
$as "$pgbin/initdb" -D pg/data -U jobline --auth=trust -E UTF8 \
    --locale=C.UTF-8 >pg/initdb.log
opts="-c listen_addresses='' -c unix_socket_directories=$out/pg -c fsync=off"
$as "$pgbin/pg_ctl" -D pg/data -l pg/log -w -o "$opts" start >/dev/null
trap '$as "$pgbin/pg_ctl" -D pg/data -m fast -w stop >/dev/null' EXIT
uri() { printf 'postgresql:///%s?host=%s&user=jobline\n' "$1" "$out/pg"; }
createdb() {
	psql -X -q -d "$(uri postgres)" -c "CREATE DATABASE \"$1\""
}
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# 1. the pipeline
: >feeds.txt
i=0
while [ $i -lt "$nf" ]; do
	i=$((i + 1))
	k=rss
	[ $((i % 2)) -eq 0 ] && k=atom
	[ -s "f$i-$mb.$k" ] || {
		python3 "$top/bench/fetch-feed-gen.py" $k "$mb" "f$i-$mb.$k"
		sed -i "s#/n/\\([0-9]\\)#/f$i-\\1#g; s#urn:bench:#urn:bench:f$i-#g" \
		    "f$i-$mb.$k"
	}
	echo "f$i-$mb.$k" >>feeds.txt
done
rm -f p.db*
createdb p
for db in p.db "$(uri p)"; do
	/usr/bin/time -f '%e' -o .t ingest-news -f feeds.txt --db "$db"
	case $db in
	postgres*) kind=PostgreSQL
	    n=$(psql -X -A -t -d "$db" -c "SELECT count(*) FROM articles WHERE complete = 1") ;;
	*) kind=SQLite
	    n=$(sqlite3 "$db" "SELECT count(*) FROM articles WHERE complete = 1") ;;
	esac
	echo "ingest-news, $kind, $nf feeds of $mb MB: $n articles in $(cat .t) s: $(rate "$n" "$(cat .t)") articles/s"
done

# 2. 100,000 chunks
vec=$(echo '{"text":"bitcoin price rises as investors buy crypto"}' |
    embed --base64 | jq -r .embedding |
    python3 -c 'import base64, sys; print("X\x27" + base64.b64decode(sys.stdin.read()).hex() + "\x27")')
if [ ! -s s.db ]; then
	store chunks --db s.db </dev/null
	sqlite3 s.db "
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 100000)
	INSERT INTO chunks (id, item_id, n, count, text, start, \"end\",
	    words, model, dim, vector, record, stored_at)
	SELECT 'a' || i || '#0', 'a' || i, 0, 1, t, 0, length(t), 100,
	    'hash-v1-384', 384, $vec, json_object('text', t),
	    '2026-11-22T08:00:00Z'
	FROM (SELECT i, 'common ' || (SELECT group_concat('word' ||
	    ((i * 31 + value * 17) % 2000), ' ') FROM generate_series(1, 99))
	    AS t FROM n);"
fi
createdb s
/usr/bin/time -f '%e' -o .t store --copy-from s.db --db "$(uri s)" >copied
echo "store --copy-from, 100,000 chunks into PostgreSQL: $(cat .t) s: $(rate 100000 "$(cat .t)") rows/s"
psql -X -q -d "$(uri s)" -c "VACUUM ANALYZE"

# 3. search
for db in s.db "$(uri s)"; do
	case $db in postgres*) kind=PostgreSQL ;; *) kind=SQLite ;; esac
	for q in "vector:bitcoin price" "keyword:bitcoin price" \
	    "hybrid:bitcoin price" "keyword:common"; do
		mode=${q%%:*}
		search --db "$db" --mode "$mode" -k 10 "${q#*:}" >/dev/null
		for i in 1 2 3 4 5; do
			/usr/bin/time -f '%e' -o .t search --db "$db" \
			    --mode "$mode" -k 10 "${q#*:}" >/dev/null
			cat .t
		done >times
		echo "search, $kind, 100,000 chunks, $mode \"${q#*:}\": median $(median <times) s"
	done
done
