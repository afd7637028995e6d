import random

import pytest
from seqeval.metrics import f1_score, precision_score, recall_score
from seqeval.scheme import IOB2

from zhaoshang_ner.bio import spans_to_tags
from zhaoshang_ner.evaluate import PRF, classify_errors, evaluate, overlap_counts, strict_counts
from zhaoshang_ner.gold import GoldDoc, GoldEntity
from zhaoshang_ner.labels import LABELS


def random_spans(rng, length):
    spans, pos = [], 0
    while pos < length - 1:
        pos += rng.randint(0, 4)
        end = pos + rng.randint(1, 4)
        if end > length:
            break
        spans.append((pos, end, rng.choice(LABELS)))
        pos = end
    return spans


@pytest.mark.parametrize("seed", range(25))
def test_strict_counts_agree_with_seqeval(seed):
    rng = random.Random(seed)
    golds, preds, total = [], [], PRF()
    for _ in range(4):
        length = rng.randint(5, 40)
        g, p = random_spans(rng, length), random_spans(rng, length)
        golds.append(spans_to_tags(length, g))
        preds.append(spans_to_tags(length, p))
        for label, s in strict_counts(g, p).items():
            total += s
    kw = dict(mode="strict", scheme=IOB2, zero_division=0)
    assert total.precision == pytest.approx(precision_score(golds, preds, **kw))
    assert total.recall == pytest.approx(recall_score(golds, preds, **kw))
    assert total.f1 == pytest.approx(f1_score(golds, preds, **kw))


def test_overlap_is_one_to_one():
    gold = [(0, 4, "park")]
    pred = [(0, 2, "park"), (2, 4, "park")]
    s = overlap_counts(gold, pred)["park"]
    assert (s.gold, s.pred, s.correct) == (1, 2, 1)


def make_doc():
    text = "肇庆高新区引进小鹏汽车，投资100亿元。"
    return GoldDoc("d", text, [GoldEntity(0, 5, "park"), GoldEntity(7, 11, "company"), GoldEntity(14, 19, "amount")])


def test_error_kinds_are_classified():
    doc = make_doc()
    pred = [(0, 4, "park"), (7, 11, "park"), (12, 14, "industry")]
    kinds = sorted(e.kind for e in classify_errors(doc, pred))
    assert kinds == ["boundary", "label", "missed", "spurious"]
    ctx = [e for e in classify_errors(doc, pred) if e.kind == "missed"][0].context
    assert "[100亿元]" in ctx


def test_evaluate_perfect_and_record_level():
    doc = make_doc()
    r = evaluate("x", [doc], {"d": doc.spans()})
    assert r.micro().f1 == 1.0 and r.micro("overlap").f1 == 1.0
    assert r.per_doc["d"].f1 == 1.0 and r.errors == []
    assert r.seqeval["micro avg"]["f1-score"] == pytest.approx(1.0)


def test_corpus_contexts_are_capped():
    doc = make_doc()
    doc.family = "news"
    r = evaluate("x", [doc], {"d": []}, corpus_context_cap=8)
    assert all(len(e.context) <= 8 + 2 for e in r.errors)


def test_long_corpus_entities_are_truncated_in_contexts():
    text = "甲" * 10 + "Example Widget Holdings Of Somewhere Limited" + "乙" * 10
    doc = GoldDoc("c", text, [GoldEntity(10, 54, "company")], family="news")
    r = evaluate("x", [doc], {"c": []}, corpus_context_cap=20)
    assert len(r.errors[0].context) <= 22


def test_reports_never_quote_the_shared_corpus(tmp_path):
    from zhaoshang_ner.evaluate import evaluate
    from zhaoshang_ner.gold import GoldDoc, GoldEntity, quotable
    from zhaoshang_ner.report import write_report

    assert quotable("001") and not quotable("c042")
    secret = "保密园区内有甲乙丙公司"
    docs = [GoldDoc("c042", secret, [GoldEntity(0, 4, "park"), GoldEntity(7, 11, "company")]),
            GoldDoc("001", "比亚迪在肇庆高新区", [GoldEntity(0, 3, "company"), GoldEntity(4, 9, "park")])]
    preds = {"a": {"c042": [(0, 4, "park")], "001": [(0, 3, "company")]},
             "b": {"c042": [(7, 11, "company")], "001": [(4, 9, "park")]}}
    results = [evaluate(name, docs, preds[name]) for name in ("a", "b")]
    md = write_report(results, tmp_path, title="t", docs=docs, predictions=preds).read_text(encoding="utf-8")
    assert not any(secret[i:i + 2] in md for i in range(len(secret) - 1))  # not even two characters
    assert "比亚迪" in md and "c042@" in md  # seeds are shown; corpus errors by offset only
