#!/bin/bash
# search: vector, keyword and hybrid ranking over stored chunks
. "$(dirname "$0")/lib.sh"

# a store of 60 generated articles and two known ones, chunked and embedded
python3 "$TOP/tests/gen-articles.py" 60 11 >"$TMP/items"
cat >>"$TMP/items" <<-\EOF
{"id":"x1","url":"https://news.example.com/x1","title":"Zyxcoin listed on exchange","published":"2026-11-20T10:00:00Z","content":"The obscure token zyxcoin was listed today. Traders rushed in."}
{"id":"x2","url":"https://news.example.com/x2","title":"Quarterly earnings beat","content":"The retailer reported quarterly earnings above forecasts, lifting its shares."}
EOF
BASE=$(named_store base) || exit 1
store articles --db "$BASE" --emit new <"$TMP/items" |
    chunk --words 60 --overlap 10 | embed | store chunks --db "$BASE"
# started here, not in a test body, so that test_cleanup stops it
start_openai

test_expect 'usage: --help to stdout, bad options exit 2, --version' '
	search --help | grep -q "^usage: search" &&
	exits 2 search --bogus 2>err && grep -q usage err &&
	exits 2 search --mode fuzzy x 2>/dev/null &&
	exits 2 search -k 0 x 2>/dev/null &&
	search --version | grep -q "^search (jobline) "
'

