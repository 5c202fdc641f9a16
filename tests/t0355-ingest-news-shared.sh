#!/bin/sh
# ingest-news jobs sharing one store, with overlapping feed lists: any
# stage of any job fails or is killed, in any order; afterwards every item
# a feed served is stored (validators advance only once items are stored)
. "$(dirname "$0")/lib.sh"

# mkfeed I N: feed I with items 1..N, each of its own URL
mkfeed() {
	{
		echo '<?xml version="1.0"?><rss version="2.0"><channel>'
		echo "<title>Feed $1</title>"
		n=1
		while [ "$n" -le "$2" ]; do
			echo "<item><title>Feed $1 item $n</title>"
			echo "<link>https://news.example/f$1/$n</link>"
			echo "<description>Item $n of feed $1: revenue up.</description></item>"
			n=$((n + 1))
		done
		echo '</channel></rss>'
	} >"$TMP/www/f$1.xml"
}
mkdir -p "$TMP/www" "$TMP/stub"
for i in 1 2 3 4; do mkfeed "$i" 3; done
start_httpd "$TMP/www" || exit 1
u() { for i in "$@"; do echo "$HTTPD/_/cond?f=f$i.xml&vary=1"; done; }
u 1 2 >"$TMP/a"
u 2 3 >"$TMP/b"
u 3 1 4 >"$TMP/c"

# Each program of the pipeline through a wrapper: $FAIL=STAGE:HOW makes
# that stage (fetch-feed, commit (fetch-feed --commit), classify,
# store-articles, summarize, chunk, embed, store-chunks) read its input
# and die by SIGKILL (before), do its work then die by SIGKILL (after), or
# read its input and exit 3 (fail).
cat >"$TMP/stub/wrap" <<\EOF
#!/bin/sh
prog=$(basename "$0")
stage=$prog
[ "$prog" = store ] && stage=store-$1
[ "$prog" = fetch-feed ] && [ "$1" = --commit ] && stage=commit
case ${FAIL:-} in
"$stage:before") cat >/dev/null; kill -KILL $$ ;;
"$stage:after") "$TOP/bin/$prog" "$@"; kill -KILL $$ ;;
"$stage:fail") cat >/dev/null; exit 3 ;;
esac
exec "$TOP/bin/$prog" "$@"
EOF
chmod +x "$TMP/stub/wrap"
for p in fetch-feed classify store summarize chunk embed; do
	ln -s wrap "$TMP/stub/$p"
done

# job J [STAGE:HOW]: run job J (a, b or c) once, that stage made to fail
job() {
	FAIL=${2:-} PATH=$TMP/stub:$PATH ingest-news -f "$TMP/$1" \
	    </dev/null >/dev/null 2>>"$TMP/err"
	return 0
}

# every item served now (by feeds N..., default all) is stored, complete
all_stored_of() {
	rm -f scratch.db* &&
	u "$@" | fetch-feed --no-cache --db scratch.db -f - >served &&
	jq -r .url served | sort >want &&
	rows "SELECT url FROM articles WHERE complete = 1 ORDER BY url" >got &&
	test_cmp want got
}
all_stored() { all_stored_of 1 2 3 4; }

test_expect 'a job that failed after fetching: another job on the store does not make it miss its items' '
	job a store-articles:before &&
	test "$(rows "SELECT count(*) FROM articles")" = 0 &&
	job b && job a && job c &&
	all_stored
'

test_expect 'new items while stages of three jobs fail and are killed, in a seeded order' '
	stages="fetch-feed commit classify store-articles summarize chunk embed store-chunks" &&
	hows="before after fail" &&
	r=0 &&
	while [ $r -lt 18 ]; do
		r=$((r + 1))
		set -- $(awk -v s=$r -v st="$stages" -v hw="$hows" "BEGIN { srand(s * 7919)
		    split(\"a b c\", j); n = split(st, S); split(hw, H)
		    print j[int(rand() * 3) + 1], S[int(rand() * n) + 1], H[int(rand() * 3) + 1] }") &&
		# every third round a feed grows: new items, a new ETag
		[ $((r % 3)) -eq 0 ] && mkfeed $((r % 4 + 1)) $((3 + r))
		if [ $((r % 4)) -eq 0 ]; then job "$1"; else job "$1" "$2:$3"; fi
	done
	job a && job b && job c &&
	all_stored &&
	test "$(rows "SELECT count(*) FROM feeds WHERE etag IS NOT NULL")" = 4
'

test_expect 'two jobs at once, one killed mid-run with its whole pipeline' '
	mkfeed 1 30 && mkfeed 3 30 &&
	setsid sh -c "FAIL= PATH=$TMP/stub:\$PATH ingest-news -f $TMP/a" </dev/null >/dev/null 2>&1 &
	pid=$! &&
	job c &&
	kill -KILL -$pid 2>/dev/null; wait $pid
	job b && job a && job c && all_stored
'

test_expect 'a preview (fetch-feed -f FEEDS | jq) makes no job miss an item' '
	mkfeed 2 5 &&
	fetch-feed -f "$TMP/a" | jq -r .title >titles &&
	grep -q "^Feed 2 item 5$" titles &&
	test "$(rows "SELECT count(*), count(etag) FROM feeds")" = "2|0" &&
	ingest-news -f "$TMP/a" && all_stored_of 1 2
'

test_expect 'ingest-news --no-cache fetches every feed in full again; articles stay once' '
	ingest-news -f "$TMP/b" --report >r1 &&
	grep -q "^ingest-news: 2 feeds (0 failed), [1-9][0-9]* items$" r1 &&
	ingest-news -f "$TMP/b" --report >r2 &&
	grep -q "^ingest-news: 2 feeds (0 failed), 0 items$" r2 &&
	n=$(rows "SELECT count(*) FROM articles") &&
	ingest-news -f "$TMP/b" --no-cache --report >r3 &&
	test "$(sed -n 1p r3)" = "$(sed -n 1p r1)" &&
	grep -q "^ingest-news: 0 new articles;" r3 &&
	test "$(rows "SELECT count(*) FROM articles")" = "$n"
'

test_done
