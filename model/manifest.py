"""What a model folder must hold, written at training time and checked at load.

A damaged folder must fail loudly, naming the file and field, instead of
serving garbage: transformers fills missing tensors with random ones (and
this package used to hush its warning), NaN weights tag nothing, and a
config edited by hand (layers, windows, features, a shifted vocabulary) is
read without complaint. ``manifest.json`` records file hashes, tensor names
and shapes, the label map, the feature table and the config fields the
package reads; :func:`check_model_dir` compares the folder with it before any
weights are used, and :func:`check_weights` checks the loaded tensors.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .encoding import CrfScores
from .features import FEATURE_FIELDS, FeatureSet, forms_sha256
from .labels import TAGS

MANIFEST = "manifest.json"
#: Files every model folder needs besides its weights (the tokenizer files are optional: one token per character).
REQUIRED = ("config.json", "vocab.txt")
#: The torch weights; an ONNX Runtime backend reads its own file instead (``onnx_engine.ONNX_FILE``).
TORCH_WEIGHTS = "model.safetensors"

#: Config fields the package reads, with their type and allowed range.
FIELDS: dict[str, tuple[type, int, int]] = {
    "num_hidden_layers": (int, 1, 48),
    "hidden_size": (int, 8, 4096),
    "vocab_size": (int, 10, 1_000_000),
    "type_vocab_size": (int, 1, 1000),
    "max_position_embeddings": (int, 16, 100_000),
    "window_chars": (int, 8, 510),
}


class ModelDirError(ValueError):
    """A model folder that does not match what its manifest and this package expect."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _tensor_shapes(path: Path) -> dict[str, list[int]]:
    from safetensors import safe_open

    with safe_open(str(path / TORCH_WEIGHTS), framework="numpy") as fh:
        return {k: list(fh.get_slice(k).get_shape()) for k in fh.keys()}


