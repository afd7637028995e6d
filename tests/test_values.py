import pytest

from zhaoshang_ner.values import amount_value, area_value, parse_number


@pytest.mark.parametrize("text, value, unit", [
    ("192.8亿元", 19_280_000_000, "CNY"),
    ("2967万元", 29_670_000, "CNY"),
    ("1200多万元", 12_000_000, "CNY"),
    ("千亿元", 100_000_000_000, "CNY"),
    ("三十亿元", 3_000_000_000, "CNY"),
    ("290亿", 29_000_000_000, "CNY"),
    ("1,200万元", 12_000_000, "CNY"),
    ("5亿美元", 500_000_000, "USD"),
    ("30亿港元", 3_000_000_000, "HKD"),
    ("xx.x亿元", None, "CNY"),
])
def test_amounts(text, value, unit):
    v = amount_value(text)
    assert v.value == value and v.unit == unit


def test_amount_range():
    v = amount_value("10-20亿元")
    assert v.value is None and v.value_range == (1e9, 2e9)


@pytest.mark.parametrize("text, m2", [
    ("21.5万平方米", 215_000),
    ("512亩", 341_333.33),
    ("3公顷", 30_000),
    ("2.5平方公里", 2_500_000),
    ("5000㎡", 5000),
    ("8.98万平方米", 89_800),
    ("xxx.xx万平方米", None),
])
def test_areas(text, m2):
    assert area_value(text).value == pytest.approx(m2) if m2 is not None else area_value(text).value is None


def test_area_range_with_repeated_unit():
    assert area_value("130㎡到300㎡").value_range == (130.0, 300.0)


def test_parse_number_masked_and_garbage():
    assert parse_number("xx") is None
    assert parse_number("不是数字") is None


def test_amounts_and_areas_end_at_their_unit_and_need_a_number():
    from zhaoshang_ner.values import snap_to_units, unit_end

    assert unit_end("area", "1000亩地") == len("1000亩")
    assert unit_end("area", "130㎡到300㎡") == len("130㎡到300㎡")  # a range keeps its second unit
    assert unit_end("amount", "100亿元产值") == len("100亿元")
    assert unit_end("amount", "290亿") == len("290亿")  # a bare 亿 is a unit of money too
    assert unit_end("amount", "xx.x亿元") == len("xx.x亿元")  # masked digits still count as a number
    assert unit_end("area", "平方米") is None  # a unit with no number is no area
    assert unit_end("area", "m2") is None
    assert unit_end("amount", "元") is None
    # a currency this package cannot read stays whole (unparsed), never cut into yuan
    assert unit_end("amount", "3000万美金") == len("3000万美金")
    assert unit_end("amount", "5亿卢布") == len("5亿卢布")
    assert unit_end("company", "华为技术") == 4  # other labels untouched
    text = "每亩1000亩地投资30亿元产值，单价9000元/平方米"
    def at(piece):
        return text.index(piece), text.index(piece) + len(piece)

    spans = [(*at("1000亩地"), "area", 0.9), (*at("30亿元产值"), "amount", 0.8), (*at("9000元"), "amount", 0.7),
             (*at("平方米"), "area", 0.6)]
    assert [text[s:e] for s, e, *_ in snap_to_units(text, spans)] == ["1000亩", "30亿元", "9000元"]
    assert snap_to_units(text, spans)[0][2:] == ("area", 0.9)  # label and score ride along
