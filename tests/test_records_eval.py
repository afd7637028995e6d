"""The records gold validator and the record scorer, on hand-made documents and records."""
import json

import pytest

from zhaoshang_ner.gold import GoldDoc, GoldEntity, sha256
from zhaoshang_ner.records_eval import (GoldRecord, Role, gold_record_of, load_records, record_from_dict,
                                        record_to_dict, score_document, score_records, validate_records)

TEXT = "甲公司在乙园投资10亿元，占地100亩，发展芯片产业。丙公司签约。"
ENTS = [GoldEntity(0, 3, "company"), GoldEntity(4, 6, "park"), GoldEntity(8, 12, "amount"),
        GoldEntity(15, 19, "area"), GoldEntity(22, 24, "industry"), GoldEntity(27, 30, "company")]
DOC = GoldDoc("t1", TEXT, ENTS)


def gold_records():
    return [GoldRecord(company=(0, 3), park=(4, 6), amounts=[Role((8, 12), "total_investment")],
                       areas=[Role((15, 19), "land")], industries=[(22, 24)], event="落户", evidence=(0, 26)),
            GoldRecord(company=(27, 30), event="签约", evidence=(27, 33))]


def test_offsets_in_fixture_are_the_entities():
    assert [TEXT[e.start:e.end] for e in ENTS] == ["甲公司", "乙园", "10亿元", "100亩", "芯片", "丙公司"]


def write(tmp_path, records, doc_id="t1", digest=None):
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({"id": doc_id, "sha256": digest or sha256(TEXT),
                                "records": [record_to_dict(r) for r in records]}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def test_validator_accepts_sound_gold(tmp_path):
    assert validate_records(load_records(write(tmp_path, gold_records())), [DOC]) == []


def test_validator_catches_span_that_is_not_a_gold_entity(tmp_path):
    bad = gold_records()
    bad[0].amounts = [Role((8, 11), "total_investment")]  # one character short of the gold amount
    problems = validate_records(load_records(write(tmp_path, bad)), [DOC])
    assert len(problems) == 1 and "amounts [8, 11] is no gold entity" in problems[0]


def test_validator_catches_wrong_label_hash_and_unknown_doc(tmp_path):
    bad = gold_records()
    bad[0].park = (0, 3)  # a company span in the park slot
    assert "is a gold company, expected a gold park" in validate_records(load_records(write(tmp_path, bad)), [DOC])[0]
    assert "sha256 differs" in validate_records(load_records(write(tmp_path, gold_records(), digest="0" * 64)), [DOC])[0]
    assert "no gold entity document" in validate_records(load_records(write(tmp_path, gold_records(), "zz")), [DOC])[0]


def test_loader_rejects_unknown_role():
    with pytest.raises(ValueError, match="role 'price' is not one of"):
        record_from_dict({"company": [0, 3], "amounts": [{"span": [8, 12], "role": "price"}], "evidence": [0, 5]})


def test_perfect_prediction_scores_one():
    s = score_document(gold_records(), gold_records())
    assert (s.records.precision, s.records.recall) == (1.0, 1.0)
    assert all(s.links[k].f1 == 1.0 for k in ("park", "amount", "area", "industry"))
    assert s.event_agree == 2


def test_missing_link_costs_recall_only():
    pred = gold_records()
    pred[0].park = None
    s = score_document(gold_records(), pred)
    assert s.records.f1 == 1.0
    assert (s.links["park"].gold, s.links["park"].pred, s.links["park"].correct) == (1, 0, 0)
    assert s.links["amount"].f1 == 1.0


def test_wrong_role_is_a_wrong_link():
    pred = gold_records()
    pred[0].amounts = [Role((8, 12), "registered_capital")]
    s = score_document(gold_records(), pred)
    assert (s.links["amount"].precision, s.links["amount"].recall) == (0.0, 0.0)
    assert s.records.f1 == 1.0


def test_extra_record_costs_precision():
    pred = gold_records() + [GoldRecord(company=(4, 6), evidence=(0, 10))]
    s = score_document(gold_records(), pred)
    assert (s.records.gold, s.records.pred, s.records.correct) == (2, 3, 2)
    assert s.records.recall == 1.0 and s.records.precision == pytest.approx(2 / 3)


def test_companyless_records_match_on_park_and_overlapping_evidence():
    g = [GoldRecord(company=None, park=(4, 6), areas=[Role((15, 19), "land")], evidence=(0, 26))]
    assert score_document(g, [GoldRecord(company=None, park=(4, 6), evidence=(5, 20))]).records.correct == 1
    assert score_document(g, [GoldRecord(company=None, park=(4, 6), evidence=(27, 33))]).records.correct == 0


def test_projects_output_is_scored_by_groups():
    from zhaoshang_ner.projects import extract_projects

    pred = extract_projects(TEXT, gold_record_of(DOC))
    scores = score_records({"t1": gold_records()}, {"t1": pred}, {"t1": "g"})
    assert set(scores) == {"g", "overall"} and scores["overall"].records.gold == 2
    # the dict form scores exactly like the objects
    again = score_records({"t1": gold_records()}, {"t1": [p.to_dict() for p in pred]})
    assert again["overall"].as_dict() == scores["overall"].as_dict()


def test_shipped_records_gold_is_valid(corpus_dir):
    from zhaoshang_ner.gold import load_all

    docs, _ = load_all(corpus_dir)
    rdocs = load_records()
    assert len(rdocs) >= 25
    assert validate_records(rdocs, docs) == []
