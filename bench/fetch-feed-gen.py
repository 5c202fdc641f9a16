#!/usr/bin/env python3
"""bench/fetch-feed-gen.py KIND MB OUT: write a generated RSS 2.0 or Atom
1.0 feed of about MB megabytes (items with HTML summaries, entities,
dates, categories) for bench/fetch-feed.sh."""
import random
import sys

kind, mb, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
rnd = random.Random(42)
words = ("acquisition funding round series partnership launch hiring "
         "expansion revenue quarter platform customers investors market "
         "growth product engineering cloud security data analytics").split()
months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
days = "Mon Tue Wed Thu Fri Sat Sun".split()


def para():
    return " ".join(rnd.choice(words) for _ in range(rnd.randint(30, 60)))


def html(i):
    return ("<p>Company &amp; partners report <b>%s</b> &mdash; &ldquo;%s&rdquo;.</p>"
            "<p>%s &hellip; <a href=\"/news/%d\">more</a></p><ul><li>%s</li>"
            "<li>&euro;%d&nbsp;million</li></ul>" % (
                rnd.choice(words), para(), para(), i, para(), rnd.randint(1, 900)))


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


limit = int(mb * 1024 * 1024)
with open(out, "w", encoding="utf-8") as f:
    if kind == "rss":
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
                "<title>Bench &amp; News</title><link>https://bench.example/</link>\n")
    else:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns='
                '"http://www.w3.org/2005/Atom"><title>Bench News</title>'
                '<link href="https://bench.example/"/><id>urn:bench</id>\n')
    i = 0
    while f.tell() < limit:
        i += 1
        title = "Item %d: %s &amp; %s raises &#36;%dm" % (
            i, rnd.choice(words).title(), rnd.choice(words).title(), rnd.randint(1, 99))
        d = "%s, %02d %s 2026 %02d:%02d:%02d +0000" % (
            rnd.choice(days), rnd.randint(1, 28), rnd.choice(months),
            rnd.randint(0, 23), rnd.randint(0, 59), rnd.randint(0, 59))
        if kind == "rss":
            f.write("<item><title>%s</title><link>https://bench.example/n/%d</link>"
                    "<guid>https://bench.example/n/%d</guid><pubDate>%s</pubDate>"
                    "<dc:creator>Writer %d</dc:creator><category>%s</category>"
                    "<description>%s</description></item>\n" % (
                        title, i, i, d, i % 50, rnd.choice(words), esc(html(i))))
        else:
            f.write("<entry><title type=\"html\">%s</title><link href=\"/n/%d\"/>"
                    "<id>urn:bench:%d</id><updated>2026-%02d-%02dT%02d:%02d:00Z</updated>"
                    "<author><name>Writer %d</name></author><category term=\"%s\"/>"
                    "<summary type=\"html\">%s</summary></entry>\n" % (
                        title, i, i, rnd.randint(1, 12), rnd.randint(1, 28),
                        rnd.randint(0, 23), rnd.randint(0, 59), i % 50,
                        rnd.choice(words), esc(html(i))))
    f.write("</channel></rss>\n" if kind == "rss" else "</feed>\n")
