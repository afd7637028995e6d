"""Grouped cross-validation of the rules and the model, with a learning curve.

    python -m training.crossval --config training/configs/final.json --out reports/crossval

Folds never share a source (the repository a corpus document came from, in
the corpus's SOURCES.tsv; the five seeds form one source), so the score says
how the model does on a kind of report it has never seen. Without the shared
corpus it falls back, with a message, to leave-one-document-out over the seeds.
The rules need no training; they are scored on the same documents, so the two
columns of the report compare like with like.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path
from typing import Sequence

from zhaoshang_ner.evaluate import EngineResult, boundary_share, bootstrap_ci, evaluate, paired_bootstrap_diff
from zhaoshang_ner.gold import GoldDoc, default_corpus_dir, load_all
from zhaoshang_ner.normalize import normalize
from zhaoshang_ner.report import predictions_for, terminal_summary, write_report
from zhaoshang_ner.splits import grouped_folds, leave_one_out

from .config import TrainConfig

Span = tuple[int, int, str]


#: Outlets that several repositories carry (SOURCES.tsv ``doc_type`` names them): one group each,
#: so no fold trains on one copy of an outlet and tests on another.
OUTLETS = {"新闻联播": "outlet:CCTV 新闻联播", "Wikipedia": "outlet:Wikipedia"}

#: The corpus releases: v1 (seeds + c001-c062, 6 repositories) and v2 (c063-c114, 22 new ones).
V2_FIRST = "c063"


def source_groups(docs: Sequence[GoldDoc], corpus_dir: Path) -> list[str]:
    """The outlet each document comes from: its repository (merged where one outlet has several), or "seeds"."""
    repos: dict[str, str] = {}
    tsv = corpus_dir / "SOURCES.tsv"
    if tsv.is_file():
        lines = tsv.read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t")
        for line in lines[1:]:
            row = dict(zip(header, line.split("\t")))
            outlet = next((o for key, o in OUTLETS.items() if key in row.get("doc_type", "")), None)
            repos[row["id"]] = outlet or row["repo"]
    return [repos.get(d.id, "seeds") for d in docs]


def make_folds(docs: Sequence[GoldDoc], corpus_dir: Path, k: int,
               scheme: str = "outlet") -> tuple[list[tuple[list[str], list[str]]], str]:
    ids = [d.id for d in docs]
    groups = source_groups(docs, corpus_dir)
    if scheme == "release":
        # train on one corpus release, test on the other: the v2 outlets are all new to v1
        v2 = [i for i in ids if i.startswith("c") and i >= V2_FIRST]
        v1 = [i for i in ids if i not in set(v2)]
        by = dict(zip(ids, groups))
        shared = {by[i] for i in v1} & {by[i] for i in v2}
        if not v2 or shared:
            raise SystemExit(f"release folds need v2 documents from outlets not in v1 (shared: {sorted(shared)})")
        return [(v1, v2), (v2, v1)], (f"two folds by corpus release: v1 ({len(v1)} docs, "
                                      f"{len({by[i] for i in v1})} outlets) and v2 ({len(v2)} docs, "
                                      f"{len({by[i] for i in v2})} outlets), no outlet in both")
    if len(set(groups)) < 2:
        return list(leave_one_out(ids)), "leave-one-document-out (one source only)"
    k = min(k, len(set(groups)))
    return grouped_folds(ids, groups, k), f"grouped {k}-fold by outlet"


def read_predictions(path: Path, engine: str = "model") -> dict[str, list[Span]]:
    """One engine's spans per document from a ``cv_predictions*.jsonl`` file this module wrote."""
    rows = [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]
    return {r["id"]: [tuple(s) for s in r[engine]] for r in rows}


