"""Export the shipped classifier to ONNX, quantise it, and prove it tags what the torch model tags.

    python -m training.export_onnx --model model/weights

Writes ``model.onnx`` (float32, then removed unless ``--keep-fp32``) and
``model.int8.onnx`` (dynamic int8 weights, onnxruntime.quantization) into the
model folder and refreshes its manifest. Then runs the torch model and each ONNX
file on every gold document through the same windows and decoder
(:func:`zhaoshang_ner.encoding.window_probabilities`) and prints, per backend,
strict micro-F1 against the gold and the share of entities that differ from the
torch model's (span or label). The rule features are an input of the graph
(token_type_ids), so the user's lexicon still reaches the model.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

OPSET = 17


def export(model_dir: Path, out: Path) -> None:
    import torch

    from zhaoshang_ner.neural import Recognizer

    rec = Recognizer(model_dir, device="cpu")
    model = rec.model.eval()

    class Logits(torch.nn.Module):  # the graph's one output: logits, not a ModelOutput
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, token_type_ids, attention_mask):
            return self.inner(input_ids=input_ids, token_type_ids=token_type_ids,
                              attention_mask=attention_mask).logits

    ids = torch.ones((2, 16), dtype=torch.long)
    with torch.inference_mode():
        torch.onnx.export(Logits(model), (ids, torch.zeros_like(ids), torch.ones_like(ids)), str(out),
                          input_names=["input_ids", "token_type_ids", "attention_mask"], output_names=["logits"],
                          dynamic_axes={n: {0: "batch", 1: "width"} for n in
                                        ("input_ids", "token_type_ids", "attention_mask", "logits")},
                          opset_version=OPSET, dynamo=False)


def half_checkpoint(model_dir: Path) -> None:
    """Store the torch weights as float16 (half the bytes; they load back as float32).

    The config keeps ``dtype: float32``, so transformers casts them up on load;
    the ONNX files are exported from these same rounded weights, so the
    shipped backends read one model.
    """
    import torch
    from safetensors.torch import load_file, save_file

    f = model_dir / "model.safetensors"
    tensors = load_file(str(f))
    if all(t.dtype == torch.float16 for t in tensors.values()):
        return
    save_file({k: (t.half() if t.is_floating_point() else t).contiguous() for k, t in tensors.items()}, str(f),
              metadata={"format": "pt"})
    f.chmod(0o644)  # safetensors writes 0600; the package's files are world-readable


def quantize(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=False)


def calibration_inputs(model_dir: Path, texts: list[str], *, windows: int = 128, batch_size: int = 8,
                       seed: int = 0) -> list[dict]:
    """Input batches for static quantisation: ``windows`` windows drawn from ``texts`` (normalised).

    The batches are the ones serving builds (:func:`encoding.window_probabilities`
    is run with a forward pass that records its inputs), so calibration sees
    the real padding, features and widths.
    """
    import random

    import numpy as np

    from zhaoshang_ner.encoding import window_probabilities
    from zhaoshang_ner.features import FeatureSet
    from zhaoshang_ner.neural import DEFAULT_WINDOW_CHARS, read_vocab

    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    seen: list[dict] = []

    def record(input_ids, types, mask):
        seen.append({"input_ids": input_ids, "token_type_ids": types, "attention_mask": mask})
        return np.zeros((*input_ids.shape, len(cfg["id2label"])), dtype=np.float32)

    window = int(cfg.get("window_chars", DEFAULT_WINDOW_CHARS))
    # texts drawn at random until they hold enough windows: the features of the rest are never computed
    texts = random.Random(seed).sample(list(texts), len(texts))
    chosen, held = [], 0
    for text in texts:
        if held >= windows:
            break
        chosen.append(text)
        held += -(-len(text) // window)
    window_probabilities(chosen, read_vocab(model_dir), record, max_chars=window, stride=window,
                         batch_size=batch_size, features=FeatureSet.from_config(cfg))
    random.Random(seed).shuffle(seen)
    return seen[: max(1, windows // batch_size)]


def quantize_static_int8(src: Path, dst: Path, calibration: list[dict]) -> None:
    """Static int8 (QDQ, activations' ranges calibrated once; per-channel int8 weights) of the MatMuls."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(calibration)

        def get_next(self):
            return next(self.batches, None)

    pre = dst.with_name(dst.stem + ".pre.onnx")
    quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)  # symbolic inference fails on the dynamic widths
    try:
        quantize_static(str(pre), str(dst), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
    finally:
        pre.unlink(missing_ok=True)


def float16(src: Path, dst: Path) -> None:
    """The graph in float16 (inputs and outputs kept), as onnxconverter-common converts it."""
    import onnx

    from zhaoshang_ner.extras import require

    require(["onnxconverter_common"], "train", "an ONNX float16 copy")
    from onnxconverter_common import float16 as f16

    onnx.save(f16.convert_float_to_float16(onnx.load(str(src)), keep_io_types=True), str(dst))


def compare(model_dir: Path, files: list[str]) -> list[str]:
    from zhaoshang_ner.evaluate import micro_f1
    from zhaoshang_ner.gold import load_all
    from zhaoshang_ner.neural import Recognizer
    from zhaoshang_ner.normalize import normalize
    from zhaoshang_ner.onnx_engine import OnnxRecognizer

    docs, note = load_all()
    norms = [normalize(d.text) for d in docs]

    def spans(rec) -> tuple[dict, float]:
        t0 = time.perf_counter()
        out = {}
        for d, n, sp in zip(docs, norms, rec.predict_spans([n.text for n in norms])):
            out[d.id] = [(*n.to_original(s, e), label) for s, e, label, _ in sp]
        return out, time.perf_counter() - t0

    chars = sum(len(d.text) for d in docs)
    torch_spans, secs = spans(Recognizer(model_dir, device="cpu"))
    lines = [f"{len(docs)} gold documents, {chars} characters" + (f" ({note})" if note else ""), "",
             "| backend | strict micro-F1 vs gold | entities differing from torch | seconds | size MB |",
             "|---|---|---|---|---|",
             f"| torch fp32 | {100 * micro_f1(docs, torch_spans):.2f} | - | {secs:.0f} | "
             f"{(model_dir / 'model.safetensors').stat().st_size / 1e6:.0f} |"]
    for name in files:
        got, secs = spans(OnnxRecognizer(model_dir, model_file=name))
        a = {(i, *s) for i, v in torch_spans.items() for s in v}
        b = {(i, *s) for i, v in got.items() for s in v}
        differ = len(a ^ b) / max(1, len(a | b))
        lines.append(f"| {name} | {100 * micro_f1(docs, got):.2f} | {100 * differ:.2f}% | {secs:.0f} | "
                     f"{(model_dir / name).stat().st_size / 1e6:.0f} |")
    return lines


def build(model_dir: Path, *, half: bool = True, keep_fp32: bool = False) -> Path:
    """The shipped serving files of a model folder, as ``training.ship`` makes them.

    Float16 torch weights (``half``), ``model.onnx`` exported from them, then
    ``model.int8.onnx``; the manifest records the result. Returns the int8 file.
    """
    from zhaoshang_ner.manifest import write_manifest

    fp32, int8 = model_dir / "model.onnx", model_dir / "model.int8.onnx"
    if half:
        half_checkpoint(model_dir)
        write_manifest(model_dir)  # the torch loader checks the weights against it
    export(model_dir, fp32)
    quantize(fp32, int8)
    if not keep_fp32:
        fp32.unlink()
    write_manifest(model_dir)
    return int8


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=Path("model/weights"))
    ap.add_argument("--keep-fp32", action="store_true")
    ap.add_argument("--half-checkpoint", action="store_true",
                    help="first store model.safetensors as float16, as the package ships it")
    ap.add_argument("--no-compare", action="store_true")
    ap.add_argument("--out", type=Path, default=None, help="also write the comparison table here")
    args = ap.parse_args(argv)
    from zhaoshang_ner.manifest import write_manifest

    files = ["model.onnx", "model.int8.onnx"]
    build(args.model, half=args.half_checkpoint, keep_fp32=True)
    lines = [] if args.no_compare else compare(args.model, files)
    if not args.keep_fp32:
        (args.model / "model.onnx").unlink()
    write_manifest(args.model)
    int8 = args.model / "model.int8.onnx"
    info = args.model / "training_info.json"
    if info.is_file():
        card = json.loads(info.read_text(encoding="utf-8"))
        card["onnx"] = {"file": int8.name, "opset": OPSET, "quantization": "dynamic int8 weights (QInt8)",
                        "command": "python -m training.export_onnx --model " + str(args.model)
                        + (" --half-checkpoint" if args.half_checkpoint else ""),
                        "torch_checkpoint_dtype": "float16" if args.half_checkpoint else "float32"}
        info.write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
