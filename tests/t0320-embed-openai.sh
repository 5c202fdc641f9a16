#!/bin/bash
# embed --backend openai against tests/openai-server.py: batches, -j,
# order, keys, retries (429 Retry-After, 5xx), failures, usage counters
. "$(dirname "$0")/lib.sh"

# recs N: N chunk records with distinct texts, and a marker after the 3rd
recs() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) {
	    printf "{\"id\":\"c%d\",\"item_id\":\"i%d\",\"n\":0,\"count\":1,\"text\":\"chunk number %d of the test\"}\n", i, i, i
	    if (i == 3) print "{\"item_id\":\"empty\",\"n\":0,\"count\":0}" } }'
}

start_openai
API_OK=$API
start_openai --key sekrit
API_KEYED=$API
export API_OK API_KEYED

test_expect 'batches, several in flight, order kept, vectors from the server' '
	recs 250 >in &&
	JOBLINE_STATS=$PWD/st embed --backend openai --url "$API_OK" \
	    --model test-slow --batch 40 -j 4 <in >out &&
	test "$(wc -l <out)" = 251 &&
	jq -r ".id // .item_id" in >want && jq -r ".id // .item_id" out >got &&
	test_cmp want got &&
	jq -e -s "map(select(.text)) | all(.embedding_model == \"test-slow\" and (.embedding | length) == 8)" out &&
	python3 -c "
import json, sys
sys.path.insert(0, \"$TOP/tests\")
srv = __import__(\"openai-server\")
for l in open(\"out\"):
    r = json.loads(l)
    if \"text\" in r and max(abs(a - b) for a, b in zip(r[\"embedding\"], srv.vector(r[\"text\"], 8))) > 1e-6:
        sys.exit(1)" &&
	curl -s "${API_OK%/v1}/stats" >stats &&
	jq -e ".max_in_flight >= 2" stats &&
	grep -q "^api_requests 7$" st &&
	grep -q "^api_total_tokens 1500$" st && grep -q "^embedded 250$" st
'

test_expect 'the key comes from $JOBLINE_API_KEY, else $OPENAI_API_KEY' '
	recs 2 >in &&
	JOBLINE_API_KEY=sekrit embed --backend openai --url "$API_KEYED" --model t <in >a &&
	test "$(jq -s "map(select(.embedding)) | length" a)" = 2 &&
	OPENAI_API_KEY=sekrit embed --backend openai --url "$API_KEYED" --model t <in >b &&
	cmp a b &&
	exits 1 embed --backend openai --url "$API_KEYED" --model t <in >c 2>err &&
	grep -q "HTTP 401" err && test "$(jq -s "map(select(.embedding)) | length" c)" = 0
'

test_expect 'no key for a server elsewhere: exit 3 before any request' '
	recs 2 >in &&
	exits 3 env -u OPENAI_API_KEY -u JOBLINE_API_KEY embed --backend openai \
	    --url https://api.example.invalid/v1 --model t <in >out 2>err &&
	grep -q "^embed: https://api.example.invalid/v1: no API key: set OPENAI_API_KEY" err &&
	test "$(wc -l <err)" = 1 && test ! -s out &&
	exits 3 env -u OPENAI_API_KEY -u JOBLINE_API_KEY -u JOBLINE_API_URL \
	    embed --backend openai <in >out 2>err &&
	grep -q "api.openai.com/v1: no API key" err &&
	exits 3 env -u OPENAI_API_KEY -u JOBLINE_API_KEY summarize --backend openai \
	    --url https://api.example.invalid/v1 <in >out 2>err &&
	grep -q "no API key" err &&
	env -u OPENAI_API_KEY -u JOBLINE_API_KEY embed --backend openai \
	    --url "$API_OK" --model t <in >out &&
	test "$(jq -s "map(select(.embedding)) | length" out)" = 2
'

test_expect '429 with Retry-After and 500s are retried, then succeed' '
	recs 5 >in &&
	JOBLINE_STATS=$PWD/st embed --backend openai --url "$API_OK" --model test-429 \
	    --batch 2 <in >out 2>err &&
	test "$(jq -s "map(select(.embedding)) | length" out)" = 5 &&
	grep -q "^api_retries 3$" st &&
	JOBLINE_STATS=$PWD/st2 embed --backend openai --url "$API_OK" --model test-500 \
	    --batch 5 <in >out2 &&
	test "$(jq -s "map(select(.embedding)) | length" out2)" = 5 &&
	grep -q "^api_retries 2$" st2 && test ! -s err
'

test_expect 'a batch that fails after the retries is reported and not emitted; exit 1' '
	recs 5 >in &&
	JOBLINE_STATS=$PWD/st exits 1 embed --backend openai --url "$API_OK" \
	    --model test-fail --retries 1 --batch 2 <in >out 2>err &&
	grep -q "embed: batch of 2 records (c1 .. c2) failed: .*HTTP 503" err &&
	test "$(grep -c "failed" err)" = 3 &&
	jq -e -s "length == 1 and .[0].count == 0" out &&
	grep -q "^embed_failed 5$" st && grep -q "^api_failures 3$" st
'

test_expect 'malformed answers and short answers fail their batch' '
	recs 3 >in &&
	exits 1 embed --backend openai --url "$API_OK" --model test-malformed <in >out 2>err &&
	grep -q "malformed answer" err && jq -e -s "length == 1" out &&
	exits 1 embed --backend openai --url "$API_OK" --model test-short <in >out 2>err &&
	grep -q "malformed answer" err && jq -e -s "length == 1" out
'

test_expect 'only the batch with a refused input fails; the others go on' '
	recs 6 | sed "s/chunk number 5 /poison /" >in &&
	exits 1 embed --backend openai --url "$API_OK" --model test-badinput --batch 2 <in >out 2>err &&
	grep -q "(c5 .. c6) failed: .*HTTP 400" err &&
	jq -r ".id // .item_id" out | tr "\n" " " | grep -qx "c1 c2 c3 empty c4 "
'

test_expect 'a server that does not answer in --timeout fails the batch' '
	recs 1 >in &&
	exits 1 embed --backend openai --url "$API_OK" --model test-hang \
	    --timeout 1s --retries 0 <in >out 2>err &&
	grep -qi "timed out\|timeout" err
'

test_expect 'a refused connection is retried then reported' '
	recs 1 >in &&
	exits 1 embed --backend openai --url http://127.0.0.1:9/v1 --model t \
	    --retries 1 <in >out 2>err &&
	grep -q "batch of 1 record (c1 .. c1) failed" err
'

test_expect '--dim asks the server for that many dimensions and names the space' '
	recs 2 >in &&
	embed --backend openai --url "$API_OK" --model m --dim 16 <in >out &&
	jq -e -s "map(select(.text)) | all(.embedding_model == \"m@16\" and (.embedding | length) == 16)" out
'

test_expect 'inputs longer than --max-chars are cut at a space and counted' '
	echo "{\"text\":\"aaaa bbbb cccc dddd\"}" |
	    JOBLINE_STATS=$PWD/st embed --backend openai --url "$API_OK" --model m \
	    --max-chars 12 >out &&
	grep -q "^embed_truncated 1$" st &&
	python3 -c "
import json, sys
sys.path.insert(0, \"$TOP/tests\")
srv = __import__(\"openai-server\")
r = json.load(open(\"out\"))
sys.exit(0 if r[\"text\"] == \"aaaa bbbb cccc dddd\" and max(abs(a - b) for a, b in zip(r[\"embedding\"], srv.vector(\"aaaa bbbb \", 8))) < 1e-6 else 1)"
'

test_done
