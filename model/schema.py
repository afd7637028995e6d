"""The record schema every engine returns.

Offsets follow spaCy's ``Span.start_char/end_char`` contract: Python string
indices (code points) into the caller's *original* string, end exclusive, so
``text[e.start:e.end] == e.text`` always holds, whatever normalisation an
engine ran internally.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .labels import LABELS, SUMMARY_KEYS

#: Bumped whenever a field is added, removed or changes meaning.
SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class Entity:
    """One entity mention.

    ``normalized`` is the simplified, pinyin-free, half-width form used to
    group mentions across reports. ``value`` is a number for amounts (in the
    currency's base unit, yuan for RMB; see ``unit``) and areas (square
    metres), ``None`` where the text masks digits or the label has no value.
    ``value_range`` holds ``[low, high]`` for ranges such as 10-20亿元, whose
    ``value`` is then ``None``.
    """

    label: str
    start: int
    end: int
    text: str
    normalized: str
    score: float = 1.0
    value: float | None = None
    unit: str | None = None
    value_range: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.value_range is not None:
            d["value_range"] = list(self.value_range)
        return d


@dataclass
class Record:
    """What ``predict(text)`` returns for one text."""

    engine: str
    text_length: int
    entities: list[Entity] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION

    def __post_init__(self) -> None:
        self.entities = sorted(self.entities, key=lambda e: (e.start, e.end))

    @property
    def summary(self) -> dict[str, list[str]]:
        """Distinct normalised entities per label, in order of first mention."""
        out: dict[str, list[str]] = {SUMMARY_KEYS[label]: [] for label in LABELS}
        for e in self.entities:
            bucket = out[SUMMARY_KEYS[e.label]]
            if e.normalized not in bucket:
                bucket.append(e.normalized)
        return out

    def by_label(self, label: str) -> list[Entity]:
        return [e for e in self.entities if e.label == label]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "engine": self.engine,
            "text_length": self.text_length,
            "entities": [e.to_dict() for e in self.entities],
            "summary": self.summary,
        }
