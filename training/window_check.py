"""Score the fold models of a cross-validation under different inference windows.

    python -m training.crossval --config training/configs/cluener.json --out reports/crossval --keep-models runs/cv_models
    python -m training.window_check --models runs/cv_models

Why: the models are fine-tuned on windows of ``max_chars`` characters; an
inference window longer than that puts characters at positions the
fine-tuning never saw. This prints the held-out strict micro-F1 (and per
label) of the same fold models with each window setting, so the setting the
package uses is a measured one.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zhaoshang_ner.evaluate import evaluate
from zhaoshang_ner.gold import default_corpus_dir, load_all

from .crossval import f1_table, fold_model_predictions, make_folds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, required=True, help="folder with fold0, fold1, ... from --keep-models")
    ap.add_argument("--windows", default="254:192,128:96,128:64,128:32",
                    help="comma-separated max_chars:stride settings to compare")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args(argv)
    corpus_dir = default_corpus_dir()
    docs, note = load_all(corpus_dir)
    if note:
        print(f"note: {note}", file=sys.stderr)
    folds, scheme = make_folds(docs, corpus_dir, args.folds)
    print(f"{scheme}; fold models from {args.models}")
    rows = []
    for setting in args.windows.split(","):
        max_chars, stride = (int(x) for x in setting.split(":"))
        preds = fold_model_predictions(args.models, docs, folds, max_chars=max_chars, stride=stride)
        rows.append((setting, evaluate(setting, docs, preds)))
    print("\n".join(f1_table(rows, "window:stride")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
