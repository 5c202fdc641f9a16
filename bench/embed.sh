#!/bin/sh
# bench/embed.sh [MB]: embed's hash backend throughput on the chunks of ~MB
# (default 50) of English text (the chunk benchmark's KJV input, cut by
# chunk), as arrays and as base64; then the openai backend against the
# local test server (tests/openai-server.py, each answer delayed 0.2 s):
# the same 2,000 chunks with -j 1 and -j 8, and the most requests the
# server saw in flight.  Run bench/chunk.sh first (it makes the input).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out/embed
mb=${1:-50}
mkdir -p "$out"
cd "$out"
[ -s "$top/bench/out/chunk/in-$mb.jsonl" ] || "$top/bench/chunk.sh" "$mb" >/dev/null
[ -s chunks.jsonl ] || "$top/bin/chunk" <"$top/bench/out/chunk/in-$mb.jsonl" >chunks.jsonl
text=$(jq '.text | utf8bytelength' chunks.jsonl | awk '{ s += $1 } END { print s }')
n=$(wc -l <chunks.jsonl)
echo "input: $n chunks, $text bytes of text"

for mode in "" --base64; do
	/usr/bin/time -f '%e %U %S %M' -o .t "$top/bin/embed" $mode <chunks.jsonl >/dev/null
	awk -v b="$text" -v m="${mode:-array}" '{ c = $2 + $3
	    printf "embed hash %-8s wall %6.2f s %6.1f MB/s, cpu %6.2f s %6.1f MB/s of text, peak RSS %d KiB\n", m, $1, b / $1 / 1e6, c, b / c / 1e6, $4 }' .t
done

# openai backend: requests in flight against the local server
rm -f port
python3 "$top/tests/openai-server.py" --port-file port --delay 0.2 2>/dev/null &
srv=$!
trap 'kill $srv 2>/dev/null' EXIT
trap 'exit 129' HUP PIPE INT TERM
while [ ! -s port ]; do sleep 0.05; done
api=http://127.0.0.1:$(cat port)/v1
head -n 2000 chunks.jsonl >few.jsonl
for j in 1 8; do
	/usr/bin/time -f '%e' -o .t "$top/bin/embed" --backend openai --url "$api" \
	    --model bench-slow --batch 50 -j $j <few.jsonl >/dev/null
	echo "embed openai, 2000 chunks in batches of 50 (40 requests, 0.2 s each): -j $j: $(cat .t) s"
done
echo "most requests in flight at the server: $(curl -s "${api%/v1}/stats" | jq .max_in_flight)"
