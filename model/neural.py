"""The fine-tuned BERT token classifier behind ``predict(text, engine="model")``: loading and the torch backend.

Like jieba's default tokenizer, the shipped model is loaded lazily, once, on
first use, by :func:`load_recognizer`: ONNX Runtime serves the folder's int8
file (:mod:`zhaoshang_ner.onnx_engine`, no torch), :class:`Recognizer` its
torch weights (fine-tuned runs, ``Recognizer("runs/my-model")``; the ``train``
extra). Inference is CPU-first and needs no network: the weights ship inside
the package under ``model/weights/``.
"""
from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from .encoding import DEFAULT_WINDOW_CHARS, WindowedTagger  # noqa: F401  (DEFAULT_WINDOW_CHARS re-exported)
from .labels import TAGS

#: The one place that knows where the bundled weights live.
SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "weights"
#: The ensemble's second classifier (ONNX only: it serves no other engine).
SECOND_MODEL_DIR = SHIPPED_MODEL_DIR / "second"

ScoredSpan = tuple[int, int, str, float]



#: The served weights: the shipped classifier exported to ONNX with int8 weights
#: (``python -m training.export_onnx``); ``model.safetensors`` beside it is the same
#: classifier for torch (fine-tuning, the transformers pipeline).
ONNX_FILE = "model.int8.onnx"
TORCH_FILE = "model.safetensors"


def shipped_model_available(path: Path = SHIPPED_MODEL_DIR) -> bool:
    return (path / "config.json").is_file() and ((path / ONNX_FILE).is_file() or (path / TORCH_FILE).is_file())


def load_recognizer(path: str | Path, backend: str = "auto", *, threads: int = 0, **kwargs) -> WindowedTagger:
    """The recogniser of a model folder: ONNX Runtime where the folder has its ONNX file, else torch.

    ONNX Runtime serves the base install (no torch: a tenth of the install and
    three times the speed, the same grouped-CV F1; see the model card); torch
    serves folders that hold only a checkpoint (a fine-tuned run) or when asked
    (``backend="torch"``).
    """
    from .extras import installed

    path = Path(path)
    if backend not in ("auto", "onnx", "torch"):
        raise ValueError(f"unknown backend {backend!r}: choose auto, onnx or torch")
    has_onnx = (path / ONNX_FILE).is_file()
    if backend == "onnx" or (backend == "auto" and has_onnx and installed("onnxruntime")):
        from .onnx_engine import OnnxRecognizer

        return OnnxRecognizer(path, threads=threads, **kwargs)
    if backend == "auto" and not installed("torch"):
        if has_onnx:
            raise ImportError("serving the model needs onnxruntime: pip install onnxruntime")
        raise ImportError(f"{path} holds only torch weights ({TORCH_FILE}); serving them needs the train extra: "
                          "pip install 'zhaoshang-ner[train]'")
    if threads:
        import torch

        torch.set_num_threads(threads)
    return Recognizer(path, **kwargs)


def read_vocab(path: Path) -> dict[str, int]:
    with open(path / "vocab.txt", encoding="utf-8") as fh:
        return {line.rstrip("\n"): i for i, line in enumerate(fh)}


class Recognizer(WindowedTagger):
    """A token-classification checkpoint (HF format, one token per character), run by torch."""

    def __init__(self, path: str | Path, *, max_chars: int | None = None, stride: int | None = None,
                 batch_size: int = 16, device: str | None = None, sentences: bool = False,
                 _model=None, _vocab=None) -> None:
        import torch

        path = Path(path)
        self.path = path
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if _model is None:
            from transformers import AutoModelForTokenClassification
            from transformers.utils import logging as hf_logging

            from .manifest import ModelDirError, check_model_dir, check_weights

            check_model_dir(path)
            # keep a library call quiet: no progress bar or load report on the user's terminal;
            # what that report would say (missing or unexpected tensors) is checked below instead
            verbosity, bar = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
            hf_logging.set_verbosity_error()
            hf_logging.disable_progress_bar()
            try:
                _model, info = AutoModelForTokenClassification.from_pretrained(path, output_loading_info=True)
            finally:
                hf_logging.set_verbosity(verbosity)
                if bar:
                    hf_logging.enable_progress_bar()
            for kind in ("missing_keys", "unexpected_keys", "mismatched_keys"):
                if info.get(kind):
                    names = ", ".join(str(k) for k in list(info[kind])[:3])
                    raise ModelDirError(f"{path / TORCH_FILE}: {kind.replace('_', ' ')} ({names}): "
                                        "the weights do not match the config; they would be served random")
            check_weights(_model, path)
            _vocab = read_vocab(path)
        self.vocab = _vocab
        self.model = _model.to(self.device).eval()
        id2label = {int(k): v for k, v in self.model.config.id2label.items()}
        if [id2label[i] for i in range(len(id2label))] != list(TAGS):
            raise ValueError(f"{path}: the model's labels {list(id2label.values())} are not this package's tags {TAGS}")
        self._configure(self.model.config, max_chars, stride, batch_size, sentences)

    @classmethod
    def from_model(cls, model, vocab: dict[str, int], **kwargs) -> "Recognizer":
        """Wrap a model already in memory (cross-validation folds, tests)."""
        return cls("<in-memory>", _model=model, _vocab=vocab, **kwargs)

    def _forward(self, input_ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            logits = self.model(input_ids=torch.from_numpy(input_ids).to(self.device),
                                token_type_ids=torch.from_numpy(types).to(self.device),
                                attention_mask=torch.from_numpy(mask).to(self.device)).logits
        return logits.float().cpu().numpy()


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def _load_shipped(threads: int):
    if not shipped_model_available():
        raise FileNotFoundError(
            f"no shipped model under {SHIPPED_MODEL_DIR}; use engine='rules' or train one with "
            "`python -m training.train --config training/configs/final.json`"
        )
    return load_recognizer(SHIPPED_MODEL_DIR, threads=threads)


#: Cores one forward pass of the shipped model may use (0: all); see :func:`use_threads`.
_THREADS = 0


def use_threads(threads: int) -> None:
    """Limit the shipped model's forward pass to ``threads`` cores in this process.

    Worker processes of ``predict_many(..., workers=N)`` take their share of
    the cores, so N workers never oversubscribe the machine.
    """
    global _THREADS
    _THREADS = threads


def default_recognizer():
    """The shipped model, loaded once: concurrent first calls wait for one load instead of each loading it."""
    with _LOAD_LOCK:
        return _load_shipped(_THREADS)


def second_model_available() -> bool:
    return shipped_model_available(SECOND_MODEL_DIR)


@lru_cache(maxsize=None)
def _load_second(threads: int):
    if not second_model_available():
        raise FileNotFoundError(f"no second model under {SECOND_MODEL_DIR}: the ensemble engine needs it; "
                                "use engine='model' or engine='rules'")
    return load_recognizer(SECOND_MODEL_DIR, threads=threads)


def second_recognizer():
    """The ensemble's second shipped model, loaded once (see :func:`default_recognizer`)."""
    with _LOAD_LOCK:
        return _load_second(_THREADS)


def model_card(path: Path = SHIPPED_MODEL_DIR) -> dict:
    """Training facts saved beside the weights (base, data, scores)."""
    f = path / "training_info.json"
    if not f.is_file():
        return {}
    try:
        return json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RuntimeError(f"{f}: unreadable model card ({exc}); cannot choose the default engine: "
                           "name one, engine='rules' or 'model'") from None
