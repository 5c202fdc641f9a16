#!/bin/bash
# lib/: times, durations, URLs, UTF-8, the record scanner (tests/unit.c)
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${JOBLINE_VALGRIND:-}" = 1 ]; then
	# make check-valgrind: an error or a leak in the unit tests fails
	# this script (exit 99, the log on stderr)
	exec valgrind -q --tool=memcheck --leak-check=full \
	    --show-leak-kinds=definite,indirect,possible \
	    --errors-for-leak-kinds=definite,indirect,possible \
	    --error-exitcode=99 --suppressions="$top/tests/valgrind.supp" \
	    "${JOBLINE_UNIT:-$top/obj/unit}"
fi
exec "${JOBLINE_UNIT:-$top/obj/unit}"
