#!/bin/bash
# classify: the rules file - replace, extend, errors, where defaults are found
. "$(dirname "$0")/lib.sh"

test_expect 'a rules file with an error is refused with file:line, before any input is read' '
	printf "event funding\n4: raises\n\nbogus thing\n" >bad.rules &&
	echo "{\"title\":\"A raises\"}" >in &&
	(exits 2 classify --rules bad.rules >out 2>err; cat) <in >rest &&
	test ! -s out && cmp in rest &&
	grep -q "^classify: bad.rules:4: unknown directive: bogus" err
'

test_expect 'errors name the reason: pattern, event type, weight, include, list words' '
	printf "event funding\n2: /(unclosed/\n" >p.rules &&
	exits 2 classify --rules p.rules </dev/null 2>err &&
	grep -q "^classify: p.rules:2: bad pattern at offset" err &&
	printf "event fundraising\n" >e.rules &&
	exits 2 classify --rules e.rules </dev/null 2>err &&
	grep -q "^classify: e.rules:1: unknown event type: fundraising" err &&
	printf "event launch\nheavy: launches\n" >w.rules &&
	exits 2 classify --rules w.rules </dev/null 2>err &&
	grep -q "^classify: w.rules:2: bad weight: heavy" err &&
	printf "# x\ninclude nowhere.rules\n" >i.rules &&
	exits 2 classify --rules i.rules </dev/null 2>err &&
	grep -q "^classify: i.rules:2: include nowhere.rules: No such file" err &&
	printf "companies\nlegal: Two Words\n" >l.rules &&
	exits 2 classify --rules l.rules </dev/null 2>err &&
	grep -q "^classify: l.rules:2: not one word: Two Words" err &&
	printf "set min-score\n" >s.rules &&
	exits 2 classify --rules s.rules </dev/null 2>err &&
	grep -q "^classify: s.rules:1: bad min-score" err &&
	exits 3 classify --rules missing.rules </dev/null 2>err &&
	grep -q "^classify: missing.rules: No such file" err
'

test_expect 'bare: terms enough for an item that names no company, for their own event' '
	printf "bare: been shown\n" >p1.rules &&
	exits 2 classify --rules p1.rules </dev/null 2>err &&
	grep -q "^classify: p1.rules:1: unknown directive: bare" err &&
	printf "set bare-min-score 30\nevent launch\n5: shown, been shown\nbare: been shown, been seen\nevent legal\n5: fined\n" >p2.rules &&
	cat >in <<-\EOF &&
	{"title":"x","summary":"A robot that runs has been shown.","content":"y"}
	{"title":"x","summary":"A robot that runs was shown.","content":"y"}
	{"title":"x","summary":"A robot that runs has been seen.","content":"y"}
	{"title":"x","summary":"A robot maker has been fined.","content":"y"}
	EOF
	classify --rules p2.rules <in | jq -r .event_type >got &&
	printf "launch\nother\nother\nother\n" >want &&
	test_cmp want got
'

test_expect 'a rules, tracked or model file that cannot be read exits 3; a bad one 2' '
	echo "{\"title\":\"x\"}" >in &&
	exits 3 classify --tracked missing.txt <in >out 2>err && test ! -s out &&
	grep -q "^classify: missing.txt: No such file" err &&
	exits 3 classify --model missing.model <in 2>err &&
	grep -q "^classify: missing.model: No such file" err &&
	mkdir dir &&
	exits 3 classify --rules dir <in 2>err && grep -q "^classify: dir: Is a directory" err &&
	exits 3 classify --tracked dir <in 2>err && grep -q "^classify: dir: Is a directory" err &&
	exits 3 classify --model dir <in 2>err && grep -q "^classify: dir: Is a directory" err &&
	printf "bogus\n" >bad.rules &&
	exits 2 classify --rules bad.rules <in 2>/dev/null
'

test_expect 'own rules and model in $XDG_CONFIG_HOME/jobline/classify win over the shipped ones' '
	mkdir -p cfg/jobline/classify &&
	printf "include default\nevent legal\n5: gizmo\n" >cfg/jobline/classify/rules &&
	printf "%s\n" "{\"title\":\"Acme gizmo\"}" "{\"title\":\"Zuri Pay raises \$5 million\"}" >in &&
	XDG_CONFIG_HOME=$PWD/cfg classify <in >out &&
	jq -e -s "map(.event_type) == [\"legal\", \"funding\"]" out &&
	classify <in >out2 &&
	jq -e -s ".[0].event_type == \"other\"" out2 &&
	for i in 1 2 3 4 5 6; do
		echo "{\"title\":\"Acme $i zorbles\",\"labels\":[\"launch\"]}"
		echo "{\"title\":\"Rain $i falls\",\"labels\":[\"other\"]}"
	done >train.jsonl &&
	classify --train --model cfg/jobline/classify/model <train.jsonl &&
	echo "{\"title\":\"Delta zorbles\"}" >z &&
	XDG_CONFIG_HOME=$PWD/cfg classify <z | jq -e ".event_type == \"launch\"" &&
	exits 2 env XDG_CONFIG_HOME=$PWD/cfg classify --model /dev/null <z 2>err &&
	grep -q "not a classify model" err &&
	HOME=$PWD XDG_CONFIG_HOME= classify <z | jq -e ".event_type == \"other\"" &&
	mkdir -p .config && mv cfg/jobline .config/ &&
	env -u XDG_CONFIG_HOME HOME=$PWD classify <z | jq -e ".event_type == \"launch\""
