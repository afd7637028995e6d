"""A majority vote of engines: the spans most of them find, exactly.

Why a vote and not a learned combiner: the learned span combiners (issue 17,
step 4, ``training.combiner``) lost to the model alone, because cell
precisions learned on one group of sources did not carry to the next. A
strict majority has no parameter to carry: a span is kept when more than half
of the engines return it with the same edges and label. Two kept spans can
never overlap (each engine's own spans are disjoint, so two overlapping spans
would need more votes than there are engines), so the vote needs no
tie-breaking either.

The members are functions on normalised text like every engine of
:mod:`zhaoshang_ner.api`; this module only counts.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

#: (start, end, label, score) on normalised text, as every engine returns them.
ScoredSpan = tuple[int, int, str, float]


def majority(span_lists: Sequence[Sequence[ScoredSpan]]) -> list[ScoredSpan]:
    """The spans more than half of ``span_lists`` (one list per engine, same text) contain.

    A kept span's score is the mean of the engines' scores for it, an engine
    that did not return it counting 0, so agreement and each engine's
    confidence both show in it. Each engine's list must hold disjoint spans
    (every engine of this package returns them so); overlapping ones are an
    error, since they could vote two overlapping spans in.
    """
    n = len(span_lists)
    if n == 0:
        raise ValueError("a vote needs at least one engine")
    scores: dict[tuple[int, int, str], list[float]] = defaultdict(list)
    for i, spans in enumerate(span_lists):
        last_end = -1
        for s, e, label, score in sorted(spans):
            if s < last_end:
                raise ValueError(f"engine {i} of the vote returned overlapping spans (one starts at {s} "
                                 f"before the previous ends at {last_end}); a vote needs disjoint spans")
            last_end = e
            scores[(s, e, label)].append(float(score))
    kept = [(*key, sum(v) / n) for key, v in scores.items() if 2 * len(v) > n]
    return sorted(kept)


def majority_unscored(span_lists: Sequence[Sequence[tuple[int, int, str]]]) -> list[tuple[int, int, str]]:
    """:func:`majority` for spans without scores (cross-validation prediction files)."""
    return [s[:3] for s in majority([[(*s[:3], 1.0) for s in spans] for spans in span_lists])]
