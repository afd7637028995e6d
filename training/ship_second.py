"""Ship the ensemble's second model beside the shipped one, with the ensemble's cross-validated scores.

    python -m training.ship_second --model runs/second_l12_crf --config-file training/configs/l12_crf.json \\
        --scores reports/ablations/scores.json

The ensemble engine (``predict(text, engine="ensemble")``, :mod:`zhaoshang_ner.ensemble`)
is the strict majority of the rules, the shipped model and this second model.
The second model serves nothing else, so only its int8 ONNX file ships
(``model/weights/second/``, about 25 MB, no torch weights). Its cross-validated
scores come from ``training.ablations --json`` (its ``ensemble`` row: a vote of
the cross-validated predictions, on the same folds as the shipped model's); they go into the shipped model card (``training_info.json``, where
:func:`zhaoshang_ner.api.default_engine` reads them) and the card's README.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from zhaoshang_ner.labels import LABELS
from zhaoshang_ner.neural import SECOND_MODEL_DIR, SHIPPED_MODEL_DIR, TORCH_FILE

#: What the second model's folder holds once shipped: enough for ONNX Runtime and the manifest.
FILES = ("config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "train_config.json",
         "training_info.json")
CARD_HEAD = "## The ensemble engine"


def card_section(cv: dict, second_info: dict, config_file: str) -> str:
    ens, model, rules = cv["ensemble"], cv["model"], cv["rules"]
    rows = [("rules", rules), ("model (this folder)", model), ("ensemble (rules + model + second model)", ens)]
    head = "| engine | " + " | ".join(LABELS) + " | micro |"
    table = [head, "|" + "---|" * (len(LABELS) + 2)]
    table += [f"| {name} | " + " | ".join(f"{100 * s[lab]:.1f}" for lab in LABELS) + f" | {100 * s['micro']:.1f} |"
              for name, s in rows]
    return "\n".join([
        CARD_HEAD, "",
        "`predict(text, engine=\"ensemble\")` keeps the spans that at least two of three engines return "
        "with the same edges and label: the rules, this model and a second model (`second/`, int8 ONNX "
        f"only; trained with `{config_file}` on the same documents, "
        f"{second_info.get('seconds', 0) / 60:.0f} min on a 2-core CPU). It reads each text with both "
        "models, so it takes about twice the model's time.", "",
        f"Cross-validated on the same folds as the table above (`{ens.get('command', '')}`), strict F1:", "",
        *table, "",
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="the trained second model's folder")
    ap.add_argument("--config-file", required=True, help="the config it was trained with")
    ap.add_argument("--scores", type=Path, required=True, help="training.ablations --json output with an 'ensemble' row")
    ap.add_argument("--out", type=Path, default=SECOND_MODEL_DIR)
    ap.add_argument("--card", type=Path, default=SHIPPED_MODEL_DIR,
                    help="the shipped model's folder, whose card gets the ensemble's scores")
    args = ap.parse_args(argv)
    scores = json.loads(args.scores.read_text(encoding="utf-8"))
    if "ensemble" not in scores:
        raise SystemExit(f"{args.scores}: no 'ensemble' entry; name a vote variant 'ensemble' in training.ablations --json")
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    for name in FILES:
        if (args.model / name).is_file():
            shutil.copy(args.model / name, args.out / name)
    from zhaoshang_ner.manifest import write_manifest

    from .export_onnx import build

    build(args.out, half=True)
    (args.out / TORCH_FILE).unlink()  # the ensemble serves it through ONNX Runtime only
    write_manifest(args.out)

    info_path = args.card / "training_info.json"
    info = json.loads(info_path.read_text(encoding="utf-8"))
    info["crossval"]["ensemble"] = scores["ensemble"]
    info["ensemble_second_model"] = {"config_file": args.config_file,
                                     "seconds": json.loads((args.out / "training_info.json").read_text(
                                         encoding="utf-8")).get("seconds")}
    info_path.write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")
    second_info = json.loads((args.out / "training_info.json").read_text(encoding="utf-8"))
    readme = args.card / "README.md"
    text = readme.read_text(encoding="utf-8")
    if CARD_HEAD in text:  # shipped again: replace the section, keep the rest of the card
        start = text.index(CARD_HEAD)
        nxt = text.find("\n## ", start + len(CARD_HEAD))
        text = text[:start] + (text[nxt + 1:] if nxt >= 0 else "")
    readme.write_text(text.rstrip("\n") + "\n\n" + card_section(info["crossval"], second_info, args.config_file),
                      encoding="utf-8")
    size = sum(p.stat().st_size for p in args.out.iterdir()) / 2**20
    print(f"shipped the second model to {args.out} ({size:.1f} MB); ensemble micro-F1 "
          f"{scores['ensemble']['micro']:.3f}, model {info['crossval']['model']['micro']:.3f}, "
          f"rules {info['crossval']['rules']['micro']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
