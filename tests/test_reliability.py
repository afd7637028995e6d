"""Reproducers of the reliability defects: wrong numbers, shifted offsets, silent garbage, rough edges.

Each test failed before the fix it names and passes after it.
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import threading

import pytest

from zhaoshang_ner import predict, predict_many
from zhaoshang_ner.cli import main
from zhaoshang_ner.neural import SHIPPED_MODEL_DIR, shipped_model_available
from zhaoshang_ner.values import MAX_AMOUNT, amount_value, area_value

HAVE_MODEL = shipped_model_available()
ENGINES = ["rules", "model"] if HAVE_MODEL else ["rules"]


# -- 1. values: never inf, strict JSON ---------------------------------------------------------

@pytest.mark.parametrize("text", ["9" * 301 + "亿元", "开发区1e308亿元", "投资" + "9" * 40 + "万亿元"])
def test_huge_numbers_have_no_value_and_a_reason(text):
    rec = predict(text, engine="rules")
    for e in rec.by_label("amount"):  # a 301-digit run may not be read as a mention at all: fine
        assert (e.value is None and e.value_note in ("implausible", "unparsed")) or \
            (math.isfinite(e.value) and e.value <= MAX_AMOUNT)
    json.loads(rec.to_json())  # strict: no Infinity
    assert amount_value("9" * 301 + "亿元").note == "implausible"
    assert amount_value("9" * 30 + "亿元").note == "implausible"


@pytest.mark.parametrize("body", ["inf", "nan", "1e308", "Infinity", "1e5"])
def test_float_syntax_is_not_a_number_of_a_report(body):
    v = amount_value(body + "亿元")
    assert v.value is None and v.note in ("unparsed", "implausible")


def test_value_notes():
    assert amount_value("xx.x亿元").note == "masked"
    assert amount_value("10-20亿元").note == "range" and amount_value("10-20亿元").value_range == (1e9, 2e9)
    assert amount_value("5亿元").note is None and amount_value("5亿元").value == 5e8
    assert area_value("9" * 30 + "平方公里").note == "implausible"


def test_json_writer_refuses_nan():
    from zhaoshang_ner.schema import dumps

    with pytest.raises(ValueError):
        dumps({"value": float("inf")})


# -- 2. offsets: the CLI decodes bytes exactly --------------------------------------------------

TEXT = "晋江经济开发区引进比亚迪项目，\r\n总投资16亿元，\r\n占地512亩。\n發展新能源汽車產業。"


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""),
                                          ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("big5", b"")])
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_cli_offsets_index_the_file_text_in_every_encoding(tmp_path, capsys, encoding, bom, newline):
    text = TEXT.replace("\r\n", "\n").replace("\n", newline)
    if encoding == "big5":
        text = "晉江經濟開發區引進項目，" + newline + "總投資16億元，占地512畝。"
    f = tmp_path / "report.txt"
    f.write_bytes(bom + text.encode(encoding))
    args = ["predict", str(f), "--engine", "rules"] + (["--encoding", "big5"] if encoding == "big5" else [])
    assert main(args) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["text_length"] == len(text)
    assert rec["entities"], "entities found"
    for e in rec["entities"]:
        assert text[e["start"]:e["end"]] == e["text"]


def test_gbk_on_stdin_is_decoded(monkeypatch, capsys):
    import io

    data = "肇庆高新区项目总投资16亿元，占地512亩，发展新能源汽车产业。".encode("gbk")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["predict", "--engine", "rules"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert {e["text"] for e in rec["entities"]} >= {"16亿元", "512亩"}


def test_binary_file_folder_and_missing_file_are_one_line_errors(tmp_path, capsys):
    (tmp_path / "bin.dat").write_bytes(bytes(range(256)) * 8)
    for target, words in [(tmp_path / "bin.dat", "not text"), (tmp_path, "is a folder"),
                          (tmp_path / "nope.txt", "no such file")]:
        assert main(["predict", str(target), "--engine", "rules"]) == 2
        err = capsys.readouterr().err.strip()
        assert words in err and len(err.splitlines()) == 1 and "Traceback" not in err


# -- 3. damaged model folders fail loudly -------------------------------------------------------

needs_model = pytest.mark.skipif(not HAVE_MODEL, reason="no shipped model")


@pytest.fixture
def model_copy(tmp_path):
    d = tmp_path / "m"
    shutil.copytree(SHIPPED_MODEL_DIR, d)
    return d


def _edit_config(d, **fields):
    cfg = json.loads((d / "config.json").read_text(encoding="utf-8"))
    cfg.update(fields)
    (d / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    (d / "manifest.json").unlink(missing_ok=True)  # the field checks must catch it without the manifest


def _loader(backend: str):
    """The torch recogniser, or the ONNX Runtime one that serves the package."""
    from zhaoshang_ner.neural import load_recognizer

    return lambda path: load_recognizer(path, backend=backend)


BACKENDS = ["torch", "onnx"]


@needs_model
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fields,words", [
    ({"window_chars": 1.5}, "window_chars"), ({"window_chars": 0}, "window_chars"),
    ({"window_chars": 1000}, "window_chars"), ({"window_chars": "abc"}, "window_chars"),
    ({"rule_features": "yes"}, "rule_features"), ({"gazetteer_features": 1}, "gazetteer_features"),
    ({"gazetteer_features": True}, "type_vocab_size"),
    ({"crf": {"start": [0.0]}}, "crf"), ({"crf": {"start": [0.0] * 11, "end": [0.0] * 11, "transitions": [[1e999] * 11] * 11}}, "crf"),
    ({"gazetteer_features": True, "type_vocab_size": 77, "gazetteer_forms_sha256": "0" * 64}, "gazetteer_forms"),
    ({"type_vocab_size": 2}, "type_vocab_size"), ({"id2label": {"0": "O"}}, "id2label"),
])
def test_bad_config_fields_are_named(model_copy, fields, words, backend):
    from zhaoshang_ner.manifest import ModelDirError

    _edit_config(model_copy, **fields)
    with pytest.raises(ModelDirError, match=words):
        _loader(backend)(model_copy)


@needs_model
def test_a_config_that_does_not_match_the_tensors_is_named(model_copy):
    from zhaoshang_ner.manifest import ModelDirError
    from zhaoshang_ner.neural import Recognizer

    _edit_config(model_copy, num_hidden_layers=3)
    with pytest.raises(ModelDirError, match="num_hidden_layers"):
        Recognizer(model_copy)


@needs_model
def test_missing_classifier_tensors_and_nan_weights_are_errors(model_copy):
    from safetensors.torch import load_file, save_file

    from zhaoshang_ner.manifest import ModelDirError
    from zhaoshang_ner.neural import Recognizer

    path = model_copy / "model.safetensors"
    (model_copy / "manifest.json").unlink(missing_ok=True)
    tensors = load_file(str(path))
    save_file({k: v for k, v in tensors.items() if not k.startswith("classifier")}, str(path))
    with pytest.raises(ModelDirError, match="classifier"):
        Recognizer(model_copy)
    tensors["bert.encoder.layer.0.output.dense.weight"][0, 0] = float("nan")
    save_file(tensors, str(path))
    with pytest.raises(ModelDirError, match="NaN"):
        Recognizer(model_copy)


@needs_model
@pytest.mark.parametrize("backend", BACKENDS)
def test_shifted_vocabulary_and_changed_files_are_errors(model_copy, backend):
    from zhaoshang_ner.manifest import ModelDirError, write_manifest

    write_manifest(model_copy)
    vocab = (model_copy / "vocab.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    (model_copy / "vocab.txt").write_text("".join(vocab[1:] + vocab[:1]), encoding="utf-8")  # same size, shifted
    with pytest.raises(ModelDirError, match="vocab.txt"):
        _loader(backend)(model_copy)
    (model_copy / "vocab.txt").write_text("".join(vocab[1:]), encoding="utf-8")
    with pytest.raises(ModelDirError, match="vocab.txt"):
        _loader(backend)(model_copy)


@needs_model
def test_corrupt_model_card_is_an_error_for_the_default_but_not_for_rules(monkeypatch, tmp_path, model_copy):
    from zhaoshang_ner import api, neural

    (model_copy / "training_info.json").write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(neural, "SHIPPED_MODEL_DIR", model_copy)
    monkeypatch.setattr(neural.model_card, "__defaults__", (model_copy,))
    monkeypatch.setattr(neural.shipped_model_available, "__defaults__", (model_copy,))
    assert predict("总投资5亿元", engine="rules").entities
    with pytest.raises(RuntimeError, match="model card"):
        api.default_engine()
    (model_copy / "training_info.json").unlink()
    with pytest.raises(RuntimeError, match="model card"):
        api.default_engine()


@needs_model
def test_concurrent_first_calls_load_the_model_once(monkeypatch):
    from zhaoshang_ner import neural

    loads = []
    real = neural.load_recognizer

    def counting(*a, **k):
        loads.append(1)
        return real(*a, **k)

    monkeypatch.setattr(neural, "load_recognizer", counting)
    neural._load_shipped.cache_clear()
    try:
        threads = [threading.Thread(target=neural.default_recognizer) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(loads) == 1
    finally:
        neural._load_shipped.cache_clear()


# -- 5. clean edges -----------------------------------------------------------------------------

def test_predict_many_rejects_a_bare_string():
    with pytest.raises(TypeError, match="list of texts"):
        predict_many("肇庆高新区")


@pytest.mark.parametrize("engine", ["", "Rules", "crf"])
def test_unknown_or_empty_engine_names_are_rejected(engine):
    with pytest.raises(ValueError, match="unknown engine"):
        predict("总投资5亿元", engine=engine)


def test_cli_errors_are_one_line_and_debug_shows_the_traceback(tmp_path, capsys):
    assert main(["predict", str(tmp_path / "nope.txt")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    with pytest.raises(Exception):
        main(["--debug", "predict", str(tmp_path / "nope.txt")])


def test_cli_version(capsys):
    import zhaoshang_ner

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and zhaoshang_ner.__version__ in capsys.readouterr().out


def test_broken_pipe_ends_quietly(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("肇庆高新区项目总投资16亿元，占地512亩。\n" * 2000, encoding="utf-8")
    cmd = (f"{sys.executable} -m zhaoshang_ner.cli predict --engine rules --format table {f} {f} {f} | head -n 2")
    proc = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd], capture_output=True, text=True)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
    assert len(proc.stdout.splitlines()) == 2


def test_evaluate_refuses_to_overwrite_and_checks_engines_first(tmp_path, capsys):
    (tmp_path / "REPORT.md").write_text("old", encoding="utf-8")
    assert main(["evaluate", "--engines", "rules", "--gold", "seeds", "--out", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "REPORT.md").read_text(encoding="utf-8") == "old"
    assert main(["evaluate", "--engines", "rules,nonsense", "--gold", "seeds"]) == 2
    err = capsys.readouterr()
    assert "nonsense" in err.err and "micro" not in err.out  # rejected before running rules


def test_validate_takes_its_options_and_names_a_malformed_line(tmp_path, capsys):
    bad = tmp_path / "seeds.jsonl"
    bad.write_text('{"id": "x", "text": "a", "entities": []}\n{broken\n', encoding="utf-8")
    assert main(["validate", "--seeds", str(bad), "--corpus", str(tmp_path / "none.jsonl")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2" in err and len(err.strip().splitlines()) == 1


def test_reports_leave_the_users_matplotlib_backend_alone(tmp_path):
    import matplotlib

    before = matplotlib.get_backend()
    assert main(["--quiet", "evaluate", "--engines", "rules", "--gold", "seeds", "--out", str(tmp_path)]) == 0
    assert matplotlib.get_backend() == before
    assert (tmp_path / "f1_by_label.png").stat().st_size > 1000
