"""The public API on good and bad input, for every engine that is available."""
import json

import pytest

from zhaoshang_ner import LABELS, predict, predict_many
from zhaoshang_ner.neural import second_model_available, shipped_model_available

ENGINES = ["rules"] + (["model"] if shipped_model_available() else []) + (["ensemble"] if second_model_available() else [])


def assert_valid(record, text):
    assert record.text_length == len(text)
    starts = [e.start for e in record.entities]
    assert starts == sorted(starts)
    for a, b in zip(record.entities, record.entities[1:]):
        assert a.end <= b.start
    for e in record.entities:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start:e.end] == e.text
        assert e.label in LABELS
        assert 0.0 <= e.score <= 1.0
    json.dumps(record.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize("engine", ENGINES)
def test_seed_001_has_every_label_with_values(engine, seed_texts):
    text = seed_texts["001"]
    r = predict(text, engine=engine)
    assert_valid(r, text)
    labels = {e.label for e in r.entities}
    assert labels == set(LABELS)
    amounts = [e for e in r.entities if e.label == "amount" and e.text == "192.8亿元"]
    assert amounts and amounts[0].value == 19_280_000_000 and amounts[0].unit == "CNY"
    areas = {e.text: e.value for e in r.entities if e.label == "area"}
    assert areas.get("21.5万平方米") == 215_000
    assert areas.get("512亩") == pytest.approx(341_333.33)
    d = r.to_dict()
    assert d["schema_version"] and d["engine"] == engine and d["text_length"] == len(text)
    assert "肇庆高新区" in d["summary"]["parks"]


@pytest.mark.parametrize("engine", ENGINES)
def test_traditional_pinyin_seed_maps_offsets_back(engine, seed_texts):
    text = seed_texts["000"]
    r = predict(text, engine=engine)
    assert_valid(r, text)
    assert any("(" in e.text and e.normalized.isascii() is False for e in r.entities)
    for e in r.entities:
        assert "(" not in e.normalized or "(" in e.text.replace("(chǎn)", "")


@pytest.mark.parametrize("bad, message", [
    (None, "got None"),
    (123, "got int"),
    (b"\xe6\x8a\x95\xe8\xb5\x84", "decode it first"),
    (["ok", None], "got None"),
])
def test_non_text_is_a_clear_type_error(bad, message):
    with pytest.raises(TypeError, match=message):
        predict(bad, engine="rules")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", ["", " ", "\n\t  \u3000", "。，、"])
def test_empty_and_blank_text_give_an_empty_record(engine, text):
    r = predict(text, engine=engine)
    assert r.entities == [] and r.text_length == len(text)


@pytest.mark.parametrize("engine", ENGINES)
def test_control_characters_and_mixed_scripts(engine):
    text = "\x00投资\x1b100亿元 in Shenzhen، مرحبا 🚀 ＩＧＢＴ項(xiàng)目落户肇庆高新区\r\n"
    r = predict(text, engine=engine)
    assert_valid(r, text)
    assert any(e.label == "amount" and e.value == 1e10 for e in r.entities)


def test_five_megabyte_text_is_handled():
    unit = "肇庆高新区引进小鹏汽车配套项目，总投资100亿元，占地512亩，发展新能源汽车产业。\n"
    text = unit * (5_000_000 // len(unit.encode("utf-8")) + 1)
    r = predict(text, engine="rules")
    assert r.text_length == len(text)
    assert len([e for e in r.entities if e.label == "amount"]) == text.count("100亿元")
    last = r.entities[-1]
    assert text[last.start:last.end] == last.text


def test_list_input_and_predict_many_agree(seed_texts):
    texts = [seed_texts["001"], "", seed_texts["004"]]
    many = predict_many(texts, engine="rules")
    assert [r.to_dict() for r in predict(texts, engine="rules")] == [r.to_dict() for r in many]
    assert many[1].entities == []


def test_unknown_engine_is_rejected():
    with pytest.raises(ValueError, match="unknown engine"):
        predict("投资1亿元", engine="gpt")
