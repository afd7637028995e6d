"""The table pipeline on Ray Data: ``zhaoshang-ner table INPUT... --out FILE --ray [ADDRESS]``.

Everything but the work itself is :func:`zhaoshang_ner.bulk.run_table`'s: the
same inputs and document ids, options, output formats, resume and error rows.
Only the runner differs: Ray Data reads the documents and runs the engine in an
actor pool (each actor loads its recogniser once, then takes batches of
documents), and this process writes each document's rows as they stream back,
in input order. So the same folder gives the same rows through either route,
a document that cannot be read or recognised becomes a ``status="error"`` row in
the documents table (the errors table: ``errors_frame``) without stopping the
job, and a document that a retried task delivers again is written once (rows
are keyed by document id; ``--resume`` also checks its text hash).

Inputs are local files, folders and globs, or URIs of any filesystem pyarrow
reads (``s3://bucket/reports/``, ``gs://...``, ``hdfs://...``); a remote
document is fetched by the actor that reads it, so the cluster, not this
process, does the reading.

Needs the ``ray`` extra: ``pip install "zhaoshang-ner[ray]"``.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator

from .bulk import Document, Summary, Tables, process, read_one, run_table
from .readers import DOCUMENT_FORMATS
from .remote import is_uri

__all__ = ["ray_runner", "run_table_ray", "errors_frame"]

log = logging.getLogger(__name__)


def _require_ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise ImportError('the Ray route needs Ray Data: pip install "zhaoshang-ner[ray]"') from None
    return ray


class Annotator:
    """One actor of the pool: the engine loaded once, then batches of documents to rows.

    A batch's rows come back as one JSON string per document (the three tables
    differ in columns, so they travel as text and the writer gets the very dicts
    the local pipeline makes).
    """

    def __init__(self, engine: str, lexicon: Any, encoding: str | None) -> None:
        from .api import predict

        self.engine, self.lexicon, self.encoding = engine, lexicon, encoding
        predict("园区", engine=engine, lexicon=lexicon)  # load the recogniser now, not on the first document

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        docs, rows = [], []
        for doc_id, path in zip(batch["doc"], batch["path"]):
            doc_id, path = str(doc_id), str(path)
            try:
                tables = process(read_one(doc_id, path, self.encoding), self.engine, self.lexicon)
            except Exception as exc:  # noqa: BLE001 - one bad document never kills the job
                tables = failed(doc_id, path, exc)
            docs.append(doc_id)
            rows.append(json.dumps(tables, ensure_ascii=False, allow_nan=False))
        return {"doc": docs, "tables": rows}


def failed(doc_id: str, path: str, exc: BaseException) -> Tables:
    """The rows of a document whose reading or recognising raised: its error row, as bulk.process writes one."""
    fmt = DOCUMENT_FORMATS.get(PurePosixPath(path).suffix.lower(), "txt")
    reason = f"{type(exc).__name__}: {str(exc).splitlines()[0]}" if str(exc) else type(exc).__name__
    return process(Document(doc_id, Path(PurePosixPath(path).name), fmt, status="error", error=reason), "", None)


def ray_runner(address: str | None = None, *, actors: int | None = None, batch_size: int = 4,
               cpus_per_actor: float = 1.0, gpus_per_actor: float = 0.0,
               ray_init: dict[str, Any] | None = None, annotator: type = Annotator):
    """A :data:`zhaoshang_ner.bulk.Runner` that runs the documents on Ray.

    ``address``: a running cluster ("auto", "ray://host:10001"); None starts a
    local instance for this run (or uses the one this process already started).
    ``actors``: the pool size (default: the cluster's CPUs / ``cpus_per_actor``).
    Rows come back in input order, whichever actor finishes first. An actor
    that dies (a crashed or pre-empted worker) is restarted and its batch run
    again, as Ray Data does for actor pools; a Python error on one document never
    gets that far, it becomes that document's error row. ``annotator`` is the
    actor class (:class:`Annotator` or a subclass).
    """

    def run(todo: list[tuple[str, Path | str]], engine: str, lexicon: Any, encoding: str | None) -> Iterator[Tables]:
        if not todo:
            return
        ray = _require_ray()
        started = False
        if not ray.is_initialized():
            kwargs = {"address": address, "log_to_driver": False, "include_dashboard": False,
                      "configure_logging": False, **(ray_init or {})}
            if address is None:
                kwargs.setdefault("num_cpus", os.cpu_count())
            ray.init(**kwargs)
            started = True
        from ray.data import DataContext

        ctx = DataContext.get_current()
        saved = ctx.execution_options.preserve_order, ctx.enable_progress_bars
        try:
            ctx.execution_options.preserve_order = True  # the same row order as the local pipeline
            ctx.enable_progress_bars = False  # the table's own bar counts documents written
            n = actors or max(1, int(ray.cluster_resources().get("CPU", 1) // max(cpus_per_actor, 1e-9)))
            n = min(n, len(todo))  # an actor with no document would only load a model
            # workers do not share this process's working directory: local paths travel absolute, ids stay as given
            items = [{"doc": d, "path": str(p) if is_uri(p) else os.path.abspath(p)} for d, p in todo]
            ds = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), n * 4)))
            ds = ds.map_batches(
                annotator, fn_constructor_kwargs={"engine": engine, "lexicon": lexicon, "encoding": encoding},
                batch_size=batch_size, compute=ray.data.ActorPoolStrategy(size=n), num_cpus=cpus_per_actor,
                num_gpus=gpus_per_actor)
            for row in ds.iter_rows():
                yield json.loads(row["tables"])
        finally:
            ctx.execution_options.preserve_order, ctx.enable_progress_bars = saved
            if started:
                ray.shutdown()

    return run


def run_table_ray(inputs: Iterable[str | Path], out: str | Path, *, address: str | None = None,
                  actors: int | None = None, batch_size: int = 4, cpus_per_actor: float = 1.0,
                  gpus_per_actor: float = 0.0, **kwargs: Any) -> Summary:
    """:func:`zhaoshang_ner.bulk.run_table` with the documents run on Ray.

    ``kwargs`` are run_table's own (engine, resume, force, encoding, lexicon,
    format, progress).
    """
    _require_ray()
    runner = ray_runner(address, actors=actors, batch_size=batch_size, cpus_per_actor=cpus_per_actor,
                        gpus_per_actor=gpus_per_actor)
    return run_table(inputs, out, runner=runner, **kwargs)


def errors_frame(out: str | Path, *, format: str | None = None):
    """The errors table of a finished run: the documents that failed, with why (a pandas DataFrame)."""
    from .writers import to_frame

    docs = to_frame(out, "documents", format=format)
    return docs[docs["status"] == "error"][["doc", "format", "error"]].reset_index(drop=True)
