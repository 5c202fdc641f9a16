#!/usr/bin/env python3
"""chunk-check.py ITEMS CHUNKS WORDS OVERLAP [CHARS]: check chunk's output
against its input (tests/t0300-chunk.sh).  Prints what is wrong and exits 1.

For every item: the chunks are numbered 0..count-1 and consecutive; each
chunk's text is exactly source[start:end] (code points), where the source
is title + "\n\n" + content (else summary); start and end fall on word
boundaries; no chunk holds more than WORDS words (or CHARS characters,
unless one word is longer); the chunks cover every word of the source in
order; neighbours share exactly the last OVERLAP words of the first (when
it has more); an item with no words gives one count-0 record."""
import json
import re
import sys

items_path, chunks_path, W, O = sys.argv[1:5]
W, O = int(W), int(O)
C = int(sys.argv[5]) if len(sys.argv) > 5 else 0
WS = re.compile(r"[\s\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
bad = 0


def fail(msg):
    global bad
    bad += 1
    print(msg)


def source(it):
    title = it.get("title") or ""
    body = it.get("content") or it.get("summary") or ""
    if title and body:
        return title + "\n\n" + body
    return title or body


CJK_STOP = re.compile("([\u3002\uff01\uff1f\uff61][\u3002\uff01\uff1f\uff61"
                      "\"')\\]}\u2019\u201d\u00bb\u203a\u300d\u300f\uff09"
                      "\u3011\u3015\uff63\u300b\u3009]*)(?=\\S)")


def words(s):
    """Words as chunk(1) counts them: runs of non-space, also ended after
    a CJK full stop (with its closing brackets)."""
    return [w for w in WS.split(CJK_STOP.sub("\\1 ", s)) if w]


chunks = {}
for line in open(chunks_path, encoding="utf-8"):
    c = json.loads(line)
    chunks.setdefault(c["item_id"], []).append(c)

for line in open(items_path, encoding="utf-8"):
    it = json.loads(line)
    src = source(it)
    cs = chunks.get(it["id"], [])
    ws = words(src)
    if not ws:
        if len(cs) != 1 or cs[0]["count"] != 0:
            fail(f"{it['id']}: no text, wanted one count-0 record: {cs}")
        continue
    if not cs or [c["n"] for c in cs] != list(range(cs[0]["count"])):
        fail(f"{it['id']}: chunks not numbered 0..count-1")
        continue
    covered = []
    prev = None
    for c in cs:
        s, e, t = c["start"], c["end"], c["text"]
        if src[s:e] != t:
            fail(f"{c['id']}: text is not source[{s}:{e}]")
        if c["id"] != f"{it['id']}#{c['n']}":
            fail(f"{c['id']}: bad id")
        if (s > 0 and not WS.match(src[s - 1]) and
                src[s - 1] not in "。！？｡」』）”’") or \
                (e < len(src) and not WS.match(src[e]) and
                 t[-1] not in "。！？｡」』）”’" and not C):
            fail(f"{c['id']}: [{s}:{e}] cuts a word")
        tw = words(t)
        if c["words"] != len(tw) and not C:
            fail(f"{c['id']}: words {c['words']} but {len(tw)} in text")
        if c["words"] > W:
            fail(f"{c['id']}: {c['words']} words > {W}")
        if C and e - s > C and c["words"] > 1:
            fail(f"{c['id']}: {e - s} chars > {C}")
        if prev is not None:
            pw = words(prev["text"])
            if not C:
                want = O if len(pw) > O else 0
                if want and pw[-want:] != tw[:want]:
                    fail(f"{c['id']}: overlap is not the last {want} words")
                covered += tw[want:]
            if O and len(words(prev["text"])) > O and s >= prev["end"]:
                fail(f"{c['id']}: gap after {prev['id']}")
            if s <= prev["start"]:
                fail(f"{c['id']}: no progress")
        else:
            covered += tw
        prev = c
    if not C and covered != ws:
        fail(f"{it['id']}: chunks do not cover the words in order")
    if cs[0]["start"] != len(src) - len(src.lstrip()) and not C:
        fail(f"{it['id']}: first chunk does not start at the first word")
    if cs[-1]["end"] != len(src.rstrip()) and not C:
        fail(f"{it['id']}: last chunk does not end at the last word")
sys.exit(1 if bad else 0)
