"""Users' own annotations: doccano, Label Studio, CoNLL and this project's JSONL, round trips and errors."""
from __future__ import annotations

import json

import pytest

from zhaoshang_ner.cli import main
from zhaoshang_ner.formats import FORMATS, FormatError, read_annotations, write_annotations

TEXT_A = "澜沧江光电在苍山智造谷投资5亿元，占地120亩。"
TEXT_B = "发展新能源汽车产业。"
SPANS_A = [(0, 5, "company"), (6, 11, "park"), (13, 16, "amount"), (19, 23, "area")]
SPANS_B = [(2, 7, "industry")]


def _doccano(path):
    rows = [{"id": 1, "text": TEXT_A, "label": [[s, e, lab] for s, e, lab in SPANS_A]},
            {"id": 2, "text": TEXT_B, "label": [[2, 7, "产业"]]}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_spans_of_the_fixture_are_what_they_say():
    assert [TEXT_A[s:e] for s, e, _ in SPANS_A] == ["澜沧江光电", "苍山智造谷", "5亿元", "120亩"]
    assert TEXT_B[2:7] == "新能源汽车"


def test_doccano_is_guessed_and_chinese_labels_map(tmp_path):
    docs = read_annotations(_doccano(tmp_path / "d.jsonl"))
    assert [d.spans() for d in docs] == [SPANS_A, SPANS_B]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips(tmp_path, fmt):
    docs = read_annotations(_doccano(tmp_path / "d.jsonl"))
    ext = {"conll": ".conll", "labelstudio": ".json"}.get(fmt, ".jsonl")
    out = tmp_path / f"out{ext}"
    out.write_text(write_annotations(docs, fmt), encoding="utf-8")
    back = read_annotations(out, fmt)
    assert [(d.text, d.spans()) for d in back] == [(d.text, d.spans()) for d in docs]
    assert read_annotations(out)[0].spans() == SPANS_A  # and the format is guessed from the file


def test_newer_doccano_entities_form(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"text": TEXT_B, "entities": [{"start_offset": 2, "end_offset": 7, "label": "industry"}]},
                            ensure_ascii=False) + "\n", encoding="utf-8")
    assert read_annotations(p)[0].spans() == SPANS_B


@pytest.mark.parametrize("row,words", [
    ({"text": TEXT_B, "label": [[2, 7, "sector"]]}, "label 'sector'"),
    ({"text": TEXT_B, "label": [[2, 99, "industry"]]}, "not inside"),
    ({"text": TEXT_B, "label": [[0, 5, "industry"], [3, 7, "industry"]]}, "overlap"),
    ({"label": [[0, 1, "industry"]]}, "no text"),
])
def test_bad_records_name_file_and_line(tmp_path, row, words):
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps({"text": TEXT_A, "label": []}, ensure_ascii=False) + "\n"
                 + json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=words) as exc:
        read_annotations(p, "doccano")
    assert f"{p}:2" in str(exc.value)


def test_cli_convert_and_evaluate_on_a_users_file(tmp_path, capsys):
    src = _doccano(tmp_path / "d.jsonl")
    ls = tmp_path / "ls.json"
    assert main(["convert", str(src), "--to", "labelstudio", "--out", str(ls)]) == 0
    tasks = json.loads(ls.read_text(encoding="utf-8"))
    assert tasks[0]["annotations"][0]["result"][0]["value"]["labels"] == ["company"]
    assert main(["convert", str(ls), "--to", "conll"]) == 0
    assert "B-company" in capsys.readouterr().out
    assert main(["evaluate", "--engines", "rules", "--gold", str(src), "--out", str(tmp_path / "rep")]) == 0
    assert "micro" in capsys.readouterr().out
    assert (tmp_path / "rep" / "REPORT.md").is_file()


def test_evaluate_on_a_missing_file_is_one_line(tmp_path, capsys):
    assert main(["evaluate", "--gold", str(tmp_path / "none.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
