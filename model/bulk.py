"""A folder of reports to the users' table: ``zhaoshang-ner table INPUT... --out FILE``.

:func:`run_table` reads every input (files, folders searched recursively,
globs), runs ``predict`` and ``extract_projects`` on each document and hands
its rows to a writer (:mod:`zhaoshang_ner.writers`) as soon as it is done, so
an interrupted run keeps everything finished before it. A file that cannot be
read is one line on stderr and one ``status="error"`` row in the documents
table; the others go on. ``resume=True`` skips documents whose id and text
hash are already in the output.

A document's id is its path as the user gave it (``reports/a.txt`` for the
file ``a.txt`` found in the folder ``reports``); its text is what
:func:`zhaoshang_ner.readers.read_any` returns, the string every offset in
the tables indexes, and ``sha256`` (of its UTF-8 bytes) identifies it.
"""
from __future__ import annotations

import glob
import hashlib
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from .readers import DOCUMENT_FORMATS, DecodeError, read_any
from .remote import expand_uri, fetched, is_uri
from .writers import AMOUNT_COLUMNS, AREA_COLUMNS, TableWriter, open_writer, sibling, to_frame

if TYPE_CHECKING:
    from .api import LexiconLike
    from .projects import ProjectRecord, RoleValue
    from .schema import Record

__all__ = ["Document", "Summary", "expand_inputs", "iter_documents", "run_locally", "run_table", "to_frame"]

log = logging.getLogger(__name__)

#: How roles read in the ``amounts``/``areas`` text columns.
ROLE_WORDS = {
    "total_investment": "总投资", "registered_capital": "注册资本", "contract_value": "签约额",
    "fixed_asset": "固定资产投资", "output_value": "产值", "tax": "税收", "foreign_capital": "外资",
    "revenue": "营收", "land": "占地", "floor": "建筑面积", "other": "其他",
}


@dataclass
class Document:
    """One input read: its text, or why it has none (``status`` "ok", "empty" or "error")."""

    id: str
    path: Path
    format: str
    text: str = ""
    encoding: str = ""
    sha256: str | None = None
    status: str = "ok"
    error: str | None = None


@dataclass
class Summary:
    """What a run did; :meth:`line` is the one line the command prints."""

    out: list[Path] = field(default_factory=list)
    documents: int = 0
    skipped: int = 0
    ok: int = 0
    empty: int = 0
    failed: int = 0
    projects: int = 0
    entities: int = 0
    interrupted: bool = False

    @property
    def done(self) -> int:
        return self.ok + self.empty + self.failed

    def line(self) -> str:
        parts = [f"{self.ok} ok"]
        if self.empty:
            parts.append(f"{self.empty} empty")
        if self.skipped:
            parts.append(f"{self.skipped} already written (--resume)")
        if self.failed:
            parts.append(f"{self.failed} FAILED (reported above; rerun with --resume after fixing them)")
        head = f"{self.documents} document(s): " + ", ".join(parts)
        if self.interrupted:
            head = f"interrupted after {self.done} of {self.documents - self.skipped} document(s) to do: " \
                   + ", ".join(parts) + "; run the same command with --resume to finish"
        files = ", ".join(str(p) for p in self.out)
        return f"{head}; {self.projects} project row(s), {self.entities} entities written to {files}"


# ---------------------------------------------------------------- inputs


def _has_magic(s: str) -> bool:
    return any(c in s for c in "*?[")


def _skipped_name(name: str) -> bool:
    """Hidden files and Word's lock files (~$report.docx) are never reports."""
    return name.startswith(".") or name.startswith("~$")


