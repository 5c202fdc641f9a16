#!/bin/sh
# bench/classify-eval.sh - accuracy of classify on the event development
# set, against bogofilter one-vs-rest, on the same split.
#
#   rules alone, whole set      classify --eval < sentivent-dev.jsonl
#   rules alone, test side      classify --eval < events-test.jsonl
#   model + rules, test side    classify --train --model M < events-train.jsonl
#                               classify --model M --eval < events-test.jsonl
#   bogofilter, test side       bench/classify-bogofilter.sh
#
# Prints each full report, then the macro-F1 side by side.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
events=${EVENTS:-$top/../shared/data/events/sentivent-dev.jsonl}
out=$top/bench/out
bin=$top/bin
if [ ! -r "$events" ]; then
	echo "classify-eval: $events not found (set EVENTS); skipped" >&2
	exit 0
fi
"$top/bench/classify-split.sh"
macro() { grep '^macro-F1 funding' "$1" | awk '{ print $NF }'; }

"$bin/classify" --eval <"$events" >"$out/eval-rules-all"
"$bin/classify" --eval <"$out/events-test.jsonl" >"$out/eval-rules-test"
"$bin/classify" --train --model "$out/events.model" <"$out/events-train.jsonl"
"$bin/classify" --model "$out/events.model" --eval \
    <"$out/events-test.jsonl" >"$out/eval-model-test"
"$top/bench/classify-bogofilter.sh" >"$out/eval-bogofilter-test"
for f in rules-all rules-test model-test bogofilter-test; do
	echo "== $f"
	cat "$out/eval-$f"
	echo
done
printf '%-34s %s\n' "macro-F1 over the six labels" "" \
    "classify rules, whole set" "$(macro "$out/eval-rules-all")" \
    "classify rules, test side" "$(macro "$out/eval-rules-test")" \
    "classify model+rules, test side" "$(macro "$out/eval-model-test")" \
    "bogofilter one-vs-rest, test side" "$(macro "$out/eval-bogofilter-test")"
