"""What the classifier reads beside the characters (zhaoshang_ner.features)."""
import pytest

from zhaoshang_ner.features import (FORMS_FILE, GAZETTEER_CODES, FeatureSet, Gazetteer, default_gazetteer,
                                    rule_tag_ids, word_starts)
from zhaoshang_ner.labels import TAGS
from zhaoshang_ner.normalize import normalize

TOY = Gazetteer({"苏州工业园区": "park", "工业园": "park", "比亚迪股份": "company", "比亚迪": "company",
                 "集成电路": "industry"})


def test_matches_are_leftmost_longest_and_do_not_overlap():
    text = "比亚迪股份在苏州工业园区建集成电路项目，比亚迪"
    got = [(text[s:e], label) for s, e, label in TOY.matches(text)]
    assert got == [("比亚迪股份", "company"), ("苏州工业园区", "park"), ("集成电路", "industry"), ("比亚迪", "company")]


def test_codes_mark_the_first_character_of_a_match_b_and_the_rest_i():
    text = "在工业园里"
    codes = [GAZETTEER_CODES[c] for c in TOY.codes(text)]
    assert codes == ["O", "B-park", "I-park", "I-park", "O"]
    assert TOY.codes("") == []


def test_a_model_without_gazetteer_features_reads_the_rule_tags_it_always_did():
    text = "比亚迪在肇庆高新区投资10亿元"
    tags = ["B-company", "I-company", "I-company", "O"] + ["B-park"] + ["I-park"] * 4 + ["O", "O"] \
        + ["B-amount"] + ["I-amount"] * 3
    assert FeatureSet(rules=True).type_ids(text) == [TAGS.index(t) for t in tags]
    assert FeatureSet().type_ids(text) == [0] * len(text)
    # with the gazetteer: 比亚迪 (a listed short name) and 肇庆高新区 (a catalogue alias) add their codes
    ids = FeatureSet(rules=True, gazetteer=True).type_ids(text)
    assert [GAZETTEER_CODES[i // len(TAGS)] for i in ids][:9] == \
        ["B-company", "I-company", "I-company", "O", "B-park", "I-park", "I-park", "I-park", "I-park"]


def test_a_model_without_gazetteer_features_never_loads_the_forms():
    default_gazetteer.cache_clear()
    FeatureSet(rules=True).type_ids("比亚迪在肇庆高新区投资10亿元")
    assert default_gazetteer.cache_info().currsize == 0


def test_gazetteer_ids_pack_the_rule_tag_and_the_gazetteer_code(seed_texts):
    text = normalize("".join(seed_texts.values())[:3000]).text
    ids = FeatureSet(rules=True, gazetteer=True).type_ids(text)
    assert [i % len(TAGS) for i in ids] == rule_tag_ids(text)
    assert [i // len(TAGS) for i in ids] == default_gazetteer().codes(text)
    assert max(ids) < FeatureSet(rules=True, gazetteer=True).type_vocab_size
    assert any(i >= len(TAGS) for i in ids), "the seed reports name no listed zone, company or industry"


def test_word_starts_mark_where_jieba_words_begin():
    from zhaoshang_ner import rules

    text = "比亚迪在肇庆高新区投资建设新能源汽车项目"
    starts = word_starts(text)
    words = list(rules._tokenizer()[0].cut(text))
    assert sum(starts) == len(words) and starts[0] == 1
    assert [text[i] for i, b in enumerate(starts) if b] == [w[0] for w in words]
    assert word_starts("") == []


def test_all_three_signals_unpack_from_one_id(seed_texts):
    text = normalize("".join(seed_texts.values())[:2000]).text
    fs = FeatureSet(rules=True, gazetteer=True, words=True)
    ids = fs.type_ids(text)
    n_tags, n_gaz = len(TAGS), len(GAZETTEER_CODES)
    assert [i % n_tags for i in ids] == rule_tag_ids(text)
    assert [(i // n_tags) % n_gaz for i in ids] == default_gazetteer().codes(text)
    assert [i // (n_tags * n_gaz) for i in ids] == word_starts(text)
    assert max(ids) < fs.type_vocab_size == n_tags * n_gaz * 2


@pytest.mark.parametrize("features,rows", [
    (FeatureSet(), 2), (FeatureSet(rules=True), len(TAGS)),
    (FeatureSet(rules=True, gazetteer=True), len(TAGS) * len(GAZETTEER_CODES)),
    (FeatureSet(gazetteer=True), len(TAGS) * len(GAZETTEER_CODES)),
    (FeatureSet(rules=True, words=True), len(TAGS) * 2),
])
def test_type_vocab_size(features, rows):
    assert features.type_vocab_size == rows


def test_feature_set_from_config_dict_and_object():
    from types import SimpleNamespace

    assert FeatureSet.from_config({"rule_features": True}) == FeatureSet(rules=True)
    assert FeatureSet.from_config(SimpleNamespace(rule_features=True, gazetteer_features=True)) == \
        FeatureSet(rules=True, gazetteer=True)
    assert FeatureSet.from_config({"word_features": True}) == FeatureSet(words=True)
    assert FeatureSet.from_config({}) == FeatureSet()


def test_the_shipped_forms_file_is_what_the_shipped_lists_derive():
    """A list rebuilt without its forms file (or the derivation changed) would train on other features."""
    assert default_gazetteer().forms == Gazetteer.from_resources().forms
    labels = set(default_gazetteer().forms.values())
    assert labels == {"park", "company", "industry"}


def test_forms_are_normalised_like_the_text_they_are_matched_in():
    forms = default_gazetteer().forms
    assert all(normalize(f).text == f for f in forms)
    # a traditional-script name in a report still meets its listed form
    text = normalize("落戶蘇州工業園區").text
    assert [label for *_, label in default_gazetteer().matches(text)] == ["park"]


def test_a_malformed_forms_line_is_named(tmp_path):
    bad = tmp_path / "forms.tsv"
    bad.write_text("form\tlabel\n苏州工业园区\tpark\n比亚迪 company\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3"):
        Gazetteer.read(bad)


def test_feature_switches_are_named_in_messages():
    assert str(FeatureSet(rules=True, gazetteer=True)) == "rule_features + gazetteer_features"
    assert str(FeatureSet()) == "no features"


def test_forms_file_round_trip(tmp_path):
    TOY.write(tmp_path / "forms.tsv")
    assert Gazetteer.read(tmp_path / "forms.tsv").forms == TOY.forms
    with pytest.raises(FileNotFoundError, match="build_gazetteer"):
        Gazetteer.read(tmp_path / "missing.tsv")
    assert FORMS_FILE.is_file()
