import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhaoshang_ner.bio import repair_tags, spans_to_tags, tags_to_spans
from zhaoshang_ner.labels import LABELS, TAGS


@st.composite
def flat_spans(draw):
    length = draw(st.integers(0, 60))
    cuts = sorted(set(draw(st.lists(st.integers(0, length), max_size=20))))
    spans = []
    for a, b in zip(cuts[::2], cuts[1::2]):
        if a < b and draw(st.booleans()):
            spans.append((a, b, draw(st.sampled_from(LABELS))))
    return length, spans


@settings(max_examples=400)
@given(flat_spans())
def test_round_trip_is_lossless(case):
    length, spans = case
    tags = spans_to_tags(length, spans)
    assert len(tags) == length
    assert tags_to_spans(tags) == sorted(spans)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(TAGS), max_size=40))
def test_any_tag_sequence_decodes_to_valid_flat_spans(tags):
    spans = tags_to_spans(tags)
    for (s1, e1, _), (s2, e2, _) in zip(spans, spans[1:]):
        assert e1 <= s2
    # repaired tags are valid IOB2 and decode to the same spans
    fixed = repair_tags(tags)
    assert tags_to_spans(fixed) == spans
    for prev, cur in zip(["O"] + fixed, fixed):
        if cur.startswith("I-"):
            assert prev[2:] == cur[2:]


def test_orphan_inside_tag_starts_an_entity():
    assert tags_to_spans(["O", "I-park", "I-park", "B-amount", "I-park"]) == [(1, 3, "park"), (3, 4, "amount"), (4, 5, "park")]


def test_overlap_and_bad_spans_are_errors():
    with pytest.raises(ValueError, match="overlaps"):
        spans_to_tags(10, [(0, 5, "park"), (3, 7, "company")])
    with pytest.raises(ValueError, match="outside"):
        spans_to_tags(3, [(2, 5, "park")])
    with pytest.raises(ValueError, match="unknown label"):
        spans_to_tags(3, [(0, 1, "person")])


def test_gold_jsonl_to_conll_and_back_is_lossless():
    from zhaoshang_ner.bio import conll_to_docs, doc_to_conll
    from zhaoshang_ner.gold import load_seeds

    docs = load_seeds()
    conll = "".join(doc_to_conll(d.id, d.text, d.spans()) for d in docs)
    back = conll_to_docs(conll)
    assert [(d.id, d.text, sorted(d.spans())) for d in docs] == back


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("甲乙丙 \n\t\\\u3000ab1")), max_size=30))
def test_conll_round_trip_keeps_every_character(text):
    from zhaoshang_ner.bio import conll_to_docs, doc_to_conll

    spans = [(0, 1, "park")] if text and not text[0].isspace() else []
    assert conll_to_docs(doc_to_conll("x", text, spans)) == [("x", text, spans)]