def recognizer_scored(rec, docs: Sequence[GoldDoc]) -> dict[str, list[tuple[int, int, str, float]]]:
    """Original-offset spans with scores of a recogniser on ``docs`` (the same path as predict())."""
    norms = [normalize(d.text) for d in docs]
    out = {}
    for d, n, spans in zip(docs, norms, rec.predict_spans([n.text for n in norms])):
        out[d.id] = [(*n.to_original(s, e), label, score) for s, e, label, score in spans]
    return out


def recognizer_predictions(rec, docs: Sequence[GoldDoc]) -> dict[str, list[Span]]:
    """Original-offset spans of a :class:`zhaoshang_ner.neural.Recognizer` on ``docs`` (the same path as predict())."""
    return {i: [s[:3] for s in spans] for i, spans in recognizer_scored(rec, docs).items()}


def model_predictions(model, vocab: dict[str, int], docs: Sequence[GoldDoc]) -> dict[str, list[Span]]:
    """Spans of an in-memory model on ``docs``."""
    from zhaoshang_ner.neural import Recognizer

    return recognizer_predictions(Recognizer.from_model(model, vocab), docs)


def held_out(docs: Sequence[GoldDoc], folds, load, *, scored: bool = False,
             clock=time.perf_counter) -> tuple[dict[str, list], float]:
    """Each fold's recogniser (``load(i)``) on that fold's test documents, and the seconds spent tagging.

    ``clock``: wall time by default; ``time.process_time`` counts CPU seconds of all threads.
    The one loop behind every "score saved fold models" script (window and
    serving checks, bf16, the combiner), so they all tag the same documents
    the same way; loading is not timed.
    """
    by_id = {d.id: d for d in docs}
    tag = recognizer_scored if scored else recognizer_predictions
    preds: dict[str, list] = {}
    seconds = 0.0
    for i, (_, test_ids) in enumerate(folds):
        rec = load(i)
        t0 = clock()
        preds.update(tag(rec, [by_id[x] for x in test_ids]))
        seconds += clock() - t0
    return preds, seconds


def fold_model_predictions(models_dir: Path, docs: Sequence[GoldDoc], folds, **recognizer_kwargs) -> dict[str, list[Span]]:
    """Held-out predictions of fold models saved by ``--keep-models`` (no training)."""
    from zhaoshang_ner.neural import Recognizer

    return held_out(docs, folds, lambda i: Recognizer(Path(models_dir) / f"fold{i}", **recognizer_kwargs))[0]


def run_folds(cfg: TrainConfig, docs: Sequence[GoldDoc], folds, *, log, fraction: float = 1.0,
              keep_dir: Path | None = None) -> dict[str, list[Span]]:
    from zhaoshang_ner.neural import read_vocab

    from .train import train

    by_id = {d.id: d for d in docs}
    vocab = read_vocab(Path(cfg.base_model))
    preds: dict[str, list[Span]] = {}
    cfg = TrainConfig(**{**cfg.to_dict(), "train_fraction": fraction})
    for i, (train_ids, test_ids) in enumerate(folds):
        t0 = time.time()
        model = train(cfg, [by_id[x] for x in train_ids], keep_dir / f"fold{i}" if keep_dir else None,
                      log=lambda line: log(f"fold {i} f={fraction}: {line}"))
        preds.update(model_predictions(model, vocab, [by_id[x] for x in test_ids]))
        log(f"fold {i} f={fraction}: {len(train_ids)} train / {len(test_ids)} test docs, {time.time() - t0:.0f}s")
    return preds


