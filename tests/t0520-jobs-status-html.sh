#!/bin/bash
# jobs-status --html: a self-contained page, rendered by headless Chromium
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)

# chrome ARGS...: headless Chromium, no network, a profile of its own
chrome() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --disable-extensions \
	    --user-data-dir="$PWD/profile" "$@" 2>>chrome.log
}

# history JOB OUTCOME...: one run a minute from 08:00
history() {
	job=$1
	shift
	m=0
	for r in "$@"; do
		JOBLINE_NOW=$(printf "2026-11-22T08:%02d:00Z" $m) \
		    run-job -q --strict --alert-after 0 "$job" -- sh -c "$r" 2>/dev/null
		m=$((m + 1))
	done
}

test_expect '--html FILE: one self-contained page, written atomically' '
	history ingest true true "exit 1" &&
	history "<b>x</b> & co" true &&
	sqlite3 "$JOBLINE_DB" "INSERT INTO queue (queue, payload, state, run_after, created_at, updated_at) VALUES (\"refresh\", \"{}\", \"dead\", \"2026-11-22T07:00:00Z\", \"x\", \"x\"); INSERT INTO feeds (url, failures, error) VALUES (\"https://dead.example/rss\", 9, \"HTTP 500\")" &&
	mkdir www && echo old >www/status.html &&
	exits 2 jobs-status --html www/status.html >stdout &&
	test ! -s stdout && test "$(ls www)" = status.html &&
	test "$(stat -c %a www/status.html)" = 644 &&
	head -n 1 www/status.html | grep -qx "<!DOCTYPE html>" &&
	grep -q "Content-Security-Policy\" content=\"default-src .none.;" www/status.html &&
	! grep -Eiq "src=|href=|url\(|@import|<script|<link|<iframe|<object|<embed|<img" www/status.html &&
	grep -q "&lt;b&gt;x&lt;/b&gt; &amp; co" www/status.html &&
	! grep -q "<b>x" www/status.html &&
	test "$(grep -o "<rect class=\"run failed\"" www/status.html | wc -l)" = 1 &&
	grep -q "<tr class=\"queue\" data-health=\"degraded\"><td>refresh<td>0<td>0<td>0<td>1<td>" www/status.html &&
	grep -q "<tr class=\"feed\"><td>https://dead.example/rss<td>9<td>never<td>HTTP 500</tr>" www/status.html &&
	exits 2 jobs-status --html a.html -o b.html 2>/dev/null
'

test_expect '--html: worst first, the failing job's last error, paused apart from degraded, dead jobs' errors' '
	history aaa-good true &&
	history mmm-bad true "echo \"disk full\" >&2; echo \"<no space>\" >&2; exit 3" &&
	history zzz-paused true &&
	run-job --pause zzz-paused --reason "vendor outage" &&
	history ppp-flaky "exit 2" true &&
	sqlite3 "$JOBLINE_DB" "INSERT INTO queue (queue, key, payload, state, run_after, created_at, updated_at, completed_at, last_error) VALUES (\"refresh\", \"Acme\", \"{}\", \"dead\", \"x\", \"x\", \"x\", \"2026-11-22T07:00:00Z\", \"HTTP 503 from acme\")" &&
	exits 2 jobs-status --html s.html &&
	grep -o "<tr class=\"job\" data-job=\"[^\"]*\"" s.html | cut -d\" -f4 >order &&
	printf "mmm-bad\nppp-flaky\nzzz-paused\naaa-good\n" >want && test_cmp want order &&
	grep -q "<tr class=\"job\" data-job=\"zzz-paused\" data-health=\"degraded\" data-paused=\"1\">.*<span class=\"health paused\">paused</span>" s.html &&
	grep -q "<tr class=\"job\" data-job=\"ppp-flaky\" data-health=\"degraded\"><td class=\"name\">ppp-flaky<td><span class=\"health degraded\">degraded</span>" s.html &&
	grep -A1 "<pre class=\"error\">disk full" s.html | grep -q "^&lt;no space&gt;</pre>" &&
	test "$(grep -c "<pre class=\"error\">" s.html)" = 2 &&
	grep -q "<tr class=\"dead\"><td>refresh<td>Acme<td>2026-11-22T07:00:00Z<td><pre class=\"error\">HTTP 503 from acme</pre></tr>" s.html
'

if [ -z "$CHROMIUM" ]; then
	test_skip 'headless Chromium shows every job, its health and a bar per run' \
	    'chromium is not installed (./deps installs it)'
	test_skip 'headless Chromium: failed runs are drawn red' \
	    'chromium is not installed (./deps installs it)'
	test_done
fi

test_expect 'headless Chromium shows every job, its health and a bar per run' '
	history ingest true true "exit 1" "sleep 1" true &&
	history prices true true true &&
	JOBLINE_NOW=2026-11-22T08:10:00Z run-job -q --timeout 100ms prices -- sleep 5 2>/dev/null;
	history "<i>odd</i>" true &&
	JOBLINE_NOW=2026-11-22T08:11:00Z jobs-status --html status.html;
	chrome --dump-dom "file://$PWD/status.html" >dom.html &&
	grep -q "<title>jobline status</title>" dom.html &&
	grep -q "id=\"overall\">unhealthy<" dom.html &&
	grep -q "<tr class=\"job\" data-job=\"ingest\" data-health=\"degraded\">" dom.html &&
	grep -q "<tr class=\"job\" data-job=\"prices\" data-health=\"unhealthy\">" dom.html &&
	grep -q "data-job=\"&lt;i&gt;odd&lt;/i&gt;\"" dom.html && ! grep -q "<i>odd" dom.html &&
	tr ">" "\n" <dom.html >tags &&
	test "$(grep -c "<rect class=\"run " tags)" = 10 &&
	test "$(grep -c "<rect class=\"run failed\"" tags)" = 1 &&
	test "$(grep -c "<rect class=\"run timeout\"" tags)" = 1 &&
	grep -q "fill=\"#c62828\"" dom.html && grep -q "last run timed out" dom.html
'

test_expect 'headless Chromium: failed runs are drawn red' '
	history good true true true true true true true true &&
	jobs-status --html good.html;
	chrome --window-size=1000,400 --screenshot="$PWD/good.png" "file://$PWD/good.html" &&
	history good "exit 1" "exit 1" "exit 1" "exit 1" "exit 1" "exit 1" "exit 1" "exit 1" &&
	jobs-status --html bad.html;
	chrome --window-size=1000,400 --screenshot="$PWD/bad.png" "file://$PWD/bad.html" &&
	python3 "$DATA/png-colours.py" good.png c62828 2e7d32 >g &&
	python3 "$DATA/png-colours.py" bad.png c62828 2e7d32 >b &&
	cat g b &&
	test "$(awk "/c62828/ {print \$2}" b)" -gt "$(($(awk "/c62828/ {print \$2}" g) + 500))" &&
	test "$(awk "/2e7d32/ {print \$2}" g)" -gt 500
'

test_done
