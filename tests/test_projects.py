"""Project records: the rules-based linker of ``zhaoshang_ner.projects``.

Every sentence here is invented for the test (no corpus text). Most tests run the
rules engine; the ones about a single linking rule build the entities by hand so
they test the linker, not the recogniser.
"""
from __future__ import annotations

import json
import sys
import types

import pytest

from zhaoshang_ner import predict
from zhaoshang_ner.projects import (
    AMOUNT_ROLE_NAMES,
    AREA_ROLE_NAMES,
    EVENTS,
    ProjectRecord,
    extract_projects,
)
from zhaoshang_ner.schema import Entity, Record, dumps
from zhaoshang_ner.values import value_for

SIGNING = ("3月15日，星河半导体有限公司与银湖科技有限公司在金沙经济开发区签约，项目总投资约12亿元，"
           "注册资本5000万元，占地约80亩，建筑面积超5万平方米，达产后年产值不低于30亿元，年税收近2亿元。")
LIST = "今年，青禾材料有限公司、蓝鲸生物科技有限公司、北辰智能装备有限公司项目在金沙经济开发区集中签约，签约额逾30亿元。"
PARK_BEFORE = "金沙经济开发区位于城市东部。5月8日，星河光电有限公司投资10亿元的光模块二期项目开工。"


def record_of(text: str, *mentions: tuple[str, str]) -> Record:
    """A record with the given (label, surface) mentions at their first occurrence after the previous one."""
    entities, pos = [], 0
    for label, surface in mentions:
        start = text.index(surface, pos)
        pos = start + len(surface)
        val = value_for(label, surface)
        entities.append(Entity(label, start, pos, surface, surface, value=val.value, unit=val.unit,
                               value_range=val.value_range, value_note=val.note))
    return Record(engine="test", text_length=len(text), entities=entities)


def only(text: str, record: Record | None = None) -> ProjectRecord:
    records = extract_projects(text, record, engine="rules")
    assert len(records) == 1, [r.to_dict() for r in records]
    return records[0]


def roles(values) -> list[tuple[str, str, str | None]]:
    return [(v.text, v.role, v.qualifier) for v in values]


def assert_offsets(text: str, records: list[ProjectRecord]) -> None:
    for r in records:
        assert text[r.evidence.start:r.evidence.end] == r.evidence.text
        for ref in [r.company, r.park, *r.partners, *r.amounts, *r.areas, *r.industries]:
            if ref is not None:
                assert text[ref.start:ref.end] == ref.text
                assert r.evidence.start <= ref.start or ref is r.park


def test_signing_has_company_partner_park_roles_and_qualifiers():
    rec = only(SIGNING)
    assert rec.event == "签约"
    assert rec.company.text == "星河半导体有限公司"
    assert [p.text for p in rec.partners] == ["银湖科技有限公司"]
    assert rec.park.text == "金沙经济开发区"
    assert roles(rec.amounts) == [
        ("12亿元", "total_investment", "approximate"),
        ("5000万元", "registered_capital", None),
        ("30亿元", "output_value", "lower_bound"),
        ("2亿元", "tax", "upper_bound"),
    ]
    assert roles(rec.areas) == [("80亩", "land", "approximate"), ("5万平方米", "floor", "lower_bound")]
    assert rec.date == "3月15日"
    assert rec.evidence.text == SIGNING


def test_values_are_the_entities_own():
    rec = only(SIGNING)
    assert rec.amounts[0].value == 1.2e9 and rec.amounts[0].unit == "CNY"
    assert rec.areas[1].value == 50000.0 and rec.areas[1].unit == "m2"
    assert rec.amounts[0].normalized == "12亿元"


@pytest.mark.parametrize("cue, role", [
    ("固定资产投资", "fixed_asset"), ("利用外资", "foreign_capital"), ("外商投资", "foreign_capital"),
    ("销售收入", "revenue"), ("营收", "revenue"), ("合同额", "contract_value"), ("利税", "tax"),
    ("总投资", "total_investment"), ("奖励", "other"),
])
def test_amount_role_from_the_cue_before_it(cue, role):
    text = f"星河光电有限公司二期项目开工，{cue}3亿元。"
    rec = only(text, record_of(text, ("company", "星河光电有限公司"), ("amount", "3亿元")))
    assert rec.event == "开工"
    assert roles(rec.amounts) == [("3亿元", role, None)]
    assert role in AMOUNT_ROLE_NAMES


