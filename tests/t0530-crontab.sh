#!/bin/bash
# crontab.example and systemd/: every line parses and its run-job options
# are valid
. "$(dirname "$0")/lib.sh"

# the programs and scripts of jobline a scheduled line may run
known="run-job jobs-status ingest-news refresh-companies refresh-company
fetch-feed fetch-prices verify-predictions enqueue dequeue store sh"

# check_command CMD: CMD parses as sh, starts with run-job, its run-job
# options are valid, and the job runs a program of jobline
check_command() {
	sh -n -c "$1" || { echo "sh -n refuses: $1"; return 1; }
	(
		set -f
		eval "set -- $1"
		[ "$1" = run-job ] || [ "${1##*/}" = run-job ] ||
		    { echo "not run through run-job: $1"; exit 1; }
		shift
		run-job --check "$@" || { echo "run-job --check refuses: $*"; exit 1; }
		# the word after the first "--" is the command
		while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
		[ $# -ge 2 ] || { echo "no -- COMMAND"; exit 1; }
		prog=${2##*/}
		case " $(echo $known) " in
		*" $prog "*) ;;
		*) echo "unknown program: $2"; exit 1 ;;
		esac
	)
}

test_expect 'crontab.example: every line is a comment, a variable or a run-job line that parses' '
	n=0
	while IFS= read -r line; do
		case $line in
		""|"#"*) continue ;;
		[A-Z]*=*) continue ;;
		esac
		set -f
		set -- $line
		set +f
		[ $# -ge 6 ] || { echo "too few fields: $line"; exit 1; }
		for f in "$1" "$2" "$3" "$4" "$5"; do
			echo "$f" | grep -Eq "^(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?(,([0-9]+(-[0-9]+)?)(/[0-9]+)?)*$" ||
			    { echo "bad time field $f: $line"; exit 1; }
		done
		cmd=$(echo "$line" | sed -E "s/^[[:space:]]*([^[:space:]]+[[:space:]]+){5}//")
		case $cmd in *%*) echo "unescaped % (cron turns it into a newline): $line"; exit 1 ;; esac
		check_command "$cmd" || exit 1
		n=$((n + 1))
	done <"$TOP/crontab.example"
	test $n -ge 9
'

test_expect 'crontab.example schedules every job the issue names' '
	c=$TOP/crontab.example
	grep -q "^\* .*run-job .*ingest-news -- ingest-news" "$c" &&
	grep -q "^7 .*run-job .*industry-news -- ingest-news" "$c" &&
	grep -q "^\*/15 .*run-job .*financial-news -- ingest-news" "$c" &&
	grep -q "^30 .*run-job .*company-refresh -- refresh-companies" "$c" &&
	grep -q "run-job .*company-worker -- dequeue company-refresh" "$c" &&
	grep -q "^\* .*run-job --every 5s .*prices -- fetch-prices" "$c" &&
	grep -q "^\* .*run-job .*verify-predictions" "$c" &&
	grep -q "^\* .*run-job .*jobs-status --prometheus -o " "$c" &&
	grep -q "^15 *4 *\* *\* *0 .*run-job .*--prune" "$c"
'

test_expect 'crontab.example: the lines run as written (run-job around a stand-in program)' '
	mkdir fake && for p in $known; do
		case $p in run-job|jobs-status|sh) continue ;; esac
		printf "#!/bin/sh\necho \"\$0 \$*\" >>%s/calls\n" "$PWD" >fake/$p && chmod +x fake/$p
	done &&
	grep "^\*/15 .*financial-news" "$TOP/crontab.example" |
	    sed -E "s/^([^[:space:]]+[[:space:]]+){5}//" >line &&
	PATH=$PWD/fake:$PATH sh -c "$(cat line)" &&
	grep -q "ingest-news -f /var/lib/jobline/financial.urls" calls &&
	test "$(rows "SELECT job, status, 0 + (SELECT expect_ms FROM job_state) FROM runs")" = "financial-news|success|900000"
'

