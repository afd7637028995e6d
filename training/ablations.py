"""One table for model variants scored on the same grouped folds: F1, the paired difference, labels, boundaries.

    python -m training.ablations reports/crossval_release_bf16/cv_predictions.jsonl \\
        gazetteer=runs/cv_release_l12_gaz/cv_predictions.jsonl crf=runs/cv_release_l12_crf/cv_predictions.jsonl

Why: issue 17 keeps a step only if it helps on sources the model never saw,
and asks for the boundary errors beside F1. Every file must come from
``training.crossval`` on the same folds; the rules row comes from the base
file (the rules are not trained, so every file holds the same rule spans).
Intervals are document-bootstrap 95% (1,000 resamples, the same resamples
for every variant).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zhaoshang_ner.evaluate import boundary_share, bootstrap_ci, evaluate, paired_bootstrap_diff
from zhaoshang_ner.gold import default_corpus_dir, load_all
from zhaoshang_ner.labels import LABELS

from .crossval import read_predictions


def scored(docs, preds: dict, base: dict | None = None) -> dict:
    """Strict micro-F1 with its interval, per-label F1, boundary share and, against ``base``, the paired difference.

    One place for the figures every comparison table of the repository
    prints (this module's, ``training.serving_check``'s).
    """
    result = evaluate("variant", docs, preds)
    (lo, hi), = bootstrap_ci(docs, preds)
    out = {"micro": result.micro().f1, "ci": [lo, hi], "labels": {lab: result.strict[lab].f1 for lab in LABELS},
           "boundary_share": boundary_share(result)}
    if base is not None and preds is not base:
        dlo, dhi, share = paired_bootstrap_diff(docs, base, preds)
        out |= {"diff": out["micro"] - evaluate("base", docs, base).micro().f1, "diff_ci": [dlo, dhi], "ahead": share}
    return out


def with_units(docs, preds: dict) -> dict:
    """``preds`` as today's neural decoder emits them: amounts and areas cut at their unit
    (:func:`zhaoshang_ner.values.snap_to_units`, on the normalised text as the decoder runs it).

    For prediction files written before that rule: the rule works on the
    decoded spans alone, so this gives exactly what a rerun would.
    """
    from zhaoshang_ner.normalize import normalize
    from zhaoshang_ner.values import snap_to_units

    out = {}
    for d in docs:
        if d.id not in preds:
            continue
        norm = normalize(d.text)
        mapped = []
        for s, e, label in preds[d.id]:
            span = norm.from_original(s, e)
            if span is None:
                raise ValueError(f"{d.id}: predicted span [{s}, {e}) covers no normalised character")
            mapped.append((*span, label))
        out[d.id] = [(*norm.to_original(s, e), label) for s, e, label in snap_to_units(norm.text, mapped)]
    return out


def table(docs, rows: list[tuple[str, dict]], base: dict) -> list[str]:
    head = "| variant | micro F1 (95% CI) | Δ vs base (95% CI) | ahead | " + " | ".join(LABELS) + " | boundary share |"
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, preds in rows:
        s = scored(docs, preds, base)
        delta, ahead = "–", "–"
        if "diff" in s:
            delta = f"{100 * s['diff']:+.2f} ({100 * s['diff_ci'][0]:+.1f} to {100 * s['diff_ci'][1]:+.1f})"
            ahead = f"{100 * s['ahead']:.0f}%"
        labels = " | ".join(f"{100 * s['labels'][label]:.1f}" for label in LABELS)
        out.append(f"| {name} | {100 * s['micro']:.1f} ({100 * s['ci'][0]:.1f}–{100 * s['ci'][1]:.1f}) | {delta} | "
                   f"{ahead} | {labels} | {100 * s['boundary_share']:.0f}% |")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", type=Path, help="cv_predictions.jsonl of the base config")
    ap.add_argument("variants", nargs="*", metavar="NAME=[units:]FILE",
                    help="cv_predictions.jsonl of each variant; units: puts its spans through today's unit "
                         "rule first (a file written before it; see with_units)")
    args = ap.parse_args(argv)
    docs, note = load_all(default_corpus_dir())
    if note:
        print(f"note: {note}", file=sys.stderr)
    base = read_predictions(args.base)
    rows = [("rules", read_predictions(args.base, "rules")), ("base", base)]
    for item in args.variants:
        name, eq, path = item.partition("=")
        units = path.startswith("units:")
        path = path.removeprefix("units:")
        if not eq or not Path(path).is_file():
            raise SystemExit(f"expected NAME=FILE with an existing file, got {item!r}")
        preds = read_predictions(Path(path))
        missing = set(base) - set(preds)
        if missing:
            raise SystemExit(f"{path}: no predictions for {len(missing)} of the base's documents (other folds?)")
        rows.append((name, with_units(docs, preds) if units else preds))
    print("\n".join(table(docs, rows, base)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
