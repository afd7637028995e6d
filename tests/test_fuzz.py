"""Property tests of predict() for every engine: what must hold for any text a user may pass.

Random unicode, and report-like noise: traditional characters with glued pinyin,
masked and full-width digits, huge numbers, repeated units. Example counts are
bounded so the suite stays fast; the model engine gets fewer examples (each
call runs the classifier).
"""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhaoshang_ner import predict, predict_many
from zhaoshang_ner.neural import second_model_available, shipped_model_available

ENGINES = ["rules"] + (["model"] if shipped_model_available() else []) + (["ensemble"] if second_model_available() else [])
EXAMPLES = {"rules": 120, "model": 15, "ensemble": 8}

PIECES = [
    "晋江经济开发区", "晉江經(jīng)濟(jì)開發(fā)區", "比亚迪", "有限公司", "产业园", "總投資", "总投资约", "亿元", "億元",
    "万元", "美元", "亩", "平方米", "万平方米", "㎡", "xx.x", "xx", "１２３", "9" * 40, "1e308", "1,", "一", "亿",
    "发展新能源汽车产业", "生物醫藥", "，", "。", "、", "\r\n", "\n", " ", "(", ")", "（", "）", "-", "至", "多",
    "项目", "签约", "占地", "达", "超", "约", "10-20", "三十", "百", "千", "万", "0.5", "\u3000", "\ufeff",
]

report_like = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=200), report_like,
                     st.builds(lambda p, n: p * n, st.sampled_from(PIECES), st.integers(1, 200)))


def check_record(text: str, rec) -> None:
    assert rec.text_length == len(text)
    last_end = 0
    for e in rec.entities:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start:e.end] == e.text
        assert e.start >= last_end, "entities never overlap"
        last_end = e.end
        assert e.value is None or math.isfinite(e.value)
        if e.value_range is not None:
            assert all(math.isfinite(x) for x in e.value_range)
    json.loads(rec.to_json())  # strict JSON, no NaN/Infinity


@pytest.mark.parametrize("engine", ENGINES)
def test_predict_invariants(engine):
    @settings(max_examples=EXAMPLES[engine], deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(any_text)
    def prop(text):
        rec = predict(text, engine=engine)
        check_record(text, rec)
        assert predict(text, engine=engine).to_dict() == rec.to_dict(), "deterministic"

    prop()


@pytest.mark.parametrize("engine", ENGINES)
def test_predict_many_is_map_of_predict(engine):
    @settings(max_examples=max(5, EXAMPLES[engine] // 4), deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(any_text, min_size=1, max_size=4))
    def prop(texts):
        many = predict_many(texts, engine=engine)
        assert [r.to_dict() for r in many] == [predict(t, engine=engine).to_dict() for t in texts]

    prop()
