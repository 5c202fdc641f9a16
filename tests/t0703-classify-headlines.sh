#!/bin/bash
# classify: typical news headlines of every event type, with the default
# rules, so that tuning on the development set cannot silently break what
# the pipeline classifies (tests/data/classify/headlines.tsv)
. "$(dirname "$0")/lib.sh"

# headlines.tsv -> result lines "expected<TAB>got<TAB>headline"
run_headlines() {
	grep -v '^#' "$DATA/classify/headlines.tsv" |
	    jq -R -c 'split("\t") | {labels: [.[0]], title: .[1]}' |
	    classify "$@" |
	    jq -r '[.labels[0], .event_type, .title] | @tsv'
}

test_expect 'at least 95% of the headlines right, each type at least 90%, misses listed' '
	run_headlines >res &&
	test $(wc -l <res) -ge 300 &&
	awk -F "\t" "\$1 != \$2 { print \"miss: \" \$1 \" -> \" \$2 \": \" \$3 }" res >&2 &&
	awk -F "\t" "
	    { n[\$1]++; t++; if (\$1 == \$2) { ok[\$1]++; good++ } }
	    END {
		bad = good < 0.95 * t
		for (l in n) if (ok[l] < 0.9 * n[l]) {
			print l \": \" ok[l] + 0 \"/\" n[l] >\"/dev/stderr\"; bad = 1
		}
		print good \"/\" t \" right\" >\"/dev/stderr\"
		exit bad
	    }" res
'

test_expect 'the plain headline forms are each right' '
	cat >want <<-\EOT &&
	funding	Acme raises $20M Series B led by Sequoia
	launch	Acme launches Widget 3
	acquisition	Globex to acquire Initech for $1.2bn
	expansion	Acme opens office in Nairobi
	hiring	Acme to hire 200 engineers in Nairobi
	leadership	Acme hires former Google exec as CTO
	leadership	Acme chief executive steps down
	layoffs	Acme files for bankruptcy
	funding	Acme plans stock market listing
	partnership	Acme partners with Zenith to bring payments to farmers
	layoffs	Acme lays off 10% of staff
	legal	Acme sued by former employees
	earnings	Acme reports record quarterly profit
	other	Acme shares rise 5% on Monday
	EOT
	jq -R -c "split(\"\t\") | {title: .[1]}" want | classify |
	    jq -r .event_type >got &&
	cut -f 1 want | test_cmp - got
'

test_expect 'headlines keep their type with a model trained on them beside the rules' '
	grep -v "^#" "$DATA/classify/headlines.tsv" |
	    jq -R -c "split(\"\t\") | {labels: [.[0]], title: .[1]}" >lab &&
	classify --train --model m <lab &&
	run_headlines --model m >res &&
	awk -F "\t" "\$1 == \$2 { g++ } END { exit g < 0.95 * NR }" res
'

test_done
