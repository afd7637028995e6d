"""The one label set of the project, and the BIO tag set derived from it.

Every engine, the gold loader, the model config (``id2label``) and the
evaluation read the labels from here, so adding a label is a one-line change.
"""
from __future__ import annotations

LABELS: tuple[str, ...] = ("company", "park", "amount", "area", "industry")

#: IOB2 tags in a fixed order; index 0 is "O" so padding-free argmax defaults to it.
TAGS: tuple[str, ...] = ("O",) + tuple(f"{p}-{label}" for label in LABELS for p in "BI")
TAG2ID: dict[str, int] = {t: i for i, t in enumerate(TAGS)}
ID2TAG: dict[int, str] = dict(enumerate(TAGS))

#: Plural keys used in a record's per-label summary.
SUMMARY_KEYS: dict[str, str] = {
    "company": "companies",
    "park": "parks",
    "amount": "amounts",
    "area": "areas",
    "industry": "industries",
}


def check_label(label: str) -> str:
    """Return ``label`` if it is one of :data:`LABELS`, else raise a helpful error."""
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r}: expected one of {', '.join(LABELS)}")
    return label
