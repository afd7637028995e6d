"""``zhaoshang-ner train``: fine-tune a classifier of this package on a user's annotations.

    from zhaoshang_ner.finetune import finetune
    out = finetune("my.jsonl", "my-model")              # doccano, Label Studio, CoNLL or project JSONL
    predict(text, engine=Recognizer(out))                 # or: zhaoshang-ner predict --model my-model FILE

Training continues from the shipped weights (or another folder this package
wrote): their vocabulary, rule-feature token-type table, label map and window
length are kept, so the result is read exactly like the shipped model. The
loss, windows and rule features are the repository's training's
(:mod:`zhaoshang_ner.trainer`). Every problem a user can fix is one
``ValueError``/``FileNotFoundError`` line that says what to do.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable

from .features import FeatureSet

log = logging.getLogger("zhaoshang_ner")

#: Training settings read from the starting folder's ``train_config.json`` (where present).
_INHERITED = ("stride", "batch_size", "weight_decay", "warmup_ratio", "seed")


def _check_dependencies() -> None:
    from .extras import require

    require(("torch", "transformers", "datasets", "safetensors"), "train", "training")


def _check_data(data: Path) -> None:
    if not data.exists():
        raise FileNotFoundError(f"{data}: no such annotation file; pass --data with your annotations "
                                "(project JSONL, doccano JSONL, Label Studio JSON or CoNLL)")
    if not data.is_file():
        raise ValueError(f"{data} is a folder; pass --data with one annotation file")
    if not data.read_bytes().strip():
        raise ValueError(f"{data} is empty; export your annotated documents into it first")


def _check_out(out: Path, start: Path, force: bool) -> None:
    from .neural import SHIPPED_MODEL_DIR

    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; pass a folder for the new model")
    if out.resolve() in (start.resolve(), SHIPPED_MODEL_DIR.resolve()):
        raise ValueError(f"--out {out} is the model training starts from; pass another folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(f"--out {out} already holds files; pass --force (force=True) to overwrite them, "
                         "or choose an empty or new folder")


def _start_folder(start_from: str | Path) -> Path:
    from .neural import SHIPPED_MODEL_DIR, shipped_model_available

    if str(start_from) == "shipped":
        if not shipped_model_available():
            raise FileNotFoundError(f"this installation has no shipped weights under {SHIPPED_MODEL_DIR}; "
                                    "pass --from MODEL_DIR (a folder written by zhaoshang-ner train)")
        return SHIPPED_MODEL_DIR
    start = Path(start_from)
    if not start.is_dir():
        raise FileNotFoundError(f"--from {start}: no such model folder; pass --from shipped or a folder "
                                "written by zhaoshang-ner train")
    return start


def _check_ours(start: Path) -> dict:
    """The folder's config, if it is a token classifier with this package's labels."""
    from .labels import TAGS

    cfg_file = start / "config.json"
    if not cfg_file.is_file():
        raise ValueError(f"--from {start}: no config.json, not a model folder; pass --from shipped or a folder "
                         "written by zhaoshang-ner train")
    try:
        cfg = json.loads(cfg_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"--from {cfg_file}: unreadable ({exc})") from None
    id2label = cfg.get("id2label") or {}
    labels = [id2label.get(str(i)) for i in range(len(id2label))]
    archs = cfg.get("architectures") or []
    if labels != list(TAGS) or not any(a.endswith("ForTokenClassification") for a in archs):
        raise ValueError(f"--from {start} is not a zhaoshang-ner classifier (labels {labels or 'none'}); "
                         "fine-tuning keeps the shipped label map and rule-feature table: pass --from shipped or a "
                         "folder written by zhaoshang-ner train (a new base model: python -m training.train)")
    features = FeatureSet.from_config(cfg)
    if features != FeatureSet() and cfg.get("type_vocab_size") != features.type_vocab_size:
        raise ValueError(f"--from {start}: {features} need type_vocab_size {features.type_vocab_size}, got "
                         f"{cfg.get('type_vocab_size')}; the folder is damaged")
    return cfg


def finetune(data: str | Path, out: str | Path, *, data_format: str | None = None,
             start_from: str | Path = "shipped", epochs: int = 3, max_steps: int | None = None,
             force: bool = False, learning_rate: float = 5e-5,
             log_line: Callable[[str], None] | None = None) -> Path:
    """Fine-tune on the annotations in ``data``; write the model folder ``out`` and return it.

    ``data_format``: one of :data:`zhaoshang_ner.formats.FORMATS` (guessed when None).
    ``start_from``: "shipped" or a model folder this package wrote. ``max_steps``
    stops early (a quick check). ``force`` overwrites files already in ``out``
    (other files there are left alone). ``log_line`` receives one JSON line per
    event (default: the ``zhaoshang_ner`` logger at INFO); the lines are also
    written to ``out/train_log.jsonl``.
    """
    _check_dependencies()
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if max_steps is not None and max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}")
    data, out = Path(data), Path(out)
    _check_data(data)
    start = _start_folder(start_from)
    _check_out(out, start, force)
    start_cfg = _check_ours(start)

    from .formats import guess_format, read_annotations
    from .labels import LABELS

    data_format = data_format or guess_format(data)
    docs = read_annotations(data, data_format)
    n_entities = sum(len(d.entities) for d in docs)
    if n_entities == 0:
        raise ValueError(f"{data}: {len(docs)} document(s) but no entities; a model trained on them would tag "
                         f"nothing: annotate {', '.join(LABELS)} spans (or check --data-format)")

    import torch

    from . import __version__
    from .manifest import ModelDirError
    from .neural import DEFAULT_WINDOW_CHARS, Recognizer
    from .trainer import TrainConfig, train

    try:
        rec = Recognizer(start)  # checks the folder (manifest, tensors, labels) and loads it quietly
    except ModelDirError as exc:
        raise ValueError(f"cannot fine-tune from {start}: {exc}") from None
    model = rec.model
    window = int(getattr(model.config, "window_chars", None) or DEFAULT_WINDOW_CHARS)
    model.config.window_chars = window
    inherited: dict = {}
    tc = start / "train_config.json"
    if tc.is_file():
        try:
            prev = json.loads(tc.read_text(encoding="utf-8"))
            inherited = {k: prev[k] for k in _INHERITED if k in prev}
        except (OSError, json.JSONDecodeError):
            inherited = {}
    inherited["stride"] = max(1, min(int(inherited.get("stride", window * 3 // 4)), window))
    cfg = TrainConfig(**{
        **inherited,
        "base_model": str(start), "num_layers": None, "max_chars": window, "epochs": epochs,
        "learning_rate": learning_rate, "head_learning_rate": learning_rate,  # nothing here is freshly initialised
        "use_corpus": False, "rule_features": bool(start_cfg.get("rule_features", False)),
        "gazetteer_features": bool(start_cfg.get("gazetteer_features", False)),
        "word_features": bool(start_cfg.get("word_features", False)),
        "crf": bool(start_cfg.get("crf")),
        "cluener_sentences": 0, "mention_replacement": 0.0, "train_fraction": 1.0,
        "threads": torch.get_num_threads(),
    })
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "train_log.jsonl", "w", encoding="utf-8") as logf:
        def emit(line: str) -> None:
            logf.write(line + "\n")
            logf.flush()
            if log_line is not None:
                log_line(line)
            else:
                log.info("%s", line)

        train(cfg, docs, out, log=emit, max_steps=max_steps, model=model, vocab_dir=start, extra_info={
            "command": "zhaoshang-ner train", "package_version": __version__,
            "start_from": "shipped" if str(start_from) == "shipped" else str(start),
            "data": str(data), "data_format": data_format, "entities": n_entities,
            "learning_rate": learning_rate, "max_steps": max_steps,
        })
    Recognizer(out)  # the folder loads as predict() will load it (manifest, tensors, labels)
    return out
