"""Fine-tune a BERT token classifier on the gold documents.

    python -m training.train --config training/configs/final.json --out model/weights

A thin entry point (like the Hugging Face ``run_ner.py`` example) around
:func:`train`, which the cross-validation reuses per fold. Plain PyTorch
loop: fixed seeds, AdamW with linear warm-up/decay, bf16 autocast on a GPU,
fp32 on a CPU, a JSON-lines log of the figures in the output folder.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from zhaoshang_ner.gold import GoldDoc, default_corpus_dir, load_all
from zhaoshang_ner.labels import ID2TAG, TAG2ID, TAGS
from zhaoshang_ner.neural import read_vocab

from .config import TrainConfig
from .data import cluener_examples, doc_examples, to_dataset


def set_seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_model(cfg: TrainConfig):
    """Token-classification model from ``cfg.base_model``, truncated to ``cfg.num_layers``."""
    from transformers import AutoConfig, AutoModelForTokenClassification

    base = Path(cfg.base_model)
    if not (base / "config.json").is_file():
        raise FileNotFoundError(
            f"base model {base} not found: build it with `python -m training.convert_e5 --out {base}` "
            "or pass --base-model PATH to any BERT-family checkpoint directory with vocab.txt")
    config = AutoConfig.from_pretrained(base, num_labels=len(TAGS), id2label=dict(ID2TAG), label2id=dict(TAG2ID))
    if cfg.num_layers is not None and cfg.num_layers < config.num_hidden_layers:
        config.num_hidden_layers = cfg.num_layers  # from_pretrained then loads only the first N layers
    model = AutoModelForTokenClassification.from_pretrained(base, config=config)
    if cfg.rule_features:
        add_rule_features(model)
    # inference windows must match the training windows (zhaoshang_ner.neural.Recognizer reads this)
    model.config.window_chars = cfg.max_chars
    return model


def add_rule_features(model) -> None:
    """Grow the token-type table to one row per tag; every row starts as row 0,
    so the pretrained encoder's outputs are unchanged until training moves them."""
    import torch

    emb = model.bert.embeddings.token_type_embeddings
    new = torch.nn.Embedding(len(TAGS), emb.embedding_dim)
    with torch.no_grad():
        new.weight[:] = emb.weight[0]
    model.bert.embeddings.token_type_embeddings = new
    model.config.type_vocab_size = len(TAGS)
    model.config.rule_features = True
    if hasattr(model.bert.embeddings, "token_type_ids"):
        model.bert.embeddings.register_buffer(
            "token_type_ids", torch.zeros_like(model.bert.embeddings.token_type_ids), persistent=False)


def allowed_set_loss(logits, allowed, mask):
    """-log P(tag in allowed set), averaged over real positions.

    With one allowed tag this is ordinary cross-entropy; with several it is the
    marginal likelihood of partial labels (CLUENER: "anything but company").
    """
    import torch

    log_probs = torch.log_softmax(logits.float(), dim=-1)
    masked = log_probs.masked_fill(~allowed, float("-inf"))
    nll = -torch.logsumexp(masked, dim=-1)
    nll = nll.masked_fill(~mask, 0.0)
    return nll.sum() / mask.sum().clamp(min=1)


