"""Grouped-CV F1 of the serving choices: torch against ONNX int8, and window strides.

    python -m training.crossval --config training/configs/l12.json --scheme release --curve '' \\
        --keep-models runs/release_l12 --out runs/cv_release_l12
    python -m training.serving_check --models runs/release_l12 --out reports/serving

Each fold model is put through the shipping pipeline in a copy of its folder
(``export_onnx``: torch weights stored as float16, ONNX export, dynamic int8),
then every setting -- backend, window, stride -- tags that fold's held-out
documents (their spans are written beside the table, one file per setting, for
``training.ablations``). Printed per setting: strict F1 per label and micro over both folds
with its document-bootstrap 95% interval, the paired difference to the torch
float32 model, the share of errors that are boundary errors, the share of
entities that differ from torch, and the CPU time of the forward passes. The
default setting is chosen on these figures, never on speed alone.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from zhaoshang_ner.gold import default_corpus_dir, load_all
from zhaoshang_ner.labels import LABELS
from zhaoshang_ner.normalize import normalize

from .ablations import scored
from .crossval import held_out, make_folds, read_predictions

DEFAULT_SETTINGS = ("torch:128:32,int8:128:32,int8:128:64,int8:128:96,int8:128:128,"
                    "int8:128:32:sentences,int8:128:64:sentences")


#: ONNX files of a prepared fold copy, by backend name.
ONNX_FILES = {"int8": "model.int8.onnx", "fp32": "model.onnx", "static": "model.static.onnx",
              "fp16": "model.fp16.onnx"}


def prepare(fold_dir: Path, work: Path, backends: set[str] = frozenset(), train_texts: list[str] = ()) -> Path:
    """A copy of a fold model with the shipped files (float16 torch weights, model.int8.onnx) and,
    where ``backends`` asks, a static int8 file calibrated on the fold's own training texts and a float16 one."""
    from .export_onnx import build, calibration_inputs, float16, quantize_static_int8

    out = work / fold_dir.name
    if not (out / "model.int8.onnx").is_file():
        shutil.copytree(fold_dir, out, dirs_exist_ok=True)
        build(out, half=True, keep_fp32=True)  # fp32 kept: the "fp32" setting reads it
    fp32 = out / ONNX_FILES["fp32"]
    if "static" in backends and not (out / ONNX_FILES["static"]).is_file():
        quantize_static_int8(fp32, out / ONNX_FILES["static"], calibration_inputs(out, list(train_texts)))
    if "fp16" in backends and not (out / ONNX_FILES["fp16"]).is_file():
        float16(fp32, out / ONNX_FILES["fp16"])
    if backends & {"static", "fp16"}:
        from zhaoshang_ner.manifest import write_manifest

        write_manifest(out)  # the ONNX loader serves only files the manifest lists
    return out


