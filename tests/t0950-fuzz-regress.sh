#!/bin/bash
# fuzzing: each fuzz target, without libFuzzer (make check builds them with
# tests/fuzz/replay.c into obj/replay/), replays its seeds and every input
# a fuzzer once failed on (tests/data/fuzz-regress/TARGET/)
. "$(dirname "$0")/lib.sh"

replay=${JOBLINE_REPLAY:-$TOP/obj/replay}

for src in "$TOP"/tests/fuzz/fuzz-*.c; do
	t=$(basename "$src" .c)
	regress=$(ls "$DATA/fuzz-regress/$t" 2>/dev/null | wc -l)
	files=
	for f in "$TOP/tests/fuzz/seeds/$t"/* "$DATA/fuzz-regress/$t"/*; do
		[ -f "$f" ] && files="$files $f"
	done
	# the corpora tests/fuzz/run seeds them with
	case $t in
	fuzz-feed|fuzz-charset|fuzz-html) files="$files $(echo "$DATA"/feeds/*)" ;;
	fuzz-jsonl) files="$files $(echo "$TOP"/share/examples/*.jsonl)" ;;
	esac
	test_expect "$t replays its seeds and $regress regression inputs" '
		test -x "$replay/$t" && test -n "$files" && "$replay/$t" $files
	'
done

test_done
