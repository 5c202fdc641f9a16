#!/bin/bash
# chunk: exact offsets and overlap, boundaries, markers, --keep, --field
. "$(dirname "$0")/lib.sh"

test_expect 'usage: --help to stdout, bad options exit 2, --version' '
	chunk --help | grep -q "^usage: chunk" &&
	exits 2 chunk --bogus 2>err && grep -q usage err &&
	exits 2 chunk --words 10 --overlap 10 2>err &&
	grep -q "overlap must be smaller" err &&
	exits 2 chunk --words 0 2>/dev/null &&
	exits 2 chunk extra 2>/dev/null &&
	chunk --version | grep -q "^chunk (jobline) "
'

test_expect 'offsets, words, overlap and coverage hold on varied text (defaults)' '
	python3 "$TOP/tests/gen-articles.py" 150 1 >items &&
	chunk <items >out &&
	test "$(wc -l <out)" -gt 150 &&
	jq -e -s "map(.count) | max > 1" out &&
	python3 "$TOP/tests/chunk-check.py" items out 600 100
'

test_expect 'the same holds with small chunks and several overlaps' '
	python3 "$TOP/tests/gen-articles.py" 100 2 >items &&
	for wo in "40 10" "12 0" "7 6" "3 1"; do
		set -- $wo &&
		chunk --words $1 --overlap $2 <items >out &&
		python3 "$TOP/tests/chunk-check.py" items out $1 $2 || exit 1
	done
'

