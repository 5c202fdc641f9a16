#!/bin/bash
# summarize --backend openai against the local chat test server
# (tests/openai-chat.py): batches, order, key, broken answers, fallback
. "$(dirname "$0")/lib.sh"

# start_chat [ARG...]: the chat test server; sets API (its /v1 URL)
start_chat() {
	start_server "$TOP/tests/openai-chat.py" "$@" || return 1
	API="http://127.0.0.1:$SERVER_PORT/v1"
}
start_chat || exit 1
start_chat --key sekrit || exit 1
KEYED=$API
start_chat || exit 1

# requests: what the server has seen so far
requests() {
	curl -s "${1:-$API}/../stats" | jq .requests
}

# the expected model synopsis of each record with text, one a line
want_model() {
	python3 -c "
import json, sys
for l in open(sys.argv[1], encoding=\"utf-8\"):
    r = json.loads(l)
    t = r.get(\"content\") or r.get(\"summary\")
    if isinstance(t, str) and t.strip():
        print(\" \".join(t.split()[:6]))
" "$1"
}

# the synopses of records from the model, with the "Summary N: " cut off
got_model() {
	jq -r 'select(.synopsis_source | tostring | startswith("openai:")) |
	    .synopsis | sub("^Summary [0-9]+: "; "")' "$1"
}

gen() { python3 "$TOP/tests/gen-articles.py" "$@"; }

test_expect 'batches of --batch, every article its own summary, in input order' '
	gen 23 21 >items &&
	before=$(requests) &&
	summarize --backend openai --url "$API" --model m1 --batch 5 <items >out &&
	test "$(wc -l <out)" = 23 &&
	test "$(jq -r .id out | tr "\n" " ")" = "$(jq -r .id items | tr "\n" " ")" &&
	n=$(jq -s "map(select(.synopsis)) | length" out) &&
	test "$(($(requests) - before))" = "$(((n + 4) / 5))" &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"openai:m1\")" out &&
	want_model items >want && got_model out >got && test_cmp want got &&
	jq -c "del(.synopsis, .synopsis_source)" out >a && jq -c . items >b && test_cmp b a
'

test_expect 'the request: texts cut to --max-chars, titles to 300 characters' '
	jq -cn "{id: \"big\", title: (\"Té \" * 200), content: (\"wörd \" * 3000)}" >in &&
	JOBLINE_STATS=$PWD/stats summarize --backend openai --url "$API" \
	    --model m2-measure --max-chars 500 <in >out &&
	grep -q "^summarize_truncated 1$" stats &&
	jq -e ".synopsis == \"300 title characters, 500 text characters\"" out &&
	summarize --backend openai --url "$API" --model m2 <in >out &&
	jq -e ".synopsis == \"Summary 1: wörd wörd wörd wörd wörd wörd\"" out
'

test_expect 'token usage and counters go to $JOBLINE_STATS' '
	gen 7 22 >items &&
	JOBLINE_STATS=$PWD/stats summarize --backend openai --url "$API" --model m3 <items >out &&
	grep -q "^api_prompt_tokens [1-9]" stats &&
	grep -q "^api_completion_tokens [1-9]" stats &&
	grep -q "^api_total_tokens [1-9]" stats &&
	grep -q "^summarize_model $(jq -s "map(select(.synopsis)) | length" out)$" stats &&
	grep -q "^summarize_fallback 0$" stats
'

test_expect 'the key comes from $JOBLINE_API_KEY or $OPENAI_API_KEY, never argv' '
	gen 3 23 >items &&
	JOBLINE_API_KEY=sekrit summarize --backend openai --url "$KEYED" --model k <items >out &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"openai:k\")" out &&
	OPENAI_API_KEY=sekrit summarize --backend openai --url "$KEYED" --model k <items >out &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"openai:k\")" out &&
	exits 2 summarize --backend openai --key sekrit 2>/dev/null &&
	JOBLINE_API_KEY=wrong summarize --backend openai --url "$KEYED" --model k <items >out 2>err &&
	grep -q "HTTP 401" err && grep -q "extractive fallback" err &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"extractive-fallback\")" out
'

test_expect 'string ids in another order, extra and duplicate entries, code fences' '
	gen 12 24 >items &&
	want_model items >want &&
	for m in t-strid t-extra t-fenced; do
		summarize --backend openai --url "$API" --model $m <items >out 2>err &&
		got_model out >got && test_cmp want got &&
		test ! -s err || exit 1
	done
'

test_expect 'a malformed answer is asked again, then accepted' '
	gen 10 25 >items &&
	before=$(requests) &&
	summarize --backend openai --url "$API" --model t-garbage1 <items >out 2>err &&
	test ! -s err &&
	test "$(($(requests) - before))" = 4 &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"openai:t-garbage1\")" out
'

test_expect 'an answer that stays malformed: the batch falls back to extractive and says so' '
	gen 10 26 >items &&
	before=$(requests) &&
	JOBLINE_STATS=$PWD/stats summarize --backend openai --url "$API" \
	    --model t-garbage <items >out 2>err &&
	test "$(($(requests) - before))" = 6 &&
	test "$(grep -c "extractive fallback" err)" = 2 &&
	grep -q "no JSON object in the content (after 3 attempts)" err &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"extractive-fallback\")" out &&
	summarize <items | jq -r .synopsis >want && jq -r .synopsis out >got &&
	test_cmp want got && grep -q "^summarize_fallback 10$" stats
'

test_expect 'a partial answer is asked again; one that stays partial falls back for the missing' '
	jq -cn "range(10) | {id: \"m\\(.)\", content: \"Article number \\(.) says things.\"}" >items &&
	summarize --backend openai --url "$API" --model t-missing1 <items >out 2>err &&
	test ! -s err &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"openai:t-missing1\")" out &&
	summarize --backend openai --url "$API" --model t-missing <items >out 2>err &&
	grep -q "partial answer: no summary for 1 of 5 articles" err &&
	jq -r "select(.synopsis) | .synopsis_source" out | awk "NR % 5 == 0" | sort -u >fb &&
	jq -r "select(.synopsis) | .synopsis_source" out | awk "NR % 5 != 0" | sort -u >ok &&
	test "$(cat fb)" = extractive-fallback && test "$(cat ok)" = openai:t-missing
'

test_expect 'a body that is not JSON is asked again, then falls back' '
	gen 3 28 >items &&
	before=$(requests) &&
	summarize --backend openai --url "$API" --model t-malformed <items >out 2>err &&
	test "$(($(requests) - before))" = 3 &&
	grep -q "malformed answer" err &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"extractive-fallback\")" out
'

test_expect '429 with Retry-After and 500 are retried; a server that stays down falls back' '
	gen 5 29 >items &&
	JOBLINE_STATS=$PWD/stats summarize --backend openai --url "$API" --model t-429 <items >out 2>err &&
	test ! -s err && grep -q "^api_retries 1$" stats &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"openai:t-429\")" out &&
	summarize --backend openai --url "$API" --model t-500 <items >out 2>err &&
	test ! -s err && jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"openai:t-500\")" out &&
	summarize --backend openai --url "$API" --model t-fail --retries 1 <items >out 2>err &&
	grep -q "HTTP 503" err &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"extractive-fallback\")" out
'

test_expect 'slow answers: -j requests in flight, output in input order' '
	gen 40 30 >items &&
	start_chat --delay 0.3 &&
	summarize --backend openai --url "$API" --model t-slow -j 4 --batch 2 <items >out &&
	test "$(jq -r .id out | tr "\n" " ")" = "$(jq -r .id items | tr "\n" " ")" &&
	test "$(curl -s "$API/../stats" | jq .max_in_flight)" -ge 2 &&
	test "$(curl -s "$API/../stats" | jq .max_in_flight)" -le 4 &&
	want_model items >want && got_model out >got && test_cmp want got
'

test_expect 'a timeout falls back' '
	gen 2 31 >items &&
	summarize --backend openai --url "$API" --model t-hang --timeout 1s \
	    --retries 0 <items >out 2>err &&
	grep -q "extractive fallback" err &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"extractive-fallback\")" out
'

test_expect 'long summaries are cut to --chars; blank ones are missing' '
	gen 4 32 >items &&
	summarize --backend openai --url "$API" --model t-long --chars 100 <items >out 2>err &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis | length <= 100 and endswith(\"word…\"))" out &&
	summarize --backend openai --url "$API" --model t-empty <items >out 2>err &&
	grep -q "partial answer" err &&
	jq -e -s "map(select(.synopsis)) | all(.synopsis_source == \"extractive-fallback\")" out
'

test_expect 'items without text are not sent and pass through; bad lines counted, exit 1' '
	printf "{\"id\":\"n\"}\nnope\n{\"id\":\"t\",\"content\":\"Some text to send here.\"}\n" >in &&
	before=$(curl -s "$API/../stats" | jq .inputs) &&
	exits 1 summarize --backend openai --url "$API" --model m4 <in >out 2>err &&
	grep -q "^summarize: stdin:2: " err &&
	test "$(($(curl -s "$API/../stats" | jq .inputs) - before))" = 1 &&
	jq -e -s "length == 2 and .[0] == {id: \"n\"} and
	    .[1].synopsis == \"Summary 1: Some text to send here.\"" out
'

test_done