def _batches(dataset, batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (less padding, same randomness per seed)."""
    lengths = [len(x) for x in dataset["input_ids"]]
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunks = [order[i:i + batch_size * 20] for i in range(0, len(order), batch_size * 20)]
    batches = []
    for chunk in chunks:
        chunk.sort(key=lambda i: lengths[i])
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def _collate(rows: list[dict], pad_id: int):
    import torch

    width = max(len(r["input_ids"]) for r in rows)
    n = len(rows)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    types = torch.zeros((n, width), dtype=torch.long)
    attn = torch.zeros((n, width), dtype=torch.long)
    allowed = torch.zeros((n, width, len(TAGS)), dtype=torch.bool)
    loss_mask = torch.zeros((n, width), dtype=torch.bool)
    for k, r in enumerate(rows):
        L = len(r["input_ids"])
        ids[k, :L] = torch.tensor(r["input_ids"])
        types[k, :L] = torch.tensor(r["token_type_ids"])
        attn[k, :L] = 1
        a = torch.tensor(r["allowed"], dtype=torch.bool)
        allowed[k, 1:1 + len(a)] = a
        loss_mask[k, 1:1 + len(a)] = True
    allowed[~loss_mask] = True  # CLS/SEP/pad: any tag, and masked out of the loss anyway
    return ids, types, attn, allowed, loss_mask


def train(cfg: TrainConfig, docs: Sequence[GoldDoc], out_dir: Path | None = None, *, log=print,
          max_steps: int | None = None):
    """Train on ``docs``; return the model (and save it to ``out_dir`` if given)."""
    import torch

    set_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    vocab = read_vocab(Path(cfg.base_model))
    rng = random.Random(cfg.seed)
    docs = list(docs)
    if cfg.train_fraction < 1.0:
        docs = sorted(rng.sample(docs, max(1, round(len(docs) * cfg.train_fraction))), key=lambda d: d.id)
    examples = doc_examples(docs, vocab, cfg.max_chars, cfg.stride)
    if cfg.mention_replacement > 0:
        from .augment import mention_replaced_docs

        examples += doc_examples(mention_replaced_docs(docs, cfg.mention_replacement, cfg.seed), vocab,
                                 cfg.max_chars, cfg.stride)
    if cfg.cluener_sentences > 0:
        examples += cluener_examples(default_corpus_dir(), cfg.cluener_sentences, vocab, cfg.seed, cfg.max_chars)
    dataset = to_dataset(examples)
    model = build_model(cfg).to(device)
    # new parameters (the tag head, the rule-feature rows) learn faster than the pretrained body
    fresh = ("classifier", "bert.embeddings.token_type_embeddings")
    head = [p for n, p in model.named_parameters() if n.startswith(fresh)]
    body = [p for n, p in model.named_parameters() if not n.startswith(fresh)]
    opt = torch.optim.AdamW([
        {"params": body, "lr": cfg.learning_rate},
        {"params": head, "lr": cfg.head_learning_rate},
    ], weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil(len(dataset) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs if max_steps is None else max_steps
    warmup = max(1, int(total * cfg.warmup_ratio))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))
    pad_id = vocab["<pad>"]
    use_bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
    chars = sum(len(d.text) for d in docs)
    log(json.dumps({"event": "start", "docs": len(docs), "chars": chars, "examples": len(dataset),
                    "steps": total, "device": device, "bf16": use_bf16}))
    model.train()
    step, t0 = 0, time.time()
    history = []
    for epoch in range(cfg.epochs):
        running, n = 0.0, 0
        for batch_idx in _batches(dataset, cfg.batch_size, rng):
            ids, types, attn, allowed, mask = _collate([dataset[i] for i in batch_idx], pad_id)
            if not cfg.rule_features:
                types.zero_()
            with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=use_bf16):
                logits = model(input_ids=ids.to(device), token_type_ids=types.to(device),
                               attention_mask=attn.to(device)).logits
            loss = allowed_set_loss(logits, allowed.to(device), mask.to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            running += loss.item()
            n += 1
            step += 1
            if max_steps is not None and step >= max_steps:
                break
        history.append({"event": "epoch", "epoch": epoch + 1, "loss": running / max(1, n),
                        "seconds": round(time.time() - t0, 1)})
        log(json.dumps(history[-1]))
        if max_steps is not None and step >= max_steps:
            break
    model.eval()
    if out_dir is not None:
        save(model, cfg, out_dir, extra={"docs": [d.id for d in docs], "chars": chars, "history": history,
                                         "seconds": round(time.time() - t0, 1)})
    return model


def save(model, cfg: TrainConfig, out_dir: Path, extra: dict | None = None) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    shutil.copy(Path(cfg.base_model) / "vocab.txt", out_dir / "vocab.txt")
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        if (Path(cfg.base_model) / name).is_file():
            shutil.copy(Path(cfg.base_model) / name, out_dir / name)
    cfg.save(out_dir / "train_config.json")
    info = {"config": cfg.to_dict(), **(extra or {})}
    (out_dir / "training_info.json").write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")


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
