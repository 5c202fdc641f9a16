#!/bin/sh
# bench/search.sh: search latency (-k 10, one query per process, the store
# in the page cache) for stores of 10,000, 100,000 and 1,000,000 chunks of
# 384-dimension hash-v1 vectors: vector mode at each size; keyword and
# hybrid modes at 10k and 100k, with a query of three words that every
# chunk has (the worst case: BM25 and the word pairs over every chunk).
# The stores are made with SQL (chunk rows of 600 words for 10k and 100k,
# of 20 words for 1M to keep the file small: the scan reads only
# chunks_vectors, whose rows are the same size either way), their
# keyword index built once after.  Each latency is the median of 5 runs
# after one warm-up run.
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
	    '2026-11-22T08:00:00Z' FROM n, w;
	INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# time_search MODE N QUERY...: the median latency, CPU time and peak RSS
# of 5 runs
time_search() {
	mode=$1 n=$2
	shift 2
	"$top/bin/search" --db "s-$n.db" --mode "$mode" -k 10 "$@" >/dev/null
	for i in 1 2 3 4 5; do
		/usr/bin/time -f '%e %M %U %S' -o .t "$top/bin/search" \
		    --db "s-$n.db" --mode "$mode" -k 10 "$@" >/dev/null
		cat .t
	done >times
	# CPU too: on a loaded machine the wall time is mostly waiting
	printf "search --mode %-7s %8d chunks: median %s s (CPU %s s), peak RSS %s KiB\n" \
	    "$mode" "$n" "$(cut -d' ' -f1 times | median)" \
	    "$(awk '{ print $3 + $4 }' times | median)" \
	    "$(cut -d' ' -f2 times | median)"
}

for spec in "10000 600" "100000 600" "1000000 20"; do
	set -- $spec
	make_store "$1" "$2"
	time_search vector "$1" bitcoin price
	[ "$1" -le 100000 ] || continue
	time_search keyword "$1" word7 word42 word99
	time_search hybrid "$1" word7 word42 word99
done
