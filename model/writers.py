"""The bulk table's three linked tables, written to CSV, JSONL, Excel, Parquet or SQLite.

``projects`` (one row per project record), ``entities`` (one row per entity)
and ``documents`` (one row per input file) share the ``doc`` column. Every
writer is fed one document at a time (:meth:`TableWriter.write`) and keeps what
it was given if the run stops there:

- CSV and JSONL append and flush; the document's row in ``documents`` is
  written last, so a document counts as done only when all its rows are in.
  ``out.csv`` holds the projects; ``out.entities.csv`` and
  ``out.documents.csv`` lie beside it (``.jsonl`` likewise).
- SQLite writes each document in one transaction.
- Excel and Parquet files cannot be appended to: each document goes to a
  journal (``out.xlsx.journal.jsonl``, one line per document) and the file is
  built from it when the run ends, interrupted or not. A finished run removes
  the journal; a resumed one rebuilds it from the file.

Resuming (:meth:`TableWriter.existing`, :meth:`TableWriter.begin`) drops
whatever a stopped run left half-written and the documents that are to be done
again, so no row is ever written twice.
"""
from __future__ import annotations

import csv
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from .projects import AMOUNT_ROLE_NAMES, AREA_ROLE_NAMES
from .schema import dumps

#: Numeric columns of the projects table: the first amount in CNY / area in m² of each known role.
AMOUNT_COLUMNS: tuple[str, ...] = tuple(f"{r}_cny" for r in AMOUNT_ROLE_NAMES if r != "other")
AREA_COLUMNS: tuple[str, ...] = tuple(f"{r}_m2" for r in AREA_ROLE_NAMES if r != "other")

#: Columns and types ("str", "int", "float") of each table, in order; ``doc`` links them.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "projects": (
        ("doc", "str"), ("record", "int"), ("company", "str"), ("company_canonical", "str"), ("company_id", "str"),
        ("partners", "str"), ("park", "str"), ("park_canonical", "str"), ("park_id", "str"), ("event", "str"),
        ("project_name", "str"), ("date", "str"), ("amounts", "str"),
        *((c, "float") for c in AMOUNT_COLUMNS),
        ("areas", "str"), *((c, "float") for c in AREA_COLUMNS),
        ("industries", "str"), ("evidence", "str"), ("evidence_start", "int"), ("evidence_end", "int"),
        ("engine", "str"), ("version", "str"),
    ),
    "entities": (
        ("doc", "str"), ("start", "int"), ("end", "int"), ("label", "str"), ("text", "str"), ("normalized", "str"),
        ("score", "float"), ("value", "float"), ("unit", "str"), ("value_low", "float"), ("value_high", "float"),
        ("value_note", "str"),
    ),
    "documents": (
        ("doc", "str"), ("format", "str"), ("encoding", "str"), ("chars", "int"), ("sha256", "str"),
        ("status", "str"), ("error", "str"), ("entities", "int"), ("projects", "int"), ("engine", "str"),
        ("version", "str"),
    ),
}
#: The order rows of one document are written in: ``documents`` last marks it done.
_WRITE_ORDER = ("entities", "projects", "documents")

#: Output formats by file extension.
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx", ".parquet": "parquet",
              ".sqlite": "sqlite", ".sqlite3": "sqlite", ".db": "sqlite"}
FORMATS = ("csv", "jsonl", "xlsx", "parquet", "sqlite", "parquet-dir")

Row = dict[str, Any]


def columns(table: str) -> list[str]:
    return [name for name, _ in TABLES[table]]


def output_format(path: str | Path, fmt: str | None = None) -> str:
    """The format asked for, else the one the extension names; an unknown one says what to do."""
    if fmt:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
        return fmt
    if str(path).endswith(("/", os.sep)) or Path(path).is_dir():
        return "parquet-dir"  # a folder: a partitioned Parquet dataset, one folder per table
    found = EXTENSIONS.get(Path(path).suffix.lower())
    if found is None:
        raise ValueError(f"{path}: cannot tell the format from the extension; end it in "
                         f"{', '.join(sorted(EXTENSIONS))}, or in / for a Parquet folder, or pass --format")
    return found