@pytest.mark.parametrize("before, after, qualifier", [
    ("约", "", "approximate"), ("", "左右", "approximate"), ("超过", "", "lower_bound"),
    ("逾", "", "lower_bound"), ("突破", "", "lower_bound"), ("", "以上", "lower_bound"),
    ("不低于", "", "lower_bound"), ("近", "", "upper_bound"), ("", "以内", "upper_bound"), ("达", "", None),
])
def test_qualifiers(before, after, qualifier):
    text = f"星河光电有限公司签约落户，总投资{before}8亿元{after}。"
    rec = only(text, record_of(text, ("company", "星河光电有限公司"), ("amount", "8亿元")))
    assert rec.amounts[0].qualifier == qualifier


def test_qualifier_inside_the_mention():
    text = "星河光电有限公司项目签约，总投资10多亿元。"
    rec = only(text, record_of(text, ("company", "星河光电有限公司"), ("amount", "10多亿元")))
    assert rec.amounts[0].qualifier == "lower_bound"


def test_area_roles():
    text = "星河光电有限公司项目开工，用地120亩，建筑面积8万平方米，规划面积2平方公里，另有30亩。"
    rec = only(text, record_of(text, ("company", "星河光电有限公司"), ("area", "120亩"),
                               ("area", "8万平方米"), ("area", "2平方公里"), ("area", "30亩")))
    # 亩 measures land only, so a bare 30亩 is land too
    assert [(a.text, a.role) for a in rec.areas] == [
        ("120亩", "land"), ("8万平方米", "floor"), ("2平方公里", "other"), ("30亩", "land")]
    assert {a.role for a in rec.areas} <= set(AREA_ROLE_NAMES)


def test_enumeration_gives_one_record_per_company():
    records = extract_projects(LIST, engine="rules")
    assert [r.company.text for r in records] == ["青禾材料有限公司", "蓝鲸生物科技有限公司", "北辰智能装备有限公司"]
    for r in records:
        assert r.event == "签约"
        assert r.park.text == "金沙经济开发区"
        assert r.partners == []
        assert roles(r.amounts) == [("30亿元", "contract_value", "lower_bound")]
        assert r.date == "今年"
    assert_offsets(LIST, records)


def test_respectively_pairs_figures_with_companies():
    text = "青禾材料有限公司和北辰智能装备有限公司分别投资10亿元、6亿元建设新厂，均已开工。"
    records = extract_projects(text, engine="rules")
    assert [(r.company.text, roles(r.amounts)) for r in records] == [
        ("青禾材料有限公司", [("10亿元", "total_investment", None)]),
        ("北辰智能装备有限公司", [("6亿元", "total_investment", None)]),
    ]


def test_partner_after_a_connector_clause():
    text = "星河光电有限公司落户金沙经济开发区，并与银湖科技有限公司签署合作协议。"
    rec = only(text, record_of(text, ("company", "星河光电有限公司"), ("park", "金沙经济开发区"),
                               ("company", "银湖科技有限公司")))
    assert rec.company.text == "星河光电有限公司"
    assert [p.text for p in rec.partners] == ["银湖科技有限公司"]
    assert rec.event == "落户"


def test_introduced_company_is_the_object_of_the_verb():
    text = "金沙经济开发区管委会引进星河光电有限公司，计划投资8亿元。"
    rec = only(text, record_of(text, ("park", "金沙经济开发区"), ("company", "星河光电有限公司"), ("amount", "8亿元")))
    assert rec.event == "引进"
    assert rec.company.text == "星河光电有限公司"
    assert rec.park.text == "金沙经济开发区"


def test_park_from_a_previous_sentence_and_project_name():
    records = extract_projects(PARK_BEFORE, engine="rules")
    assert len(records) == 1
    rec = records[0]
    assert rec.park.text == "金沙经济开发区"
    assert rec.park.start == 0  # from the sentence before: the evidence is only the event's sentence
    assert rec.evidence.text == "5月8日，星河光电有限公司投资10亿元的光模块二期项目开工。"
    assert rec.event == "开工"
    assert rec.project_name == "光模块二期项目"
    assert rec.date == "5月8日"
    assert roles(rec.amounts) == [("10亿元", "total_investment", None)]
    assert_offsets(PARK_BEFORE, records)


def test_park_is_not_taken_from_another_paragraph():
    text = "金沙经济开发区位于城市东部。\n星河光电有限公司二期项目开工。"
    assert only(text).park is None


def test_two_events_in_one_sentence_are_two_records():
    text = "星河光电有限公司二期项目开工；青禾材料有限公司年产5万吨新材料项目竣工投产。"
    records = extract_projects(text, engine="rules")
    assert [(r.company.text, r.event, r.project_name) for r in records] == [
        ("星河光电有限公司", "开工", "星河光电有限公司二期项目"),
        ("青禾材料有限公司", "投产", "青禾材料有限公司年产5万吨新材料项目"),
    ]
    assert_offsets(text, records)


