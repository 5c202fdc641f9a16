#!/bin/sh
# bench/classify-bbc.sh - classify on the labelled BBC headlines, whole and
# in the two parts used to keep the rules general.
#
# ../shared/data/bbc/headlines-dev.jsonl (or $HEADLINES) is split by
# position, as in round 1 (bench/RESULTS.md): part A, lines 2, 3, 5, 6,
# 8, ... (426), is the part rules are developed on; part B, every third
# line from the first (1, 4, 7, ...: 214), is only checked.  Prints the last line of
# ../shared/tools/classify-score for all, A and B; arguments are passed on
# to it (e.g. -- --rules FILE).  With LIST=A (or B, or all) it also lists
# that part's failures.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
data=${HEADLINES:-$top/../shared/data/bbc/headlines-dev.jsonl}
scorer=${SCORER:-$top/../shared/tools/classify-score}
out=$top/bench/out/bbc
if [ ! -r "$data" ] || [ ! -x "$scorer" ]; then
	echo "classify-bbc: $data or $scorer not found; skipped" >&2
	exit 0
fi
mkdir -p "$out"
awk 'NR % 3 != 1' "$data" >"$out/A.jsonl"
awk 'NR % 3 == 1' "$data" >"$out/B.jsonl"
cp "$data" "$out/all.jsonl"
cd "$top"
for part in all A B; do
	if [ "${LIST:-}" = "$part" ]; then
		"$scorer" "$out/$part.jsonl" --list-failures "$@"
	else
		printf '%-4s ' "$part"
		"$scorer" "$out/$part.jsonl" "$@" | tail -n 1 |
		    sed 's/^classify-score: //'
	fi
done
