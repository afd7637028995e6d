"""Serving: ONNX Runtime without torch, backends chosen by what a folder holds, worker processes."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zhaoshang_ner import predict, predict_many
from zhaoshang_ner.cli import main
from zhaoshang_ner.neural import ONNX_FILE, SHIPPED_MODEL_DIR, TORCH_FILE, load_recognizer, shipped_model_available

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
HAVE_ONNX = shipped_model_available() and (SHIPPED_MODEL_DIR / ONNX_FILE).is_file()
needs_onnx = pytest.mark.skipif(not HAVE_ONNX, reason="no shipped ONNX model")


@needs_onnx
def test_predict_serves_the_model_without_importing_torch():
    code = ("import sys, json; from zhaoshang_ner import predict; "
            "r = predict('肇庆高新区引进华为技术有限公司，总投资5亿元，发展新能源汽车产业。'); "
            "print(json.dumps({'engine': r.engine, 'labels': sorted({e.label for e in r.entities}), "
            "'heavy': [m for m in ('torch', 'transformers', 'datasets', 'seqeval') if m in sys.modules]}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["engine"] == "model"
    assert {"park", "company", "amount"} <= set(got["labels"])
    assert got["heavy"] == []


@needs_onnx
def test_the_backend_follows_what_the_folder_holds(tmp_path):
    from zhaoshang_ner.manifest import write_manifest
    from zhaoshang_ner.onnx_engine import OnnxRecognizer

    assert isinstance(load_recognizer(SHIPPED_MODEL_DIR), OnnxRecognizer)
    torch_only = tmp_path / "torch_only"
    shutil.copytree(SHIPPED_MODEL_DIR, torch_only)
    (torch_only / ONNX_FILE).unlink()
    write_manifest(torch_only)
    pytest.importorskip("torch")
    from zhaoshang_ner.neural import Recognizer

    assert type(load_recognizer(torch_only)) is Recognizer
    assert type(load_recognizer(SHIPPED_MODEL_DIR, backend="torch")) is Recognizer
    with pytest.raises(ValueError, match="backend"):
        load_recognizer(SHIPPED_MODEL_DIR, backend="tensorflow")


@needs_onnx
def test_an_onnx_folder_needs_no_torch_weights(tmp_path):
    from zhaoshang_ner.manifest import write_manifest

    onnx_only = tmp_path / "onnx_only"
    shutil.copytree(SHIPPED_MODEL_DIR, onnx_only)
    (onnx_only / TORCH_FILE).unlink()
    write_manifest(onnx_only)
    text = "晋江经济开发区引进比亚迪项目，总投资16亿元，占地512亩。"
    assert predict(text, engine=load_recognizer(onnx_only)).entities == predict(text, engine="model").entities


@pytest.mark.parametrize("engine", ["rules"] + (["model"] if HAVE_ONNX else []))
def test_workers_give_the_records_of_one_worker(engine):
    texts = [p.read_text(encoding="utf-8")[:1500] for p in SEEDS] + ["", "   ", "总投资5亿元"]
    one = [r.to_dict() for r in predict_many(texts, engine=engine)]
    two = [r.to_dict() for r in predict_many(texts, engine=engine, workers=2)]
    assert two == one
    assert sum(len(r["entities"]) for r in one) > 50


@needs_onnx
def test_a_text_gets_the_same_entities_alone_or_with_others():
    # int8 activations are quantised per batch: a batch must never mix texts
    texts = [p.read_text(encoding="utf-8")[:900] for p in SEEDS]
    together = predict_many(texts, engine="model")
    alone = [predict(t, engine="model") for t in texts]
    assert [r.to_dict() for r in together] == [r.to_dict() for r in alone]


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_workers_must_be_a_positive_whole_number(bad):
    with pytest.raises(ValueError, match="workers"):
        predict_many(["总投资5亿元"], engine="rules", workers=bad)


@needs_onnx
def test_workers_take_an_engine_name():
    with pytest.raises(ValueError, match="engine name"):
        predict_many(["总投资5亿元", "占地5亩"], engine=load_recognizer(SHIPPED_MODEL_DIR), workers=2)


def test_cli_workers_give_the_same_lines(capsys):
    files = [str(p) for p in SEEDS[:3]]
    assert main(["predict", *files, "--engine", "rules"]) == 0
    one = capsys.readouterr().out
    assert main(["predict", *files, "--engine", "rules", "--workers", "2"]) == 0
    assert capsys.readouterr().out == one
    assert one.count("\n") == 3


def test_table_workers_give_the_same_table(tmp_path):
    from zhaoshang_ner.bulk import run_table
    from zhaoshang_ner.parallel import pool_runner

    inputs = [str(p) for p in SEEDS]
    run_table(inputs, tmp_path / "one.csv", engine="rules")
    run_table(inputs, tmp_path / "two.csv", engine="rules", runner=pool_runner(2))
    for suffix in (".csv", ".entities.csv", ".documents.csv"):
        one = (tmp_path / f"one{suffix}").read_text(encoding="utf-8")
        assert (tmp_path / f"two{suffix}").read_text(encoding="utf-8") == one
    assert len(one.splitlines()) == len(SEEDS) + 1


def test_cli_table_workers(tmp_path):
    assert main(["--quiet", "table", *[str(p) for p in SEEDS[:2]], "--out", str(tmp_path / "t.csv"),
                 "--engine", "rules", "--workers", "2"]) == 0
    assert len((tmp_path / "t.documents.csv").read_text(encoding="utf-8").splitlines()) == 3


def test_a_missing_extra_names_the_pip_install(monkeypatch):
    import importlib.util

    from zhaoshang_ner import extras

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "seqeval" else real(name, *a))
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'zhaoshang-ner\[eval\]'"):
        extras.require(("seqeval",), "eval", "scoring against gold")
