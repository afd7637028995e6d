"""training.ablations: one row per variant, the base's own delta left blank."""
import pytest

from zhaoshang_ner.gold import GoldDoc, GoldEntity
from training.ablations import table


def test_rows_score_each_variant_against_the_base():
    docs = [GoldDoc(f"d{i}", "比亚迪在肇庆高新区投资10亿元", [GoldEntity(0, 3, "company"), GoldEntity(4, 9, "park"),
                                                        GoldEntity(11, 15, "amount")]) for i in range(4)]
    base = {d.id: [(0, 3, "company"), (4, 9, "park")] for d in docs}
    better = {d.id: [(0, 3, "company"), (4, 9, "park"), (11, 15, "amount")] for d in docs}
    edges = {d.id: [(0, 2, "company"), (4, 9, "park"), (11, 15, "amount")] for d in docs}
    lines = table(docs, [("base", base), ("better", better), ("edges", edges)], base)
    rows = {line.split(" | ")[0].strip("| "): line for line in lines[2:]}
    assert "| – | – |" in rows["base"]
    assert "100.0 (100.0–100.0) | +20.00" in rows["better"] and "| 100% |" in rows["better"]
    assert rows["edges"].endswith("| 100% |")  # its one error is a wrong edge
    assert len(lines) == 5


def test_units_variant_cuts_areas_at_their_unit_like_the_decoder(tmp_path):
    import json

    from training.ablations import main, with_units

    text = "征地1000亩地，單價9000元/平方米"

    def at(piece, extra=0):
        return text.index(piece), text.index(piece) + len(piece) + extra

    docs = [GoldDoc("d0", text, [GoldEntity(*at("1000亩"), "area"), GoldEntity(*at("9000元"), "amount")])]
    preds = {"d0": [(*at("1000亩", 1), "area"), (*at("9000元"), "amount"), (*at("平方米"), "area")]}
    # the overrun area is cut back to its unit (in original offsets, through the traditional 單價);
    # the unit with no number is dropped; the amount stays
    assert with_units(docs, preds) == {"d0": [(*at("1000亩"), "area"), (*at("9000元"), "amount")]}
    path = tmp_path / "cv.jsonl"
    path.write_text(json.dumps({"id": "d0", "model": preds["d0"], "rules": []}) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="NAME=FILE"):
        main([str(path), f"u=units:{tmp_path / 'missing.jsonl'}"])


def test_vote_variant_keeps_what_most_members_found(tmp_path):
    import json

    from training.ablations import variant_predictions

    text = "比亚迪在肇庆高新区投资10亿元"
    docs = [GoldDoc("d0", text, [GoldEntity(0, 3, "company"), GoldEntity(4, 9, "park"), GoldEntity(11, 15, "amount")])]
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps({"id": "d0", "model": [[0, 3, "company"], [4, 9, "park"]],
                             "rules": [[4, 9, "park"], [11, 15, "amount"]]}) + "\n", encoding="utf-8")
    b.write_text(json.dumps({"id": "d0", "model": [[0, 3, "company"], [11, 15, "amount"]], "rules": []}) + "\n",
                 encoding="utf-8")
    # every span here has two votes of three; the rules member is the base file's rule spans
    assert variant_predictions(f"vote:{a},{b},rules", docs, a) == {
        "d0": [(0, 3, "company"), (4, 9, "park"), (11, 15, "amount")]}
    assert variant_predictions(f"vote:{a},{b}", docs, a) == {"d0": [(0, 3, "company")]}
    with pytest.raises(SystemExit, match="two members"):
        variant_predictions(f"vote:{a}", docs, a)
