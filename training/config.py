"""Training configuration: defaults declared once, next to what they configure.

A run is described by one JSON file (``training/configs/*.json``) whose keys
are the fields below; whatever a file leaves out takes the default here. The
resolved config is saved beside every trained model and CV report.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path


@dataclass
class TrainConfig:
    base_model: str = field(default="runs/e5-base", metadata={
        "help": "BERT-family checkpoint directory (HF format with vocab.txt); built by training.convert_e5"})
    num_layers: int | None = field(default=6, metadata={
        "help": "keep only the first N encoder layers (CPU budget); None keeps all"})
    max_chars: int = field(default=128, metadata={"help": "characters per training window"})
    stride: int = field(default=96, metadata={"help": "window step; overlap = max_chars - stride"})
    epochs: int = 4
    batch_size: int = 16
    learning_rate: float = 1e-4
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    seed: int = 13
    use_corpus: bool = True
    rule_features: bool = field(default=True, metadata={
        "help": "feed the rule baseline's tag of each character as the token-type id (a learned feature)"})
    cluener_sentences: int = field(default=0, metadata={
        "help": "CLUENER sentences added with only the company label supervised (0 = none)"})
    mention_replacement: float = field(default=0.0, metadata={
        "help": "fraction of training docs added again with lexicon mentions swapped in"})
    train_fraction: float = field(default=1.0, metadata={"help": "share of training documents used (learning curve)"})
    threads: int = 2

    @classmethod
    def from_file(cls, path: str | Path, **overrides) -> "TrainConfig":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{path}: unknown config keys {sorted(unknown)}; known: {sorted(known)}")
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)

    def to_dict(self) -> dict:
        return asdict(self)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")
