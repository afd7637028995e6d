"""How eager the CRF decoder is to open an entity, chosen on the other fold.

    python -m training.decode_bias --models runs/release_l12_crf_gaz_reg --biases 0,0.25,0.5,0.75,1,1.5
    python -m training.decode_bias --apply 0.5 --model runs/final   # write a chosen bias into a model

Why: a CRF model's spans trail the gold (the 0.6.0 model's precision 71.2
against recall 66.0 on the release folds), and strict F1 peaks nearer where
the two meet. Lowering every character's score for ``O`` by ``b`` is, in a
linear chain, the same as lowering the CRF's start and into-``O`` transition
scores by ``b`` -- so a chosen bias is written into the scores the model
already ships (``config.json`` ``crf``), and neither backend's decoder
changes.

The protocol keeps the choice off the documents it is scored on: each fold
model tags its held-out outlets once (probabilities cached), every bias is
decoded from the cache, and each fold takes the bias that scored best on the
*other* fold. Printed: F1 per fold and bias, the cross-chosen F1 over both
folds with its document-bootstrap interval, and its paired difference to no
bias.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from zhaoshang_ner.encoding import CrfScores, decode
from zhaoshang_ner.evaluate import evaluate
from zhaoshang_ner.gold import default_corpus_dir, load_all
from zhaoshang_ner.labels import TAGS
from zhaoshang_ner.normalize import normalize
from zhaoshang_ner.values import snap_to_units

from .ablations import scored
from .crossval import make_folds

O = TAGS.index("O")


def biased(crf: CrfScores, bias: float) -> CrfScores:
    """The CRF's scores with every ``O`` lowered by ``bias``: the start and every transition into ``O``."""
    start, transitions = crf.start.copy(), crf.transitions.copy()
    start[O] -= bias
    transitions[:, O] -= bias
    return CrfScores(start=start, end=crf.end.copy(), transitions=transitions)


def fold_probabilities(models: Path, docs, folds) -> list[tuple[CrfScores, dict]]:
    """Per fold: the model's CRF scores and, per held-out document, its normalised text and tag probabilities."""
    from zhaoshang_ner.neural import Recognizer

    by_id = {d.id: d for d in docs}
    out = []
    for i, (_, test_ids) in enumerate(folds):
        rec = Recognizer(models / f"fold{i}")
        if rec.crf is None:
            raise SystemExit(f"{models / f'fold{i}'}: not a CRF model (train with \"crf\": true)")
        norms = [normalize(by_id[x].text) for x in test_ids]
        probs = rec.tag_probabilities([n.text for n in norms])
        out.append((rec.crf, {x: (n, p) for x, n, p in zip(test_ids, norms, probs)}))
    return out


def predictions(crf: CrfScores, cached: dict, bias: float) -> dict:
    scores = biased(crf, bias)
    # decoded as the recognisers decode (encoding.WindowedTagger.predict_spans): amounts and areas cut at their unit
    return {x: [(*n.to_original(s, e), label) for s, e, label, _ in
                (snap_to_units(n.text, decode(p, scores)) if len(p) else [])]
            for x, (n, p) in cached.items()}


def choose(f1: dict[tuple[int, float], float], biases: list[float], folds: list[int]) -> float:
    """The bias with the best F1 summed over ``folds`` (ties: the smaller bias, so no bias wins a tie)."""
    return max(biases, key=lambda b: (sum(f1[i, b] for i in folds), -abs(b)))


def apply(model: Path, bias: float) -> None:
    """Write ``bias`` into a CRF model's scores (config.json), note it in training_info.json, renew the manifest."""
    from zhaoshang_ner.manifest import write_manifest

    cfg_path = model / "config.json"
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    crf = CrfScores.from_config(cfg)
    if crf is None:
        raise SystemExit(f"{cfg_path}: not a CRF model")
    info_path = model / "training_info.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    if "decode_o_bias" in info:
        raise SystemExit(f"{model}: a bias ({info['decode_o_bias']}) is already applied")
    shifted = biased(crf, bias)
    cfg["crf"] = {"start": shifted.start.tolist(), "end": shifted.end.tolist(),
                  "transitions": shifted.transitions.tolist()}
    cfg_path.write_text(json.dumps(cfg, indent=2, ensure_ascii=False), encoding="utf-8")
    info["decode_o_bias"] = bias
    info_path.write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")
    write_manifest(model)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, help="fold models saved by training.crossval --scheme release --keep-models")
    ap.add_argument("--biases", default="0,0.25,0.5,0.75,1,1.5")
    ap.add_argument("--apply", type=float, metavar="B", help="write bias B into --model's CRF scores")
    ap.add_argument("--model", type=Path, help="the model folder --apply changes")
    args = ap.parse_args(argv)
    if args.apply is not None:
        if args.model is None:
            ap.error("--apply needs --model")
        apply(args.model, args.apply)
        print(f"{args.model}: O lowered by {args.apply} in the CRF scores")
        return 0
    if args.models is None:
        ap.error("--models is required (or --apply with --model)")
    biases = [float(b) for b in args.biases.split(",")]
    if 0.0 not in biases:
        biases.insert(0, 0.0)
    docs, note = load_all(default_corpus_dir())
    if note:
        print(f"note: {note}", file=sys.stderr)
    folds, _ = make_folds(docs, default_corpus_dir(), 2, "release")
    cached = fold_probabilities(args.models, docs, folds)
    by_id = {d.id: d for d in docs}
    f1 = {}  # (fold, bias) -> F1 on that fold's held-out documents
    print("| bias | " + " | ".join(f"fold {i} F1 (P / R)" for i in range(len(folds))) + " |")
    print("|---|" + "---|" * len(folds))
    for b in biases:
        cells = []
        for i, (crf, cache) in enumerate(cached):
            m = evaluate("model", [by_id[x] for x in cache], predictions(crf, cache, b)).micro()
            f1[i, b] = m.f1
            cells.append(f"{100 * m.f1:.2f} ({100 * m.precision:.1f} / {100 * m.recall:.1f})")
        print(f"| {b:g} | " + " | ".join(cells) + " |")
    chosen, none = {}, {}
    picks = []
    for i, (crf, cache) in enumerate(cached):
        pick = choose(f1, biases, [j for j in range(len(cached)) if j != i])
        picks.append(pick)
        chosen |= predictions(crf, cache, pick)
        none |= predictions(crf, cache, 0.0)
    s = scored(docs, chosen, none)
    overall = choose(f1, biases, list(range(len(cached))))
    print(f"\nchosen on the other fold: {', '.join(f'fold {i}: {b:g}' for i, b in enumerate(picks))}; "
          f"for a model trained on every document (best over both folds): {overall:g}")
    print(f"cross-chosen micro F1 {100 * s['micro']:.2f} ({100 * s['ci'][0]:.1f}–{100 * s['ci'][1]:.1f}); "
          f"against no bias {100 * s['diff']:+.2f} ({100 * s['diff_ci'][0]:+.1f} to {100 * s['diff_ci'][1]:+.1f}), "
          f"ahead in {100 * s['ahead']:.0f}% of resamples; per label "
          + ", ".join(f"{k} {100 * v:.1f}" for k, v in s["labels"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
