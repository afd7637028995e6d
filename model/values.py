"""Numeric values of amount and area mentions.

Shared by every engine so the same span gets the same number whichever engine
found it. Works on the *normalised* form of a span (simplified, half-width).
Amounts are returned in the currency's base unit (yuan for RMB) with an ISO
code in ``unit``; areas in square metres (``unit="m2"``). Masked digits
(``xx.x亿元``) give ``None``: an unknown number must not look like a known one.
Neither may an absurd one: a value that is not finite or lies beyond any
plausible figure (more money than the world's yearly output, more land than
the Earth's) is ``None`` with a ``note`` saying why, never ``inf``.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: Area units to square metres. Longest first so 平方公里 wins over 平方.
AREA_UNITS: dict[str, float] = {
    "平方公里": 1e6,
    "平方千米": 1e6,
    "km2": 1e6,
    "km²": 1e6,
    "公顷": 1e4,
    "平方米": 1.0,
    "平方尺": 0.09290304,
    "平方呎": 0.09290304,
    "平方英尺": 0.09290304,
    "英亩": 4046.8564224,
    "平米": 1.0,
    "m2": 1.0,
    "m²": 1.0,
    "㎡": 1.0,
    "亩": 10000 / 15,
    "坪": 3.305785,
}

#: Currency words to ISO codes. 元 alone is RMB.
CURRENCIES: dict[str, str] = {
    "人民币元": "CNY",
    "人民币": "CNY",
    "美元": "USD",
    "港元": "HKD",
    "港币": "HKD",
    "港币元": "HKD",
    "澳门元": "MOP",
    "澳元": "AUD",
    "欧元": "EUR",
    "日元": "JPY",
    "英镑": "GBP",
    "新台币": "TWD",
    "台币": "TWD",
    "韩元": "KRW",
    "元": "CNY",
    "块": "CNY",
}

MULTIPLIERS: dict[str, float] = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "亿": 1e8, "千万": 1e7, "百万": 1e6, "万": 1e4, "千": 1e3, "百": 1e2}

_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_NUM = rf"(?:[0-9xX][0-9xX,，]*(?:\.[0-9xX]+)?|[{_CN_DIGITS}点]+)"
_RANGE_SEP = r"(?:-|—|–|~|～|至|到)"


#: Upper bounds of a plausible value, in base units: 10^16 (ten thousand
#: trillion) of any currency is beyond world output; 10^14 m² is about the
#: Earth's land. Beyond them the text is garbage or a typo, not a figure.
MAX_AMOUNT = 1e16
MAX_AREA_M2 = 1e14

#: Why a value is None where the label normally has one.
NOTE_MASKED = "masked"            # digits hidden by x: xx.x亿元
NOTE_IMPLAUSIBLE = "implausible"  # not finite, or beyond MAX_AMOUNT / MAX_AREA_M2
NOTE_UNPARSED = "unparsed"        # no number could be read
NOTE_RANGE = "range"              # a range: see value_range

_PLAIN_NUMBER = re.compile(r"[0-9]{1,40}(?:\.[0-9]{1,40})?")


@dataclass(frozen=True)
class Value:
    value: float | None
    unit: str | None
    value_range: tuple[float, float] | None = None
    note: str | None = None


def parse_number(s: str) -> float | None:
    """A number written in digits, Chinese numerals or both (1.2万, 三十, 一万八); None if masked/unparsable."""
    s = s.replace(",", "").replace("，", "").strip()
    if not s or "x" in s.lower():
        return None
    if _PLAIN_NUMBER.fullmatch(s):
        # only plain decimals: float() would also read "1e308", "inf" and "nan"
        return float(s)
    if re.search(r"[0-9]", s) and not re.fullmatch(r"[0-9.]+[" + _CN_DIGITS[1:] + r"]*", s):
        return None
    import cn2an  # lazily: only needed for Chinese numerals

    if s[0] in "十百千万亿":
        s = ("一" + s) if s[0] != "十" else s
    try:
        n = float(cn2an.cn2an(s, "smart"))
    except (ValueError, KeyError, TypeError, IndexError, OverflowError):
        return None
    return n if math.isfinite(n) else None


def _split_multiplier(s: str) -> tuple[str, float]:
    """Peel trailing magnitude words (万, 亿, 万亿) and fillers (多, 余) off a number."""
    factor = 1.0
    s = s.rstrip("多余几来")
    changed = True
    while changed:
        changed = False
        for word in ("万亿", "亿", "万"):
            if s.endswith(word) and len(s) > len(word):
                factor *= MULTIPLIERS[word]
                s = s[: -len(word)].rstrip("多余几来")
                changed = True
                break
    return s, factor


def _quantity(s: str) -> float | None:
    if re.fullmatch(r"[千百]", s):  # 超千亿元 -> 千亿元: a bare magnitude
        return MULTIPLIERS[s]
    num, factor = _split_multiplier(s)
    if not num:
        return factor if factor != 1.0 else None
    n = parse_number(num)
    return None if n is None else n * factor


def _with_range(body: str) -> tuple[float | None, tuple[float, float] | None]:
    parts = re.split(_RANGE_SEP, body)
    if len(parts) == 2 and parts[0] and parts[1]:
        # 10-20亿: the magnitude after the second number applies to both
        hi_num, factor = _split_multiplier(parts[1])
        lo_num, lo_factor = _split_multiplier(parts[0])
        lo = parse_number(lo_num) if lo_num else None
        hi = parse_number(hi_num) if hi_num else None
        if lo is None or hi is None:
            return None, None
        lo *= lo_factor if lo_factor != 1.0 else factor
        hi *= factor
        return None, (lo, hi)
    return _quantity(body), None


def _bounded(label_max: float, value: float | None, rng: tuple[float, float] | None,
             unit: str, body: str, digits: int | None = None) -> Value:
    """The one place a computed value becomes a Value: masked, absurd and ranges get their note."""
    def ok(x: float) -> bool:
        return math.isfinite(x) and 0 <= x <= label_max

    if rng is not None:
        if not (ok(rng[0]) and ok(rng[1])):
            return Value(None, unit, None, NOTE_IMPLAUSIBLE)
        if digits is not None:
            rng = (round(rng[0], digits), round(rng[1], digits))
        return Value(None, unit, rng, NOTE_RANGE)
    if value is None:
        masked = "x" in body.lower()
        return Value(None, unit, None, NOTE_MASKED if masked else NOTE_UNPARSED)
    if not ok(value):
        return Value(None, unit, None, NOTE_IMPLAUSIBLE)
    return Value(round(value, digits) if digits is not None else value, unit)


def amount_value(normalized: str) -> Value:
    """Value of an amount mention: 192.8亿元 -> 19280000000 CNY; 2967万元 -> 29670000."""
    s = normalized.replace(" ", "")
    unit = "CNY"
    for word, code in CURRENCIES.items():
        if word == "元" or word == "块":
            continue
        if word in s:
            unit = code
            s = s.replace(word, "")
            break
    s = s.rstrip("元块钱")
    s = re.sub(r"^(?:人民币|RMB)", "", s)
    value, rng = _with_range(s)
    return _bounded(MAX_AMOUNT, value, rng, unit, s)


def area_value(normalized: str) -> Value:
    """Value of an area mention in m²: 21.5万平方米 -> 215000; 512亩 -> 341333.33."""
    s = normalized.replace(" ", "")
    for word, factor in AREA_UNITS.items():
        # the unit may repeat in a range (130㎡到300㎡): strip every occurrence
        if s.endswith(word):
            body = s.replace(word, "")
            value, rng = _with_range(body)
            value = None if value is None else value * factor
            rng = None if rng is None else (rng[0] * factor, rng[1] * factor)
            return _bounded(MAX_AREA_M2, value, rng, "m2", body, digits=2)
    return Value(None, "m2", None, NOTE_UNPARSED)


def value_for(label: str, normalized: str) -> Value:
    if label == "amount":
        return amount_value(normalized)
    if label == "area":
        return area_value(normalized)
    return Value(None, None)


_NUMERAL = re.compile(rf"[0-9xX{_CN_DIGITS}]")


def unit_end(label: str, normalized: str) -> int | None:
    """Where an amount or area mention should end: after its last unit (the guide's span rule).

    A model may run a span past the unit (1000亩地, 100亿元产值); the value
    parser then reads nothing, so the span is cut at the unit instead of
    reaching the user as an unparsed figure. Only a unit this module knows
    cuts (a currency word for money, not a bare 万/亿): a span ending in a
    currency it does not know (3000万美金) stays whole and unparsed rather
    than turn into a wrong number in yuan. ``None`` when no number comes
    before the unit (a bare 平方米 of a price): by the guide that is no
    amount or area. Other labels end where they end.
    """
    if label not in ("amount", "area"):
        return len(normalized)
    units = AREA_UNITS if label == "area" else CURRENCIES
    found = [(at + len(u), at) for u in units if (at := normalized.rfind(u)) >= 0]
    end, start = max(found) if found else (len(normalized), len(normalized))
    return end if _NUMERAL.search(normalized[:start]) else None  # m2's 2 is no number


def snap_to_units(text: str, spans: list) -> list:
    """``spans`` (start, end, label, ...) of ``text`` with amounts and areas ending at their unit, and those with no unit or numeral dropped."""
    out = []
    for span in spans:
        s, e, label = span[:3]
        end = unit_end(label, text[s:e])
        if end:
            out.append((s, s + end, *span[2:]))
    return out
