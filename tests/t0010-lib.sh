#!/bin/sh
# lib/: times, durations, URLs, UTF-8, the record scanner (tests/unit.c)
top=$(cd "$(dirname "$0")/.." && pwd)
exec "${JOBLINE_UNIT:-$top/obj/unit}"
