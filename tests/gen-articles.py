#!/usr/bin/env python3
"""gen-articles.py N [SEED]: N article records with varied, deterministic
text (paragraphs, abbreviations, decimals, quotes, accents, CJK, empty
items) for the retrieval tests and benchmarks."""
import json
import random
import sys

n = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
VOCAB = ("the market bitcoin rose fell percent investors bank rates "
         "company shares said analysts expect growth quarter revenue "
         "crypto token exchange fund price week deal startup raised "
         "café naïve Zürich résumé Ærø façade").split()
ENDS = [".", ".", ".", "!", "?", "…", ".\u201d", ".)"]
SPECIAL = ["Mr. Smith", "Dr. Jones", "e.g. this", "U.S. stocks", "3.5%",
           "$4.2 billion", "J. R. Doe", "\u201cquoted\u201d", "vs. rivals",
           "i.e. that", "No. 1"]
CJK = ["比特币价格上涨。", "投资者很乐观！", "这是真的吗？", "市场「稳定」。"]


def sentence():
    k = rng.randint(3, 25)
    ws = [rng.choice(VOCAB) for _ in range(k)]
    if rng.random() < 0.3:
        ws.insert(rng.randrange(len(ws)), rng.choice(SPECIAL))
    s = " ".join(ws)
    return s[0].upper() + s[1:] + rng.choice(ENDS)


def paragraph():
    if rng.random() < 0.1:
        return "".join(rng.choice(CJK) for _ in range(rng.randint(1, 8)))
    seps = [" ", " ", " ", "  ", "\n", " \u00a0"]
    return "".join(sentence() + rng.choice(seps)
                   for _ in range(rng.randint(1, 12))).strip()


for i in range(n):
    it = {"id": f"a{i}", "url": f"https://news.example.com/{i}",
          "title": sentence().rstrip(".!?…)\u201d"),
          "published": f"2026-11-{1 + i % 28:02d}T08:00:00Z",
          "source": "Example"}
    r = rng.random()
    body = "\n\n".join(paragraph() for _ in range(rng.randint(1, 15)))
    if r < 0.05:
        it.pop("title")
    elif r < 0.1:
        it["title"] = ""
    elif r < 0.5:
        it["content"] = body
    elif r < 0.9:
        it["summary"] = body
    print(json.dumps(it, ensure_ascii=False))
