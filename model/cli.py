"""Command line: ``zhaoshang-ner predict|evaluate|validate``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .labels import LABELS


def _read_inputs(paths: list[str]) -> list[tuple[str, str]]:
    if not paths or paths == ["-"]:
        return [("<stdin>", sys.stdin.read())]
    out = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise SystemExit(f"zhaoshang-ner: {p}: no such file")
        try:
            out.append((p, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError as exc:
            raise SystemExit(f"zhaoshang-ner: {p} is not UTF-8 text ({exc.reason}); convert it first, e.g. iconv -f GBK -t UTF-8")
    return out


def _table(name: str, record) -> str:
    lines = [f"== {name}  ({record.engine}, {record.text_length} chars, {len(record.entities)} entities)"]
    lines.append(f"{'label':<9}{'start':>7}{'end':>7}  {'score':>5}  {'value':>16}  text")
    for e in record.entities:
        val = "" if e.value is None else (f"{e.value:,.0f} {e.unit}" if e.value >= 100 else f"{e.value} {e.unit}")
        lines.append(f"{e.label:<9}{e.start:>7}{e.end:>7}  {e.score:>5.2f}  {val:>16}  {e.text}")
    lines.append("summary:")
    for key, values in record.summary.items():
        lines.append(f"  {key}: {'、'.join(values) if values else '-'}")
    return "\n".join(lines)


def cmd_predict(args: argparse.Namespace) -> int:
    from .api import predict_many

    inputs = _read_inputs(args.files)
    records = predict_many([t for _, t in inputs], engine=args.engine)
    for (name, _), rec in zip(inputs, records):
        if args.format == "table":
            print(_table(name, rec))
        else:
            d = rec.to_dict()
            d["source"] = name
            print(json.dumps(d, ensure_ascii=False))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate
    from .gold import load_all, load_seeds
    from .report import predictions_for, terminal_summary, write_report

    if args.gold == "seeds":
        docs, note = load_seeds(), None
    else:
        docs, note = load_all(args.corpus_dir)
    if note:
        print(f"note: {note}", file=sys.stderr)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    preds, results = {}, []
    for engine in engines:
        preds[engine] = predictions_for(engine, docs)
        results.append(evaluate(engine, docs, preds[engine]))
    print(terminal_summary(results))
    if args.out:
        n_chars = sum(len(d.text) for d in docs)
        preface = (f"Gold: {len(docs)} documents, {n_chars} characters, "
                   f"{sum(len(d.entities) for d in docs)} entities ({args.gold}). "
                   "Engines are run as shipped: a trained model scored here has seen these documents "
                   "in training; its honest score is the cross-validated one (`python -m training.crossval`).")
        path = write_report(results, Path(args.out), title="zhaoshang-ner evaluation", docs=docs,
                            predictions=preds, preface=preface)
        print(f"report written to {path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import main

    return main(args.rest)


def cmd_convert(args: argparse.Namespace) -> int:
    """Span JSONL (seeds format, text inline) <-> character-level CoNLL BIO."""
    from .bio import conll_to_docs, doc_to_conll

    data = Path(args.file).read_text(encoding="utf-8")
    if args.to == "conll":
        for line in data.splitlines():
            if line.strip():
                d = json.loads(line)
                if "text" not in d:
                    raise SystemExit("zhaoshang-ner: standoff records carry no text; convert seeds-style JSONL only")
                spans = [(e["start"], e["end"], e["label"]) for e in d["entities"]]
                sys.stdout.write(doc_to_conll(d["id"], d["text"], spans))
    else:
        for doc_id, text, spans in conll_to_docs(data):
            ents = [{"start": s, "end": e, "label": lab, "text": text[s:e]} for s, e, lab in spans]
            print(json.dumps({"id": doc_id, "text": text, "entities": ents}, ensure_ascii=False))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from .gold import load_all
    from .stats import gold_stats_markdown

    docs, note = load_all(args.corpus_dir)
    if note:
        print(f"note: {note}", file=sys.stderr)
    print(gold_stats_markdown(docs))
    if args.agreement:
        from .stats import agreement_markdown

        print("\n### Inter-annotator agreement\n")
        print(agreement_markdown(docs, args.agreement))
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="zhaoshang-ner", description="Entities of Chinese investment-promotion reports: "
                                 + ", ".join(LABELS))
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict", help="entities of files (or stdin) as JSON lines or a table")
    p.add_argument("files", nargs="*", help="UTF-8 text files; none or '-' reads stdin")
    p.add_argument("--engine", choices=["rules", "model"], default=None, help="default: the shipped model if present")
    p.add_argument("--format", choices=["jsonl", "table"], default="jsonl")
    p.set_defaults(func=cmd_predict)
    e = sub.add_parser("evaluate", help="score engines on the gold annotations and write a report")
    e.add_argument("--engines", default="rules", help="comma-separated, e.g. rules,model")
    e.add_argument("--gold", choices=["seeds", "all"], default="all",
                   help="seeds only, or seeds plus the annotated corpus where ../shared/corpus is present")
    e.add_argument("--corpus-dir", type=Path, default=None)
    e.add_argument("--out", type=Path, default=None, help="folder for REPORT.md, scores.json and the chart")
    e.set_defaults(func=cmd_evaluate)
    v = sub.add_parser("validate", help="check the gold annotation files")
    v.add_argument("rest", nargs=argparse.REMAINDER)
    v.set_defaults(func=cmd_validate)
    c = sub.add_parser("convert", help="span JSONL <-> character-level BIO (CoNLL-style), lossless")
    c.add_argument("file")
    c.add_argument("--to", choices=["conll", "jsonl"], required=True)
    c.set_defaults(func=cmd_convert)
    st = sub.add_parser("stats", help="counts of the gold annotations (Markdown)")
    st.add_argument("--corpus-dir", type=Path, default=None)
    st.add_argument("--agreement", type=Path, default=None,
                    help="second annotator's standoff JSONL (annotations/iaa/second_annotator.jsonl)")
    st.set_defaults(func=cmd_stats)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
