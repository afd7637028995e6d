"""Training examples: gold documents -> character windows with tag targets.

The document examples (windows, rule-feature ids, allowed-tag rows) are the
package's (:mod:`zhaoshang_ner.trainer`), shared with ``zhaoshang-ner train``;
this module adds what concerns only the project's own corpus: CLUENER
sentences with only their company spans supervised.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from zhaoshang_ner.features import FeatureSet
from zhaoshang_ner.normalize import normalize
from zhaoshang_ner.trainer import (  # noqa: F401  (re-exported for the repository's scripts)
    Span,
    company_only_targets,
    doc_examples,
    normalized_spans,
    one_hot_targets,
    to_dataset,
    window_examples,
)


def cluener_examples(corpus_dir: Path, n: int, vocab: dict[str, int], seed: int, max_chars: int,
                     features: FeatureSet = FeatureSet(rules=True)) -> list[dict]:
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
        out += window_examples(norm.text, company_only_targets(len(norm.text), mapped), vocab, max_chars, max_chars, "cluener",
                               features)
    return out
