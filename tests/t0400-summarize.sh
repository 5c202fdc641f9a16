#!/bin/bash
# summarize, extractive backend: the synopsis field, limits, sentence
# splitting, pass-through, bad input, counters
. "$(dirname "$0")/lib.sh"

# one article record with content $1 and title $2
article() {
	jq -cn --arg c "$1" --arg t "${2:-}" '{id: "x", title: $t, content: $c}'
}

test_expect 'usage: --help to stdout, bad options exit 2, --version' '
	summarize --help | grep -q "^usage: summarize" &&
	exits 2 summarize --bogus 2>err && grep -q usage err &&
	exits 2 summarize --backend nope 2>err &&
	grep -q "extractive or openai" err &&
	exits 2 summarize --chars 5 2>/dev/null &&
	exits 2 summarize --sentences 0 2>/dev/null &&
	exits 2 summarize extra 2>/dev/null &&
	summarize --version | grep -q "^summarize (jobline) "
'

test_expect 'adds synopsis and synopsis_source, keeps summary and unknown fields' '
	cat >in <<-\EOF &&
	{"id":"a","title":"Acme raises $40 million","summary":"The feed summary.","content":"Acme Robotics said on Tuesday it had raised $40 million. The weather was fine. Acme will hire engineers.","extra":{"n":[1,2.50,"x"]},"tracked":true}
	EOF
	summarize <in >out &&
	jq -e ".synopsis_source == \"extractive\" and
	    (.synopsis | startswith(\"Acme Robotics said\")) and
	    .summary == \"The feed summary.\"" out &&
	jq -c "del(.synopsis, .synopsis_source)" out >got &&
	jq -c . in >want && test_cmp want got &&
	test "$(jq -r "keys_unsorted | .[-2:] | join(\",\")" out)" = "synopsis,synopsis_source"
'

test_expect 'items without text pass through unchanged' '
	cat >in <<-\EOF &&
	{"id":"n1","url":"https://x.example/1"}
	{"id":"n2","title":"Title only","content":"  \n\t "}
	{"id":"n3","content":42,"summary":null}
	{"id":"n4","content":"","summary":"Falls back to the summary."}
	EOF
	summarize <in >out &&
	test "$(wc -l <out)" = 4 &&
	jq -c "select(.id != \"n4\")" in >want &&
	jq -c "select(.id != \"n4\")" out >got && test_cmp want got &&
	jq -e "select(.id == \"n4\") | .synopsis == \"Falls back to the summary.\"" out
'

test_expect 'varied articles: within --chars and --sentences, taken from the text, in order' '
	python3 "$TOP/tests/gen-articles.py" 300 11 >items &&
	summarize <items >out &&
	python3 "$TOP/tests/summarize-check.py" items out 3 400 &&
	for sc in "1 80" "2 150" "5 1000" "3 10"; do
		set -- $sc &&
		summarize --sentences $1 --chars $2 <items >out2 &&
		python3 "$TOP/tests/summarize-check.py" items out2 $1 $2 || exit 1
	done
'

test_expect 'deterministic: the same input gives the same output' '
	python3 "$TOP/tests/gen-articles.py" 100 12 >items &&
	summarize <items >one && summarize <items >two && cmp one two
'

test_expect 'the most central sentences, in their original order' '
	article "Bitcoin rose 5 percent on Monday as investors bought bitcoin. The weather in Paris was mild and sunny. Analysts said bitcoin investors expect the rally to go on. Lunch was served at noon." "Bitcoin rises as investors buy" >in &&
	summarize --sentences 2 <in >out &&
	test "$(jq -r .synopsis out)" = "Bitcoin rose 5 percent on Monday as investors bought bitcoin. Analysts said bitcoin investors expect the rally to go on."
'

test_expect 'abbreviations, initials and decimals do not end a sentence' '
	article "Mr. Smith of Acme Corp. paid \$3.5 million for the U.S. unit, J. R. Doe said. Other filler words follow it here. And more filler words follow here." "Smith pays 3.5 million for US unit" >in &&
	summarize --sentences 1 <in >out &&
	test "$(jq -r .synopsis out)" = "Mr. Smith of Acme Corp. paid \$3.5 million for the U.S. unit, J. R. Doe said."
'

test_expect 'quotes: a stop inside closing quotes ends the sentence, a comma does not' '
	article "Some other words open the story. “Prices will rise,” the trader said of bitcoin prices. He added: “It is not over.” Then nothing else happened at all." "Trader says bitcoin prices will rise" >in &&
	summarize --sentences 1 <in >out &&
	test "$(jq -r .synopsis out)" = "“Prices will rise,” the trader said of bitcoin prices." &&
	article "Alpha beta gamma. He said: “Markets are over.” Then nothing else happened." "Markets over" >in2 &&
	summarize --sentences 1 <in2 >out2 &&
	test "$(jq -r .synopsis out2)" = "He said: “Markets are over.”"
'

test_expect 'non-English punctuation: CJK, Devanagari, Arabic, Spanish' '
	article "比特币价格上涨。投资者很乐观！这是真的吗？" "投资者很乐观" >in &&
	summarize --sentences 1 <in >out &&
	test "$(jq -r .synopsis out)" = "投资者很乐观！" &&
	summarize --sentences 2 <in >out &&
	test "$(jq -r .synopsis out)" = "比特币价格上涨。投资者很乐观！" &&
	article "बिटकॉइन की कीमत बढ़ी। निवेशक बहुत खुश हैं। बाजार स्थिर है।" "निवेशक खुश" >in &&
	summarize --sentences 1 <in >out &&
	test "$(jq -r .synopsis out)" = "निवेशक बहुत खुश हैं।" &&
	article "هل ارتفع السعر؟ المستثمرون سعداء جدا. السوق مستقر." "المستثمرون سعداء" >in &&
	summarize --sentences 1 <in >out &&
	test "$(jq -r .synopsis out)" = "المستثمرون سعداء جدا." &&
	article "¿Subió el precio del bitcoin hoy? Los inversores están contentos. El mercado está estable." "Precio del bitcoin" >in &&
	summarize --sentences 1 <in >out &&
	test "$(jq -r .synopsis out)" = "¿Subió el precio del bitcoin hoy?"
'

test_expect 'whitespace inside a sentence collapses to one space' '
	article "Acme   raised
money on	Tuesday  today. Second sentence here." "Acme raised money" >in &&
	summarize --sentences 1 <in | jq -e ".synopsis == \"Acme raised money on Tuesday today.\""
'

test_expect 'a first sentence longer than --chars is cut at a word, with an ellipsis' '
	article "Acme Robotics, a maker of warehouse robots, said on Tuesday it had raised forty million dollars. Short." "Acme Robotics raised money" >in &&
	summarize --sentences 1 --chars 40 <in >out &&
	test "$(jq -r .synopsis out)" = "Acme Robotics, a maker of warehouse…"
'

test_expect 'a cut never splits a UTF-8 sequence or a letter from its accent' '
	printf "{\"id\":\"z\",\"content\":\"%s\"}\n" "$(python3 -c "print(\"字\" * 50)")" >in &&
	summarize --chars 12 <in >out &&
	jq -e ".synopsis == (\"字\" * 11) + \"…\"" out &&
	printf "{\"id\":\"y\",\"content\":\"%s\"}\n" "$(python3 -c "print(\"e\u0301\" * 30)")" >in &&
	summarize --chars 12 <in >out &&
	jq -e ".synopsis == (\"e\u0301\" * 5) + \"…\"" out &&
	python3 -c "import json,sys; json.load(open(\"out\"))"
'

test_expect '--field summarizes another field' '
	echo "{\"id\":\"f\",\"content\":\"Not this one.\",\"body\":\"This body is summarized.\"}" |
	    summarize --field body | jq -e ".synopsis == \"This body is summarized.\""
'

test_expect 'an existing synopsis is replaced, in place' '
	echo "{\"id\":\"s\",\"synopsis\":\"old\",\"content\":\"New text here.\",\"z\":1}" |
	    summarize >out &&
	jq -e ".synopsis == \"New text here.\" and (keys_unsorted == [\"id\",\"synopsis\",\"content\",\"z\",\"synopsis_source\"])" out
'

test_expect 'escapes in and out: quotes, backslashes, controls, \\u escapes, surrogate pairs' '
	printf "%s\n" "{\"id\":\"e\",\"content\":\"He said \\\"go\\\" \\\\ back\\u0001 \\u00e9t\\u00e9 \\ud83d\\ude80 now.\\nNext line here.\"}" >in &&
	summarize <in >out &&
	jq -e ".synopsis == \"He said \\\"go\\\" \\\\ back\\u0001 été 🚀 now. Next line here.\"" out
'

test_expect 'bad lines are reported with their numbers, the rest go on, exit 1' '
	printf "{\"id\":\"1\",\"content\":\"One.\"}\nnot json\n[1]\n{\"id\":\"4\",\"content\":\"Four.\"}\n" >in &&
	exits 1 summarize <in >out 2>err &&
	grep -q "^summarize: stdin:2: " err && grep -q "^summarize: stdin:3: " err &&
	test "$(jq -r .synopsis out | tr "\n" " ")" = "One. Four. "
'

test_expect 'counters go to $JOBLINE_STATS' '
	python3 "$TOP/tests/gen-articles.py" 30 13 >items &&
	JOBLINE_STATS=$PWD/stats summarize <items >out &&
	grep -q "^summarize_read 30$" stats &&
	grep -q "^summarize_extractive $(jq -s "map(select(.synopsis)) | length" out)$" stats &&
	grep -q "^summarize_passed $(jq -s "map(select(.synopsis == null)) | length" out)$" stats
'

test_expect 'sits between store --emit new and chunk' '
	python3 "$TOP/tests/gen-articles.py" 20 14 >items &&
	store articles --emit new <items | summarize | chunk --keep url,synopsis >chunks &&
	jq -e -s "map(select(.synopsis)) | length > 0" chunks &&
	test "$(rows "SELECT count(*) FROM articles")" = 20
'

test_expect 'SIGTERM while waiting for input: exit 143, no partial line' '
	mkfifo f &&
	{ summarize <f >out 2>err & } &&
	pid=$! &&
	exec 3>f &&
	echo "{\"id\":\"1\",\"content\":\"One sentence.\"}" >&3 &&
	kill -TERM $pid && { wait $pid; rc=$?; } && exec 3>&- &&
	test "$rc" = 143 && test ! -s err &&
	if [ -s out ]; then jq -e ".synopsis == \"One sentence.\"" out; fi
'

# Memory (jobline(7)): a line of 20 MiB in at most 4 times its size plus
# 16 MiB, whatever the shape of its text: one-letter words (one sentence
# of ten million words), one-word sentences, one word, CJK sentences
# without spaces, accented Greek (normalised for hashing), and (4 MiB, it
# takes many passes of the hashing) words all different, more than the
# hash table holds at once.  Peak RSS means nothing under the sanitizers
# or valgrind: there the lines are a fifth and only the output is checked.
MB=20
EXTRA_KB=16384
if [ "${SANITIZE:-}" = 1 ] || [ "${JOBLINE_VALGRIND:-}" = 1 ]; then
	MB=4
	EXTRA_KB=$((16384 + 4194304))
fi
for shape in words sentences word cjk greek distinct; do
	if [ ! -x /usr/bin/time ]; then
		test_skip "a line of $shape" 'no /usr/bin/time (Debian package time)'
		continue
	fi
	mb=$MB
	[ $shape = distinct ] && mb=$((MB / 5 > 0 ? MB / 5 : 1))
	MEMCAP_KB=$((mb * 1024 * 4 + EXTRA_KB))
	export MEMCAP_KB
	test_expect "a $mb MiB line of $shape: in 4 times the line plus 16 MiB" '
		python3 "$TOP/tests/gen-long-line.py" '$shape' '$mb' >in &&
		bounded 300 summarize <in && test $rc = 0 &&
		test "$(wc -l <out)" = 1 &&
		tail -c 100 out | grep -q "\"synopsis_source\":\"extractive\"}$"
	'
done

test_done
