"""Training examples: gold documents -> character windows with tag targets.

Targets are *sets* of allowed tags per character (a multi-hot row), not one
tag: gold documents allow exactly their tag, while partially labelled data
(CLUENER, where only companies are trusted) allows "anything but a company
tag" outside its company spans. The loss maximises the probability of the
allowed set, so missing labels never teach the model that a park is "O".
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from zhaoshang_ner.bio import spans_to_tags
from zhaoshang_ner.encoding import CLS_TOKEN, SEP_TOKEN, encode_chars, rule_feature_ids, windows
from zhaoshang_ner.gold import GoldDoc
from zhaoshang_ner.labels import TAG2ID, TAGS
from zhaoshang_ner.normalize import normalize

Span = tuple[int, int, str]


def normalized_spans(doc: GoldDoc) -> tuple[str, list[Span]]:
    """The document's normalised text and its gold spans in that text's offsets."""
    norm = normalize(doc.text)
    spans = []
    for s, e, label in doc.spans():
        mapped = norm.from_original(s, e)
        if mapped is None:
            raise ValueError(f"{doc.id}: gold span [{s}, {e}) {label} covers no normalised character")
        spans.append((mapped[0], mapped[1], label))
    return norm.text, spans


def one_hot_targets(tags: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(tags), len(TAGS)), dtype=bool)
    for i, t in enumerate(tags):
        out[i, TAG2ID[t]] = True
    return out


def company_only_targets(length: int, company_spans: Iterable[tuple[int, int]]) -> np.ndarray:
    """Allowed tags when only company spans are known: exact inside, 'not company' outside."""
    out = np.ones((length, len(TAGS)), dtype=bool)
    out[:, [TAG2ID["B-company"], TAG2ID["I-company"]]] = False
    for s, e in company_spans:
        out[s:e] = False
        out[s, TAG2ID["B-company"]] = True
        out[s + 1:e, TAG2ID["I-company"]] = True
    return out


def window_examples(text: str, targets: np.ndarray, vocab: dict[str, int], max_chars: int, stride: int,
                    source: str) -> list[dict]:
    """One example per window: ids with [CLS]/[SEP], rule-tag feature ids, and per-position allowed-tag rows."""
    ids = encode_chars(text, vocab)
    feats = rule_feature_ids(text)
    out = []
    for s, e in windows(len(text), max_chars, stride):
        out.append({
            "input_ids": [vocab[CLS_TOKEN]] + ids[s:e] + [vocab[SEP_TOKEN]],
            "token_type_ids": [0] + feats[s:e] + [0],
            "allowed": targets[s:e].astype(np.uint8).tolist(),
            "source": source,
        })
    return out


def doc_examples(docs: Sequence[GoldDoc], vocab: dict[str, int], max_chars: int, stride: int) -> list[dict]:
    out = []
    for doc in docs:
        text, spans = normalized_spans(doc)
        out += window_examples(text, one_hot_targets(spans_to_tags(len(text), spans)), vocab, max_chars, stride, doc.id)
    return out


def cluener_examples(corpus_dir: Path, n: int, vocab: dict[str, int], seed: int, max_chars: int) -> list[dict]:
    """``n`` CLUENER sentences (company spans only supervised), half of them with a company."""
    path = Path(corpus_dir) / "cluener" / "train.json"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    with_company = [r for r in rows if r["label"].get("company")]
    without = [r for r in rows if not r["label"].get("company")]
    rng = random.Random(seed)
    picked = rng.sample(with_company, min(len(with_company), n * 3 // 4))
    picked += rng.sample(without, min(len(without), n - len(picked)))
    out = []
    for r in picked:
        text = r["text"]
        spans = []
        for positions in r["label"].get("company", {}).values():
            for s, e_inclusive in positions:  # CLUENER ends are inclusive
                spans.append((s, e_inclusive + 1))
        norm = normalize(text)
        mapped = [m for m in (norm.from_original(s, e) for s, e in spans) if m]
        out += window_examples(norm.text, company_only_targets(len(norm.text), mapped), vocab, max_chars, max_chars, "cluener")
    return out


def to_dataset(examples: list[dict]):
    """A ``datasets.Dataset`` of the examples (the training loop reads it in shuffled batches)."""
    from datasets import Dataset

    return Dataset.from_list(examples)
