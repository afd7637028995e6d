"""Evaluation reports: Markdown, JSON and a chart, engines side by side."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from .evaluate import EngineResult, Error
from .gold import GoldDoc, quotable
from .labels import LABELS

Span = tuple[int, int, str]


def predictions_for(engine, docs: Sequence[GoldDoc], lexicon=None) -> dict[str, list[Span]]:
    """Original-offset spans of ``engine`` on each gold document."""
    from .api import predict_many

    records = predict_many([d.text for d in docs], engine=engine, lexicon=lexicon)
    return {d.id: [(e.start, e.end, e.label) for e in r.entities] for d, r in zip(docs, records)}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def scores_table(results: Sequence[EngineResult], view: str = "strict") -> str:
    head = "| label | " + " | ".join(f"{r.engine} P | {r.engine} R | {r.engine} F1" for r in results) + " | gold |"
    sep = "|---|" + "---|---|---|" * len(results) + "---|"
    rows = [head, sep]
    for label in LABELS:
        cells = []
        for r in results:
            s = getattr(r, view)[label]
            cells.append(f"{_pct(s.precision)} | {_pct(s.recall)} | **{_pct(s.f1)}**")
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {getattr(results[0], view)[label].gold} |")
    cells = []
    for r in results:
        m = r.micro(view)
        cells.append(f"{_pct(m.precision)} | {_pct(m.recall)} | **{_pct(m.f1)}**")
    rows.append("| **micro** | " + " | ".join(cells) + f" | {results[0].micro(view).gold} |")
    rows.append("| macro F1 | " + " | ".join(f" |  | **{_pct(r.macro_f1(view))}**" for r in results) + " | |")
    return "\n".join(rows)


def counts_table(results: Sequence[EngineResult]) -> str:
    rows = ["| engine | label | gold | predicted | correct (strict) | correct (overlap) |", "|---|---|---|---|---|---|"]
    for r in results:
        for label in LABELS:
            s, o = r.strict[label], r.overlap[label]
            rows.append(f"| {r.engine} | {label} | {s.gold} | {s.pred} | {s.correct} | {o.correct} |")
    return "\n".join(rows)


def per_doc_table(results: Sequence[EngineResult]) -> str:
    ids = list(results[0].per_doc)
    rows = ["| document | " + " | ".join(f"{r.engine} record F1" for r in results) + " | distinct gold entities |",
            "|---|" + "---|" * (len(results) + 1)]
    for d in ids:
        rows.append(f"| {d} | " + " | ".join(_pct(r.per_doc[d].f1) for r in results) + f" | {results[0].per_doc[d].gold} |")
    return "\n".join(rows)


def per_family_table(results: Sequence[EngineResult]) -> str:
    fams = sorted(results[0].per_family)
    rows = ["| family | label | " + " | ".join(f"{r.engine} F1" for r in results) + " | gold |",
            "|---|---|" + "---|" * (len(results) + 1)]
    for fam in fams:
        for label in list(LABELS) + ["micro"]:
            cells = []
            for r in results:
                scores = r.per_family.get(fam, {})
                if label == "micro":
                    from .evaluate import PRF

                    tot = PRF()
                    for lab in LABELS:
                        tot += scores.get(lab, PRF())
                    cells.append(_pct(tot.f1))
                    gold = tot.gold
                else:
                    cells.append(_pct(scores[label].f1) if label in scores else "-")
                    gold = scores[label].gold if label in scores else 0
            rows.append(f"| {fam} | {label} | " + " | ".join(cells) + f" | {gold} |")
    return "\n".join(rows)


def _error_line(e: Error) -> str:
    g = f"{e.gold[2]}" if e.gold else "-"
    p = f"{e.pred[2]}" if e.pred else "-"
    where = (e.gold or e.pred)[0]
    context = e.context if quotable(e.doc) else f"(shared corpus: [{where}, {(e.gold or e.pred)[1]}) of {e.doc}.txt, not quoted)"
    return f"| {e.doc}@{where} | {e.kind} | {g} | {p} | {context} |"


def errors_section(result: EngineResult, per_kind: int = 12) -> str:
    from collections import Counter

    kinds = Counter(e.kind for e in result.errors)
    out = [f"#### {result.engine}: {sum(kinds.values())} errors "
           + ", ".join(f"{k} {kinds[k]}" for k in ("missed", "spurious", "boundary", "label"))]
    by_label = Counter(((e.gold or e.pred)[2], e.kind) for e in result.errors)
    out.append("\n| label | missed | spurious | boundary | label |\n|---|---|---|---|---|")
    for label in LABELS:
        out.append(f"| {label} | " + " | ".join(str(by_label[(label, k)]) for k in ("missed", "spurious", "boundary", "label")) + " |")
    out.append("")
    for kind in ("missed", "spurious", "boundary", "label"):
        sample = [e for e in result.errors if e.kind == kind]
        # the worst errors: long spans first (a whole company or park lost), then by document
        sample.sort(key=lambda e: (-((e.gold or e.pred)[1] - (e.gold or e.pred)[0]), e.doc))
        if not sample:
            continue
        out.append(f"\n{kind} (first {min(per_kind, len(sample))} of {len(sample)}, longest first):\n")
        out.append("| where | kind | gold | predicted | context |\n|---|---|---|---|---|")
        out += [_error_line(e) for e in sample[:per_kind]]
    return "\n".join(out)


def disagreement_section(a: EngineResult, b: EngineResult, docs: Sequence[GoldDoc],
                         pred_a: dict, pred_b: dict, per_side: int = 10) -> str:
    """Gold entities one engine gets exactly right and the other does not."""
    from collections import Counter

    text = {d.id: d.text for d in docs}
    only: dict[str, list[tuple[str, Span]]] = {a.engine: [], b.engine: []}
    for d in docs:
        gold = set(d.spans())
        pa, pb = set(map(tuple, pred_a.get(d.id, []))), set(map(tuple, pred_b.get(d.id, [])))
        only[a.engine] += [(d.id, g) for g in sorted(gold & pa - pb)]
        only[b.engine] += [(d.id, g) for g in sorted(gold & pb - pa)]
    out = []
    for name, items in only.items():
        c = Counter(g[2] for _, g in items)
        out.append(f"- right only with **{name}**: {len(items)} ("
                   + ", ".join(f"{label} {c[label]}" for label in LABELS) + ")")
    for name, items in only.items():
        out.append(f"\nExamples right only with {name}: "
                   + "、".join(f"{text[d][g[0]:g[1]]} ({g[2]}, {d})" for d, g in
                             [(d, g) for d, g in items if quotable(d) and g[1] - g[0] <= 20][:per_side]))
    return "\n".join(out)


def chart(results: Sequence[EngineResult], path: Path, extra: dict[str, dict[str, float]] | None = None) -> None:
    """Grouped bars: strict and overlap F1 per label for each engine."""
    # a Figure of its own: no pyplot state, no backend switch in the caller's process
    from .extras import require

    require(("matplotlib",), "eval", "the report's chart")
    from matplotlib.figure import Figure

    labels = list(LABELS) + ["micro"]
    fig = Figure(figsize=(9, 4.2))
    ax = fig.subplots()
    n = len(results) * 2
    width = 0.8 / n
    for i, r in enumerate(results):
        for j, view in enumerate(("strict", "overlap")):
            vals = [getattr(r, view)[lab].f1 for lab in LABELS] + [r.micro(view).f1]
            xs = [k + (2 * i + j - (n - 1) / 2) * width for k in range(len(labels))]
            ax.bar(xs, vals, width, label=f"{r.engine} ({view})", alpha=1.0 if view == "strict" else 0.55)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylim(0, 1)
    ax.set_ylabel("F1")
    ax.set_title("Entity F1 per label")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def to_json(results: Sequence[EngineResult]) -> dict:
    out = {}
    for r in results:
        out[r.engine] = {
            "strict": {label: r.strict[label].as_dict() for label in LABELS} | {"micro": r.micro().as_dict(),
                                                                              "macro_f1": r.macro_f1()},
            "overlap": {label: r.overlap[label].as_dict() for label in LABELS} | {"micro": r.micro("overlap").as_dict()},
            "record_level": {label: r.record_level[label].as_dict() for label in LABELS}
            | {"micro": r.micro("record_level").as_dict()},
            "per_doc_record_f1": {d: s.f1 for d, s in r.per_doc.items()},
            "seqeval_strict": r.seqeval,
        }
    return out


def write_report(results: Sequence[EngineResult], out_dir: Path, *, title: str, docs: Sequence[GoldDoc],
                 predictions: dict[str, dict], preface: str = "", extra_sections: Sequence[str] = ()) -> Path:
    """Write REPORT.md, scores.json and f1_by_label.png under ``out_dir``; return the Markdown path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chart(results, out_dir / "f1_by_label.png")
    (out_dir / "scores.json").write_text(json.dumps(to_json(results), indent=1, ensure_ascii=False, default=float), encoding="utf-8")
    md = [f"# {title}", "", preface, "",
          "## Strict entity-level scores (seqeval, IOB2, strict mode)", "", scores_table(results, "strict"), "",
          "## Overlap (relaxed) match", "", scores_table(results, "overlap"), "",
          "## Record-level scores (distinct normalised entities per document)", "",
          scores_table(results, "record_level"), "",
          "![F1 per label](f1_by_label.png)", "",
          "## Counts", "", counts_table(results), "",
          "## Per source family (strict F1)", "", per_family_table(results), "",
          "## Per document (record-level F1)", "", per_doc_table(results), ""]
    if len(results) >= 2:
        a, b = results[0], results[1]
        md += ["## What one engine gets right and the other misses", "",
               disagreement_section(a, b, docs, predictions[a.engine], predictions[b.engine]), ""]
    md += list(extra_sections)
    md += ["## Errors", ""] + [errors_section(r) + "\n" for r in results]
    path = out_dir / "REPORT.md"
    path.write_text("\n".join(md), encoding="utf-8")
    return path


def terminal_summary(results: Sequence[EngineResult]) -> str:
    lines = [f"{'label':<10}" + "".join(f"{r.engine + ' P/R/F1 (strict)':>30}" for r in results)]
    for label in list(LABELS) + ["micro"]:
        row = f"{label:<10}"
        for r in results:
            s = r.micro() if label == "micro" else r.strict[label]
            row += f"{_pct(s.precision):>10}{_pct(s.recall):>10}{_pct(s.f1):>10}"
        lines.append(row)
    lines.append(f"{'macro F1':<10}" + "".join(f"{_pct(r.macro_f1()):>30}" for r in results))
    return "\n".join(lines)
