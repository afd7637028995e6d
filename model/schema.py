"""The record schema every engine returns.

Offsets follow spaCy's ``Span.start_char/end_char`` contract: Python string
indices (code points) into the caller's *original* string, end exclusive, so
``text[e.start:e.end] == e.text`` always holds, whatever normalisation an
engine ran internally.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .labels import LABELS, SUMMARY_KEYS

#: Bumped whenever a field is added, removed or changes meaning.
#: 1.1: ``Entity.value_note``, ``Record.version``.
SCHEMA_VERSION = "1.1"


def package_version() -> str:
    from . import __version__

    return __version__


def dumps(obj: Any) -> str:
    """Strict JSON (RFC 8259): a NaN or infinity is an error here, never ``Infinity`` in a file."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class Entity:
    """One entity mention.

    ``normalized`` is the simplified, pinyin-free, half-width form used to
    group mentions across reports. ``value`` is a number for amounts (in the
    currency's base unit, yuan for RMB; see ``unit``) and areas (square
    metres), ``None`` where the text masks digits or the label has no value.
    ``value_range`` holds ``[low, high]`` for ranges such as 10-20亿元, whose
    ``value`` is then ``None``. ``value_note`` says why an amount or area has
    no ``value``: "masked", "range", "unparsed" or "implausible" (not finite,
    or beyond any real figure: see ``values.MAX_AMOUNT``).
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
    value_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.value_range is not None:
            d["value_range"] = list(self.value_range)
        return d


@dataclass
class Record:
    """What ``predict(text)`` returns for one text.

    ``version`` is the package version that made it (weights and default
    engine change only with it), so a table built over months says which
    release produced each row.
    """

    engine: str
    text_length: int
    entities: list[Entity] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION
    version: str = field(default_factory=package_version)
    #: the caller's text, kept (not serialised) so ``projects`` can link within it
    source_text: str | None = field(default=None, repr=False, compare=False)

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

    @property
    def projects(self) -> list:
        """Investment-project rows linked from these entities (``zhaoshang_ner.projects``)."""
        if self.source_text is None:
            raise ValueError("this record was built without its text; use extract_projects(text, record)")
        from .projects import extract_projects

        return extract_projects(self.source_text, self)

    def by_label(self, label: str) -> list[Entity]:
        return [e for e in self.entities if e.label == label]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "version": self.version,
            "engine": self.engine,
            "text_length": self.text_length,
            "entities": [e.to_dict() for e in self.entities],
            "summary": self.summary,
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())