test_expect '--chars bounds the characters of a chunk, never splitting UTF-8' '
	python3 "$TOP/tests/gen-articles.py" 60 3 >items &&
	chunk --words 50 --overlap 5 --chars 90 <items >out &&
	python3 "$TOP/tests/chunk-check.py" items out 50 5 90 &&
	printf "{\"id\":\"z\",\"content\":\"%s\"}\n" \
	    "$(python3 -c "print(\"字\" * 50)")" | chunk --chars 7 --overlap 0 >z &&
	jq -e -s "length == 8 and all(.text | length <= 7) and
	    (map(.text) | add) == (\"字\" * 50)" z
'

test_expect 'text is source[start:end] in code points, the source title + blank line + content' '
	cat >in <<-\EOF &&
	{"id":"u","title":"Zürich café","content":"Ærø façade. 比特币价格上涨。投资者很乐观！ Done here."}
	EOF
	chunk --words 3 --overlap 1 <in >out &&
	jq -e -s --slurpfile src in "
	    (\$src[0].title + \"\n\n\" + \$src[0].content) as \$s |
	    all(.[]; \$s[.start:.end] == .text) and .[0].start == 0" out
'

test_expect 'cuts at a paragraph break rather than a sentence, a sentence rather than a word' '
	printf "{\"id\":\"p\",\"content\":\"%s\"}\n" \
	    "One two three four five six seven eight.\\n\\nNine ten. Eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty" |
	    chunk --words 10 --overlap 0 >out &&
	test "$(jq -r .text out | head -n 2)" = "$(printf "One two three four five six seven eight.\nNine ten. Eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen")" &&
	printf "{\"id\":\"s\",\"content\":\"%s\"}\n" \
	    "Alpha beta gamma delta. Epsilon zeta eta theta iota kappa lambda mu nu" |
	    chunk --words 8 --overlap 0 >out2 &&
	test "$(jq -r .text out2 | head -n 1)" = "Alpha beta gamma delta."
'

test_expect 'abbreviations, initials and decimals do not end sentences' '
	printf "{\"id\":\"a\",\"content\":\"%s\"}\n" \
	    "Shares rose 3.5 percent when Mr. Smith and J. Doe met Dr. Who. Prices fell again today in the U.S. market news today." |
	    chunk --words 14 --overlap 0 >out &&
	test "$(jq -r .text out | head -n 1)" = "Shares rose 3.5 percent when Mr. Smith and J. Doe met Dr. Who."
'

test_expect 'the overlap starts at a sentence when one is near' '
	printf "{\"id\":\"o\",\"content\":\"%s\"}\n" \
	    "a1 a2 a3. B1 b2 b3 b4 b5 b6 b7 b8 b9 b10 b11 b12 b13 b14 b15 b16 b17" |
	    chunk --words 12 --overlap 3 >out &&
	test "$(jq -r "select(.n == 1) | .text" out | cut -d" " -f1)" = B1
'

test_expect 'every item leaves a trace: no text gives a count-0 record' '
	cat >in <<-\EOF &&
	{"id":"e1","url":"https://x.example/1"}
	{"id":"e2","title":"","content":"   \n "}
	{"id":7,"title":"Only a title"}
	EOF
	chunk <in >out &&
	jq -e -s "length == 3 and
	    .[0] == {item_id: \"e1\", n: 0, count: 0, url: \"https://x.example/1\"} and
	    .[1].count == 0 and .[2].item_id == \"7\" and .[2].id == \"7#0\" and
	    .[2].text == \"Only a title\"" out
'

test_expect 'a record without an id is reported, the others go on, exit 1' '
	printf "{\"title\":\"x\"}\nnot json\n{\"id\":\"k\",\"title\":\"y\"}\n" >in &&
	exits 1 chunk <in >out 2>err &&
	grep -q "chunk: stdin:1: no id" err && grep -q "stdin:2:" err &&
	test "$(jq -r .id out)" = "k#0"
'

test_expect '--keep names the item fields copied; --field chunks another field' '
	echo "{\"id\":\"k\",\"url\":\"u\",\"title\":\"T\",\"published\":\"2026-01-01T00:00:00Z\",\"source\":\"S\",\"body\":\"x y z\"}" >in &&
	chunk <in | jq -e "keys == [\"count\",\"end\",\"id\",\"item_id\",\"n\",\"published\",\"start\",\"text\",\"title\",\"url\",\"words\"]" &&
	chunk --keep source <in | jq -e ".source == \"S\" and .url == null" &&
	chunk --field body <in | jq -e ".text == \"x y z\" and .start == 0 and .end == 5"
'

test_expect 'chunks feed store chunks, which completes every article' '
	python3 "$TOP/tests/gen-articles.py" 40 4 >items &&
	store articles --emit new <items | chunk --words 50 --overlap 10 |
	    store chunks &&
	test "$(rows "SELECT count(*) FROM articles WHERE complete = 1")" = 40 &&
	test "$(rows "SELECT count(*) FROM chunks")" = "$(chunk --words 50 --overlap 10 <items | jq -s "map(select(.count > 0)) | length")"
'

test_expect 'counters go to $JOBLINE_STATS' '
	python3 "$TOP/tests/gen-articles.py" 10 5 >items &&
	JOBLINE_STATS=$PWD/stats chunk <items >out &&
	grep -q "^chunk_items 10$" stats &&
	grep -q "^chunks_made $(jq -s "map(select(.count > 0)) | length" out)$" stats
'

test_expect 'a text of more chunks than chunk keeps (4096) is planned again, alike' '
	printf "{\"id\":\"w\",\"content\":\"%s\"}\n" \
	    "$(seq -f "w%g" 0 9999 | tr "\n" " ")" >in &&
	chunk --words 2 --overlap 1 <in >out &&
	jq -e -s "length == 9999 and all(.count == 9999 and .words == 2) and
	    [.[].n] == [range(9999)] and all(.text == \"w\(.n) w\(.n + 1)\") and
	    .[1].start == 3 and .[9998].end == 58889" out >/dev/null
'

# Memory (jobline(7)): a line of 20 MiB in at most 4 times its size plus
# 16 MiB, whatever the shape of its text: one-letter words (the most words
# a byte), one-word sentences, one word, CJK sentences without spaces.
# Peak RSS means nothing under the sanitizers or valgrind: there the line
# is 4 MiB and only the output is checked.
MB=20
MEMCAP_KB=$((MB * 1024 * 4 + 16384))
if [ "${SANITIZE:-}" = 1 ] || [ "${JOBLINE_VALGRIND:-}" = 1 ]; then
	MB=4
	MEMCAP_KB=$((MB * 1024 * 4 + 16384 + 4194304))
fi
export MEMCAP_KB
for shape in words sentences word cjk; do
	if [ ! -x /usr/bin/time ]; then
		test_skip "a $MB MiB line of $shape" 'no /usr/bin/time (Debian package time)'
		continue
	fi
	test_expect "a $MB MiB line of $shape: in 4 times the line plus 16 MiB" '
		python3 "$TOP/tests/gen-long-line.py" '$shape' $MB >in &&
		bounded 120 chunk --keep title <in && test $rc = 0 &&
		head -c 100 out | grep -q "^{\"id\":\"'$shape'#0\"" &&
		tail -n 1 out | jq -e ".n == .count - 1 and .end > $MB * 1000 and
		    .words >= 1" >/dev/null
	'
done

test_done
