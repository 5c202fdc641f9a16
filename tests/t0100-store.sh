#!/bin/bash
# store: dedupe, --emit new, unfinished articles, crash safety, concurrency
. "$(dirname "$0")/lib.sh"

# gen N [PREFIX]: N article records
# the big inputs below are divided by SHRINK: 10 under valgrind
SHRINK=1
[ "${JOBLINE_VALGRIND:-}" = 1 ] && SHRINK=10

gen() {
	awk -v n="$1" -v p="${2:-a}" 'BEGIN { for (i = 1; i <= n; i++)
	    printf "{\"id\":\"%s%d\",\"url\":\"https://news.example.com/%s/%d\",\"title\":\"Story %d\",\"summary\":\"Text of story %d.\"}\n", p, i, p, i, i, i }'
}

test_expect 'usage: --help to stdout, unknown option exits 2, --version' '
	store --help | grep -q "^usage: store TABLE" &&
	exits 2 store --bogus 2>err && grep -q usage err &&
	exits 2 store 2>/dev/null &&
	store --version | grep -q "^store (jobline) "
'

test_expect 'options: usage names every one; -k and -e are not store options' '
	store --help >out &&
	for o in --db --key --emit -q -v; do
		grep -q -e "\[$o\b" -e " $o\]" -e "| $o\]" out || { echo "usage lacks $o"; exit 1; }
	done &&
	echo "{\"id\":1}" | exits 2 store things -k id 2>/dev/null &&
	echo "{\"id\":1}" | exits 2 store articles -e new 2>/dev/null &&
	echo "{\"id\":1}" | store things --key id --emit new -q >out &&
	test "$(jq -r .id out)" = 1
'

test_expect 'creates the default store 0600 in a new directory (0700)' '
	echo "{\"id\":\"x\"}" | (unset JOBLINE_DB &&
	    XDG_STATE_HOME=$TMP/new/state store articles) &&
	s=$TMP/new/state/jobline/jobline.db &&
	test "$(stat -c %a "$s")" = 600 &&
	test "$(stat -c %a "$(dirname "$s")")" = 700 &&
	test "$(sqlite3 "$s" "PRAGMA journal_mode")" = wal
'

test_expect 'a store named in a directory that does not exist: exit 3, nothing made' '
	echo "{\"id\":\"x\"}" >in &&
	exits 3 store articles --db "$TMP/typo/s.db" <in 2>err &&
	grep -q "^store: $TMP/typo: no store there, and cannot make one" err &&
	test ! -e "$TMP/typo" &&
	exits 3 env JOBLINE_DB="$TMP/typo2/s.db" store articles <in 2>/dev/null &&
	test ! -e "$TMP/typo2"
'

test_expect 'dedupes articles by canonical URL' '
	cat >in <<-\EOF &&
	{"id":"1","url":"HTTPS://News.Example.COM/a?utm_source=x&p=2#top","title":"A"}
	{"id":"2","url":"https://news.example.com/a?p=2&utm_medium=rss"}
	{"id":"3","url":"https://news.example.com:443/a?p=2"}
	{"id":"4","url":"https://news.example.com/b"}
	EOF
	store articles --emit new <in >out &&
	test "$(wc -l <out)" = 2 &&
	jq -e -s "map(.id) == [\"1\",\"4\"]" out &&
	test "$(rows "SELECT url_key FROM articles ORDER BY 1")" = "$(printf "https://news.example.com/a?p=2\nhttps://news.example.com/b")"
'

test_expect 'articles without a url are keyed by id' '
	printf "{\"id\":\"k1\",\"title\":\"x\"}\n{\"id\":\"k1\",\"title\":\"y\"}\n" |
	    store articles --db k.db &&
	test "$(sqlite3 k.db "SELECT url_key, title FROM articles")" = "id:k1|y"
'

