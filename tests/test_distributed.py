"""The Ray route of the table pipeline gives the local pipeline's rows, survives bad files and dead actors."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from zhaoshang_ner.bulk import run_table  # noqa: E402
from zhaoshang_ner.distributed import Annotator, errors_frame, ray_runner, run_table_ray  # noqa: E402
from zhaoshang_ner.writers import to_frame  # noqa: E402

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.fixture()
def reports(tmp_path: Path) -> Path:
    """Five seed reports (one as GB18030, one in a subfolder) and a broken PDF."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    seeds = sorted(SEEDS.glob("*.txt"))
    for s in seeds[:3]:
        shutil.copy(s, folder / s.name)
    shutil.copy(seeds[3], folder / "sub" / seeds[3].name)
    (folder / "gbk.txt").write_bytes(seeds[4].read_text(encoding="utf-8").encode("gb18030"))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    return folder


def _frames(out: Path) -> dict:
    return {t: to_frame(out, t) for t in ("projects", "entities", "documents")}


def test_ray_gives_the_local_rows_and_an_errors_table(local_ray, reports, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    local = run_table(["in"], "local.csv", engine="rules", progress=False)
    distributed = run_table_ray(["in"], "ray.csv", engine="rules", actors=2, batch_size=2, progress=False)
    assert (distributed.ok, distributed.failed, distributed.entities) == (local.ok, local.failed, local.entities)
    assert distributed.ok == 5 and distributed.failed == 1
    for suffix in ("", ".entities", ".documents"):  # same rows, same order: byte for byte
        assert (tmp_path / f"ray{suffix}.csv").read_bytes() == (tmp_path / f"local{suffix}.csv").read_bytes()
    errors = errors_frame("ray.csv")
    assert list(errors["doc"]) == ["in/broken.pdf"] and "PDF" in errors["error"][0]


def test_ray_writes_the_same_parquet_tables(local_ray, reports, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_table(["in"], "local.parquet", engine="rules", progress=False)
    run_table_ray(["in"], "ray.parquet", engine="rules", actors=1, progress=False)
    run_table_ray(["in"], "ray_parts/", engine="rules", actors=2, progress=False)  # a partitioned dataset
    a = _frames(tmp_path / "local.parquet")
    for b in (_frames(tmp_path / "ray.parquet"), _frames(tmp_path / "ray_parts/")):
        for table in a:
            key = list(a[table].columns[:2])
            assert a[table].sort_values(key).reset_index(drop=True).equals(
                b[table].sort_values(key).reset_index(drop=True)), table
        assert len(b["entities"]) > 100


def dies_once(marker: Path, victim: str) -> type:
    """An actor class that kills its own process the first time it meets ``victim`` (a crashed or pre-empted worker).

    Defined in a function, cloudpickle ships it to the workers by value (they cannot import the tests).
    """

    class DiesOnce(Annotator):
        def __call__(self, batch):
            if any(str(d).endswith(victim) for d in batch["doc"]) and not marker.exists():
                marker.write_text("died")
                os._exit(1)
            return super().__call__(batch)

    return DiesOnce


def test_a_dead_actor_is_retried_without_duplicate_rows(local_ray, reports, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "died.txt"
    runner = ray_runner(actors=1, batch_size=1, annotator=dies_once(marker, "gbk.txt"))
    run_table(["in"], "ray.jsonl", engine="rules", progress=False, runner=runner)
    assert marker.read_text() == "died"  # the actor really died mid-job
    run_table(["in"], "local.jsonl", engine="rules", progress=False)
    for suffix in ("", ".entities", ".documents"):
        assert (tmp_path / f"ray{suffix}.jsonl").read_text() == (tmp_path / f"local{suffix}.jsonl").read_text()


def test_a_document_delivered_twice_is_written_once(reports, tmp_path, monkeypatch):
    from zhaoshang_ner.bulk import run_locally

    def twice(todo, engine, lexicon, encoding):
        for tables in run_locally(todo, engine, lexicon, encoding):
            yield tables
            yield tables  # what a retried task that had already answered would send

    monkeypatch.chdir(tmp_path)
    summary = run_table(["in"], "twice.csv", engine="rules", progress=False, runner=twice)
    run_table(["in"], "once.csv", engine="rules", progress=False)
    assert summary.documents == 6 and summary.ok + summary.failed == 6
    for suffix in ("", ".entities", ".documents"):
        assert (tmp_path / f"twice{suffix}.csv").read_bytes() == (tmp_path / f"once{suffix}.csv").read_bytes()


def test_the_cli_runs_on_ray(local_ray, reports, tmp_path, monkeypatch):
    from zhaoshang_ner.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["--quiet", "table", "in", "--out", "cli.csv", "--engine", "rules", "--ray", "--actors", "1"]) == 1
    assert main(["--quiet", "table", "in", "--out", "plain.csv", "--engine", "rules"]) == 1  # 1: a file failed
    assert (tmp_path / "cli.entities.csv").read_bytes() == (tmp_path / "plain.entities.csv").read_bytes()


def test_uri_inputs_read_through_pyarrow(reports, tmp_path, monkeypatch):
    """file:// stands in for s3:// or gs://: the same pyarrow filesystem calls list and fetch them."""
    monkeypatch.chdir(tmp_path)
    uri = (tmp_path / "in").as_uri()
    summary = run_table([uri], "uri.csv", engine="rules", progress=False)
    run_table(["in"], "path.csv", engine="rules", progress=False)
    assert (summary.ok, summary.failed) == (5, 1)
    a = to_frame(tmp_path / "uri.csv", "entities")
    b = to_frame(tmp_path / "path.csv", "entities")
    assert list(a["text"]) == list(b["text"]) and list(a["start"]) == list(b["start"])
    assert all(d.startswith("file://") for d in a["doc"])
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        run_table([uri + "/missing/"], "x.csv", engine="rules", progress=False)
