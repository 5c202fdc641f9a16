#!/bin/sh
# bench/verify-predictions.sh [PREDICTIONS] [VOTES_PER_PREDICTION]:
# verify-predictions against a plain Python/sqlite3 port of the replaced
# verifier (bench/verify-predictions-peer.py) on the same store: by default
# 10,000 due predictions with 100 votes each (1,000,000 votes of 100,000
# users); then verify-predictions' peak RSS at 100,000 and 1,000,000 votes.
# Needs python3 and GNU time.  Writes its data under bench/out/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/verify-predictions
np=${1:-10000}
nv=${2:-100}
mkdir -p "$out"
cd "$out"

# gen DB PREDICTIONS VOTES_PER: due predictions, votes and quotes
gen() {
	rm -f "$1" "$1-wal" "$1-shm"
	PATH=$top/bin:$PATH "$top/tests/gen-predictions.sh" "$@"
}

run() { # run OUTFILE COMMAND...: "seconds peak-RSS-KiB cpu-seconds"
	o=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o .t "$@" >"$o"
	awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' .t
}

now=2026-11-22T10:00:00Z
gen base.db "$np" "$nv" >/dev/null
votes=$((np * nv))
echo "input: $np due predictions, $votes votes, $(sqlite3 base.db 'SELECT count(DISTINCT user_id) FROM votes') users"

cp base.db vp.db
set -- $(run vp.out "$top/bin/verify-predictions" --db vp.db --now "$now")
vt=$1 vrss=$2 vc=$3
cp base.db py.db
set -- $(run py.out python3 "$top/bench/verify-predictions-peer.py" py.db "$now")
pt=$1 prss=$2 pc=$3
# both must agree on the outcome
a=$(sqlite3 vp.db "SELECT group_concat(id || correct_option) FROM (SELECT * FROM predictions ORDER BY id)")
b=$(sqlite3 py.db "SELECT group_concat(id || correct_option) FROM (SELECT * FROM predictions ORDER BY id)")
sa=$(sqlite3 vp.db "SELECT sum(predictions), sum(correct), sum(best_streak) FROM user_stats")
sb=$(sqlite3 py.db "SELECT sum(predictions), sum(correct), sum(best_streak) FROM user_stats")
[ "$a" = "$b" ] && [ "$sa" = "$sb" ] || echo "WARNING: results differ ($sa vs $sb)"
awk -v v="$votes" -v vt="$vt" -v pt="$pt" -v vc="$vc" -v pc="$pc" \
    -v vr="$vrss" -v pr="$prss" 'BEGIN {
	printf "verify-predictions: %7.2f s wall %7.2f s CPU %8.0f votes/CPU-s  peak RSS %d KiB\n", vt, vc, v / vc, vr
	printf "python3 peer:       %7.2f s wall %7.2f s CPU %8.0f votes/CPU-s  peak RSS %d KiB\n", pt, pc, v / pc, pr
	printf "ratio (peer / verify-predictions): %.1fx wall, %.1fx CPU\n", pt / vt, pc / vc
}'
echo "output: $(wc -l <vp.out) lines, $(wc -c <vp.out) bytes"
set -- $(run vp2.out "$top/bin/verify-predictions" --db vp.db --now "$now")
echo "second run (nothing due): $1 s, $(wc -l <vp2.out) lines"

# flat memory: the same predictions with 10 and with 100 votes each
gen m1.db "$np" 10 >/dev/null
set -- $(run /dev/null "$top/bin/verify-predictions" --db m1.db --now "$now")
echo "peak RSS, $((np * 10)) votes: $2 KiB ($1 s wall, $3 s CPU)"
echo "peak RSS, $votes votes: $vrss KiB (the run above)"
if [ "${BENCH_BIG:-0}" = 1 ]; then
	gen m3.db "$np" 300 >/dev/null
	set -- $(run /dev/null "$top/bin/verify-predictions" --db m3.db --now "$now")
	echo "peak RSS, $((np * 300)) votes: $2 KiB ($1 s wall, $3 s CPU)"
fi