def curve_section(points: list[dict], rules_f1: float, out_dir: Path) -> str:
    # a Figure of its own: no pyplot state, no backend switch in the caller's process
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.6))
    ax = fig.subplots()
    xs = [p["train_chars"] for p in points]
    ax.plot(xs, [p["micro_f1"] for p in points], "o-", label="model")
    ax.axhline(rules_f1, color="grey", ls="--", label="rules (no training)")
    ax.set_xlabel("characters of training text (mean per fold)")
    ax.set_ylabel("strict micro-F1 (grouped CV)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "learning_curve.png", dpi=110)
    rows = ["| share of training docs | training chars (mean per fold) | model micro-F1 | rules micro-F1 |",
            "|---|---|---|---|"]
    rows += [f"| {p['fraction']:.0%} | {p['train_chars']:.0f} | {100 * p['micro_f1']:.1f} | {100 * rules_f1:.1f} |"
             for p in points]
    return "## Learning curve\n\n" + "\n".join(rows) + "\n\n![learning curve](learning_curve.png)\n"


def f1_table(rows: list[tuple[str, EngineResult]], first_column: str) -> list[str]:
    """Markdown rows: one result per line, strict F1 per label and micro."""
    from zhaoshang_ner.labels import LABELS

    out = [f"| {first_column} | " + " | ".join(LABELS) + " | micro |", "|---|" + "---|" * (len(LABELS) + 1)]
    for name, r in rows:
        out.append(f"| {name} | " + " | ".join(f"{100 * r.strict[lab].f1:.1f}" for lab in LABELS)
                   + f" | **{100 * r.micro().f1:.1f}** |")
    return out


def variants_section(rows: list[tuple[str, EngineResult]]) -> str:
    return "\n".join(["## Variants on the same folds (strict F1)", "", *f1_table(rows, "variant")]) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--scheme", choices=["outlet", "release"], default="outlet",
                    help="outlet: k folds grouped by outlet; release: train on corpus v1, test on v2, and back")
    ap.add_argument("--curve", default="0.25,0.5,0.75", help="training shares for the learning curve ('' = none)")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=CONFIG",
                    help="also score another config on the same folds (repeatable)")
    ap.add_argument("--reuse-predictions", type=Path, default=None,
                    help="cv_predictions.jsonl of an earlier run of the same config and folds (skip retraining it)")
    ap.add_argument("--curve-from", type=Path, default=None,
                    help="learning_curve.json of an earlier run (re-render the report without retraining)")
    ap.add_argument("--keep-models", type=Path, default=None,
                    help="save each fold's model of the main config here (to score inference settings later)")
    ap.add_argument("--from-models", type=Path, default=None,
                    help="fold models saved by an earlier --keep-models run of the same config (predict, do not train)")
    ap.add_argument("--base-model", default=None)
    ap.add_argument("--corpus-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    cfg = TrainConfig.from_file(args.config, base_model=args.base_model)
    corpus_dir = args.corpus_dir or default_corpus_dir()
    docs, note = load_all(corpus_dir)
    if note:
        print(f"note: {note}", file=sys.stderr)
    folds, scheme = make_folds(docs, corpus_dir, args.folds, args.scheme)
    args.out.mkdir(parents=True, exist_ok=True)
    # the exact command, so the model card and README can quote what produced these figures
    (args.out / "command.txt").write_text(
        "python -m training.crossval " + shlex.join(argv if argv is not None else sys.argv[1:]) + "\n", encoding="utf-8")
    logf = open(args.out / "crossval_log.jsonl", "w", encoding="utf-8")

    def log(line: str) -> None:
        print(line, file=sys.stderr)
        logf.write(json.dumps({"t": round(time.time()), "msg": line}, ensure_ascii=False) + "\n")
        logf.flush()

    log(f"{scheme}: " + json.dumps([sorted(test) for _, test in folds]))
    t0 = time.time()
    preds = {"rules": predictions_for("rules", docs)}
    if args.reuse_predictions:
        # the main config's fold predictions from an earlier run on the same folds
        preds["model"] = read_predictions(args.reuse_predictions)
        log(f"reusing model fold predictions from {args.reuse_predictions}")
    elif args.from_models:
        preds["model"] = fold_model_predictions(args.from_models, docs, folds)
        log(f"model fold predictions from the fold models in {args.from_models}")
    else:
        preds["model"] = run_folds(cfg, docs, folds, log=log, keep_dir=args.keep_models)
    results = [evaluate(name, docs, preds[name]) for name in ("rules", "model")]
    ci = bootstrap_ci(docs, preds["rules"], preds["model"])
    dlo, dhi, win = paired_bootstrap_diff(docs, preds["rules"], preds["model"])
    ci_line = (f"Document-bootstrap 95% intervals of strict micro-F1 (1,000 resamples): rules "
               f"{100 * ci[0][0]:.1f}-{100 * ci[0][1]:.1f}, model {100 * ci[1][0]:.1f}-{100 * ci[1][1]:.1f}; "
               f"model minus rules {100 * dlo:+.1f} to {100 * dhi:+.1f} (model ahead in {100 * win:.0f}% of resamples). "
               f"Boundary errors' share of all errors: rules {100 * boundary_share(results[0]):.0f}%, "
               f"model {100 * boundary_share(results[1]):.0f}%.")
    log(ci_line)
    extra = []
    variant_rows = [("model (this config)", results[1])]
    for spec in args.variant:
        name, path = spec.split("=", 1)
        vcfg = TrainConfig.from_file(path, base_model=args.base_model)
        vpreds = run_folds(vcfg, docs, folds, log=log)
        variant_rows.append((name, evaluate(name, docs, vpreds)))
        (args.out / "variants.md").write_text(variants_section(variant_rows), encoding="utf-8")
        with open(args.out / f"cv_predictions_{name}.jsonl", "w", encoding="utf-8") as fh:
            for d in docs:
                fh.write(json.dumps({"id": d.id, "model": vpreds[d.id]}) + "\n")
    if len(variant_rows) > 1:
        extra.append(variants_section(variant_rows))
    fractions = [float(x) for x in args.curve.split(",") if x.strip()]
    if args.curve_from:
        points = json.loads(args.curve_from.read_text(encoding="utf-8"))
        extra.append(curve_section(points, results[0].micro().f1, args.out))
        if args.curve_from.resolve() != (args.out / "learning_curve.json").resolve():
            (args.out / "learning_curve.json").write_text(json.dumps(points, indent=1), encoding="utf-8")
    elif fractions:
        points = []
        by_id = {d.id: len(d.text) for d in docs}
        for f in fractions + [1.0]:
            p = preds["model"] if f == 1.0 else run_folds(cfg, docs, folds, log=log, fraction=f)
            chars = sum(sum(by_id[x] for x in tr) * f for tr, _ in folds) / len(folds)
            points.append({"fraction": f, "train_chars": chars, "micro_f1": evaluate("m", docs, p).micro().f1})
        extra.append(curve_section(points, results[0].micro().f1, args.out))
        (args.out / "learning_curve.json").write_text(json.dumps(points, indent=1), encoding="utf-8")
    if args.reuse_predictions:
        origin = (f"Model fold predictions reused from `{args.reuse_predictions}` (their training log: "
                  "`crossval_log.jsonl` beside them). ")
    elif args.from_models:
        origin = f"Model fold predictions from the fold models kept in `{args.from_models}` by an earlier `--keep-models` run. "
    else:
        origin = f"Wall time {(time.time() - t0) / 60:.0f} min. "
    preface = (f"{scheme} over {len(docs)} gold documents ({sum(len(d.text) for d in docs)} characters"
               + (f"; {note}" if note else "") + f"). Model config: `{args.config}` "
               f"({json.dumps(cfg.to_dict(), ensure_ascii=False)}). {origin}"
               "Rules are scored on the same documents (they are not trained). " + ci_line)
    write_report(results, args.out, title="Cross-validated evaluation: rules vs model", docs=docs,
                 predictions=preds, preface=preface, extra_sections=extra)
    with open(args.out / "cv_predictions.jsonl", "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps({"id": d.id, "model": preds["model"][d.id], "rules": preds["rules"][d.id]}) + "\n")
    print(terminal_summary(results))
    print(ci_line)
    print(f"report written to {args.out / 'REPORT.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
