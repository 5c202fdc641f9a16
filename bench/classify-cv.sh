#!/bin/sh
# bench/classify-cv.sh - k-fold cross-validation of classify on the event
# development set, by article, against bogofilter one-vs-rest.
#
# The article names (the middle of "sentivent:<article>:<n>"), sorted
# (LC_ALL=C) as bench/classify-split.sh sorts them, are dealt into $FOLDS
# folds (default 4) by their rank mod $FOLDS (the 1st article has rank 1),
# so fold 0 is classify-split.sh's test side.  For each fold, the other
# folds are the training side, and on the fold:
#
#   rules        classify (default rules, or $RULES)
#   model+rules  classify --train --model M < training side, then
#                classify --model M
#   model        the same with a rules file that has no rules, so the
#                model decides alone (its rule features are all empty)
#   bogofilter   bench/classify-bogofilter.sh on the same sides
#
# Each prints the macro-F1 over funding, acquisition, partnership, hiring,
# expansion and launch per fold, then pooled: the predictions of all folds
# scored together (the confusion counts summed), with each label's F1.
# The rules are not fitted per fold, so their pooled figure is that of the
# whole set.  Scored with leadership merged into the set's Employment
# labels (a predicted leadership counts as hiring, or as layoffs for an
# Employment event labelled so: bench/classify-score.py
# --merge-leadership): the set maps its Employment events, mostly
# executives named or leaving, to hiring and layoffs, and the labelling
# guide classify follows calls those leadership; MERGE=no scores them
# apart.  $EVENTS names the set; $RULES a rules file used instead of
# the default rules (for rules alone and model+rules); $SKIP a list of
# the measures above to leave out (e.g. SKIP=bogofilter).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
events=${EVENTS:-$top/../shared/data/events/sentivent-dev.jsonl}
folds=${FOLDS:-4}
skip=${SKIP:-}
out=$top/bench/out/cv
bin=$top/bin
score=$top/bench/classify-score.py
merge=--merge-leadership
[ "${MERGE:-yes}" = no ] && merge=
if [ ! -r "$events" ]; then
	echo "classify-cv: $events not found (set EVENTS); skipped" >&2
	exit 0
fi
rules=
[ -n "${RULES:-}" ] && rules="--rules $RULES"
rm -rf "$out"
mkdir -p "$out"
printf '# no rules: the model alone\n' >"$out/norules"

# each line's fold, from its article's rank
jq -r '.id | split(":")[1]' "$events" >"$out/articles"
LC_ALL=C sort -u "$out/articles" |
    awk -v k="$folds" '{ print $0 "\t" (NR % k) }' >"$out/article-fold"
awk -F '\t' 'NR == FNR { f[$1] = $2; next } { print f[$1] }' \
    "$out/article-fold" "$out/articles" | paste -d '\t' - "$events" |
    awk -F '\t' -v k="$folds" -v d="$out" '{
	line = substr($0, index($0, "\t") + 1)
	for (i = 0; i < k; i++)
		print line > (d "/" (i == $1 ? "test" : "train") "." i)
    }'

want() { case " $skip " in *" $1 "*) return 1;; esac; }
measures=
for m in rules model+rules model bogofilter; do
	want "$m" && measures="$measures $m"
done
i=0
while [ "$i" -lt "$folds" ]; do
	tr=$out/train.$i te=$out/test.$i
	if want rules; then
		# shellcheck disable=SC2086
		"$bin/classify" $rules <"$te" >"$out/pred.rules.$i"
	fi
	if want model+rules; then
		# shellcheck disable=SC2086
		"$bin/classify" $rules --train --model "$out/model.$i" <"$tr"
		# shellcheck disable=SC2086
		"$bin/classify" $rules --model "$out/model.$i" <"$te" \
		    >"$out/pred.model+rules.$i"
	fi
	if want model; then
		"$bin/classify" --rules "$out/norules" --train \
		    --model "$out/model-alone.$i" <"$tr"
		"$bin/classify" --rules "$out/norules" \
		    --model "$out/model-alone.$i" <"$te" >"$out/pred.model.$i"
	fi
	if want bogofilter; then
		TRAIN=$tr TEST=$te PRED=$out/pred.bogofilter.$i \
		    BF=$out/bogofilter "$top/bench/classify-bogofilter.sh" \
		    >/dev/null
	fi
	i=$((i + 1))
done

printf '%-12s %6s' "macro-F1" pooled
i=0
while [ "$i" -lt "$folds" ]; do printf ' %6s' "fold$i"; i=$((i + 1)); done
printf '   F1 per label, pooled: funding acquisition partnership hiring expansion launch\n'
for m in $measures; do
	set -- $(cat "$out"/pred."$m".* | python3 "$score" $merge --brief)
	printf '%-12s %6s' "$m" "$1"
	shift
	i=0
	while [ "$i" -lt "$folds" ]; do
		# shellcheck disable=SC2086
		printf ' %6s' "$(python3 "$score" $merge --brief <"$out/pred.$m.$i" |
		    cut -d ' ' -f 1)"
		i=$((i + 1))
	done
	printf '   %s\n' "$*"
done
