"""Hugging Face ``transformers.pipeline`` interop that is never silently wrong.

The classifier reads the rule engine's IOB2 tag of each character as its
token-type id ("rule features"). transformers' own token-classification
pipeline feeds the tokenizer's token types (all 0) instead, so it would load
our weights and return plausible but wrong entities. Two things prevent that:

* :class:`ZhaoshangNERPipeline`, a pipeline that runs the package's own
  inference (normalisation, rule features, overlapping windows, Viterbi
  decoding, offsets into the caller's string), so its entities are exactly
  those of ``predict(text, engine=load_recognizer(folder, backend="torch"))``
  (the package itself serves the folder's ONNX file: the same model, int8)::

      from zhaoshang_ner.hf import register
      from transformers import pipeline

      register()                                   # adds the task "zhaoshang-ner"
      ner = pipeline("zhaoshang-ner", model="path/to/model-folder")   # or load_pipeline()
      ner("澜沧江光电在苍山智造谷投资5亿元。")
      # [{'label': 'company', 'start': 0, 'end': 5, 'text': '澜沧江光电', 'score': 0.98,
      #   'entity_group': 'company', 'word': '澜沧江光电'}, ...]

* :func:`add_pipeline_guard`, which every model folder the package writes
  gets: ``config.json`` names this pipeline as the folder's implementation of
  ``token-classification`` (and its alias ``ner``), so
  ``pipeline("token-classification", model=folder)`` raises transformers' own
  error asking for ``trust_remote_code=True``; with it, transformers loads the
  folder's two-line ``zhaoshang_pipeline.py``, which imports this class from
  the installed package, and the output is again ``predict``'s.

(A model object passed to the plain pipeline by hand, ``pipeline("ner",
model=AutoModelForTokenClassification.from_pretrained(folder))``, carries no
folder for transformers to consult; use this pipeline class for it.)
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transformers import Pipeline

from .api import check_text, load_lexicon, predict_many
from .encoding import CLS_TOKEN, PAD_TOKEN, SEP_TOKEN, UNK_TOKEN

#: The task name :func:`register` adds to transformers' pipeline registry.
TASK = "zhaoshang-ner"
#: The file a model folder carries for ``trust_remote_code=True`` (it only imports this module's class).
PIPELINE_FILE = "zhaoshang_pipeline.py"
#: transformers' tasks (and aliases) the guard claims for this pipeline in ``config.json``.
GUARDED_TASKS = ("token-classification", "ner")

_SHIM = '''"""Hugging Face pipeline of a zhaoshang-ner model folder.

