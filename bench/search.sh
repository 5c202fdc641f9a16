#!/bin/sh
# bench/search.sh: search latency (vector mode, -k 10, one query per
# process, the store in the page cache) for stores of 10,000, 100,000 and
# 1,000,000 chunks of 384-dimension hash-v1 vectors.  The stores are made
# with SQL (chunk rows of 600 words for 10k and 100k, of 20 words for 1M to
# keep the file small: the scan reads only chunks_vectors, whose rows are
# the same size either way).  Each latency is the median of 5 runs after
# one warm-up run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/search
mkdir -p "$out"
cd "$out"

# a real vector, as an SQL blob literal
vec=$(echo '{"text":"bitcoin price rises as investors buy crypto"}' |
    "$top/bin/embed" --base64 | jq -r .embedding |
    python3 -c 'import base64, sys; print("X\x27" + base64.b64decode(sys.stdin.read()).hex() + "\x27")')

make_store() { # make_store N WORDS
	db=s-$1.db
	[ -s "$db" ] && return 0
	rm -f "$db"*
	"$top/bin/store" chunks --db "$db" </dev/null
	sqlite3 "$db" "
	DROP TRIGGER chunks_fts_ai;
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1),
	w(t) AS (SELECT group_concat('word' || (value % 500), ' ')
	    FROM generate_series(1, $2))
	INSERT INTO chunks (id, item_id, n, count, text, start, \"end\", words,
	    model, dim, vector, record, stored_at)
	SELECT 'a' || i || '#0', 'a' || i, 0, 1, i || ' ' || t, 0, length(t), $2,
	    'hash-v1-384', 384, $vec, json_object('text', i || ' ' || t),
	    '2026-11-22T08:00:00Z' FROM n, w;"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for spec in "10000 600" "100000 600" "1000000 20"; do
	set -- $spec
	make_store "$1" "$2"
	"$top/bin/search" --db "s-$1.db" -k 10 bitcoin price >/dev/null
	for i in 1 2 3 4 5; do
		/usr/bin/time -f '%e %M' -o .t "$top/bin/search" --db "s-$1.db" \
		    -k 10 bitcoin price >/dev/null
		cat .t
	done >times
	printf "search, %8d chunks: median %s s, peak RSS %s KiB\n" "$1" \
	    "$(cut -d' ' -f1 times | median)" "$(cut -d' ' -f2 times | median)"
done
