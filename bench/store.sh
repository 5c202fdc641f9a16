#!/bin/sh
# bench/store.sh [N [OLD]]: store articles against sqlite-utils on the
# same N generated articles (default 100000), in one run; then store's
# peak RSS for 10,000 and 1,000,000 records.  OLD, another build of store
# (a binary: the one before a change), is timed on the same input in the
# same run, in turn with this one, three times each (medians).  Needs:
# ./deps --bench (sqlite-utils, time).  Writes its data under bench/out/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/store
n=${1:-100000}
old=${2:-}
[ -z "$old" ] || old=$(cd "$(dirname "$old")" && pwd)/$(basename "$old")
mkdir -p "$out"
cd "$out"

# gen N FILE: article records of about 700 bytes, like fetch-feed's
gen() {
	[ -s "$2" ] && return 0
	awk -v n="$1" 'BEGIN {
		body = "Acme Robotics, a maker of warehouse robots, said on Tuesday it had raised new funding to expand into Europe and hire engineers.";
		for (i = 1; i <= n; i++)
			printf "{\"id\":\"tag:news.example.com,2026:%d\",\"feed\":\"https://news.example.com/feed.xml\",\"source\":\"Example News\",\"title\":\"Story number %d about a company raising money\",\"url\":\"https://news.example.com/2026/11/story-%d?utm_source=rss\",\"published\":\"2026-11-%02dT%02d:%02d:00Z\",\"author\":\"Reporter %d\",\"summary\":\"%s\",\"content\":\"%s %s\",\"categories\":[\"funding\",\"robots\"],\"fetched_at\":\"2026-11-22T08:30:00Z\"}\n", i, i, i, i % 28 + 1, i % 24, i % 60, i % 50, body, body, body
	}' >"$2"
}

secs() { # secs COMMAND...: wall seconds, peak RSS (KiB), CPU seconds
	/usr/bin/time -f '%e %M %U %S' -o .t "$@" >/dev/null
	cat .t
}

gen "$n" in.jsonl
bytes=$(wc -c <in.jsonl)
echo "input: $n articles, $bytes bytes; load average $(cut -d" " -f1-3 /proc/loadavg)"

rm -f s.db* u.db*
set -- $(secs "$top/bin/store" articles --db s.db <in.jsonl)
st=$1 srss=$2 sc=$(awk -v a="$3" -v b="$4" 'BEGIN { print a + b }')
set -- $(secs sh -c "sqlite-utils insert u.db articles in.jsonl --nl --pk url")
ut=$1 urss=$2 uc=$(awk -v a="$3" -v b="$4" 'BEGIN { print a + b }')
rm -f u2.db*
set -- $(secs sh -c "sqlite-utils upsert u2.db articles in.jsonl --nl --pk url")
ut2=$1

awk -v n="$n" -v st="$st" -v ut="$ut" -v ut2="$ut2" -v srss="$srss" -v urss="$urss" -v sc="$sc" -v uc="$uc" 'BEGIN {
	printf "store articles:        %6.2f s  %9.0f articles/s  peak RSS %d KiB  CPU %.2f s\n", st, n / st, srss, sc
	printf "sqlite-utils insert:   %6.2f s  %9.0f articles/s  peak RSS %d KiB  CPU %.2f s\n", ut, n / ut, urss, uc
	printf "sqlite-utils upsert:   %6.2f s  %9.0f articles/s\n", ut2, n / ut2
	printf "ratio (store / sqlite-utils insert): %.1fx wall, %.1fx CPU\n", ut / st, uc / sc
}'

# before and after: this build and OLD in turn, three times each
if [ -n "$old" ]; then
	for i in 1 2 3; do
		for b in new old; do
			rm -f b.db*
			p=$top/bin/store
			[ $b = old ] && p=$old
			set -- $(secs "$p" articles --db b.db <in.jsonl)
			echo "$b $1 $3 $4"
		done
	done >ab.txt
	awk -v n="$n" -v ut="$ut" '
	{ w[$1] = w[$1] " " $2; c[$1] = c[$1] " " ($3 + $4) }
	function med(s,   a, k, i, j, x) {
		k = split(s, a, " ")
		for (i = 2; i <= k; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				x = a[j]; a[j] = a[j - 1]; a[j - 1] = x
			}
		return a[int((k + 1) / 2)]
	}
	END {
		for (b in w) {
			t = med(w[b])
			printf "store articles (%s): median of 3 %.2f s  %9.0f articles/s  CPU %.2f s  ratio to sqlite-utils insert %.1fx\n", b == "new" ? "this build" : "OLD", t, n / t, med(c[b]), ut / t
		}
	}' ab.txt | sort -r
fi

# a second run over the same input: every article is a duplicate
set -- $(secs "$top/bin/store" articles --db s.db <in.jsonl)
echo "store articles again (all duplicates): $1 s"

# flat memory: peak RSS for 10k and 1M records
gen 10000 in-10k.jsonl
gen 1000000 in-1m.jsonl
rm -f m1.db* m2.db*
set -- $(secs "$top/bin/store" articles --db m1.db <in-10k.jsonl)
echo "peak RSS,     10,000 records: $2 KiB"
set -- $(secs "$top/bin/store" articles --db m2.db <in-1m.jsonl)
echo "peak RSS,  1,000,000 records: $2 KiB ($1 s, $(awk -v t="$1" 'BEGIN { printf "%.0f", 1000000 / t }') articles/s)"
