"""Learning curve by number of sources: does a new source help more than more text of known ones?

    python -m training.source_curve --config training/configs/l4.json --out reports/source_curve

The folds are the release folds of :mod:`training.crossval` (train on corpus v1,
test on v2, and back; no outlet in both), so every point is scored on outlets
its model never saw. Within each fold's training pool, for k = 1, 2, 4 ... :

* **sources** -- every document of k outlets (a seeded shuffle of the pool's outlets);
* **same text, all sources** -- documents drawn at random from *every* outlet of
  the pool until they hold as many characters as the k-outlet set.

At equal text the two differ only in how many sources the text comes from, so
"all sources" minus "k sources" is what diversity buys over more text of known
sources; the "sources" curve itself is what each added outlet buys. The full pool
is the last point of both. Scores are strict micro-F1 pooled over both folds with a
document-bootstrap 95% interval (and per fold, as the folds' test sets differ).
"""
from __future__ import annotations

import argparse
import json
import random
import shlex
import sys
import time
from pathlib import Path

from zhaoshang_ner.evaluate import bootstrap_ci, micro_f1, paired_bootstrap_diff
from zhaoshang_ner.gold import GoldDoc, default_corpus_dir, load_all
from zhaoshang_ner.report import predictions_for

from .config import TrainConfig
from .crossval import make_folds, run_folds, source_groups


