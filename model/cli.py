"""Command line: ``zhaoshang-ner predict|evaluate|validate|convert|stats|train``.

Errors a user can fix are one line on stderr and a non-zero exit (``--debug``
shows the traceback); results go to stdout, messages to stderr, so output can
be piped (``| head`` included) and redirected into a file.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from .labels import LABELS

log = logging.getLogger("zhaoshang_ner")

#: Exit codes: 1 = the job ran but found problems (validate), 2 = a usage or input error.
EXIT_PROBLEMS, EXIT_ERROR = 1, 2


class UserError(Exception):
    """An error the user can fix; printed as one line."""


def _engines() -> list[str]:
    from .api import ENGINES

    return list(ENGINES)


def _read_inputs(paths: list[str], encoding: str | None) -> list[tuple[str, str]]:
    from .readers import decode_bytes, read_document

    if not paths or paths == ["-"]:
        return [("<stdin>", decode_bytes(sys.stdin.buffer.read(), encoding, name="<stdin>").text)]
    return [(p, read_document(p, encoding).text) for p in paths]


def _table(name: str, record) -> str:
    lines = [f"== {name}  ({record.engine}, {record.text_length} chars, {len(record.entities)} entities)"]
    lines.append(f"{'label':<9}{'start':>7}{'end':>7}  {'score':>5}  {'value':>16}  text")
    for e in record.entities:
        if e.value is not None:
            val = f"{e.value:,.0f} {e.unit}" if e.value >= 100 else f"{e.value} {e.unit}"
        else:
            val = f"({e.value_note})" if e.value_note and e.value_note != "masked" else ""
        lines.append(f"{e.label:<9}{e.start:>7}{e.end:>7}  {e.score:>5.2f}  {val:>16}  {e.text}")
    lines.append("summary:")
    for key, values in record.summary.items():
        lines.append(f"  {key}: {'、'.join(values) if values else '-'}")
    return "\n".join(lines)


def cmd_predict(args: argparse.Namespace) -> int:
    from .api import predict_many
    from .schema import dumps

    engine = args.engine
    if args.model:
        from .neural import load_recognizer

        if engine not in (None, "model"):
            raise UserError(f"--model serves the model engine; drop --engine {engine}")
        engine = load_recognizer(args.model)
    inputs = _read_inputs(args.files, args.encoding)
    if args.workers > 1 and not isinstance(engine, (str, type(None))):
        raise UserError("--workers serves the shipped engines; drop --model or --workers")
    records = predict_many([t for _, t in inputs], engine=engine, lexicon=args.lexicon, workers=args.workers)
    for (name, _), rec in zip(inputs, records):
        if args.format == "table":
            print(_table(name, rec))
        else:
            d = rec.to_dict()
            d["source"] = name
            print(dumps(d))
    return 0


def _load_gold(spec: str, corpus_dir: Path | None, fmt: str | None):
    """'seeds', 'all' (the project's gold, in a repository checkout) or a user's annotation file."""
    from .gold import ANNOTATIONS, load_all, load_seeds

    if spec in ("seeds", "all"):
        if not ANNOTATIONS.is_dir():
            raise UserError(f"--gold {spec}: the project's gold annotations live in the source repository, "
                            "not in an installed package; pass your own file: --gold my.jsonl")
        return (load_seeds(), None) if spec == "seeds" else load_all(corpus_dir)
    from .formats import read_annotations

    return read_annotations(spec, fmt), None


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate
    from .report import predictions_for, terminal_summary, write_report

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in _engines()]
    if unknown or not engines:
        raise UserError(f"unknown engine(s) {', '.join(unknown) or '(none)'}: choose from {', '.join(_engines())}")
    if args.out and (args.out / "REPORT.md").exists() and not args.force:
        raise UserError(f"{args.out} already holds a report; pass --force to overwrite it")
    docs, note = _load_gold(args.gold, args.corpus_dir, args.gold_format)
    if note:
        log.warning("note: %s", note)
    preds, results = {}, []
    for engine in engines:
        preds[engine] = predictions_for(engine, docs, lexicon=args.lexicon)
        results.append(evaluate(engine, docs, preds[engine]))
    print(terminal_summary(results))
    if args.out:
        n_chars = sum(len(d.text) for d in docs)
        preface = (f"Gold: {len(docs)} documents, {n_chars} characters, "
                   f"{sum(len(d.entities) for d in docs)} entities ({args.gold}). "
                   "Engines are run as shipped: a trained model scored here has seen the project's own documents "
                   "in training; its honest score there is the cross-validated one (`python -m training.crossval`).")
        path = write_report(results, Path(args.out), title="zhaoshang-ner evaluation", docs=docs,
                            predictions=preds, preface=preface)
        log.warning("report written to %s", path)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import run

    return run(args.seeds, args.corpus, args.corpus_dir)


def cmd_convert(args: argparse.Namespace) -> int:
    """Any supported annotation format to any other, through one document shape."""
    from .formats import read_annotations, write_annotations

    docs = read_annotations(args.file, args.source_format)
    out = write_annotations(docs, args.to)
    if args.out:
        Path(args.out).write_text(out, encoding="utf-8")
        log.warning("%d document(s) written to %s", len(docs), args.out)
    else:
        sys.stdout.write(out)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from .stats import gold_stats_markdown

    docs, note = _load_gold(args.gold, args.corpus_dir, None)
    if note:
        log.warning("note: %s", note)
    print(gold_stats_markdown(docs))
    if args.agreement:
        from .stats import agreement_markdown

        print("\n### Inter-annotator agreement\n")
        print(agreement_markdown(docs, args.agreement))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from .audit import audit, findings_tsv, summary_markdown
    from .gold import ANNOTATIONS

    docs, note = _load_gold(args.gold, args.corpus_dir, None)
    if note:
        log.warning("note: %s", note)
    decisions = args.decisions or (ANNOTATIONS / "DECISIONS.md")
    findings = audit(docs, decisions)
    print(f"{len(findings)} finding(s) over {len(docs)} documents\n")
    print(summary_markdown(findings, limit=args.limit))
    if args.tsv:
        Path(args.tsv).write_text(findings_tsv(findings), encoding="utf-8")
        log.warning("every finding written to %s", args.tsv)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .finetune import finetune

    out = finetune(args.data, args.out, data_format=args.data_format, start_from=args.start_from,
                   epochs=args.epochs, max_steps=args.max_steps, force=args.force)
    log.warning("model written to %s; use it with: zhaoshang-ner predict --model %s FILE", out, out)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """One report as an HTML page: entities highlighted, project rows linked to their evidence."""
    from .api import predict
    from .readers import read_document
    from .show import write_html

    text = read_document(args.file, args.encoding).text
    record = predict(text, engine=args.engine, lexicon=args.lexicon)
    out = write_html(text, record, args.html, title=Path(args.file).name)
    log.warning("page written to %s (%d entities); open it in a browser", out, len(record.entities))
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    """Files, folders or globs to one table of project records (plus entities and documents)."""
    from .bulk import run_table

    progress = False if (args.no_progress or args.quiet) else None
    runner = {}
    if args.ray is not None:
        from .distributed import ray_runner

        if not args.debug:  # Ray's own INFO lines would drown the one summary line
            try:
                import ray.data  # noqa: F401  (it sets up its loggers on import: quiet them after)
            except ImportError:
                pass  # ray_runner says what to install
            for name in ("ray", "ray.data"):
                logging.getLogger(name).setLevel(logging.ERROR)
        if args.workers > 1:
            raise UserError("--workers is for one machine; on Ray, size the pool with --actors")
        runner = {"runner": ray_runner(args.ray or None, actors=args.actors, batch_size=args.batch_size,
                                       cpus_per_actor=args.cpus_per_actor, gpus_per_actor=args.gpus_per_actor)}
    elif args.workers > 1:
        from .parallel import pool_runner

        runner = {"runner": pool_runner(args.workers)}
    summary = run_table(args.inputs, args.out, engine=args.engine, resume=args.resume, encoding=args.encoding,
                        lexicon=args.lexicon, progress=progress, format=args.format, force=args.force, **runner)
    log.warning("%s", summary.line())
    return EXIT_PROBLEMS if summary.failed else 0


def _positive_int(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{s} must be at least 1")
    return n


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .formats import FORMATS

    ap = argparse.ArgumentParser(prog="zhaoshang-ner", description="Entities of Chinese investment-promotion reports: "
                                 + ", ".join(LABELS))
    ap.add_argument("--version", action="version", version=f"zhaoshang-ner {__version__}")
    ap.add_argument("--debug", action="store_true", help="show tracebacks and debug messages")
    ap.add_argument("--quiet", action="store_true", help="no messages on stderr except errors")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("predict", help="entities of files (or stdin) as JSON lines or a table")
    p.add_argument("files", nargs="*", help="text files (any common encoding); none or '-' reads stdin")
    p.add_argument("--engine", default=None, help="rules, model or ensemble; default: the shipped default engine")
    p.add_argument("--format", choices=["jsonl", "table"], default="jsonl")
    p.add_argument("--encoding", default=None, help="the files' encoding (default: BOM, else UTF-8, else detected)")
    p.add_argument("--lexicon", default=None, help="TSV of name<TAB>label the engines must know")
    p.add_argument("--model", default=None, help="a model folder of your own (from `zhaoshang-ner train`)")
    p.add_argument("--workers", type=_positive_int, default=1,
                   help="texts in this many processes (default 1; same output)")
    p.set_defaults(func=cmd_predict)

    e = sub.add_parser("evaluate", help="score engines on gold annotations and write a report")
    e.add_argument("--engines", default="rules", help="comma-separated, e.g. rules,model")
    e.add_argument("--gold", default="all",
                   help="'seeds', 'all' (the project's gold, in a source checkout) or your annotation file "
                        f"({', '.join(FORMATS)})")
    e.add_argument("--gold-format", choices=FORMATS, default=None, help="format of --gold FILE (default: guessed)")
    e.add_argument("--corpus-dir", type=Path, default=None)
    e.add_argument("--lexicon", default=None, help="TSV of name<TAB>label the engines must know")
    e.add_argument("--out", type=Path, default=None, help="folder for REPORT.md, scores.json and the chart")
    e.add_argument("--force", action="store_true", help="overwrite a report already in --out")
    e.set_defaults(func=cmd_evaluate)

    v = sub.add_parser("validate", help="check the project's gold annotation files")
    from .gold import CORPUS_JSONL, SEEDS_JSONL

    v.add_argument("--seeds", type=Path, default=SEEDS_JSONL)
    v.add_argument("--corpus", type=Path, default=CORPUS_JSONL)
    v.add_argument("--corpus-dir", type=Path, default=None)
    v.set_defaults(func=cmd_validate)

    c = sub.add_parser("convert", help="annotation files between formats: " + ", ".join(FORMATS))
    c.add_argument("file")
    c.add_argument("--from", dest="source_format", choices=FORMATS, default=None, help="default: guessed")
    c.add_argument("--to", choices=FORMATS, required=True)
    c.add_argument("--out", default=None, help="output file (default: stdout)")
    c.set_defaults(func=cmd_convert)

    st = sub.add_parser("stats", help="counts of gold annotations (Markdown)")
    st.add_argument("--gold", default="all", help="'seeds', 'all' or your annotation file")
    st.add_argument("--corpus-dir", type=Path, default=None)
    st.add_argument("--agreement", type=Path, default=None,
                    help="second annotator's standoff JSONL (annotations/iaa/second_annotator.jsonl)")
    st.set_defaults(func=cmd_stats)

    a = sub.add_parser("audit", help="consistency audit of gold annotations: one string, one ruling")
    a.add_argument("--gold", default="all", help="'seeds', 'all' or your annotation file")
    a.add_argument("--corpus-dir", type=Path, default=None)
    a.add_argument("--decisions", type=Path, default=None, help="rulings file (default: annotations/DECISIONS.md)")
    a.add_argument("--limit", type=int, default=30, help="surfaces listed per kind")
    a.add_argument("--tsv", type=Path, default=None, help="write every finding to this TSV")
    a.set_defaults(func=cmd_audit)

    t = sub.add_parser("train", help="fine-tune the classifier on your annotations")
    t.add_argument("--data", required=True, help=f"your annotation file ({', '.join(FORMATS)})")
    t.add_argument("--data-format", choices=FORMATS, default=None)
    t.add_argument("--out", type=Path, required=True, help="folder for the new model")
    t.add_argument("--from", dest="start_from", default="shipped",
                   help="'shipped' (continue from the shipped weights, keeping their feature tables) or a model folder")
    t.add_argument("--epochs", type=int, default=3)
    t.add_argument("--max-steps", type=int, default=None, help="stop early (a quick check)")
    t.add_argument("--force", action="store_true", help="overwrite a model already in --out")
    t.set_defaults(func=cmd_train)

    sh = sub.add_parser("show", help="one report as an HTML page: entities highlighted, project rows beside the text")
    sh.add_argument("file", help="a text file (any common encoding)")
    sh.add_argument("--html", required=True, help="the page to write, e.g. out.html")
    sh.add_argument("--engine", default=None, help="rules, model or ensemble; default: the shipped default engine")
    sh.add_argument("--encoding", default=None, help="the file's encoding (default: BOM, else UTF-8, else detected)")
    sh.add_argument("--lexicon", default=None, help="TSV of name<TAB>label the engines must know")
    sh.set_defaults(func=cmd_show)

    tb = sub.add_parser("table", help="files, folders or globs to one table of project records "
                                      "(CSV, JSONL, Excel, Parquet or SQLite)")
    tb.add_argument("inputs", nargs="+", metavar="INPUT",
                    help="files, folders (searched recursively for .txt .docx .pdf .html) or globs ('reports/**/*.txt')")
    tb.add_argument("--out", required=True,
                    help="the table to write: projects.csv, .jsonl, .xlsx, .parquet or .sqlite; CSV, JSONL and "
                         "Parquet put the entities and documents tables beside it (projects.entities.csv, ...); "
                         "a folder (out/) gets one Parquet dataset per table, in parts (for big runs)")
    tb.add_argument("--format", choices=["csv", "jsonl", "xlsx", "parquet", "sqlite", "parquet-dir"], default=None,
                    help="default: from the extension of --out; a folder (out/) is a partitioned Parquet dataset")
    tb.add_argument("--engine", default=None, help="rules, model or ensemble; default: the shipped default engine")
    tb.add_argument("--resume", action="store_true",
                    help="add to an existing --out, skipping documents already in it with the same text")
    tb.add_argument("--force", action="store_true", help="replace an existing --out")
    tb.add_argument("--encoding", default=None,
                    help="the text and HTML files' encoding (default: BOM, else UTF-8, else detected)")
    tb.add_argument("--lexicon", default=None, help="TSV of name<TAB>label the engines must know")
    tb.add_argument("--no-progress", action="store_true", help="no progress bar (there is none when stderr is not a terminal)")
    tb.add_argument("--workers", type=_positive_int, default=1,
                    help="documents in this many processes (default 1; same output)")
    ray = tb.add_argument_group("Ray (pip install \"zhaoshang-ner[ray]\")")
    ray.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                     help="run the documents on Ray: a cluster's address ('auto', 'ray://host:10001'), "
                          "or none for a local Ray instance; same output as without --ray")
    ray.add_argument("--actors", type=_positive_int, default=None,
                     help="recognisers in the Ray actor pool (default: cluster CPUs / --cpus-per-actor)")
    ray.add_argument("--batch-size", type=_positive_int, default=4, help="documents per Ray task (default 4)")
    ray.add_argument("--cpus-per-actor", type=float, default=1.0, help="CPUs reserved per actor (default 1)")
    ray.add_argument("--gpus-per-actor", type=float, default=0.0, help="GPUs per actor (default 0)")
    tb.set_defaults(func=cmd_table)
    return ap


def _configure_logging(debug: bool, quiet: bool) -> None:
    """Our own logger only: the user's logging (and jieba's, transformers') is left alone."""
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if debug else logging.ERROR if quiet else logging.INFO)
    log.propagate = False


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.debug, args.quiet)
    try:
        return args.func(args)
    except BrokenPipeError:
        # the reader (head, less) went away: stop quietly, as cat does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("zhaoshang-ner: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place errors become one line
        if args.debug:
            raise
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"zhaoshang-ner: error: {msg}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
