#!/bin/bash
# ingest-news: the pipeline script, its options, report and exit statuses
# (fetch-feed replaced by tests/data/retrieval/fetch-feed-stub)
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/stub"
cp "$DATA/retrieval/fetch-feed-stub" "$TMP/stub/fetch-feed"
PATH=$TMP/stub:$PATH
python3 "$TOP/tests/gen-articles.py" 80 21 >"$TMP/items"
echo "http://feeds.example.com/news.xml" >"$TMP/feeds"
STUB_ITEMS=$TMP/items
export PATH STUB_ITEMS

test_expect 'usage: --help to stdout, bad options exit 2, unreadable files 3' '
	ingest-news --help | grep -q "^usage: ingest-news" &&
	exits 2 ingest-news --bogus 2>err && grep -q usage err &&
	exits 2 ingest-news --model 2>err && grep -q usage err &&
	exits 3 ingest-news -f "$TMP/nonexistent" 2>err &&
	grep -qx "ingest-news: $TMP/nonexistent: cannot read the feed list" err &&
	exits 3 ingest-news -f "$TMP/feeds" --tracked nonexistent 2>err &&
	grep -qx "ingest-news: nonexistent: cannot read it" err &&
	ingest-news --version | grep -qx "ingest-news (jobline) [0-9.]*"
'

test_expect '--rules (repeated), --model and --tracked reach classify, names with blanks and quotes whole' '
	mkdir -p cstub &&
	printf "%s\n" "#!/bin/sh" "printf \"%s\\\\n\" \"\$@\" >\"$PWD/cargs\"" \
	    "exec \"$TOP/bin/classify\"" >cstub/classify &&
	chmod +x cstub/classify &&
	: >"r 1" && : >"it'"'"'s rules" && : >model && : >tracked &&
	PATH=$PWD/cstub:$PATH ingest-news -f "$TMP/feeds" --rules "r 1" \
	    --rules="it'"'"'s rules" --model model --tracked=tracked &&
	printf "%s\n" --rules "r 1" --rules "it'"'"'s rules" --model model --tracked tracked >want &&
	test_cmp want cargs
'

test_expect 'SIGTERM and SIGHUP: the stages are stopped and waited for, exit 128+N, nothing left behind' '
	mkdir tmpd &&
	for sig in TERM:143 HUP:129; do
		STUB_PAUSE=$(slow 0.3) TMPDIR=$PWD/tmpd ingest-news -f "$TMP/feeds" 2>err &
		pid=$! &&
		sleep $(slow 1) && kill -${sig%:*} $pid; wait $pid; rc=$?
		# no stage runs on after it: the store stays as it left it
		n=$(rows "SELECT count(*) FROM articles") &&
		sleep $(slow 3) &&
		test "$(rows "SELECT count(*) FROM articles")" = "$n" &&
		test "$rc" = "${sig#*:}" && test ! -s err &&
		test -z "$(ls -A tmpd)" || { echo "$sig: exit $rc"; cat err; exit 1; }
	done
	ingest-news -f "$TMP/feeds" &&
	test "$(rows "SELECT count(*), sum(complete) FROM articles")" = "80|80"
'

test_expect 'under run-job, SIGTERM records a clean interrupted run' '
	STUB_PAUSE=$(slow 0.3) TMPDIR=$PWD run-job news -- ingest-news -f "$TMP/feeds" 2>err &
	pid=$! &&
	# killed once the run is under way (it lasts 3 s: the feed in ten
	# parts)
	i=0 && until [ "$(rows "SELECT count(*) FROM runs WHERE status = '"'"'running'"'"'" 2>/dev/null)" = 1 ] ||
	    [ $i -ge 200 ]; do
		sleep 0.05; i=$((i + 1))
	done
	sleep $(slow 0.5) && kill -TERM $pid; wait $pid; rc=$?
	sleep $(slow 3) &&
	{ test "$rc" = 143 || { echo "run-job exited $rc"; cat err; rows "SELECT * FROM runs"; false; }; } &&
	{ test "$(rows "SELECT status FROM runs")" = interrupted &&
	test "$(rows "SELECT count(*) FROM runs WHERE error LIKE '"'"'%No such file%'"'"' OR error LIKE '"'"'%nonexistent%'"'"'")" = 0 &&
	! grep -q "No such file\|nonexistent" err &&
	test -z "$(ls -d ingest-news.* 2>/dev/null)" ||
	{ cat err; rows "SELECT status, error FROM runs"; ls; false; }; }
'