def test_follow_up_sentence_adds_figures_to_the_record():
    text = "2024年6月，星河光电有限公司二期项目在金沙经济开发区正式投产。该项目总投资近50亿元，用地300亩。"
    rec = only(text)
    assert rec.event == "投产"
    assert rec.date == "2024年6月"
    assert roles(rec.amounts) == [("50亿元", "total_investment", "upper_bound")]
    assert [(a.text, a.role) for a in rec.areas] == [("300亩", "land")]
    assert rec.evidence.text == text
    assert_offsets(text, [rec])


def test_traditional_characters_keep_offsets_into_the_callers_text():
    text = "2024年6月，星河光電有限公司在金沙經濟開發區竣工投產，總投資約9億元。"
    rec = only(text)
    assert rec.event == "投产"
    assert rec.company.text == "星河光電有限公司"
    assert roles(rec.amounts) == [("9億元", "total_investment", "approximate")]
    assert_offsets(text, [rec])


@pytest.mark.parametrize("text", [
    "园区环境优美，交通便利，配套完善。",
    "全市新签约项目58个，总投资320亿元。",  # an aggregate: no company, no project named
    "星河光电有限公司去年营收10亿元。",  # a company and money, but no event
    "星河光电有限公司二期项目尚未开工。",  # negated
    "",
])
def test_no_event_no_record(text):
    assert extract_projects(text, engine="rules") == []


def test_to_dict_has_the_keys_users_need_and_is_strict_json():
    records = extract_projects(SIGNING, engine="rules")
    d = records[0].to_dict()
    assert {"company", "park", "amounts", "areas", "industries", "event", "evidence",
            "partners", "project_name", "date", "company_id", "park_id"} <= set(d)
    assert all("role" in a for a in d["amounts"]) and all("role" in a for a in d["areas"])
    assert {"start", "end", "text"} <= set(d["evidence"])
    assert {"label", "start", "end", "text", "normalized", "canonical", "canonical_id"} <= set(d["company"])
    assert {"value", "unit", "qualifier"} <= set(d["amounts"][0])
    assert d["event"] in EVENTS
    assert json.loads(dumps(d)) == d


def test_range_amount_keeps_its_range():
    text = "星河光电有限公司项目签约，总投资10-20亿元。"
    d = only(text).to_dict()
    assert d["amounts"][0]["value"] is None
    assert d["amounts"][0]["value_range"] == [1e9, 2e9]
    dumps(d)


def test_given_record_is_used_and_must_match_the_text():
    rec = predict(SIGNING, engine="rules")
    assert [r.to_dict() for r in extract_projects(SIGNING, rec)] == [
        r.to_dict() for r in extract_projects(SIGNING, engine="rules")]
    with pytest.raises(ValueError, match="different text"):
        extract_projects(SIGNING + "。", rec)
    with pytest.raises(TypeError, match="Record"):
        extract_projects(SIGNING, rec.to_dict())


def test_canonical_names_fill_ids(monkeypatch):
    def canonical_names(entities):
        return {i: (f"C{i}", e.normalized + "（全称）") for i, e in enumerate(entities) if e.label in ("company", "park")}

    fake = types.ModuleType("zhaoshang_ner.canonical")
    fake.canonical_names = canonical_names
    monkeypatch.setitem(sys.modules, "zhaoshang_ner.canonical", fake)
    d = extract_projects(SIGNING, engine="rules")[0].to_dict()
    assert d["company_id"] == "C0" and d["company"]["canonical"] == "星河半导体有限公司（全称）"
    assert d["park_id"] == "C2"
    assert d["partners"][0]["canonical_id"] == "C1"
    assert d["amounts"][0]["canonical_id"] is None


def test_next_sentence_about_the_same_company_is_the_same_record():
    text = ("星河光电有限公司与金沙经济开发区签约。星河光电有限公司将投资8亿元建设研发中心，用地50亩。"
            "项目建成后年产值20亿元。")
    rec = only(text)
    assert rec.event == "签约"
    assert rec.park.text == "金沙经济开发区"
    assert roles(rec.amounts) == [("8亿元", "total_investment", None), ("20亿元", "output_value", None)]
    assert [(a.text, a.role) for a in rec.areas] == [("50亩", "land")]
    assert rec.evidence.text == text


def test_record_projects_is_extract_projects_on_the_same_text():
    from zhaoshang_ner import extract_projects, predict

    text = "肇庆高新区与广东瑞庆时代新能源科技有限公司签约，项目总投资约16亿元，占地512亩。"
    rec = predict(text, engine="rules")
    assert [p.to_dict() for p in rec.projects] == [p.to_dict() for p in extract_projects(text, rec)]
    assert rec.projects and rec.projects[0].to_dict()["amounts"][0]["role"] == "total_investment"
