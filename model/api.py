"""The one-call API: ``predict(text)`` and ``predict_many(texts)``.

Every engine is a function from *normalised* text to scored spans of that
text; this module owns everything around it (input checks, normalisation,
mapping offsets back, values, the record), so all engines return the same
schema by construction.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence, Union

from .normalize import Normalized, normalize
from .schema import Entity, Record
from .values import value_for

if TYPE_CHECKING:
    from .neural import Recognizer
    from .rules import Lexicon

#: (start, end, label, score) on normalised text.
ScoredSpan = tuple[int, int, str, float]
#: An engine reads normalised texts (and the user's lexicon, or None).
Engine = Callable[[Sequence[str], "Lexicon | None"], list[list[ScoredSpan]]]
#: What ``lexicon=`` accepts: a label -> names mapping, a TSV path, or a built Lexicon.
LexiconLike = Union[Mapping[str, Iterable[str]], str, Path, "Lexicon", None]


def _rules_engine(texts: Sequence[str], lexicon: "Lexicon | None") -> list[list[ScoredSpan]]:
    from . import rules

    return [[(s, e, label, 1.0) for s, e, label in rules.extract(t, lexicon=lexicon)] for t in texts]


def _model_engine(texts: Sequence[str], lexicon: "Lexicon | None") -> list[list[ScoredSpan]]:
    from .neural import default_recognizer

    return default_recognizer().predict_spans(texts, lexicon=lexicon)


def _ensemble_engine(texts: Sequence[str], lexicon: "Lexicon | None") -> list[list[ScoredSpan]]:
    """The strict majority of the rules, the shipped model and the second shipped model
    (:mod:`zhaoshang_ner.ensemble`): about twice the model's time, its best figure."""
    from .ensemble import majority
    from .neural import second_recognizer

    members = [_rules_engine(texts, lexicon), _model_engine(texts, lexicon),
               second_recognizer().predict_spans(texts, lexicon=lexicon)]
    return [majority(spans) for spans in zip(*members)]


ENGINES: dict[str, Engine] = {"rules": _rules_engine, "model": _model_engine, "ensemble": _ensemble_engine}


def default_engine() -> str:
    """The engine ``predict`` uses when none is named.

    The shipped engine with the best cross-validated strict micro-F1 recorded
    beside the weights by ``training.ship`` (the rules', the model's and, where
    the second model ships, the ensemble's); without shipped weights the
    rules serve. Shipped weights whose model card is missing or unreadable are
    an error, not a silent switch.
    """
    from .neural import model_card, second_model_available, shipped_model_available

    if not shipped_model_available():
        return "rules"
    cv = model_card().get("crossval", {})
    try:
        scores = {name: float(cv[name]["micro"]) for name in ("rules", "model")}
        if second_model_available() and "ensemble" in cv:
            scores["ensemble"] = float(cv["ensemble"]["micro"])
    except (KeyError, TypeError, ValueError):
        raise RuntimeError("the shipped model card (training_info.json) has no cross-validated scores; "
                           "cannot choose the default engine: name one, engine='rules' or 'model'") from None
    # ties go to the earlier, cheaper engine
    return max(scores, key=lambda name: (scores[name], -list(scores).index(name)))


def check_text(text: object) -> str:
    """Reject what is not text with an error that says how to fix it."""
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray)):
        raise TypeError("text must be str, got bytes: decode it first, e.g. data.decode('utf-8')")
    if text is None:
        raise TypeError("text must be str, got None")
    raise TypeError(f"text must be str, got {type(text).__name__}")


def resolve_engine(engine: "str | Recognizer | None") -> tuple[str, Engine]:
    """A name and the function behind it; unknown names fail here, before any work."""
    if engine is None:
        engine = default_engine()
    if isinstance(engine, str):
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
        return engine, ENGINES[engine]
    if hasattr(engine, "predict_spans"):
        rec = engine
        return f"model:{getattr(rec, 'path', 'custom')}", lambda texts, lex: rec.predict_spans(texts, lexicon=lex)
    raise TypeError(f"engine must be a name ({', '.join(ENGINES)}) or a Recognizer, got {type(engine).__name__}")


def load_lexicon(lexicon: LexiconLike) -> "Lexicon | None":
    if lexicon is None:
        return None
    from .rules import Lexicon

    return Lexicon.load(lexicon)


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
                value_note=val.note,
            )
        )
    return Record(engine=engine, text_length=len(norm.original), entities=entities, source_text=norm.original)


def predict_many(texts: Iterable[str], engine: "str | Recognizer | None" = None, *,
                 lexicon: LexiconLike = None, workers: int = 1) -> list[Record]:
    """Records for many texts; the model engine batches them.

    ``engine`` is a name ("rules", "model", "ensemble") or a :class:`~zhaoshang_ner.neural.Recognizer`
    of your own; ``lexicon`` adds names you know (``{"company": ["澜沧江光电"]}`` or a
    TSV of name<TAB>label): the rules match them and the model reads them through
    its rule features. ``workers=N`` spreads the texts over N processes (see
    :mod:`zhaoshang_ner.parallel`); the records are the same as with one.
    """
    from .parallel import check_workers, spans_in_workers

    if isinstance(texts, (str, bytes, bytearray)):
        raise TypeError("predict_many takes a list of texts, got a single "
                        f"{type(texts).__name__}: use predict(text) or predict_many([text])")
    check_workers(workers)
    name, run = resolve_engine(engine)
    if workers > 1 and name not in ENGINES:
        raise ValueError("workers > 1 takes an engine name (rules, model, ensemble): a recogniser object "
                         "cannot be shared between processes")
    lex = load_lexicon(lexicon)
    checked = [check_text(t) for t in texts]
    norms = [normalize(t) for t in checked]
    todo = [i for i, n in enumerate(norms) if n.text.strip()]
    results: list[list[ScoredSpan]] = [[] for _ in norms]
    if todo:
        batch = [norms[i].text for i in todo]
        found = spans_in_workers(batch, name, lex, workers) if workers > 1 and len(todo) > 1 else run(batch, lex)
        for i, spans in zip(todo, found):
            results[i] = spans
    return [_record(n, spans, name) for n, spans in zip(norms, results)]


def predict(text: str | Sequence[str], engine: "str | Recognizer | None" = None, *,
            lexicon: LexiconLike = None, workers: int = 1) -> Record | list[Record]:
    """Entities of one text (a :class:`Record`), or of each text in a list.

    ``engine`` is "rules", "model", "ensemble" or a Recognizer; the default is :func:`default_engine`.
    ``workers`` spreads a list over processes (see :func:`predict_many`).
    """
    if isinstance(text, (list, tuple)):
        return predict_many(text, engine, lexicon=lexicon, workers=workers)
    return predict_many([check_text(text)], engine, lexicon=lexicon)[0]
