import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhaoshang_ner.normalize import normalize, normalize_span


def test_pinyin_removed_and_simplified():
    n = normalize("深港生物醫(yī)藥產(chǎn)業(yè)園")
    assert n.text == "深港生物医药产业园"


def test_span_maps_back_over_inner_pinyin_but_not_trailing():
    text = "在晉江經(jīng)濟(jì)開發(fā)區(qū)落戶"
    n = normalize(text)
    s = n.text.index("晋江经济开发区")
    start, end = n.to_original(s, s + len("晋江经济开发区"))
    assert text[start:end] == "晉江經(jīng)濟(jì)開發(fā)區"


def test_full_width_digits_and_letters_become_half_width():
    assert normalize("投资１２０亿元ＩＧＢＴ").text == "投资120亿元IGBT"


def test_non_pinyin_brackets_are_kept():
    assert normalize("賽諾菲—巴斯德(疫苗)").text == "赛诺菲—巴斯德(疫苗)"
    assert normalize("规模(ai)").text == "规模"  # pinyin-shaped group after a CJK char is removed
    assert normalize("IBM(ai)").text == "IBM(ai)"  # but not after Latin letters


def test_seed_000_is_clean(seed_texts):
    n = normalize(seed_texts["000"])
    assert "產" not in n.text and "(chǎn)" not in n.text
    assert len(n.offsets) == len(n.text)


def test_rejects_non_str():
    with pytest.raises(TypeError):
        normalize(b"abc")


def test_normalize_span_strips():
    assert normalize_span(" 產(chǎn)業(yè) ") == "产业"


def test_control_characters_keep_length_and_offsets():
    text = "甲\x00乙\x1b丙"
    n = normalize(text)
    assert len(n.text) == len(text)
    assert n.text[1] == " "


PINYIN = ["(chǎn)", "(yè)", "(qū)", "(jīng)", "(yī)"]
alphabet = st.sampled_from(list("產業園區醫藥深圳产业园区经济开发ＡＢ１２３abc 　，。\n") + PINYIN + ["x", "(疫苗)", "㎡"])


@settings(max_examples=300, deadline=None)
@given(st.lists(alphabet, max_size=40))
def test_offset_map_properties(parts):
    text = "".join(parts)
    n = normalize(text)
    assert len(n.offsets) == len(n.text)
    assert list(n.offsets) == sorted(set(n.offsets))
    assert all(0 <= o < len(text) for o in n.offsets)
    # every removed character is a pinyin group's character; nothing else is lost
    removed = set(range(len(text))) - set(n.offsets)
    for i in removed:
        assert text[i] in "()" + string.ascii_lowercase + "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"


@settings(max_examples=300, deadline=None)
@given(st.lists(alphabet, min_size=1, max_size=40), st.data())
def test_any_normalised_span_maps_back_to_the_same_characters(parts, data):
    text = "".join(parts)
    n = normalize(text)
    if not n.text:
        return
    s = data.draw(st.integers(0, len(n.text) - 1))
    e = data.draw(st.integers(s + 1, len(n.text)))
    o_s, o_e = n.to_original(s, e)
    # the original span covers exactly the normalised characters (plus pinyin dropped inside)
    assert n.from_original(o_s, o_e) == (s, e)
    # and normalising that original slice on its own gives the same characters back
    assert normalize(text[o_s:o_e]).text == n.text[s:e]
    assert o_s == n.offsets[s] and o_e == n.offsets[e - 1] + 1
