#!/usr/bin/python3
"""bench/classify-ceiling.py - how far a bag-of-n-grams model gets on the
event development set, as a yardstick for classify's rules and model.

Not a peer: a reference point.  scikit-learn's TF-IDF (word 1- and
2-grams, sublinear tf, min_df 2) with a one-vs-rest linear model (logistic
regression or a linear SVM, with and without balanced class weights, over
a few regularisation strengths), trained and tested by 4-fold
cross-validation by article: the article names sorted (C locale) and
numbered from 1, fold = number mod 4, so fold 0 is the test side of
bench/classify-split.sh.  Each item is trained on its first label that is
not "other"; scored as `classify --eval` scores (a prediction is right when
it is one of the item's labels).  Prints macro-F1 over funding,
acquisition, partnership, hiring, expansion and launch, pooled over the
folds (confusion counts summed), and per fold for the best setting.

Needs python3-sklearn, which ./deps --bench leaves out on purpose: it
brings numpy, which sqlite-utils (bench/store.sh's peer) then imports at
every start (+0.05 s, +12 MB).  Install it for this script
(apt-get install python3-sklearn) and remove it before timing store.
Runs Debian's /usr/bin/python3.
$EVENTS names the set (default ../shared/data/events/sentivent-dev.jsonl
beside the repository).  About two minutes.
"""
import json
import os
import sys
import warnings

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

# a linear SVM that stops at its iteration limit is still a yardstick
warnings.filterwarnings("ignore", category=ConvergenceWarning)

LABELS = ["funding", "acquisition", "partnership", "hiring", "layoffs",
          "expansion", "launch", "leadership", "legal", "earnings", "other"]
CORE = ["funding", "acquisition", "partnership", "hiring", "expansion",
        "launch"]

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
path = os.environ.get("EVENTS", os.path.join(
    top, "..", "shared", "data", "events", "sentivent-dev.jsonl"))
if not os.access(path, os.R_OK):
    sys.exit("classify-ceiling: %s: not readable (set EVENTS)" % path)
with open(path, encoding="utf-8") as f:
    items = [json.loads(line) for line in f]


def article(o):
    return o["id"].split(":")[1]


names = sorted({article(o) for o in items}, key=lambda s: s.encode())
fold = {a: (i + 1) % 4 for i, a in enumerate(names)}


def primary(labels):
    return next((lab for lab in labels if lab != "other"), labels[0])


def macro(pairs):
    conf = {}
    for labels, pred in pairs:
        gold = pred if pred in labels else primary(labels)
        conf[gold, pred] = conf.get((gold, pred), 0) + 1
    f1 = []
    for lab in CORE:
        tp = conf.get((lab, lab), 0)
        gold = sum(v for (g, _), v in conf.items() if g == lab)
        pred = sum(v for (_, p), v in conf.items() if p == lab)
        p = tp / pred if pred else 0
        r = tp / gold if gold else 0
        f1.append(2 * p * r / (p + r) if p + r else 0)
    return sum(f1) / len(f1)


def folds(make):
    """[(pairs of fold 0), ..., (pairs of fold 3)] for a model maker."""
    out = []
    for k in range(4):
        train = [o for o in items if fold[article(o)] != k]
        test = [o for o in items if fold[article(o)] == k]
        vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2,
                              sublinear_tf=True)
        x = vec.fit_transform([o["title"] for o in train])
        model = make().fit(x, [primary(o["labels"]) for o in train])
        pred = model.predict(vec.transform([o["title"] for o in test]))
        out.append([(o["labels"], p) for o, p in zip(test, pred)])
    return out


settings = []
for c in (1, 4, 16):
    for cw in (None, "balanced"):
        settings.append(("logistic regression C=%g %s" % (c, cw or ""),
                         lambda c=c, cw=cw: LogisticRegression(
                             C=c, max_iter=2000, class_weight=cw)))
for c in (0.1, 0.3, 1):
    for cw in (None, "balanced"):
        settings.append(("linear SVM C=%g %s" % (c, cw or ""),
                         lambda c=c, cw=cw: LinearSVC(C=c, class_weight=cw)))

best = None
print("macro-F1 over the six labels, 4-fold cross-validation by article")
for name, make in settings:
    per = folds(make)
    pooled = macro([p for f in per for p in f])
    print("%-40s pooled %.3f" % (name, pooled), flush=True)
    if best is None or pooled > best[1]:
        best = (name, pooled, per)
print("best: %s, pooled %.3f; per fold %s" % (best[0], best[1], " ".join(
    "%.3f" % macro(f) for f in best[2])))
