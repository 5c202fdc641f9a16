#!/bin/bash
# dequeue --batch N: many jobs to one command, one result line per job
. "$(dirname "$0")/lib.sh"

# answer.sh: ok for odd n, an error for even n, no line for n = 5
cat >"$TMP/answer.sh" <<'SH'
#!/bin/sh
cat >>lines
echo run >>runs
jq -c 'if .payload.n == 5 then empty elif .payload.n % 2 == 1
    then {id, ok: true} else {id, ok: false, error: "even \(.payload.n)"} end' <lines.new 2>/dev/null
SH
# the batch's lines: kept in lines, the last batch in lines.new
cat >"$TMP/batch.sh" <<'SH'
#!/bin/sh
tee lines.new | sh "$(dirname "$0")/answer.sh"
echo "a word on stderr" >&2
SH
chmod +x "$TMP/answer.sh" "$TMP/batch.sh"

test_expect 'each job a line in, each result a line out: done, failed with its error, no line is a failed attempt' '
	for i in 1 2 3 4 5; do echo "{\"n\":$i}"; done | enqueue q --key n >/dev/null &&
	exits 1 dequeue q --batch 5 --drain -- "$TMP/batch.sh" >out 2>err &&
	test "$(wc -l <runs)" = 1 &&
	jq -e -s "map(.id) == [1,2,3,4,5] and map(.queue) == [\"q\",\"q\",\"q\",\"q\",\"q\"] and map(.key) == [\"1\",\"2\",\"3\",\"4\",\"5\"] and map(.attempt) == [1,1,1,1,1] and map(.payload.n) == [1,2,3,4,5]" lines &&
	test "$(rows "SELECT group_concat(state, \" \") FROM (SELECT * FROM queue ORDER BY id) q")" = "done failed done failed failed" &&
	test "$(rows "SELECT last_error FROM queue WHERE id = 2")" = "not ok: even 2" &&
	test "$(rows "SELECT last_error FROM queue WHERE id = 5")" = "no result line, exit 0: a word on stderr" &&
	grep -q "dequeue: job 5: attempt 1/5 failed (no result line, exit 0): retry at " err &&
	grep -q "dequeue: batch of job 1: a word on stderr" err &&
	jq -e -s "map(.state) == [\"done\",\"failed\",\"done\",\"failed\",\"failed\"]" out
'

test_expect 'up to N jobs a command: 7 jobs, --batch 3, three commands' '
	for i in 1 3 5 7 9 11 13; do echo "{\"n\":$i}"; done | enqueue q >/dev/null &&
	dequeue q --batch 3 --drain -q -- sh -c "echo run >>runs; tee -a lines | jq -c \"{id, ok: true}\"" &&
	test "$(wc -l <runs)" = 3 &&
	test "$(wc -l <lines)" = 7 &&
	test "$(rows "SELECT count(*) FROM queue WHERE state = \"done\"")" = 7
'

test_expect 'results are recorded as they come, before the command ends' '
	printf "{\"n\":1}\n{\"n\":2}\n" | enqueue q >/dev/null || exit 1
	dequeue q --batch 2 --drain -q -- sh -c "echo \"{\\\"id\\\":1,\\\"ok\\\":true}\"; while [ ! -e go ]; do sleep 0.05; done; echo \"{\\\"id\\\":2,\\\"ok\\\":true}\"" & w=$!
	i=0
	while [ "$(rows "SELECT state FROM queue WHERE id = 1")" != done ]; do
		i=$((i + 1)); [ $i -lt $((200 * JOBLINE_SLOW)) ] || break; sleep 0.05
	done
	test "$(rows "SELECT group_concat(state, \" \") FROM (SELECT * FROM queue ORDER BY id) q")" = "done running" &&
	touch go && wait $w &&
	test "$(rows "SELECT group_concat(state, \" \") FROM (SELECT * FROM queue ORDER BY id) q")" = "done done"
'

