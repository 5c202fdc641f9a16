#!/bin/sh
# bench/fetch-feed.sh [MB] - fetch-feed against its peers, in one run:
#  1. parsing: a generated RSS 2.0 and an Atom 1.0 file of MB megabytes
#     (default 40) by fetch-feed and by sfeed (best of 3 runs each), and a
#     4 MB slice by Python feedparser; MB/s, ratios, peak RSS.
#  2. fetching: 500 feeds of 100 KB (60 items) from a local HTTP server
#     (tests/httpd.py, with ETag and Last-Modified) by
#     fetch-feed and by sfeed_update, both 8 at a time; then fetch-feed
#     again, when every feed answers 304 Not Modified.
# Input is generated under bench/out/fetch-feed/.  Needs sfeed,
# python3-feedparser (run by /usr/bin/python3, the Debian one) and GNU
# time (./deps --bench).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/fetch-feed
mb=${1:-40}
ff=$top/bin/fetch-feed
mkdir -p "$out"
export LC_ALL=C.UTF-8

for k in rss atom; do
	[ -s "$out/big-$mb.$k" ] ||
		python3 "$top/bench/fetch-feed-gen.py" $k "$mb" "$out/big-$mb.$k"
done
[ -s "$out/small.rss" ] || python3 "$top/bench/fetch-feed-gen.py" rss 4 "$out/small.rss"

# best STDIN CMD...: the best of 3 wall times of CMD and the peak RSS of
# that run into $secs and $rss; the least CPU time (user + system) of the
# three into $cpu (the machine is shared: CPU time is the steadier figure)
best() {
	secs=999999
	rss=0
	cpu=999999
	stdin=$1
	shift
	for _ in 1 2 3; do
		/usr/bin/time -f "%e %M %U %S" -o "$out/time" "$@" <"$stdin" >/dev/null
		read -r s m u y <"$out/time"
		if awk "BEGIN { exit !($s < $secs) }"; then
			secs=$s
			rss=$m
		fi
		c=$(awk "BEGIN { print $u + $y }")
		if awk "BEGIN { exit !($c < $cpu) }"; then
			cpu=$c
		fi
	done
}

mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1048576 / (s > 0 ? s : 0.001) }'; }

echo "== parsing (best of 3; MB/s; peak RSS)"
for k in rss atom; do
	in=$out/big-$mb.$k
	bytes=$(wc -c <"$in")
	best /dev/null "$ff" "$in"
	fs=$secs fr=$rss fc=$cpu
	best "$in" sfeed
	ss=$secs sr=$rss sc=$cpu
	fn=$("$ff" "$in" | wc -l)
	sn=$(sfeed <"$in" | wc -l)
	printf "%-5s %5.1f MB  fetch-feed %6s MB/s %6s KB (%s items)   sfeed %6s MB/s %6s KB (%s items)   ratio %.2f\n" \
	    $k "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')" \
	    "$(mbps "$bytes" "$fs")" "$fr" "$fn" "$(mbps "$bytes" "$ss")" "$sr" "$sn" \
	    "$(awk -v a="$fs" -v b="$ss" 'BEGIN { print b / a }')"
	printf "      CPU: fetch-feed %.2f s (%s MB/s), sfeed %.2f s (%s MB/s), ratio %.2f\n" \
	    "$fc" "$(mbps "$bytes" "$fc")" "$sc" "$(mbps "$bytes" "$sc")" \
	    "$(awk -v a="$fc" -v b="$sc" 'BEGIN { print b / (a > 0 ? a : 0.001) }')"
done
in=$out/small.rss
bytes=$(wc -c <"$in")
/usr/bin/time -f "%e %M" -o "$out/time" /usr/bin/python3 -c '
import sys, feedparser
d = feedparser.parse(sys.argv[1])
print(len(d.entries))' "$in" >"$out/fp.n"
read -r ps pr <"$out/time"
best /dev/null "$ff" "$in"
printf "rss    %.1f MB  fetch-feed %6s MB/s %6s KB   feedparser %6s MB/s %6s KB (%s items)   ratio %.1f\n" \
    "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')" "$(mbps "$bytes" "$secs")" "$rss" \
    "$(mbps "$bytes" "$ps")" "$pr" "$(cat "$out/fp.n")" \
    "$(awk -v a="$secs" -v b="$ps" 'BEGIN { print b / a }')"

