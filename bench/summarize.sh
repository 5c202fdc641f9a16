#!/bin/sh
# bench/summarize.sh [N]: summarize (extractive) against ots, the Open Text
# Summarizer (C, libots), on the same generated articles, in one run.
#   - summarize over N articles (default 20000, tests/gen-articles.py: mixed
#     English with accents, abbreviations, quotes, 10% CJK paragraphs), and
#     over the same records folded to ASCII;
#   - jq -c . over the same input: the floor of any JSON filter;
#   - ots over the first 1000 articles' texts, one process per article (how
#     it would run as a filter), and over the first 100 as one document (its
#     speed without process starts; ots is quadratic in document length, so
#     not more);
#   - summarize's peak RSS for N/10 and N articles (flat memory).
# MB/s are megabytes of article text (content, else summary) per second of
# wall time; CPU seconds (user+sys) are given too, as the machine is shared.
# Needs: ./deps --bench (ots, time, jq).  Writes under bench/out/summarize.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/summarize
n=${1:-20000}
small=$((n / 10))
mkdir -p "$out"
cd "$out"

[ -s in-$n.jsonl ] || python3 "$top/tests/gen-articles.py" "$n" 7 >in-$n.jsonl
[ -s in-$small.jsonl ] || head -n "$small" in-$n.jsonl >in-$small.jsonl
[ -s ascii-$n.jsonl ] || python3 -c '
import json, sys, unicodedata
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    for k in ("title", "content", "summary"):
        if isinstance(r.get(k), str):
            s = unicodedata.normalize("NFKD", r[k])
            r[k] = s.encode("ascii", "ignore").decode()
    print(json.dumps(r))
' in-$n.jsonl >ascii-$n.jsonl

# textbytes FILE: bytes of article text in FILE
textbytes() {
	python3 -c '
import json, sys
n = 0
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    t = r.get("content") or r.get("summary")
    if isinstance(t, str):
        n += len(t.encode())
print(n)' "$1"
}

# run NAME TEXTBYTES COMMAND...: one timed run; prints a line
run() {
	name=$1 bytes=$2
	shift 2
	/usr/bin/time -f '%e %U %S %M' -o .t "$@" >/dev/null
	set -- $(cat .t)
	awk -v name="$name" -v b="$bytes" -v e="$1" -v u="$2" -v s="$3" -v m="$4" 'BEGIN {
		cpu = u + s
		printf "%-34s %6.2f s wall %6.2f s cpu  %6.1f MB/s wall %6.1f MB/s cpu  RSS %6d KiB\n",
		    name, e, cpu, b / 1e6 / e, b / 1e6 / (cpu > 0 ? cpu : 0.01), m
	}'
}

tb=$(textbytes in-$n.jsonl)
ta=$(textbytes ascii-$n.jsonl)
echo "input: $n articles, $(wc -c <in-$n.jsonl) bytes, $tb bytes of text"
run "summarize (mixed text)" "$tb" "$top/bin/summarize" <in-$n.jsonl
run "summarize (ASCII-folded text)" "$ta" "$top/bin/summarize" <ascii-$n.jsonl
run "jq -c . (parse+print floor)" "$tb" jq -c . <in-$n.jsonl

# ots: the first 1000 articles with text, one file each
mkdir -p ots
if [ ! -s ots/all.txt ]; then
	python3 -c '
import json, sys
k = 0
with open("ots/all.txt", "w", encoding="utf-8") as allf:
    for l in open(sys.argv[1], encoding="utf-8"):
        r = json.loads(l)
        t = r.get("content") or r.get("summary")
        if not isinstance(t, str) or not t.strip():
            continue
        with open(f"ots/{k}.txt", "w", encoding="utf-8") as f:
            f.write(t)
        if k < 100:
            allf.write(t + "\n\n")
        k += 1
        if k == 1000:
            break' in-$n.jsonl
fi
ob=$(cat ots/[0-9]*.txt | wc -c)
head -n 1200 in-$n.jsonl >in-1200.jsonl
run "summarize (first 1200 records)" "$(textbytes in-1200.jsonl)" \
    "$top/bin/summarize" <in-1200.jsonl
run "ots, a process per article (1000)" "$ob" sh -c \
    'for f in ots/[0-9]*.txt; do ots --ratio 10 "$f"; done'
run "ots, one document (100 articles)" "$(wc -c <ots/all.txt)" \
    ots --ratio 10 ots/all.txt

echo "peak RSS, $small articles vs $n:"
run "summarize ($small articles)" "$(textbytes in-$small.jsonl)" \
    "$top/bin/summarize" <in-$small.jsonl
run "summarize ($n articles)" "$tb" "$top/bin/summarize" <in-$n.jsonl
