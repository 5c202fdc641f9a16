#!/bin/sh
# bench/ingest-news.sh [FEEDS] [MB]: the whole pipeline, local feed files
# to stored vectors: FEEDS generated feeds (default 10, RSS and Atom, from
# bench/fetch-feed-gen.py) of MB megabytes each (default 2), into a new
# store; articles per second for the first run, then the time of a second
# run that finds nothing new.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/ingest-news
nf=${1:-10}
mb=${2:-2}
mkdir -p "$out"
cd "$out"
: >feeds.txt
i=0
while [ $i -lt "$nf" ]; do
	i=$((i + 1))
	k=rss
	[ $((i % 2)) -eq 0 ] && k=atom
	[ -s "f$i-$mb.$k" ] || python3 "$top/bench/fetch-feed-gen.py" $k "$mb" "f$i-$mb.$k"
	# each feed's items under a URL of their own
	sed -i "s#/n/\\([0-9]\\)#/f$i-\\1#g; s#urn:bench:#urn:bench:f$i-#g" "f$i-$mb.$k"
	echo "f$i-$mb.$k" >>feeds.txt
done
rm -f p.db*
/usr/bin/time -f '%e' -o .t "$top/bin/ingest-news" -f feeds.txt --db p.db --report
t=$(cat .t)
n=$(sqlite3 p.db "SELECT count(*) FROM articles WHERE complete = 1")
c=$(sqlite3 p.db "SELECT count(*) FROM chunks WHERE vector IS NOT NULL")
echo "ingest-news, $nf feeds of $mb MB: $n articles, $c chunks in $t s: $(awk -v n="$n" -v t="$t" 'BEGIN { printf "%.0f", n / t }') articles/s"
/usr/bin/time -f '%e' -o .t "$top/bin/ingest-news" -f feeds.txt --db p.db
echo "second run, nothing new: $(cat .t) s"
