"""training.ablations: one row per variant, the base's own delta left blank."""
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
