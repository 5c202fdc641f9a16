#!/bin/bash
# classify: --train, --model combined with the rules, --eval
. "$(dirname "$0")/lib.sh"
L=$DATA/classify/labelled.jsonl

# train set: made-up words the default rules do not know, labelled
gen_train() {
	for i in 1 2 3 4 5 6 7 8; do
		echo "{\"title\":\"Acme $i zorbles the quux market\",\"labels\":[\"launch\"]}"
		echo "{\"title\":\"Beta $i blarfs with gamma widgets\",\"labels\":[\"partnership\"]}"
		echo "{\"title\":\"Rain $i falls on the plains today\",\"labels\":[\"other\"]}"
	done
}

test_expect '--train writes a model file; training is deterministic' '
	gen_train >train.jsonl &&
	classify --train --model m1 <train.jsonl &&
	classify --train --model m2 <train.jsonl &&
	cmp m1 m2 &&
	head -n 1 m1 | grep -qx "jobline-classify-model 2" &&
	grep -qx "kind softmax-regression" m1 &&
	grep -q "^labels funding acquisition partnership hiring layoffs expansion launch leadership legal earnings other$" m1 &&
	grep -Eq "^offset( -?[0-9.]+){11}$" m1 &&
	grep -Eq "^rules-win( [0-9.]+){11}$" m1 &&
	grep -q " zorbles$" m1 &&
	(umask 022 && classify --train --model m3 <train.jsonl) &&
	test "$(stat -c %a m3)" = 644
'

test_expect 'the model decides where the rules see nothing' '
	gen_train >train.jsonl &&
	classify --train --model m <train.jsonl &&
	printf "%s\n" "{\"title\":\"Delta zorbles again\"}" "{\"title\":\"Omega blarfs with us\"}" >in &&
	classify <in >rules-only &&
	jq -e -s "map(.event_type) == [\"other\", \"other\"]" rules-only &&
	classify --model m --explain <in >out &&
	jq -e -s "map(.event_type) == [\"launch\", \"partnership\"] and
	    all(.explain.decided_by == \"model\") and
	    (.[0].explain.why | any(test(\"^model: launch p=[0-9.]+; for it: .*zorbles\")))" out
'

test_expect 'the rules win where they are confident and right on the training items' '
	gen_train >train.jsonl &&
	for i in 1 2 3 4 5 6 7 8; do
		echo "{\"title\":\"Firm $i acquires a rival\",\"labels\":[\"acquisition\"]}"
	done >>train.jsonl &&
	classify --train --model m <train.jsonl &&
	echo "{\"title\":\"Duka Commerce acquires Soko Labs\"}" |
	    classify --model m --explain >out &&
	jq -e ".event_type == \"acquisition\" and .explain.decided_by == \"rules\"" out
'

test_expect 'the model learns where the rules are wrong: their terms are its features' '
	for i in 1 2 3 4 5 6 7 8; do
		echo "{\"title\":\"Firm $i acquires a rival\",\"labels\":[\"launch\"]}"
		echo "{\"title\":\"Rain $i falls on the plains today\",\"labels\":[\"other\"]}"
	done >train.jsonl &&
	classify --train --model m <train.jsonl &&
	grep -q " t:acquisition:acquires$" m &&
	echo "{\"title\":\"Duka Commerce acquires Soko Labs\"}" >in &&
	classify --model m --explain <in >out &&
	jq -e ".event_type == \"launch\" and .explain.decided_by == \"model\" and
	    (.explain.why | any(startswith(\"model: launch\")))" out &&
	printf "include default\nset rules-win 0.5\n" >win.rules &&
	classify --rules win.rules --model m --explain <in >out &&
	jq -e ".event_type == \"acquisition\" and .explain.decided_by == \"rules\"" out
'

test_expect 'the combination is chosen on the training items, said with -v; ties go to other' '
	gen_train >train.jsonl &&
	classify -v --train --model m <train.jsonl 2>err &&
	test "$(grep -c "^classify: tune: rules-win [0-9.]*: macro-F1 [0-9.]*$" err)" = 9 &&
	grep -q "^classify: tune: per label: macro-F1 [0-9.]*$" err &&
	classify --train --model empty </dev/null &&
	grep -qx "offset 0 0 0 0 0 0 0 0 0 0 0" empty &&
	printf "%s\n" "{\"title\":\"Delta zorbles again\"}" "{\"title\":\"Zuri Pay raises \$12 million\"}" >in &&
	classify --model empty <in >out &&
	jq -e -s "map(.event_type) == [\"other\", \"funding\"]" out
'

test_expect '--eval with a model reports per label and macro-F1' '
	classify --train --model m <"$L" &&
	classify --model m --eval <"$L" >rep &&
	grep -q "^funding " rep && grep -q "^macro-F1 funding" rep &&
	grep -q "^items 32, accuracy" rep
'

test_expect 'unlabelled or wrongly labelled items are reported, the rest used' '
	printf "%s\n" "{\"title\":\"x\"}" "{\"title\":\"y\",\"labels\":[\"bogus\"]}" "{\"title\":\"z\",\"labels\":\"launch\"}" "{\"title\":\"w\",\"labels\":[]}" >in &&
	exits 1 classify --train --model m <in 2>err &&
	grep -q "stdin:1: no labels" err && grep -q "stdin:2: unknown label: bogus" err &&
	grep -q "stdin:4: labels: empty" err &&
	exits 1 classify --eval <in >rep 2>/dev/null && grep -q "^items 1," rep
'

test_expect 'a bad model file is refused before any input is read, exit 2 (3 when missing)' '
	printf "something else\n" >bad.model &&
	echo "{\"title\":\"x\"}" >in &&
	(exits 2 classify --model bad.model >out 2>err; cat) <in >rest &&
	cmp in rest && test ! -s out &&
	grep -q "^classify: bad.model:1: not a classify model" err &&
	exits 3 classify --model /nonexistent </dev/null 2>/dev/null
'

test_expect 'a model of the older format, or one without rules-win, is refused with the reason' '
	printf "jobline-classify-model 1\nkind logistic-regression\n" >old.model &&
	exits 2 classify --model old.model </dev/null 2>err &&
	grep -q "^classify: old.model:1: a model of an older format (1): train it again with --train$" err &&
	gen_train >train.jsonl &&
	classify --train --model m <train.jsonl &&
	grep -v "^rules-win" m >norw.model &&
	exits 2 classify --model norw.model </dev/null 2>err &&
	grep -q "^classify: norw.model: no rules-win line$" err
'

test_expect '--train and --eval together, or --train without --model, is a usage error' '
	exits 2 classify --train --eval --model m </dev/null 2>/dev/null &&
	exits 2 classify --train </dev/null 2>/dev/null
'

test_done
