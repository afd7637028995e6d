"""``zhaoshang-ner train`` / finetune(): a user's annotations -> a model folder predict() loads."""
import json

import pytest

from zhaoshang_ner.neural import SHIPPED_MODEL_DIR, shipped_model_available

needs_weights = pytest.mark.skipif(not shipped_model_available(), reason="no shipped weights")

SENTENCES = [
    ("澜沧江光电在苍山智造谷投资5亿元。", [("澜沧江光电", "company"), ("苍山智造谷", "park"), ("5亿元", "amount")]),
    ("洱海新材料落户玉龙湾产业园，总投资12亿元，占地80亩。",
     [("洱海新材料", "company"), ("玉龙湾产业园", "park"), ("12亿元", "amount"), ("80亩", "area")]),
    ("点苍山生物签约入驻苍山智造谷，发展生物医药产业。",
     [("点苍山生物", "company"), ("苍山智造谷", "park"), ("生物医药", "industry")]),
]


def doccano_rows(sentences=SENTENCES):
    rows = []
    for i, (text, ents) in enumerate(sentences):
        label = []
        for surface, name in ents:
            s = text.index(surface)
            label.append([s, s + len(surface), name])
        rows.append({"id": i, "text": text, "label": label})
    return rows


@pytest.fixture
def doccano_file(tmp_path):
    f = tmp_path / "my.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in doccano_rows()), encoding="utf-8")
    return f


@pytest.mark.slow
@needs_weights
def test_finetune_writes_a_folder_recognizer_loads(doccano_file, tmp_path):
    from zhaoshang_ner import predict
    from zhaoshang_ner.finetune import finetune
    from zhaoshang_ner.manifest import check_model_dir
    from zhaoshang_ner.neural import Recognizer

    lines = []
    out = finetune(doccano_file, tmp_path / "model", max_steps=2, log_line=lines.append)
    assert out == tmp_path / "model"
    names = {p.name for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "vocab.txt", "train_config.json", "training_info.json",
            "train_log.jsonl", "manifest.json"} <= names
    check_model_dir(out)  # the manifest matches what was written
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    shipped = json.loads((SHIPPED_MODEL_DIR / "config.json").read_text(encoding="utf-8"))
    # the shipped feature table, label map, windows and vocabulary are kept
    for key in ("rule_features", "type_vocab_size", "window_chars", "id2label", "vocab_size", "num_hidden_layers"):
        assert cfg[key] == shipped[key], key
    assert (out / "vocab.txt").read_bytes() == (SHIPPED_MODEL_DIR / "vocab.txt").read_bytes()
    info = json.loads((out / "training_info.json").read_text(encoding="utf-8"))
    assert info["steps"] == 2 and info["start_from"] == "shipped" and info["entities"] == 10
    assert info["data_format"] == "doccano"
    events = [json.loads(x) for x in lines]
    assert events[0]["event"] == "start" and events[0]["docs"] == 3
    assert [json.loads(x) for x in (out / "train_log.jsonl").read_text(encoding="utf-8").splitlines()] == events

    rec = Recognizer(out)
    assert rec.features.rules and rec.max_chars == shipped["window_chars"]
    record = predict("澜沧江光电在苍山智造谷投资5亿元。", engine=rec)
    text = "澜沧江光电在苍山智造谷投资5亿元。"
    assert all(text[e.start:e.end] == e.text for e in record.entities)
    assert ("amount", "5亿元") in {(e.label, e.text) for e in record.entities}

    # continuing from the folder just written works too (a folder of ours)
    out2 = finetune(doccano_file, tmp_path / "model2", start_from=out, max_steps=1, log_line=lambda _: None)
    assert Recognizer(out2).max_chars == rec.max_chars


@pytest.mark.slow
@needs_weights
def test_cli_train(doccano_file, tmp_path, capsys):
    from zhaoshang_ner.cli import main
    from zhaoshang_ner.neural import Recognizer

    out = tmp_path / "cli-model"
    assert main(["train", "--data", str(doccano_file), "--out", str(out), "--max-steps", "1"]) == 0
    Recognizer(out)
    # a second run into the same folder needs --force
    assert main(["train", "--data", str(doccano_file), "--out", str(out), "--max-steps", "1"]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["train", "--data", str(doccano_file), "--out", str(out), "--max-steps", "1", "--force"]) == 0


# ---------------------------------------------------------------- errors a user can fix, before any training

def test_missing_data_file(tmp_path):
    from zhaoshang_ner.finetune import finetune

    with pytest.raises(FileNotFoundError, match="no such annotation file"):
        finetune(tmp_path / "nope.jsonl", tmp_path / "out")


def test_empty_data_file(tmp_path):
    from zhaoshang_ner.finetune import finetune

    f = tmp_path / "empty.jsonl"
    f.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(ValueError, match="is empty"):
        finetune(f, tmp_path / "out")


@needs_weights
def test_no_entities(tmp_path):
    from zhaoshang_ner.finetune import finetune

    f = tmp_path / "plain.jsonl"
    f.write_text(json.dumps({"text": "今天天气很好。", "label": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no entities"):
        finetune(f, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@needs_weights
def test_out_not_empty_without_force(doccano_file, tmp_path):
    from zhaoshang_ner.finetune import finetune

    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match="--force"):
        finetune(doccano_file, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


@needs_weights
def test_out_is_the_start_folder(doccano_file):
    from zhaoshang_ner.finetune import finetune

    with pytest.raises(ValueError, match="starts from"):
        finetune(doccano_file, SHIPPED_MODEL_DIR, force=True)


def test_start_folder_missing(doccano_file, tmp_path):
    from zhaoshang_ner.finetune import finetune

    with pytest.raises(FileNotFoundError, match="no such model folder"):
        finetune(doccano_file, tmp_path / "out", start_from=tmp_path / "nowhere")


def test_start_folder_not_ours(doccano_file, tmp_path):
    from zhaoshang_ner.finetune import finetune

    empty = tmp_path / "empty-model"
    empty.mkdir()
    with pytest.raises(ValueError, match="not a model folder"):
        finetune(doccano_file, tmp_path / "out", start_from=empty)
    other = tmp_path / "other-model"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({
        "architectures": ["BertForTokenClassification"], "model_type": "bert",
        "id2label": {"0": "O", "1": "B-PER", "2": "I-PER"}}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a zhaoshang-ner classifier"):
        finetune(doccano_file, tmp_path / "out", start_from=other)


def test_missing_dependencies(doccano_file, tmp_path, monkeypatch):
    import importlib.util

    from zhaoshang_ner import finetune as ft

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(ModuleNotFoundError, match=r"training needs torch.*pip install .zhaoshang-ner\[train\]"):
        ft.finetune(doccano_file, tmp_path / "out")


def test_bad_numbers(doccano_file, tmp_path):
    from zhaoshang_ner.finetune import finetune

    with pytest.raises(ValueError, match="epochs"):
        finetune(doccano_file, tmp_path / "out", epochs=0)
    with pytest.raises(ValueError, match="max_steps"):
        finetune(doccano_file, tmp_path / "out", max_steps=0)


def test_cli_errors_are_one_line(tmp_path, capsys):
    from zhaoshang_ner.cli import main

    assert main(["train", "--data", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("zhaoshang-ner: error:") and "no such annotation file" in err and "\n" not in err
