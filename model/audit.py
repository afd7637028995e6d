"""Consistency audit of the gold: one string, one ruling, everywhere.

For every string annotated with a label somewhere, list (a) its occurrences
elsewhere that are not annotated at all, (b) occurrences annotated with
another label, and (c) boundary variants: an annotated span of the same label
that contains it (比亚迪 / 比亚迪电池), or any span that lies inside it or
crosses its edges. Nesting inside a span of another label is the guide's
rule (深港生物医药产业园 holds 生物医药) and not reported. Each finding names the
ruling in ``annotations/DECISIONS.md`` that mentions the string, where there
is one, so a reviewer decides by the recorded ruling, not by taste.

Occurrences are counted on the normalised text (simplified, pinyin-free), so
a traditional mention is compared with its simplified twin; offsets refer to
each document's own text. Contexts are capped short: the corpus text is never
reproduced at length.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from .gold import GoldDoc
from .normalize import normalize

#: Strings shorter than this are too ambiguous to audit (工, 区, 亿).
MIN_CHARS = 2
#: Names are audited; amounts and areas are numbers, whose substrings (5亿元 in 15亿元)
#: are not mentions: their consistency is the validator's and the value parser's job.
AUDITED = ("company", "park", "industry")
#: Characters of context on each side in the listing.
CONTEXT = 6


@dataclass(frozen=True)
class Finding:
    kind: str  # "unannotated", "other-label", "boundary"
    surface: str  # normalised string that is annotated elsewhere
    label: str  # the label it carries elsewhere
    doc: str
    start: int  # offsets into the document's own text
    end: int
    detail: str  # other label, or the variant span
    context: str
    ruling: str | None = None


def _rulings(decisions: Path | None) -> list[str]:
    """The bullet and numbered lines of DECISIONS.md: each is one ruling."""
    if decisions is None or not decisions.is_file():
        return []
    return [line.strip() for line in decisions.read_text(encoding="utf-8").splitlines()
            if re.match(r"\s*(?:-|\d+\.)\s", line)]


def _occurrences(text: str, surfaces: dict[str, Counter]) -> list[tuple[int, int, str]]:
    """Every occurrence of every annotated surface in ``text`` (overlapping ones too)."""
    by_first: dict[str, list[str]] = defaultdict(list)
    for s in surfaces:
        by_first[s[0]].append(s)
    return [(i, i + len(s), s) for i, ch in enumerate(text) for s in by_first.get(ch, ()) if text.startswith(s, i)]


def audit(docs: Sequence[GoldDoc], decisions: Path | None = None) -> list[Finding]:
    """Every inconsistency of the gold, as findings (see the module docstring)."""
    annotated: dict[str, Counter] = defaultdict(Counter)  # normalised surface -> label counts
    for d in docs:
        for e in d.entities:
            surf = normalize(d.text[e.start:e.end]).text
            if len(surf) >= MIN_CHARS and e.label in AUDITED:
                annotated[surf][e.label] += 1
    rulings = _rulings(decisions)
    norm_rulings = [normalize(r).text for r in rulings]

    def ruling(surf: str) -> str | None:
        return next((raw[:160] for raw, n in zip(rulings, norm_rulings) if surf in n), None)

    findings: list[Finding] = []
    for d in docs:
        norm = normalize(d.text)
        gold = [(e.start, e.end, e.label) for e in d.entities]
        for ns, ne, surf in _occurrences(norm.text, annotated):
            start, end = norm.to_original(ns, ne)
            label = annotated[surf].most_common(1)[0][0]
            ctx = (d.text[max(0, start - CONTEXT):start] + "[" + d.text[start:end] + "]"
                   + d.text[end:end + CONTEXT]).replace("\n", " ")
            exact = [g for g in gold if g[0] == start and g[1] == end]
            overlapping = [g for g in gold if g[0] < end and start < g[1]]
            if exact:
                if exact[0][2] != label:
                    findings.append(Finding("other-label", surf, label, d.id, start, end, exact[0][2], ctx, ruling(surf)))
            elif not overlapping:
                findings.append(Finding("unannotated", surf, label, d.id, start, end, "", ctx, ruling(surf)))
            else:
                # inside a longer span of another label: legitimate (深港生物医药产业园 holds 生物医药);
                # a same-label span that is longer, shorter or crossing: two edges for one name
                variants = [g for g in overlapping if g[2] == label or not (g[0] <= start and end <= g[1])]
                if variants:
                    g = variants[0]
                    findings.append(Finding("boundary", surf, label, d.id, start, end,
                                            f"{g[2]} {normalize(d.text[g[0]:g[1]]).text}", ctx, ruling(surf)))
    return findings


def summary_markdown(findings: Sequence[Finding], limit: int = 40) -> str:
    """Counts per kind and label, then the most frequent surfaces of each kind."""
    lines = ["| kind | " + " | ".join(sorted({f.label for f in findings})) + " | all |"]
    labels = sorted({f.label for f in findings})
    lines.append("|---|" + "---|" * (len(labels) + 1))
    for kind in ("unannotated", "other-label", "boundary"):
        c = Counter(f.label for f in findings if f.kind == kind)
        lines.append(f"| {kind} | " + " | ".join(str(c[l]) for l in labels) + f" | {sum(c.values())} |")
    out = ["\n".join(lines)]
    for kind in ("unannotated", "other-label", "boundary"):
        c = Counter((f.surface, f.label) for f in findings if f.kind == kind)
        if not c:
            continue
        out.append(f"\n### {kind} (most frequent surfaces)\n")
        for (surf, label), n in c.most_common(limit):
            ex = next(f for f in findings if f.kind == kind and f.surface == surf and f.label == label)
            rule = f" — ruling: {ex.ruling}" if ex.ruling else ""
            out.append(f"- {surf} ({label}) ×{n}, e.g. {ex.doc}@{ex.start} {ex.detail}{rule}")
    return "\n".join(out)


def findings_tsv(findings: Sequence[Finding]) -> str:
    """Every finding, one per line, for a reviewer to work through."""
    cols = ["kind", "label", "surface", "doc", "start", "end", "detail", "context", "ruling"]
    rows = ["\t".join(cols)]
    for f in findings:
        d = asdict(f)
        rows.append("\t".join(str(d[c] or "").replace("\t", " ") for c in cols))
    return "\n".join(rows) + "\n"