echo "== fetching 500 feeds from 127.0.0.1, 8 at a time"
site=$out/site
if [ ! -d "$site/f" ]; then
	mkdir -p "$site/f"
	python3 "$top/bench/fetch-feed-gen.py" rss 0.1 "$site/one.xml"
	i=1
	while [ $i -le 500 ]; do
		cp "$site/one.xml" "$site/f/$i.xml"
		i=$((i + 1))
	done
fi
rm -f "$out/port"
python3 "$top/tests/httpd.py" --root "$site" --port-file "$out/port" 2>/dev/null &
hp=$!
trap 'kill $hp 2>/dev/null' EXIT INT TERM
i=0
while [ ! -s "$out/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
base="http://127.0.0.1:$(cat "$out/port")"
: >"$out/urls"
{
	echo "sfeedpath=\"$out/sfeed\""
	echo "maxjobs=8"
	echo "feeds() {"
	i=1
	while [ $i -le 500 ]; do
		echo "$base/_/cond?f=f/$i.xml" >>"$out/urls"
		echo "	feed \"f$i\" \"$base/_/cond?f=f/$i.xml\""
		i=$((i + 1))
	done
	echo "}"
} >"$out/sfeedrc"
rm -rf "$out/sfeed" "$out/bench.db"*
now() { date +%s.%N; }
# wall time from the clock; fetch-feed's own CPU time from GNU time
"/usr/bin/time" -f "%U %S" -o "$out/cpu1" \
    "$ff" -j 8 --per-host 8 --db "$out/bench.db" -f "$out/urls" >"$out/items1"
t0=$(now)
rm -f "$out/bench.db"*
"/usr/bin/time" -f "%U %S" -o "$out/cpu1" \
    "$ff" -j 8 --per-host 8 --db "$out/bench.db" --pending "$out/pending" \
    -f "$out/urls" >"$out/items1"
t1=$(now)
# the validators go into the store once the items are (here: at once)
"$ff" --db "$out/bench.db" --commit "$out/pending"
t1c=$(now)
"/usr/bin/time" -f "%U %S" -o "$out/cpu2" \
    "$ff" -j 8 --per-host 8 --db "$out/bench.db" -f "$out/urls" >"$out/items2"
t2=$(now)
sfeed_update "$out/sfeedrc" >/dev/null 2>&1 || true
t3=$(now)
sn=$(cat "$out"/sfeed/* 2>/dev/null | wc -l)
read -r u1 s1 <"$out/cpu1"
read -r u2 s2 <"$out/cpu2"
awk -v a="$t0" -v b="$t1" -v bc="$t1c" -v c="$t2" -v d="$t3" -v n1="$(wc -l <"$out/items1")" \
    -v n2="$(wc -l <"$out/items2")" -v sn="$sn" -v c1="$(awk "BEGIN { print $u1 + $s1 }")" \
    -v c2="$(awk "BEGIN { print $u2 + $s2 }")" 'BEGIN {
	printf "fetch-feed, first run  %6.2f s wall, %5.2f s CPU  (%d items)\n", b - a, c1, n1
	printf "fetch-feed --commit    %6.2f s wall\n", bc - b
	printf "fetch-feed, all 304    %6.2f s wall, %5.2f s CPU  (%d items)   %.1fx faster than the first (%.1fx in CPU)\n", c - bc, c2, n2, (b - a) / (c - bc), c1 / (c2 > 0 ? c2 : 0.01)
	printf "sfeed_update           %6.2f s wall               (%d items)   fetch-feed %.1fx faster\n", d - c, sn, (d - c) / (b - a)
}'
echo "feeds table: $(sqlite3 "$out/bench.db" "SELECT count(*), sum(http_status = 304), sum(failures > 0) FROM feeds") (rows, 304s, failing)"
