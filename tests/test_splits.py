import pytest

from zhaoshang_ner.splits import grouped_folds, leave_one_out


def test_leave_one_out_holds_each_document_out_once():
    ids = ["000", "001", "002", "003", "004"]
    folds = list(leave_one_out(ids))
    assert [test for _, test in folds] == [[i] for i in ids]
    for train, test in folds:
        assert set(train) | set(test) == set(ids) and not set(train) & set(test)


def test_grouped_folds_never_split_a_group():
    ids = [f"d{i}" for i in range(20)]
    groups = ["a"] * 7 + ["b"] * 5 + ["c"] * 4 + ["d"] * 2 + ["e"] * 2
    g = dict(zip(ids, groups))
    folds = grouped_folds(ids, groups, 3)
    seen = []
    for train, test in folds:
        assert {g[x] for x in train}.isdisjoint({g[x] for x in test})
        seen += test
    assert sorted(seen) == sorted(ids)


def test_grouped_folds_rejects_impossible_k():
    with pytest.raises(ValueError):
        grouped_folds(["a", "b"], ["x", "x"], 2)
