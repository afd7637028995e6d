"""What the classifier reads beside the characters: one token-type id per character.

Up to three signals, each a switch in the model's config.json, packed in this order:

* ``rule_features``: the rule baseline's IOB2 tag of the character, so the
  model can trust the rules where they are reliable (amounts, areas) and
  overrule them where they are not. A user's lexicon (``rules.Lexicon``)
  reaches the model here: its names become rule tags.
* ``gazetteer_features``: where the character sits in the longest name that
  the public lists know (development zones, companies, industry classes;
  ``model/resources/gazetteer_*.tsv``, built by ``training.build_gazetteer``):
  B-/I- of park, company or industry, else O. This is the dictionary signal of
  SoftLexicon/LEBERT, folded into the token type so the ONNX graph, the
  Hugging Face checkpoint and every backend keep their one ``token_type_ids``
  input.
* ``word_features``: whether a word of jieba's segmentation starts at the
  character (the rules' tokenizer): a boundary signal, since a third of the
  model's errors on unseen outlets are spans with the wrong edges.

The id of a character packs the signals in mixed radix, rule tag first
(:attr:`FeatureSet.radices`; with all three, ``rule + 11 * (gazetteer code +
7 * word start)``), so a model that reads the rule tags alone reads exactly the
ids it always did. A model trained with gazetteer features records the SHA-256
of the forms file it read (``gazetteer_forms_sha256``); a package whose file
differs refuses to serve it (:mod:`zhaoshang_ner.manifest`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .labels import TAG2ID, TAGS

RESOURCES = Path(__file__).resolve().parent / "resources"
INDUSTRIES_FILE = RESOURCES / "gazetteer_industries.tsv"
#: Surface form -> label, derived from the three lists by :meth:`Gazetteer.from_resources` at build time.
FORMS_FILE = RESOURCES / "gazetteer_forms.tsv"

#: Gazetteer codes of a character; 0 = no listed name covers it.
GAZETTEER_CODES = ("O", "B-park", "I-park", "B-company", "I-company", "B-industry", "I-industry")
#: When two lists know the same surface form, the first label here wins (a listed company named after its zone).
LABEL_PRIORITY = ("company", "park", "industry")
#: Company short names of two characters (海信, 长安) are ordinary words too often to be a signal.
MIN_COMPANY_CHARS = 3
FORMS_HEADER = ("# Surface forms of the shipped gazetteers (gazetteer_*.tsv), normalised, for the classifier's "
                "features; built by training/build_gazetteer.py\nform\tlabel")


def config_value(cfg, key: str, default=None):
    """``key`` of a config.json dict or a transformers config object (the loaders hold one or the other)."""
    return cfg.get(key, default) if isinstance(cfg, dict) else getattr(cfg, key, default)


def forms_sha256(path: Path | None = None) -> str:
    """The digest a gazetteer model records of the forms file it was trained with."""
    import hashlib

    return hashlib.sha256((path or FORMS_FILE).read_bytes()).hexdigest()


def _names(path: Path) -> list[list[str]]:
    """(name, aliases…) of each row of a shipped gazetteer TSV."""
    from .canonical import _read_tsv

    return [[name, *filter(None, aliases.split("|"))] for _, name, aliases, *_ in _read_tsv(path)]


class Gazetteer:
    """Surface forms of listed names -> label, matched longest first.

    A set lookup per (start, length) rather than one big regular expression:
    it costs nothing to build (tens of milliseconds), which matters for the
    first call.
    """

    def __init__(self, forms: dict[str, str]) -> None:
        self.forms = forms
        self.lengths = sorted({len(f) for f in forms}, reverse=True)

    @classmethod
    def from_resources(cls) -> "Gazetteer":
        """Official names and published short names, normalised like the text they are matched in.

        Company cores derived by :func:`canonical.company_core` are left out
        (a place + trade name often leaves a plain word such as 柴油机); a
        short name the lists publish stays even where it equals the core.
        """
        from .canonical import COMPANIES_FILE, PARKS_FILE
        from .normalize import normalize

        by_label: dict[str, set[str]] = {label: set() for label in LABEL_PRIORITY}
        for names in _names(PARKS_FILE):
            by_label["park"].update(names)
        for names in _names(COMPANIES_FILE):
            by_label["company"].update(n for n in names if len(n) >= MIN_COMPANY_CHARS)
        for names in _names(INDUSTRIES_FILE):
            by_label["industry"].update(names)
        forms: dict[str, str] = {}
        for label in LABEL_PRIORITY:
            for form in sorted(by_label[label]):
                form = normalize(form).text.strip()
                if len(form) >= 2:
                    forms.setdefault(form, label)
        return cls(forms)

    @classmethod
    def read(cls, path: Path = FORMS_FILE) -> "Gazetteer":
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing; build it with `python -m training.build_gazetteer`")
        forms = {}
        lines = path.read_text(encoding="utf-8").splitlines()
        for lineno, line in enumerate(lines, start=1):
            if not line or line.startswith("#") or line == "form\tlabel":
                continue
            form, tab, label = line.partition("\t")
            if not tab or label not in LABEL_PRIORITY:
                raise ValueError(f"{path}, line {lineno}: expected 'form<TAB>park|company|industry'")
            forms[form] = label
        return cls(forms)

    def write(self, path: Path = FORMS_FILE) -> None:
        lines = [FORMS_HEADER] + [f"{f}\t{label}" for f, label in sorted(self.forms.items())]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, label) matches, leftmost-longest."""
        out = []
        i, n = 0, len(text)
        while i < n:
            for length in self.lengths:
                if i + length <= n and text[i:i + length] in self.forms:
                    out.append((i, i + length, self.forms[text[i:i + length]]))
                    i += length
                    break
            else:
                i += 1
        return out

    def codes(self, text: str) -> list[int]:
        """The :data:`GAZETTEER_CODES` index of every character."""
        out = [0] * len(text)
        for s, e, label in self.matches(text):
            out[s] = GAZETTEER_CODES.index(f"B-{label}")
            for k in range(s + 1, e):
                out[k] = GAZETTEER_CODES.index(f"I-{label}")
        return out


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer.read()


