#!/bin/bash
# fetch-feed: parsing local files (formats, charsets, dates, traps), input forms
. "$(dirname "$0")/lib.sh"

F=$DATA/feeds
export JOBLINE_NOW=2026-11-22T08:30:00Z

test_expect 'usage: --help to stdout, unknown option exits 2, --version' '
	fetch-feed --help | grep -q "^usage: fetch-feed" &&
	exits 2 fetch-feed --bogus 2>err && grep -q usage err &&
	exits 2 fetch-feed -j 0 2>/dev/null &&
	fetch-feed --version | grep -q "^fetch-feed (jobline) "
'

test_expect 'RSS 2.0: every field of the item record' '
	fetch-feed "$F/rss2.xml" >out &&
	test "$(wc -l <out)" = 3 &&
	jq -e -s ".[0] | .id == \"nw-2026-001\" and .feed == \"$F/rss2.xml\" and
	    .source == \"Northwind & Partners Newsroom\" and
	    .title == \"Northwind raises \$40\u00a0million in Series\u00a0B\" and
	    .url == \"https://news.northwind.example/2026/11/series-b\" and
	    .published == \"2026-11-21T08:30:00Z\" and .author == \"Ada Quill\" and
	    .summary == \"Northwind & friends raised \u20ac40m.\n\nSecond paragraph\u2026\" and
	    .content == \"Details\n\nThe round was led by Blue Fund.\n\nHiring 50\nNew office\" and
	    .categories == [\"Funding\", \"Finance\"] and
	    .enclosures[0] == {url: \"https://news.northwind.example/media/call.mp3\", type: \"audio/mpeg\", length: 12345} and
	    .enclosures[1].url == \"https://cdn.northwind.example/ceo.jpg\" and
	    .fetched_at == \"2026-11-22T08:30:00Z\"" out
'

test_expect 'id falls back to the link, then to a stable hash; bad dates are left out' '
	fetch-feed "$F/rss2.xml" >out && fetch-feed "$F/rss2.xml" >again &&
	jq -e -s ".[1].id == .[1].url and (.[2].id | test(\"^[0-9a-f]{16}$\")) and
	    (.[2] | has(\"published\") | not)" out &&
	cmp out again
'

test_expect 'Atom 1.0: xml:base, text/html/xhtml types, author, source ignored' '
	fetch-feed "$F/atom10.xml" >out &&
	jq -e -s "length == 2 and
	    (.[0] | .source == \"Contoso Blog\" and
	     .title == \"Contoso acquires Fabrikam & Co <tm>\" and
	     .url == \"https://blog.contoso.example/base/posts/acquisition\" and
	     .id == \"tag:contoso.example,2026:1\" and
	     .published == \"2026-11-21T13:00:00Z\" and .updated == \"2026-11-21T08:15:30Z\" and
	     .author == \"Bo Rivers (bo@contoso.example)\" and
	     .summary == \"Contoso buys Fabrikam.\" and
	     .content == \"First bold para & more.\n\nSecond para.\" and
	     .categories == [\"Acquisitions\"] and
	     .enclosures == [{url: \"https://blog.contoso.example/files/deck.pdf\", type: \"application/pdf\", length: 2048}]) and
	    (.[1] | .url == \"https://other.contoso.example/x/jobs\" and
	     .content == \"Plain text\ncontent <kept>\")" out
'

test_expect 'Atom 0.3, RDF, RSS 0.91 and JSON Feed 1.0/1.1' '
	fetch-feed "$F/atom03.xml" "$F/rdf.xml" "$F/rss091.xml" "$F/jsonfeed.json" "$F/jsonfeed10.json" >out &&
	jq -e -s "length == 6 and
	    .[0].content == \"Escaped & content\" and .[0].published == \"2004-01-01T19:48:21Z\" and
	    .[0].updated == \"2004-01-02T19:48:21Z\" and
	    .[1].id == \"http://rdf.example/a\" and .[1].updated == \"2026-11-21T01:00:00Z\" and
	    .[1].author == \"Kenji\" and .[1].categories == [\"Tech\"] and
	    .[2].title == \"Cr\u00e8me br\u00fbl\u00e9e \u00e9t\u00e9 \u00a9 2026\" and .[2].source == \"Caf\u00e9 News\" and
	    .[3].url == \"https://fabrikam.example/launch\" and .[3].content == \"Launch & party\n\nTwo\" and
	    .[3].published == \"2026-11-21T09:00:00Z\" and .[3].author == \"Feed Author\" and
	    .[3].enclosures[0].length == 99 and .[4].id == \"2\" and .[4].author == \"Old Style\" and
	    .[5].source == \"One Oh\"" out
'

test_expect 'CDF; simple internal entities of the DTD, and no others, are expanded' '
	fetch-feed "$F/cdf.xml" "$F/internal-entity.xml" >out &&
	jq -e -s ".[0].title == \"CDF item\" and .[0].url == \"http://cdf.example/1\" and
	    .[0].updated == \"2004-04-07T04:05:43Z\" and .[0].summary == \"CDF abstract\" and
	    .[0].source == \"CDF Channel\" and .[1].id == \"tag:northwind.example,2026:42\" and
	    .[1].title == \"News from tag:northwind.example,2026: and &big; &co;\"" out
'

test_expect 'charsets: UTF-16, UTF-32, windows-1251, Latin-1 mislabelled UTF-8, control characters' '
	fetch-feed "$F/utf16.xml" "$F/utf32be.xml" "$F/cp1251.xml" "$F/latin1-as-utf8.xml" "$F/controls.xml" >out &&
	jq -e -s "map(.title) == [\"\u65e5\u672c\u8a9e \u00e9\", \"\u00fcber\", \"\u041f\u0440\u0438\u0432\u0435\u0442\",
	    \"Caf\u00e9 \u201cquoted\u201d\", \"bad chars here\"]" out
'

test_expect 'dates: RFC 822 variants, named zones, ISO 8601; unreadable ones left out' '
	fetch-feed "$F/dates.xml" | jq -r ".published // \"-\"" >got &&
	cat >want <<-\EOF &&
	2026-11-21T09:30:00Z
	2026-11-21T14:30:00Z
	2026-11-21T17:30:00Z
	2026-11-21T04:00:00Z
	2026-11-21T09:30:00Z
	2026-11-21T09:30:00Z
	2026-11-21T09:30:00Z
	2026-11-21T00:00:00Z
	2026-11-21T09:30:00Z
	2026-09-21T07:30:00Z
	2026-11-21T07:30:00Z
	2026-11-21T12:30:00Z
	-
	-
	EOF
	test_cmp want got
'

test_expect 'XXE: no file is read, no network; the entity stays text' '
	fetch-feed "$F/xxe.xml" >out 2>err &&
	jq -e ".title == \"secret: &xxe;\"" out && ! grep -q root: out
'

test_expect 'billion laughs: nothing expanded, bounded output' '
	fetch-feed "$F/billion-laughs.xml" >out &&
	test "$(wc -c <out)" -lt 1000 && jq -e ".title == \"&lol9;\"" out
'

test_expect 'ill-formed XML is recovered: the unclosed last item comes out' '
	fetch-feed "$F/unclosed.xml" >out &&
	jq -e -s "length == 2 and .[0].title == \"One\" and (.[1].title | startswith(\"Two & a bare tag\"))" out
'

test_expect 'deep nesting is bounded and parsing goes on after it' '
	fetch-feed "$F/deep.xml" >out &&
	jq -e -s "length == 2 and .[1].title == \"after deep\"" out
'

test_expect 'not a feed, empty, missing: one line each on stderr, the rest go on, exit 1' '
	exits 1 fetch-feed "$F/not-a-feed.html" "$F/empty.xml" "$F/garbage.txt" nonexistent.xml "$F/rdf.xml" >out 2>err &&
	test "$(wc -l <out)" = 1 && test "$(wc -l <err)" = 4 &&
	grep -q "^fetch-feed: $F/not-a-feed.html: not a feed (the document is <html>)$" err &&
	grep -q "^fetch-feed: $F/empty.xml: empty document$" err &&
	grep -q "^fetch-feed: nonexistent.xml: No such file or directory$" err
'

test_expect 'file:// only with --allow-file; other schemes refused' '
	exits 1 fetch-feed "file://$F/rdf.xml" ftp://x.example/f >out 2>err &&
	grep -q "file URLs need --allow-file" err && grep -q "unsupported URL scheme" err &&
	test ! -s out &&
	fetch-feed --allow-file "file://$F/rdf.xml" | jq -e ".title == \"RDF item\""
'

test_expect 'JSON lines on stdin: fields copied into every item; bad lines reported' '
	printf "%s\n" "{\"url\":\"$F/rss2.xml\",\"company\":\"Northwind\",\"title\":\"not copied\"}" \
	    "not json" "{\"nourl\":1}" "{\"url\":\"$F/rdf.xml\"}" >in &&
	exits 1 fetch-feed <in >out 2>err &&
	grep -q "stdin:2: invalid JSON" err && grep -q "stdin:3: no url" err &&
	jq -e -s "length == 4 and (.[0:3] | all(.company == \"Northwind\")) and
	    .[0].title != \"not copied\" and (.[3] | has(\"company\") | not)" out &&
	exits 1 fetch-feed - <in 2>/dev/null | jq -e -s "length == 4" >/dev/null
'

test_expect '-f: newsboat urls format, comments, tags, ~name, relative paths' '
	mkdir -p lists &&
	cp "$F/rdf.xml" "$F/atom03.xml" lists/ &&
	printf "# my feeds\n\nrdf.xml \"tech\" \"~Renamed\"\n  atom03.xml old news\n" >lists/urls &&
	fetch-feed -f lists/urls >out &&
	jq -e -s "length == 2 and .[0].source == \"Renamed\" and .[0].tags == [\"tech\"] and
	    .[1].tags == [\"old\", \"news\"] and .[1].source == \"Old Atom\"" out
'

test_expect '-f: a malformed or unreadable line is FILE:LINE: reason, exit 1, the rest fetched' '
	mkdir -p lists &&
	cp "$F/rdf.xml" "$F/atom03.xml" "$F/rss2.xml" lists/ &&
	printf "%s\n" "rdf.xml" "\"atom03.xml" "rss2.xml \"~Unterminated" \
	    "\"query:Unread:unread = \\\"yes\\\"\"" "atom03.xml \"~Good\"" >lists/urls &&
	printf "\"\"\nbad\377utf8.xml\n" >>lists/urls &&
	exits 1 fetch-feed -f lists/urls >out 2>err &&
	grep -qx "fetch-feed: lists/urls:2: unterminated quote" err &&
	grep -qx "fetch-feed: lists/urls:3: unterminated quote in a tag" err &&
	grep -qx "fetch-feed: lists/urls:4: newsboat.s query:, exec: and filter: feeds are not supported" err &&
	grep -qx "fetch-feed: lists/urls:6: an empty URL" err &&
	grep -qx "fetch-feed: lists/urls:7: not UTF-8" err &&
	test "$(wc -l <err)" = 5 &&
	jq -e -s "map(.feed) == [\"lists/rdf.xml\", \"lists/atom03.xml\"] and .[1].source == \"Good\"" out &&
	mkdir unreadable && exits 3 fetch-feed -f unreadable/urls 2>err &&
	grep -q "^fetch-feed: unreadable/urls: No such file or directory$" err &&
	if [ "$(id -u)" != 0 ]; then
		echo rdf.xml >lists/locked && chmod 000 lists/locked &&
		exits 3 fetch-feed -f lists/locked 2>err && grep -q "Permission denied" err
	fi
'

test_expect 'a URL listed twice, in lists, OPML or arguments, is fetched once; the first listing names it' '
	mkdir -p lists && cp "$F/rdf.xml" lists/ &&
	printf "%s\n" "rdf.xml \"~First\"" "rdf.xml \"~Second\"" >lists/urls &&
	printf "%s\n" "$PWD/lists/rdf.xml" "$PWD/lists/rdf.xml" >urls2 &&
	printf "<opml><body><outline xmlUrl=\"%s\"/></body></opml>\n" "$PWD/lists/rdf.xml" >f.opml &&
	fetch-feed -f lists/urls -f urls2 --opml f.opml "$PWD/lists/rdf.xml" lists/rdf.xml >out &&
	test "$(jq -r .source out)" = "$(printf "First\nRDF News")"
'

test_expect '--opml: every outline with an xmlUrl' '
	cat >f.opml <<-EOF &&
	<?xml version="1.0"?>
	<opml version="2.0"><body><outline text="Group">
	<outline text="RDF" type="rss" xmlUrl="$F/rdf.xml"/>
	<outline text="JSON" type="rss" xmlUrl="$F/jsonfeed10.json"/>
	</outline></body></opml>
	EOF
	fetch-feed --opml f.opml | jq -e -s "map(.source) == [\"RDF News\", \"One Oh\"]"
'

test_expect 'output is valid UTF-8 JSON lines whatever the input' '
	for f in "$F"/*; do fetch-feed "$f" 2>/dev/null; done >out;
	iconv -f UTF-8 -t UTF-8 out >/dev/null && jq -e . out >/dev/null &&
	test "$(wc -l <out)" -gt 25
'

test_expect 'JOBLINE_STATS gets feeds and items' '
	JOBLINE_STATS=$PWD/stats fetch-feed "$F/rss2.xml" "$F/rdf.xml" >/dev/null &&
	grep -qx "feeds 2" stats && grep -qx "items 4" stats
'

test_expect 'local files alone never create the store' '
	fetch-feed "$F/rdf.xml" >/dev/null && test ! -e "$JOBLINE_DB"
'

test_done
