"""How the rule engine's run time grows with the input (a script that prints a table, not a test).

    python -m training.rules_scaling [--sizes 2000,4000,8000,16000] [--budget 60] [--rules PATH]

Times ``rules.extract`` on adversarial inputs -- long digit runs, numeral
runs, repeated park heads and company suffixes, enumerations, many distinct
names, random mixes of digits, units and CJK -- and on a real seed report
repeated, each cut to exactly 2k, 4k, 8k and 16k characters. It prints the
seconds per call and the growth ratio per doubling of the input; a linear
engine stays near 2x, a quadratic one near 4x. The goal is <= 2.5x per
doubling for every pattern.

Each figure is the fastest of several calls, each with jieba's per-segment
cache emptied first, so repeated text does not look cheaper than it is; the
sizes are timed in turn, round after round, so a busy machine's noise falls
on all of them alike. Times of a few milliseconds still wobble: read their
ratios with that in mind.
A call slower than ``--budget`` seconds stops that pattern (larger sizes are
shown as "skip"), so the script also finishes on a quadratic engine.
``--rules PATH`` times another copy of ``rules.py`` (say the previous
version) instead of the installed one.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import random
import sys
import time
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
GOAL = 2.5


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _tail(unit: str, tail: str, size: int) -> str:
    return _fill(unit, size - len(tail)) + tail


def _random_mix(size: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    atoms = list("0123456789,.xX一二三四五六七八九十百千万亿多余点") + [
        "亿元", "万元", "美元", "平方米", "亩", "公顷", "-", "至", "~",
        "投资", "总投资", "产业园", "开发区", "有限公司", "集团", "科技", "新能源",
        "、", "，", "。", "等企业", "（", "）", "的", "在", "项目", "园区",
    ] + [chr(rng.randrange(0x4E00, 0x9FA6)) for _ in range(40)]
    out: list[str] = []
    n = 0
    while n < size:
        a = rng.choice(atoms)
        out.append(a)
        n += len(a)
    return "".join(out)[:size]


#: Common characters: names made of them are all different, yet cheap for jieba to tag
#: (a run of rare characters costs its POS tagger about 2 ms a character -- linear, but slow).
_NAME_CHARS = "东南西北中华新兴恒泰瑞丰达通宏远安康和平金银海山川江河湖云天星辰明光"


def _distinct_names(size: int, seed: int = 11) -> str:
    """Many different company names, so mention propagation has many names to look for."""
    rng = random.Random(seed)
    out: list[str] = []
    n = 0
    while n < size:
        name = "".join(rng.choice(_NAME_CHARS) for _ in range(4))
        part = f"引进{name}科技有限公司，"
        out.append(part)
        n += len(part)
    return "".join(out)[:size]


def _seed_report(size: int) -> str:
    from zhaoshang_ner.normalize import normalize

    path = sorted((ROOT / "seeds").glob("*.txt"))[1]
    text = normalize(path.read_text(encoding="utf-8")).text
    return _fill(text, size)


PATTERNS: dict[str, Callable[[int], str]] = {
    '"1,"*n': lambda k: _fill("1,", k),
    '"一"*n': lambda k: _fill("一", k),
    '"亿"*n+"元"': lambda k: _tail("亿", "元", k),
    '"9"*n+"亿元"': lambda k: _tail("9", "亿元", k),
    '"一"*n+"亿元"': lambda k: _tail("一", "亿元", k),
    '"1,"*n+"平方米"': lambda k: _tail("1,", "1平方米", k),
    '"xx"*n': lambda k: _fill("xx", k),
    '"产业园"*n': lambda k: _fill("产业园", k),
    '"有限公司"*n': lambda k: _fill("有限公司", k),
    '"甲乙、"*n': lambda k: _fill("甲乙、", k),
    '"投资1亿"*n': lambda k: _fill("投资1亿", k),
    "distinct names": _distinct_names,
    "random mix": _random_mix,
    "seed report repeated": _seed_report,
}


def _pad(text: str, width: int) -> str:
    """Left-justify to a display width: CJK characters take two columns."""
    cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - cols)


def load_rules(path: str | None) -> ModuleType:
    if path is None:
        from zhaoshang_ner import rules

        return rules
    import zhaoshang_ner  # noqa: F401  (the parent package, for relative imports)

    spec = importlib.util.spec_from_file_location("zhaoshang_ner._rules_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def time_call(rules: ModuleType, text: str) -> float:
    """Seconds of one ``rules.extract`` call with a cold segment cache and no garbage collection."""
    if hasattr(rules, "_posseg"):
        rules._posseg.cache_clear()
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        rules.extract(text)
        return time.perf_counter() - t0
    finally:
        gc.enable()


def time_sizes(rules: ModuleType, texts: list[str], budget: float,
               min_rounds: int = 3, max_rounds: int = 15, min_total: float = 1.5, slow: float = 2.0) -> list[float | None]:
    """Fastest call per text, over rounds that visit every size in turn.

    Interleaving the sizes spreads a busy machine's noise over all of them
    (it would otherwise land on one size and fake a growth ratio). A size
    slower than ``slow`` seconds is timed once (noise is small there); after a
    call slower than ``budget``, larger sizes are not timed at all (None).
    """
    best: list[float | None] = [None] * len(texts)
    limit = len(texts)
    spent = 0.0
    for r in range(max_rounds):
        for k in range(limit):
            if r and best[k] is not None and best[k] >= slow:
                continue
            dt = time_call(rules, texts[k])
            spent += dt
            best[k] = dt if best[k] is None else min(best[k], dt)
            if dt > budget:
                limit = k + 1
                break
        if all(b is None or b >= slow for b in best[:limit]):
            break
        if r + 1 >= min_rounds and spent >= min_total:
            break
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="2000,4000,8000,16000", help="comma-separated input lengths (each the double of the previous)")
    ap.add_argument("--budget", type=float, default=60.0, help="stop a pattern after a call slower than this many seconds")
    ap.add_argument("--rules", default=None, help="path of another rules.py to time instead of the installed one")
    ap.add_argument("--only", default=None, help="comma-separated substrings: time only the patterns whose name contains one")
    args = ap.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",")]
    rules = load_rules(args.rules)
    rules.extract("总投资约10亿元，落户产业园。")  # warm-up: jieba's dictionary and the lexicons load once
    patterns = PATTERNS
    if args.only:
        keys = args.only.split(",")
        patterns = {k: v for k, v in PATTERNS.items() if any(s in k for s in keys)}

    print(f"rules module: {rules.__file__}")
    def k(n: int) -> str:
        return f"{n / 1000:g}k"

    head = f"{'pattern':<22}" + "".join(f"{k(n) + ' s':>10}" for n in sizes)
    head += "".join(f"{f'x{k(a)}→{k(b)}':>11}" for a, b in zip(sizes, sizes[1:])) + f"{'max x':>8}  ok"
    print(head)
    print("-" * len(head))
    worst: list[str] = []
    for name, make in patterns.items():
        texts = [make(n) for n in sizes]
        assert [len(t) for t in texts] == sizes, name
        times = time_sizes(rules, texts, args.budget)
        ratios = [b / a if a and b else None for a, b in zip(times, times[1:])]
        known = [r for r in ratios if r is not None]
        top = max(known) if known else None
        ok = "?" if top is None or None in times else ("yes" if top <= GOAL else "NO")
        if ok != "yes":
            worst.append(name)
        row = _pad(name, 22) + "".join(f"{t:>10.4f}" if t is not None else f"{'skip':>10}" for t in times)
        row += "".join(f"{r:>11.2f}" if r is not None else f"{'-':>11}" for r in ratios)
        row += (f"{top:>8.2f}" if top is not None else f"{'-':>8}") + f"  {ok}"
        print(row, flush=True)
    print()
    if worst:
        print(f"above {GOAL}x per doubling (or stopped by the budget): {', '.join(worst)}")
    else:
        print(f"every pattern grows by at most {GOAL}x per doubling")
    return 0


if __name__ == "__main__":
    sys.exit(main())
