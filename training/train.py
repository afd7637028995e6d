"""Fine-tune a BERT token classifier on the gold documents.

    python -m training.train --config training/configs/final.json --out model/weights

A thin entry point (like the Hugging Face ``run_ner.py`` example) around
:func:`train`, which the cross-validation reuses per fold. The loop, loss,
model building and saving are the package's (:mod:`zhaoshang_ner.trainer`,
shared with ``zhaoshang-ner train``); this module adds the project's own
corpus: the gold documents, CLUENER sentences and mention replacement.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from zhaoshang_ner.gold import GoldDoc, default_corpus_dir, load_all
from zhaoshang_ner.trainer import (  # noqa: F401  (re-exported: the repository's scripts import them from here)
    allowed_set_loss,
    build_model,
    save,
    set_seed,
)
from zhaoshang_ner.trainer import batches as _batches  # noqa: F401
from zhaoshang_ner.trainer import collate as _collate  # noqa: F401
from zhaoshang_ner.trainer import train as _train

from .config import TrainConfig
from .data import cluener_examples, doc_examples


def corpus_examples(cfg: TrainConfig):
    """The config's extra examples beyond the documents' windows (mention replacement, CLUENER), or None."""
    if cfg.mention_replacement <= 0 and cfg.cluener_sentences <= 0:
        return None

    def extra(docs: list[GoldDoc], vocab: dict[str, int]) -> list[dict]:
        examples: list[dict] = []
        if cfg.mention_replacement > 0:
            from .augment import mention_replaced_docs

            examples += doc_examples(mention_replaced_docs(docs, cfg.mention_replacement, cfg.seed), vocab,
                                     cfg.max_chars, cfg.stride, cfg.features)
        if cfg.cluener_sentences > 0:
            examples += cluener_examples(default_corpus_dir(), cfg.cluener_sentences, vocab, cfg.seed, cfg.max_chars,
                                         cfg.features)
        return examples

    return extra


def train(cfg: TrainConfig, docs: Sequence[GoldDoc], out_dir: Path | None = None, *, log=print,
          max_steps: int | None = None):
    """Train on ``docs`` (plus the config's corpus extras); return the model (and save it to ``out_dir`` if given)."""
    return _train(cfg, docs, out_dir, log=log, max_steps=max_steps, extra_examples=corpus_examples(cfg))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--base-model", default=None, help="any BERT-family checkpoint directory (overrides the config)")
    ap.add_argument("--max-steps", type=int, default=None, help="stop early (smoke runs)")
    ap.add_argument("--corpus-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    cfg = TrainConfig.from_file(args.config, base_model=args.base_model)
    docs, note = load_all(args.corpus_dir) if cfg.use_corpus else (None, "use_corpus is false")
    if docs is None:
        from zhaoshang_ner.gold import load_seeds

        docs = load_seeds()
    print(f"training on {len(docs)} documents" + (f" (note: {note})" if note else " (seeds + corpus)"),
          file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "train_log.jsonl", "w", encoding="utf-8") as logf:
        def log(line: str) -> None:
            print(line, file=sys.stderr)
            logf.write(line + "\n")
            logf.flush()

        train(cfg, docs, args.out, log=log, max_steps=args.max_steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