This model reads rule features (the rule engine's tag of each character) as its
token-type ids; transformers' plain token-classification pipeline cannot compute
them and would return wrong entities. ``pipeline("token-classification", model=FOLDER,
trust_remote_code=True)`` loads this file, which uses the installed package's code
(``pip install zhaoshang-ner``); or, without remote code:

    from zhaoshang_ner.hf import register; register()
    pipeline("zhaoshang-ner", model=FOLDER)
"""
from zhaoshang_ner.hf import ZhaoshangNERPipeline  # noqa: F401
'''


def _read_vocab_for(model, tokenizer) -> dict[str, int]:
    from .neural import read_vocab

    folder = Path(str(getattr(model, "name_or_path", "") or ""))
    if folder.is_dir() and (folder / "vocab.txt").is_file():
        vocab = read_vocab(folder)
    elif tokenizer is not None and hasattr(tokenizer, "get_vocab"):
        vocab = dict(tokenizer.get_vocab())
    else:
        raise ValueError("ZhaoshangNERPipeline needs the model folder's vocab.txt: load the model from its folder "
                         "(pipeline('zhaoshang-ner', model=FOLDER)) or pass its tokenizer")
    missing = [t for t in (CLS_TOKEN, SEP_TOKEN, PAD_TOKEN, UNK_TOKEN) if t not in vocab]
    if missing:
        raise ValueError(f"the vocabulary lacks {missing}: this is not a zhaoshang-ner model folder")
    return vocab


class ZhaoshangNERPipeline(Pipeline):
    """``predict(text, engine=<this model>)`` as a transformers pipeline.

    Input: a string or a list of strings. Output per text: a list of entities,
    each ``{"label", "start", "end", "text", "score"}`` (offsets into the input
    string, end exclusive) plus ``"entity_group"`` and ``"word"``, the names
    transformers' token-classification pipeline uses for label and text with
    ``aggregation_strategy="simple"``. ``lexicon=`` (at construction or per
    call) is ``predict``'s: names the rules, and through them the model, must know.
    """

    _load_tokenizer = None  # optional: the vocabulary is read from the folder's vocab.txt

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .neural import Recognizer

        # Recognizer checks the label map and reads rule_features / window_chars from the config
        self.recognizer = Recognizer.from_model(self.model, _read_vocab_for(self.model, self.tokenizer),
                                                device=str(self.device))
        self.recognizer.path = getattr(self.model, "name_or_path", None) or "<in-memory>"

    def _sanitize_parameters(self, lexicon=None, **kwargs):
        if kwargs:
            raise TypeError(f"ZhaoshangNERPipeline got unexpected arguments {sorted(kwargs)}; it takes lexicon=")
        forward = {} if lexicon is None else {"lexicon": load_lexicon(lexicon)}
        return {}, forward, {}

    def preprocess(self, inputs, **_):
        return {"text": check_text(inputs)}

    def _forward(self, model_inputs, lexicon=None):
        return {"record": predict_many([model_inputs["text"]], engine=self.recognizer, lexicon=lexicon)[0]}

    def postprocess(self, model_outputs, **_):
        return [{"label": e.label, "start": e.start, "end": e.end, "text": e.text, "score": e.score,
                 "entity_group": e.label, "word": e.text} for e in model_outputs["record"].entities]

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple)):
            # a list is one batched predict_many call (windows of all texts share batches)
            kwargs.pop("batch_size", None)
            kwargs.pop("num_workers", None)
            _, forward, _ = self._sanitize_parameters(**kwargs)
            forward = {**self._forward_params, **forward}
            records = predict_many(list(inputs), engine=self.recognizer, lexicon=forward.get("lexicon"))
            return [self.postprocess({"record": r}) for r in records]
        return super().__call__(inputs, *args, **kwargs)

    def get_iterator(self, inputs, num_workers, batch_size, *params):
        # datasets and generators: one text at a time (the Recognizer batches a text's windows itself)
        return super().get_iterator(inputs, num_workers, 1, *params)


def register() -> None:
    """Add the task ``"zhaoshang-ner"`` to transformers' pipeline registry (idempotent)."""
    from transformers import AutoModelForTokenClassification
    from transformers.pipelines import PIPELINE_REGISTRY

    if PIPELINE_REGISTRY.supported_tasks.get(TASK, {}).get("impl") is ZhaoshangNERPipeline:
        return
    PIPELINE_REGISTRY.register_pipeline(TASK, pipeline_class=ZhaoshangNERPipeline,
                                        pt_model=AutoModelForTokenClassification, type="text")


def load_pipeline(model: str | Path | None = None, **kwargs: Any) -> ZhaoshangNERPipeline:
    """``pipeline("zhaoshang-ner", model=...)`` after :func:`register`; the shipped model by default."""
    from transformers import pipeline

    from .neural import SHIPPED_MODEL_DIR

    register()
    return pipeline(TASK, model=str(model if model is not None else SHIPPED_MODEL_DIR), **kwargs)


def guard_entry() -> dict[str, dict]:
    """The ``custom_pipelines`` value of a guarded ``config.json``."""
    impl = f"{Path(PIPELINE_FILE).stem}.{ZhaoshangNERPipeline.__name__}"
    return {task: {"impl": impl, "pt": ["AutoModelForTokenClassification"], "type": "text"}
            for task in GUARDED_TASKS}


def has_pipeline_guard(path: str | Path) -> bool:
    """Does the folder's config.json route transformers' token-classification pipeline here?"""
    path = Path(path)
    try:
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return cfg.get("custom_pipelines") == guard_entry() and (path / PIPELINE_FILE).is_file()


def add_pipeline_guard(path: str | Path, *, manifest: bool = True) -> None:
    """Make ``pipeline("token-classification"|"ner", model=path)`` fail loudly (or, with
    ``trust_remote_code=True``, run :class:`ZhaoshangNERPipeline`) instead of returning
    wrong entities: ``custom_pipelines`` in ``config.json`` and ``zhaoshang_pipeline.py`` beside it.

    With ``manifest=True`` the folder is first checked against its manifest (a damaged
    folder is not re-blessed) and the manifest is rewritten after the change.
    """
    from .manifest import check_model_dir, write_manifest

    path = Path(path)
    if manifest:
        check_model_dir(path)
    cfg_path = path / "config.json"
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    cfg["custom_pipelines"] = guard_entry()
    # transformers' layout of config.json: top-level keys sorted, nested ones (id2label) as they were
    cfg_path.write_text(json.dumps(dict(sorted(cfg.items())), indent=2) + "\n", encoding="utf-8")
    (path / PIPELINE_FILE).write_text(_SHIM, encoding="utf-8")
    if manifest:
        write_manifest(path)


__all__ = ["TASK", "ZhaoshangNERPipeline", "add_pipeline_guard", "has_pipeline_guard", "load_pipeline", "register"]