test_expect 'crontab.example: the weekly prune runs as written with the real programs' '
	grep "^15 *4 .*prune" "$TOP/crontab.example" |
	    sed -E "s/^([^[:space:]]+[[:space:]]+){5}//" >line &&
	grep -q "dequeue company-refresh --prune 30d" line &&
	sh -c "$(cat line)" &&
	test "$(rows "SELECT job, status FROM runs")" = "prune|success" &&
	grep -q "dequeue company-refresh --prune 30d" "$TOP/systemd/jobline-prune.service"
'

test_expect 'systemd/: units and timers are well formed; every ExecStart is a run-job line that parses' '
	ls "$TOP"/systemd/*.service "$TOP"/systemd/*.timer >list &&
	test "$(grep -c service list)" -ge 3 && test "$(grep -c timer list)" -ge 3 &&
	for f in $(cat list); do
		grep -q "^\[Unit\]" "$f" && grep -q "^Description=" "$f" || { echo "$f: no [Unit]"; exit 1; }
		case $f in
		*.timer)
			grep -q "^\[Timer\]" "$f" && grep -q "^OnCalendar=" "$f" &&
			test -f "${f%.timer}.service" || { echo "$f: bad timer"; exit 1; } ;;
		*.service)
			grep -q "^\[Service\]" "$f" || exit 1
			cmd=$(sed -n "s/^ExecStart=//p" "$f" | sed "s/\\\$\\\$/\$/g")
			[ -n "$cmd" ] || { echo "$f: no ExecStart"; exit 1; }
			check_command "$cmd" || { echo "in $f"; exit 1; } ;;
		esac
	done
'

# the run-job line of a crontab entry or an ExecStart, without paths
# (systemd needs absolute ones) and with systemd's $$ as $
plain() {
	sed -e "s|/usr/local/bin/||g" -e "s|/bin/sh |sh |g" -e "s/\\$\\$/\$/g"
}

test_expect 'systemd/: a service for every job of crontab.example, running the same command' '
	grep -v "^#" "$TOP/crontab.example" | grep "run-job" |
	    sed -E "s/^([^[:space:]]+[[:space:]]+){5}//" >jobs &&
	test "$(wc -l <jobs)" -ge 9 &&
	for f in "$TOP"/systemd/*.service; do
		sed -n "s/^ExecStart=//p" "$f" | plain
	done >units &&
	while IFS= read -r cmd; do
		set -f && set -- $cmd && set +f
		# the job name: the word before the first --
		while [ $# -gt 0 ] && [ "$2" != -- ]; do shift; done
		job=$1
		# the same job in a unit: its run-job options may differ only
		# where systemd does the looping (prices: --for, --wait)
		want=$(printf "%s\n" "$cmd" | sed "s/ --for 1m --wait//")
		grep -qxF "$want" units || { echo "no unit runs: $cmd"; exit 1; }
		unit=$(grep -l "^ExecStart=.* $job -- " "$TOP"/systemd/*.service)
		case $job in
		prices) grep -q "^Type=simple" "$unit" || exit 1 ;;
		*) test -f "${unit%.service}.timer" || { echo "no timer for $job"; exit 1; } ;;
		esac
		for k in User=jobline StateDirectory=jobline \
		    Environment=JOBLINE_DB=/var/lib/jobline/jobline.db; do
			grep -qx "$k" "$unit" || { echo "$unit: no $k"; exit 1; }
		done
	done <jobs
'

if command -v systemd-analyze >/dev/null; then
	test_expect 'systemd-analyze verify is clean on the installed units' '
		make -s -C "$TOP" SANITIZE="${SANITIZE:-}" DESTDIR="$PWD/root" install >/dev/null &&
		d=root/usr/local/share/jobline/systemd && mkdir v &&
		for f in "$d"/*.service "$d"/*.timer; do
			sed "s|/usr/local/bin|$PWD/root/usr/local/bin|g" "$f" >v/${f##*/}
		done &&
		test -f "$d/jobline.sysusers" && test -f "$d/jobline.tmpfiles" &&
		(cd v && systemd-analyze verify --man=no ./*.service ./*.timer) >out 2>&1 &&
		test_cmp /dev/null out
	'
else
	test_skip 'systemd-analyze verify is clean on the installed units' 'no systemd-analyze'
fi

test_done
