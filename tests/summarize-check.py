#!/usr/bin/env python3
"""summarize-check.py IN OUT SENTENCES CHARS: check summarize's extractive
output against its input, record by record:
  - same number of records, in order; every field of the input unchanged;
  - a record with text (content, else summary; not blank) has a synopsis
    and synopsis_source "extractive"; one without has neither;
  - the synopsis is at most CHARS characters, has no whitespace run,
    line break or leading/trailing space;
  - without its final ellipsis (a cut), its characters other than spaces
    come from the text in order (an ordered subsequence of the text's
    non-space characters), so nothing was invented or reordered.
SENTENCES is not checked here (the sentence tests do)."""
import json
import sys

fin, fout, nsent, nchars = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4])
ins = [json.loads(l) for l in open(fin, encoding="utf-8") if l.strip()]
outs = [json.loads(l) for l in open(fout, encoding="utf-8")]
assert len(ins) == len(outs), (len(ins), len(outs))


def subseq(small, big):
    it = iter(big)
    return all(c in it for c in small)


for i, (a, b) in enumerate(zip(ins, outs)):
    where = f"record {i} ({a.get('id')})"
    for k, v in a.items():
        if k in ("synopsis", "synopsis_source"):
            continue
        assert b.get(k) == v, f"{where}: field {k} changed"
    text = a.get("content") or a.get("summary")
    if not isinstance(text, str) or not text.strip():
        assert "synopsis" not in b and "synopsis_source" not in b, where
        continue
    s = b["synopsis"]
    assert b["synopsis_source"] == "extractive", where
    assert 0 < len(s) <= nchars, f"{where}: {len(s)} characters"
    assert s == s.strip() and "  " not in s and "\n" not in s, where
    cut = s.endswith("\u2026") and not text.rstrip().endswith("\u2026")
    body = s[:-1] if cut else s
    flat = "".join(text.split())
    assert subseq("".join(body.split()), flat), f"{where}: not from text"
print(f"ok: {len(ins)} records")
