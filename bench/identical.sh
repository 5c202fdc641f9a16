#!/bin/sh
# bench/identical.sh - the refactoring check: every program's output, and
# the store each leaves, on a fixed corpus, compared between two builds.
#
#   bench/identical.sh REV        build REV in a temporary worktree, run the
#                                 corpus with it and with this tree's bin/,
#                                 and compare (exit 1 and a diff on change)
#   bench/identical.sh run DIR    run the corpus with this tree's bin/ into
#                                 DIR (one file per output)
#
# The corpus: the sample feeds (fetch-feed, classify, store articles,
# summarize, chunk, embed, store chunks), the SENTiVENT events set
# (classify --eval, --train, --explain), generated articles (search in
# each mode), run-job and jobs-status on recorded runs, enqueue and
# dequeue, predictions and votes with verify-predictions, fetch-prices
# from a local server.  Everything runs at a fixed $JOBLINE_NOW; what is
# of the moment (pids, hosts, durations, run-job's own clock) is masked
# in the store dumps.  A refactor keeps this byte-identical; a change of
# behaviour shows here first, on purpose.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
shared=$top/../shared

if [ "${1:-}" != run ]; then
	rev=${1:?usage: bench/identical.sh REV | run DIR}
	work=$(mktemp -d "${TMPDIR:-/tmp}/identical.XXXXXX")
	trap 'git -C "$top" worktree remove --force "$work/tree" >/dev/null 2>&1; rm -rf "$work"' EXIT
	git -C "$top" worktree add -q --detach "$work/tree" "$rev" || exit 3
	make -s -C "$work/tree" -j2 all >/dev/null || exit 3
	make -s -C "$top" -j2 all >/dev/null || exit 3
	# the corpus script of this tree, run with the old programs
	BINDIR=$work/tree/bin "$0" run "$work/old" >/dev/null 2>&1
	BINDIR=$top/bin "$0" run "$work/new" >/dev/null 2>&1
	if diff -r "$work/old" "$work/new" >"$work/diff"; then
		echo "identical: $(ls "$work/new" | wc -l) outputs, $rev and this tree"
		exit 0
	fi
	head -n 200 "$work/diff"
	echo "identical: outputs differ between $rev and this tree" >&2
	exit 1
fi

out=${2:?usage: bench/identical.sh run DIR}
bin=${BINDIR:-$top/bin}
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/identical-run.XXXXXX")
trap 'kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
srv=
cd "$tmp" || exit 3
PATH=$bin:$PATH
export PATH LC_ALL=C.UTF-8 JOBLINE_NOW=2026-11-22T09:00:00Z
export JOBLINE_DB=$tmp/jobline.db HOME=$tmp XDG_STATE_HOME=$tmp/state
unset JOBLINE_STATS OPENAI_API_KEY JOBLINE_API_KEY

# o NAME CMD...: CMD's stdout, stderr and status into NAME.{out,err,rc}
o() {
	name=$1
	shift
	"$@" >"$out/$name.out" 2>"$out/$name.err"
	echo $? >"$out/$name.rc"
}

# dump NAME SQL: the store's answer to SQL into NAME.db
dump() {
	sqlite3 "$JOBLINE_DB" "$2" >"$out/$1.db" 2>&1
}

# -- the news pipeline over the sample feeds --
o feed fetch-feed -f "$top/share/samples/feeds.txt"
o classify classify <"$out/feed.out"
o classify-explain classify --explain <"$out/feed.out"
o articles store articles --emit new <"$out/classify.out"
o articles-again store articles --emit new <"$out/classify.out"
o summarize summarize <"$out/articles.out"
o chunk chunk --keep url,title,published,synopsis <"$out/summarize.out"
o embed embed <"$out/chunk.out"
o embed-b64 embed --base64 <"$out/chunk.out"
o chunks store chunks <"$out/embed.out"
o chunks-emit store chunks --emit all <"$out/embed.out"
o generic store things --key id <"$out/feed.out"
dump articles "SELECT url_key, id, url, feed, title, published, record,
    chunks, complete FROM articles ORDER BY url_key"
dump chunks "SELECT id, item_id, n, count, text, start, \"end\", words,
    model, dim, hex(vector), record FROM chunks ORDER BY id"
dump feeds "SELECT url, title, etag, last_modified, http_status, error,
    items, failures FROM feeds ORDER BY url"
dump things "SELECT * FROM things ORDER BY 1"

