#!/bin/bash
# bin/refresh-companies and bin/refresh-company against the test server
. "$(dirname "$0")/lib.sh"

start_httpd "$DATA" || exit 1
export JOBLINE_NEWS_URL="$HTTPD/_/news"

# hits NAME: how many searches the server saw for company NAME
hits() {
	curl -s -G "$HTTPD/_/hits" --data-urlencode "key=news:\"$1\""
}

test_expect 'usage: --help and --version like the programs; bad options exit 2' '
	refresh-companies --help | grep -q "^usage: refresh-companies " &&
	refresh-companies --version | grep -q "^refresh-companies (jobline) [0-9]" &&
	refresh-company --help | grep -q "^usage: refresh-company " &&
	refresh-company --version | grep -q "^refresh-company (jobline) [0-9]" &&
	exits 2 refresh-companies --bogus 2>err && grep -q "^usage:" err &&
	exits 2 refresh-companies -j 0 2>err && grep -q "jobs: not a number from 1 to 256" err &&
	exits 2 refresh-companies -j 257 2>/dev/null &&
	exits 2 refresh-companies a b 2>/dev/null &&
	exits 2 refresh-company --bogus </dev/null 2>/dev/null &&
	exits 3 refresh-companies no-such-list 2>err && grep -q "no-such-list: cannot read" err
'

test_expect 'refresh-company run by its full path with a bare PATH finds its siblings' '
	echo "{\"name\":\"Bare Path Co\"}" |
	    env PATH=/usr/bin:/bin "$TOP/bin/refresh-company" &&
	test "$(rows "SELECT count(*) FROM company_updates")" = 2
'

test_expect 'due companies are searched, their news stored as company updates' '
	cat >list <<-\EOF &&
	{"name":"Northwind Robotics","rank":97}
	{"name":"Harbor & Vale \"Capital\" Café","rank":70}
	{"name":"$(touch pwned) Ltd","every":"weekly"}
	EOF
	JOBLINE_NOW=2026-11-01T08:00:00Z refresh-companies list &&
	test ! -e pwned &&
	test "$(rows "SELECT count(*) FROM company_updates")" = 6 &&
	rows "SELECT json_extract(record, \"\$.company\") || \" / \" || json_extract(record, \"\$.title\") FROM company_updates ORDER BY 1" >got &&
	cat >want <<-\EOF &&
	$(touch pwned) Ltd / $(touch pwned) Ltd opens a new office in Berlin
	$(touch pwned) Ltd / $(touch pwned) Ltd raises $20 million in Series B funding
	Harbor & Vale "Capital" Café / Harbor & Vale "Capital" Café opens a new office in Berlin
	Harbor & Vale "Capital" Café / Harbor & Vale "Capital" Café raises $20 million in Series B funding
	Northwind Robotics / Northwind Robotics opens a new office in Berlin
	Northwind Robotics / Northwind Robotics raises $20 million in Series B funding
	EOF
	test_cmp want got &&
	test "$(rows "SELECT count(*) FROM queue WHERE state = \"done\"")" = 3
'

test_expect 'only what is due is searched again: by rank, by every, across days' '
	cat >list <<-\EOF &&
	{"name":"Daily Co","rank":90}
	{"name":"Second Day Co","rank":65}
	{"name":"Weekly Co","every":"weekly"}
	EOF
	for day in 01 01 02 03 08; do
		JOBLINE_NOW=2026-11-${day}T08:00:00Z refresh-companies list || exit 1
	done
	test "$(hits "Daily Co")" = 4 &&
	test "$(hits "Second Day Co")" = 3 &&
	test "$(hits "Weekly Co")" = 2
'

test_expect 'a company whose search fails is retried later; the others are stored; exit 1' '
	printf "%s\n" "{\"name\":\"Failing Co\",\"rank\":99}" "{\"name\":\"Good Co\",\"rank\":99}" >list &&
	JOBLINE_NOW=2026-11-01T08:00:00Z exits 1 refresh-companies list 2>err &&
	grep -q "^dequeue: job 1: .*500" err &&
	grep -q "attempt 1/5 failed" err &&
	test "$(rows "SELECT key || \" \" || state FROM queue ORDER BY id")" = "$(printf "Failing Co failed\nGood Co done")" &&
	test "$(rows "SELECT count(*) FROM company_updates")" = 2
'

test_expect 'partial: lines classify refused do not stop the rest being stored; exit 1, the job retried' '
	mkdir fake &&
	printf "#!/bin/sh\ncat; echo \"classify: stdin:9: not a JSON object\" >&2; exit 1\n" >fake/classify &&
	chmod +x fake/classify &&
	echo "{\"name\":\"Acme\",\"rank\":90}" >list &&
	PATH=$PWD/fake:$PATH exits 1 refresh-companies list 2>err &&
	grep -q "dequeue: job 1: classify: stdin:9: not a JSON object" err &&
	test "$(rows "SELECT count(*) FROM company_updates")" = 2 &&
	test "$(rows "SELECT state FROM queue")" = failed
'

test_expect 'a store that cannot be used: exit 3, nothing run' '
	echo "{\"name\":\"Nostore Co\",\"rank\":90}" >list &&
	JOBLINE_DB=$PWD/no/such/dir/jobline.db exits 3 refresh-companies list 2>err &&
	test "$(hits "Nostore Co")" = 0 &&
	echo "{\"name\":\"Nostore Co\"}" | JOBLINE_DB=$PWD/no/such/dir/jobline.db exits 3 refresh-company 2>err
'

test_expect 'classify is used when it is installed' '
	mkdir fake &&
	printf "#!/bin/sh\nexec jq -c \". + {event_type: \\\\\"funding\\\\\"}\"\n" >fake/classify &&
	chmod +x fake/classify &&
	echo "{\"name\":\"Acme\",\"rank\":90}" >list &&
	PATH=$PWD/fake:$PATH refresh-companies list &&
	test "$(rows "SELECT DISTINCT json_extract(record, \"\$.event_type\") FROM company_updates")" = funding
'

if [ -x "$TOP/bin/classify" ]; then
	test_expect 'with jobline classify, the updates carry their event type' '
		echo "{\"name\":\"Acme Robotics\",\"rank\":90}" >list &&
		refresh-companies list &&
		test "$(rows "SELECT count(*) FROM company_updates WHERE json_extract(record, \"\$.event_type\") IS NOT NULL")" = 2 &&
		test "$(rows "SELECT json_extract(record, \"\$.event_type\") FROM company_updates WHERE json_extract(record, \"\$.title\") LIKE \"%Series B%\"")" = funding
	'
else
	test_skip 'with jobline classify, the updates carry their event type' 'classify not built'
fi

test_expect 'the sample list: -n says all 20 are due and why, and runs nothing' '
	refresh-companies -n >out &&
	test "$(wc -l <out)" = 20 &&
	jq -e -s "all(.enqueue and .why == \"never ran\")" out &&
	jq -e -s "map(.interval) | unique == [\"1d\",\"2d\",\"30d\",\"3d\",\"4d\",\"5d\",\"7d\"]" out &&
	test "$(rows "SELECT count(*) FROM queue")" = 0
'

test_done