test_expect 'bad result lines are reported and ignored; a command that fails keeps what it answered' '
	printf "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n" | enqueue q >/dev/null &&
	exits 1 dequeue q --batch 3 --drain -q -- sh -c "cat >/dev/null; echo not json; echo \"{\\\"id\\\":99,\\\"ok\\\":true}\"; echo \"{\\\"id\\\":1}\"; echo \"{\\\"id\\\":1,\\\"ok\\\":true}\"; echo \"{\\\"id\\\":1,\\\"ok\\\":false}\"; echo boom >&2; exit 3" 2>err &&
	grep -q "batch of job 1: result line 1: not a JSON object" err &&
	grep -q "batch of job 1: result line 2: no job of this batch has that id" err &&
	grep -q "batch of job 1: result line 3: no ok: true or false" err &&
	grep -q "batch of job 1: result line 5: a second result for that job" err &&
	grep -q "batch of job 1: the command ended (exit 3)" err &&
	test "$(rows "SELECT group_concat(state, \" \") FROM (SELECT * FROM queue ORDER BY id) q")" = "done failed failed" &&
	test "$(rows "SELECT last_error FROM queue WHERE id = 2")" = "no result line, exit 3: boom"
'

test_expect 'usage: --batch takes 1 to 10000' '
	exits 2 dequeue q --batch 0 -- true 2>err && grep -q "batch: not a number from 1 to 10000" err &&
	exits 2 dequeue q --batch 10001 -- true 2>/dev/null &&
	dequeue --help | grep -q -- "--batch N"
'

test_expect 'a killed worker: its batch command dies with it, its jobs come back' '
	printf "{\"n\":1}\n{\"n\":2}\n" | JOBLINE_NOW=2026-11-22T08:00:00Z enqueue q >/dev/null || exit 1
	JOBLINE_NOW=2026-11-22T08:00:00Z dequeue q --batch 2 --lease 1m -q -- sh -c "cat >/dev/null; touch started; sleep $(slow 1) | { sleep $(slow 1); touch late; }" & w=$!
	i=0
	while [ ! -e started ]; do i=$((i + 1)); [ $i -lt $((400 * JOBLINE_SLOW)) ] || break; sleep 0.05; done
	kill -9 $w; wait $w 2>/dev/null
	sleep $(slow 2.5) &&
	test ! -e late &&
	JOBLINE_NOW=2026-11-22T08:02:00Z dequeue q --batch 2 --drain -q -- jq -c "{id, ok: true}" &&
	test "$(rows "SELECT group_concat(state || \" \" || attempts, \",\") FROM (SELECT * FROM queue ORDER BY id) q")" = "done 2,done 2"
'

test_expect 'workers at once, batches and single jobs, never claim one job twice' '
	seq 600 | jq -c "{n: .}" | enqueue q >/dev/null || exit 1
	for k in 1 2; do
		dequeue q --batch 7 -j 2 --drain -q -- sh -c "tee -a ran | jq -c \"{id, ok: true}\"" 2>err.b$k &
		dequeue q -j 2 --drain -q -- sh -c "jq -c \"{payload: .}\" >>ran" 2>err.s$k &
	done
	wait
	! grep -q . err.* &&
	jq -e -s "map(.payload.n) | sort == [range(1; 601)]" ran >/dev/null &&
	test "$(rows "SELECT count(*) FROM queue WHERE state = \"done\" AND attempts = 1")" = 600
'

test_expect 'an idle worker starts a job enqueued later: at once on PostgreSQL (LISTEN), at its next --poll on SQLite' '
	# on PostgreSQL the worker would look again only after 10 minutes
	if [ "${JOBLINE_TEST_PG:-}" = 1 ]; then poll=10m; else poll=0.2s; fi
	dequeue q --poll $poll -q -- sh -c "touch started" & w=$!
	sleep 1
	echo "{}" | enqueue q >/dev/null || exit 1
	i=0
	while [ ! -e started ] && [ $i -lt $((200 * JOBLINE_SLOW)) ]; do
		i=$((i + 1)); sleep 0.05
	done
	kill $w; wait $w
	test -e started &&
	test "$(rows "SELECT state FROM queue")" = done
'

test_done