# -- store's own cases: no id, one guid in two feeds, a changed record,
# escapes, --key, chunk groups with and without vectors, bad lines --
cases=$tmp/cases.db
cat >"$tmp/cases-articles.jsonl" <<-\EOF
{"url":"https://a.example/1?utm_source=x","title":"No id"}
{"id":"g","url":"https://a.example/2","feed":"https://a.example/feed","title":"First"}
{"id":"g","url":"https://b.example/2","title":"Same guid, other story"}
{"id":"g2","url":"https://a.example/2","title":"First, corrected","published":"2026-11-22T08:00:00Z"}
{"id":"e","url":"https://a.example/\u00e9","title":"Caf\u00e9 \"q\"","feed":"f\u00fc"}
{"id":"k","title":"no url"}
{"title":"neither"}
not json
{"id":7,"url":"https://a.example/7"}
EOF
o cases-articles store articles --db "$cases" --emit all <"$tmp/cases-articles.jsonl"
o cases-articles-again store articles --db "$cases" --emit new <"$tmp/cases-articles.jsonl"
cat >"$tmp/cases-chunks.jsonl" <<-\EOF
{"item_id":"g","n":0,"count":2,"text":"a","start":0,"end":1,"words":1,"embedding":[1,0.5],"embedding_model":"m"}
{"item_id":"g","n":1,"count":2,"text":"b","embedding":"AACAPwAAAD8=","embedding_model":"m"}
{"item_id":"k","n":0,"count":0}
{"item_id":"e","n":0,"count":2,"text":"only one"}
{"item_id":"x","n":3,"count":2,"text":"out of range"}
{"item_id":"x","n":0,"count":1}
{"item_id":"x","n":0,"count":1,"text":"t","embedding":["no"]}
{"id":"own","item_id":7,"n":0,"count":1,"text":"numeric item id"}
EOF
o cases-chunks store chunks --db "$cases" --emit new <"$tmp/cases-chunks.jsonl"
o cases-chunks-again store chunks --db "$cases" --emit all <"$tmp/cases-chunks.jsonl"
o cases-unfinished store articles --db "$cases" --emit new </dev/null
o cases-key store people --db "$cases" --key name --emit new <<-\EOF
{"name":"Ada","n":1}
{"name":"Ada","n":2}
{"name":5}
{"nom":"x"}
EOF
o cases-bad-table store articles_todo --db "$cases" </dev/null
sqlite3 "$cases" "SELECT url_key, id, url, feed, title, published, record,
    chunks, complete, first_seen, updated_at FROM articles ORDER BY 1;
    SELECT * FROM articles_todo ORDER BY 1" >"$out/cases-articles.db" 2>&1
sqlite3 "$cases" "SELECT id, item_id, n, count, text, start, \"end\", words,
    model, dim, hex(vector), record, stored_at FROM chunks ORDER BY id;
    SELECT * FROM people ORDER BY 1" >"$out/cases-chunks.db" 2>&1

# -- search over generated articles --
python3 "$top/tests/gen-articles.py" 300 7 >"$tmp/gen.jsonl"
chunk <"$tmp/gen.jsonl" | embed | store chunks
for mode in vector keyword hybrid; do
	o "search-$mode" search --mode "$mode" -k 5 'bank rates rose'
	o "search-$mode-jsonl" search --mode "$mode" -k 3 <<-\EOF
	{"query": "startup raised fund", "tag": 1}
	{"query": "café Zürich"}
	EOF
done

# -- classify on the events set --
events=$shared/data/events/sentivent-dev.jsonl
if [ -r "$events" ]; then
	head -n 1500 "$events" >"$tmp/train.jsonl"
	o eval classify --eval <"$events"
	o train classify --train --model "$tmp/model" <"$tmp/train.jsonl"
	cp "$tmp/model" "$out/model.txt"
	o eval-model classify --eval --model "$tmp/model" <"$events"
	o explain-model classify --explain --model "$tmp/model" <"$out/feed.out"
fi
headlines=$shared/data/bbc/headlines-dev.jsonl
[ -r "$headlines" ] && o headlines classify <"$headlines"