def expand_inputs(inputs: Iterable[str | Path], *, exclude: Iterable[Path] = ()) -> list[tuple[str, Path | str]]:
    """(id, path) of every document the inputs name, in order, each file once.

    A file is taken whatever its extension; a folder gives its .txt, .docx,
    .pdf, .html and .htm files (recursively, sorted); a pattern that names no
    file is expanded as a glob (``**`` included). An input that names nothing
    is an error before any work starts. A URI (``s3://bucket/reports/``) is
    listed through pyarrow's filesystems; its documents' ids and paths are URIs.
    """
    excluded = {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    out: list[tuple[str, Path]] = []

    def add(doc_id: str, path: Path) -> None:
        real = os.path.realpath(path)
        if real in seen or real in excluded:
            return
        seen.add(real)
        out.append((doc_id, path))

    def add_folder(folder: str) -> None:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not _skipped_name(d))
            for name in sorted(files):
                if not _skipped_name(name) and Path(name).suffix.lower() in DOCUMENT_FORMATS:
                    p = Path(root) / name
                    add(p.as_posix(), p)

    for item in inputs:
        s = str(item)
        if is_uri(s):  # another filesystem (s3://, gs://, hdfs://): the id is the URI, as the user wrote it
            for uri in expand_uri(s):
                if uri not in seen:
                    seen.add(uri)
                    out.append((uri, uri))
            continue
        p = Path(s)
        if p.is_dir():
            add_folder(s)
        elif p.exists():
            add(p.as_posix(), p)
        elif _has_magic(s):
            matches = sorted(glob.glob(s, recursive=True))
            if not matches:
                raise FileNotFoundError(f"{s}: no file matches this pattern")
            # reports/** matches every file: keep the report formats, unless the pattern names an extension (*.md)
            literal_suffix = Path(s).suffix and not _has_magic(Path(s).suffix)
            for m in matches:
                if Path(m).is_dir():
                    add_folder(m)
                elif not _skipped_name(Path(m).name) and (literal_suffix or
                                                          Path(m).suffix.lower() in DOCUMENT_FORMATS):
                    add(Path(m).as_posix(), Path(m))
        else:
            raise FileNotFoundError(f"{s}: no such file or folder")
    return out