test_expect 'stores every article complete, its chunks with vectors; silent' '
	ingest-news -f "$TMP/feeds" >out 2>err &&
	test ! -s out && test ! -s err &&
	test "$(rows "SELECT count(*), sum(complete) FROM articles")" = "80|80" &&
	test "$(rows "SELECT count(*) FROM chunks WHERE model = '"'"'hash-v3-384'"'"' AND length(vector) = 1536")" = "$(rows "SELECT sum(chunks) FROM articles")" &&
	test "$(rows "SELECT count(*) FROM articles WHERE chunks = 0")" -gt 0
'

test_expect '--report says what was fetched and stored; a second run adds nothing' '
	db=$JOBLINE_DB && unset JOBLINE_DB &&
	ingest-news -f "$TMP/feeds" --db "$db" --report >out &&
	grep -q "^ingest-news: 80 new articles; 80 articles cut into [0-9]* chunks" out &&
	grep -qF "ingest-news: $db: 80 articles (80 complete)" out &&
	JOBLINE_DB=$db rows "SELECT id, hex(vector) FROM chunks ORDER BY id" >before &&
	ingest-news -f "$TMP/feeds" --db "$db" --report >out2 &&
	grep -q "^ingest-news: 0 new articles; 0 articles" out2 &&
	JOBLINE_DB=$db rows "SELECT id, hex(vector) FROM chunks ORDER BY id" >after &&
	test_cmp before after
'

test_expect 'the feed list and options reach the stages; -- passes options to embed' '
	STUB_ARGS=$PWD/args ingest-news -f "$TMP/feeds" -- --dim 32 &&
	test "$(grep -A1 "^-f$" args)" = "$(printf -- "-f\n%s" "$TMP/feeds")" &&
	test "$(rows "SELECT DISTINCT model FROM chunks")" = hash-v3-32
'

test_expect 'a stage that fails sets the exit status; the next run finishes the work' '
	STUB_EXIT=1 exits 1 ingest-news -f "$TMP/feeds" &&
	test "$(rows "SELECT count(*), sum(complete) FROM articles")" = "80|80" &&
	JOBLINE_DB=$(named_store fresh8) &&
	exits 1 ingest-news -f "$TMP/feeds" -- --backend openai \
	    --url http://127.0.0.1:9/v1 --retries 0 2>err &&
	grep -q "embed: batch of" err &&
	test "$(rows "SELECT count(*) FROM articles WHERE complete = 1 AND chunks > 0")" = 0 &&
	ingest-news -f "$TMP/feeds" &&
	test "$(rows "SELECT count(*), sum(complete) FROM articles")" = "80|80"
'

test_expect 'two pipelines over the same feeds at once: each article stored and chunked once' '
	python3 "$TOP/tests/gen-articles.py" 400 7 >many &&
	tac many >rev || exit 1
	STUB_ITEMS=$PWD/many ingest-news -f "$TMP/feeds" 2>err1 &
	pid=$!
	STUB_ITEMS=$PWD/rev ingest-news -f "$TMP/feeds" 2>err2 &&
	wait $pid && test ! -s err1 && test ! -s err2 &&
	test "$(rows "SELECT count(*), sum(complete) FROM articles")" = "400|400" &&
	test "$(rows "SELECT count(*) FROM chunks")" = "$(rows "SELECT sum(chunks) FROM articles")"
'

test_expect 'counters reach $JOBLINE_STATS' '
	JOBLINE_STATS=$PWD/st ingest-news -f "$TMP/feeds" &&
	grep -q "^articles_new 80$" st && grep -q "^chunk_items 80$" st &&
	grep -q "^embedded [1-9]" st
'

test_expect 'without -f: the sample feeds beside the script, in the tree or installed' '
	mkdir -p p/bin p/share/jobline/samples &&
	cp "$TOP/bin/ingest-news" p/bin/ &&
	echo "http://feeds.example.com/x" >p/share/jobline/samples/feeds.txt &&
	STUB_ARGS=$PWD/args p/bin/ingest-news &&
	test "$(grep -A1 "^-f$" args | sed -n 2p)" = "$PWD/p/bin/../share/jobline/samples/feeds.txt" &&
	mkdir -p t/bin t/share/samples && cp "$TOP/bin/ingest-news" t/bin/ &&
	echo "http://feeds.example.com/y" >t/share/samples/feeds.txt &&
	STUB_ARGS=$PWD/args t/bin/ingest-news &&
	test "$(grep -A1 "^-f$" args | sed -n 2p)" = "$PWD/t/bin/../share/samples/feeds.txt" &&
	mkdir -p n/bin && cp "$TOP/bin/ingest-news" n/bin/ &&
	exits 2 n/bin/ingest-news 2>err && grep -q "no feed list" err
'

test_done
