#!/bin/bash
# embed (hash backend): vectors, determinism, normalisation, pass-through
. "$(dirname "$0")/lib.sh"

# cos FILE: the cosine of the embeddings of the first two records
cos() {
	jq -s "(.[0].embedding) as \$a | (.[1].embedding) as \$b |
	    [range(\$a | length) | \$a[.] * \$b[.]] | add" "$1"
}

test_expect 'usage: --help to stdout, bad options exit 2, --version' '
	embed --help | grep -q "^usage: embed" &&
	exits 2 embed --bogus 2>err && grep -q usage err &&
	exits 2 embed --backend magic 2>/dev/null &&
	exits 2 embed --model text-embedding-3-small 2>err &&
	grep -q "not a model of the hash backend" err &&
	exits 2 embed --dim 0 2>/dev/null &&
	embed --version | grep -q "^embed (jobline) "
'

test_expect 'adds a unit vector of 384 floats and its model name' '
	echo "{\"id\":\"c\",\"text\":\"Bitcoin rose 10 percent today.\",\"url\":\"u\"}" |
	    embed >out &&
	jq -e ".id == \"c\" and .url == \"u\" and
	    .embedding_model == \"hash-v3-384\" and (.embedding | length) == 384 and
	    ([.embedding[] | . * .] | add | . > 0.99999 and . < 1.00001)" out
'

test_expect 'the same text gives the same vector, here and on every machine' '
	echo "{\"text\":\"Bitcoin rose 10 percent today.\"}" | embed >a &&
	echo "{\"text\":\"Bitcoin rose 10 percent today.\"}" | embed >b &&
	cmp a b &&
	jq -e "[.embedding | to_entries[] | select(.value != 0) | .key][:5] == [39,83,100,110,170] and
	    .embedding[39] == -0.320590556" a &&
	echo "{\"text\":\"Bitcoin rose 10 percent today.\"}" | embed --model hash-v2-384 >v2 &&
	jq -e "[.embedding | to_entries[] | select(.value != 0) | .key][:5] == [39,67,83,102,112] and
	    .embedding[39] == -0.384900182 and .embedding_model == \"hash-v2-384\"" v2 &&
	echo "{\"text\":\"Bitcoin rose 10 percent today.\"}" | embed --model hash-v1-384 >v1 &&
	jq -e "[.embedding | to_entries[] | select(.value != 0) | .key][:5] == [87,135,188,207,236] and
	    .embedding[87] == 0.204124153 and .embedding_model == \"hash-v1-384\"" v1
'

test_expect 'normalisation: case, NFKC compatibility forms and ligatures do not matter' '
	printf "%s\n" "{\"text\":\"ＣＡＦＥ ﬁnance Straße BITCOIN\"}" \
	    "{\"text\":\"cafe finance strasse bitcoin\"}" | embed >out &&
	test "$(jq -c .embedding out | sort -u | wc -l)" = 1
'

test_expect 'related texts are nearer than unrelated ones' '
	printf "%s\n" "{\"text\":\"bitcoin price rises as crypto investors buy\"}" \
	    "{\"text\":\"crypto investors buy bitcoin and the price rises\"}" | embed >near &&
	printf "%s\n" "{\"text\":\"bitcoin price rises as crypto investors buy\"}" \
	    "{\"text\":\"the weather in paris was rainy on monday\"}" | embed >far &&
	jq -n -e "$(cos near) > 0.6 and $(cos far) < 0.2"
'

test_expect '--dim and --model hash-v3-N, hash-v2-N or hash-v1-N choose the dimension' '
	echo "{\"text\":\"cash flows\"}" | embed --dim 64 >a &&
	echo "{\"text\":\"cash flows\"}" | embed --model hash-v3-64 >b &&
	cmp a b &&
	jq -e ".embedding_model == \"hash-v3-64\" and (.embedding | length) == 64" a &&
	echo "{\"text\":\"cash flows\"}" | embed --model hash-v2-64 >c &&
	jq -e ".embedding_model == \"hash-v2-64\" and (.embedding | length) == 64" c &&
	echo "{\"text\":\"cash flows\"}" | embed --model hash-v1-64 >d &&
	jq -e ".embedding_model == \"hash-v1-64\" and (.embedding | length) == 64" d &&
	! cmp -s a c && ! cmp -s a d && ! cmp -s c d
'

test_expect '--base64 gives the same float32 values, little-endian' '
	echo "{\"text\":\"Ethereum fees fall after the upgrade\"}" >in &&
	embed <in >arr && embed --base64 <in >b64 &&
	python3 -c "
import base64, json, struct, sys
a = json.load(open(\"arr\"))[\"embedding\"]
b = json.load(open(\"b64\"))[\"embedding\"]
f = struct.unpack(\"<384f\", base64.b64decode(b))
sys.exit(0 if len(a) == 384 and all(abs(x - y) < 1e-8 for x, y in zip(a, f)) else 1)"
'

test_expect 'records without text pass through untouched, in order' '
	cat >in <<-\EOF &&
	{"item_id":"x","n":0,"count":0,"url":"u"}
	{"id":"y#0","item_id":"y","n":0,"count":1,"text":"hello world"}
	{"id":"z","text":42,"big":12345678901234567890}
	EOF
	embed <in >out &&
	jq -c "select(.embedding == null)" out >passed &&
	sed -n "1p;3p" in | jq -c . >want && test_cmp want passed &&
	jq -e -s "map(.item_id // .id) == [\"x\",\"y\",\"z\"]" out
'

test_expect '--field embeds another field; an existing embedding is replaced' '
	echo "{\"title\":\"Hello there\",\"embedding\":[1],\"embedding_model\":\"old\"}" |
	    embed --field title --dim 8 >out &&
	jq -e "(.embedding | length) == 8 and .embedding_model == \"hash-v3-8\"" out &&
	test "$(grep -o embedding_model out | wc -l)" = 1
'

test_expect 'bad lines are reported and skipped, exit 1' '
	printf "{\"text\":\"a\"}\n[1]\n{\"text\":\"b\"}\n" >in &&
	exits 1 embed <in >out 2>err &&
	grep -q "embed: stdin:2: not a JSON object" err &&
	test "$(wc -l <out)" = 2
'

test_expect 'embedded chunks are stored with their vectors, articles complete' '
	python3 "$TOP/tests/gen-articles.py" 20 7 >items &&
	store articles --emit new <items | chunk --words 80 --overlap 20 |
	    embed | store chunks &&
	test "$(rows "SELECT count(*) FROM articles WHERE complete = 1")" = 20 &&
	test "$(rows "SELECT count(*) FROM chunks WHERE dim = 384 AND length(vector) = 1536 AND model = '"'"'hash-v3-384'"'"'")" = "$(rows "SELECT count(*) FROM chunks")"
'

test_expect 'counters go to $JOBLINE_STATS' '
	printf "{\"text\":\"abc\"}\n{\"x\":1}\n" | JOBLINE_STATS=$PWD/st embed >/dev/null &&
	grep -q "^embedded 1$" st && grep -q "^embed_read 2$" st &&
	grep -q "^embed_bytes 3$" st
'

test_done
