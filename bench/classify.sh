#!/bin/sh
# bench/classify.sh - classify's speed and memory against bogofilter's bulk
# modes on the same items.
#
# Generates $N synthetic feed items (default 200000; headline + summary,
# ~420 bytes of JSON each, from templates: every event type, companies with
# legal forms, amounts, plain noise) under bench/out/, then times:
#   classify < items > /dev/null            (default rules, one core)
#   bogofilter -b -T < file names           (streaming bulk mode, one file
#                                            per item)
#   bogofilter -M -T < items.mbox           (mailbox mode: all items in one
#                                            file; bogofilter's fastest)
# with one wordlist trained on 2000 of the items,
# on $NB items (default 20000) for bogofilter, and reports items/s, the
# ratio, and classify's peak RSS on N/4 and N items (flat memory).  Each
# command runs $REPS times (default 3); the run with the least CPU counts.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out
N=${N:-200000}
NB=${NB:-20000}
mkdir -p "$out"
export LC_ALL=C

gen() {
	awk -v n="$1" 'BEGIN {
	    split("Acme Labs|Zuri Pay|Kilimo Tech|Nova Health Inc|Savanna Logistics Ltd|Bluefin AI|Mawingu Energy|Tausi Media|Jambo Mobility|Duka Commerce", co, "|")
	    split("raises $NUM million Series A led by Sequoia Capital|acquires OTHER in a $NUM.5bn deal|partners with OTHER to expand payments|hires former Google executive as CTO|lays off NUM staff as growth slows|opens new office in Lagos and plans NUM hires|launches new app for small merchants|names new chief executive|is sued by regulator over data breach|reports record revenue of KES NUM m in third quarter|shares rise as market rallies|weather delays shipments at the port", ev, "|")
	    split("The company said the round values it at several times last year. Investors include local funds and a development bank.|Customers in Kenya, Uganda and Tanzania will see the service first, the firm said in a statement on Monday.|Analysts expect the market to grow as mobile money reaches more people across the region.|The startup was founded in 2019 and employs about 120 people in Nairobi and Kampala.", su, "|")
	    for (i = 1; i <= n; i++) {
		c = co[(i * 7) % 10 + 1]; o = co[(i * 3) % 10 + 1]
		e = ev[(i * 13) % 12 + 1]; s = su[(i * 5) % 4 + 1]
		t = e; gsub(/NUM/, (i % 90) + 5, t); gsub(/OTHER/, o, t); t = c " " t
		printf "{\"id\":\"bench-%d\",\"feed\":\"https://news.example.com/feed\",\"source\":\"Example News\",\"title\":\"%s\",\"url\":\"https://news.example.com/a/%d\",\"published\":\"2026-11-2%dT08:%02d:00Z\",\"summary\":\"%s\",\"fetched_at\":\"2026-11-22T09:00:00Z\"}\n", i, t, i, i % 2 + 1, i % 60, s
	    } }'
}
[ -s "$out/classify-items-$N.jsonl" ] || gen "$N" >"$out/classify-items-$N.jsonl"
items=$out/classify-items-$N.jsonl
head -n $((N / 4)) "$items" >"$out/classify-items-quarter.jsonl"
head -n "$NB" "$items" >"$out/classify-items-nb.jsonl"
mbox() {
	jq -r '"From item\n\n" + .title + "\n" + .summary + "\n"'
}
mbox <"$out/classify-items-nb.jsonl" >"$out/classify-items.mbox"
bf=$out/classify-bf
rm -rf "$bf"
mkdir -p "$bf"
head -n 2000 "$items" | jq -c 'select(.title | test("raises"))' | mbox >"$bf/spam"
head -n 2000 "$items" | jq -c 'select(.title | test("raises") | not)' | mbox >"$bf/ham"
bogofilter -C -d "$bf" -M -s <"$bf/spam"
bogofilter -C -d "$bf" -M -n <"$bf/ham"

# measure INPUT CMD...: "wall user sys peak-RSS(KiB)" of the run of
# CMD <INPUT, out of $REPS runs (default 3), that took the least CPU (user
# + sys): on a shared machine other load only ever adds time, so the least
# is the least disturbed.  The CPU of every run is listed on stderr.
REPS=${REPS:-3}
measure() {
	in=$1
	shift
	: >"$out/times"
	for r in $(seq "$REPS"); do
		/usr/bin/time -f '%e %U %S %M' -o "$out/time" "$@" <"$in" \
		    >/dev/null
		tail -n 1 "$out/time" >>"$out/times"
	done
	printf '  %s: CPU seconds of each run:' "$*" | cut -c 1-60 | tr -d '\n' >&2
	awk '{ printf " %.2f", $2 + $3 }' "$out/times" >&2
	echo >&2
	awk '{ printf "%s %s\n", $2 + $3, $0 }' "$out/times" | sort -n |
	    head -n 1 | cut -d " " -f 2-
}
set -- $(measure "$items" "$top/bin/classify")
c_wall=$1 c_cpu=$(echo "$2 $3" | awk '{ print $1 + $2 }') c_rss=$4
set -- $(measure "$out/classify-items-quarter.jsonl" "$top/bin/classify")
q_rss=$4
set -- $(measure /dev/null sh -c "bogofilter -C -d '$bf' -M -T <'$out/classify-items.mbox' || :")
b_wall=$1 b_cpu=$(echo "$2 $3" | awk '{ print $1 + $2 }')
rm -rf "$bf/msgs"
mkdir -p "$bf/msgs"
awk -v d="$bf/msgs" '/^From item$/ { if (f) close(f); f = sprintf("%s/m%06d", d, ++n); next }
    { print > f }' "$out/classify-items.mbox"
set -- $(measure /dev/null sh -c "find '$bf/msgs' -type f | sort | bogofilter -C -d '$bf' -b -T || :")
bb_wall=$1 bb_cpu=$(echo "$2 $3" | awk '{ print $1 + $2 }')
# items per CPU-second (user + sys): the machine is shared, wall time is noisy
awk -v n="$N" -v nb="$NB" -v cw="$c_wall" -v cc="$c_cpu" -v bw="$b_wall" \
    -v bc="$b_cpu" -v cr="$c_rss" -v qr="$q_rss" -v bbw="$bb_wall" \
    -v bbc="$bb_cpu" 'BEGIN {
	cr_ = (cc > 0 ? n / cc : 0); br = (bc > 0 ? nb / bc : 0)
	printf "classify    %8d items  wall %6.2fs  cpu %6.2fs  %8.0f items/cpu-s  peak RSS %d KiB (%d KiB on %d items)\n", n, cw, cc, cr_, cr, qr, n / 4
	bbr = (bbc > 0 ? nb / bbc : 0)
	printf "bogofilter  %8d items  wall %6.2fs  cpu %6.2fs  %8.0f items/cpu-s  (-b -T, bulk mode)\n", nb, bbw, bbc, bbr
	printf "bogofilter  %8d items  wall %6.2fs  cpu %6.2fs  %8.0f items/cpu-s  (-M -T, mailbox mode)\n", nb, bw, bc, br
	if (bbr > 0) printf "ratio classify/bogofilter -b (items per cpu-second): %.1fx\n", cr_ / bbr
	if (br > 0) printf "ratio classify/bogofilter -M (items per cpu-second): %.1fx\n", cr_ / br }'
