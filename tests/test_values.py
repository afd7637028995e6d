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