'

test_expect 'rules and tracked files with invalid UTF-8 are refused' '
	printf "event launch\n5: caf\351\n" >u.rules &&
	exits 2 classify --rules u.rules </dev/null 2>err &&
	grep -q "^classify: u.rules:2: invalid UTF-8" err &&
	printf "Caf\351 Ltd\n" >u.txt &&
	exits 2 classify --tracked u.txt </dev/null 2>err &&
	grep -q "^classify: u.txt:1: invalid UTF-8" err
'

test_expect 'wildcards in terms: # a number (with its thousands and decimals), * any one word' '
	printf "set min-score 1\nevent funding\n5: gets #, gets * #\nevent layoffs\n5: cuts # jobs\n" >w.rules &&
	printf "%s\n" "{\"title\":\"Acme gets \$5m\"}" "{\"title\":\"Acme gets KES 300m\"}" \
	    "{\"title\":\"Acme gets lucky\"}" "{\"title\":\"Acme gets very lucky\"}" \
	    "{\"title\":\"Acme cuts 5,000 jobs\"}" "{\"title\":\"Acme cuts 2.5 jobs\"}" \
	    "{\"title\":\"Acme cuts 5, 000 jobs\"}" |
	    classify --rules w.rules >out &&
	jq -e -s "map(.event_type) == [\"funding\", \"funding\", \"other\", \"other\", \"layoffs\", \"layoffs\", \"other\"]" out
'

test_expect '--rules FILE replaces the default rules' '
	printf "event launch\n5: frobnicates\n" >own.rules &&
	printf "%s\n" "{\"title\":\"Acme frobnicates the market\"}" "{\"title\":\"Zuri Pay raises \$5 million\"}" >in &&
	classify --rules own.rules <in >out &&
	jq -e -s ".[0].event_type == \"launch\" and .[1].event_type == \"other\" and
	    .[1].amount == null" out
'

test_expect '"include default" extends them; a term given again takes its new weight' '
	printf "include default\nevent launch\n5: frobnicates\nevent funding\n0: raises\n" >ext.rules &&
	printf "%s\n" "{\"title\":\"Acme frobnicates the market\"}" "{\"title\":\"Zuri Pay raises cash\"}" "{\"title\":\"Zuri Pay raises \$5 million in seed funding\"}" >in &&
	classify --rules ext.rules <in >out &&
	jq -e -s ".[0].event_type == \"launch\" and .[1].event_type == \"other\" and
	    .[2].event_type == \"funding\" and .[2].amount.value == 5000000" out
'

test_expect 'several --rules files add up in order' '
	printf "event launch\n5: frobnicates\n" >a.rules &&
	printf "event legal\n5: sprocket\nset min-score 1\n" >b.rules &&
	printf "%s\n" "{\"title\":\"frobnicates\"}" "{\"title\":\"sprocket\"}" |
	    classify --rules a.rules --rules b.rules >out &&
	jq -e -s "map(.event_type) == [\"launch\", \"legal\"]" out
'

test_expect 'patterns (PCRE2) match the lowercased words of a field' '
	printf "event hiring\n5: /\\\\b(hires|hired) \\\\d+ (engineers|staff)\\\\b/\n" >re.rules &&
	printf "%s\n" "{\"title\":\"Andela HIRES 200 Engineers!\"}" "{\"title\":\"Andela hires\"}" |
	    classify --rules re.rules >out &&
	jq -e -s "map(.event_type) == [\"hiring\", \"other\"]" out
'

test_expect 'industries, companies and currencies from an own rules file' '
	cat >own.rules <<-\EOF &&
	set min-score 1
	event funding
	3: raises
	industry spacetech
	2: rocket, satellite
	companies
	legal: Oy
	before: raises
	currency XTS: zorkmids
	EOF
	echo "{\"title\":\"Kuu Oy raises 5 million zorkmids for satellite launches\"}" |
	    classify --rules own.rules >out &&
	jq -e ".event_type == \"funding\" and .industries == [\"spacetech\"] and
	    .companies == [\"Kuu\"] and .amount == {value: 5000000, currency: \"XTS\"}" out
'

test_expect 'default rules come from $JOBLINE_SHARE/classify when set' '
	mkdir -p share/classify &&
	printf "event legal\n5: gizmo\nset min-score 1\n" >share/classify/rules &&
	echo "{\"title\":\"gizmo\"}" | JOBLINE_SHARE=$PWD/share classify >out &&
	jq -e ".event_type == \"legal\"" out &&
	echo "{\"title\":\"gizmo\"}" | classify >out2 &&
	jq -e ".event_type == \"other\"" out2
'

test_expect 'installed layout: ../share/jobline/classify beside the program' '
	mkdir -p root/bin root/share/jobline &&
	cp "$TOP/bin/classify" root/bin/ &&
	cp -R "$TOP/share/classify" root/share/jobline/ &&
	printf "event legal\n5: gizmo\nset min-score 1\n" >root/share/jobline/classify/rules &&
	echo "{\"title\":\"gizmo\"}" | root/bin/classify >out &&
	jq -e ".event_type == \"legal\"" out
'

test_done
