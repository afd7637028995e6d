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
import json
import sys
from pathlib import Path

from zhaoshang_ner.ensemble import majority_unscored
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
           "overlap_micro": result.micro("overlap").f1, "boundary_share": boundary_share(result)}
    if base is not None and preds is not base:
        dlo, dhi, share = paired_bootstrap_diff(docs, base, preds)
        out |= {"diff": out["micro"] - evaluate("base", docs, base).micro().f1, "diff_ci": [dlo, dhi], "ahead": share}
    return out


def card_scores(docs, preds: dict) -> dict:
    """One row's scores as ``training_info.json`` keeps an engine's: per-label strict F1, micro, overlap micro."""
    s = scored(docs, preds)
    return {lab: round(s["labels"][lab], 4) for lab in LABELS} | {
        "micro": round(s["micro"], 4), "micro_ci": [round(x, 4) for x in s["ci"]],
        "overlap_micro": round(s["overlap_micro"], 4), "boundary_share": round(s["boundary_share"], 4)}


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


def variant_predictions(spec: str, docs, base_file: Path) -> dict:
    """The spans one variant spec names: ``FILE``, ``units:FILE``, ``rules`` (the base file's rule
    spans), ``rules:FILE`` (that file's), or ``vote:SPEC,SPEC,...``, the strict majority of those members as
    :func:`zhaoshang_ner.ensemble.majority` serves it (``engine="ensemble"``).
    """
    if spec.startswith("vote:"):
        members = [variant_predictions(m, docs, base_file) for m in spec.removeprefix("vote:").split(",")]
        if len(members) < 2:
            raise SystemExit(f"a vote needs two members or more, got {spec!r}")
        ids = set.intersection(*(set(m) for m in members))
        return {i: majority_unscored([m[i] for m in members]) for i in sorted(ids)}
    if spec == "rules":
        return read_predictions(base_file, "rules")
    if spec.startswith("rules:"):
        return read_predictions(Path(spec.removeprefix("rules:")), "rules")
    units = spec.startswith("units:")
    path = Path(spec.removeprefix("units:"))
    if not path.is_file():
        raise SystemExit(f"expected NAME=FILE with an existing file, got {spec!r}")
    preds = read_predictions(path)
    return with_units(docs, preds) if units else preds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", help="cv_predictions.jsonl of the base config (units:FILE, rules:FILE as for a variant); the "
                                 "rules row and the rules members of votes come from this file")
    ap.add_argument("variants", nargs="*", metavar="NAME=SPEC",
                    help="SPEC: a cv_predictions.jsonl; units:FILE puts its spans through today's unit "
                         "rule first (a file written before it; see with_units); rules: the rules' spans; "
                         "vote:SPEC,SPEC,...: the strict majority of those members")
    ap.add_argument("--json", type=Path, default=None, metavar="OUT",
                    help="also write each row's scores in the model card's shape (per-label strict F1, micro, "
                         "overlap micro, the command), for training.ship_second")
    args = ap.parse_args(argv)
    docs, note = load_all(default_corpus_dir())
    if note:
        print(f"note: {note}", file=sys.stderr)
    base_file = Path(args.base.removeprefix("units:").removeprefix("rules:"))
    if args.base.startswith("vote:") or not base_file.is_file():
        raise SystemExit(f"the base must be FILE or units:FILE with an existing file, got {args.base!r}")
    base = variant_predictions(args.base, docs, base_file)
    rows = [("rules", read_predictions(base_file, "rules")), ("base", base)]
    for item in args.variants:
        name, eq, spec = item.partition("=")
        if not eq:
            raise SystemExit(f"expected NAME=FILE with an existing file, got {item!r}")
        preds = variant_predictions(spec, docs, base_file)
        missing = set(base) - set(preds)
        if missing:
            raise SystemExit(f"{spec}: no predictions for {len(missing)} of the base's documents (other folds?)")
        rows.append((name, preds))
    print("\n".join(table(docs, rows, base)))
    if args.json:
        command = "python -m training.ablations " + " ".join(argv if argv is not None else sys.argv[1:])
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({name: card_scores(docs, preds) | {"command": command}
                                         for name, preds in rows}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
