#!/usr/bin/env python3
"""bench/classify-score.py - score predictions the way `classify --eval` does.

Reads JSON lines with `labels` (gold, a list) and `event_type` (predicted)
and prints per-label precision, recall, F1 and the macro-F1 over funding,
acquisition, partnership, hiring, expansion and launch.  A prediction is
right when it is one of the item's labels; otherwise the item counts for
its first label that is not "other" (as classify --eval counts).
With --brief, prints only one line: the macro-F1, then the F1 of each of
the six labels in that order.

With --merge-leadership, a predicted "leadership" counts as the label the
set gives its Employment events: "layoffs" when the sentence is labelled
layoffs and its source types hold Employment (an executive leaving),
else "hiring".  The SENTiVENT set maps its Employment events to hiring
(a start) and layoffs (an end) although most of them are executives
named or leaving, which the labelling guide classify follows
(../shared/data/bbc/README.md) files as leadership; scored unmerged,
every executive appointment or departure classify gets right by the
guide is a miss.  bench/classify-cv.sh scores merged."""
import json
import sys

args = sys.argv[1:]
merge = "--merge-leadership" in args
args = [a for a in args if a != "--merge-leadership"]

LABELS = ["funding", "acquisition", "partnership", "hiring", "layoffs",
          "expansion", "launch", "leadership", "legal", "earnings", "other"]
CORE = ["funding", "acquisition", "partnership", "hiring", "expansion",
        "launch"]
conf = {(g, p): 0 for g in LABELS for p in LABELS}
for line in sys.stdin:
    o = json.loads(line)
    labels, pred = o["labels"], o["event_type"]
    if merge and pred == "leadership":
        pred = "layoffs" if ("layoffs" in labels and "hiring" not in labels
                             and "Employment" in o.get("source_types", [])) \
            else "hiring"
    gold = pred if pred in labels else next(
        (l for l in labels if l != "other"), labels[0])
    conf[(gold, pred)] += 1
f1s, rows = {}, []
for l in LABELS:
    tp = conf[(l, l)]
    gold = sum(conf[(l, k)] for k in LABELS)
    pred = sum(conf[(k, l)] for k in LABELS)
    p = tp / pred if pred else 0
    r = tp / gold if gold else 0
    f1s[l] = 2 * p * r / (p + r) if p + r else 0
    rows.append((l, gold, pred, tp, p, r, f1s[l]))
macro = sum(f1s[l] for l in CORE) / len(CORE)
if args == ["--brief"]:
    print("%.3f %s" % (macro, " ".join("%.3f" % f1s[l] for l in CORE)))
    sys.exit(0)
print("%-12s %6s %6s %6s %9s %7s %6s" % ("label", "gold", "pred", "right",
                                         "precision", "recall", "f1"))
for row in rows:
    print("%-12s %6d %6d %6d %9.3f %7.3f %6.3f" % row)
print("macro-F1 funding acquisition partnership hiring expansion launch: "
      "%.3f" % macro)
