"""A span-level rules + model combiner, learned on cross-validated predictions (issue 17, step 4).

    python -m training.combiner --predictions reports/crossval_release/cv_predictions.jsonl

Candidates are the union of both engines' spans on each held-out document.
Each candidate falls in a cell -- label x who found it (both, model only,
rules only) x whether the other engine has an overlapping span (and of the same
label) x length -- and a cell's precision is learned on the *other* release
fold's documents (so no outlet is both learned from and scored on), backing off
to coarser cells under 8 examples. Candidates above a precision threshold are
kept, most precise first, without overlaps. Printed: strict micro-F1 and per
label of rules, model and the combiner per threshold, with paired bootstrap
intervals against each engine. The cv_predictions file holds no model
probabilities, so by default the cells use only what both engines' spans say;
``--fold-models DIR`` (the exported fold copies ``training.serving_check``
writes, e.g. ``runs/serving_check``) re-tags each fold's held-out documents with
its int8 model as ``predict`` serves it and adds the span's model probability
(mean over its characters, in four bins) to the cell, right after its source.

    python -m training.combiner --predictions runs/cv_release_l12/cv_predictions.jsonl --fold-models runs/serving_check
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

from zhaoshang_ner.evaluate import evaluate, micro_f1, paired_bootstrap_diff
from zhaoshang_ner.gold import default_corpus_dir, load_all

from .crossval import held_out, make_folds, read_predictions

Span = tuple[int, int, str]


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _bin(score: float | None) -> str:
    if score is None:
        return "-"
    return "p<.6" if score < 0.6 else "p<.8" if score < 0.8 else "p<.95" if score < 0.95 else "p>=.95"


def candidates(model: list[Span], rules: list[Span],
               scores: dict[Span, float] | None = None) -> list[tuple[Span, tuple[str, ...]]]:
    m, r = set(model), set(rules)
    out = []
    for s in sorted(m | r):
        src = "both" if s in m and s in r else "model" if s in m else "rules"
        prob = () if scores is None else (_bin(scores.get(s)),)
        other = r if src == "model" else m if src == "rules" else set()
        conflict = any(_overlaps(o, s) for o in other)
        same_label = any(_overlaps(o, s) and o[2] == s[2] for o in other)
        n = s[1] - s[0]
        length = "1-2" if n <= 2 else "3-4" if n <= 4 else "5-8" if n <= 8 else "9+"
        out.append((s, (s[2], src, *prob, "overlap" if conflict else "alone", "same" if same_label else "-", length)))
    return out


def fit(cands_by_doc, gold_by_doc, ids):
    counts: dict[tuple, list[int]] = collections.defaultdict(lambda: [0, 0])
    for i in ids:
        for s, key in cands_by_doc[i]:
            for k in range(2, len(key) + 1):
                counts[key[:k]][0] += s in gold_by_doc[i]
                counts[key[:k]][1] += 1
    return counts


def precision(counts, key, min_n: int = 8) -> float:
    for k in range(len(key), 1, -1):
        hit, n = counts.get(key[:k], (0, 0))
        if n >= min_n:
            return (hit + 1) / (n + 2)
    return 0.5


def combine(counts, cands, threshold: float) -> list[Span]:
    chosen: list[Span] = []
    for p, s in sorted(((precision(counts, key), s) for s, key in cands), reverse=True):
        if p < threshold:
            break
        if not any(_overlaps(o, s) for o in chosen):
            chosen.append(s)
    return sorted(chosen)


def scored_fold_predictions(models: Path, docs, folds) -> dict[str, dict[Span, float]]:
    """Each fold's int8 model (as served) on its held-out documents: original-offset spans with scores."""
    from zhaoshang_ner.onnx_engine import OnnxRecognizer

    scored, _ = held_out(docs, folds, lambda i: OnnxRecognizer(models / f"fold{i}"), scored=True)
    return {doc_id: {s[:3]: s[3] for s in spans} for doc_id, spans in scored.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--predictions", type=Path, required=True, help="cv_predictions.jsonl of a release-fold crossval")
    ap.add_argument("--thresholds", default="0.3,0.4,0.5")
    ap.add_argument("--fold-models", type=Path, default=None,
                    help="exported fold copies (fold0, fold1 with model.int8.onnx): the model's spans and "
                         "probabilities come from them")
    args = ap.parse_args(argv)
    corpus = default_corpus_dir()
    docs, note = load_all(corpus)
    if note:
        raise SystemExit(f"needs the shared corpus: {note}")
    folds, _ = make_folds(docs, corpus, 2, "release")
    model, rules = read_predictions(args.predictions, "model"), read_predictions(args.predictions, "rules")
    gold = {d.id: set(d.spans()) for d in docs}
    scores = None
    if args.fold_models:
        scores = scored_fold_predictions(args.fold_models, docs, folds)
        model = {i: sorted(v) for i, v in scores.items()}
    cands = {d.id: candidates(model[d.id], rules[d.id], scores[d.id] if scores else None) for d in docs}
    rows = [("rules", rules), ("model", model)]
    for t in [float(x) for x in args.thresholds.split(",")]:
        preds: dict[str, list[Span]] = {}
        for train_ids, test_ids in folds:
            counts = fit(cands, gold, train_ids)
            preds.update({i: combine(counts, cands[i], t) for i in test_ids})
        rows.append((f"combiner p>={t:g}", preds))
    labels = list(evaluate("x", docs, rules).strict)
    print("| engine | " + " | ".join(labels) + " | micro | vs rules | vs model |")
    print("|---|" + "---|" * (len(labels) + 3))
    for name, p in rows:
        res = evaluate(name, docs, p)
        vs = ["", ""] if name in ("rules", "model") else [
            "{:+.1f} to {:+.1f}".format(*(100 * x for x in paired_bootstrap_diff(docs, other, p)[:2]))
            for other in (rules, model)]
        print(f"| {name} | " + " | ".join(f"{100 * res.strict[lab].f1:.1f}" for lab in labels)
              + f" | {100 * micro_f1(docs, p):.1f} | {vs[0]} | {vs[1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
