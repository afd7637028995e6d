"""The ONNX Runtime recogniser reads the same windows as the torch one and gives its entities."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from zhaoshang_ner.manifest import ModelDirError, write_manifest  # noqa: E402
from zhaoshang_ner.neural import SHIPPED_MODEL_DIR, Recognizer, shipped_model_available  # noqa: E402
from zhaoshang_ner.normalize import normalize  # noqa: E402
from zhaoshang_ner.onnx_engine import OnnxRecognizer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = (ROOT / "seeds" / "001_bfbf4fadcc674ada.txt").read_text(encoding="utf-8")

pytestmark = pytest.mark.skipif(not shipped_model_available(), reason="no shipped model")


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    sys.path.insert(0, str(ROOT))
    from training.export_onnx import export, quantize

    folder = tmp_path_factory.mktemp("onnx_model")
    for f in SHIPPED_MODEL_DIR.iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    export(folder, folder / "model.onnx")
    quantize(folder / "model.onnx", folder / "model.int8.onnx")
    write_manifest(folder)
    return folder


def test_fp32_onnx_gives_the_torch_entities(exported):
    text = normalize(SEED[:1500]).text
    torch_spans = Recognizer(SHIPPED_MODEL_DIR).predict_spans([text])[0]
    onnx_spans = OnnxRecognizer(exported, model_file="model.onnx").predict_spans([text])[0]
    assert [s[:3] for s in onnx_spans] == [s[:3] for s in torch_spans]
    assert len(torch_spans) > 20
    assert all(abs(a[3] - b[3]) < 1e-3 for a, b in zip(onnx_spans, torch_spans))


def test_int8_onnx_runs_without_torch_state_and_mostly_agrees(exported):
    text = normalize(SEED[:1500]).text
    torch_spans = {s[:3] for s in Recognizer(SHIPPED_MODEL_DIR).predict_spans([text])[0]}
    int8 = OnnxRecognizer(exported).predict_spans([text])[0]
    got = {s[:3] for s in int8}
    assert all(0 <= s < e <= len(text) for s, e, _ in got)
    assert len(got & torch_spans) / len(got | torch_spans) > 0.8


def test_a_changed_onnx_file_is_refused(exported, tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(exported, folder)
    with open(folder / "model.int8.onnx", "r+b") as fh:
        fh.seek(-8, 2)
        fh.write(b"\0" * 8)
    with pytest.raises(ModelDirError, match="model.int8.onnx: changed since training"):
        OnnxRecognizer(folder)


@pytest.mark.slow
def test_static_int8_and_float16_copies_load_and_agree(exported, tmp_path):
    """The serving check's other readings (training.serving_check backends static and fp16) are servable files."""
    pytest.importorskip("onnxconverter_common")
    from training.export_onnx import calibration_inputs, float16, quantize_static_int8

    folder = tmp_path / "m"
    shutil.copytree(exported, folder)
    calibration_texts = [normalize(p.read_text(encoding="utf-8")).text for p in sorted((ROOT / "seeds").glob("*.txt"))
                         if not p.name.startswith("001_")]
    batches = calibration_inputs(folder, calibration_texts, windows=16, batch_size=8)
    assert len(batches) == 2 and batches[0]["input_ids"].shape[1] <= 130
    quantize_static_int8(folder / "model.onnx", folder / "model.static.onnx", batches)
    float16(folder / "model.onnx", folder / "model.fp16.onnx")
    write_manifest(folder)
    text = normalize(SEED[:1500]).text
    reference = {s[:3] for s in Recognizer(SHIPPED_MODEL_DIR).predict_spans([text])[0]}
    for name, least in (("model.static.onnx", 0.6), ("model.fp16.onnx", 0.95)):
        got = {s[:3] for s in OnnxRecognizer(folder, model_file=name).predict_spans([text])[0]}
        assert len(got & reference) / len(got | reference) > least, name