def recognizer(backend: str, fold_dir: Path, shipped_dir: Path, max_chars: int, stride: int, sentences: bool):
    from zhaoshang_ner.neural import Recognizer
    from zhaoshang_ner.onnx_engine import OnnxRecognizer

    if backend == "torch":  # the fold model as trained (float32)
        return Recognizer(fold_dir, max_chars=max_chars, stride=stride, device="cpu", sentences=sentences)
    if backend == "torch16":  # the shipped torch weights (float16 on disk)
        return Recognizer(shipped_dir, max_chars=max_chars, stride=stride, device="cpu", sentences=sentences)
    file = ONNX_FILES[backend]
    return OnnxRecognizer(shipped_dir, model_file=file, max_chars=max_chars, stride=stride, threads=0,
                          sentences=sentences)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, required=True, help="fold0, fold1, ... from crossval --keep-models")
    ap.add_argument("--scheme", choices=["outlet", "release"], default="release")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--settings", default=DEFAULT_SETTINGS,
                    help="comma-separated backend:window:stride[:sentences]; backend torch (fold model, "
                         "float32), torch16 (float16 on disk), fp32, int8 (dynamic), static (static int8 calibrated on "
                         "the fold's training texts) or fp16 (ONNX); sentences: windows end at "
                         "sentence ends, stride only where a stretch has none")
    ap.add_argument("--crossval-predictions", type=Path, default=None, metavar="CV_PREDICTIONS_JSONL",
                    help="setting 'crossval' reads the torch float32 spans crossval already wrote for these fold "
                         "models (the same windows as torch:128:32) instead of tagging again")
    ap.add_argument("--work", type=Path, default=Path("runs/serving_check"), help="exported fold copies go here")
    ap.add_argument("--out", type=Path, default=None, help="write table.md and scores.json here")
    args = ap.parse_args(argv)
    corpus_dir = default_corpus_dir()
    docs, note = load_all(corpus_dir)
    folds, scheme = make_folds(docs, corpus_dir, args.folds, scheme=args.scheme)
    args.work.mkdir(parents=True, exist_ok=True)
    settings = args.settings.split(",")
    backends = {s.split(":")[0] for s in settings} - {"crossval"}
    by_id = {d.id: d for d in docs}
    shipped = [prepare(args.models / f"fold{i}", args.work, backends,
                       [normalize(by_id[x].text).text for x in train_ids])
               for i, (train_ids, _) in enumerate(folds)]
    preds, secs = {}, {}
    for setting in settings:
        backend, *rest = setting.split(":")
        if backend == "crossval":
            if args.crossval_predictions is None:
                raise SystemExit("setting 'crossval' needs --crossval-predictions FILE")
            preds[setting], secs[setting] = read_predictions(args.crossval_predictions), 0.0
            continue
        max_chars, stride, *cut = rest
        preds[setting], secs[setting] = held_out(
            docs, folds, lambda i: recognizer(backend, args.models / f"fold{i}", shipped[i], int(max_chars),
                                              int(stride), sentences=cut == ["sentences"]),
            clock=time.process_time)
        print(f"{setting}: {secs[setting]:.0f} s CPU", file=sys.stderr, flush=True)
    base = settings[0]
    chars = sum(len(d.text) for d in docs)
    lines = [f"{scheme}; {len(docs)} documents, {chars:,} characters" + (f" ({note})" if note else ""),
             f"fold models: {args.models}; differences are paired against `{base}`", "",
             "| setting | " + " | ".join(LABELS) + " | micro (95% CI) | Δ vs base (95% CI) | boundary share "
             "| entities differing | CPU s |",
             "|---|" + "---|" * (len(LABELS) + 5)]
    scores = {}
    a = {(i, *s) for i, v in preds[base].items() for s in v}
    for setting in settings:
        b = {(i, *s) for i, v in preds[setting].items() for s in v}
        differ = len(a ^ b) / max(1, len(a | b))
        s = scores[setting] = scored(docs, preds[setting], preds[base]) | {"differing": differ, "cpu_s": secs[setting]}
        lines.append(f"| {setting} | " + " | ".join(f"{100 * s['labels'][lab]:.1f}" for lab in LABELS)
                     + f" | **{100 * s['micro']:.1f}** ({100 * s['ci'][0]:.1f}–{100 * s['ci'][1]:.1f}) | "
                     + ("–" if "diff" not in s else f"{100 * s['diff']:+.2f} "
                        f"({100 * s['diff_ci'][0]:+.1f} to {100 * s['diff_ci'][1]:+.1f})")
                     + f" | {100 * s['boundary_share']:.0f}% | {100 * differ:.1f}% | {secs[setting]:.0f} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "table.md").write_text(text + "\n", encoding="utf-8")
        (args.out / "scores.json").write_text(json.dumps(scores, indent=1), encoding="utf-8")
        for setting in settings:  # offsets only, in the cross-validation files' shape (training.ablations reads them)
            if not setting.startswith("crossval"):
                rows = [json.dumps({"id": i, "model": [list(x) for x in v]}) for i, v in sorted(preds[setting].items())]
                (args.out / f"predictions_{setting.replace(':', '_')}.jsonl").write_text("\n".join(rows) + "\n",
                                                                                        encoding="utf-8")
        (args.out / "command.txt").write_text("python -m training.serving_check " + " ".join(argv or sys.argv[1:])
                                              + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
