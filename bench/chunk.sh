#!/bin/sh
# bench/chunk.sh [MB]: chunk against LangChain's RecursiveCharacterTextSplitter
# (npm @langchain/textsplitters, run by node) doing the same job end to end:
# JSON lines of articles in, JSON lines of chunks out, on the same ~MB (default
# 50) of English text: the King James Bible (Debian bible-kjv-text, read
# with the bible program of bible-kjv), one article per chapter, repeated.
# Then chunk's peak RSS on a tenth and on all of it (flat memory).
# Needs: ./deps --bench, node and npm (installs the peer under bench/out/).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/chunk
mb=${1:-50}
mkdir -p "$out"
cd "$out"

if [ ! -d node_modules/@langchain/textsplitters ]; then
	npm init -y >/dev/null
	npm install --no-audit --no-fund @langchain/textsplitters >/dev/null
fi
cp "$top/bench/langchain-chunk.mjs" .

# the text: KJV chapters as articles, repeated up to about $mb MB
if [ ! -s "in-$mb.jsonl" ]; then
	bible "Genesis 1:1-Revelation 22:21" >kjv.txt
	python3 - "$mb" >"in-$mb.jsonl" <<-\PY
	import json, re, sys
	want = int(sys.argv[1]) * 1000000
	chapters, cur, title = [], [], None
	for line in open("kjv.txt", encoding="utf-8"):
	    line = line.rstrip("\n")
	    m = re.match(r"^(\S.*\d+)$", line)
	    if m and not line.startswith(" "):
	        if title and cur:
	            chapters.append((title, cur))
	        title, cur = m.group(1), []
	    elif line.strip():
	        v = re.match(r"^\s+\d+ (.*)$", line)
	        if v:
	            cur.append(v.group(1))
	        elif cur:
	            cur[-1] += " " + line.strip()
	if title and cur:
	    chapters.append((title, cur))
	size, i = 0, 0
	while size < want:
	    for title, verses in chapters:
	        # verses in paragraphs of five
	        paras = [" ".join(verses[k:k + 5]) for k in range(0, len(verses), 5)]
	        rec = json.dumps({"id": f"kjv-{i}", "url": f"https://bible.example.com/{i}",
	            "title": title, "published": "1611-01-01T00:00:00Z",
	            "content": "\n\n".join(paras)}) + "\n"
	        sys.stdout.write(rec)
	        size += len(rec)
	        i += 1
	        if size >= want:
	            break
	PY
	head -c $((mb * 100000)) "in-$mb.jsonl" | sed '$d' >"in-tenth.jsonl"
fi
bytes=$(wc -c <"in-$mb.jsonl")
items=$(wc -l <"in-$mb.jsonl")
echo "input: $items articles, $bytes bytes (KJV chapters)"

run() { # run COMMAND...: "wall-seconds peak-KiB cpu-seconds", output dropped
	/usr/bin/time -f '%e %M %U %S' -o .t "$@" <"in-$mb.jsonl" >/dev/null
	awk '{ print $1, $2, $3 + $4 }' .t
}
set -- $(run "$top/bin/chunk")
ct=$1 crss=$2 cc=$3
set -- $(run node langchain-chunk.mjs)
lt=$1 lrss=$2 lc=$3
cn=$("$top/bin/chunk" <"in-$mb.jsonl" | wc -l)
ln=$(node langchain-chunk.mjs <"in-$mb.jsonl" | wc -l)
awk -v b="$bytes" -v ct="$ct" -v lt="$lt" -v cr="$crss" -v lr="$lrss" \
    -v cn="$cn" -v ln="$ln" -v cc="$cc" -v lc="$lc" 'BEGIN {
	printf "chunk (600 words, 100 overlap):      wall %6.2f s %6.1f MB/s, cpu %6.2f s %6.1f MB/s, %6d chunks, peak RSS %6d KiB\n", ct, b / ct / 1e6, cc, b / cc / 1e6, cn, cr
	printf "LangChain (3600 chars, 600 overlap): wall %6.2f s %6.1f MB/s, cpu %6.2f s %6.1f MB/s, %6d chunks, peak RSS %6d KiB\n", lt, b / lt / 1e6, lc, b / lc / 1e6, ln, lr
	printf "ratio (chunk / LangChain): %.1fx wall, %.1fx cpu\n", lt / ct, lc / cc
}'
/usr/bin/time -f '%M' -o .t "$top/bin/chunk" <in-tenth.jsonl >/dev/null
echo "chunk peak RSS on a tenth of the input: $(cat .t) KiB (all of it: $crss KiB)"