def _config(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelDirError(f"{path / 'config.json'}: unreadable ({exc})") from None


def _vocab_lines(path: Path) -> int:
    with open(path / "vocab.txt", encoding="utf-8") as fh:
        return sum(1 for _ in fh)


def describe(path: Path) -> dict[str, Any]:
    """The manifest of a model folder as it is now."""
    cfg = _config(path)
    return {
        "files": {f.name: _sha256(f) for f in sorted(path.iterdir())
                  if f.is_file() and f.name != MANIFEST and f.suffix in (".json", ".txt", ".safetensors", ".onnx")
                  and f.name not in ("training_info.json", "train_log.jsonl")},
        "tensors": _tensor_shapes(path) if (path / TORCH_WEIGHTS).is_file() else {},
        "config": {k: cfg.get(k) for k in FIELDS} | {k: cfg.get(k, False) for k in FEATURE_FIELDS},
        "labels": [cfg.get("id2label", {}).get(str(i)) for i in range(len(cfg.get("id2label", {})))],
        "vocab_lines": _vocab_lines(path),
    }


def write_manifest(path: str | Path) -> Path:
    """Record the folder's current state (call after saving the weights and config)."""
    path = Path(path)
    out = path / MANIFEST
    out.write_text(json.dumps(describe(path), ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def _check_fields(path: Path, cfg: dict[str, Any]) -> None:
    for name, (typ, lo, hi) in FIELDS.items():
        if name not in cfg:
            if name == "window_chars":
                continue  # older checkpoints: the package's default applies
            raise ModelDirError(f"{path / 'config.json'}: field {name!r} is missing")
        v = cfg[name]
        if type(v) is not typ or not lo <= v <= hi:
            raise ModelDirError(f"{path / 'config.json'}: field {name!r} is {v!r}; expected an integer in [{lo}, {hi}]")
    if cfg.get("window_chars", 0) + 2 > cfg["max_position_embeddings"]:
        raise ModelDirError(f"{path / 'config.json'}: window_chars {cfg['window_chars']} does not fit "
                            f"max_position_embeddings {cfg['max_position_embeddings']}")
    for name in FEATURE_FIELDS:
        if not isinstance(cfg.get(name, False), bool):
            raise ModelDirError(f"{path / 'config.json'}: field {name!r} must be true or false")
    labels = [cfg.get("id2label", {}).get(str(i)) for i in range(len(cfg.get("id2label", {})))]
    if labels != list(TAGS):
        raise ModelDirError(f"{path / 'config.json'}: id2label {labels} is not this package's tags {list(TAGS)}")
    features = FeatureSet.from_config(cfg)
    if features != FeatureSet() and cfg["type_vocab_size"] != features.type_vocab_size:
        raise ModelDirError(f"{path / 'config.json'}: {features} need type_vocab_size {features.type_vocab_size} "
                            f"(one row per feature id), got {cfg['type_vocab_size']}")
    trained_with = cfg.get("gazetteer_forms_sha256")
    if features.gazetteer and trained_with and trained_with != forms_sha256():
        raise ModelDirError(f"{path / 'config.json'}: trained with another gazetteer_forms.tsv than this package's "
                            "(the lists were rebuilt since): its features would differ; retrain the model")
    try:
        CrfScores.from_config(cfg)
    except ValueError as exc:
        raise ModelDirError(f"{path / 'config.json'}: {exc}") from None


def _check_tensors(path: Path, cfg: dict[str, Any], shapes: dict[str, list[int]]) -> None:
    where = path / TORCH_WEIGHTS
    layers = {int(k.split(".")[3]) for k in shapes if k.startswith("bert.encoder.layer.")}
    if layers != set(range(cfg["num_hidden_layers"])):
        raise ModelDirError(f"{path / 'config.json'}: num_hidden_layers is {cfg['num_hidden_layers']} but "
                            f"{where.name} holds {len(layers)} layers")
    expect = {
        "bert.embeddings.word_embeddings.weight": [cfg["vocab_size"], cfg["hidden_size"]],
        "bert.embeddings.token_type_embeddings.weight": [cfg["type_vocab_size"], cfg["hidden_size"]],
        "classifier.weight": [len(TAGS), cfg["hidden_size"]],
        "classifier.bias": [len(TAGS)],
    }
    for name, shape in expect.items():
        if name not in shapes:
            raise ModelDirError(f"{where}: tensor {name} is missing")
        if shapes[name] != shape:
            raise ModelDirError(f"{where}: tensor {name} has shape {shapes[name]}, config implies {shape}")


def check_model_dir(path: str | Path, weights: str = TORCH_WEIGHTS) -> dict[str, Any]:
    """Raise :class:`ModelDirError` on anything that would make the folder serve garbage; return its config.

    ``weights`` is the file the caller is about to read (the torch safetensors
    or an ONNX file). Only the files a backend reads are hashed against the
    manifest, so the ONNX backend neither needs the torch weights nor pays for
    hashing them on every load.
    """
    path = Path(path)
    if not path.is_dir():
        raise ModelDirError(f"{path}: no such model folder")
    for name in (*REQUIRED, weights):
        if not (path / name).is_file():
            hint = "; export it with `python -m training.export_onnx`" if name.endswith(".onnx") else ""
            raise ModelDirError(f"{path}: {name} is missing (a model folder holds {', '.join(REQUIRED)} "
                                f"and its weights, {weights}){hint}")
    cfg = _config(path)
    _check_fields(path, cfg)
    shapes = None
    if weights == TORCH_WEIGHTS:
        shapes = _tensor_shapes(path)
        _check_tensors(path, cfg, shapes)
    vocab = _vocab_lines(path)
    if vocab != cfg["vocab_size"]:
        raise ModelDirError(f"{path / 'vocab.txt'}: {vocab} lines, but the model has {cfg['vocab_size']} rows")
    manifest_path = path / MANIFEST
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ModelDirError(f"{manifest_path}: unreadable ({exc.msg})") from None
        listed = manifest.get("files", {})
        if weights.endswith(".onnx") and weights not in listed:
            raise ModelDirError(f"{path / weights}: not listed in {MANIFEST}; export it with "
                                "`python -m training.export_onnx`, which records it")
        for name, digest in listed.items():
            if name.endswith((".safetensors", ".onnx")) and name != weights:
                continue  # another backend's weights: not read here
            f = path / name
            if not f.is_file():
                raise ModelDirError(f"{f}: listed in {MANIFEST} but missing")
            if _sha256(f) != digest:
                raise ModelDirError(f"{f}: changed since training (SHA-256 differs from {MANIFEST})")
        if shapes is not None and manifest.get("tensors") and manifest["tensors"] != shapes:
            raise ModelDirError(f"{path / TORCH_WEIGHTS}: tensor names or shapes differ from {MANIFEST}")
    return cfg


def check_weights(model, path: str | Path) -> None:
    """Every parameter finite: a NaN anywhere makes every tag probability NaN (no entities, no error)."""
    import torch

    for name, p in model.named_parameters():
        if not torch.isfinite(p).all():
            raise ModelDirError(f"{Path(path) / TORCH_WEIGHTS}: tensor {name} holds NaN or infinite values")
