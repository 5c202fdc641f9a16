# tests/lib.sh - sourced by every tests/tNNNN-*.sh; prints TAP.
#
#   . "$(dirname "$0")/lib.sh"
#   test_expect 'dedupes by url' '
#       store articles <in && test "$(sqlite3 "$JOBLINE_DB" ...)" = 2
#   '
#   test_done
#
# Each test body runs in a subshell in a fresh directory of its own under
# $TMP, with $JOBLINE_DB a store of its own there; the built programs come
# first on PATH.  The directory and any
# server started with start_httpd are removed at exit.  The scripts run
# under bash (tests/run) with pipefail, so that a program upstream of a
# pipe fails its test when it fails or crashes.
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DATA=$TOP/tests/data
PATH=$TOP/bin:$PATH
TMP=$(mktemp -d "${TMPDIR:-/tmp}/jobline-test.XXXXXX")
export PATH TOP DATA TMP
export JOBLINE_DB="$TMP/jobline.db"
# no configuration of the user running the tests (classify's own rules)
export XDG_CONFIG_HOME="$TMP/.config"
unset JOBLINE_STATS JOBLINE_NOW JOBLINE_API_KEY OPENAI_API_KEY
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export LC_ALL=C.UTF-8
cd "$TMP" || exit 1

test_count=0
test_failed=0
test_pids=""

