"""zhaoshang_ner.ensemble: the strict majority of engines, exact spans only."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhaoshang_ner.ensemble import majority, majority_unscored


def test_a_span_most_engines_return_exactly_is_kept_with_its_mean_score():
    rules = [(0, 3, "company", 1.0), (4, 9, "park", 1.0), (11, 15, "amount", 1.0)]
    model = [(0, 3, "company", 0.8), (4, 8, "park", 0.9), (11, 15, "amount", 0.6)]
    second = [(0, 3, "company", 0.5), (4, 8, "industry", 0.7)]
    assert majority([rules, model, second]) == [
        (0, 3, "company", pytest.approx((1.0 + 0.8 + 0.5) / 3)),
        (11, 15, "amount", pytest.approx((1.0 + 0.6) / 3)),
    ]  # 4-8 park: one vote (other edges, other label elsewhere); 4-9: one vote


def test_half_is_not_a_majority():
    a = [(0, 3, "company", 1.0)]
    assert majority([a, []]) == []
    assert majority([a, a, [], []]) == []
    assert majority([a, a, a, []]) == [(0, 3, "company", 0.75)]


def test_overlapping_spans_within_one_engine_are_an_error_not_a_silent_vote():
    with pytest.raises(ValueError, match="engine 1 of the vote returned overlapping spans"):
        majority([[], [(0, 5, "park", 1.0), (3, 8, "park", 1.0)]])
    with pytest.raises(ValueError, match="at least one engine"):
        majority([])


def test_unscored_spans_vote_the_same_way():
    a, b = [(0, 3, "company"), (5, 7, "area")], [(0, 3, "company")]
    assert majority_unscored([a, b, []]) == [(0, 3, "company")]


def _disjoint_spans(draw_cuts: list[int], labels: list[str]) -> list[tuple[int, int, str, float]]:
    cuts = sorted(set(draw_cuts))
    return [(s, e, labels[i % len(labels)], 0.5) for i, (s, e) in enumerate(zip(cuts[::2], cuts[1::2])) if s < e]


@given(st.lists(st.tuples(st.lists(st.integers(0, 40), max_size=12),
                          st.lists(st.sampled_from(["company", "park", "amount"]), min_size=1, max_size=3)),
                min_size=1, max_size=5))
def test_kept_spans_never_overlap_whatever_the_engines_return(engines):
    span_lists = [_disjoint_spans(cuts, labels) for cuts, labels in engines]
    kept = majority(span_lists)
    for (s1, e1, *_), (s2, e2, *_) in zip(kept, kept[1:]):
        assert e1 <= s2
    for s, e, label, _ in kept:  # and each was returned by more than half of them
        assert 2 * sum(any(x[:3] == (s, e, label) for x in spans) for spans in span_lists) > len(span_lists)


@pytest.mark.skipif(not __import__("zhaoshang_ner.neural", fromlist=["x"]).second_model_available(),
                    reason="the second model is not shipped")
def test_the_ensemble_engine_keeps_what_two_of_its_three_engines_find(seed_texts):
    from zhaoshang_ner import predict
    from zhaoshang_ner.api import ENGINES
    from zhaoshang_ner.neural import second_recognizer
    from zhaoshang_ner.normalize import normalize

    text = seed_texts["003"]
    norm = normalize(text).text
    members = [ENGINES["rules"]([norm], None)[0], ENGINES["model"]([norm], None)[0],
               second_recognizer().predict_spans([norm])[0]]
    record = predict(text, engine="ensemble")
    assert record.engine == "ensemble"
    found = [(e.start, e.end, e.label) for e in record.entities]
    voted = [(s, e, label) for s, e, label, _ in majority(members)]
    assert found == [normalize(text).to_original(s, e) + (label,) for s, e, label in voted] and found
    # the vote is not a copy of its members: some member has spans it drops
    assert any(set(s[:3] for s in m) != set(voted) for m in members)
