#!/bin/bash
# embed --train and --model-file: hash-v2 with a model trained on the
# store's own text, and search using the same model
. "$(dirname "$0")/lib.sh"

# cos FILE: the cosine of the embeddings of the first two records
cos() {
	jq -s "(.[0].embedding) as \$a | (.[1].embedding) as \$b |
	    [range(\$a | length) | \$a[.] * \$b[.]] | add" "$1"
}

# a corpus where zyxcoin and qorbit never meet but keep the same company
for i in $(seq 1 20); do
	echo "{\"text\":\"zyxcoin token listed on the exchange, traders bought $i\"}"
	echo "{\"text\":\"qorbit token listed on the exchange as traders sold $i\"}"
	echo "{\"text\":\"rain and wind over the hills on day $i of the harvest\"}"
	echo "{\"text\":\"the harvest of apples was late, farmers said, week $i\"}"
done >"$TMP/pairs"
python3 "$TOP/tests/gen-articles.py" 60 5 | chunk --words 60 --overlap 10 >"$TMP/chunks"
cat "$TMP/chunks" "$TMP/pairs" >"$TMP/corpus"

test_expect '--train writes a model; the same text gives the same file' '
	embed --train m1 <"$TMP/corpus" && embed --train m2 <"$TMP/corpus" &&
	cmp m1 m2 && test "$(head -c 7 m1)" = jlembed &&
	embed --train m3 --dim 64 <"$TMP/corpus" && ! cmp -s m1 m3
'

test_expect 'vectors of a model: named by its digest, unit length, deterministic' '
	embed --train m <"$TMP/corpus" &&
	echo "{\"text\":\"zyxcoin rises\"}" | embed --model-file m >a &&
	echo "{\"text\":\"zyxcoin rises\"}" | JOBLINE_EMBED_MODEL=$PWD/m embed >b &&
	cmp a b &&
	jq -e ".embedding_model | test(\"^hash-v2-384@[0-9a-f]{16}$\")" a &&
	jq -e "[.embedding[] | . * .] | add | . > 0.99999 and . < 1.00001" a &&
	m=$(jq -r .embedding_model a) &&
	echo "{\"text\":\"zyxcoin rises\"}" | embed --model-file m --model "$m" | cmp - a &&
	embed --train m64 --dim 64 <"$TMP/corpus" &&
	echo "{\"text\":\"x y\"}" | embed --model-file m64 >c &&
	jq -e "(.embedding | length) == 64 and (.embedding_model | startswith(\"hash-v2-64@\"))" c
'

test_expect 'words that keep the same company are near with a model, not without' '
	embed --train m <"$TMP/corpus" &&
	printf "%s\n" "{\"text\":\"zyxcoin\"}" "{\"text\":\"qorbit\"}" >pair &&
	embed --model-file m <pair >near && embed <pair >plain &&
	printf "%s\n" "{\"text\":\"zyxcoin\"}" "{\"text\":\"apples\"}" >other &&
	embed --model-file m <other >far &&
	jq -n -e "$(cos near) > $(cos far) + 0.04 and $(cos plain) == 0"
'

test_expect 'round trip: train on the chunks, store their vectors, search with the model' '
	embed --train m <"$TMP/chunks" &&
	embed --model-file m <"$TMP/chunks" | store chunks &&
	q=$(rows "SELECT text FROM chunks ORDER BY id LIMIT 1") &&
	id=$(rows "SELECT id FROM chunks ORDER BY id LIMIT 1") &&
	search --model-file m --mode vector -k 1 --per-article 0 "$q" >out &&
	jq -e -s --arg id "$id" "length == 1 and .[0].id == \$id and .[0].score > 0.999 and
	    (.[0].model | startswith(\"hash-v2-384@\"))" out &&
	JOBLINE_EMBED_MODEL=$PWD/m search -k 3 "$q" >def &&
	jq -e -s --arg id "$id" ".[0].id == \$id" def
'

test_expect 'search refuses a model that is not the vectors'"'"', or none' '
	embed --train m <"$TMP/chunks" && embed --train other <"$TMP/corpus" &&
	embed --model-file m <"$TMP/chunks" | store chunks &&
	exits 2 search --model-file other market 2>err &&
	grep -q "^search: other: model hash-v2-384@[0-9a-f]*, but the vectors are of hash-v2-384@[0-9a-f]*: give the model file they were made with$" err &&
	exits 2 search market 2>err &&
	grep -q "a model trained by embed --train: give its file with --model-file or JOBLINE_EMBED_MODEL" err &&
	search --mode keyword market >out && test -s out &&
	exits 2 embed --model-file other --model "$(rows "SELECT model FROM chunks LIMIT 1")" </dev/null 2>err &&
	grep -q "^embed: other: model hash-v2-384@[0-9a-f]*, not hash-v2-384@" err
'

test_expect 'a bad model file is an error, exit 3' '
	embed --train m <"$TMP/corpus" &&
	echo "{\"text\":\"x\"}" >in &&
	printf "not a model at all, not at all" >junk &&
	exits 3 embed --model-file junk <in 2>err &&
	grep -q "^embed: junk: not a model file of embed --train$" err &&
	head -c 100 m >short &&
	exits 3 embed --model-file short <in 2>err &&
	grep -q "^embed: short: damaged model file (wrong size)$" err &&
	exits 3 embed --model-file nothere <in 2>err &&
	grep -q "^embed: nothere: cannot read: No such file or directory$" err &&
	JOBLINE_EMBED_MODEL=$PWD/junk exits 3 embed <in 2>/dev/null &&
	embed --model-file m <"$TMP/chunks" | store chunks && cp short m &&
	exits 3 search --model-file m x 2>err &&
	grep -q "^search: m: damaged model file" err
'

test_expect '--train: no text is an error; hash-v1 and openai take no model' '
	echo "{\"x\":1}" >notext &&
	exits 3 embed --train m <notext 2>err && grep -q "no text in the input" err &&
	test ! -e m &&
	exits 2 embed --train m --backend openai </dev/null 2>/dev/null &&
	embed --train m <"$TMP/corpus" &&
	exits 2 embed --model-file m --model hash-v1-384 </dev/null 2>err &&
	grep -q "model-file is for hash-v2" err &&
	JOBLINE_EMBED_MODEL=$PWD/m embed --model hash-v1-384 <"$TMP/pairs" >out &&
	test "$(jq -r .embedding_model out | sort -u)" = hash-v1-384
'

test_done
