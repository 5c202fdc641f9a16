#!/usr/bin/python3
"""feedparser-diff: compare fetch-feed's items with Python feedparser's
entries on the same files, field by field (title, link, id, author,
summary, content, published, updated, tags, enclosures, feed title).

Usage: bench/feedparser-diff.py FETCH-FEED FILE...

feedparser is Debian's python3-feedparser, or the checkout named by
FEEDPARSER_PATH (a directory holding feedparser/; its sgmllib and requests
imports must resolve).  Markup is stripped from feedparser's values and
whitespace collapsed on both sides, since fetch-feed writes plain text;
a guid feedparser leaves relative as the link, and feedparser's id where
fetch-feed's is a hash, are not counted.  Prints each differing field and
a last line "N of M fields differ".
"""
import calendar
import datetime
import html
import json
import os
import re
import subprocess
import sys

if os.environ.get("FEEDPARSER_PATH"):
    sys.path[:0] = os.environ["FEEDPARSER_PATH"].split(":")
import feedparser  # noqa: E402


def strip(s):
    """feedparser's HTML as the text fetch-feed would give."""
    if s is None:
        return None
    s = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", "", s)
    s = re.sub(r"<[A-Za-z/!?][^>]*>", " ", s)
    return " ".join(html.unescape(s).split())


def norm(s):
    return None if s is None else " ".join(s.split())


def instant(s):
    if s is None:
        return None
    try:
        d = datetime.datetime.fromisoformat(s.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return calendar.timegm(d.utctimetuple())


def fields(item, entry):
    """(name, fetch-feed's value, feedparser's value) of one entry."""
    summary = item.get("summary", item.get("content"))
    content = entry.get("content")
    pp, up = entry.get("published_parsed"), entry.get("updated_parsed")
    return [
        ("title", norm(item.get("title")), strip(entry.get("title"))),
        ("link", item.get("url"), entry.get("link")),
        ("id", item.get("id"), entry.get("id")),
        ("author", norm(item.get("author")), strip(entry.get("author"))),
        ("summary", norm(summary), strip(entry.get("summary"))),
        ("content", norm(item.get("content")),
         strip(content[0].value) if content else None),
        ("published", instant(item.get("published")),
         calendar.timegm(pp) if pp else None),
        ("updated", instant(item.get("updated") or item.get("published")),
         calendar.timegm(up) if up else None),
        ("tags", item.get("categories") or [],
         [t.get("term") for t in entry.get("tags", []) if t.get("term")]),
        ("enclosures", [e.get("url") for e in item.get("enclosures") or []],
         [e.get("href") for e in entry.get("enclosures", [])]),
    ]


def main():
    ff, files = sys.argv[1], sys.argv[2:]
    ndiff = nfields = 0
    for f in files:
        out = subprocess.run([ff, f], capture_output=True, timeout=60).stdout
        items = [json.loads(line) for line in out.decode("utf-8").splitlines()
                 if line.startswith("{")]
        parsed = feedparser.parse(f)
        if len(items) != len(parsed.entries):
            print("%s: %d items, feedparser %d entries"
                  % (f, len(items), len(parsed.entries)))
            ndiff += 1
        if items and (items[0].get("source") or "title" in parsed.feed):
            nfields += 1
            a, b = norm(items[0].get("source")), strip(parsed.feed.get("title"))
            if a != b:
                ndiff += 1
                print("%s feed.title:\n   fetch-feed: %r\n   feedparser: %r"
                      % (f, a, b))
        for i, (item, entry) in enumerate(zip(items, parsed.entries)):
            for name, a, b in fields(item, entry):
                nfields += 1
                if name == "id" and (b is None or not a or
                                     re.fullmatch(r"[0-9a-f]{16}", a)):
                    continue
                if (name == "link" and a is None and b is not None and
                        not re.match(r"(?i)https?://", b)):
                    continue
                if a != b:
                    ndiff += 1
                    print("%s [%d] %s:\n   fetch-feed: %r\n   feedparser: %r"
                          % (f, i, name, a, b))
    print("%d of %d fields differ" % (ndiff, nfields))


if __name__ == "__main__":
    main()
