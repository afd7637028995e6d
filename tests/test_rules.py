"""Behaviour of the rule baseline on short, hand-made sentences (not corpus text)."""
import pytest

from zhaoshang_ner import predict


def ents(text):
    return [(e.label, e.text) for e in predict(text, engine="rules").entities]


@pytest.mark.parametrize("text, expected", [
    ("项目总投资约192.8亿元。", ("amount", "192.8亿元")),
    ("总投资近290亿，", ("amount", "290亿")),
    ("占地1200多亩，", ("area", "1200多亩")),
    ("建筑面积约51.28万平方米。", ("area", "51.28万平方米")),
    ("总投资约xx.x億元。", ("amount", "xx.x億元")),
    ("引进广东瑞庆时代新能源科技有限公司落户。", ("company", "广东瑞庆时代新能源科技有限公司")),
    ("位于国家级增城开发区。", ("park", "增城开发区")),
    ("发展新能源汽车产业。", ("industry", "新能源汽车")),
])
def test_finds(text, expected):
    assert expected in ents(text)


@pytest.mark.parametrize("text, label", [
    ("其中亿元以上项目12个。", "amount"),
    ("实现增长12.5%。", "amount"),
    ("打造万亩千亿产业。", "amount"),
    ("年产玻璃基板245万平方米。", "area"),
    ("建设9个园区。", "park"),
])
def test_does_not_find(text, label):
    assert label not in [lab for lab, _ in ents(text)]


def test_weak_sector_words_need_framing():
    assert ("industry", "文化") not in ents("加强文化交流。")
    assert ("industry", "文化") in ents("发展文化产业。")


def test_spans_are_flat():
    r = predict("深港生物医药产业园引进比亚迪，发展生物医药。", engine="rules")
    for a, b in zip(r.entities, r.entities[1:]):
        assert a.end <= b.start
    assert ("park", "深港生物医药产业园") in [(e.label, e.text) for e in r.entities]
