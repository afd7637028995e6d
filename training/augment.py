"""Training-data augmentation, each kind measured on the same folds before use.

Mention replacement: copies of training documents in which company, park and
industry mentions are swapped for other mentions of the same label, drawn
from the *training* documents of the fold (never the test fold) and the
project's lexicons. The context stays real; the names vary, so the model
learns the context of a name rather than the five seeds' parks.

(Traditional-character and glued-pinyin copies were measured without
training: after :func:`zhaoshang_ner.normalize.normalize` they are near-identical
to the simplified originals, see ``python -m training.augment --noisy-check``.)
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from typing import Iterable, Sequence

from zhaoshang_ner.gold import GoldDoc, GoldEntity
from zhaoshang_ner.normalize import normalize, normalize_span

REPLACEABLE = ("company", "park", "industry")


def mention_pool(docs: Iterable[GoldDoc]) -> dict[str, list[str]]:
    from zhaoshang_ner.rules import default_lexicons

    pool: dict[str, set[str]] = defaultdict(set)
    for d in docs:
        for e in d.entities:
            if e.label in REPLACEABLE:
                pool[e.label].add(normalize_span(d.text[e.start:e.end]))
    lex = default_lexicons()
    pool["company"].update(lex.companies)
    pool["industry"].update(lex.industries)
    return {k: sorted(v) for k, v in pool.items()}


def mention_replaced_docs(docs: Sequence[GoldDoc], fraction: float, seed: int, p_replace: float = 0.5) -> list[GoldDoc]:
    rng = random.Random(seed)
    pool = mention_pool(docs)
    chosen = rng.sample(list(docs), max(1, round(len(docs) * fraction)))
    out = []
    for d in sorted(chosen, key=lambda x: x.id):
        text, ents, pos = "", [], 0
        for e in sorted(d.entities, key=lambda x: x.start):
            text += d.text[pos:e.start]
            surface = d.text[e.start:e.end]
            if e.label in REPLACEABLE and pool.get(e.label) and rng.random() < p_replace:
                surface = rng.choice(pool[e.label])
            ents.append(GoldEntity(len(text), len(text) + len(surface), e.label))
            text += surface
            pos = e.end
        text += d.text[pos:]
        out.append(GoldDoc(f"{d.id}+mr", text, ents, d.source, d.family))
    return out


def noisy_copy_check(docs: Sequence[GoldDoc]) -> dict:
    """How different a traditional + glued-pinyin copy is *after normalisation*.

    Builds the copy the way seeds 000 and 003 look (OpenCC s2t, pinyin after
    every character that changed), normalises it, and counts characters that
    differ from the normalised original.
    """
    import opencc
    from pypinyin import Style, pinyin

    s2t = opencc.OpenCC("s2t")
    changed = total = 0
    for d in docs:
        if d.family in ("traditional",) or d.id in ("000", "003"):
            continue
        base = normalize(d.text).text
        trad = s2t.convert(base)
        if len(trad) != len(base):
            trad = "".join(s2t.convert(c) for c in base)
        noisy = "".join(t + (f"({pinyin(b, style=Style.TONE)[0][0]})" if t != b else "") for t, b in zip(trad, base))
        back = normalize(noisy).text
        total += len(base)
        changed += sum(a != b for a, b in zip(back, base)) + abs(len(back) - len(base))
    return {"characters": total, "differing_after_normalisation": changed,
            "share": round(changed / max(1, total), 5)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--noisy-check", action="store_true")
    args = ap.parse_args(argv)
    from zhaoshang_ner.gold import load_all

    docs, note = load_all()
    if args.noisy_check:
        print(json.dumps({**noisy_copy_check(docs), "note": note}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
