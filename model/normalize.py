"""Text normalisation with an offset map back to the caller's original text.

Every engine works on normalised text (simplified characters, no glued
pinyin, half-width digits and letters) and reports offsets into the original.
This module is the only place that knows how the two relate.

The map is one original index per normalised character (``offsets[i]`` is
where normalised character ``i`` came from). Conversion is character for
character except for dropped pinyin groups, so a span ``[s, e)`` of the
normalised text maps back to ``[offsets[s], offsets[e-1] + 1)``: it covers
the same characters and any pinyin that was removed *inside* it, while a
pinyin group after its last character stays out (a span never ends with a
bracket, as the annotation guide demands).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# A pinyin syllable with or without a tone mark: optional initial, vowels, optional final.
_PINYIN_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"[aeiouüvāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]{1,4}"
    r"(?:ng|n|r)?"
)
#: "(chǎn)" glued right after a CJK character. ASCII or full-width brackets.
PINYIN_GROUP = re.compile(
    r"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])[(（]" + _PINYIN_SYLLABLE + r"[)）]"
)

_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, for each of its characters, its index in the original."""

    original: str
    text: str
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty normalised span ``[start, end)`` to original offsets."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is outside the normalised text (length {len(self.text)})")
        return self.offsets[start], self.offsets[end - 1] + 1

    def from_original(self, start: int, end: int) -> tuple[int, int] | None:
        """Map an original span to the normalised characters it covers (None if it covers none)."""
        inside = [i for i, o in enumerate(self.offsets) if start <= o < end]
        if not inside:
            return None
        return inside[0], inside[-1] + 1


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: converting is only needed for non-simplified text

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=None)  # a report repeats a few thousand distinct characters: look each up once
def _half_width(ch: str) -> str:
    """Full-width ASCII digits, letters and a few number symbols to half-width.

    Chinese punctuation (，。：) is kept: it is information for the engines, and
    NFKC would also rewrite units such as ㎡ into several characters.
    """
    code = ord(ch)
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return chr(code - 0xFEE0)
    if ch in "．％＋－～":
        return chr(code - 0xFEE0)
    if ch == "\u3000":
        return " "
    if unicodedata.category(ch) in _CONTROL and ch not in "\n\t\r":
        return " "
    return ch


def _to_simplified(chars: list[str]) -> list[str]:
    """OpenCC t2s, kept one-to-one so the offset map stays exact.

    OpenCC converts phrases; when a phrase conversion changes the length of a
    line, that line is converted character by character instead.
    """
    text = "".join(chars)
    if text.isascii():
        return chars
    cc = _t2s()
    out: list[str] = []
    for line in text.split("\n"):
        conv = cc.convert(line)
        if len(conv) != len(line):
            conv = "".join(cc.convert(c) if len(cc.convert(c)) == 1 else c for c in line)
        out.extend(conv)
        out.append("\n")
    out.pop()
    return out


def normalize(text: str) -> Normalized:
    """Normalise ``text`` for the engines; see the module docstring for the offset contract."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    keep: list[int] = []
    pos = 0
    for m in PINYIN_GROUP.finditer(text):
        keep.extend(range(pos, m.start()))
        pos = m.end()
    keep.extend(range(pos, len(text)))
    chars = [_half_width(text[i]) for i in keep]
    chars = _to_simplified(chars)
    return Normalized(original=text, text="".join(chars), offsets=tuple(keep))


def normalize_span(text: str) -> str:
    """The normalised form of a short string (an entity's ``normalized`` field)."""
    return normalize(text).text.strip()
