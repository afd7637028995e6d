"""Micro-F1 of two sets of cross-validation predictions, fold by fold.

    python -m training.fold_compare reports/crossval_variants/cv_predictions.jsonl \
        reports/crossval_variants/cv_predictions_mention_replacement50.jsonl

Why: a pooled difference of a few tenths can hide one fold that moved a lot;
keeping an augmentation should rest on the folds agreeing, not on the pool.
Both files must come from runs on the same folds (``training.crossval``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zhaoshang_ner.evaluate import evaluate
from zhaoshang_ner.gold import default_corpus_dir, load_all

from .crossval import make_folds, read_predictions


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", type=Path, help="cv_predictions*.jsonl of the base config")
    ap.add_argument("other", type=Path, help="cv_predictions*.jsonl of the variant")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args(argv)
    corpus_dir = default_corpus_dir()
    docs, note = load_all(corpus_dir)
    if note:
        print(f"note: {note}", file=sys.stderr)
    folds, scheme = make_folds(docs, corpus_dir, args.folds)
    base, other = read_predictions(args.base), read_predictions(args.other)
    print(f"{scheme}; strict micro-F1 per fold")
    print("| fold | test docs | base | other | difference |")
    print("|---|---|---|---|---|")
    for i, (_, test_ids) in enumerate(folds):
        tests = [d for d in docs if d.id in set(test_ids)]
        a = evaluate("base", tests, base).micro().f1
        b = evaluate("other", tests, other).micro().f1
        print(f"| {i} | {len(tests)} | {100 * a:.1f} | {100 * b:.1f} | {100 * (b - a):+.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