test_cleanup() {
	# servers started inside a test body's subshell are in .pids too
	for p in $test_pids $(cat "$TMP/.pids" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${PG_DIR:-}" ] && stop_postgres
	cd / && rm -rf "$TMP"
}
trap test_cleanup EXIT

# make check-valgrind (JOBLINE_VALGRIND=1): every ELF program in bin/ is
# run through valgrind memcheck by a wrapper of the same name put first on
# PATH; one log per process under tests/out/valgrind/SCRIPT/.  After each
# test, test_vg_clean fails the test if a log holds an error or a definite,
# indirect or possible leak (still reachable is not counted), and prints
# it.  JOBLINE_SLOW is the factor by which tests stretch their waits and
# timeouts (1 normally; $JOBLINE_VG_SLOW, an integer, under valgrind,
# default 10) - never what they assert.
test_vg_clean() { :; }
test_vg_done() { :; }
JOBLINE_SLOW=1
if [ "${JOBLINE_VALGRIND:-}" = 1 ]; then
	JOBLINE_SLOW=${JOBLINE_VG_SLOW:-10}
	# the store's busy timeout (60 s) stretched too
	JOBLINE_BUSY_TIMEOUT=600s
	export JOBLINE_BUSY_TIMEOUT
	VG_OUT=$TOP/tests/out/valgrind/$(basename "$0" .sh)
	rm -rf "$VG_OUT"
	mkdir -p "$VG_OUT/run" "$TMP/.vg-bin"
	for vg_prog in "$TOP"/bin/*; do
		head -c 4 "$vg_prog" 2>/dev/null | grep -q ELF || continue
		printf '#!/bin/sh\nexec valgrind -q --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible --num-callers=30 --suppressions="%s" --log-file="%s/%s.%%p.log" "%s" "$@"\n' \
		    "$TOP/tests/valgrind.supp" "$VG_OUT/run" \
		    "$(basename "$vg_prog")" "$vg_prog" \
		    >"$TMP/.vg-bin/$(basename "$vg_prog")"
		chmod +x "$TMP/.vg-bin/$(basename "$vg_prog")"
	done
	PATH=$TMP/.vg-bin:$PATH
	# test_vg_clean [NAME]: check the logs written since the last call,
	# move them to NAME/ (default: the test's number); false if any
	# holds an error or a leak
	test_vg_clean() {
		vg_bad=0
		mkdir -p "$VG_OUT/${1:-$test_count}"
		for vg_log in "$VG_OUT"/run/*.log; do
			[ -e "$vg_log" ] || continue
			if grep -v -e '^==[0-9]*== Warning: ' "$vg_log" | grep -q .
			then
				echo "valgrind: ${VG_OUT#$TOP/}/${1:-$test_count}/$(basename "$vg_log"):"
				head -n 80 "$vg_log"
				vg_bad=1
			fi
			mv "$vg_log" "$VG_OUT/${1:-$test_count}/"
		done
		return $vg_bad
	}
	# programs run outside test bodies: one more test, if there were any
	test_vg_done() {
		ls "$VG_OUT"/run/*.log >/dev/null 2>&1 || return 0
		test_count=$((test_count + 1))
		if test_vg_clean outside >"$TMP/.test-out"; then
			echo "ok $test_count - valgrind: programs run outside tests"
		else
			echo "not ok $test_count - valgrind: programs run outside tests"
			sed 's/^/#   /' "$TMP/.test-out" | head -n 80
			test_failed=$((test_failed + 1))
		fi
	}
fi
export JOBLINE_SLOW
# slow N: N seconds stretched by JOBLINE_SLOW (for sleeps before a kill)
slow() {
	awk -v n="$1" -v f="$JOBLINE_SLOW" 'BEGIN { print n * f }'
}

# test_expect TITLE BODY: run BODY (shell text) in a subshell; ok when it
# exits 0.  Its output is shown, as TAP comments, only when it fails.
test_expect() {
	test_count=$((test_count + 1))
	mkdir -p "$TMP/$test_count"
	if (cd "$TMP/$test_count" && test_store "$test_count" &&
	    eval "$2") \
	    >"$TMP/.test-out" 2>&1 && test_vg_clean >>"$TMP/.test-out"; then
		echo "ok $test_count - $1"
	else
		test_vg_clean >>"$TMP/.test-out"
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TMP/.test-out" | head -n 40
		test_failed=$((test_failed + 1))
	fi
}

# test_skip TITLE REASON: counted neither passed nor failed.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

test_done() {
	test_vg_done
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
	exit $?
}

# test_cmp EXPECTED ACTUAL: files equal, else the difference.
test_cmp() {
	diff -u "$1" "$2"
}

# fails "command": the command must exit non-zero (not by a signal).
fails() {
	"$@"
	rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]
}

# exits N command...: the command must exit with status N.
exits() {
	want=$1
	shift
	"$@"
	rc=$?
	[ "$rc" -eq "$want" ] || { echo "exit status $rc, wanted $want" >&2; return 1; }
}

# rows SQL: the store's answer, one row a line, '|' between columns
# (SQLite, or PostgreSQL under make check-pg: SQL both read alike).  The
# tests' string literals may be in double quotes, as SQLite allows (a
# test body is in single quotes): on PostgreSQL they become single-quoted,
# so a test names no identifier in double quotes.
rows() {
	case $JOBLINE_DB in
	postgres*) psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -d "$JOBLINE_DB" \
	    -c "$(printf '%s' "$1" | tr '"' "'")" ;;
	*) sqlite3 "$JOBLINE_DB" "$1" ;;
	esac
}

# test_store N: JOBLINE_DB for test N: a SQLite file of its own, or under
# make check-pg (JOBLINE_TEST_PG=1) a new database on the script's server,
# its schema already made (a copy of jl_store).
test_store() {
	if [ "${JOBLINE_TEST_PG:-}" = 1 ]; then
		pg_createdb "t$1" jl_store && JOBLINE_DB=$(pg_uri "t$1")
	else
		JOBLINE_DB=$TMP/$1/jobline.db
	fi
	export JOBLINE_DB
}

# named_store NAME: print the address of a new store, NAME, for data a
# script's tests share: $TMP/NAME.db, or under make check-pg a new
# database on the script's server.  copy_store NAME NEW: print the address
# of NEW, a copy of the store NAME (a file copy, or a template database).
named_store() {
	if [ "${JOBLINE_TEST_PG:-}" = 1 ]; then
		pg_createdb "$1" >&2 && pg_uri "$1"
	else
		printf '%s\n' "$TMP/$1.db"
	fi
}
copy_store() {
	if [ "${JOBLINE_TEST_PG:-}" = 1 ]; then
		psql -X -q -v ON_ERROR_STOP=1 -d "$(pg_uri postgres)" \
		    -c "CREATE DATABASE \"$2\" TEMPLATE \"$1\"" >&2 &&
		    pg_uri "$2"
	else
		cp "$TMP/$1.db" "$TMP/$2.db" && printf '%s\n' "$TMP/$2.db"
	fi
}

# test_store_blank: for a test of making or migrating the store: on
# PostgreSQL the test's database made again without the schema (on SQLite
# the test's file does not exist yet).
test_store_blank() {
	[ "${JOBLINE_TEST_PG:-}" = 1 ] || return 0
	psql -X -q -v ON_ERROR_STOP=1 -d "$(pg_uri postgres)" \
	    -c "DROP DATABASE \"t$test_count\"" >/dev/null &&
	pg_createdb "t$test_count"
}

# test_expect_sqlite TITLE BODY: a test of what only the SQLite store has
# (its file, its locks, its pragmas): skipped under make check-pg.
test_expect_sqlite() {
	if [ "${JOBLINE_TEST_PG:-}" = 1 ]; then
		test_skip "$1" "the SQLite store only"
	else
		test_expect "$1" "$2"
	fi
}

# start_postgres: a PostgreSQL server of this script's own (Debian's
# postgresql package), its data and its unix socket in $TMP/pg, stopped at
# exit; run as nobody when the tests run as root (PostgreSQL refuses
# root).  Sets PG_DIR; pg_uri NAME is a database's URI, pg_createdb NAME
# makes one.  fsync and full page writes are off: the tests kill servers,
# not machines.  Synchronous commit stays on: without it a commit the
# server answered can be lost when it is killed (pg_ctl_restart), which
# is what t0612 checks never happens.  Two template databases, made
# once: jl_blank has only the test functions below, jl_store the store's
# schema too, migrated by the programs under test.
start_postgres() {
	PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$PG_BIN/initdb" ] || { echo "no PostgreSQL server (Debian package postgresql)" >&2; return 1; }
	PG_DIR=$TMP/pg
	PG_AS=
	mkdir -p "$PG_DIR" || return 1
	if [ "$(id -u)" = 0 ]; then
		PG_AS="runuser -u nobody --"
		chmod 711 "$TMP" && chown nobody "$PG_DIR" || return 1
	fi
	$PG_AS "$PG_BIN/initdb" -D "$PG_DIR/data" -U jobline --auth=trust \
	    -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
	    { cat "$PG_DIR/initdb.log" >&2; return 1; }
	pg_ctl_start && pg_templates
}

# pg_ctl_start, stop_postgres, pg_ctl_restart: the script's server
pg_opts() {
	printf '%s' "-c listen_addresses='' -c unix_socket_directories=$PG_DIR" \
	    " -c max_connections=300 -c fsync=off -c full_page_writes=off"
}
pg_ctl_start() {
	$PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
	    -o "$(pg_opts)" start >/dev/null ||
	    { tail -n 20 "$PG_DIR/log" >&2; return 1; }
}
stop_postgres() {
	$PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop \
	    >/dev/null 2>&1
}
pg_ctl_restart() {
	$PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w restart \
	    -o "$(pg_opts)" >/dev/null
}
pg_uri() {
	printf 'postgresql:///%s?host=%s&user=jobline\n' "$1" "$PG_DIR"
}
# pg_createdb NAME [TEMPLATE]: a new database, a copy of TEMPLATE:
# jl_blank (the default, no store yet) or jl_store (the store made).
pg_createdb() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$(pg_uri postgres)" \
	    -c "CREATE DATABASE \"$1\" TEMPLATE ${2:-jl_blank}" >/dev/null
}
# pg_templates: jl_blank, with test-only functions so that the tests' SQL
# reads alike on both stores: group_concat(value [, separator]),
# json_extract(text, '$.a.b') and hex(bytea or text) as SQLite's; and
# jl_store, a copy made a store by a writer reading nothing.  Neither
# takes connections after, as a template must not have any.
pg_templates() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$(pg_uri postgres)" \
	    -c "CREATE DATABASE jl_blank" >/dev/null &&
	psql -X -q -v ON_ERROR_STOP=1 -d "$(pg_uri jl_blank)" >/dev/null <<-\EOF &&
	CREATE FUNCTION jl_concat(acc text, v anyelement, sep text) RETURNS text
	    LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN v IS NULL THEN acc
	    WHEN acc IS NULL THEN v::text ELSE acc || sep || v::text END $$;
	CREATE FUNCTION jl_concat(acc text, v anyelement) RETURNS text
	    LANGUAGE sql IMMUTABLE AS $$ SELECT jl_concat(acc, v, ',') $$;
	CREATE AGGREGATE group_concat(anyelement, text)
	    (SFUNC = jl_concat, STYPE = text);
	CREATE AGGREGATE group_concat(anyelement)
	    (SFUNC = jl_concat, STYPE = text);
	CREATE FUNCTION json_extract(doc text, path text) RETURNS text
	    LANGUAGE sql IMMUTABLE AS
	    $$ SELECT doc::jsonb #>> string_to_array(substr(path, 3), '.') $$;
	CREATE FUNCTION hex(b bytea) RETURNS text
	    LANGUAGE sql IMMUTABLE AS $$ SELECT upper(encode(b, 'hex')) $$;
	CREATE FUNCTION hex(t text) RETURNS text LANGUAGE sql IMMUTABLE AS
	    $$ SELECT upper(encode(convert_to(t, 'UTF8'), 'hex')) $$;
	EOF
	pg_createdb jl_store &&
	store articles --db "$(pg_uri jl_store)" </dev/null &&
	psql -X -q -v ON_ERROR_STOP=1 -d "$(pg_uri postgres)" >/dev/null <<-\EOF
	ALTER DATABASE jl_blank ALLOW_CONNECTIONS false;
	ALTER DATABASE jl_store ALLOW_CONNECTIONS false;
	EOF
}

if [ "${JOBLINE_TEST_PG:-}" = 1 ]; then
	start_postgres || { echo "Bail out! PostgreSQL did not start"; exit 1; }
	pg_createdb top jl_store && JOBLINE_DB=$(pg_uri top) && export JOBLINE_DB
fi

# start_server SCRIPT [ARG...]: start a test server (tests/*.py, which
# take --port-file and listen on loopback) in the background; sets
# SERVER_PORT.  Stopped at exit, also when started inside a test body.
start_server() {
	server_script=$1
	shift
	server_n=$(( $(cat "$TMP/.pids" 2>/dev/null | wc -l) + 1 ))
	server_portfile=$TMP/.port.$server_n
	python3 "$server_script" --port-file "$server_portfile" "$@" \
	    2>>"$TMP/.server-log" &
	test_pids="$test_pids $!"
	echo $! >>"$TMP/.pids"
	i=0
	while [ ! -s "$server_portfile" ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && { echo "$server_script did not start" >&2; return 1; }
		sleep 0.05
	done
	SERVER_PORT=$(cat "$server_portfile")
}

# start_httpd DIR: serve DIR (and the test routes of tests/httpd.py) on
# loopback; sets HTTPD (http://127.0.0.1:PORT).
start_httpd() {
	start_server "$TOP/tests/httpd.py" --root "$1" || return 1
	HTTPD="http://127.0.0.1:$SERVER_PORT"
	export HTTPD
}

# start_openai [ARG...]: the OpenAI-compatible test server
# (tests/openai-server.py); sets API (its /v1 URL).
start_openai() {
	start_server "$TOP/tests/openai-server.py" "$@" || return 1
	API="http://127.0.0.1:$SERVER_PORT/v1"
}

# bounded SECS CMD...: run CMD (stdin as given) with its output to the files
# out and err, under a hard cap of SECS seconds (times $JOBLINE_SLOW) and a
# peak RSS cap of $MEMCAP_KB KiB (GNU time); sets rc (CMD's status) and kb
# (its peak RSS); fails when a cap is passed.  The hostile-input tests.
bounded() {
	secs=$(($1 * JOBLINE_SLOW))
	shift
	timeout -k 5 "$secs" /usr/bin/time -f %M -o rss "$@" >out 2>err
	rc=$?
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "not done within $secs s" >&2
		return 1
	fi
	kb=$(tail -n 1 rss)
	echo "exit $rc, peak RSS $kb KB" >&2
	[ "$kb" -le "$MEMCAP_KB" ] ||
	    { echo "peak RSS $kb KB over $MEMCAP_KB KB" >&2; return 1; }
}
