#!/bin/bash
# classify: event types, companies, industries, amounts, priority, pass-through
. "$(dirname "$0")/lib.sh"
L=$DATA/classify/labelled.jsonl

test_expect 'usage: --help to stdout, unknown option exits 2, --version' '
	classify --help | grep -q "^usage: classify" &&
	exits 2 classify --bogus 2>err && grep -q usage err &&
	exits 2 classify extra-arg 2>/dev/null &&
	exits 2 classify --train 2>/dev/null &&
	classify --version | grep -q "^classify (jobline) "
'

test_expect 'adds every field and keeps the caller'"'"'s fields as they came' '
	printf "%s\n" "{\"id\":\"a\",\"n\":1.50,\"x\":{\"y\":[1,2]},\"title\":\"Zuri Pay raises \$12 million Series A\"}" |
	    classify >out &&
	jq -e ".id == \"a\" and .x.y == [1,2] and .event_type == \"funding\" and
	    (.event_confidence > 0.5 and .event_confidence <= 1) and
	    .companies == [\"Zuri Pay\"] and .industries == [] and
	    .amount == {value: 12000000, currency: \"USD\"} and
	    .tracked == false and (.priority | type) == \"number\"" out &&
	grep -q "\"n\":1.50," out
'

test_expect 'every labelled test headline gets its event type' '
	classify <"$L" >out &&
	test "$(wc -l <out)" = "$(wc -l <"$L")" &&
	jq -e -s "map(select(.event_type as \$e | .labels | index(\$e) | not)) | length == 0" out
'

test_expect 'companies: main one first, legal forms stripped, no fragments' '
	classify <"$L" >out &&
	jq -e -n --slurpfile g "$L" --slurpfile p out "[range(0; \$g | length) |
	    select((\$g[.].companies | length) > 0 and
	    \$g[.].companies[0] != \$p[.].companies[0])] | length == 0" &&
	jq -e -s "map(select(.id == \"t7\"))[0] | .companies == [\"Duka Commerce\", \"Soko Labs\"]" out &&
	jq -e -s "map(select(.id == \"t4\"))[0] | .companies == [\"Savanna Logistics\"]" out &&
	jq -e -s "map(select(.id == \"t6\"))[0] | .companies == [\"Jambo Mobility\", \"Boda Rides\"]" out &&
	jq -e -s "map(select(.id == \"t3\"))[0] | .companies == [\"Bluefin AI\", \"Tiger Global\"]" out &&
	jq -e -s "map(select(.id == \"t30\" or .id == \"t31\" or .id == \"t32\") | .companies == []) == [true, true, true]" out
'

test_expect 'companies: no amounts, places or lone name words; camel case; name words after a known name' '
	cat >in <<-\EOF &&
	{"title":"Nigerian fintech Moniepoint raises $110M led by Development Partners International"}
	{"title":"Kenya'"'"'s M-Kopa secures $250 million in debt and equity funding"}
	{"title":"Amazon to buy iRobot for $1.7 billion"}
	{"title":"Jumia Technologies AG reports third-quarter loss"}
	{"title":"Sendy shuts down after failing to raise funds"}
	EOF
	classify <in | jq -c .companies >got &&
	cat >want <<-\EOF &&
	["Moniepoint","Development Partners International"]
	["M-Kopa"]
	["Amazon","iRobot"]
	["Jumia Technologies"]
	["Sendy"]
	EOF
	test_cmp want got
'

test_expect 'companies: a name word inside a name; no trade show, court, peoples or common abbreviations' '
	cat >in <<-\EOF &&
	{"title":"Two banks set to merge","summary":"Nigerian banks United Bank of Africa and Standard Trust Bank have agreed plans to merge."}
	{"title":"Zorbatek chief opens gadget fair","summary":"The head of Zorbatek has opened the Consumer Electronics Show in Las Vegas."}
	{"title":"Zorbatek wins appeal","summary":"The Supreme Court has ruled for Zorbatek in its patent case."}
	{"title":"Blogs win readers","summary":"Americans are becoming avid blog readers, and Europeans will follow, a survey says."}
	{"title":"TV future in the hands of viewers","summary":"MP3 players and TV sets will look very different in five years."}
	EOF
	classify <in | jq -c .companies >got &&
	cat >want <<-\EOF &&
	["United Bank of Africa","Standard Trust Bank"]
	["Zorbatek"]
	["Zorbatek"]
	[]
	[]
	EOF
	test_cmp want got
'

test_expect 'companies: a name quoted at the end of a sentence is none, unless it is the only one' '
	cat >in <<-\EOF &&
	{"title":"Zorbatek in $1bn London listing","summary":"Zorbatek is to list its shares in London and Hong Kong, the London Stock Exchange (LSE) has said."}
	{"title":"Zorbatek mulls sale of unit","summary":"Zorbatek is looking at selling its chip unit, the Financial Times has reported."}
	{"title":"Call for action on phone scams","summary":"Phone firms must do more to warn their customers of scams, Zorbacom has said."}
	EOF
	classify <in | jq -c .companies >got &&
	cat >want <<-\EOF &&
	["Zorbatek"]
	["Zorbatek"]
	["Zorbacom"]
	EOF
	test_cmp want got
'

test_expect 'companies: the company a headline opens with, unless the summary names it as another'"'"'s; an owner named; no sporting games' '
	printf "industry software\nZorbatek\nOpen Press Foundation\nindustry automotive\nZorbatek Motors\nKelvatek\n" >gaz &&
	printf "include default\ngazetteer %s/gaz\n" "$PWD" >own.rules &&
	cat >in <<-\EOF &&
	{"title":"Zorbatek attacked over sources row","summary":"Civil liberties group the Open Press Foundation (OPF) has joined a legal fight between three reporters and Zorbatek."}
	{"title":"Kelvatek to build vans in Wales","summary":"Zorbatek Motors, the largest van maker, has confirmed that it will build a new van at its loss-making Kelvatek factory in Wales."}
	{"title":"Kelvatek to build vans in Wales","summary":"Zorbatek Motors, the largest van maker, has confirmed that it will build a new van at the loss-making Kelvatek factory in Wales."}
	{"title":"Car giant hit by Kelvatek slump","summary":"A slump in profits at luxury car maker Kelvatek has prompted a big drop in profits at parent Zorbatek Motors."}
	{"title":"Phone firm cuts jobs after takeover","summary":"Kelvacom is to cut 5,000 jobs following its takeover of former parent Zorbacom."}
	{"title":"Olympic win for Zorbatek","summary":"Zorbatek will sponsor the Winter Olympic Games in 2010, it said."}
	EOF
	classify --rules own.rules <in | jq -c .companies >got &&
	cat >want <<-\EOF &&
	["Zorbatek","Open Press Foundation"]
	["Zorbatek Motors","Kelvatek"]
	["Kelvatek","Zorbatek Motors"]
	["Zorbatek Motors","Kelvatek"]
	["Kelvacom","Zorbacom"]
	["Zorbatek"]
	EOF
	test_cmp want got
'

test_expect 'companies: a surname in the headline is the person the rest of the item names in full' '
	cat >in <<-\EOF &&
	{"title":"Putin backs state grab for Zorbatek","content":"Russia'"'"'s president has defended the purchase of Zorbatek'"'"'s main unit by a state firm.\n\nVladimir Putin said the sale was fair."}
	{"title":"Mukherjee backs Zorbatek plan","summary":"Zorbatek plans to build planes in India, with the support of its government.","content":"Pranab Mukherjee said firms could gain."}
	EOF
	classify <in | jq -c .companies >got &&
	cat >want <<-\EOF &&
	["Zorbatek"]
	["Zorbatek"]
	EOF
	test_cmp want got
'

test_expect 'companies: a gazetteer acronym only where it is written in capitals' '
	cat >in <<-\EOF &&
	{"title":"Bat spit drug firm goes to market","summary":"Zorbatek is to list its shares, to fund a drug made from the saliva of vampire bats."}
	{"title":"BAT profits rise","summary":"BAT has reported a rise in profits."}
	{"title":"Ikea to open store in Leeds","summary":"Ikea is to open its first store in Leeds next year."}
	EOF
	classify <in | jq -c .companies >got &&
	cat >want <<-\EOF &&
	["Zorbatek"]
	["British American Tobacco"]
	["Ikea"]
	EOF
	test_cmp want got
'

test_expect 'eval on the labelled set: all right, company P/R reported' '
	classify --eval <"$L" >rep &&
	grep -q "^macro-F1 funding acquisition partnership hiring expansion launch: 1.000" rep &&
	grep -q "^companies: 32 items, 39 gold" rep &&
	grep -q "^confusion" rep &&
	awk "/^companies:/ { if (\$(NF-4) + 0 < 0.9 || \$(NF-2) + 0 < 0.9) exit 1 }" rep
'

test_expect 'companies: a word the item also writes in lowercase is no name' '
	cat >in <<-\EOF &&
	{"title":"Spyware worries grow","summary":"Spyware has become a plague, say experts, and spyware makers profit."}
	{"title":"Zorbatek doubles its sales","summary":"Zorbatek has reported record sales, and Zorbatek shares rose."}
	{"title":"Shell profits rise","summary":"Shell has reported record profits from its oil and gas fields, and shell companies are no part of it."}
	EOF
	classify <in | jq -c .companies >got &&
	cat >want <<-\EOF &&
	[]
	["Zorbatek"]
	["Royal Dutch Shell"]
	EOF
	test_cmp want got
'

test_expect 'companies: a public body only where the headline names it, or in a legal story; an institution never in a story about the economy' '
	cat >in <<-\EOF &&
	{"title":"Liberian economy starts to grow","summary":"The International Monetary Fund (IMF) says the economy of Liberia will grow by 8% this year."}
	{"title":"IMF warns on Liberian debts","summary":"The International Monetary Fund says Liberia owes too much."}
	{"title":"Nuclear body seeks new tech","summary":"The International Atomic Energy Agency wants new tools to find hidden arms."}
	{"title":"Zorbatek fined for mis-selling","summary":"Zorbatek has been fined £2m by the Financial Services Authority for mis-selling loans."}
	{"title":"Zorbatek warns on profits","summary":"Zorbatek has warned that profits will fall, as the Financial Services Authority looks at its loans."}
	{"title":"EU software rules delayed","summary":"New European Union rules were not adopted by ministers on Monday."}
	{"title":"SEC to rethink accounting rules","summary":"The Securities and Exchange Commission is to look again at the rules for company accounts."}
	EOF
	classify <in | jq -c "[.event_type, .companies]" >got &&
	cat >want <<-\EOF &&
	["other",[]]
	["other",[]]
	["other",["International Atomic Energy Agency"]]
	["legal",["Zorbatek","Financial Services Authority"]]
	["earnings",["Zorbatek"]]
	["other",[]]
	["other",["Securities and Exchange Commission"]]
	EOF
	test_cmp want got
'

test_expect 'companies: the subject named only after the lead, in an event'"'"'s story or one that keeps naming it' '
	cat >in <<-\EOF &&
	{"title":"New search tool launched","content":"A new desktop search tool has been launched, to help people find their files.\n\nZorbatek has released it as a free download."}
	{"title":"Web use keeps growing","content":"More people than ever use the web, a survey says.\n\nZorbatek has found that use had doubled."}
	{"title":"Broadband keeps growing","content":"High-speed net connections are more popular than ever.\n\nZorbatek says it has added 100,000 lines. Zorbatek sells lines to other firms. Zorbatek wants more. Zorbatek has a plan. Zorbatek is upbeat. Zorbatek expects growth. Zorbatek thinks so."}
	{"title":"Spam campaign dropped","content":"A campaign against spammers has been dropped.\n\nZorbatek Europe'"'"'s campaign began in November. Zorbatek says it made its point. Zorbatek had been criticised. Zorbatek users were upset. Zorbatek Europe will say no more. Zorbatek thinks so. Zorbatek again."}
	{"title":"Spam campaign dropped","content":"A campaign against spammers has been dropped.\n\nNational Zorbacom'"'"'s campaign began in November. National figures were good. National pride was hurt. National users were upset. National news said so. National Zorbacom will say no more. National leaders agreed."}
	EOF
	classify <in | jq -c "[.event_type, .companies]" >got &&
	cat >want <<-\EOF &&
	["launch",["Zorbatek"]]
	["other",[]]
	["other",["Zorbatek"]]
	["other",["Zorbatek Europe"]]
	["other",[]]
	EOF
	test_cmp want got
'

test_expect 'launch: a product made or released in the passive voice needs no company in the lead; its maker named next is the item'"'"'s' '
	cat >in <<-\EOF &&
	{"title":"Mouse that steadies shaky hands","content":"A special mouse that helps people with hand tremors use a computer has been developed.\n\nThe new device, made by Zorbatek Labs, filters out shaking movements and will be available in the spring."}
	{"title":"Mouse that steadies shaky hands","content":"People with hand tremors find a computer mouse hard to use, a charity says.\n\nThe new device, made by Zorbatek Labs, filters out shaking movements and will be available in the spring."}
	EOF
	classify <in | jq -c "[.event_type, .companies]" >got &&
	cat >want <<-\EOF &&
	["launch",["Zorbatek Labs"]]
	["other",[]]
	EOF
	test_cmp want got
'

test_expect 'legal: a criminal case or a lawsuit of people needs no company in the lead' '
	cat >in <<-\EOF &&
	{"title":"Agent colludes with analyst","content":"A former agent and a stock picker have been found guilty of fraud.\n\nThe pair face up to ten years in prison."}
	{"title":"Agent colludes with analyst","content":"A former agent and a stock picker are accused of fraud.\n\nThe pair face up to ten years in prison."}
	EOF
	classify <in | jq -r .event_type >got &&
	printf "legal\nother\n" | test_cmp - got
'

test_expect 'legal: a regulator named (watchdog, SEC) is no case, its fine or lawsuit is' '
	cat >in <<-\EOF &&
	{"title":"Zorbatek Insurance head chides watchdog","summary":"The head of Zorbatek Insurance has criticised the financial watchdog, the regulator of the industry, in a speech."}
	{"title":"Watchdog fines Zorbatek Insurance","summary":"The financial watchdog has fined Zorbatek Insurance for mis-selling."}
	{"title":"SEC to rethink post-scandal rules","summary":"The chairman of the SEC has said he is willing to soften rules on Zorbatek Systems and other foreign firms."}
	{"title":"SEC sues Zorbatek Systems","summary":"The SEC has filed a lawsuit against Zorbatek Systems over its accounts."}
	EOF
	classify <in | jq -r .event_type >got &&
	printf "other\nlegal\nother\nlegal\n" | test_cmp - got
'

test_expect 'companies: a known name goes on ("LG Card"), not back; given names; sources quoted are none' '
	cat >in <<-\EOF &&
	{"title":"Card lender faces liquidation","summary":"South Korea'"'"'s credit card firm LG Card has said it could be liquidated unless its creditors agree a rescue."}
	{"title":"Cuba winds back reforms","summary":"Fidel Castro has said that the state will take back control of the dollar economy."}
	{"title":"US bank in $515m settlement","summary":"Five Bank of America subsidiaries have agreed to pay $515m to settle an investigation."}
	{"title":"Zorbatek cuts 500 jobs","summary":"Zorbatek is to cut 500 jobs, its chief executive told the BBC, according to Reuters."}
	EOF
	classify <in | jq -c .companies >got &&
	cat >want <<-\EOF &&
	["LG Card"]
	[]
	["Bank of America"]
	["Zorbatek"]
	EOF
	test_cmp want got
'

test_expect 'amounts: symbols, codes, words, multipliers' '
	cat >in <<-\EOF &&
	{"title":"A raises $5.5 million"}
	{"title":"B gets €12M"}
	{"title":"C bags KES 300m"}
	{"title":"Series B of 40 million dollars for D"}
	{"title":"E closes £1.2bn deal"}
	{"title":"F pays US$ 2,500,000"}
	{"title":"G wins 7 new clients"}
	EOF
	classify <in >out &&
	jq -c ".amount" out >got &&
	cat >want <<-\EOF &&
	{"value":5500000,"currency":"USD"}
	{"value":12000000,"currency":"EUR"}
	{"value":300000000,"currency":"KES"}
	{"value":40000000,"currency":"USD"}
	{"value":1200000000,"currency":"GBP"}
	{"value":2500000,"currency":"USD"}
	null
	EOF
	test_cmp want got
'

test_expect 'amounts: the lead'"'"'s in full rather than the headline'"'"'s rounded one; more currencies' '
	cat >in <<-\EOF &&
	{"title":"Acme sues Zenith for $28bn","summary":"Acme has sued Zenith for $28.3bn (£15.2bn)."}
	{"title":"Kuu rescued","summary":"Kuu Bank has averted collapse with a one-off 2 trillion won ($1.9bn) bail-out."}
	{"title":"Zenith pays $2bn","summary":"Zenith is to pay Acme 1.55bn euros ($2bn) to end the deal."}
	EOF
	classify <in | jq -c .amount >got &&
	cat >want <<-\EOF &&
	{"value":28300000000,"currency":"USD"}
	{"value":2000000000000,"currency":"KRW"}
	{"value":1550000000,"currency":"EUR"}
	EOF
	test_cmp want got
'

test_expect 'industries: the main company'"'"'s from the gazetteer, else from cue words; --explain says which' '
	cat >in <<-\EOF &&
	{"title":"Lufthansa may sue over flight delays","summary":"The German carrier said its oil bill rose."}
	{"title":"Kilimo Tech raises money","summary":"The startup helps farmers sell crops through mobile money."}
	{"title":"Oil prices fall back from highs","summary":"Crude fell after Opec said it would keep output."}
	{"title":"Ten tips for a better morning"}
	EOF
	classify --explain <in >out &&
	jq -c .industries out >got &&
	cat >want <<-\EOF &&
	["airlines"]
	["agriculture","fintech"]
	["oil and gas"]
	[]
	EOF
	test_cmp want got &&
	jq -e -s ".[0].explain.why | any(. == \"industry airlines: gazetteer, of \\\"Lufthansa\\\"\")" out &&
	jq -e -s ".[1].explain.why | any(test(\"^industry agriculture: cues, score [0-9.]+$\"))" out
'

test_expect 'the vocabulary of industries: names of several words, in the gazetteer and the rules' '
	printf "include default\nindustry space and defence\n2: zorbsat\n" >own.rules &&
	echo "{\"title\":\"Kuu builds a zorbsat\"}" | classify --rules own.rules |
	    jq -e ".industries == [\"space and defence\"]" &&
	for i in $(sed -n "s/^industry //p" "$TOP/share/classify/companies" | sort -u | tr " " "_"); do
		grep -qx "industry $(echo "$i" | tr "_" " ")" "$TOP/share/classify/rules" ||
		    { echo "gazetteer industry $i not in the rules" >&2; exit 1; }
	done
'

test_expect 'companies: never across a line or sentence break, never people, places, rounds or money' '
	cat >in <<-\EOF &&
	{"title":"Flutterwave raises $250M Series D led by Avenir"}
	{"title":"Office opens in Spokane\nComcast names new chief"}
	{"title":"About Hawkmoon Resources\nHawkmoon Resources buys a mine"}
	{"title":"Former chief Bernie Ebbers denies fraud at Acme Labs"}
	{"title":"Since Wi-Fi arrived, South Korea has changed. Samsung said so."}
	{"title":"Mr Ebbers and Prime Minister Silvio Berlusconi meet in New York"}
	EOF
	classify <in | jq -c .companies >got &&
	cat >want <<-\EOF &&
	["Flutterwave","Avenir"]
	["Comcast"]
	["Hawkmoon Resources"]
	["Acme Labs"]
	["Samsung"]
	[]
	EOF
	test_cmp want got
'

test_expect 'companies: what a firm is names it ("building group James Hardie"); the lead'"'"'s subject comes first, the headline'"'"'s when it names both' '
	cat >in <<-\EOF &&
	{"title":"Building giant in payout","summary":"Australian building products group James Hardie has agreed to pay victims."}
	{"title":"Zenith bid talk lifts Kuu shares","summary":"Shares in drinks firm Kuu Foods rose on talk of a bid by Zenith Labs."}
	{"title":"Nokia backs Siemens chip format","summary":"The chip format of Siemens has won the support of Nokia."}
	{"title":"German bidder eyes Nokia","summary":"Siemens has made an offer for Nokia."}
	EOF
	classify <in | jq -r ".companies[0]" >got &&
	printf "James Hardie\nKuu Foods\nNokia\nSiemens\n" | test_cmp - got
'

test_expect 'companies: a product names its maker; a person'"'"'s surname is no company; a company only described is named in the next paragraph' '
	cat >in <<-\EOF &&
	{"title":"Sales of the PlayStation triple","content":"The new slimmer console has sold three times as many units in its first week.\n\nRetailers said demand was high."}
	{"title":"Gates opens gadget fair","content":"Bill Gates has opened the show in Las Vegas.\n\nMr Gates spoke for an hour."}
	{"title":"US company admits bribery","content":"A US defence company has agreed to pay $28m after admitting bribery.\n\nThe firm, Zorbatek Systems, said it regretted the payments. Kuu Labs was not involved."}
	{"title":"Prices rise again","content":"Prices rose in March, official figures show.\n\nAcme Labs said it would hold its prices."}
	EOF
	classify <in | jq -c .companies >got &&
	cat >want <<-\EOF &&
	["Sony"]
	[]
	["Zorbatek Systems"]
	[]
	EOF
	test_cmp want got &&
	cat >in <<-\EOF &&
	{"title":"Phone that improves golf swing launched","content":"A mobile phone that responds to movements has been launched in Japan by a US firm.\n\nThe firm, Zorbatek Systems, said it would sell it in June."}
	EOF
	classify <in | jq -e ".event_type == \"launch\" and .companies == [\"Zorbatek Systems\"]" &&
	printf "products of Nobody\nWidget\n" >gaz &&
	printf "include default\ngazetteer %s/gaz\n" "$PWD" >own.rules &&
	echo "{\"title\":\"x\"}" | exits 2 classify --rules own.rules 2>err &&
	grep -q "gaz:1: products of Nobody: no company of that name listed before" err
'

test_expect 'companies: a name an acronym is defined for, the acronym the same company; capitalised cue words inside a name in prose; a name in apposition to what it is' '
	cat >in <<-\EOF &&
	{"title":"Charity warns of closure","summary":"The Open Kuu Institute (OKI), financed by a billionaire, has accused officials of trying to close its office. OKI said it would appeal."}
	{"title":"Dam firm defies order","summary":"The China Zorb Gorges Project Corp is refusing to obey a government order to stop building."}
	{"title":"Lab to shut down","summary":"The city'"'"'s research laboratory, Zorb Labs Europe, is to shut down."}
	EOF
	classify <in | jq -c .companies >got &&
	cat >want <<-\EOF &&
	["Open Kuu Institute"]
	["China Zorb Gorges Project"]
	["Zorb Labs Europe"]
	EOF
	test_cmp want got
'

test_expect 'event types as the labelling guide defines them' '
	cat >in <<-\EOF &&
	{"title":"Winn-Dixie files for bankruptcy","summary":"US supermarket group Winn-Dixie has filed for bankruptcy protection."}
	{"title":"French boss to leave EADS","summary":"The co-head of European defence group EADS is to leave his post."}
	{"title":"Air China in $1bn London listing","summary":"Air China, the national airline, is to make its stock market debut."}
	{"title":"Japan economy slides to recession","summary":"The Japanese economy has gone back into recession as growth fell."}
	{"title":"Support Worker Kempsey","summary":"Full time vacancy, salary 12 pounds per hour. How to apply: send your CV."}
	EOF
	classify <in | jq -r .event_type >got &&
	printf "layoffs\nleadership\nfunding\nother\nhiring\n" | test_cmp - got
'

test_expect 'one strong cue decides in the headline; in the lead it needs another beside it' '
	cat >in <<-\EOF &&
	{"title":"A better golf swing","summary":"A phone that reads its owner'"'"'s swing has been launched by Zorbatek Systems."}
	{"title":"A better golf swing","summary":"A phone that reads its owner'"'"'s swing has been launched by Zorbatek Systems and goes on sale in June."}
	{"title":"Zorbatek Systems launches golf phone","summary":"It reads its owner'"'"'s swing."}
	EOF
	classify <in | jq -r .event_type >got &&
	printf "other\nlaunch\nlaunch\n" | test_cmp - got
'

test_expect 'an item whose lead names no company needs more than two strong cues in its headline' '
	cat >in <<-\EOF &&
	{"title":"Record sales and profits for the season","summary":"Many shops had a good Christmas, figures show."}
	{"title":"Record sales and profits for the season","summary":"Many shops had a good Christmas, Zorbatek Stores said."}
	EOF
	classify <in | jq -r .event_type >got &&
	printf "other\nearnings\n" | test_cmp - got
'

test_expect 'without a summary, the first paragraph of the content is read as one' '
	printf "%s\n" "{\"title\":\"A quiet week\",\"content\":\"Zuri Pay has agreed to buy Soko Labs.\\n\\nThe rest of the article talks about the weather and the markets.\"}" |
	    classify --explain >out &&
	jq -e ".event_type == \"acquisition\" and .companies[0] == \"Zuri Pay\" and
	    (.explain.why | any(test(\"^acquisition .* summary \")))" out
'

test_expect 'items without text: other, confidence 0, passed through' '
	printf "{}\n{\"id\":7,\"title\":\"\"}\n{\"title\":null,\"summary\":\"   \"}\n" | classify >out &&
	test "$(wc -l <out)" = 3 &&
	jq -e -s "all(.event_type == \"other\" and .event_confidence == 0 and
	    .companies == [] and .priority == 0)" out &&
	jq -e -s ".[1].id == 7" out
'

test_expect 'bad lines are reported with their number and skipped; exit 1' '
	printf "{\"title\":\"Apple unveils new iPhone\"}\nnot json\n[1]\n{\"title\":\"Jumia lays off staff\"}\n" |
	    exits 1 classify >out 2>err &&
	test "$(wc -l <out)" = 2 &&
	grep -q "^classify: stdin:2: " err && grep -q "^classify: stdin:3: not a JSON object" err
'

test_expect 'existing classify fields are replaced, not doubled' '
	echo "{\"title\":\"Jumia lays off staff\",\"event_type\":\"funding\",\"priority\":99,\"z\":1}" |
	    classify >out &&
	test "$(grep -o "\"event_type\"" out | wc -l)" = 1 &&
	jq -e ".event_type == \"layoffs\" and .priority < 99 and .z == 1" out
'

test_expect 'tracked companies: JSON lines and plain lists, aliases, high priority' '
	printf "%s\n" "{\"name\":\"Zuri Pay\",\"aliases\":[\"ZuriPay\",\"Zuri\"]}" >tracked.jsonl &&
	printf "# tracked\nKilimo Tech | Kilimo\n" >tracked.txt &&
	printf "%s\n" "{\"title\":\"ZuriPay opens office\"}" "{\"title\":\"Kilimo hires a CFO\"}" "{\"title\":\"Acme Labs opens office\"}" >in &&
	classify --tracked tracked.jsonl <in >a &&
	jq -e -s ".[0].tracked == true and .[0].companies[0] == \"Zuri Pay\" and .[0].priority >= 70 and
	    .[1].tracked == false and .[2].tracked == false and .[2].priority < 70" a &&
	classify --tracked tracked.txt <in >b &&
	jq -e -s ".[1].tracked == true and .[1].companies[0] == \"Kilimo Tech\" and .[0].tracked == false" b
'

test_expect 'priority: strong recent events rank above old and weak ones ($JOBLINE_NOW)' '
	cat >in <<-\EOF &&
	{"id":"new","title":"Duka Commerce acquires Soko Labs","published":"2026-11-22T07:00:00Z"}
	{"id":"old","title":"Duka Commerce acquires Soko Labs","published":"2026-10-01T07:00:00Z"}
	{"id":"weak","title":"Ten tips for a better morning","published":"2026-11-22T07:00:00Z"}
	EOF
	JOBLINE_NOW=2026-11-22T08:00:00Z classify <in >out &&
	jq -e -s ".[0].priority > .[1].priority and .[1].priority > .[2].priority and .[0].priority <= 60" out
'

test_expect '--explain names the rules, the companies and the priority' '
	echo "{\"title\":\"Zuri Pay raises \$12 million\"}" | classify --explain >out &&
	jq -e ".explain.decided_by == \"rules\" and .explain.scores.funding > 0 and
	    (.explain.why | any(test(\"^funding .*raises.*rules:[0-9]+\"))) and
	    (.explain.why | any(test(\"^company .Zuri Pay.: subject\"))) and
	    (.explain.why | any(test(\"^priority \")))" out &&
	echo "{\"title\":\"Zuri Pay raises \$12 million\"}" | classify >plain &&
	jq -e "has(\"explain\") | not" plain
'

test_expect 'output is valid UTF-8 JSON for non-ASCII names and odd input' '
	printf "%s\n" "{\"title\":\"Nestlé SA acquires Café Ñandú GmbH for €1m\"}" "{\"title\":\"Ünïcode \\\\u0000 \\\"quoted\\\" Labs Inc raises\"}" |
	    classify >out &&
	jq -e -s "length == 2" out &&
	jq -e -s ".[0].companies | index(\"Café Ñandú\")" out
'

test_expect 'a technology trend, a trade show or a scheme launched is other, a product unveiled or tried out for users a launch' '
	cat >in <<-\EOF &&
	{"title":"Zorbatek Systems opens gadget show","summary":"New gadgets from Zorbatek Systems and its rivals fill the trade show, and experts say the trend is for devices that work together."}
	{"title":"Zorbatek Systems unveils a golf gadget","summary":"The new device goes on sale in June."}
	{"title":"Zorbatek Systems offers swap for pirated Zorbos","summary":"Zorbatek Systems has launched a pilot scheme to replace counterfeit copies of its software with legal ones."}
	{"title":"Zorbatek phones double as bus tickets","summary":"Zorbatek Systems is planning to try out a ticket system, and travellers will be able to pay by phone."}
	EOF
	classify <in | jq -r .event_type >got &&
	printf "other\nlaunch\nother\nlaunch\n" | test_cmp - got
'

test_expect 'a product'"'"'s sales since its launch are earnings; a listing planned or a first day of trading is funding; "to beat" is a purpose' '
	cat >in <<-\EOF &&
	{"title":"Slim Zorbox console triples sales","summary":"The Zorbox by Zorbatek Systems has sold 50,000 units in its first week on sale. Sales have tripled since launch."}
	{"title":"Zorbatek Systems mulls market listing","summary":"Zorbatek Systems could be listed on the stock market next year, the firm said."}
	{"title":"Zorbatek shares soar","summary":"Shares in Zorbatek Systems soared on their first day of trading in Nairobi."}
	{"title":"Zorbatek program to beat dialler scams","summary":"Zorbatek Systems is introducing new software to help beat rogue diallers, free from May."}
	{"title":"Zorbatek Systems profits beat forecasts","summary":"Zorbatek Systems is expected to beat estimates again."}
	EOF
	classify <in | jq -r .event_type >got &&
	printf "earnings\nfunding\nfunding\nlaunch\nearnings\n" | test_cmp - got
'

test_expect 'companies: two names joined by "and" before an event verb are both its subject' '
	cat >in <<-\EOF &&
	{"title":"Speak easy plan for players","summary":"Music fans will talk to their players. Zorbatek and Quintlyx are developing the technology."}
	{"title":"Talks on a new format","summary":"Fans of Zorbatek and many others were asked."}
	EOF
	classify <in | jq -c .companies >got &&
	printf "%s\n" "[\"Zorbatek\",\"Quintlyx\"]" "[]" | test_cmp - got
'

test_expect 'counters go to $JOBLINE_STATS' '
	JOBLINE_STATS=$PWD/stats classify <"$L" >/dev/null &&
	grep -q "^items_classified 32$" stats && grep -q "^items_other 3$" stats
'

test_done
