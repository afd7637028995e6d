"""The model shipped inside the package: loads on CPU with no network and
returns the same schema as the rules, with valid offsets."""
import json

import pytest

from zhaoshang_ner import predict
from zhaoshang_ner.api import default_engine
from zhaoshang_ner.neural import SHIPPED_MODEL_DIR, model_card, shipped_model_available


def test_model_is_shipped_small_and_documented():
    assert shipped_model_available()
    size = sum(p.stat().st_size for p in SHIPPED_MODEL_DIR.rglob("*") if p.is_file())  # the second model too
    assert size <= 100 * 10**6
    config = json.loads((SHIPPED_MODEL_DIR / "config.json").read_text(encoding="utf-8"))
    from zhaoshang_ner.labels import TAGS

    assert [config["id2label"][str(i)] for i in range(len(TAGS))] == list(TAGS)
    card = model_card()
    assert 0 < card["crossval"]["model"]["micro"] <= 1
    assert (SHIPPED_MODEL_DIR / "README.md").is_file()


def test_default_engine_follows_the_cross_validated_scores():
    cv = model_card()["crossval"]
    scores = {name: cv[name]["micro"] for name in ("rules", "model", "ensemble") if name in cv}
    assert default_engine() == max(scores, key=scores.get)


def test_default_engine_takes_the_ensemble_only_where_its_second_model_ships(monkeypatch):
    from zhaoshang_ner import api, neural

    card = {"crossval": {"rules": {"micro": 0.6}, "model": {"micro": 0.65}, "ensemble": {"micro": 0.7}}}
    monkeypatch.setattr(neural, "model_card", lambda: card)
    monkeypatch.setattr(neural, "second_model_available", lambda: True)
    assert api.default_engine() == "ensemble"
    monkeypatch.setattr(neural, "second_model_available", lambda: False)
    assert api.default_engine() == "model"
    card["crossval"]["ensemble"]["micro"] = 0.65  # a tie goes to the cheaper engine
    monkeypatch.setattr(neural, "second_model_available", lambda: True)
    assert api.default_engine() == "model"


def test_shipped_model_predicts_valid_entities_on_a_seed(seed_texts):
    text = seed_texts["003"]
    rec = predict(text, engine="model")
    assert rec.engine == "model" and rec.entities
    for e in rec.entities:
        assert text[e.start:e.end] == e.text
        assert 0 < e.score <= 1
    assert {e.label for e in rec.entities} >= {"company", "park", "amount", "industry"}


def test_long_text_is_windowed_and_merged(seed_texts):
    text = "\n".join(seed_texts[k] for k in sorted(seed_texts))  # ~13k characters, many windows
    rec = predict(text, engine="model")
    assert rec.text_length == len(text)
    assert all(text[e.start:e.end] == e.text for e in rec.entities)
    assert max(e.end for e in rec.entities) > len(text) - 3000
