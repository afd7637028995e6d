"""The one-call API: ``predict(text)`` and ``predict_many(texts)``.

Every engine is a function from *normalised* text to scored spans of that
text; this module owns everything around it (input checks, normalisation,
mapping offsets back, values, the record), so all engines return the same
schema by construction.
"""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

from .normalize import Normalized, normalize
from .schema import Entity, Record
from .values import value_for

#: (start, end, label, score) on normalised text.
ScoredSpan = tuple[int, int, str, float]
Engine = Callable[[Sequence[str]], list[list[ScoredSpan]]]


def _rules_engine(texts: Sequence[str]) -> list[list[ScoredSpan]]:
    from . import rules

    return [[(s, e, label, 1.0) for s, e, label in rules.extract(t)] for t in texts]


def _model_engine(texts: Sequence[str]) -> list[list[ScoredSpan]]:
    from .neural import default_recognizer

    return default_recognizer().predict_spans(texts)


ENGINES: dict[str, Engine] = {"rules": _rules_engine, "model": _model_engine}


def default_engine() -> str:
    """The engine ``predict`` uses when none is named.

    The shipped model is the default only where its cross-validated strict
    micro-F1, recorded beside its weights by ``training.ship``, beats the
    rules'; otherwise (or without shipped weights) the rules serve.
    """
    from .neural import model_card, shipped_model_available

    if not shipped_model_available():
        return "rules"
    cv = model_card().get("crossval", {})
    model_f1 = cv.get("model", {}).get("micro", 0.0)
    rules_f1 = cv.get("rules", {}).get("micro", 1.0)
    return "model" if model_f1 > rules_f1 else "rules"


def check_text(text: object) -> str:
    """Reject what is not text with an error that says how to fix it."""
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray)):
        raise TypeError("text must be str, got bytes: decode it first, e.g. data.decode('utf-8')")
    if text is None:
        raise TypeError("text must be str, got None")
    raise TypeError(f"text must be str, got {type(text).__name__}")


def _record(norm: Normalized, spans: list[ScoredSpan], engine: str) -> Record:
    entities = []
    for s, e, label, score in spans:
        o_start, o_end = norm.to_original(s, e)
        surface = norm.text[s:e]
        val = value_for(label, surface)
        entities.append(
            Entity(
                label=label,
                start=o_start,
                end=o_end,
                text=norm.original[o_start:o_end],
                normalized=surface,
                score=round(float(score), 4),
                value=val.value,
                unit=val.unit,
                value_range=val.value_range,
            )
        )
    return Record(engine=engine, text_length=len(norm.original), entities=entities)


def predict_many(texts: Iterable[str], engine: str | None = None) -> list[Record]:
    """Records for many texts; the model engine batches them."""
    name = engine or default_engine()
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    checked = [check_text(t) for t in texts]
    norms = [normalize(t) for t in checked]
    todo = [i for i, n in enumerate(norms) if n.text.strip()]
    results: list[list[ScoredSpan]] = [[] for _ in norms]
    if todo:
        for i, spans in zip(todo, ENGINES[name]([norms[i].text for i in todo])):
            results[i] = spans
    return [_record(n, spans, name) for n, spans in zip(norms, results)]


def predict(text: str | Sequence[str], engine: str | None = None) -> Record | list[Record]:
    """Entities of one text (a :class:`Record`), or of each text in a list.

    ``engine`` is "rules" or "model"; the default is :func:`default_engine`.
    """
    if isinstance(text, (list, tuple)):
        return predict_many(text, engine)
    return predict_many([check_text(text)], engine)[0]
