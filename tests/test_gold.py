import json

import pytest

from zhaoshang_ner.bio import spans_to_tags, tags_to_spans
from zhaoshang_ner.gold import CORPUS_JSONL, CorpusMissing, load_all, load_corpus, load_seeds, sha256


def test_seed_gold_round_trips_through_bio():
    for doc in load_seeds():
        tags = spans_to_tags(len(doc.text), doc.spans())
        assert tags_to_spans(tags) == sorted(doc.spans())


def test_corpus_joins_text_and_checks_hash(corpus_dir):
    docs = load_corpus(CORPUS_JSONL, corpus_dir)
    assert {d.id for d in docs} == {p.stem for p in (corpus_dir / "texts").glob("*.txt")}
    assert {d.family for d in docs} == {"gov_report", "news", "park_brief", "traditional"}
    for d in docs:
        assert all(0 <= e.start < e.end <= len(d.text) for e in d.entities)


def test_changed_text_fails_loudly(tmp_path, corpus_dir):
    texts = tmp_path / "texts"
    texts.mkdir()
    (tmp_path / "SOURCES.tsv").write_text((corpus_dir / "SOURCES.tsv").read_text(encoding="utf-8"), encoding="utf-8")
    first = json.loads(CORPUS_JSONL.read_text(encoding="utf-8").splitlines()[0])
    original = (corpus_dir / "texts" / f"{first['id']}.txt").read_text(encoding="utf-8")
    (texts / f"{first['id']}.txt").write_text(original + "改", encoding="utf-8")
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps(first), encoding="utf-8")
    with pytest.raises(ValueError, match="SHA-256"):
        load_corpus(one, tmp_path)


def test_missing_corpus_falls_back_to_seeds_with_a_message(tmp_path):
    docs, note = load_all(tmp_path / "nowhere")
    assert len(docs) == 5 and "seeds only" in note
    with pytest.raises(CorpusMissing):
        load_all(tmp_path / "nowhere", require_corpus=True)


def test_corpus_annotations_hold_no_text():
    for line in CORPUS_JSONL.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert set(row) == {"id", "sha256", "entities"}
        assert all(set(e) == {"start", "end", "label"} for e in row["entities"])
