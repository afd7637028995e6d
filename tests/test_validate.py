import json
from collections import Counter

import pytest

from zhaoshang_ner.gold import CORPUS_JSONL, SEEDS_JSONL, load_seeds, sha256
from zhaoshang_ner.validate import check_doc, validate_corpus, validate_seeds

TEXT = "肇庆高新区引进小鹏汽车，投资100亿元。"


def rules_of(problems):
    return {p.rule for p in problems}


def test_shipped_seed_annotations_are_clean():
    assert validate_seeds() == []


def test_shipped_corpus_annotations_are_clean(corpus_dir):
    assert validate_corpus(CORPUS_JSONL, corpus_dir) == []


@pytest.mark.parametrize("entity, rule", [
    ({"start": 0, "end": 99, "label": "park", "text": "x"}, "offset-range"),
    ({"start": 3, "end": 3, "label": "park", "text": ""}, "offset-range"),
    ({"start": 0, "end": 5, "label": "place", "text": "肇庆高新区"}, "label"),
    ({"start": 0, "end": 5, "label": "park", "text": "肇庆高新"}, "text-mismatch"),
    ({"start": 7, "end": 12, "label": "company", "text": "小鹏汽车，"}, "edge"),
    ({"start": 6, "end": 11, "label": "company", "text": "进小鹏汽车"}, None),
    ({"start": "0", "end": 5, "label": "park", "text": "肇庆高新区"}, "offset-type"),
])
def test_each_rule_is_caught(entity, rule):
    problems = check_doc("t", TEXT, [entity], has_surface=True)
    if rule is None:
        assert problems == []
    else:
        assert rule in rules_of(problems)
        p = [p for p in problems if p.rule == rule][0]
        assert p.doc == "t" and str(p).startswith("t")


def test_overlap_and_leading_space_are_caught():
    ents = [{"start": 0, "end": 5, "label": "park", "text": "肇庆高新区"},
            {"start": 3, "end": 7, "label": "park", "text": "新区引进"}]
    assert "overlap" in rules_of(check_doc("t", TEXT, ents, has_surface=True))
    assert "edge" in rules_of(check_doc("t", " 甲乙", [{"start": 0, "end": 2, "label": "park", "text": " 甲"}],
                                        has_surface=True))


def test_standoff_records_must_not_copy_text():
    ents = [{"start": 0, "end": 5, "label": "park", "text": "肇庆高新区"}]
    assert "copied-text" in rules_of(check_doc("c", TEXT, ents, has_surface=False))


def test_missing_seed_and_source_mismatch_are_caught(tmp_path):
    rows = [json.loads(l) for l in open(SEEDS_JSONL, encoding="utf-8")]
    rows = rows[1:]  # drop seed 000
    rows[0]["text"] = rows[0]["text"] + "!"
    f = tmp_path / "seeds.jsonl"
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    problems = validate_seeds(f)
    assert "missing-seed" in rules_of(problems)
    assert "source" in rules_of(problems)


def test_corpus_hash_mismatch_is_caught(tmp_path, corpus_dir):
    rows = [json.loads(l) for l in open(CORPUS_JSONL, encoding="utf-8")]
    rows[0]["sha256"] = sha256("something else")
    f = tmp_path / "corpus.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert "hash" in rules_of(validate_corpus(f, corpus_dir))


def test_every_label_has_twenty_seed_spans_and_seed_000_lists_its_companies():
    docs = load_seeds()
    counts = Counter(e.label for d in docs for e in d.entities)
    assert all(counts[label] >= 20 for label in ("company", "park", "amount", "area", "industry")), counts
    d000 = [d for d in docs if d.id == "000"][0]
    c000 = Counter(e.label for e in d000.entities)
    assert c000["company"] >= 50 and c000["park"] >= 20
