"""training.fold_compare: per-fold micro-F1 of two prediction files."""
import json

from zhaoshang_ner.gold import load_all
from training.fold_compare import main


def test_gold_against_nothing_differs_by_100_in_every_fold(tmp_path, capsys):
    docs, _ = load_all()
    gold, empty = tmp_path / "gold.jsonl", tmp_path / "empty.jsonl"
    gold.write_text("".join(json.dumps({"id": d.id, "model": d.spans()}) + "\n" for d in docs), encoding="utf-8")
    empty.write_text("".join(json.dumps({"id": d.id, "model": []}) + "\n" for d in docs), encoding="utf-8")
    assert main([str(gold), str(empty)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert rows
    assert sum(int(r.split("|")[2]) for r in rows) == len(docs)  # every document is in exactly one fold
    assert all(r.split("|")[3:6] == [" 100.0 ", " 0.0 ", " -100.0 "] for r in rows)
