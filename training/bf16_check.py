"""bf16 autocast on this CPU (avx512_bf16): training-step and inference speed, and held-out F1.

    python -m training.bf16_check --models runs/release_l12 --out reports/bf16

Speed: the median wall time of a training step (forward, backward, AdamW) on
a fixed batch of 16 windows of 130 positions, and of an inference forward
pass, each in float32 and under ``torch.autocast("cpu", dtype=torch.bfloat16)``.
F1: the release fold models tag their held-out outlets in both precisions
(same windows, decoder and bootstrap as ``training.serving_check``). The
trainer uses bf16 only on a GPU; this says whether the CPU should too.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from zhaoshang_ner.evaluate import bootstrap_ci, evaluate, paired_bootstrap_diff
from zhaoshang_ner.gold import default_corpus_dir, load_all

from .crossval import held_out, make_folds


def _timed(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def step_times(model_dir: Path, repeat: int) -> dict[str, float]:
    import torch

    from zhaoshang_ner.neural import Recognizer

    model = Recognizer(model_dir, device="cpu").model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, model.config.vocab_size, (16, 130), generator=g)
    types = torch.randint(0, model.config.type_vocab_size, (16, 130), generator=g)
    mask = torch.ones_like(ids)
    labels = torch.randint(0, model.config.num_labels, (16, 130), generator=g)
    out = {}
    for name, bf16 in (("float32", False), ("bf16 autocast", True)):
        def step():
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = model(input_ids=ids, token_type_ids=types, attention_mask=mask, labels=labels).loss
            loss.backward()
            opt.step()
            opt.zero_grad()

        def infer():
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                model(input_ids=ids, token_type_ids=types, attention_mask=mask)

        out[f"train step, {name}"] = _timed(step, repeat)
        out[f"inference batch, {name}"] = _timed(infer, repeat)
    return out


class _Bf16:
    """A Recognizer whose forward passes run under bf16 autocast."""

    def __init__(self, rec) -> None:
        self.rec = rec

    def predict_spans(self, texts, lexicon=None):
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self.rec.predict_spans(texts, lexicon)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-f1", action="store_true", help="speed only")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    import torch

    from zhaoshang_ner.neural import Recognizer

    torch.set_num_threads(2)
    lines = ["| measurement | seconds |", "|---|---|"]
    for k, v in step_times(args.models / "fold0", args.repeat).items():
        lines.append(f"| {k} | {v:.3f} |")
    if not args.no_f1:
        corpus_dir = default_corpus_dir()
        docs, _ = load_all(corpus_dir)
        folds, scheme = make_folds(docs, corpus_dir, 2, scheme="release")
        recs = [Recognizer(args.models / f"fold{i}", device="cpu") for i in range(len(folds))]
        preds, secs = {}, {}
        preds["float32"], secs["float32"] = held_out(docs, folds, lambda i: recs[i])
        preds["bf16 autocast"], secs["bf16 autocast"] = held_out(docs, folds, lambda i: _Bf16(recs[i]))
        lines += ["", f"{scheme}", "", "| precision | strict micro-F1 (95% CI) | Δ vs float32 (95% CI) | wall s |",
                  "|---|---|---|---|"]
        for name in preds:
            (lo, hi), = bootstrap_ci(docs, preds[name])
            dlo, dhi, _ = paired_bootstrap_diff(docs, preds["float32"], preds[name])
            f1 = evaluate(name, docs, preds[name]).micro().f1
            lines.append(f"| {name} | {100 * f1:.1f} ({100 * lo:.1f}–{100 * hi:.1f}) | "
                         f"{100 * dlo:+.1f} to {100 * dhi:+.1f} | {secs[name]:.0f} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "table.md").write_text(text + "\n", encoding="utf-8")
        (args.out / "command.txt").write_text("python -m training.bf16_check " + " ".join(argv or sys.argv[1:]) + "\n",
                                              encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