def sibling(path: Path, table: str) -> Path:
    """Where a table other than projects goes beside ``path``: out.csv -> out.entities.csv."""
    return path if table == "projects" else path.with_name(f"{path.stem}.{table}{path.suffix}")


class TableWriter:
    """What the bulk pipeline writes through; one subclass per format."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def files(self) -> list[Path]:
        """Every file this writer may create (inputs matching one of them are not read)."""
        return [self.path]

    def exists(self) -> bool:
        return any(p.exists() for p in self.files)

    def existing(self) -> dict[str, tuple[str | None, str]]:
        """Documents fully written before: doc -> (sha256, status)."""
        raise NotImplementedError

    def begin(self, resume: bool, redo: Iterable[str] = ()) -> None:
        """Start fresh, or keep what is there less half-written documents and ``redo``."""
        raise NotImplementedError

    def write(self, tables: dict[str, list[Row]]) -> None:
        """One document's rows: ``{"documents": [row], "entities": [...], "projects": [...]}``."""
        raise NotImplementedError

    def close(self, complete: bool = True) -> None:
        """Finish the files; ``complete`` is False when the run stopped early."""


# ---------------------------------------------------------------- CSV and JSONL


class _LinesWriter(TableWriter):
    """CSV or JSONL: three append-only files, flushed after every document."""

    suffix = ""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._handles: dict[str, Any] = {}

    @property
    def files(self) -> list[Path]:
        return [sibling(self.path, t) for t in TABLES]

    # one format's reading and writing of rows
    def _read(self, path: Path, table: str) -> list[Row]:
        raise NotImplementedError

    def _open(self, path: Path, table: str, fresh: bool):
        raise NotImplementedError

    def _put(self, table: str, row: Row) -> None:
        raise NotImplementedError

    def existing(self) -> dict[str, tuple[str | None, str]]:
        path = sibling(self.path, "documents")
        if not path.exists():
            return {}
        done = {}
        for row in self._read(path, "documents"):
            doc, sha, status = row.get("doc"), row.get("sha256") or None, row.get("status")
            if doc and status in ("ok", "empty", "error") and (status == "error" or (sha and len(sha) == 64)):
                done[doc] = (sha, status)
        return done

    def begin(self, resume: bool, redo: Iterable[str] = ()) -> None:
        if resume:
            keep = set(self.existing()) - set(redo)
            for table in TABLES:
                path = sibling(self.path, table)
                if not path.exists():
                    continue
                rows = self._read(path, table)
                kept = [r for r in rows if r.get("doc") in keep]
                if len(kept) != len(rows) or not _ends_with_newline(path):
                    tmp = path.with_name(path.name + ".tmp")
                    self._rewrite(tmp, table, kept)
                    os.replace(tmp, path)
        for table in TABLES:
            path = sibling(self.path, table)
            fresh = not resume or not path.exists() or path.stat().st_size == 0
            self._handles[table] = self._open(path, table, fresh)

    def _rewrite(self, path: Path, table: str, rows: list[Row]) -> None:
        self._handles[table] = self._open(path, table, True)
        for row in rows:
            self._put(table, row)
        self._handles.pop(table).close()

    def write(self, tables: dict[str, list[Row]]) -> None:
        for table in _WRITE_ORDER:
            for row in tables.get(table, ()):
                self._put(table, row)
            self._handles[table].flush()

    def close(self, complete: bool = True) -> None:
        for h in self._handles.values():
            h.close()
        self._handles.clear()


def _ends_with_newline(path: Path) -> bool:
    size = path.stat().st_size
    if size == 0:
        return True
    with path.open("rb") as fh:
        fh.seek(size - 1)
        return fh.read(1) == b"\n"