# -- run-job and jobs-status --
o rj-ok run-job ok -- sh -c 'echo "items 3" >>"$JOBLINE_STATS"'
o rj-fail run-job broken -- sh -c 'echo oops >&2; exit 1'
o rj-fail2 run-job broken -- sh -c 'echo oops again >&2; exit 3'
o rj-fail3 run-job --alert-after 3 broken -- sh -c 'exit 1'
o rj-partial run-job feeds -- sh -c 'echo "one feed dead" >&2; exit 1'
o rj-strict run-job --strict strict -- sh -c 'echo "any input" >&2; exit 1'
o rj-timeout run-job --timeout 1s slow -- sleep 5
o rj-expect run-job --expect 1h hourly -- true
o rj-pause run-job --pause hourly --reason 'maintenance'
o rj-paused run-job hourly -- true
o rj-resume run-job --resume hourly
# what run-job measured of the moment, fixed, for jobs-status to judge
sqlite3 "$JOBLINE_DB" "UPDATE runs SET duration_ms = 100 * id, host = 'host',
    pid = id WHERE duration_ms IS NOT NULL;
    UPDATE job_state SET total_ms = (SELECT sum(duration_ms) FROM runs
    WHERE runs.job = job_state.job AND status <> 'running')"
o js jobs-status
o js-json jobs-status --json
o js-prom jobs-status --prometheus
o js-job jobs-status broken
o js-html jobs-status --html "$tmp/status.html"
sed -e 's/[0-9]\{1,\} ms/N ms/g' "$tmp/status.html" >"$out/status.html" 2>/dev/null
dump runs "SELECT id, job, started_at, completed_at, status, exit_code,
    attempts, counters, substr(error, 1, 200) FROM runs ORDER BY id"
dump job_state "SELECT job, paused, reason, expect_ms, n_success, n_failed,
    n_timeout, consecutive_failures, last_run_id, last_success_at,
    alert_since FROM job_state ORDER BY job"

# -- the queue --
python3 -c '
import json
for i in range(40):
    print(json.dumps({"name": "c%02d" % i, "rank": (i * 37) % 100 + 1}))
' >"$tmp/companies.jsonl"
o enq enqueue work --key name <"$tmp/companies.jsonl"
o enq-again enqueue work --key name <"$tmp/companies.jsonl"
o enq-rec-dry enqueue recur --recurring --key name --rank-field rank --dry-run <"$tmp/companies.jsonl"
o enq-rec enqueue recur --recurring --key name --rank-field rank <"$tmp/companies.jsonl"
o deq dequeue work --drain -j 2 -- sh -c 'cat >/dev/null; case $JOBLINE_JOB_ID in *3) exit 1;; esac'
o deq-list-done dequeue work --list done
o deq-list-failed dequeue work --list failed
o deq-requeue dequeue work --requeue-dead
o deq-prune dequeue work --prune 1d
dump queue "SELECT id, queue, key, payload, priority, state, attempts,
    max_attempts, run_after, substr(last_error, 1, 100) FROM queue ORDER BY id"
dump queue_keys "SELECT queue, key, last_success, dead_count, last_error
    FROM queue_keys ORDER BY queue, key"

