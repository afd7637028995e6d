"""Validator for gold annotation files.

Checks every rule of ``annotations/GUIDE.md`` that a program can check and
names the document, offset and rule of each problem, so a failing file can be
fixed by hand. Run as ``zhaoshang-ner validate``.
"""
from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .gold import (CORPUS_JSONL, PROJECT_ROOT, SEEDS_JSONL, CorpusMissing, default_corpus_dir, read_json_lines,
                   read_text, sha256)
from .labels import LABELS


@dataclass(frozen=True)
class Problem:
    doc: str
    start: int | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"@{self.start}" if self.start is not None else ""
        return f"{self.doc}{where}: [{self.rule}] {self.message}"


def is_edge_noise(ch: str) -> bool:
    """Whitespace, punctuation, quotes and brackets may not open or close a span."""
    return ch.isspace() or unicodedata.category(ch)[0] in "PZ"


def check_doc(doc_id: str, text: str, entities: list[dict], *, has_surface: bool) -> list[Problem]:
    problems: list[Problem] = []
    spans = []
    for e in entities:
        start, end, label = e.get("start"), e.get("end"), e.get("label")
        if not isinstance(start, int) or not isinstance(end, int):
            problems.append(Problem(doc_id, None, "offset-type", f"start/end must be integers: {e}"))
            continue
        if label not in LABELS:
            problems.append(Problem(doc_id, start, "label", f"label {label!r} is not one of {LABELS}"))
        if not 0 <= start < end <= len(text):
            problems.append(Problem(doc_id, start, "offset-range",
                                    f"span [{start}, {end}) is empty or outside the text (length {len(text)})"))
            continue
        surface = text[start:end]
        if has_surface and e.get("text") != surface:
            problems.append(Problem(doc_id, start, "text-mismatch",
                                    f"stored text {e.get('text')!r} != text[{start}:{end}] {surface!r}"))
        if not has_surface and "text" in e:
            problems.append(Problem(doc_id, start, "copied-text",
                                    "standoff corpus records must not copy the document text"))
        # the full stop of a Latin abbreviation belongs to the name (Co., Ltd.); any other edge mark does not
        abbreviation = surface.endswith(".") and len(surface) > 1 and surface[-2].isascii() and surface[-2].isalpha()
        if is_edge_noise(surface[0]) or (is_edge_noise(surface[-1]) and not abbreviation):
            problems.append(Problem(doc_id, start, "edge",
                                    f"span {surface!r} starts or ends with whitespace or punctuation"))
        spans.append((start, end, label))
    spans.sort()
    for (s1, e1, l1), (s2, e2, l2) in zip(spans, spans[1:]):
        if s2 < e1:
            problems.append(Problem(doc_id, s2, "overlap", f"[{s1},{e1}) {l1} overlaps [{s2},{e2}) {l2}"))
    return problems


class MalformedFile(ValueError):
    """A gold file that is not JSON lines; the message names the file and line."""


def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    return list(read_json_lines(path, error=MalformedFile))


def _unique_docs(path: Path, problems: list[Problem]) -> tuple[list[tuple[str, dict]], set[str]]:
    """(doc id, record) per line, reporting repeated ids into ``problems``."""
    seen: set[str] = set()
    out = []
    for n, d in _read_jsonl(path):
        doc_id = d.get("id", f"line{n}")
        if doc_id in seen:
            problems.append(Problem(doc_id, None, "duplicate-doc", f"{path.name}:{n} repeats document {doc_id}"))
        seen.add(doc_id)
        out.append((doc_id, d))
    return out, seen


def validate_seeds(path: Path = SEEDS_JSONL, seeds_dir: Path = PROJECT_ROOT / "seeds") -> list[Problem]:
    problems: list[Problem] = []
    docs, seen = _unique_docs(path, problems)
    for doc_id, d in docs:
        source = PROJECT_ROOT / d.get("source", "")
        if not source.is_file():
            problems.append(Problem(doc_id, None, "source", f"source file {d.get('source')!r} not found"))
        elif read_text(source) != d.get("text"):
            problems.append(Problem(doc_id, None, "source", f"text differs from {d.get('source')} (must be byte for byte)"))
        problems += check_doc(doc_id, d.get("text", ""), d.get("entities", []), has_surface=True)
    for f in sorted(seeds_dir.glob("*.txt")):
        if f.name.split("_")[0] not in seen:
            problems.append(Problem(f.name.split("_")[0], None, "missing-seed", f"seed {f.name} has no annotation"))
    return problems


def validate_corpus(path: Path = CORPUS_JSONL, corpus_dir: Path | None = None) -> list[Problem]:
    corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
    texts = corpus_dir / "texts"
    if not texts.is_dir():
        raise CorpusMissing(f"corpus texts not found under {texts}")
    problems: list[Problem] = []
    docs, seen = _unique_docs(path, problems)
    for doc_id, d in docs:
        f = texts / f"{doc_id}.txt"
        if not f.is_file():
            problems.append(Problem(doc_id, None, "source", f"{f} not found"))
            continue
        text = read_text(f)
        if sha256(text) != d.get("sha256"):
            problems.append(Problem(doc_id, None, "hash", f"SHA-256 of {f.name} does not match the annotation"))
            continue
        problems += check_doc(doc_id, text, d.get("entities", []), has_surface=False)
    for f in sorted(texts.glob("*.txt")):
        if f.stem not in seen:
            problems.append(Problem(f.stem, None, "missing-doc", f"corpus document {f.name} has no annotation"))
    return problems


def run(seeds: Path = SEEDS_JSONL, corpus: Path = CORPUS_JSONL, corpus_dir: Path | None = None) -> int:
    """Print every problem and a count; 1 if there are problems (the CLI's ``validate``)."""
    if not Path(seeds).is_file():
        raise FileNotFoundError(f"{seeds}: no such file (the gold lives in the source repository)")
    problems = validate_seeds(Path(seeds))
    checked = [str(seeds)]
    if Path(corpus).exists():
        try:
            problems += validate_corpus(Path(corpus), corpus_dir)
            checked.append(str(corpus))
        except CorpusMissing as exc:
            print(f"note: {exc}; corpus annotations not checked", file=sys.stderr)
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s) in {', '.join(checked)}")
    return 1 if problems else 0
