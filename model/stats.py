"""Counts of the gold annotations (for annotations/README.md): per label, per
document, per family, and the average span length."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Sequence

from .gold import GoldDoc
from .labels import LABELS


def gold_stats_markdown(docs: Sequence[GoldDoc]) -> str:
    per_label = Counter()
    length = defaultdict(int)
    fam_docs: dict[str, Counter] = defaultdict(Counter)
    rows = ["| document | family | characters | " + " | ".join(LABELS) + " | total |",
            "|---|---|---|" + "---|" * (len(LABELS) + 1)]
    for d in docs:
        c = Counter(e.label for e in d.entities)
        for e in d.entities:
            per_label[e.label] += 1
            length[e.label] += e.end - e.start
        fam_docs[d.family].update(c)
        fam_docs[d.family]["_docs"] += 1
        fam_docs[d.family]["_chars"] += len(d.text)
        rows.append(f"| {d.id} | {d.family} | {len(d.text)} | " + " | ".join(str(c[lab]) for lab in LABELS)
                    + f" | {sum(c.values())} |")
    total = sum(per_label.values())
    head = ["| label | spans | average length (characters) |", "|---|---|---|"]
    head += [f"| {lab} | {per_label[lab]} | {length[lab] / max(1, per_label[lab]):.1f} |" for lab in LABELS]
    head.append(f"| all | {total} | {sum(length.values()) / max(1, total):.1f} |")
    fam = ["| family | documents | characters | " + " | ".join(LABELS) + " |", "|---|---|---|" + "---|" * len(LABELS)]
    for f, c in sorted(fam_docs.items()):
        fam.append(f"| {f} | {c['_docs']} | {c['_chars']} | " + " | ".join(str(c[lab]) for lab in LABELS) + " |")
    return "\n".join(["### Per label", "", *head, "", "### Per family", "", *fam, "", "### Per document", "", *rows])


def agreement_markdown(first: Sequence[GoldDoc], second_path) -> str:
    """Inter-annotator strict F1 per label between the gold and a second, independent annotation."""
    import json

    from .evaluate import PRF, strict_counts

    second = {}
    with open(second_path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                second[row["id"]] = [(e["start"], e["end"], e["label"]) for e in row["entities"]]
    totals = {lab: PRF() for lab in LABELS}
    docs = [d for d in first if d.id in second]
    for d in docs:
        for lab, s in strict_counts(d.spans(), second[d.id]).items():
            totals[lab] += s
    rows = [f"Documents annotated twice: {', '.join(d.id for d in docs)}", "",
            "| label | first annotator | second annotator | identical spans | strict F1 |", "|---|---|---|---|---|"]
    micro = PRF()
    for lab in LABELS:
        s = totals[lab]
        micro += s
        rows.append(f"| {lab} | {s.gold} | {s.pred} | {s.correct} | {100 * s.f1:.1f} |")
    rows.append(f"| micro | {micro.gold} | {micro.pred} | {micro.correct} | {100 * micro.f1:.1f} |")
    return "\n".join(rows)
