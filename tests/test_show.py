"""The HTML page of one report: marks, escaping, offsets, evidence links, the CLI."""
import html
import re

import pytest

from zhaoshang_ner.schema import Entity, Record
from zhaoshang_ner.show import format_value, render_html, render_text

from tests.conftest import SEED_001


def _record(text, spans):
    ents = [Entity(label, s, e, text[s:e], text[s:e]) for label, s, e in spans]
    return Record(engine="test", text_length=len(text), entities=ents)


def test_each_entity_is_in_a_mark_with_its_label_class():
    text = "广东瑞庆时代新能源科技有限公司落户肇庆高新区，总投资10亿元，占地100亩。"
    spans = [("company", 0, 15), ("park", 17, 22), ("amount", 26, 30), ("area", 33, 37)]
    page = render_html(text, _record(text, spans), projects=[])
    for label, s, e in spans:
        assert re.search(rf'<mark class="ent ent-{label}"[^>]*data-start="{s}" data-end="{e}"[^>]*>'
                         rf"{re.escape(text[s:e])}</mark>", page), label


def test_text_is_escaped_and_offsets_still_hold():
    text = "<script>alert(1)</script> A&B公司 签约 x<y"
    s = text.index("A&B公司")
    page = render_html(text, _record(text, [("company", s, s + 5)]), title="<t>", projects=[])
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert ">A&amp;B公司</mark>" in page
    assert "x&lt;y" in page and "<title>&lt;t&gt;" in page
    body = render_text(text, _record(text, [("company", s, s + 5)]).entities)
    assert html.unescape(re.sub(r"<[^>]+>", "", body)) == text  # nothing lost or added


def test_overlapping_entities_never_break_the_markup():
    text = "肇庆高新区新能源汽车产业园"
    body = render_text(text, _record(text, [("park", 0, 13), ("industry", 5, 10)]).entities)
    assert body.count("<mark") == body.count("</mark>") == 1


def test_evidence_spans_are_anchors_the_rows_link_to():
    pytest.importorskip("zhaoshang_ner.projects")
    from zhaoshang_ner.api import predict
    from zhaoshang_ner.projects import extract_projects

    text = SEED_001.read_text(encoding="utf-8")
    record = predict(text, engine="rules")
    projects = extract_projects(text, record)
    assert projects
    page = render_html(text, record, projects=projects)
    for k, p in enumerate(projects):
        assert f'href="#ev-{k}"' in page
        assert f'id="ev-{k}"' in page


def test_values_are_written_as_reports_write_them():
    assert format_value(19_280_000_000, "CNY") == "192.8亿元"
    assert format_value(341_333.3, "m2") == "34.13万平方米"
    assert format_value(None, "CNY", note="masked") == "(masked)"


def test_cli_show_writes_a_page(tmp_path):
    from zhaoshang_ner.cli import main

    out = tmp_path / "out.html"
    assert main(["--quiet", "show", str(SEED_001), "--html", str(out), "--engine", "rules"]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'class="ent ent-park"' in page
    assert ">肇庆高新区</mark>" in page


def test_cli_show_missing_folder_is_one_line(tmp_path, capsys):
    from zhaoshang_ner.cli import main

    assert main(["show", str(SEED_001), "--html", str(tmp_path / "no" / "out.html"), "--engine", "rules"]) == 2
    assert "does not exist" in capsys.readouterr().err