class CsvWriter(_LinesWriter):
    """UTF-8 with a BOM, so Excel opens the Chinese text as such; empty cells for None."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._csv: dict[str, Any] = {}

    def _read(self, path: Path, table: str) -> list[Row]:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                return []
            if header != columns(table):
                raise ValueError(f"{path}: written with other columns (by another version?); "
                                 "write to a new file instead of --resume")
            return [dict(zip(header, r)) for r in reader if len(r) == len(header)]

    def _open(self, path: Path, table: str, fresh: bool):
        fh = path.open("w" if fresh else "a", encoding="utf-8-sig", newline="")
        self._csv[table] = csv.DictWriter(fh, fieldnames=columns(table), extrasaction="raise")
        if fresh:
            self._csv[table].writeheader()
        self._handles[table] = fh
        return fh

    def _put(self, table: str, row: Row) -> None:
        self._csv[table].writerow({k: "" if v is None else v for k, v in row.items()})


class JsonlWriter(_LinesWriter):
    """One strict-JSON object per line; a line cut short by a crash is dropped on resume."""

    def _read(self, path: Path, table: str) -> list[Row]:
        rows = []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(row, dict):
                    rows.append(row)
        return rows

    def _open(self, path: Path, table: str, fresh: bool):
        fh = path.open("w" if fresh else "a", encoding="utf-8")
        self._handles[table] = fh
        return fh

    def _put(self, table: str, row: Row) -> None:
        self._handles[table].write(dumps(row) + "\n")


# ---------------------------------------------------------------- SQLite

_SQL_TYPES = {"str": "TEXT", "int": "INTEGER", "float": "REAL"}


class SqliteWriter(TableWriter):
    """Three tables in one database, one transaction per document; other tables in the file are left alone."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self.db is None:
            try:
                self.db = sqlite3.connect(self.path)
                self.db.execute("PRAGMA foreign_keys = ON")
                self.db.execute("SELECT name FROM sqlite_master LIMIT 1")
            except sqlite3.DatabaseError as exc:
                raise ValueError(f"{self.path}: not an SQLite database ({exc}); choose another --out") from None
        return self.db

    def _tables(self) -> set[str]:
        return {r[0] for r in self._connect().execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def exists(self) -> bool:
        return self.path.exists() and bool(self._tables() & set(TABLES))

    def existing(self) -> dict[str, tuple[str | None, str]]:
        if not self.path.exists() or "documents" not in self._tables():
            return {}
        return {d: (s, st) for d, s, st in self._connect().execute("SELECT doc, sha256, status FROM documents")}

    def begin(self, resume: bool, redo: Iterable[str] = ()) -> None:
        db = self._connect()
        with db:
            if not resume:
                for table in ("projects", "entities", "documents"):
                    db.execute(f'DROP TABLE IF EXISTS "{table}"')
            for table, cols in TABLES.items():
                have = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
                if have and have != [c for c, _ in cols]:
                    raise ValueError(f"{self.path}: table {table} has other columns (written by another version?); "
                                     "write to a new database instead of --resume")
                spec = ", ".join(
                    f'"{c}" {_SQL_TYPES[t]}' + (" PRIMARY KEY" if table == "documents" and c == "doc" else
                                                " REFERENCES documents(doc)" if c == "doc" else "")
                    for c, t in cols)
                db.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({spec})')
                if table != "documents":
                    db.execute(f'CREATE INDEX IF NOT EXISTS "{table}_doc" ON "{table}"(doc)')
            for doc in redo:
                self._delete(doc)

    def _delete(self, doc: str) -> None:
        for table in ("projects", "entities", "documents"):
            self.db.execute(f'DELETE FROM "{table}" WHERE doc = ?', (doc,))

    def write(self, tables: dict[str, list[Row]]) -> None:
        db = self._connect()
        with db:
            for row in tables["documents"]:
                self._delete(row["doc"])
            for table in ("documents", "entities", "projects"):
                cols = columns(table)
                sql = f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)}) ' \
                      f'VALUES ({", ".join("?" for _ in cols)})'
                db.executemany(sql, [tuple(r.get(c) for c in cols) for r in tables.get(table, ())])

    def close(self, complete: bool = True) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


