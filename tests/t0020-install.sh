#!/bin/bash
# make install / uninstall with PREFIX and DESTDIR; make lint
. "$(dirname "$0")/lib.sh"

# the default PREFIX: another would rebuild the programs (their share
# directory is compiled in) while other tests run them
inst() {
	make -s -C "$TOP" SANITIZE="${SANITIZE:-}" DESTDIR="$PWD/root" "$@"
}

test_expect 'make install puts programs, scripts and man pages under DESTDIR/PREFIX' '
	inst install >/dev/null &&
	for p in "$TOP"/tools/*.c; do
		n=$(basename "$p" .c)
		test -x root/usr/local/bin/$n || { echo "no bin/$n"; exit 1; }
		test -f root/usr/local/share/man/man1/$n.1 || { echo "no $n.1"; exit 1; }
	done &&
	test -f root/usr/local/share/man/man1/ingest-news.1 &&
	test -f root/usr/local/share/man/man5/jobline.5 &&
	test -f root/usr/local/share/man/man7/jobline.7 &&
	root/usr/local/bin/store --version | grep -q jobline &&
	sh=root/usr/local/share/jobline &&
	test -f $sh/crontab.example && test -f $sh/samples/feeds.txt &&
	test -f $sh/examples/store-items.jsonl && test -f $sh/examples/README &&
	test -f $sh/systemd/jobline-ingest-news.service &&
	test -f $sh/systemd/jobline-ingest-news.timer &&
	grep -q "^PATH=/usr/local/bin:" $sh/crontab.example
'

test_expect 'make install writes the installed programs'"'"' paths into the schedules' '
	inst PREFIX=/opt/jl install-schedules >/dev/null &&
	grep -q "^PATH=/opt/jl/bin:" root/opt/jl/share/jobline/crontab.example &&
	grep -q "^ExecStart=/opt/jl/bin/run-job .* -- /opt/jl/bin/ingest-news " \
	    root/opt/jl/share/jobline/systemd/jobline-ingest-news.service
'

test_expect 'make uninstall removes what install put there' '
	inst install >/dev/null && inst uninstall >/dev/null &&
	test -z "$(find root -type f)"
'

# the programs from PATH: bin/, or its valgrind wrappers (make check-valgrind)
test_expect 'every program answers --help on stdout and --version' '
	for p in "$TOP"/tools/*.c; do
		n=$(basename "$p" .c)
		"$n" --help >out 2>err || { echo "$n --help failed"; exit 1; }
		grep -qi "usage" out || { echo "$n --help: no usage on stdout"; exit 1; }
		"$n" --version | grep -q "^$n (jobline) " ||
		    { echo "$n --version"; exit 1; }
		"$n" --no-such-option >/dev/null 2>&1; rc=$?
		[ $rc = 2 ] || { echo "$n: unknown option exits $rc"; exit 1; }
	done
'

if command -v mandoc >/dev/null; then
	test_expect 'man pages are mandoc -T lint clean' '
		mandoc -T lint -W warning "$TOP"/man/*.[1-8] >lint 2>&1
		test ! -s lint || { cat lint; exit 1; }
	'
else
	test_skip 'man pages are mandoc -T lint clean' 'no mandoc'
fi

test_expect 'make lint-shape: the tree has the shape issue 16 set; a program with SQL or too long fails it' '
	make -s -C "$TOP" lint-shape &&
	{ echo "#include <sqlite3.h>"; seq 801 | sed "s/.*/int x&;/"; } >big.c &&
	echo "#include \"../../tools/store.c\"" >fz.c &&
	exits 2 make -s -C "$TOP" lint-shape LINT_TOOLS="$PWD/big.c" LINT_FUZZ="$PWD/fz.c" >out 2>&1 &&
	grep -q "big.c: uses SQLite" out && grep -q "big.c: 802 lines, over 800" out &&
	grep -q "fz.c: includes a program" out
'

test_done