test_expect 'an unfinished article is passed on again, a complete one not' '
	gen 3 >in &&
	store articles --emit new <in >first &&
	test "$(wc -l <first)" = 3 &&
	store articles --emit new <in >again &&
	test "$(wc -l <again)" = 3 &&
	printf "{\"item_id\":\"a1\",\"n\":0,\"count\":1,\"text\":\"t\"}\n{\"item_id\":\"a2\",\"n\":0,\"count\":0}\n{\"item_id\":\"a3\",\"n\":0,\"count\":2,\"text\":\"t\"}\n" |
	    store chunks &&
	store articles --emit new <in >third &&
	jq -e -s "map(.id) == [\"a3\"]" third &&
	printf "{\"item_id\":\"a3\",\"n\":0,\"count\":2,\"text\":\"t\"}\n{\"item_id\":\"a3\",\"n\":1,\"count\":2,\"text\":\"u\"}\n" |
	    store chunks &&
	store articles --emit new <in >fourth &&
	test ! -s fourth &&
	test "$(rows "SELECT count(*) FROM articles WHERE complete = 1")" = 3
'

test_expect 'unfinished articles the feed no longer carries are passed on at the end' '
	gen 2 old | store articles &&
	gen 1 new | store articles --emit new >out &&
	jq -e -s "map(.id) == [\"new1\",\"old1\",\"old2\"]" out &&
	gen 1 new | store articles --emit new >out2 &&
	test "$(wc -l <out2)" = 3
'

test_expect 'articles_todo holds exactly the unfinished articles, through commits and completion' '
	gen 5 >in &&
	head -n 3 in >h && { cat h; sleep 1; tail -n 2 in; } | store articles &&
	test "$(rows "SELECT group_concat(article) FROM articles_todo")" = \
	    "$(rows "SELECT group_concat(rowid) FROM articles WHERE complete = 0")" &&
	test "$(rows "SELECT count(*) FROM articles_todo")" = 5 &&
	printf "{\"item_id\":\"a2\",\"n\":0,\"count\":0}\n" | store chunks &&
	test "$(rows "SELECT group_concat(article) FROM articles_todo")" = \
	    "$(rows "SELECT group_concat(rowid) FROM articles WHERE complete = 0")" &&
	test "$(rows "SELECT count(*) FROM articles_todo")" = 4 &&
	rows "DELETE FROM articles WHERE id = '\''a3'\''" &&
	test "$(rows "SELECT count(*) FROM articles_todo")" = 3 &&
	gen 1 | store articles --emit new >out &&
	jq -e -s "map(.id) == [\"a1\",\"a4\",\"a5\"]" out
'

test_expect 'one article seen twice in one run is passed on once' '
	gen 2 >in && cat in in | store articles --emit new >out &&
	test "$(wc -l <out)" = 2
'

test_expect 'a changed article is updated, keeps its id and its state' '
	echo "{\"id\":\"u1\",\"url\":\"https://x.example/1\",\"title\":\"old\"}" | store articles &&
	echo "{\"id\":\"other\",\"url\":\"https://x.example/1\",\"title\":\"new\"}" | store articles --emit all >out &&
	jq -e ".id == \"u1\" and .title == \"new\"" out &&
	test "$(rows "SELECT id, title FROM articles")" = "u1|new"
'

test_expect 'two articles with one id: the second is given its URL as id' '
	printf "%s\n" "{\"id\":\"g1\",\"url\":\"https://a.example/1\"}" "{\"id\":\"g1\",\"url\":\"https://b.example/1\"}" |
	    store articles --emit new >out &&
	jq -e -s "map(.id) == [\"g1\", \"https://b.example/1\"]" out &&
	test "$(rows "SELECT id FROM articles ORDER BY url_key")" = "$(printf "g1\nhttps://b.example/1")" &&
	store articles --emit new <out >again &&
	jq -e -s "map(.id) == [\"g1\", \"https://b.example/1\"]" again
'

