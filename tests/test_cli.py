import io
import json
import sys

from zhaoshang_ner.cli import main
from tests.conftest import SEED_001


def test_predict_file_as_jsonl(capsys):
    assert main(["predict", str(SEED_001), "--engine", "rules"]) == 0
    rec = json.loads(capsys.readouterr().out.splitlines()[0])
    assert rec["engine"] == "rules" and rec["source"] == str(SEED_001)
    assert any(e["text"] == "192.8亿元" and e["value"] == 19_280_000_000 for e in rec["entities"])


def test_predict_stdin_as_table(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("肇庆高新区项目总投资16亿元，占地512亩。".encode("utf-8"))))
    assert main(["predict", "--engine", "rules", "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "amount" in out and "16亿元" in out and "parks: 肇庆高新区" in out


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["predict", str(tmp_path / "nope.txt")]) == 2
    assert "no such file" in capsys.readouterr().err
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("肇庆高新区项目总投资16亿元。".encode("gbk"))
    assert main(["predict", "--engine", "rules", str(gbk)]) == 0  # detected, not rejected
    assert "16亿元" in capsys.readouterr().out


def test_evaluate_writes_report(tmp_path, capsys):
    assert main(["evaluate", "--engines", "rules", "--gold", "seeds", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "micro" in out
    report = (tmp_path / "REPORT.md").read_text(encoding="utf-8")
    assert "seqeval" in report and "| company |" in report and "missed" in report
    assert (tmp_path / "f1_by_label.png").stat().st_size > 1000
    scores = json.loads((tmp_path / "scores.json").read_text(encoding="utf-8"))
    assert 0 < scores["rules"]["strict"]["micro"]["f1"] <= 1


def test_validate_command(capsys):
    assert main(["validate"]) == 0
    assert "0 problem(s)" in capsys.readouterr().out


def test_convert_round_trip(tmp_path, capsys):
    from zhaoshang_ner.gold import SEEDS_JSONL

    assert main(["convert", str(SEEDS_JSONL), "--to", "conll"]) == 0
    conll = capsys.readouterr().out
    f = tmp_path / "seeds.conll"
    f.write_text(conll, encoding="utf-8")
    assert main(["convert", str(f), "--to", "jsonl"]) == 0
    back = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    orig = [json.loads(x) for x in SEEDS_JSONL.read_text(encoding="utf-8").splitlines()]
    assert [(b["id"], b["text"], b["entities"]) for b in back] == [(o["id"], o["text"], o["entities"]) for o in orig]