test_expect 'vector: a chunk'"'"'s own text finds it first, with its article fields' '
	q=$(JOBLINE_DB=$BASE rows "SELECT text FROM chunks WHERE id = '"'"'x2#0'"'"'") &&
	search --db "$BASE" --mode vector -k 3 "$q" >out &&
	test "$(wc -l <out)" = 3 &&
	jq -e -s ".[0] | .id == \"x2#0\" and .rank == 1 and .score > 0.999 and
	    .url == \"https://news.example.com/x2\" and .title == \"Quarterly earnings beat\" and
	    .item_id == \"x2\" and .n == 0 and .model == \"hash-v3-384\" and (.text | startswith(\"Quarterly\"))" out &&
	jq -e -s "map(.score) | . == (sort | reverse) and .[1] < .[0]" out
'

test_expect 'vector: published comes with the hit; -k bounds the hits' '
	search --db "$BASE" --mode vector -k 1 zyxcoin token listed >out &&
	jq -e -s "length == 1 and .[0].item_id == \"x1\" and .[0].published == \"2026-11-20T10:00:00Z\"" out &&
	search --db "$BASE" --mode vector -k 25 market >out &&
	test "$(wc -l <out)" = 25
'

test_expect 'keyword: FTS5 or tsvector ranking, query syntax taken as words' '
	search --db "$BASE" --mode keyword -k 5 "zyxcoin" >out &&
	jq -e -s "length == 1 and .[0].item_id == \"x1\" and .[0].score > 0 and .[0].model == null" out &&
	search --db "$BASE" --mode keyword "\"zyxcoin\" AND (NEAR* -" >out &&
	jq -e -s "length >= 1 and .[0].item_id == \"x1\"" out &&
	search --db "$BASE" --mode keyword "!!!" >out && test ! -s out &&
	search --db "$BASE" --mode keyword "zyxcoin'"'"'s \\ | & ! <-> :* x'"'"'" >out &&
	jq -e -s "length >= 1 and .[0].item_id == \"x1\"" out &&
	search --db "$BASE" --mode keyword "\" (" >out && test ! -s out &&
	for q in "zyxcoin \"listed" "zyxcoin*" "-zyxcoin" "NOT zyxcoin" \
	    "zyxcoin AND OR" "NEAR(zyxcoin listed, 2)" "{text}: zyxcoin" \
	    "zyxcoin ^ listed +" "the at zyxcoin"; do
		search --db "$BASE" --mode keyword -k 3 -- "$q" >out 2>err &&
		test ! -s err &&
		jq -e -s ".[0].item_id == \"x1\"" out || return 1
	done
'

test_expect_sqlite 'keyword: neighbouring query words near each other rank first (FTS5 NEAR)' '
	cat >p.jsonl <<-\EOF &&
	{"id":"p1","content":"Layoffs were announced on Monday by the board. Shares of the utility fell sharply."}
	{"id":"p2","content":"On Monday the board announced utility layoffs. Shares of the company fell very sharply."}
	EOF
	# the same words as often, in texts as long: only nearness differs
	python3 "$TOP/tests/gen-articles.py" 6 3 >>p.jsonl &&
	store articles --emit new <p.jsonl | chunk | store chunks &&
	search --mode keyword "layoffs at utility" >out &&
	jq -e -s "map(.item_id) == [\"p2\", \"p1\"]" out &&
	search --mode keyword "utility, layoffs!" >out &&
	jq -e -s "map(.item_id) == [\"p2\", \"p1\"]" out
'

test_expect_sqlite 'keyword: BM25 with k1 4 and b 0.3 (jl_bm25), not FTS5'"'"'s 1.2 and 0.75; the lead weighs more' '
	export JOBLINE_DB=$(named_store bm25) &&
	for c in "zeta zeta apple" "zeta banana cherry date egg fig" \
	    "grape kiwi lemon" "mango nut olive" "pear quince rye"; do
		echo "{\"id\":\"${c%% *}${#c}\",\"content\":\"$c\"}"
	done | store articles --emit new | chunk | store chunks &&
	search --mode keyword zeta >out &&
	# idf log(3.5 / 2.5), 18 tokens in 5 chunks, each an article'"'"'s
	# first: zeta at offsets 0 and 1 counts 5 + 1 + 4 exp(-1 / 20);
	# FTS5'"'"'s bm25() would give 0.485 and 0.264
	jq -e -s "map(.score) == [1.21246, 0.858348]" out
'

test_expect_sqlite 'keyword: a word in an article'"'"'s lead ranks it above the same word at its end' '
	export JOBLINE_DB=$(named_store lead) &&
	for c in "ten one two three four five six seven eight lime" \
	    "lime one two three four five six seven eight nine" \
	    "grape kiwi lemon" "mango nut olive"; do
		echo "{\"id\":\"${c%% *}\",\"content\":\"$c\"}"
	done | store articles --emit new | chunk | store chunks &&
	search --mode keyword lime >out &&
	jq -e -s "map(.item_id) == [\"lime\", \"ten\"]" out
'

test_expect 'keyword: English stems, diacritics ignored (schema step 3)' '
	echo "{\"id\":\"d1\",\"content\":\"Traders rushed into the Zürich café as rates rose.\"}" |
	    store articles --emit new | chunk | store chunks &&
	search --mode keyword "zurich cafe" >out &&
	jq -e -s "length == 1 and .[0].item_id == \"d1\"" out &&
	search --mode keyword "rush rising rate" >out &&
	jq -e -s "length == 1 and .[0].item_id == \"d1\"" out
'

test_expect 'hybrid: scores of both rankings fused, each scaled to [0, 1]' '
	search --db "$BASE" --mode hybrid -k 5 "quarterly earnings forecasts" >out &&
	jq -e -s "length == 5 and .[0].item_id == \"x2\" and (map(.score) | . == (sort | reverse))" out &&
	jq -e -s ".[0].score == 1 and all(.score >= 0 and .score <= 1) and .[0].model == \"hash-v3-384\"" out
'

test_expect 'default: hybrid when vectors are stored, keyword when none' '
	search --db "$BASE" -k 5 "quarterly earnings forecasts" >out &&
	search --db "$BASE" --mode hybrid -k 5 "quarterly earnings forecasts" >hyb &&
	cmp out hyb &&
	echo "{\"id\":\"n1\",\"content\":\"zyxcoin without a vector\"}" |
	    store articles --emit new | chunk | store chunks &&
	search zyxcoin >out &&
	jq -e -s "length == 1 and .[0].item_id == \"n1\" and .[0].model == null" out
'

test_expect 'one hit per article unless --per-article says more' '
	search --db "$BASE" --mode keyword -k 30 --per-article 0 market >all &&
	jq -e -s "(map(.item_id) | unique | length) < length" all &&
	search --db "$BASE" --mode keyword -k 30 market >one &&
	jq -e -s "(map(.item_id) | unique | length) == length and map(.rank) == [range(1; length + 1)]" one &&
	search --db "$BASE" --mode keyword -k 30 --per-article 2 market >two &&
	jq -e -s "group_by(.item_id) | map(length) | max == 2" two &&
	exits 2 search --per-article -1 x 2>/dev/null
'

test_expect 'hits carry the synopsis, event_type and companies chunk kept' '
	cat >f.jsonl <<-\EOF &&
	{"id":"f1","url":"https://news.example.com/f1","title":"Qwertel cuts jobs","content":"Qwertel, a utility, will cut 300 jobs at its plant.","synopsis":"Qwertel cuts 300 jobs.","event_type":"layoffs","companies":["Qwertel","Gridco"]}
	{"id":"f2","url":"https://news.example.com/f2","title":"Other news","content":"Nothing about qwertel here but the name qwertel.","event_type":"other","companies":[]}
	{"id":"f3","url":"https://news.example.com/f3","title":"Plain","content":"A qwertel item with no fields kept."}
	EOF
	store articles --emit new <f.jsonl |
	    chunk --keep url,title,published,synopsis,event_type,companies |
	    embed | store chunks &&
	search -k 3 --mode keyword "qwertel jobs" >out &&
	jq -e -s ".[0] | .item_id == \"f1\" and .synopsis == \"Qwertel cuts 300 jobs.\" and
	    .event_type == \"layoffs\" and .companies == [\"Qwertel\",\"Gridco\"]" out &&
	jq -e -s "map(select(.item_id == \"f2\"))[0] | .companies == [] and .event_type == \"other\" and has(\"synopsis\") == false" out &&
	jq -e -s "map(select(.item_id == \"f3\"))[0] | has(\"companies\") or has(\"event_type\") | not" out &&
	# chunks that did not keep them: the article record has them
	g=$(named_store "g$test_count") &&
	store articles --db "$g" --emit new <f.jsonl | chunk --keep "" |
	    store chunks --db "$g" &&
	search --db "$g" -k 1 "qwertel jobs" >out &&
	jq -e -s ".[0] | .event_type == \"layoffs\" and .companies == [\"Qwertel\",\"Gridco\"]" out
'

test_expect 'scores are written rounded to 6 decimals, no more digits' '
	search --db "$BASE" --mode vector -k 20 market >out &&
	search --db "$BASE" --mode keyword -k 20 market >>out &&
	search --db "$BASE" --mode hybrid -k 20 quarterly earnings forecasts >>out &&
	test "$(wc -l <out)" = 60 &&
	grep -o "\"score\":[^,}]*" out >scores &&
	! grep -Ev "^\"score\":-?[0-9]+(\.[0-9]{1,6})?$" scores &&
	grep -q "^\"score\":1$" scores
'

test_expect 'queries as JSON lines: their fields come with each hit' '
	printf "%s\n" "{\"query\":\"zyxcoin\",\"qid\":1}" "{\"nothing\":1}" "{\"query\":\"retailer earnings\",\"qid\":2}" >q &&
	exits 1 search --db "$BASE" -k 2 <q >out 2>err &&
	grep -q "search: stdin:2: no query" err &&
	jq -e -s "length == 4 and (map(.qid) == [1,1,2,2]) and .[0].query == \"zyxcoin\" and .[0].item_id == \"x1\"" out
'

test_expect 'vectors of different models are never compared' '
	m=$(copy_store base m) &&
	echo "{\"id\":\"o1\",\"title\":\"Other model\",\"content\":\"zyxcoin listed\"}" |
	    store articles --db "$m" --emit new | chunk | embed --dim 64 |
	    store chunks --db "$m" &&
	exits 2 search --db "$m" zyxcoin 2>err &&
	grep -q "several models (hash-v3-384, hash-v3-64): choose one with --model" err &&
	search --db "$m" --mode vector --model hash-v3-64 -k 5 zyxcoin >out &&
	jq -e -s "length == 1 and .[0].item_id == \"o1\" and .[0].model == \"hash-v3-64\"" out &&
	search --db "$m" --mode vector --per-article 0 --model hash-v3-384 -k 100 zyxcoin >out &&
	jq -e -s "length == 100 and all(.item_id != \"o1\")" out
'

test_expect 'vectors of an older scheme (hash-v2, hash-v1) are searched with the query in theirs' '
	for v in v2 v1; do
		echo "{\"id\":\"$v\",\"title\":\"Old\",\"content\":\"Quarterly zyxcoin earnings rose\"}" |
		    store articles --db $v.db --emit new | chunk | embed --model hash-$v-384 |
		    store chunks --db $v.db || exit 1
		search --db $v.db --mode vector quarterly zyxcoin earnings >out &&
		jq -e -s "length == 1 and .[0].item_id == \"$v\" and .[0].model == \"hash-$v-384\" and
		    .[0].score > 0.5" out || exit 1
	done
'

test_expect 'an empty store gives no hits and exit 0' '
	search anything >out && test ! -s out &&
	search --mode hybrid anything >out && test ! -s out
'

test_expect 'a model of a server: the query is embedded there (--url)' '
	python3 "$TOP/tests/gen-articles.py" 10 12 >items &&
	store articles --emit new <items | chunk --words 40 --overlap 5 |
	    embed --backend openai --url "$API" --model test-m | store chunks &&
	q=$(rows "SELECT text FROM chunks ORDER BY id LIMIT 1") &&
	id=$(rows "SELECT id FROM chunks ORDER BY id LIMIT 1") &&
	search --url "$API" -k 2 "$q" >out &&
	jq -e -s --arg id "$id" ".[0].id == \$id and .[0].score > 0.9999 and .[0].model == \"test-m\"" out &&
	exits 1 search --url http://127.0.0.1:9/v1 "$q" 2>err &&
	grep -q "cannot embed the query" err
'

test_done
