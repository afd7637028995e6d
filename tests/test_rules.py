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


def test_the_fast_part_of_speech_hmm_decodes_as_jieba_does():
    """rules._PosHMM replaces jieba's HMM decoder for speed: same route, same score, on any string."""
    import random

    from jieba.posseg import char_state_tab_P, emit_P, start_P, trans_P
    from jieba.posseg import viterbi as jieba_viterbi

    from zhaoshang_ner.rules import _PosHMM

    hmm = _PosHMM(char_state_tab_P, start_P, trans_P, emit_P)
    rng = random.Random(7)
    alphabet = "澜沧江光电苍山智造谷投资亿元新能源汽车产业园区开发区有限公司股份科技华为比亚迪肇庆高新甲乙丙Ab1２·"
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(400)]
    samples += ["".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(rng.randint(1, 8))) for _ in range(200)]
    for s in samples:
        assert hmm.viterbi(s) == jieba_viterbi(s, char_state_tab_P, start_P, trans_P, emit_P), s