def rule_tag_ids(text: str, lexicon=None) -> list[int]:
    """The rule baseline's IOB2 tag id of each character of a normalised text."""
    from . import rules
    from .bio import spans_to_tags

    return [TAG2ID[t] for t in spans_to_tags(len(text), rules.extract(text, lexicon=lexicon))]


def word_starts(text: str) -> list[int]:
    """1 where a word of jieba's segmentation (the rules' tokenizer, with the lexicons) starts, else 0."""
    from . import rules

    out = [0] * len(text)
    at = 0
    for word in rules._tokenizer()[0].cut(text):
        if at < len(out):
            out[at] = 1
        at += len(word)
    return out


#: The config.json switches of :class:`FeatureSet`, in its field order.
FEATURE_FIELDS = ("rule_features", "gazetteer_features", "word_features")


@dataclass(frozen=True)
class FeatureSet:
    """Which signals a model reads; read from (and written to) its config.json."""

    rules: bool = False
    gazetteer: bool = False
    #: where jieba's words start: a boundary signal
    words: bool = False

    @classmethod
    def from_config(cls, cfg) -> "FeatureSet":
        """From a config.json dict or a transformers config object."""
        return cls(*(bool(config_value(cfg, name, False)) for name in FEATURE_FIELDS))

    def __str__(self) -> str:
        """The config switches that are on, as a message names them ("rule_features + gazetteer_features")."""
        on = [name for name, value in zip(FEATURE_FIELDS, (self.rules, self.gazetteer, self.words)) if value]
        return " + ".join(on) or "no features"

    @property
    def radices(self) -> tuple[int, ...]:
        """How many values each signal takes, in the order an id packs them (the rule tag first, always)."""
        return (len(TAGS),) + ((len(GAZETTEER_CODES),) if self.gazetteer else ()) + ((2,) if self.words else ())

    @property
    def type_vocab_size(self) -> int:
        """Rows of the token-type table these features need (2 for a plain BERT checkpoint)."""
        if not (self.rules or self.gazetteer or self.words):
            return 2
        return math.prod(self.radices)

    def type_ids(self, text: str, lexicon=None) -> list[int]:
        """One token-type id per character of a normalised text: the signals packed in mixed radix."""
        ids = rule_tag_ids(text, lexicon) if self.rules else [0] * len(text)
        signals = []  # only the signals that are on: a model without gazetteer features never loads the forms
        if self.gazetteer:
            signals.append((default_gazetteer().codes, len(GAZETTEER_CODES)))
        if self.words:
            signals.append((word_starts, 2))
        scale = len(TAGS)
        for values, radix in signals:
            ids = [i + scale * v for i, v in zip(ids, values(text))]
            scale *= radix
        return ids
