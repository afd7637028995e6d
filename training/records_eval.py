"""Score project-record extraction against annotations/records.jsonl.

    python -m training.records_eval [--engines rules,model] [--json reports/records_eval.json]

Prints, per source group (the corpus repository, "seeds" for the five seeds) and
overall, record-level P/R/F1 and per-link F1 (company->park, ->amount with role,
->area with role, ->industry; matching rule in ``zhaoshang_ner.records_eval``):

* ``gold entities``: the linker alone, fed each document's gold entity spans;
* ``end-to-end <engine>``: entities predicted by the engine, then linked.

The records gold is validated against the entity gold first; a broken gold stops
the run with the list of problems.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from zhaoshang_ner.gold import default_corpus_dir, load_all
from zhaoshang_ner.records_eval import (RECORDS_JSONL, format_table, gold_record_of, iter_gold, load_records,
                                        score_records, validate_records)

from .crossval import source_groups


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=Path, default=RECORDS_JSONL, help="records gold (JSONL)")
    ap.add_argument("--engines", default="rules", help="comma-separated engines for end-to-end scores")
    ap.add_argument("--json", type=Path, default=None, help="also write the scores here as JSON")
    args = ap.parse_args(argv)

    from zhaoshang_ner.projects import extract_projects

    docs, note = load_all()
    if note:
        print(f"note: {note}", file=sys.stderr)
    rdocs = load_records(args.records)
    problems = validate_records(rdocs, docs)
    if problems:
        print("records gold does not match the entity gold:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    gold = iter_gold(rdocs)
    by_id = {d.id: d for d in docs}
    scored = [by_id[i] for i in gold if i in by_id]
    groups = dict(zip((d.id for d in scored), source_groups(scored, default_corpus_dir())))
    print(f"records gold: {len(gold)} documents, {sum(map(len, gold.values()))} records\n")

    results = {}
    pred = {d.id: extract_projects(d.text, gold_record_of(d)) for d in scored}
    results["gold entities"] = score_records(gold, pred, groups)
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        pred = {d.id: extract_projects(d.text, engine=engine) for d in scored}
        results[f"end-to-end {engine}"] = score_records(gold, pred, groups)
    for title, scores in results.items():
        print(format_table(scores, f"== {title}  (F1; link columns show gold link counts)"))
        print()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({t: {g: s.as_dict() for g, s in sc.items()} for t, sc in results.items()},
                                        ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
