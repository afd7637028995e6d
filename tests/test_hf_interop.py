"""transformers.pipeline never returns silently wrong entities for our model folders.

The model reads rule features as token-type ids, which transformers' own
token-classification pipeline cannot compute: our pipeline (task
"zhaoshang-ner") returns predict()'s entities, and a guarded folder makes the
plain pipeline fail loudly unless it runs our pipeline (trust_remote_code=True).
"""
import functools
import json
import shutil
import sys

import pytest

from zhaoshang_ner.neural import SHIPPED_MODEL_DIR, shipped_model_available

pytestmark = pytest.mark.skipif(not shipped_model_available(), reason="no shipped weights")

TEXTS = [
    "澜沧江光电在苍山智造谷投资5亿元。",
    "比亚迪在肇庆高新区投资30亿元建设新能源汽车零部件项目，占地500亩。",
    # full-width digits, traditional characters and a leading space: offsets are into this string
    " 洱海新材料落戶玉龍灣產業園，總投資１２億元。",
]


@functools.lru_cache(maxsize=1)
def torch_model():
    from zhaoshang_ner.neural import load_recognizer

    return load_recognizer(SHIPPED_MODEL_DIR, backend="torch")


def expected(text, **kwargs):
    """predict()'s entities from the torch weights the pipeline loads (the package serves them through ONNX)."""
    from zhaoshang_ner import predict

    return [(e.label, e.start, e.end, e.text, e.score) for e in predict(text, engine=torch_model(), **kwargs).entities]


def got(entities):
    return [(d["label"], d["start"], d["end"], d["text"], d["score"]) for d in entities]


@pytest.fixture(scope="module")
def ner():
    from zhaoshang_ner.hf import load_pipeline

    return load_pipeline(device="cpu")


@pytest.mark.slow
def test_registered_pipeline_returns_predicts_entities(ner):
    from transformers import pipeline

    from zhaoshang_ner.hf import TASK, ZhaoshangNERPipeline, register

    assert isinstance(ner, ZhaoshangNERPipeline)
    for text in TEXTS:
        out = ner(text)
        assert got(out) == expected(text)
        assert all(text[d["start"]:d["end"]] == d["text"] == d["word"] for d in out)
        assert all(d["entity_group"] == d["label"] for d in out)
    assert [got(x) for x in ner(TEXTS)] == [expected(t) for t in TEXTS]  # a list is one batched call
    assert expected(TEXTS[0])  # the comparison is not vacuous
    register()  # idempotent
    assert isinstance(pipeline(TASK, model=str(SHIPPED_MODEL_DIR), device="cpu"), ZhaoshangNERPipeline)


def test_pipeline_takes_predicts_lexicon(ner):
    text = "滇池云链与洱源数智签署合作协议。"
    lexicon = {"company": ["滇池云链", "洱源数智"]}
    assert got(ner(text, lexicon=lexicon)) == expected(text, lexicon=lexicon)


def test_pipeline_rejects_a_model_with_other_labels(tmp_path):
    from transformers import BertConfig, BertForTokenClassification

    from zhaoshang_ner.hf import load_pipeline

    (tmp_path / "vocab.txt").write_text("\n".join(["<s>", "<pad>", "</s>", "<unk>", "▁", "甲"]) + "\n", encoding="utf-8")
    cfg = BertConfig(vocab_size=6, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                     num_labels=3, id2label={0: "O", 1: "B-PER", 2: "I-PER"}, label2id={"O": 0, "B-PER": 1, "I-PER": 2})
    BertForTokenClassification(cfg).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="labels"):
        load_pipeline(tmp_path, device="cpu")


@pytest.fixture
def guarded(tmp_path, monkeypatch):
    """A copy of the shipped folder with the guard, and transformers' remote-code cache in tmp_path."""
    import transformers.dynamic_module_utils as dmu

    from zhaoshang_ner.hf import add_pipeline_guard, has_pipeline_guard

    monkeypatch.setattr(dmu, "HF_MODULES_CACHE", str(tmp_path / "hf_modules"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    folder = tmp_path / "model"
    shutil.copytree(SHIPPED_MODEL_DIR, folder)
    add_pipeline_guard(folder)
    assert has_pipeline_guard(folder)
    return folder


@pytest.mark.slow
def test_guarded_folder_refuses_the_plain_pipeline(guarded):
    from transformers import pipeline

    from zhaoshang_ner.hf import ZhaoshangNERPipeline
    from zhaoshang_ner.manifest import check_model_dir
    from zhaoshang_ner.neural import Recognizer

    for task in ("token-classification", "ner"):
        with pytest.raises(ValueError, match="trust_remote_code"):
            pipeline(task, model=str(guarded), device="cpu")
    with pytest.raises(RuntimeError):
        pipeline(model=str(guarded), device="cpu")  # no task: transformers cannot pick one either
    # with remote code allowed, the folder's file runs the installed package's pipeline
    pipe = pipeline("token-classification", model=str(guarded), trust_remote_code=True, device="cpu")
    assert type(pipe).__name__ == ZhaoshangNERPipeline.__name__
    for text in TEXTS:
        assert got(pipe(text)) == expected(text)
    # the package itself still loads the folder, and its manifest covers the edited config
    check_model_dir(guarded)
    cfg = json.loads((guarded / "config.json").read_text(encoding="utf-8"))
    assert cfg["rule_features"] is True
    assert Recognizer(guarded).predict_spans(["澜沧江光电在苍山智造谷投资5亿元。"])


def test_guard_refuses_a_damaged_folder(tmp_path):
    from zhaoshang_ner.hf import add_pipeline_guard
    from zhaoshang_ner.manifest import ModelDirError

    folder = tmp_path / "model"
    shutil.copytree(SHIPPED_MODEL_DIR, folder)
    (folder / "vocab.txt").write_text("<s>\n", encoding="utf-8")
    with pytest.raises(ModelDirError):
        add_pipeline_guard(folder)


def test_models_written_by_the_package_are_guarded():
    """Every folder trainer.save() writes is guarded; the shipped one must be too."""
    from zhaoshang_ner.hf import has_pipeline_guard

    assert has_pipeline_guard(SHIPPED_MODEL_DIR), (
        "model/weights is not guarded: transformers.pipeline('token-classification') would return wrong entities; "
        "run: python -c \"from zhaoshang_ner.hf import add_pipeline_guard; add_pipeline_guard('model/weights')\"")