# ---------------------------------------------------------------- Excel and Parquet, through a journal


class _JournalWriter(TableWriter):
    """Documents go to ``<out>.journal.jsonl`` as they finish; the file is built from it at the end."""

    @property
    def journal(self) -> Path:
        return self.path.with_name(self.path.name + ".journal.jsonl")

    @property
    def outputs(self) -> list[Path]:
        return [self.path]

    @property
    def files(self) -> list[Path]:
        return [*self.outputs, self.journal]

    def _load_final(self) -> dict[str, list[Row]]:
        raise NotImplementedError

    def _build(self, tables: dict[str, list[Row]]) -> None:
        raise NotImplementedError

    def _entries(self) -> dict[str, dict[str, list[Row]]]:
        """The journal's documents, the last entry of each doc winning; a line cut short is dropped."""
        out: dict[str, dict[str, list[Row]]] = {}
        if not self.journal.exists():
            return out
        with self.journal.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                    doc = entry["documents"][0]["doc"]
                except (json.JSONDecodeError, KeyError, IndexError, TypeError):
                    continue
                out.pop(doc, None)
                out[doc] = entry
        return out

    def existing(self) -> dict[str, tuple[str | None, str]]:
        if not self.journal.exists() and self.path.exists():
            self._seed_journal()
        return {doc: (e["documents"][0].get("sha256"), e["documents"][0].get("status"))
                for doc, e in self._entries().items()}

    def _seed_journal(self) -> None:
        """A finished file read back into a journal, so a resumed run can add to it."""
        tables = self._load_final()
        by_doc: dict[str, dict[str, list[Row]]] = {}
        for row in tables.get("documents", []):
            by_doc[row["doc"]] = {"documents": [row], "entities": [], "projects": []}
        for table in ("entities", "projects"):
            for row in tables.get(table, []):
                if row.get("doc") in by_doc:
                    by_doc[row["doc"]][table].append(row)
        tmp = self.journal.with_name(self.journal.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for entry in by_doc.values():
                fh.write(dumps(entry) + "\n")
        os.replace(tmp, self.journal)

    def begin(self, resume: bool, redo: Iterable[str] = ()) -> None:
        self._check_available()
        if not resume:
            self.journal.unlink(missing_ok=True)
        else:
            if not self.journal.exists() and self.path.exists():
                self._seed_journal()
            redo = set(redo)
            entries = self._entries()
            if redo & set(entries) or self.journal.exists() and not _ends_with_newline(self.journal):
                tmp = self.journal.with_name(self.journal.name + ".tmp")
                with tmp.open("w", encoding="utf-8") as fh:
                    for doc, entry in entries.items():
                        if doc not in redo:
                            fh.write(dumps(entry) + "\n")
                os.replace(tmp, self.journal)
        self._fh = self.journal.open("a", encoding="utf-8")

    def write(self, tables: dict[str, list[Row]]) -> None:
        self._fh.write(dumps({t: tables.get(t, []) for t in TABLES}) + "\n")
        self._fh.flush()

    def close(self, complete: bool = True) -> None:
        fh = getattr(self, "_fh", None)
        if fh is None:
            return
        fh.close()
        self._fh = None
        tables: dict[str, list[Row]] = {t: [] for t in TABLES}
        for entry in self._entries().values():
            for t in TABLES:
                tables[t].extend(entry.get(t, []))
        self._build(tables)
        if complete:
            self.journal.unlink(missing_ok=True)

    def _check_available(self) -> None:
        """Fail before any document is read when the library the format needs is missing."""


def _xlsx_safe(value: Any) -> Any:
    """Excel refuses control characters and cells over 32,767 characters; offsets stay in the other columns."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value if len(value) <= 32767 else value[:32766] + "…"


class XlsxWriter(_JournalWriter):
    """One workbook, one sheet per table."""

    def _check_available(self) -> None:
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            raise ImportError("writing .xlsx needs openpyxl: pip install openpyxl") from None

    def _build(self, tables: dict[str, list[Row]]) -> None:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        for table in TABLES:
            ws = wb.create_sheet(table)
            cols = columns(table)
            ws.append(cols)
            for row in tables[table]:
                ws.append([_xlsx_safe(row.get(c)) for c in cols])
        tmp = self.path.with_name(self.path.name + ".tmp")
        wb.save(tmp)
        os.replace(tmp, self.path)

    def _load_final(self) -> dict[str, list[Row]]:
        from openpyxl import load_workbook

        try:
            wb = load_workbook(self.path, read_only=True)
        except Exception as exc:  # noqa: BLE001
            raise ValueError(f"{self.path}: cannot be read back to resume ({exc}); write to a new file") from None
        tables = {}
        for table in TABLES:
            if table not in wb.sheetnames:
                raise ValueError(f"{self.path}: has no {table} sheet, so it was not written by this tool; "
                                 "write to a new file instead of --resume")
            rows = wb[table].iter_rows(values_only=True)
            header = list(next(rows, ()))
            if header != columns(table):
                raise ValueError(f"{self.path}: sheet {table} has other columns (another version?); "
                                 "write to a new file instead of --resume")
            tables[table] = [dict(zip(header, r)) for r in rows]
        wb.close()
        return tables


def _require_pyarrow() -> None:
    """Fail before any document is read when pyarrow is missing."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ImportError("writing .parquet needs pyarrow: pip install pyarrow") from None


def _write_parquet(path: Path, table: str, rows: list[Row]) -> None:
    """One table's rows as a Parquet file with the table's column types, replaced atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64()}
    schema = pa.schema([(c, types[t]) for c, t in TABLES[table]])
    data = pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema=schema)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(data, tmp)
    os.replace(tmp, path)


class ParquetWriter(_JournalWriter):
    """``out.parquet`` (projects) with ``out.entities.parquet`` and ``out.documents.parquet`` beside it."""

    @property
    def outputs(self) -> list[Path]:
        return [sibling(self.path, t) for t in TABLES]

    def _check_available(self) -> None:
        _require_pyarrow()

    def _build(self, tables: dict[str, list[Row]]) -> None:
        for table in TABLES:
            _write_parquet(sibling(self.path, table), table, tables[table])

    def _load_final(self) -> dict[str, list[Row]]:
        import pyarrow.parquet as pq

        tables = {}
        for table in TABLES:
            path = sibling(self.path, table)
            if not path.exists():
                raise ValueError(f"{path}: missing, so {self.path} cannot be resumed; write to a new file")
            data = pq.read_table(path)
            if data.column_names != columns(table):
                raise ValueError(f"{path}: has other columns (another version?); write to a new file")
            tables[table] = data.to_pylist()
        return tables


class ParquetDatasetWriter(TableWriter):
    """A folder of Parquet parts, for runs too big for one file: ``out/{projects,entities,documents}/part-NNNNNN.parquet``.

    Rows are buffered and written as one part per ``part_docs`` documents (in
    input order), so memory stays bounded however many documents there are, and
    ``pandas.read_parquet("out/entities")``, Spark, DuckDB or Ray Data read each
    table folder as one dataset. A part's documents file is written last: a part
    without it was cut short and is removed on resume. A stop loses at most the
    documents of the part being filled, which ``--resume`` does again.
    """

    part_docs = 500

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._buffer: dict[str, list[Row]] = {t: [] for t in TABLES}
        self._docs = 0
        self._next = 0

    @property
    def files(self) -> list[Path]:
        return [self.path / t for t in TABLES]

    def exists(self) -> bool:
        return any(self._parts(t) for t in TABLES)

    def _parts(self, table: str) -> list[Path]:
        folder = self.path / table
        return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []

    def _check_available(self) -> None:
        _require_pyarrow()

    def existing(self) -> dict[str, tuple[str | None, str]]:
        import pyarrow.parquet as pq

        done = {}
        for part in self._parts("documents"):
            for row in pq.read_table(part, columns=["doc", "sha256", "status"]).to_pylist():
                done[row["doc"]] = (row["sha256"], row["status"])
        return done

    def begin(self, resume: bool, redo: Iterable[str] = ()) -> None:
        import pyarrow.parquet as pq

        self._check_available()
        complete = {p.name for p in self._parts("documents")}
        redo = set(redo)
        for table in TABLES:
            (self.path / table).mkdir(parents=True, exist_ok=True)
            for part in self._parts(table):
                if not resume or part.name not in complete:
                    part.unlink()  # a fresh run, or a part cut short before its documents file
                elif redo:
                    data = pq.read_table(part)
                    rows = data.to_pylist()
                    kept = [r for r in rows if r["doc"] not in redo]
                    if len(kept) != len(rows):
                        _write_parquet(part, table, kept)
        names = [p.name for p in self._parts("documents")]
        self._next = 1 + max((int(n[5:11]) for n in names), default=-1)

    def write(self, tables: dict[str, list[Row]]) -> None:
        for t in TABLES:
            self._buffer[t].extend(tables.get(t, ()))
        self._docs += 1
        if self._docs >= self.part_docs:
            self._flush()

    def _flush(self) -> None:
        if not self._docs:
            return
        name = f"part-{self._next:06d}.parquet"
        for table in _WRITE_ORDER:
            _write_parquet(self.path / table / name, table, self._buffer[table])
        self._next += 1
        self._buffer = {t: [] for t in TABLES}
        self._docs = 0

    def close(self, complete: bool = True) -> None:
        self._flush()


WRITERS: dict[str, type[TableWriter]] = {"csv": CsvWriter, "jsonl": JsonlWriter, "sqlite": SqliteWriter,
                                         "xlsx": XlsxWriter, "parquet": ParquetWriter,
                                         "parquet-dir": ParquetDatasetWriter}


def open_writer(path: str | Path, fmt: str | None = None) -> TableWriter:
    """The writer for ``path`` in ``fmt`` (default: from the extension)."""
    return WRITERS[output_format(path, fmt)](Path(path))


# ---------------------------------------------------------------- reading back


def to_frame(path: str | Path, table: str = "projects", *, format: str | None = None):
    """One table of a written output as a pandas DataFrame (``table``: projects, entities or documents).

    For CSV, JSONL and Parquet ``path`` is the main (projects) file, as given to
    ``--out``; the other tables are read from the files beside it.
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("to_frame needs pandas: pip install pandas") from None
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}: choose one of {', '.join(TABLES)}")
    fmt = output_format(path, format)
    path = Path(path)
    cols = columns(table)
    text_cols = {c: "string" for c, t in TABLES[table] if t == "str"}
    src = sibling(path, table) if fmt in ("csv", "jsonl", "parquet") else path / table if fmt == "parquet-dir" else path
    if not src.exists():
        raise FileNotFoundError(f"{src}: no such file; write it first with `zhaoshang-ner table ... --out {path}`")
    if fmt == "csv":
        frame = pd.read_csv(src, encoding="utf-8-sig", dtype=text_cols, keep_default_na=False,
                            na_values={c: [""] for c in cols})
    elif fmt == "jsonl":
        rows = JsonlWriter(path)._read(src, table)
        frame = pd.DataFrame(rows, columns=cols)
    elif fmt == "parquet":
        frame = pd.read_parquet(src)
    elif fmt == "parquet-dir":  # the parts in order: part-000000, part-000001, ...
        parts = sorted(src.glob("part-*.parquet"))
        frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True) if parts else \
            pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    elif fmt == "xlsx":
        frame = pd.read_excel(src, sheet_name=table, dtype=text_cols)
    else:
        with sqlite3.connect(src) as db:
            frame = pd.read_sql_query(f'SELECT * FROM "{table}"', db)
    return frame
