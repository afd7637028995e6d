"""Documents per second of the table pipeline: in this process, and on Ray with 1, 2 ... actors.

    python -m training.ray_scaling --docs 24 --engine model --actors 1,2

Reads the first ``--docs`` corpus reports (``../shared/corpus/texts``; only
figures are printed, no text), runs ``table`` on them in this process and
through :mod:`zhaoshang_ner.distributed` with each pool size (one CPU per
actor, so torch runs one thread per actor), checks that every route wrote the
same rows, and projects the cores a cluster needs for a million reports in 24
hours at the measured per-actor rate. Ray's start-up and each actor's model load
are timed apart from the steady rate: they are paid once per job, not per
document.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from zhaoshang_ner.bulk import run_table
from zhaoshang_ner.gold import default_corpus_dir
from zhaoshang_ner.writers import to_frame


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=24)
    ap.add_argument("--engine", default="model")
    ap.add_argument("--actors", default="1,2")
    ap.add_argument("--target-docs", type=float, default=1e6)
    ap.add_argument("--target-hours", type=float, default=24)
    ap.add_argument("--out", type=Path, default=None, help="also write the figures as JSON here")
    args = ap.parse_args(argv)
    import ray

    from zhaoshang_ner.distributed import ray_runner

    texts = sorted((default_corpus_dir() / "texts").glob("*.txt"))[: args.docs]
    chars = sum(len(p.read_text(encoding="utf-8")) for p in texts)
    figures: dict = {"docs": len(texts), "chars": chars, "engine": args.engine, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_table(texts, Path(tmp) / "local.csv", engine=args.engine, progress=False)
        figures["local"] = {"seconds": time.perf_counter() - t0}
        want = to_frame(Path(tmp) / "local.csv", "entities")
        for n in [int(x) for x in args.actors.split(",")]:
            t0 = time.perf_counter()
            ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, configure_logging=False)
            started = time.perf_counter() - t0
            # warm run on one document per actor: the pool starts and every actor loads its recogniser
            t1 = time.perf_counter()
            run_table(texts[:n], Path(tmp) / f"warm{n}.csv", engine=args.engine, progress=False,
                      runner=ray_runner(actors=n, batch_size=1))
            warm = time.perf_counter() - t1
            t2 = time.perf_counter()
            run_table(texts, Path(tmp) / f"ray{n}.csv", engine=args.engine, progress=False,
                      runner=ray_runner(actors=n, batch_size=1))
            total = time.perf_counter() - t2
            ray.shutdown()
            same = to_frame(Path(tmp) / f"ray{n}.csv", "entities").equals(want)
            figures[f"ray_{n}"] = {"init_seconds": started, "pool_start_seconds": warm, "seconds": total,
                                   "same_rows_as_local": bool(same)}
    lines = [f"{figures['docs']} corpus reports, {chars} characters, engine {args.engine}, "
             f"{figures['cpus']} CPU cores", "",
             "| route | seconds | documents/s | characters/s | same rows as local |", "|---|---|---|---|---|"]
    loc = figures["local"]["seconds"]
    lines.append(f"| this process | {loc:.1f} | {len(texts) / loc:.2f} | {chars / loc:.0f} | - |")
    best_per_actor = 0.0
    for key, f in figures.items():
        if key.startswith("ray_"):
            n = int(key[4:])
            rate = chars / f["seconds"]
            best_per_actor = max(best_per_actor, rate / n)
            lines.append(f"| Ray, {n} actor(s) | {f['seconds']:.1f} | {len(texts) / f['seconds']:.2f} | {rate:.0f} | "
                         f"{'yes' if f['same_rows_as_local'] else 'NO'} |")
    ray_keys = [k for k in figures if k.startswith("ray_")]
    lines.append("")
    lines.append("Once per job (not in the rates above): Ray start " + ", ".join(
        f"{figures[k]['init_seconds']:.1f} s" for k in ray_keys) + "; pool start and model load " + ", ".join(
        f"{figures[k]['pool_start_seconds']:.1f} s ({k[4:]} actor(s))" for k in ray_keys) + ".")
    per_doc = chars / len(texts)
    need = args.target_docs * per_doc / (args.target_hours * 3600)
    cores = need / best_per_actor
    figures["projection"] = {"chars_per_doc": per_doc, "chars_per_s_needed": need,
                             "chars_per_s_per_actor": best_per_actor, "cores": cores}
    lines.append(f"Projection: {args.target_docs:,.0f} reports of {per_doc:.0f} characters in {args.target_hours:g} h "
                 f"need {need:,.0f} characters/s; at {best_per_actor:.0f} characters/s per one-core actor that is "
                 f"about {cores:,.0f} cores (e.g. {cores / 32:,.0f} machines of 32 cores), before overheads.")
    print("\n".join(lines))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
