"""Character-level IOB2 tags <-> entity spans.

Chinese has no spaces, so the character is the natural tagging unit: one tag
per code point of the text, which makes the conversion lossless for any set
of flat, non-overlapping spans. Decoding is repairing: an ``I-x`` that does
not continue an entity of label ``x`` starts a new one (the IOB1-style repair
seqeval applies in non-strict mode), so any tag sequence decodes to valid spans.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from .labels import check_label

Span = tuple[int, int, str]  # (start, end, label), end exclusive


def spans_to_tags(length: int, spans: Iterable[Span]) -> list[str]:
    """IOB2 tags for a text of ``length`` characters; overlapping spans are an error."""
    tags = ["O"] * length
    for start, end, label in sorted(spans):
        check_label(label)
        if not 0 <= start < end <= length:
            raise ValueError(f"span ({start}, {end}, {label}) is outside a text of length {length}")
        if any(t != "O" for t in tags[start:end]):
            raise ValueError(f"span ({start}, {end}, {label}) overlaps another span")
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def tags_to_spans(tags: Sequence[str]) -> list[Span]:
    """Spans from IOB2 tags, repairing orphan ``I-`` tags instead of dropping them."""
    spans: list[Span] = []
    start, label = -1, ""
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, lab = tag.partition("-")
        continues = prefix == "I" and label == lab and start >= 0
        if start >= 0 and not continues:
            spans.append((start, i, label))
            start, label = -1, ""
        if prefix in ("B", "I") and not continues:
            start, label = i, lab
    return spans


def repair_tags(tags: Sequence[str]) -> list[str]:
    """The valid IOB2 sequence with the same decoded spans as ``tags``."""
    return spans_to_tags(len(tags), tags_to_spans(tags))


def doc_to_conll(doc_id: str, text: str, spans: Iterable[Span]) -> str:
    """One document as CoNLL-style lines: ``character<TAB>tag``, a ``# id = …`` header,
    a blank line after. Whitespace characters are written escaped (\\s, \\n, \\t) so
    every character keeps its line and the round trip is exact."""
    tags = spans_to_tags(len(text), spans)
    lines = [f"# id = {doc_id}"]
    for ch, tag in zip(text, tags):
        lines.append(f"{_ESCAPE.get(ch, ch)}\t{tag}")
    return "\n".join(lines) + "\n\n"


def conll_to_docs(conll: str) -> list[tuple[str, str, list[Span]]]:
    """Inverse of :func:`doc_to_conll`: (id, text, spans) per document."""
    docs = []
    for block in conll.split("\n\n"):
        lines = [x for x in block.split("\n") if x]
        if not lines:
            continue
        if not lines[0].startswith("# id = "):
            raise ValueError(f"a document block must start with '# id = ...', got {lines[0]!r}")
        chars, tags = [], []
        for line in lines[1:]:
            ch, _, tag = line.rpartition("\t")
            chars.append(_UNESCAPE.get(ch, ch))
            tags.append(tag)
        docs.append((lines[0][len("# id = "):], "".join(chars), tags_to_spans(tags)))
    return docs


_ESCAPE = {" ": "\\s", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\u3000": "\\u3000", "\\": "\\\\"}
_UNESCAPE = {v: k for k, v in _ESCAPE.items()}