test_expect 'bad lines are reported with their numbers, the rest stored, exit 1' '
	{ gen 1; echo "not json"; echo "[1,2]"; echo "{\"title\":\"no key\"}";
	  printf "{\"id\":\"bad\",\"title\":\"\\377\"}\n"; echo "{\"id\":\"t\",\"x\":1} trailing";
	  printf "\n"; gen 2 | tail -n 1; } >in &&
	exits 1 store articles <in 2>err &&
	grep -q "^store: stdin:2: invalid JSON" err &&
	grep -q "^store: stdin:3: not a JSON object" err &&
	grep -q "^store: stdin:4: no url or id" err &&
	grep -q "^store: stdin:5: invalid UTF-8 at byte 22" err &&
	grep -q "^store: stdin:6: invalid JSON at byte 18" err &&
	test "$(wc -l <err)" = 5 &&
	test "$(rows "SELECT count(*) FROM articles")" = 2
'

test_expect 'the record scanner judges JSON as Python json does' '
	cat >lines <<-\EOF &&
	{"id":"1","a":[1,2,{"b":null}],"c":-0.5e+3,"d":true,"e":false}
	{"id":"2","a":01}
	{"id":"3","a":"\x"}
	{"id":"4","a":"tab	here"}
	{"id":"5",}
	{"id":"6"} {"id":"7"}
	{"id":"8","a":tru}
	{"id":"9","a":"\ud83d\ude00 \u00e9 \/ \n"}
	{"id":10,"a":{}}
	{"id":"11","a":1.}
	{"id":"12","a":[1,]}
	{"id":"13" "a":1}
	{"id":"14","a":"\u12"}
	{"id":"15","a":-}
	{ "id" : "16" , "a" : [ ] }
	"just a string"
	{"id":"17","a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
	EOF
	store things <lines 2>err; test $? = 1 &&
	test "$(rows "SELECT count(*) FROM things")" = 4 &&
	sed -n 17p lines >deep && exits 1 store things <deep 2>err &&
	grep -q "stdin:1: invalid JSON at byte .*: nested too deep" err &&
	n=0 && while IFS= read -r line; do
		n=$((n + 1))
		if printf "%s\n" "$line" | python3 -c "import json, sys; sys.exit(not isinstance(json.loads(sys.stdin.read()), dict))" 2>/dev/null &&
		    [ $n != 17 ]; then want=ok; else want=bad; fi
		# one line a run: past ten of a kind, messages are counted
		printf "%s\n" "$line" >one
		if ! store things <one 2>err1 && grep -q "^store: stdin:1:" err1
		then got=bad; else got=ok; fi
		[ $want = $got ] || { echo "line $n: python says $want, store says $got"; exit 1; }
	done <lines
'

test_expect 'an escaped lone surrogate is refused (Python would take it, jq would not)' '
	printf "%s\n" "{\"id\":\"s1\",\"a\":\"\\ud800\"}" \
	    "{\"id\":\"s2\",\"a\":\"x\\udc00\"}" \
	    "{\"id\":\"s3\",\"a\":\"\\ud800\\u0041\"}" \
	    "{\"id\":\"s4\",\"a\":\"\\ud83d\\ude00\"}" >in &&
	exits 1 store things --emit new <in >out 2>err &&
	printf "store: stdin:%s: invalid JSON at byte %s: lone surrogate in \\\\u escape\n" \
	    1 17 2 18 3 17 >want &&
	test_cmp want err &&
	jq -e ".id == \"s4\"" out &&
	test "$(rows "SELECT count(*) FROM things")" = 1
'

test_expect 'past ten bad lines of a kind: one closing line with the count' '
	{ awk "BEGIN { for (i = 0; i < 7789; i++) print \"not json\" }" && echo "{\"id\":1,\"id\":2}" &&
	    echo "{\"id\":\"ok\"}"; } >in &&
	exits 1 store things <in 2>err &&
	test "$(grep -c "invalid JSON" err)" = 10 &&
	grep -q "^store: stdin:7790: duplicate key at byte 9" err &&
	test "$(tail -n 1 err)" = "store: 7,779 more bad lines not shown" &&
	test "$(wc -l <err)" = 12 &&
	test "$(rows "SELECT count(*) FROM things")" = 1
'

test_expect 'escaped fields are stored decoded' '
	printf "%s\n" "{\"id\":\"e\\u0301\",\"url\":\"https://x.example/\\u00e9\",\"title\":\"Caf\\u00e9 \\\"quoted\\\" \\ud83d\\ude00\"}" |
	    store articles &&
	test "$(rows "SELECT title FROM articles")" = "Café \"quoted\" 😀"
'

test_expect 'chunks: vectors as arrays and base64 are stored as float32' '
	echo "{\"id\":\"v\",\"url\":\"https://v.example/\"}" | store articles &&
	printf "%s\n" "{\"item_id\":\"v\",\"n\":0,\"count\":2,\"text\":\"a\",\"start\":0,\"end\":1,\"embedding\":[1,0.5],\"embedding_model\":\"m\"}" \
	    "{\"item_id\":\"v\",\"n\":1,\"count\":2,\"text\":\"b\",\"embedding\":\"AACAPwAAAD8=\",\"embedding_model\":\"m\"}" |
	    store chunks --emit new >out &&
	test "$(wc -l <out)" = 2 &&
	test "$(rows "SELECT id, dim, hex(vector), model FROM chunks ORDER BY n")" = "$(printf "v#0|2|0000803F0000003F|m\nv#1|2|0000803F0000003F|m")" &&
	test "$(rows "SELECT complete, chunks FROM articles")" = "1|2" &&
	! rows "SELECT record FROM chunks" | grep -q "\"embedding\""
'

test_expect 'chunks: a bad embedding is refused' '
	exits 1 store chunks 2>err <<-\EOF &&
	{"item_id":"w","n":0,"count":1,"text":"a","embedding":["x"]}
	EOF
	grep -q "stdin:1: embedding" err
'

test_expect 'chunks: a bad typed field is refused with its name, never read as 0 or NULL' '
	echo "{\"id\":\"t\",\"url\":\"https://t.example/\"}" | store articles &&
	echo "{\"item_id\":\"t\",\"n\":0,\"count\":2,\"text\":\"first\"}" | store chunks &&
	for n in "\"1\"" 1.0 1.7 1e999 9.3e18 9300000000000000000 -1 2 null; do
		echo "{\"item_id\":\"t\",\"n\":$n,\"count\":2,\"text\":\"over\"}"
	done >bad &&
	cat >>bad <<-\EOF &&
	{"item_id":"t","count":2,"text":"no n"}
	{"item_id":"t","n":1,"count":2,"text":"x","start":1e999}
	{"item_id":"t","n":1,"count":2,"text":"x","words":1e300}
	{"item_id":"t","n":1,"count":2,"text":"x","start":5,"end":4}
	{"item_id":"t","n":1,"count":2,"text":"x","end":-1}
	{"item_id":"t","n":1,"count":"2","text":"x"}
	{"item_id":"t","n":1,"count":-2,"text":"x"}
	{"item_id":1.5,"n":1,"count":2,"text":"x"}
	{"item_id":"","n":1,"count":2,"text":"x"}
	{"item_id":"t","n":1,"count":2,"text":7}
	{"item_id":"t","n":1,"count":2,"text":"x","embedding":[1,1e300]}
	{"item_id":"t","n":1,"count":2,"text":"x","embedding":"AAA"}
	{"item_id":"t","n":1,"count":2,"text":"x","embedding":"AAAAAAAAAAAAAAAAA"}
	{"item_id":"t","n":1,"count":2,"text":"x","embedding_model":1}
	{"item_id":"t","n":1,"count":2,"text":"x","id":[1]}
	EOF
	exits 1 store chunks <bad 2>err &&
	sed "s/^store: stdin:[0-9]*: //" err >got &&
	cat >want <<-\EOF &&
	n: not an integer
	n: not an integer
	n: not an integer
	n: not an integer
	n: not an integer
	n: not between 0 and 1
	n: not between 0 and 1
	n: not between 0 and 1
	no n
	no n
	start: not an integer
	words: not an integer
	end: before start
	end: below 0
	count: not an integer
	count: below 0
	item_id: not a string or an integer
	item_id: empty
	text: not a string
	embedding: a number beyond a float'"'"'s range
	embedding: not base64 of float32s
	embedding: not base64 of float32s
	embedding_model: not a string
	id: not a string or an integer
	EOF
	test_cmp want got &&
	test "$(wc -l <bad)" = "$(wc -l <err)" &&
	test "$(rows "SELECT n, text FROM chunks")" = "0|first" &&
	test "$(rows "SELECT complete FROM articles")" = 0
'

test_expect 'chunks: an integer id or item_id is its text; n may be left out of a count-0 record' '
	printf "%s\n" "{\"id\":\"7\",\"url\":\"https://s.example/\"}" "{\"id\":\"8\"}" | store articles &&
	printf "%s\n" "{\"item_id\":7,\"id\":70,\"n\":0,\"count\":1,\"text\":\"a\",\"start\":0,\"end\":1,\"words\":1}" \
	    "{\"item_id\":8,\"count\":0}" | store chunks &&
	test "$(rows "SELECT id, item_id, start, chunks.end, words FROM chunks")" = "70|7|0|1|1" &&
	test "$(rows "SELECT id, complete, chunks FROM articles ORDER BY id")" = "$(printf "7|1|1\n8|1|0")"
'

test_expect 'articles: a bad typed field is refused with its name' '
	cat >in <<-\EOF &&
	{"id":7,"url":"https://a.example/1"}
	{"id":"","url":"https://a.example/2"}
	{"id":"a3","url":["https://a.example/3"]}
	{"id":"a4","url":"https://a.example/4","title":5}
	{"id":"a5","url":"https://a.example/5","feed":{}}
	{"id":"a6","url":"https://a.example/6","published":"yesterday"}
	{"id":"a7","url":"https://a.example/7","published":"1969-12-31T23:59:59Z"}
	{"id":"a8","url":"https://a.example/8","published":1795336200}
	{"id":"a9","url":"https://a.example/9","published":"2026-11-22T08:30:00Z","title":null}
	EOF
	exits 1 store articles <in 2>err &&
	sed "s/^store: stdin:[0-9]*: //" err >got &&
	cat >want <<-\EOF &&
	id: not a string
	id: empty
	url: not a string
	title: not a string
	feed: not a string
	published: not an RFC 3339 time
	published: before 1970
	published: not a string
	EOF
	test_cmp want got &&
	test "$(rows "SELECT id, CASE WHEN title IS NULL THEN 1 ELSE 0 END, published FROM articles")" = "a9|1|2026-11-22T08:30:00Z"
'

test_expect 'articles --key id and --key url: the field is the key and keeps its column; an empty url is no id' '
	echo "{\"id\":\"x\",\"url\":\"https://a.example/1\"}" | store articles --db i.db --key id &&
	test "$(sqlite3 i.db "SELECT url_key, id, url FROM articles")" = "x|x|https://a.example/1" &&
	echo "{\"id\":\"x\",\"url\":\"https://a.example/1\"}" | store articles --db u.db --key url &&
	test "$(sqlite3 u.db "SELECT url_key, id, url FROM articles")" = "https://a.example/1|x|https://a.example/1" &&
	echo "{\"k\":6,\"url\":\"\"}" | store articles --db e.db --key k --emit new >out &&
	jq -e ".id == \"6\"" out &&
	test "$(sqlite3 e.db "SELECT url_key, id FROM articles")" = "6|6"
'

test_expect 'generic and --key keys: a string or an integer, else refused with its name' '
	cat >in <<-\EOF &&
	{"id":"a"}
	{"id":12}
	{"id":1.5}
	{"id":""}
	{"id":true}
	{"id":null}
	{"id":99999999999999999999}
	{"id":-3}
	EOF
	exits 1 store things <in 2>err &&
	sed "s/^store: stdin:[0-9]*: //" err >got &&
	printf "%s\n" "id: not a string or an integer" "id: empty" \
	    "id: not a string or an integer" "no id" "id: out of range" >want &&
	test_cmp want got &&
	test "$(rows "SELECT group_concat(key, '\'' '\'') FROM (SELECT key FROM things ORDER BY key) AS k")" = "-3 12 a" &&
	echo "{\"k\":2.5,\"url\":\"https://k.example/\"}" | exits 1 store articles --key k 2>err &&
	grep -q "^store: stdin:1: k: not a string or an integer" err
'

test_expect 'prices: time normalised to UTC, upserted by symbol and time' '
	cat >p <<-\EOF &&
	{"symbol":"XAUUSD","time":"2026-11-22T10:30:00+02:00","price":2650.5}
	{"symbol":"XAUUSD","time":1795336260,"price":2651}
	{"symbol":"XAUUSD","time":"2026-11-22T08:30:00Z","price":2652}
	{"symbol":"EURUSD","price":1.05}
	EOF
	exits 1 store prices --emit new <p >out 2>err &&
	grep -q "stdin:4: no time" err &&
	test "$(wc -l <out)" = 3 &&
	rows "SELECT symbol, time, price FROM prices ORDER BY time" | sed "s/\.0\$//" >got &&
	printf "XAUUSD|2026-11-22T08:30:00Z|2652\nXAUUSD|2026-11-22T08:31:00Z|2651\n" >want &&
	test_cmp want got
'

test_expect 'prices: typed fields; a price not positive, a time before 1970 or after 9999 refused' '
	cat >p <<-\EOF &&
	{"symbol":"X","time":"2026-11-22T08:00:00Z","price":0}
	{"symbol":"X","time":"2026-11-22T08:00:00Z","price":-2.5}
	{"symbol":"X","time":"2026-11-22T08:00:00Z","price":"1.5"}
	{"symbol":"X","time":"2026-11-22T08:00:00Z","price":1e999}
	{"symbol":"X","time":"2026-11-22T08:00:00Z","price":null}
	{"symbol":"X","time":"1969-12-31T23:59:59Z","price":1}
	{"symbol":"X","time":-1,"price":1}
	{"symbol":"X","time":"9999-12-31T23:30:00-01:00","price":1}
	{"symbol":"X","time":253402300800,"price":1}
	{"symbol":"X","time":true,"price":1}
	{"symbol":"X","time":"noon","price":1}
	{"symbol":"","time":"2026-11-22T08:00:00Z","price":1}
	{"symbol":5,"time":"2026-11-22T08:00:00Z","price":1}
	{"time":"2026-11-22T08:00:00Z","price":1}
	{"symbol":"X","time":0,"price":1e-300}
	{"symbol":"X","time":253402300799,"price":1.7976931348623157e308}
	EOF
	exits 1 store prices <p 2>err &&
	printf "store: stdin:%s\n" "1: price: not positive" "2: price: not positive" \
	    "3: price: not a number" "4: price: out of range" "5: no price" \
	    "6: time: before 1970" "7: time: before 1970" "8: time: after 9999" \
	    "9: time: after 9999" "10: time: not an RFC 3339 time or seconds" \
	    "11: time: not an RFC 3339 time" "12: symbol: empty" "13: symbol: not a string" \
	    "14: no symbol" >want &&
	test_cmp want err &&
	test "$(rows "SELECT time FROM prices ORDER BY time" | tr "\n" " ")" = "1970-01-01T00:00:00Z 9999-12-31T23:59:59Z "
'

test_expect 'generic tables are keyed by --key and keep the whole record' '
	printf "{\"name\":\"Acme\",\"rank\":3}\n{\"name\":\"Beta\",\"rank\":9}\n{\"name\":\"Acme\",\"rank\":4}\n" |
	    store companies --key name --emit new >out &&
	test "$(wc -l <out)" = 2 &&
	test "$(rows "SELECT key, json_extract(record, '\''$.rank'\'') FROM companies ORDER BY key")" = "$(printf "Acme|4\nBeta|9")" &&
	exits 2 store "x;drop" </dev/null 2>/dev/null &&
	exits 2 store runs </dev/null 2>/dev/null
'

test_expect 'a table of the schema is not a generic table: usage, exit 2, no store made' '
	for t in articles_todo chunks_vectors chunks_fts chunks_fts_data \
	    job_state queue_keys user_stats sqlite_master Things 1x; do
		echo "{\"id\":1}" | exits 2 store "$t" --db new.db 2>err || exit 1
		grep -q "^store: $t: not a table store can write" err || exit 1
	done &&
	test ! -e new.db &&
	echo "{\"id\":1}" | store chunks_x --db new.db &&
	test "$(sqlite3 new.db "SELECT key FROM chunks_x")" = 1
'

test_expect 'a store that cannot be opened exits 3 with the path' '
	exits 3 store articles --db /proc/nonexistent/s.db </dev/null 2>err &&
	grep -q "/proc/nonexistent" err
'

test_expect 'JOBLINE_STATS gets counters' '
	gen 5 | JOBLINE_STATS=$PWD/stats store articles &&
	grep -qx "articles_new 5" stats && grep -qx "records_read 5" stats
'

test_expect 'SIGTERM commits what was read and exits 143' '
	mkfifo fifo || exit 1
	{ gen 10; sleep $(slow 3); gen 10 later; } >fifo &
	store articles --db term.db <fifo & pid=$! &&
	sleep $(slow 1) && kill -TERM $pid; wait $pid; rc=$?
	test $rc = 143 &&
	test "$(sqlite3 term.db "SELECT count(*) FROM articles")" = 10
'

test_expect 'kill -9 mid-way, then a rerun: exactly the rows of a clean run' '
	gen $((60000 / SHRINK)) >big &&
	store articles --db clean.db <big &&
	for delay in 0.2 0.4 0.1; do
		store articles --db crash.db <big & pid=$!
		sleep $(slow $delay); kill -9 $pid; wait $pid 2>/dev/null
		test "$(sqlite3 crash.db "PRAGMA integrity_check")" = ok || exit 1
	done
	store articles --db crash.db <big &&
	sqlite3 clean.db "SELECT url_key, id, record FROM articles ORDER BY 1" >a &&
	sqlite3 crash.db "SELECT url_key, id, record FROM articles ORDER BY 1" >b &&
	test_cmp a b && test "$(wc -l <a)" = $((60000 / SHRINK))
'

test_expect 'four writers at once lose nothing and never see "database is locked"' '
	for p in w x y z; do gen $((20000 / SHRINK)) $p >in.$p; done &&
	gen $((5000 / SHRINK)) shared >in.s &&
	for p in w x y z; do
		cat in.$p in.s | store articles --db four.db 2>err.$p & eval pid_$p=$!
	done
	for p in w x y z; do eval wait \$pid_$p || exit 1; done
	! grep -q . err.w err.x err.y err.z &&
	test "$(sqlite3 four.db "SELECT count(*) FROM articles")" = $((85000 / SHRINK))
'

test_expect 'several programs creating a new store at once all migrate it once' '
	for i in 1 2 3 4 5 6; do
		echo "{\"id\":\"$i\"}" | store articles --db race.db 2>>err & done
	wait
	! grep -q . err &&
	test "$(sqlite3 race.db "SELECT count(*) FROM articles")" = 6 &&
	test "$(sqlite3 race.db "PRAGMA user_version")" -ge 1
'

test_expect_sqlite 'a store held locked too long: a clear error, exit 3, nothing written' '
	gen 10 | store articles &&
	{ echo "BEGIN EXCLUSIVE;"; echo ".shell touch locked";
	  while [ ! -e release ]; do sleep 0.1; done; echo "COMMIT;"; } |
	    sqlite3 "$JOBLINE_DB" & holder=$!
	while [ ! -e locked ]; do sleep 0.1; done
	gen 20 more | JOBLINE_BUSY_TIMEOUT=1s exits 3 store articles 2>err; rc=$?
	touch release; wait $holder
	test $rc = 0 &&
	grep -q "database is locked (held by another program for longer than 1s" err &&
	test "$(rows "SELECT count(*) FROM articles")" = 10 &&
	test "$(rows "PRAGMA integrity_check")" = ok
'

test_done
