"""The shipped classifier served by ONNX Runtime: no torch, no transformers at inference.

``model.int8.onnx`` (exported and quantised by ``python -m training.export_onnx``)
takes the same three inputs as the torch model -- character ids, the rule
features as token types, the attention mask -- and gives the same logits up to
quantisation; windows, averaging and decoding are the shared numpy code of
:mod:`zhaoshang_ner.encoding`, so the two backends differ only in the forward
pass. The folder is checked against its manifest first, like the torch one.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .encoding import WindowedTagger
from .labels import TAGS
from .neural import ONNX_FILE, read_vocab

#: The graph's contract (``training.export_onnx`` writes it).
INPUTS = ("input_ids", "token_type_ids", "attention_mask")


class OnnxRecognizer(WindowedTagger):
    """:class:`zhaoshang_ner.neural.Recognizer`'s interface over an ONNX Runtime session.

    ``threads``: onnxruntime's intra-op threads (0: one per core). Windows of
    ``max_chars`` characters step ``stride`` (default: the model's training
    window, a quarter of it).
    """

    def __init__(self, path: str | Path, *, model_file: str = ONNX_FILE, max_chars: int | None = None,
                 stride: int | None = None, batch_size: int = 16, threads: int = 0,
                 sentences: bool = False) -> None:
        from .manifest import ModelDirError, check_model_dir

        self.path = Path(path)
        onnx_path = self.path / model_file
        cfg = check_model_dir(self.path, weights=model_file)
        try:
            import onnxruntime as ort
        except ImportError:
            raise ImportError("serving the model through ONNX needs onnxruntime: pip install onnxruntime") from None
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 3  # errors only: no optimizer chatter on the user's terminal
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own kinds on a damaged file
            raise ModelDirError(f"{onnx_path}: not a loadable ONNX model ({str(exc).splitlines()[0]})") from None
        names = tuple(i.name for i in self.session.get_inputs())
        outputs = self.session.get_outputs()
        if sorted(names) != sorted(INPUTS) or outputs[0].name != "logits" or outputs[0].shape[-1] != len(TAGS):
            raise ModelDirError(f"{onnx_path}: inputs {names} and output {outputs[0].name}{outputs[0].shape} are not "
                                f"{INPUTS} -> logits[..., {len(TAGS)}]")
        self.vocab = read_vocab(self.path)
        self.model_file = model_file
        self._configure(cfg, max_chars, stride, batch_size, sentences)

    def _forward(self, input_ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.session.run(["logits"], {"input_ids": input_ids, "token_type_ids": types,
                                             "attention_mask": mask})[0]