def read_one(doc_id: str, path: Path | str, encoding: str | None = None) -> Document:
    """One input as a :class:`Document`; reading errors become ``status="error"``, never an exception.

    ``path`` is a local path or a URI (:mod:`zhaoshang_ner.remote`), fetched first.
    """
    if is_uri(path):
        uri = str(path)
        try:
            with fetched(uri) as local:
                doc = read_one(doc_id, local, encoding)
        except (DecodeError, OSError) as exc:
            doc = Document(doc_id, Path(PurePosixPath(uri).name), DOCUMENT_FORMATS.get(
                PurePosixPath(uri).suffix.lower(), "txt"), status="error", error=_without_prefix(str(exc), uri))
            return doc
        if doc.error:
            doc.error = doc.error.replace(str(local), uri)
        return doc
    path = Path(path)
    fmt = DOCUMENT_FORMATS.get(path.suffix.lower(), "txt")
    try:
        decoded = read_any(path, encoding)
    except (DecodeError, OSError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Document(doc_id, path, fmt, status="error", error=_without_prefix(message, str(path)))
    text = decoded.text
    return Document(doc_id, path, fmt, text=text, encoding=decoded.encoding,
                    sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
                    status="ok" if text.strip() else "empty")


def iter_documents(inputs: Iterable[str | Path], *, encoding: str | None = None,
                   exclude: Iterable[Path] = ()) -> Iterator[Document]:
    """Every document the inputs name, read one at a time (see :func:`expand_inputs`, :func:`read_one`)."""
    for doc_id, path in expand_inputs(inputs, exclude=exclude):
        yield read_one(doc_id, path, encoding)


# ---------------------------------------------------------------- rows


def _number(v: float | None) -> float | int | None:
    """Whole numbers as ints, so 1600000000.0 reads 1600000000 in every format."""
    if v is None:
        return None
    return int(v) if float(v).is_integer() and abs(v) < 2**53 else v


def format_value(v: "RoleValue") -> str:
    """总投资 16亿元 (1600000000 CNY, approximate): the text, then the number the row's figures come from."""
    if v.value is not None:
        detail = f"{_number(v.value)} {v.unit or ''}".strip()
    elif v.value_range is not None:
        detail = f"{_number(v.value_range[0])}-{_number(v.value_range[1])} {v.unit or ''}".strip()
    else:
        detail = v.value_note or ""
    extra = ", ".join(x for x in (detail, v.qualifier) if x)
    return f"{ROLE_WORDS.get(v.role, v.role)} {v.text}" + (f" ({extra})" if extra else "")


def _first_values(values: list["RoleValue"], unit: str, names: tuple[str, ...], suffix: str) -> dict[str, Any]:
    """The first value of each role in ``unit`` (amounts in other currencies stay in the text column)."""
    out: dict[str, Any] = {c: None for c in names}
    for v in values:
        col = f"{v.role}{suffix}"
        if col in out and out[col] is None and v.value is not None and v.unit == unit:
            out[col] = _number(v.value)
    return out


def project_rows(doc_id: str, projects: list["ProjectRecord"], engine: str, version: str) -> list[dict[str, Any]]:
    """One flat row per project record (columns: ``writers.TABLES['projects']``)."""
    rows = []
    for i, p in enumerate(projects):
        names = []
        for ind in p.industries:
            if ind.normalized not in names:
                names.append(ind.normalized)
        row: dict[str, Any] = {
            "doc": doc_id, "record": i,
            "company": p.company.text if p.company else None,
            "company_canonical": p.company.canonical if p.company else None,
            "company_id": p.company.canonical_id if p.company else None,
            "partners": "、".join(x.text for x in p.partners) or None,
            "park": p.park.text if p.park else None,
            "park_canonical": p.park.canonical if p.park else None,
            "park_id": p.park.canonical_id if p.park else None,
            "event": p.event, "project_name": p.project_name, "date": p.date,
            "amounts": "; ".join(format_value(a) for a in p.amounts) or None,
            **_first_values(p.amounts, "CNY", AMOUNT_COLUMNS, "_cny"),
            "areas": "; ".join(format_value(a) for a in p.areas) or None,
            **_first_values(p.areas, "m2", AREA_COLUMNS, "_m2"),
            "industries": "、".join(names) or None,
            "evidence": p.evidence.text, "evidence_start": p.evidence.start, "evidence_end": p.evidence.end,
            "engine": engine, "version": version,
        }
        rows.append(row)
    return rows


def entity_rows(doc_id: str, record: "Record") -> list[dict[str, Any]]:
    """One row per entity; ``start``/``end`` index the document's decoded text."""
    return [{
        "doc": doc_id, "start": e.start, "end": e.end, "label": e.label, "text": e.text,
        "normalized": e.normalized, "score": e.score, "value": _number(e.value), "unit": e.unit,
        "value_low": _number(e.value_range[0]) if e.value_range else None,
        "value_high": _number(e.value_range[1]) if e.value_range else None,
        "value_note": e.value_note,
    } for e in record.entities]


def document_row(doc: Document, n_entities: int, n_projects: int, engine: str | None, version: str) -> dict[str, Any]:
    return {"doc": doc.id, "format": doc.format, "encoding": doc.encoding or None,
            "chars": len(doc.text) if doc.status != "error" else None, "sha256": doc.sha256,
            "status": doc.status, "error": doc.error, "entities": n_entities, "projects": n_projects,
            "engine": engine, "version": version}


def process(doc: Document, engine: str, lexicon: Any) -> dict[str, list[dict[str, Any]]]:
    """One document's rows for the three tables; an engine error makes it a failed document."""
    from . import __version__
    from .api import predict
    from .projects import extract_projects

    record = None
    if doc.status != "error":
        try:
            record = predict(doc.text, engine=engine, lexicon=lexicon)
            projects = extract_projects(doc.text, record)
        except Exception as exc:  # noqa: BLE001 - one document's failure must not stop the others
            doc.status, doc.error = "error", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            record = None
    if record is None:
        return {"documents": [document_row(doc, 0, 0, None, __version__)], "entities": [], "projects": []}
    ents = entity_rows(doc.id, record)
    rows = project_rows(doc.id, projects, record.engine, record.version)
    return {"documents": [document_row(doc, len(ents), len(rows), record.engine, record.version)],
            "entities": ents, "projects": rows}


# ---------------------------------------------------------------- the run


def _bar(total: int, progress: bool | None):
    """A tqdm bar on stderr when asked (None: when stderr is a terminal); a silent stand-in otherwise."""
    if progress is None:
        progress = sys.stderr.isatty()
    if progress:
        try:
            from tqdm import tqdm

            return tqdm(total=total, file=sys.stderr, unit="doc", dynamic_ncols=True)
        except ImportError:
            pass

    class _Quiet:
        def update(self, n: int = 1) -> None: ...
        def set_postfix_str(self, s: str) -> None: ...
        def close(self) -> None: ...

    return _Quiet()


def _redirect_logging(bar):
    """While a bar is drawn, our messages print above it instead of through it."""
    import contextlib

    if type(bar).__name__ == "_Quiet":
        return contextlib.nullcontext()
    from tqdm.contrib.logging import logging_redirect_tqdm

    return logging_redirect_tqdm([logging.getLogger("zhaoshang_ner")])


Tables = dict[str, list[dict[str, Any]]]
#: How documents become rows: (to do as (id, path), engine name, lexicon, encoding) -> each document's tables.
Runner = Callable[[list[tuple[str, Path]], str, Any, "str | None"], Iterable[Tables]]


def run_locally(todo: list[tuple[str, Path]], engine: str, lexicon: Any, encoding: str | None) -> Iterator[Tables]:
    """This process, one document after another, in input order."""
    for doc_id, path in todo:
        yield process(read_one(doc_id, path, encoding), engine, lexicon)


def run_table(inputs: Iterable[str | Path], out: str | Path, *, engine: str | None = None, resume: bool = False,
              encoding: str | None = None, lexicon: "LexiconLike" = None, progress: bool | None = None,
              format: str | None = None, force: bool = False, runner: Runner = run_locally) -> Summary:
    """Read ``inputs``, write the projects, entities and documents tables to ``out``; see the module docstring.

    ``out`` exists already: ``resume=True`` adds to it (skipping documents
    already written with the same text), ``force=True`` replaces it, neither is
    an error. Interrupted (Ctrl-C), what was done is written and the
    KeyboardInterrupt goes on up; the summary is logged first. ``runner`` turns
    the documents to do into their rows (:func:`run_locally`, or
    :func:`zhaoshang_ner.distributed.ray_runner` for a Ray cluster); whatever
    runs them, a document's rows are written once, by this process.
    """
    from .api import load_lexicon, resolve_engine

    writer = open_writer(out, format)
    name, _ = resolve_engine(engine)  # an unknown engine fails here, before any file is read
    lex = load_lexicon(lexicon)
    if writer.exists() and not (resume or force):
        raise FileExistsError(f"{out} already exists: pass --resume to add to it, or --force to replace it")
    paths = expand_inputs(inputs, exclude=_own_files(writer))
    summary = Summary(out=[p for p in writer.files if not p.name.endswith(".journal.jsonl")],
                      documents=len(paths))

    skip: set[str] = set()
    redo: set[str] = set()
    if resume:
        before = writer.existing()
        for doc_id, path in paths:
            if doc_id not in before:
                continue
            sha, status = before[doc_id]
            if status in ("ok", "empty") and read_one(doc_id, path, encoding).sha256 == sha:
                skip.add(doc_id)
            else:
                redo.add(doc_id)  # failed before, or its text changed: its old rows go
    writer.begin(resume, redo)
    summary.skipped = len(skip)
    todo = [(d, p) for d, p in paths if d not in skip]
    bar = _bar(len(todo), progress)
    complete = False
    written: set[str] = set()
    try:
        with _redirect_logging(bar):
            for tables in runner(todo, name, lex, encoding):
                doc = tables["documents"][0]
                if doc["doc"] in written:
                    continue  # a document a retried task delivered twice is written once
                written.add(doc["doc"])
                writer.write(tables)
                if doc["status"] == "error":
                    summary.failed += 1
                    log.error("%s: %s", doc["doc"], doc["error"])
                elif doc["status"] == "empty":
                    summary.empty += 1
                else:
                    summary.ok += 1
                summary.projects += len(tables["projects"])
                summary.entities += len(tables["entities"])
                bar.update(1)
            complete = True
    except KeyboardInterrupt:
        summary.interrupted = True
        raise
    finally:
        bar.close()
        writer.close(complete=complete)
        if summary.interrupted:
            log.warning("%s", summary.line())
    return summary


def _own_files(writer: TableWriter) -> list[Path]:
    """The output's files (and their temporary names): a folder holding the output never reads it back."""
    files = list(writer.files)
    if writer.path.suffix.lower() in (".csv", ".jsonl", ".ndjson", ".parquet"):
        files += [sibling(writer.path, t) for t in ("entities", "documents")]
    return files + [p.with_name(p.name + ".tmp") for p in files]


def _without_prefix(message: str, path: str) -> str:
    """Reader errors start with the path; the line already names the document."""
    for prefix in (f"{path}: ", f"{Path(path).as_posix()}: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message
