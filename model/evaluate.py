"""Entity-level evaluation of engines against gold documents.

Strict scores come from seqeval (IOB2, strict mode) over character tags, so
they are the numbers anyone can reproduce with the standard tool. Beside them:
an overlap (relaxed) match, record-level scores over distinct normalised
entities (what a user loading reports into a table sees), and every error
classified as missed, spurious, wrong boundary or wrong label.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from .bio import spans_to_tags
from .gold import GoldDoc
from .labels import LABELS
from .normalize import normalize_span

Span = tuple[int, int, str]


@dataclass
class PRF:
    gold: int = 0
    pred: int = 0
    correct: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __iadd__(self, other: "PRF") -> "PRF":
        self.gold += other.gold
        self.pred += other.pred
        self.correct += other.correct
        return self

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "gold": self.gold, "pred": self.pred, "correct": self.correct}


@dataclass(frozen=True)
class Error:
    doc: str
    kind: str  # missed | spurious | boundary | label
    gold: Span | None
    pred: Span | None
    context: str


@dataclass
class EngineResult:
    engine: str
    strict: dict[str, PRF]
    overlap: dict[str, PRF]
    record_level: dict[str, PRF]
    per_doc: dict[str, PRF]
    per_family: dict[str, dict[str, PRF]]
    errors: list[Error] = field(default_factory=list)
    seqeval: dict = field(default_factory=dict)

    def micro(self, view: str = "strict") -> PRF:
        total = PRF()
        for label in LABELS:
            total += getattr(self, view)[label]
        return total

    def macro_f1(self, view: str = "strict") -> float:
        scores = getattr(self, view)
        return sum(scores[label].f1 for label in LABELS) / len(LABELS)


def strict_counts(gold: Iterable[Span], pred: Iterable[Span]) -> dict[str, PRF]:
    """Exact-match counts per label (what seqeval's strict IOB2 mode computes)."""
    g, p = set(gold), set(pred)
    out = {label: PRF() for label in LABELS}
    for s in g:
        out[s[2]].gold += 1
    for s in p:
        out[s[2]].pred += 1
    for s in g & p:
        out[s[2]].correct += 1
    return out


def overlap_counts(gold: Sequence[Span], pred: Sequence[Span]) -> dict[str, PRF]:
    """Relaxed match: a prediction is correct if it overlaps a not-yet-matched gold span of its label."""
    out = {label: PRF() for label in LABELS}
    for s in gold:
        out[s[2]].gold += 1
    used: set[Span] = set()
    for p in sorted(pred):
        out[p[2]].pred += 1
        for g in gold:
            if g not in used and g[2] == p[2] and g[0] < p[1] and p[0] < g[1]:
                used.add(g)
                out[p[2]].correct += 1
                break
    return out


def record_counts(gold: Sequence[Span], pred: Sequence[Span], text: str) -> dict[str, PRF]:
    """Distinct (label, normalised text) pairs: the per-report table a user builds."""
    def distinct(spans: Sequence[Span]) -> set[tuple[str, str]]:
        return {(lab, normalize_span(text[s:e])) for s, e, lab in spans}

    return _distinct_prf(distinct(gold), distinct(pred))


def _distinct_prf(gold: set[tuple[str, str]], pred: set[tuple[str, str]]) -> dict[str, PRF]:
    out = {label: PRF() for label in LABELS}
    for lab, _ in gold:
        out[lab].gold += 1
    for lab, _ in pred:
        out[lab].pred += 1
    for lab, _ in gold & pred:
        out[lab].correct += 1
    return out


def context(text: str, start: int, end: int, width: int, cap: int | None) -> str:
    """The span in brackets with ``width`` characters either side (at most ``cap`` in all)."""
    left, right, inside = text[max(0, start - width):start], text[end:end + width], text[start:end]
    if cap is not None:
        if len(inside) > cap:  # never quote more than ``cap`` characters of a text that may not be copied
            inside = inside[: cap - 1] + "…"
        room = max(0, cap - len(inside))
        left, right = left[len(left) - room // 2:] if room // 2 else "", right[: room - room // 2]
    return (left + "[" + inside + "]" + right).replace("\n", " ")


def classify_errors(doc: GoldDoc, pred: Sequence[Span], *, cap: int | None = None) -> list[Error]:
    gold = doc.spans()
    gset, pset = set(gold), set(pred)
    errors: list[Error] = []
    matched_gold: set[Span] = set()
    for p in sorted(pset - gset):
        overlapping = [g for g in gold if g[0] < p[1] and p[0] < g[1] and g not in pset]
        if not overlapping:
            errors.append(Error(doc.id, "spurious", None, p, context(doc.text, p[0], p[1], 12, cap)))
            continue
        g = overlapping[0]
        matched_gold.update(overlapping)
        kind = "boundary" if g[2] == p[2] else "label"
        errors.append(Error(doc.id, kind, g, p, context(doc.text, min(g[0], p[0]), max(g[1], p[1]), 12, cap)))
    for g in sorted(gset - pset - matched_gold):
        errors.append(Error(doc.id, "missed", g, None, context(doc.text, g[0], g[1], 12, cap)))
    return errors


def evaluate(engine: str, docs: Sequence[GoldDoc], predictions: Mapping[str, Sequence[Span]],
             *, corpus_context_cap: int = 20) -> EngineResult:
    """Score one engine's predictions (original offsets per document id) on gold docs.

    Error contexts of corpus documents are capped at ``corpus_context_cap``
    characters: the corpus may be read, not copied into reports.
    """
    from .extras import require

    require(("seqeval",), "eval", "scoring against gold")
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    strict = {label: PRF() for label in LABELS}
    overlap = {label: PRF() for label in LABELS}
    record = {label: PRF() for label in LABELS}
    per_doc: dict[str, PRF] = {}
    per_family: dict[str, dict[str, PRF]] = defaultdict(lambda: {label: PRF() for label in LABELS})
    errors: list[Error] = []
    y_true, y_pred = [], []
    for doc in docs:
        pred = [tuple(p) for p in predictions.get(doc.id, [])]
        gold = doc.spans()
        y_true.append(spans_to_tags(len(doc.text), gold))
        y_pred.append(spans_to_tags(len(doc.text), pred))
        s = strict_counts(gold, pred)
        for label in LABELS:
            strict[label] += s[label]
            per_family[doc.family][label] += s[label]
        o = overlap_counts(gold, pred)
        r = record_counts(gold, pred, doc.text)
        doc_total = PRF()
        for label in LABELS:
            overlap[label] += o[label]
            record[label] += r[label]
            doc_total += r[label]
        per_doc[doc.id] = doc_total
        errors += classify_errors(doc, pred, cap=None if doc.family == "seeds" else corpus_context_cap)
    report = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    return EngineResult(engine, strict, overlap, record, per_doc, dict(per_family), errors, report)


def micro_f1(docs: Sequence[GoldDoc], predictions: Mapping[str, Sequence[Span]]) -> float:
    total = PRF()
    for d in docs:
        for prf in strict_counts(d.spans(), [tuple(p) for p in predictions.get(d.id, [])]).values():
            total += prf
    return total.f1


def bootstrap_ci(docs: Sequence[GoldDoc], *predictions: Mapping[str, Sequence[Span]], n: int = 1000,
                 seed: int = 0, alpha: float = 0.05) -> list[tuple[float, float]]:
    """Document-bootstrap (1 - alpha) intervals of strict micro-F1, one per prediction set.

    Resampling whole documents keeps each document's entities together (they are
    not independent); the same resamples serve every prediction set, so with two
    sets the interval of their difference is :func:`paired_bootstrap_diff`.
    """
    import random

    rng = random.Random(seed)
    counts = [[_doc_counts(d, p) for d in docs] for p in predictions]
    samples: list[list[float]] = [[] for _ in predictions]
    for _ in range(n):
        idx = [rng.randrange(len(docs)) for _ in docs]
        for k, per_doc in enumerate(counts):
            samples[k].append(_f1_of(per_doc[i] for i in idx))
    return [_interval(s, alpha) for s in samples]


def paired_bootstrap_diff(docs: Sequence[GoldDoc], a: Mapping[str, Sequence[Span]], b: Mapping[str, Sequence[Span]],
                          n: int = 1000, seed: int = 0, alpha: float = 0.05) -> tuple[float, float, float]:
    """F1(b) - F1(a) with its document-bootstrap interval, and the share of resamples where b wins."""
    import random

    rng = random.Random(seed)
    ca = [_doc_counts(d, a) for d in docs]
    cb = [_doc_counts(d, b) for d in docs]
    diffs = []
    for _ in range(n):
        idx = [rng.randrange(len(docs)) for _ in docs]
        diffs.append(_f1_of(cb[i] for i in idx) - _f1_of(ca[i] for i in idx))
    lo, hi = _interval(diffs, alpha)
    return lo, hi, sum(d > 0 for d in diffs) / n


def _doc_counts(doc: GoldDoc, predictions: Mapping[str, Sequence[Span]]) -> tuple[int, int, int]:
    gold, pred = set(doc.spans()), {tuple(p) for p in predictions.get(doc.id, [])}
    return len(gold & pred), len(pred), len(gold)


def _f1_of(rows) -> float:
    tp = npred = ngold = 0
    for a, b, c in rows:
        tp, npred, ngold = tp + a, npred + b, ngold + c
    return 2 * tp / (npred + ngold) if npred + ngold else 0.0


def _interval(values: list[float], alpha: float) -> tuple[float, float]:
    v = sorted(values)
    return v[int(len(v) * alpha / 2)], v[min(len(v) - 1, int(len(v) * (1 - alpha / 2)))]


def boundary_share(result: EngineResult) -> float:
    """Share of an engine's errors that are right-label spans with wrong edges."""
    return sum(e.kind == "boundary" for e in result.errors) / max(1, len(result.errors))