# -- predictions --
export JOBLINE_DB=$tmp/predictions.db
cat >"$tmp/pred.jsonl" <<-\EOF
{"id":"p1","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T08:30:00Z","start_price":2000,"options":{"up":"price_change_percent >= 1.0","flat":"price_change_percent > -1.0 AND price_change_percent < 1.0","down":"price_change_percent <= -1.0"}}
{"id":"p2","symbol":"BTCUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T08:40:00Z","options":{"up":"price_change_percent > 0","down":"price_change_percent <= 0"}}
{"id":"p3","symbol":"XAUUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T12:00:00Z","start_price":2000,"options":{"up":"price_change_percent > 0","down":"price_change_percent <= 0"}}
{"id":"bad","symbol":"X","options":{}}
EOF
cat >"$tmp/votes.jsonl" <<-\EOF
{"prediction_id":"p1","user_id":"u1","option":"up"}
{"prediction_id":"p1","user_id":"u2","option":"flat"}
{"prediction_id":"p2","user_id":"u1","option":"up"}
{"prediction_id":"p2","user_id":"u3","option":"down"}
{"prediction_id":"p9","user_id":"u3","option":"down"}
EOF
cat >"$tmp/prices.jsonl" <<-\EOF
{"symbol":"XAUUSD","time":"2026-11-22T08:00:00Z","price":2000}
{"symbol":"XAUUSD","time":"2026-11-22T08:29:00Z","price":2030}
{"symbol":"BTCUSD","time":"2026-11-22T08:00:00Z","price":90000}
{"symbol":"BTCUSD","time":"2026-11-22T08:39:30Z","price":89000}
EOF
o st-pred store predictions <"$tmp/pred.jsonl"
o st-votes store votes <"$tmp/votes.jsonl"
o st-prices store prices <"$tmp/prices.jsonl"
o verify verify-predictions
o verify-again verify-predictions
o verify-show verify-predictions --show p1
o verify-eval verify-predictions --eval 'price_change_percent >= 1.0' --start-price 2000 --end-price 2020
cat >"$tmp/pred2.jsonl" <<-\EOF
{"id":"p4","symbol":"XAGUSD","question":"silver \"up\"?","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T08:50:00Z","options":{"up":"price > start_price","down":"price <= start_price"}}
{"id":"p5","symbol":"XAGUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T08:55:00Z","options":{"up":"price > 1","also":"price > 2"}}
{"id":"p6","symbol":"XAGUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T20:00:00Z","options":{"a":"price > 1","b":"price <= 1"}}
{"id":"p7","symbol":"XAGUSD","opens_at":"2026-11-22T08:00:00Z","verify_at":"2026-11-22T20:00:00Z","mode":"manual","options":{"a":"","b":null}}
EOF
cat >"$tmp/votes2.jsonl" <<-\EOF
{"prediction_id":"p4","user_id":"u1","option":"up","voted_at":"2026-11-22T08:01:00Z"}
{"prediction_id":"p4","user_id":"u2","option":"down"}
{"prediction_id":"p5","user_id":"u2","option":"up"}
{"prediction_id":"p3","user_id":"u2","option":"up"}
{"prediction_id":"p7","user_id":"u1","option":"b"}
EOF
cat >"$tmp/quotes2.jsonl" <<-\EOF
{"symbol":"XAGUSD","time":"2026-11-22T08:00:00Z","price":30}
{"symbol":"XAGUSD","time":1795424700,"price":31}
{"symbol":"XAGUSD","time":"2026-11-22T08:54:00Z","price":32}
{"symbol":"XAGUSD","price":32}
EOF
o st-pred2 store predictions <"$tmp/pred2.jsonl"
o st-votes2 store votes <"$tmp/votes2.jsonl"
o verify-check verify-predictions --check -v
o verify-quotes verify-predictions --prices "$tmp/quotes2.jsonl" -v
o verify-manual verify-predictions --resolve p3=up --resolve p7=b --cancel p6 --cancel p9
o verify-show3 verify-predictions --show p3
dump predictions "SELECT * FROM predictions ORDER BY id"
dump votes "SELECT * FROM votes ORDER BY 1, 2"
dump user_stats "SELECT * FROM user_stats ORDER BY 1"

# -- fetch-prices from a local server --
mkdir -p "$tmp/www"
cat >"$tmp/www/quotes.json" <<-\EOF
[{"symbol":"XAUUSD","price":2650.1,"time":"2026-11-22T09:00:00Z"},
 {"symbol":"XAGUSD","price":"31.25"},{"symbol":"BTCUSD","price":-1}]
EOF
python3 "$top/tests/httpd.py" --port-file "$tmp/port" --root "$tmp/www" 2>/dev/null &
srv=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
url=http://127.0.0.1:$(cat "$tmp/port")
o fp fetch-prices --url "$url/quotes.json"
o fp-emit fetch-prices --url "$url/quotes.json" --emit --no-store
o fp-404 fetch-prices --url "$url/none.json"
dump prices "SELECT * FROM prices ORDER BY 1, 2"

# what is of the moment: paths, ports, durations, workers, jittered retries
for f in "$out"/*.err "$out"/*.out "$out"/*.db; do
	sed -i -e "s#$tmp#TMP#g" -e "s#$bin#BIN#g" -e "s#$top#TOP#g" \
	    -e "s#127.0.0.1:[0-9]*#127.0.0.1:PORT#g" \
	    -e 's/after [0-9.]*m\{0,1\}s (run/after T (run/' \
	    -e 's/"worker":"[^"]*"/"worker":"W"/g' \
	    -e 's/retry at [0-9TZ:.-]*/retry at T/' \
	    -e 's/|failed|\([0-9]*\)|\([0-9]*\)|[0-9TZ:.-]*|/|failed|\1|\2|T|/' \
	    -e 's/"run_after":"[^"]*","created_at":"[^"]*","started_at":"[^"]*","completed_at":null/"run_after":"T","created_at":"T","started_at":"T","completed_at":null/' \
	    -e 's/"duration_ms":[0-9]*/"duration_ms":D/g' \
	    -e 's/"run_after":"[^"]*"}$/"run_after":"T"}/' \
	    "$f"
done
# dequeue -j 2 finishes jobs in either order
for f in "$out"/deq.out "$out"/deq.err; do
	sort "$f" >"$f.sorted" && mv "$f.sorted" "$f"
done
exit 0
