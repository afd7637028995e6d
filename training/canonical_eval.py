"""Pairwise score of canonical names on ``annotations/canonical_gold.tsv``.

Every pair of mentions of one label (within a document and across documents)
is a "same entity" decision: gold says same when the two rows carry the same
canonical name; the system says same when :func:`canonical_names`, run on each
document's mentions together, gives them the same id. Precision, recall and F1
are over the pairs decided "same"; they are printed overall, per label, and for
within-document and cross-document pairs, with the pairs the system got wrong.

Run: ``python -m training.canonical_eval [--gold FILE] [--no-gazetteer]``.
"""
from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from zhaoshang_ner.canonical import Canonicalizer, canonical_names
from zhaoshang_ner.normalize import normalize_span
from zhaoshang_ner.schema import Entity

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "annotations" / "canonical_gold.tsv"


def read_gold(path: Path) -> list[dict[str, str]]:
    """Rows of doc, mention, label, canonical (``#`` lines are comments)."""
    with path.open(encoding="utf-8") as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    for r in rows:
        if not all(r.get(k) for k in ("doc", "mention", "label", "canonical")):
            raise ValueError(f"{path}: every row needs doc, mention, label and canonical; got {r}")
    return rows


def predict_ids(rows: list[dict[str, str]], canonicalizer: Canonicalizer | None = None) -> list[str]:
    """The system's id for every gold row, each document's mentions read as one report."""
    by_doc: defaultdict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_doc[r["doc"]].append(i)
    ids = [""] * len(rows)
    for members in by_doc.values():
        ents, pos = [], 0
        for i in members:
            m = rows[i]["mention"]
            ents.append(Entity(rows[i]["label"], pos, pos + len(m), m, normalize_span(m)))
            pos += len(m) + 1
        found = canonical_names(ents, canonicalizer=canonicalizer)
        for k, i in enumerate(members):
            ids[i] = found[k][0]
    return ids


def pairwise(rows: list[dict[str, str]], ids: list[str], keep=lambda a, b: True) -> dict[str, float]:
    tp = fp = fn = 0
    for a, b in combinations(range(len(rows)), 2):
        if rows[a]["label"] != rows[b]["label"] or not keep(rows[a], rows[b]):
            continue
        gold = rows[a]["canonical"] == rows[b]["canonical"]
        pred = ids[a] == ids[b]
        tp += gold and pred
        fp += pred and not gold
        fn += gold and not pred
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"pairs_gold": tp + fn, "pairs_pred": tp + fp, "tp": tp, "precision": p, "recall": r, "f1": f}


class _NoGazetteer(Canonicalizer):
    """Within-document matching and hashed ids only (the gazetteers' share of the score)."""

    def canonical(self, label, normalized_name):  # noqa: D102
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--no-gazetteer", action="store_true", help="score without the shipped gazetteers")
    args = ap.parse_args(argv)
    rows = read_gold(args.gold)
    ids = predict_ids(rows, _NoGazetteer() if args.no_gazetteer else None)
    groups = {
        "all": lambda a, b: True,
        "company": lambda a, b: a["label"] == "company",
        "park": lambda a, b: a["label"] == "park",
        "within-doc": lambda a, b: a["doc"] == b["doc"],
        "cross-doc": lambda a, b: a["doc"] != b["doc"],
    }
    n_docs = len({r["doc"] for r in rows})
    print(f"{len(rows)} mentions, {n_docs} documents ({args.gold.name}); "
          f"gazetteers {'off' if args.no_gazetteer else 'on'}")
    print(f"{'pairs':<11}{'gold':>6}{'pred':>6}{'tp':>5}{'P':>8}{'R':>8}{'F1':>8}")
    for name, keep in groups.items():
        s = pairwise(rows, ids, keep)
        print(f"{name:<11}{s['pairs_gold']:>6}{s['pairs_pred']:>6}{s['tp']:>5}"
              f"{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}")
    print("\nerrors (FN = gold same, system apart; FP = system same, gold apart):")
    for a, b in combinations(range(len(rows)), 2):
        ra, rb = rows[a], rows[b]
        if ra["label"] != rb["label"]:
            continue
        gold, pred = ra["canonical"] == rb["canonical"], ids[a] == ids[b]
        if gold != pred:
            kind = "FN" if gold else "FP"
            print(f"  {kind} {ra['label']:<8} {ra['doc']}:{ra['mention']}  ~  {rb['doc']}:{rb['mention']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
