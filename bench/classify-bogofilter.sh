#!/bin/sh
# bench/classify-bogofilter.sh - bogofilter one-vs-rest on the event split.
#
# For each event label a bogofilter wordlist is trained with the training
# sentences carrying that label as spam and all others as ham (mbox, -M).
# Each test sentence is then scored by every wordlist (-M -T, bulk); the
# label whose wordlist gives the highest spamicity wins if that is at least
# $CUTOFF (default 0.35, the best of 0 to 0.99
# on this split: bogofilter gets every advantage), else "other".  Scored like classify --eval by
# bench/classify-score.py.  Needs bench/classify-split.sh's output, or
# $TRAIN and $TEST naming the two sides (bench/classify-cv.sh's folds);
# $PRED, if set, names a file for the predictions (JSON lines with labels
# and event_type); $BF the working directory (default bench/out/bogofilter).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out
bf=${BF:-$out/bogofilter}
train=${TRAIN:-$out/events-train.jsonl}
test=${TEST:-$out/events-test.jsonl}
cutoff=${CUTOFF:-0.35}
command -v bogofilter >/dev/null || { echo "bogofilter not installed (./deps --bench)" >&2; exit 2; }
[ -s "$train" ] || "$top/bench/classify-split.sh"
rm -rf "$bf"
mkdir -p "$bf"

# mbox LABEL-FILTER < jsonl: one message per item, its title as the body
mbox() {
	jq -r "$1 | \"From item\n\n\" + (.title | gsub(\"\n\"; \" \") |
	    sub(\"^From \"; \">From \")) + \"\n\""
}
labels="funding acquisition partnership hiring layoffs expansion launch legal earnings"
mbox 'select(true)' <"$test" >"$bf/test.mbox"
for l in $labels; do
	mkdir -p "$bf/$l"
	mbox "select(.labels | index(\"$l\"))" <"$train" >"$bf/$l.spam"
	mbox "select(.labels | index(\"$l\") | not)" <"$train" >"$bf/$l.ham"
	bogofilter -C -d "$bf/$l" -M -s <"$bf/$l.spam"
	bogofilter -C -d "$bf/$l" -M -n <"$bf/$l.ham"
	bogofilter -C -d "$bf/$l" -M -T <"$bf/test.mbox" | awk '{ print $2 }' >"$bf/$l.scores" || :
done
# best label per test item
set -- $labels
paste $(for l in $labels; do printf '%s ' "$bf/$l.scores"; done) |
    awk -v labels="$labels" -v cut="$cutoff" '
	BEGIN { n = split(labels, name, " ") }
	{ best = "other"; bs = cut
	  for (i = 1; i <= n; i++) if ($i + 0 >= bs) { bs = $i + 0; best = name[i] }
	  print best }' >"$bf/pred"
jq -c '{labels}' "$test" | paste -d '\t' - "$bf/pred" |
    awk -F '\t' '{ sub(/}$/, ",\"event_type\":\"" $2 "\"}", $1); print $1 }' \
    >"$bf/pred.jsonl"
[ -z "${PRED:-}" ] || cp "$bf/pred.jsonl" "$PRED"
python3 "$top/bench/classify-score.py" <"$bf/pred.jsonl"
