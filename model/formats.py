"""Annotation files in the formats users already have: this project's JSONL,
doccano JSONL, Label Studio JSON and character-level CoNLL/BIO.

Every reader returns :class:`~zhaoshang_ner.gold.GoldDoc` (text inline, spans
as code-point offsets, end exclusive) and every writer takes them, so a file
converts between any two formats through one shape. Labels may be written
as this package's names, in any case, or in Chinese (企业, 园区, 金额, 面积,
产业); anything else is an error naming the file and record, never a silent drop.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from .bio import conll_to_docs, doc_to_conll
from .gold import GoldDoc, GoldEntity, read_json_lines
from .labels import LABELS

FORMATS = ("jsonl", "doccano", "labelstudio", "conll")

_CHINESE = {"企业": "company", "公司": "company", "园区": "park", "金额": "amount", "面积": "area", "产业": "industry",
            "行业": "industry"}


class FormatError(ValueError):
    """An annotation file that cannot be read as its format; the message names the file and record."""


def _label(raw: object, where: str) -> str:
    name = str(raw).strip()
    label = _CHINESE.get(name, name.lower())
    if label not in LABELS:
        raise FormatError(f"{where}: label {raw!r} is not one of {', '.join(LABELS)} (or 企业/园区/金额/面积/产业)")
    return label


def _doc(doc_id: str, text: object, spans: Iterable[tuple[object, object, object]], where: str) -> GoldDoc:
    if not isinstance(text, str):
        raise FormatError(f"{where}: no text (standoff records without text cannot be converted)")
    ents = []
    for s, e, lab in spans:
        if not isinstance(s, int) or not isinstance(e, int) or not 0 <= s < e <= len(text):
            raise FormatError(f"{where}: span [{s}, {e}) is not inside a text of {len(text)} characters")
        ents.append(GoldEntity(s, e, _label(lab, where)))
    ents.sort(key=lambda g: (g.start, g.end))
    for a, b in zip(ents, ents[1:]):
        if b.start < a.end:
            raise FormatError(f"{where}: spans [{a.start}, {a.end}) and [{b.start}, {b.end}) overlap")
    return GoldDoc(doc_id, text, ents, source=where, family="user")


def _json_lines(path: Path) -> Iterable[tuple[int, dict]]:
    # exports from annotation tools often start with a BOM
    return read_json_lines(path, error=FormatError, encoding="utf-8-sig")


def read_jsonl(path: Path) -> list[GoldDoc]:
    """This project's format: ``{"id", "text", "entities": [{"start", "end", "label"}]}``."""
    docs = []
    for n, row in _json_lines(path):
        where = f"{path}:{n}"
        ents = row.get("entities")
        if not isinstance(ents, list):
            raise FormatError(f"{where}: no 'entities' list (is this doccano? use --from doccano)")
        spans = [(e.get("start"), e.get("end"), e.get("label")) for e in ents]
        docs.append(_doc(str(row.get("id", n)), row.get("text"), spans, where))
    return docs


def read_doccano(path: Path) -> list[GoldDoc]:
    """doccano sequence-labelling export: ``"label": [[start, end, label], ...]`` (or
    ``"entities": [{"start_offset", "end_offset", "label"}]`` of newer exports)."""
    docs = []
    for n, row in _json_lines(path):
        where = f"{path}:{n}"
        if isinstance(row.get("label"), list):
            raw = row["label"]
            if not all(isinstance(x, list) and len(x) == 3 for x in raw):
                raise FormatError(f"{where}: 'label' must be a list of [start, end, label]")
            spans = [tuple(x) for x in raw]
        elif isinstance(row.get("entities"), list):
            spans = [(e.get("start_offset"), e.get("end_offset"), e.get("label")) for e in row["entities"]]
        else:
            raise FormatError(f"{where}: neither 'label' nor 'entities' (a doccano export has one)")
        docs.append(_doc(str(row.get("id", n)), row.get("text"), spans, where))
    return docs


def read_labelstudio(path: Path) -> list[GoldDoc]:
    """Label Studio JSON export: tasks with ``data.text`` and ``annotations[0].result`` of type labels."""
    try:
        tasks = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise FormatError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise FormatError(f"{path}: a Label Studio export is a list of tasks")
    docs = []
    for i, task in enumerate(tasks):
        where = f"{path}: task {i}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise FormatError(f"{where}: no 'data' object")
        anns = task.get("annotations") or task.get("predictions") or []
        results = anns[0].get("result", []) if anns and isinstance(anns[0], dict) else []
        spans = []
        for r in results:
            v = r.get("value", {}) if isinstance(r, dict) else {}
            labels = v.get("labels") or []
            if r.get("type", "labels") != "labels" or not labels:
                continue
            spans.append((v.get("start"), v.get("end"), labels[0]))
        docs.append(_doc(str(task.get("id", i)), task["data"].get("text"), spans, where))
    return docs


def read_conll(path: Path) -> list[GoldDoc]:
    """One character and its IOB2 tag per line, a blank line between documents (``-DOCSTART- id`` optional)."""
    try:
        parsed = conll_to_docs(Path(path).read_text(encoding="utf-8-sig"))
    except ValueError as exc:
        raise FormatError(f"{path}: {exc}") from None
    return [_doc(doc_id, text, spans, f"{path}: document {doc_id}") for doc_id, text, spans in parsed]


_READERS = {"jsonl": read_jsonl, "doccano": read_doccano, "labelstudio": read_labelstudio, "conll": read_conll}


def guess_format(path: Path) -> str:
    """From the extension, and for JSONL from the first record's keys."""
    suffix = Path(path).suffix.lower()
    if suffix in (".conll", ".bio", ".tsv", ".txt"):
        return "conll"
    if suffix == ".json":
        return "labelstudio"
    for _, row in _json_lines(Path(path)):
        if isinstance(row.get("label"), list) or (
                isinstance(row.get("entities"), list) and row["entities"] and "start_offset" in row["entities"][0]):
            return "doccano"
        return "jsonl"
    return "jsonl"


def read_annotations(path: str | Path, fmt: str | None = None) -> list[GoldDoc]:
    """Documents with gold spans from any supported format (guessed when ``fmt`` is None)."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"{path}: no such file")
    fmt = fmt or guess_format(path)
    if fmt not in _READERS:
        raise FormatError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    docs = _READERS[fmt](path)
    if not docs:
        raise FormatError(f"{path}: no documents")
    return docs


def write_annotations(docs: Iterable[GoldDoc], fmt: str) -> str:
    """The documents in ``fmt`` as one string (JSONL formats one line per document)."""
    docs = list(docs)
    if fmt == "conll":
        return "".join(doc_to_conll(d.id, d.text, d.spans()) for d in docs)
    if fmt == "labelstudio":
        tasks = [{"id": i, "data": {"text": d.text, "doc_id": d.id}, "annotations": [{"result": [
            {"id": f"{d.id}-{k}", "from_name": "label", "to_name": "text", "type": "labels",
             "value": {"start": e.start, "end": e.end, "text": d.text[e.start:e.end], "labels": [e.label]}}
            for k, e in enumerate(d.entities)]}]} for i, d in enumerate(docs)]
        return json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"
    if fmt == "doccano":
        rows = [{"id": d.id, "text": d.text, "label": [[e.start, e.end, e.label] for e in d.entities]} for d in docs]
    elif fmt == "jsonl":
        rows = [{"id": d.id, "text": d.text, "entities": [
            {"start": e.start, "end": e.end, "label": e.label, "text": d.text[e.start:e.end]} for e in d.entities]}
            for d in docs]
    else:
        raise FormatError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
