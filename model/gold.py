"""Loading gold annotations: seed JSONL (text inline) and corpus standoff JSONL.

Seeds may be copied into the project, so ``annotations/seeds.jsonl`` holds
their text. The corpus may not: ``annotations/corpus.jsonl`` holds only ids,
the SHA-256 of each text and offsets, and the text is joined back from
``../shared/corpus/texts``. A changed hash is an error, never a silent skip.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .labels import check_label

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ANNOTATIONS = PROJECT_ROOT / "annotations"
SEEDS_JSONL = ANNOTATIONS / "seeds.jsonl"
CORPUS_JSONL = ANNOTATIONS / "corpus.jsonl"


def default_corpus_dir() -> Path:
    """Where the shared corpus lives: $ZHAOSHANG_CORPUS, else ../shared/corpus beside the project."""
    env = os.environ.get("ZHAOSHANG_CORPUS")
    return Path(env) if env else PROJECT_ROOT.parent / "shared" / "corpus"


@dataclass
class GoldEntity:
    start: int
    end: int
    label: str

    def as_tuple(self) -> tuple[int, int, str]:
        return (self.start, self.end, self.label)


@dataclass
class GoldDoc:
    id: str
    text: str
    entities: list[GoldEntity]
    source: str = ""
    family: str = "seeds"
    meta: dict = field(default_factory=dict)

    def spans(self) -> list[tuple[int, int, str]]:
        return [e.as_tuple() for e in self.entities]


class CorpusMissing(FileNotFoundError):
    """The shared corpus is not on this machine (a user's own checkout)."""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_text(path: Path) -> str:
    # newline="" keeps \r\n as published: offsets count every code point.
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def _entities(raw: list[dict]) -> list[GoldEntity]:
    return [GoldEntity(int(e["start"]), int(e["end"]), check_label(e["label"])) for e in raw]


def read_json_lines(path: Path, *, error: type[ValueError] = ValueError,
                    encoding: str = "utf-8") -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; a line that is not a JSON object
    raises ``error`` naming the file and line, so a hand-edited file can be fixed."""
    with open(path, encoding=encoding) as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise error(f"{path}:{n}: not JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(row, dict):
                raise error(f"{path}:{n}: each line must be a JSON object")
            yield n, row


def load_seeds(path: Path = SEEDS_JSONL) -> list[GoldDoc]:
    return [GoldDoc(d["id"], d["text"], _entities(d["entities"]), d.get("source", ""), "seeds")
            for _, d in read_json_lines(path)]


def load_families(corpus_dir: Path) -> dict[str, str]:
    """Document id -> source family, from the corpus's SOURCES.tsv."""
    fams: dict[str, str] = {}
    with open(corpus_dir / "SOURCES.tsv", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            fams[row["id"]] = row["family"]
    return fams


def quotable(doc_id: str) -> bool:
    """Whether a report may show this document's text: the seeds may be copied, the shared corpus
    (ids ``cNNN``, ../shared/corpus/README.md) may not, not even a phrase of it."""
    return re.fullmatch(r"c\d+", doc_id) is None


def load_corpus(path: Path = CORPUS_JSONL, corpus_dir: Path | None = None) -> list[GoldDoc]:
    """Join standoff annotations with the shared texts; raise on any missing file or hash mismatch."""
    corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
    if not (corpus_dir / "texts").is_dir():
        raise CorpusMissing(f"corpus texts not found under {corpus_dir}/texts (set ZHAOSHANG_CORPUS)")
    families = load_families(corpus_dir)
    docs = []
    for n, d in read_json_lines(path):
        text_path = corpus_dir / "texts" / f"{d['id']}.txt"
        if not text_path.exists():
            raise CorpusMissing(f"{path}:{n}: text for {d['id']} not found at {text_path}")
        text = read_text(text_path)
        if sha256(text) != d["sha256"]:
            raise ValueError(
                f"{path}:{n}: SHA-256 of {text_path} is {sha256(text)}, annotations expect {d['sha256']}:"
                " the text changed, so its offsets can no longer be trusted"
            )
        docs.append(GoldDoc(d["id"], text, _entities(d["entities"]), str(text_path),
                            families.get(d["id"], "unknown")))
    return docs


def load_all(corpus_dir: Path | None = None, *, require_corpus: bool = False) -> tuple[list[GoldDoc], str | None]:
    """Seeds plus, where the shared corpus is present, the annotated corpus.

    Returns the documents and a message saying what was left out (None if nothing).
    """
    docs = load_seeds()
    if not CORPUS_JSONL.exists():
        return docs, "annotations/corpus.jsonl not found: seeds only"
    try:
        docs += load_corpus(CORPUS_JSONL, corpus_dir)
    except CorpusMissing as exc:
        if require_corpus:
            raise
        return docs, f"{exc}: using the five seeds only"
    return docs, None


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
