"""Documents spread over worker processes: ``predict_many(texts, workers=N)`` and ``table --workers N``.

The rules are pure Python (one core, whatever the machine has), and the model's
forward pass leaves cores idle while the rules, windows and decoder run, so
whole documents go to processes. Each worker loads its engine once and gets
``cores // workers`` threads for the model, so N workers never ask for more
cores than there are. Workers are started with ``spawn``: forking a process
that already holds an ONNX Runtime or torch thread pool can hang.

Only the spans (or a document's rows) cross the process boundary; offsets,
values and records are built by the caller exactly as with one worker, so the
output is identical by construction (tests check it).
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, Iterator, Sequence

if TYPE_CHECKING:
    from pathlib import Path

    from .api import ScoredSpan
    from .bulk import Tables

#: The engine a worker process loaded in its initializer: (name, function of texts and lexicon).
_ENGINE: dict[str, Any] = {}


def cores() -> int:
    """The cores this process may use (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def check_workers(workers: object) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    return workers


def _init(engine: str, threads: int) -> None:
    from . import neural
    from .api import ENGINES

    neural.use_threads(threads)
    if engine == "model":
        neural.default_recognizer()  # loaded here, once per worker, with its share of the cores
    _ENGINE["run"], _ENGINE["name"] = ENGINES[engine], engine


def _spans(texts: list[str], lexicon: Any) -> list[list[ScoredSpan]]:
    return _ENGINE["run"](texts, lexicon)


def _chunks(texts: Sequence[str], parts: int) -> list[list[int]]:
    """Indices of ``texts`` in about ``parts`` runs of similar length (in characters), in order."""
    total = sum(len(t) for t in texts)
    target = max(1, total // max(1, parts))
    out: list[list[int]] = [[]]
    size = 0
    for i, t in enumerate(texts):
        if out[-1] and size + len(t) > target:
            out.append([])
            size = 0
        out[-1].append(i)
        size += len(t)
    return out


def _pool(engine: str, workers: int) -> ProcessPoolExecutor:
    threads = max(1, cores() // workers)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init, initargs=(engine, threads))


def spans_in_workers(texts: Sequence[str], engine: str, lexicon: Any, workers: int) -> list[list[ScoredSpan]]:
    """``ENGINES[engine](texts, lexicon)``, computed by ``workers`` processes, in input order."""
    # four runs per worker: a long document does not leave the other workers idle at the end
    runs = _chunks(texts, workers * 4)
    with _pool(engine, min(workers, len(runs))) as pool:
        parts = list(pool.map(_spans, [[texts[i] for i in run] for run in runs], [lexicon] * len(runs)))
    return [spans for part in parts for spans in part]


def _process(job: tuple[str, Path], encoding: str | None, lexicon: Any) -> Tables:
    from .bulk import process, read_one

    doc_id, path = job
    return process(read_one(doc_id, path, encoding), _ENGINE["name"], lexicon)


def pool_runner(workers: int):
    """A :data:`zhaoshang_ner.bulk.Runner` that reads and recognises documents in ``workers`` processes."""
    check_workers(workers)

    def run(todo: list[tuple[str, Path]], engine: str, lexicon: Any, encoding: str | None) -> Iterator[Tables]:
        if not todo:
            return
        with _pool(engine, min(workers, len(todo))) as pool:
            # map keeps input order and yields as results arrive, so the writer streams
            yield from pool.map(_process, todo, [encoding] * len(todo), [lexicon] * len(todo), chunksize=1)

    return run
