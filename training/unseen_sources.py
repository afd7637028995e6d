"""Score models on gold documents from sources none of them was trained on.

    python -m training.unseen_sources --model shipped=model/weights --model l12=runs/old67_l12

Each model folder's ``training_info.json`` lists the documents it was trained
on; the test set is every gold document whose source repository (SOURCES.tsv;
the seeds are one source) none of the models has seen. That is the situation
a user's new report is in. Prints strict P/R/F1 per label for the rules and
each model, micro-F1 with a document-bootstrap 95% interval, the paired
difference of each model against the first, the share of boundary errors,
and the scores per family.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from zhaoshang_ner.evaluate import boundary_share, bootstrap_ci, evaluate, paired_bootstrap_diff
from zhaoshang_ner.gold import default_corpus_dir, load_all
from zhaoshang_ner.labels import LABELS
from zhaoshang_ner.neural import Recognizer
from zhaoshang_ner.report import predictions_for

from .crossval import source_groups


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", action="append", required=True, help="NAME=FOLDER, repeatable")
    ap.add_argument("--corpus-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None, help="write the table and figures as JSON here")
    ap.add_argument("--bootstrap", type=int, default=1000)
    args = ap.parse_args(argv)
    corpus_dir = args.corpus_dir or default_corpus_dir()
    docs, note = load_all(corpus_dir, require_corpus=True)
    groups = dict(zip([d.id for d in docs], source_groups(docs, corpus_dir)))
    models = [tuple(m.split("=", 1)) for m in args.model]
    seen: set[str] = set()
    for _, folder in models:
        info = json.loads((Path(folder) / "training_info.json").read_text(encoding="utf-8"))
        seen |= {groups.get(i, "seeds") for i in info["docs"]}
    test = [d for d in docs if groups[d.id] not in seen]
    if not test:
        sys.exit("every gold source was seen in training by some model: nothing unseen to score")
    print(f"{len(test)} documents from {len({groups[d.id] for d in test})} unseen sources, "
          f"{sum(len(d.text) for d in test)} characters, {sum(len(d.entities) for d in test)} entities")
    preds = {"rules": predictions_for("rules", test)}
    for name, folder in models:
        preds[name] = predictions_for(Recognizer(folder), test)
    results = {name: evaluate(name, test, p) for name, p in preds.items()}
    cis = dict(zip(preds, bootstrap_ci(test, *preds.values(), n=args.bootstrap)))
    print(f"\n{'label':<10}" + "".join(f"{n:>22}" for n in preds))
    for label in LABELS:
        print(f"{label:<10}" + "".join(
            f"{100 * r.strict[label].precision:7.1f}{100 * r.strict[label].recall:7.1f}"
            f"{100 * r.strict[label].f1:8.1f}" for r in results.values()))
    print(f"{'micro':<10}" + "".join(
        f"{100 * r.micro().precision:7.1f}{100 * r.micro().recall:7.1f}{100 * r.micro().f1:8.1f}"
        for r in results.values()))
    out = {"docs": [d.id for d in test], "engines": {}}
    print()
    first = models[0][0]
    for name, r in results.items():
        lo, hi = cis[name]
        line = (f"{name:<12} micro-F1 {100 * r.micro().f1:5.1f} (95% CI {100 * lo:.1f}-{100 * hi:.1f}), "
                f"overlap {100 * r.micro('overlap').f1:5.1f}, boundary share of errors {100 * boundary_share(r):.0f}%")
        entry = {"micro": r.micro().f1, "ci": [lo, hi], "overlap": r.micro("overlap").f1,
                 "boundary_share": boundary_share(r), "labels": {lab: r.strict[lab].f1 for lab in LABELS},
                 "families": {fam: sum_f1(v) for fam, v in r.per_family.items()}}
        if name not in ("rules", first):
            dlo, dhi, win = paired_bootstrap_diff(test, preds[first], preds[name], n=args.bootstrap)
            line += f"; vs {first}: {100 * dlo:+.1f} to {100 * dhi:+.1f} (wins in {100 * win:.0f}% of resamples)"
            entry["vs_first"] = [dlo, dhi, win]
        print(line)
        out["engines"][name] = entry
    print("\nper family (strict micro-F1):")
    fams = sorted({f for r in results.values() for f in r.per_family})
    print(f"{'family':<14}" + "".join(f"{n:>12}" for n in preds))
    for fam in fams:
        print(f"{fam:<14}" + "".join(f"{100 * sum_f1(r.per_family.get(fam, {})):12.1f}" for r in results.values()))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


def sum_f1(per_label) -> float:
    from zhaoshang_ner.evaluate import PRF

    total = PRF()
    for prf in per_label.values():
        total += prf
    return total.f1


if __name__ == "__main__":
    sys.exit(main())
