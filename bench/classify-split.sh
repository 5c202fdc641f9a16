#!/bin/sh
# bench/classify-split.sh - the deterministic train/test split of the event
# development set used by bench/classify-eval.sh and classify-bogofilter.sh.
#
# Sentences are split by article so no article is on both sides: the
# article names (the middle of "sentivent:<article>:<n>") are sorted
# (LC_ALL=C) and every 4th one (the 4th, 8th, ...) goes to the test side,
# the rest to training.  Writes bench/out/events-train.jsonl and
# bench/out/events-test.jsonl.  $EVENTS names the set (default
# ../shared/data/events/sentivent-dev.jsonl beside the repository).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
events=${EVENTS:-$top/../shared/data/events/sentivent-dev.jsonl}
out=$top/bench/out
mkdir -p "$out"
[ -r "$events" ] || { echo "classify-split: $events: not readable" >&2; exit 2; }
jq -r '.id | split(":")[1]' "$events" | LC_ALL=C sort -u |
    awk 'NR % 4 == 0' >"$out/events-test-articles"
jq -c --rawfile t "$out/events-test-articles" \
    '($t | split("\n")) as $a | (.id | split(":")[1]) as $d |
     select($a | index($d) | not)' "$events" >"$out/events-train.jsonl"
jq -c --rawfile t "$out/events-test-articles" \
    '($t | split("\n")) as $a | (.id | split(":")[1]) as $d |
     select($a | index($d))' "$events" >"$out/events-test.jsonl"
