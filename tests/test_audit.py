"""The consistency audit finds each kind of inconsistency, on invented documents."""
from __future__ import annotations

from zhaoshang_ner.audit import audit, findings_tsv, summary_markdown
from zhaoshang_ner.gold import GoldDoc, GoldEntity


def _doc(doc_id, text, spans):
    for s, e, _ in spans:
        assert text[s:e]
    return GoldDoc(doc_id, text, [GoldEntity(*sp) for sp in spans])


def test_each_kind_of_finding(tmp_path):
    a = _doc("a", "发展生物医药，引进比亚迪。", [(2, 6, "industry"), (9, 12, "company")])
    # 生物医药 unannotated; 比亚迪 labelled park; traditional 生物醫藥 inside a longer park span is fine
    b = _doc("b", "生物医药企业很多，比亚迪入驻深港生物醫藥產業園。",
             [(9, 12, "park"), (14, 23, "park")])
    c = _doc("c", "引进比亚迪电池。", [(2, 7, "company")])  # boundary variant of 比亚迪
    decisions = tmp_path / "DECISIONS.md"
    decisions.write_text("- 比亚迪 is a company wherever it is named (example: 比亚迪, doc a)\n", encoding="utf-8")
    found = audit([a, b, c], decisions)
    kinds = {(f.kind, f.doc, f.surface) for f in found}
    assert ("unannotated", "b", "生物医药") in kinds
    assert ("other-label", "b", "比亚迪") in kinds or ("other-label", "a", "比亚迪") in kinds
    assert ("boundary", "c", "比亚迪") in kinds
    assert not any(f.doc == "b" and f.start >= 14 and f.kind == "unannotated" for f in found)  # nested: fine
    assert all(b.text[f.start:f.end] or True for f in found)
    by = next(f for f in found if f.surface == "比亚迪" and f.kind == "boundary")
    assert by.ruling and "比亚迪" in by.ruling
    assert "unannotated" in summary_markdown(found) and findings_tsv(found).count("\n") == len(found) + 1


def test_a_consistent_gold_has_no_findings():
    a = _doc("a", "发展生物医药。", [(2, 6, "industry")])
    b = _doc("b", "生物医药集聚。", [(0, 4, "industry")])
    assert audit([a, b]) == []
