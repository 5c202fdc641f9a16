#!/usr/bin/env python3
"""gen-long-line.py SHAPE MIB: one item record whose content is MIB MiB of
text of one shape, for the memory tests of chunk and summarize:
  words      one-letter words, "a b c ... z a b ..." (one sentence)
  sentences  one-word sentences, "a. b. c. ..."
  word       one word of MIB MiB
  cjk        Chinese sentences without spaces, "中文字。中文字。..."
  greek      accented Greek words, "άλφα βήτα ..." (one sentence)
  distinct   words all different, "w0 w1 w2 ..." (one sentence)
"""
import json
import sys

shape, mib = sys.argv[1], int(sys.argv[2])
size = mib << 20
unit = {
    "words": "".join(chr(97 + i) + " " for i in range(26)),
    "sentences": "".join(chr(97 + i) + ". " for i in range(26)),
    "word": "a" * 1024,
    "cjk": "中文字。" * 64,
    "greek": "άλφα βήτα " * 64,
    "distinct": "",
}[shape]
if shape == "distinct":
    words, total, i = [], 0, 0
    while total < size:
        w = "w%d" % i
        words.append(w)
        total += len(w) + 1
        i += 1
    text = " ".join(words)
else:
    n = size // len(unit.encode()) + 1
    text = (unit * n).strip()
sys.stdout.write(json.dumps({"id": shape, "title": "Long " + shape,
                             "content": text}, ensure_ascii=False) + "\n")