def plan(docs: list[GoldDoc], outlet: dict[str, str], train_ids: list[str], ks: list[int],
         seed: int) -> list[dict]:
    """The training sets of one fold: per k, the k-outlet set and an equal-text draw from all outlets."""
    by_id = {d.id: d for d in docs}
    outlets = sorted({outlet[i] for i in train_ids})
    rng = random.Random(seed)
    rng.shuffle(outlets)
    points = []
    for k in [k for k in ks if k < len(outlets)]:
        chosen = set(outlets[:k])
        few = [i for i in train_ids if outlet[i] in chosen]
        budget = sum(len(by_id[i].text) for i in few)
        pool = list(train_ids)
        rng_k = random.Random(seed * 1000 + k)
        rng_k.shuffle(pool)
        many, chars = [], 0
        for i in pool:  # stop at the document that crosses the budget, whichever side is closer
            if chars >= budget:
                break
            n = len(by_id[i].text)
            if chars + n > budget and (chars + n - budget) > (budget - chars):
                continue
            many.append(i)
            chars += n
        points.append({"k": k, "outlets": sorted(chosen), "sources": sorted(few), "all_sources": sorted(many)})
    points.append({"k": len(outlets), "outlets": outlets, "sources": sorted(train_ids),
                   "all_sources": sorted(train_ids)})
    return points


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--ks", default="1,2,4", help="numbers of training outlets below the full pool")
    ap.add_argument("--seed", type=int, default=0, help="order in which outlets are taken")
    ap.add_argument("--corpus-dir", type=Path, default=None)
    ap.add_argument("--base-model", default=None)
    args = ap.parse_args(argv)
    cfg = TrainConfig.from_file(args.config, base_model=args.base_model)
    corpus_dir = args.corpus_dir or default_corpus_dir()
    docs, note = load_all(corpus_dir)
    if note:
        raise SystemExit(f"the by-source curve needs the shared corpus: {note}")
    folds, scheme = make_folds(docs, corpus_dir, 2, "release")
    outlet = dict(zip([d.id for d in docs], source_groups(docs, corpus_dir)))
    by_id = {d.id: d for d in docs}
    ks = [int(x) for x in args.ks.split(",") if x.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "command.txt").write_text(
        "python -m training.source_curve " + shlex.join(argv if argv is not None else sys.argv[1:]) + "\n",
        encoding="utf-8")
    logf = open(args.out / "log.jsonl", "a", encoding="utf-8")

    def log(line: str) -> None:
        print(line, file=sys.stderr)
        logf.write(json.dumps({"t": round(time.time()), "msg": line}, ensure_ascii=False) + "\n")
        logf.flush()

    log(scheme)
    plans = [plan(docs, outlet, train_ids, ks, args.seed) for train_ids, _ in folds]
    # predictions per (point index, condition): held-out spans of both folds' models
    cache_path = args.out / "predictions.json"
    cache = json.loads(cache_path.read_text(encoding="utf-8")) if cache_path.is_file() else {}
    n_points = min(len(p) for p in plans)
    rows = []
    rules = predictions_for("rules", docs)
    for j in range(n_points):
        conditions = ("sources", "all_sources") if j < n_points - 1 else ("sources",)
        for cond in conditions:
            key = f"{j}:{cond}"
            if key not in cache:
                preds: dict = {}
                for f, (train_ids, test_ids) in enumerate(folds):
                    pt = plans[f][j] if j < n_points - 1 else plans[f][-1]
                    fold = [(pt[cond], test_ids)]
                    preds.update(run_folds(cfg, docs, fold, log=lambda s, f=f, key=key: log(f"{key} fold {f}: {s}")))
                cache[key] = {i: [list(s) for s in v] for i, v in preds.items()}
                cache_path.write_text(json.dumps(cache), encoding="utf-8")
            preds = {i: [tuple(s) for s in v] for i, v in cache[key].items()}
            per_fold = [micro_f1([by_id[i] for i in test], preds) for _, test in folds]
            lo, hi = bootstrap_ci(docs, preds)[0]
            pts = [plans[f][j] if j < n_points - 1 else plans[f][-1] for f in range(len(folds))]
            rows.append({"point": j, "condition": cond,
                         "k": [p["k"] for p in pts],
                         "outlets": [len({outlet[i] for i in p[cond]}) for p in pts],
                         "docs": [len(p[cond]) for p in pts],
                         "chars": [sum(len(by_id[i].text) for i in p[cond]) for p in pts],
                         "micro_f1": micro_f1(docs, preds), "ci": [lo, hi], "per_fold": per_fold})
            log(json.dumps(rows[-1]))
    diffs = []
    for j in range(n_points - 1):
        a = {i: [tuple(s) for s in v] for i, v in cache[f"{j}:sources"].items()}
        b = {i: [tuple(s) for s in v] for i, v in cache[f"{j}:all_sources"].items()}
        diffs.append(paired_bootstrap_diff(docs, a, b))
    (args.out / "curve.json").write_text(json.dumps({"rows": rows, "diffs": diffs, "plans": plans}, indent=1),
                                         encoding="utf-8")
    rules_f1 = micro_f1(docs, rules)
    lines = [f"{scheme}; config {args.config}; outlet order seed {args.seed}; rules (no training) "
             f"{100 * rules_f1:.1f} on the same documents.", "",
             "| training outlets (fold v1->v2 / v2->v1) | condition | outlets used | docs | chars | "
             "micro-F1 (95% CI) | v1->v2 | v2->v1 |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        name = "k outlets, all their text" if r["condition"] == "sources" else "same text from every outlet"
        lines.append(f"| {r['k'][0]} / {r['k'][1]} | {name} | {r['outlets'][0]} / {r['outlets'][1]} | "
                     f"{r['docs'][0]} / {r['docs'][1]} | {r['chars'][0]} / {r['chars'][1]} | "
                     f"{100 * r['micro_f1']:.1f} ({100 * r['ci'][0]:.1f}-{100 * r['ci'][1]:.1f}) | "
                     f"{100 * r['per_fold'][0]:.1f} | {100 * r['per_fold'][1]:.1f} |")
    lines.append("")
    for j, (lo, hi, win) in enumerate(diffs):
        lines.append(f"- point {j}: same text from every outlet minus k outlets: {100 * lo:+.1f} to {100 * hi:+.1f} "
                     f"(ahead in {100 * win:.0f}% of resamples)")
    text = "\n".join(lines) + "\n"
    (args.out / "curve.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
