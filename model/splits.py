"""Document-level splits for cross-validation.

Sentences of one report share its parks, companies and style, so splitting
by sentence leaks; every split here keeps a document (and, for grouped folds,
a whole source family) on one side.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Hashable, Iterator, Sequence, TypeVar

T = TypeVar("T")


def leave_one_out(ids: Sequence[T]) -> Iterator[tuple[list[T], list[T]]]:
    """Leave-one-document-out folds: (train ids, [test id]) for each document."""
    for i, held in enumerate(ids):
        yield [x for j, x in enumerate(ids) if j != i], [held]


def grouped_folds(ids: Sequence[T], groups: Sequence[Hashable], k: int) -> list[tuple[list[T], list[T]]]:
    """k folds where no group is split between train and test.

    Groups are dealt largest-first to the currently smallest fold (by number
    of documents), which balances fold sizes deterministically.
    """
    if len(ids) != len(groups):
        raise ValueError("ids and groups must have the same length")
    members: dict[Hashable, list[T]] = defaultdict(list)
    for i, g in zip(ids, groups):
        members[g].append(i)
    if k < 2 or k > len(members):
        raise ValueError(f"k must be between 2 and the number of groups ({len(members)}), got {k}")
    folds: list[list[T]] = [[] for _ in range(k)]
    for g in sorted(members, key=lambda g: (-len(members[g]), str(g))):
        min(folds, key=len).extend(members[g])
    return [([x for x in ids if x not in set(test)], test) for test in folds]
