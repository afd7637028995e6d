"""The rule baseline: regular expressions for amounts and areas, lexicons and
jieba segmentation for companies, parks and industries.

It runs on normalised text (see :mod:`zhaoshang_ner.normalize`) and returns spans of
that text; :mod:`model.api` maps them back to the caller's offsets. Lexicons
live in ``model/resources/`` as plain word lists written from the annotation
guide and general knowledge (never from the gold files), so they can be
reviewed and grown without touching code. Users add the names they know with a
:class:`Lexicon` passed to :func:`extract`.

Run time is linear in the length of the text, whatever the text: every regular
expression quantifier is bounded (a number is at most :data:`MAX_NUMBER`
characters, a name at most :data:`MAX_NAME`), scans that walk left over a name
stop after a fixed number of characters, and the passes that look for many
names at once index them by first character instead of searching the text once
per name. ``python -m training.rules_scaling`` measures it.

Speed: the patterns built from the lexicons are compiled once per process
(:func:`_patterns`), cheap checks run before the costly jieba segmentation
they would make useless, and jieba's part-of-speech HMM runs through
:class:`_PosHMM`, a faster decoder of jieba's own tables with the same results.
"""
from __future__ import annotations

import logging
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Union

from .labels import LABELS
from .normalize import normalize

RESOURCES = Path(__file__).resolve().parent / "resources"

Span = tuple[int, int, str]

#: The longest digit or numeral run read as one number (longer runs are not money or land).
MAX_NUMBER = 40
#: The longest name a pattern reads in one piece (names are found by bounded windows).
MAX_NAME = 40

# ---------------------------------------------------------------- lexicons


def read_lexicon(name: str) -> list[str]:
    """Entries of a resource word list, comments and blanks skipped, longest first."""
    words = []
    for line in (RESOURCES / name).read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    return sorted(set(words), key=lambda w: (-len(w), w))


@dataclass(frozen=True)
class Lexicons:
    industries: tuple[str, ...]
    weak_industries: tuple[str, ...]
    companies: tuple[str, ...]
    company_suffixes: tuple[str, ...]
    company_trade_words: tuple[str, ...]
    park_heads: tuple[str, ...]
    park_names: tuple[str, ...]
    not_industry_before: tuple[str, ...]


@lru_cache(maxsize=1)
def default_lexicons() -> Lexicons:
    return Lexicons(
        industries=tuple(read_lexicon("industries.txt")),
        weak_industries=tuple(read_lexicon("industries_weak.txt")),
        companies=tuple(read_lexicon("companies.txt")),
        company_suffixes=tuple(read_lexicon("company_suffixes.txt")),
        company_trade_words=tuple(read_lexicon("company_trade_words.txt")),
        park_heads=tuple(read_lexicon("park_heads.txt")),
        park_names=tuple(read_lexicon("park_names.txt")),
        not_industry_before=tuple(read_lexicon("org_heads.txt")),
    )


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    """A regex for the words, the longest that matches winning at each position.

    The words are grouped under their first character (``a(?:bc|b)|x(?:y)``),
    longest first within a group: a position then tries only the words that
    can start there, instead of every word in turn (twice as fast on the
    industry list), and matches exactly what the flat ``abc|ab|xy`` does.
    """
    groups: dict[str, list[str]] = {}
    for w in sorted(words, key=len, reverse=True):
        groups.setdefault(w[0], []).append(w[1:])
    return "|".join(re.escape(first) + "(?:" + "|".join(re.escape(rest) for rest in tails) + ")"
                    for first, tails in groups.items())


@dataclass(frozen=True)
class _Patterns:
    """The lexicons as compiled alternations and sets, built once (a few hundred words each)."""

    park_heads: re.Pattern[str]
    park_names: frozenset[str]
    sectors: frozenset[str]
    weak_industries: frozenset[str]
    company_suffixes: re.Pattern[str]
    company_trade_words: re.Pattern[str]
    companies: re.Pattern[str] | None
    industries: re.Pattern[str]
    not_industry_before: re.Pattern[str] | None


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    """Built on first use; rebuilding the alternations on every call was a fifth of a cached call's time."""
    lex = default_lexicons()
    return _Patterns(
        park_heads=re.compile(_alternation(lex.park_heads)),
        park_names=frozenset(lex.park_names),
        sectors=frozenset(lex.industries) | frozenset(lex.weak_industries),
        weak_industries=frozenset(lex.weak_industries),
        company_suffixes=re.compile(_alternation(lex.company_suffixes)),
        company_trade_words=re.compile(_alternation(lex.company_trade_words)),
        companies=re.compile(_alternation(lex.companies)) if lex.companies else None,
        industries=re.compile(_alternation(lex.industries + lex.weak_industries)),
        not_industry_before=re.compile(_alternation(lex.not_industry_before)) if lex.not_industry_before else None,
    )


# ---------------------------------------------------------------- amounts and areas

_CN = "零〇一二两三四五六七八九十百千"
_NUM = (rf"(?:[0-9xX][0-9xX,]{{0,{MAX_NUMBER - 1}}}(?:\.[0-9xX]{{1,{MAX_NUMBER}}})?"
        rf"|[{_CN}]{{1,{MAX_NUMBER}}}(?:点[{_CN}]{{1,{MAX_NUMBER}}})?)")
_FILL = r"(?:多|余|几)?"
_MAG = r"(?:万亿|千亿|百亿|亿|千万|百万|万)?"
_RSEP = r"(?:-|—|–|~|～|至|到)"
_CURRENCY = r"(?:美元|港元|港币|欧元|日元|英镑|澳元|韩元|人民币元|元)"
_AREA_UNIT = r"(?:平方公里|平方千米|平方米|平方呎|平方尺|平方英尺|平米|公顷|英亩|亩|㎡|m2|m²|坪)"

_QTY = rf"{_NUM}{_FILL}{_MAG}{_FILL}"
AMOUNT_RE = re.compile(rf"(?<![0-9A-Za-z.]){_QTY}(?:{_RSEP}{_QTY})?{_CURRENCY}")
#: 总投资近290亿 — a bare magnitude is money only next to a money word.
BARE_AMOUNT_RE = re.compile(rf"(?<![0-9A-Za-z.]){_NUM}{_FILL}(?:万亿|亿|万)(?![元美港欧日英澳韩人个家项吨辆千平亩公台套户名人次件座所条间只头株])")
MONEY_CUE = re.compile(r"(?:投资|资金|资本|产值|营收|收入|规模|金额|融资|税收|出口额|进口额|交易额|销售额|总额|营业额|注册资本|生产总值|GDP|增加值|利润|资产|基金|贷款|存款|拨款|补贴|奖励|财政)")
AREA_RE = re.compile(rf"(?<![0-9A-Za-z.]){_QTY}{_AREA_UNIT}(?:{_RSEP}{_QTY}{_AREA_UNIT}|{_RSEP}{_QTY}{_AREA_UNIT})?")
_RANGE_AREA_RE = re.compile(rf"(?<![0-9A-Za-z.]){_QTY}(?:{_RSEP}){_QTY}{_AREA_UNIT}")
#: 亿元以上项目, 超亿元的项目, 千亿级: thresholds that define a class, not sums.
THRESHOLD_AFTER = re.compile(r"^(?:以上|及以上|级|规模以上)")
THRESHOLD_CLASS = re.compile(r"^(?:的)?(?:大?项目|企业|工业企业|产业集群|产业|集群|园区|县|市)")
CLASS_BEFORE = re.compile(r"(?:超|过|超过|逾)$")
VOLUME_BEFORE = re.compile(r"(?:年产|产能|年产能|生产)[^，。；、]{0,6}$")
#: 万亩千亿: a magnitude written in Chinese numerals only.
_CN_MAGNITUDE = re.compile(rf"[{_CN}]{{1,{MAX_NUMBER}}}(?:万亿|亿|万)")
_DIGIT = re.compile(r"\d")


def find_amounts(text: str) -> list[Span]:
    spans: list[Span] = []
    for m in AMOUNT_RE.finditer(text):
        if _is_threshold(text, m.start(), m.end()):
            continue
        spans.append((m.start(), m.end(), "amount"))
    taken = {i for s, e, _ in spans for i in range(s, e)}
    for m in BARE_AMOUNT_RE.finditer(text):
        if any(i in taken for i in range(m.start(), m.end())):
            continue
        window = text[max(0, m.start() - 14): m.start()]
        if not MONEY_CUE.search(window) or _is_threshold(text, m.start(), m.end()):
            continue
        if _CN_MAGNITUDE.fullmatch(m.group()) and not _DIGIT.search(m.group()):
            # 万亩千亿 and other slogans: Chinese-numeral bare magnitudes need 元
            continue
        spans.append((m.start(), m.end(), "amount"))
    return spans


def _is_threshold(text: str, start: int, end: int) -> bool:
    after = text[end: end + 6]
    if THRESHOLD_AFTER.match(after):
        return True
    return bool(CLASS_BEFORE.search(text[max(0, start - 2): start]) and THRESHOLD_CLASS.match(after))


def find_areas(text: str) -> list[Span]:
    spans: list[Span] = []
    taken: set[int] = set()
    for rx in (_RANGE_AREA_RE, AREA_RE):
        for m in rx.finditer(text):
            if any(i in taken for i in range(m.start(), m.end())):
                continue
            if VOLUME_BEFORE.search(text[max(0, m.start() - 8): m.start()]):
                continue
            if THRESHOLD_AFTER.match(text[m.end(): m.end() + 4]):
                continue
            spans.append((m.start(), m.end(), "area"))
            taken.update(range(m.start(), m.end()))
    return spans


# ---------------------------------------------------------------- parks and companies

#: The run of name characters (no other character is ever inside a name) that ends
#: the searched stretch (\Z, not $, which would also stop before a final newline).
_NAME_RUN_END = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·]*\Z")
#: Words at which a name's left edge stops (verbs, prepositions, function words).
STOP_WORDS = frozenset(
    """的 在 和 与 及 或 并 等 是 为 以 对 向 从 由 将 把 被 于 至 到 给 让 使 同 跟 共 也 都 又 还 已 就 再 更 最 很 其 该 本 各 这 那 此 每 全 及其
    建设 建成 落户 入驻 引进 引入 签约 签订 位于 打造 推进 推动 加快 依托 围绕 发展 培育 壮大 新建 扩建 启动 开工 投产 完成 实现 成为 形成 提升 谋划
    规划 申报 获批 以南 以北 以东 以西 落地 总结 落实 开展 深入开展 提高 大力发展 发展 进驻 入园 走访 支持 确保 抓好 以上 通过 批复 设立 成立 组建 举办 召开 参加 参观 考察 走访 洽谈 对接 合作 共建 携手 联合 支持 服务 服务于 承接 吸引 促进 带动 加强 深化
    包括 包含 其中 主要 重点 着力 全力 积极 大力 持续 进一步 全面 新增 累计 共有 拥有 聚集 集聚 汇聚 形成了 作为 以及 通过 利用 按照 根据 关于
    省 市 县 区 镇 乡 村 我 我们 我市 我区 我县 全市 全区 全县 全省 国家级 省级 市级 县级 区级 该区 本区 辖区 新区 城区 片区 园区 企业 项目 公司 集团""".split()
)
RANK_PREFIX = re.compile(r"^(?:国家级|省级|市级|县级|区级|国家新型工业化产业示范基地)")
_COUNT_CHARS = "0-9一二三四五六七八九十两几数多各大小"
#: 三个, 各, 该, 重点, 一批: a prefix made only of counts and determiners names nothing.
#: (One character per step: a counter 个家类座批处 must follow a count character.)
GENERIC_PARK_PREFIX = re.compile(
    rf"^(?:[{_COUNT_CHARS}各该本全这此新老原现有相关重点特色专业主要省市县区镇乡村]|(?<=[{_COUNT_CHARS}])[个家类座批处]){{1,{2 * MAX_NAME}}}$"
)


@lru_cache(maxsize=1)
def _tokenizer():
    """A private jieba tokenizer with the project's lexicons as user words.

    A private instance keeps jieba's global dictionary untouched. jieba's
    logger is quiet only while the dictionary loads (importing jieba sets its
    level to DEBUG, and loading chatters at that level); its level is then put
    back to what it was before, so the caller's logging setup is unchanged.
    """
    logger = logging.getLogger("jieba")
    previous = logger.level
    try:
        import jieba
        import jieba.posseg

        logger.setLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
    finally:
        logger.setLevel(previous)
    lex = default_lexicons()
    for w in lex.industries:
        tok.add_word(w, freq=2000, tag="nz")
    for w in lex.companies:
        tok.add_word(w, freq=3000, tag="nt")
    for w in lex.park_heads + lex.company_suffixes:
        tok.add_word(w, freq=3000, tag="n")
    if tok.dictionary == jieba.posseg.dt.tokenizer.dictionary:
        # the word tags of that same dictionary file were parsed when jieba.posseg was imported
        # (its default tagger): share a copy instead of parsing the file again (0.3-0.5 s of the first call)
        pos = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
        pos.tokenizer = tok
        pos.word_tag_tab = dict(jieba.posseg.dt.word_tag_tab)
    else:
        pos = jieba.posseg.POSTokenizer(tok)
    # this instance's HMM step (the private POSTokenizer.__cut) runs on _PosHMM
    pos._POSTokenizer__cut = _hmm_cutter()
    return tok, pos


def _tokens_before(text: str, end: int, max_chars: int = 16) -> list[tuple[str, str]]:
    """(word, pos) tokens of the run of name characters that ends at ``end``, nearest last."""
    run = _NAME_RUN_END.search(text, max(0, end - max_chars), end)
    if run.start() == end:
        return []
    return _posseg(text[run.start():end])


@lru_cache(maxsize=65536)
def _posseg(segment: str) -> list[tuple[str, str]]:
    """jieba POS tags of a short name-like run; cached, since reports repeat their names."""
    _, pos = _tokenizer()
    return [(p.word, p.flag) for p in pos.cut(segment, HMM=True)]


# ---------------------------------------------------------------- jieba's part-of-speech HMM

#: jieba's log-probability of an emission its HMM has never seen.
_MIN_FLOAT = -3.14e100
_MIN_INF = float("-inf")


class _PosHMM:
    """jieba's part-of-speech HMM (its tables), decoded by :meth:`viterbi`."""

    def __init__(self, states: Mapping, start_p: Mapping, trans_p: Mapping, emit_p: Mapping) -> None:
        self.states, self.start_p, self.trans_p, self.emit_p = states, start_p, trans_p, emit_p
        #: for each state, the states that can precede it and the log-probability of that step
        self.before: dict = defaultdict(dict)
        for y0, nexts in trans_p.items():
            for y, trans in nexts.items():
                self.before[y][y0] = trans

    def viterbi(self, obs: str) -> tuple[float, list]:
        """What ``jieba.posseg.viterbi(obs, states, start_p, trans_p, emit_p)`` returns, about four times sooner.

        This HMM, which tags the words jieba does not know, was most of the
        rule engine's time. jieba scores every pair (previous state, state) with
        a generator of tuples, pairs without a transition included (at -inf,
        four in five pairs here); this loop visits only the previous states
        that can step to the state, since a pair at -inf never wins while some
        pair scores above it, and falls back to jieba's own expression for a
        state where none does. Scores are summed in jieba's order, and ties go
        to the greater previous state as in jieba's ``max`` over (score, state)
        tuples, so the route and its score are the same, float for float.
        """
        states, start_p, trans_p, emit_p = self.states, self.start_p, self.trans_p, self.emit_p
        all_states = trans_p.keys()
        first = obs[0]
        scores = {}
        mem_path: list[dict] = [{}]
        for y in states.get(first, all_states):
            scores[y] = start_p[y] + emit_p[y].get(first, _MIN_FLOAT)
            mem_path[0][y] = ""
        for t in range(1, len(obs)):
            ch = obs[t]
            prev_states = [x for x in mem_path[t - 1] if trans_p[x]]
            prev_set = set(prev_states)
            expect_next: set = set()
            for x in prev_states:
                expect_next.update(trans_p[x])
            obs_states = expect_next.intersection(states.get(ch, all_states))
            if not obs_states:
                obs_states = expect_next if expect_next else all_states
            now: dict = {}
            path: dict = {}
            for y in obs_states:
                emit = emit_p[y].get(ch, _MIN_FLOAT)
                before = self.before.get(y, {})
                best, state = _MIN_INF, None
                for y0 in prev_set.intersection(before):
                    score = scores[y0] + before[y0] + emit
                    if score > best:
                        best, state = score, y0
                    elif score == best and state is not None and y0 > state:
                        state = y0
                if state is None:  # nothing above -inf: jieba's expression, ties and all
                    best, state = max((scores[y0] + trans_p[y0].get(y, _MIN_INF) + emit, y0) for y0 in prev_states)
                now[y] = best
                path[y] = state
            scores = now
            mem_path.append(path)
        prob, state = max((scores[y], y) for y in mem_path[-1])
        route = [None] * len(obs)
        for i in range(len(obs) - 1, -1, -1):
            route[i] = state
            state = mem_path[i][state]
        return prob, route


def _hmm_cutter() -> Callable[[str], Iterator]:
    """jieba 0.42.1's ``POSTokenizer.__cut`` (words and tags of a run of unknown
    characters, read off the HMM's route) on :meth:`_PosHMM.viterbi`.

    It replaces that private method on the engine's own POSTokenizer only;
    jieba's module and its default tokenizer are untouched. Should a later
    jieba rename the method, the attribute is simply never read and jieba's
    own HMM serves: slower, same tags.
    """
    from jieba.posseg import char_state_tab_P, emit_P, pair, start_P, trans_P

    hmm = _PosHMM(char_state_tab_P, start_P, trans_P, emit_P)

    def cut(sentence: str) -> Iterator:
        _, pos_list = hmm.viterbi(sentence)
        begin, nexti = 0, 0
        for i, char in enumerate(sentence):
            pos = pos_list[i][0]
            if pos == "B":
                begin = i
            elif pos == "E":
                yield pair(sentence[begin:i + 1], pos_list[i][1])
                nexti = i + 1
            elif pos == "S":
                yield pair(char, pos_list[i][1])
                nexti = i + 1
        if nexti < len(sentence):
            yield pair(sentence[nexti:], pos_list[nexti][1])

    return cut


#: A numeral-flagged token made only of digits and numerals (a count, not part of a name).
_BARE_NUMERAL = re.compile(rf"[0-9一二三四五六七八九十百千万亿两几多余]{{1,{2 * MAX_NAME}}}")


def _left_extend(tokens: list[tuple[str, str]], max_tokens: int) -> str:
    """Take name-like tokens leftwards from the end until a stop word, verb or limit."""
    taken: list[str] = []
    for word, flag in reversed(tokens):
        common_verb = flag.startswith("v") and _tokenizer()[0].FREQ.get(word, 0) >= 300
        if word in STOP_WORDS or common_verb or flag.startswith(("p", "c", "u", "d", "r", "q", "m")) and not word.isascii():
            # a numeral-flagged token may still be part of a name such as 一汽; keep digits-only out
            if flag == "m" and not _BARE_NUMERAL.fullmatch(word):
                taken.append(word)
                continue
            break
        taken.append(word)
        if len(taken) >= max_tokens:
            break
    return "".join(reversed(taken))


#: Searched in the 6 characters before a park: 三个, 首批 -- a count, not a name.
COUNTED_BEFORE = re.compile(r"(?:[0-9一二三四五六七八九十百几多数两]{1,8}[个家批座处大类]|首批|一批|各|这些|多个|全国首个|首个)$")
SUB_AREA = re.compile(r"^(?:区|[东南西北中]区|[东南西北]园|[东南西北]园区|核心区(?=[，。、]))")
#: 中国（驻马店）: a bracketed place ending the text before a park's prefix.
_BRACKETED_PLACE = re.compile(r"([\u4e00-\u9fff]{2,6})[（(][\u4e00-\u9fff]{2,6}[)）]$")


def find_parks(text: str) -> list[Span]:
    pat = _patterns()
    park_names = pat.park_names
    spans: list[Span] = []
    for m in pat.park_heads.finditer(text):
        head = m.group()
        prefix = _left_extend(_tokens_before(text, m.start()), max_tokens=4)
        # 中国（驻马店）国际农产品加工产业园: a bracketed place inside the name
        bracket = _BRACKETED_PLACE.search(text[max(0, m.start() - len(prefix) - 16): m.start() - len(prefix)])
        if bracket:
            prefix = bracket.group(0) + prefix
        prefix = RANK_PREFIX.sub("", prefix)
        start = m.start() - len(prefix)
        end = m.end()
        if prefix in park_names or head in park_names:
            pass  # 香港科学园, bare 数码港: proper short names
        elif not prefix or GENERIC_PARK_PREFIX.match(prefix) or COUNTED_BEFORE.search(text[max(0, start - 6):start]):
            continue
        if prefix and prefix in pat.sectors:
            continue  # 电子商务产业园, 新能源产业基地: a sector, not a named park
        if head in ("谷", "电谷", "光谷") and len(prefix) < 2 and head not in park_names:
            continue
        if head in ("片区", "示范区", "先行区", "试验区", "合作区", "启动区", "示范园") and len(prefix) < 2:
            continue
        sub = SUB_AREA.match(text[end:end + 4])
        if sub and not text[end:end + 2].startswith("区") or sub and head.endswith("园"):
            end += len(sub.group())
        if text[end:end + 2] in ("公司",) or text[end:end + 4].startswith("有限公司") or text[end:end + 4].startswith("管理"):
            continue  # 香港科技园公司: the operator, a company
        spans.append((start, end, "park"))
    return spans


#: Words that look like names to jieba but are ordinary in reports.
NOT_A_NAME = re.compile(r"^(?:[0-9]|一|二|三|第|多|各|全|新|大|小|高|老|原|省|市|县|区|国|本|该|这|每|龙头|世界|中国|国内|国外|海外|全球|跨国|知名|优质|重点|骨干|上市|民营|国有|外资|合资|平台|子|分|母|相关|其他|其它|目前|今年|去年|首家|一家|两家|私人|香港|外国|附属|全资|控股)")


def _looks_like_name(word: str, flag: str) -> bool:
    """A jieba token that can open a short company name (a proper noun, or a word jieba does not know)."""
    tok, _ = _tokenizer()
    if len(word) < 2 or NOT_A_NAME.match(word):
        return False
    if flag in ("nr", "nrt", "nrfg", "ns", "nsf", "nt", "nz", "eng", "x"):
        return True
    return tok.FREQ.get(word, 0) < 50


#: A province, city, district or county word left on a company's prefix (省华为 -> 华为).
_ADMIN_HEAD = re.compile(r"^(?:省|市|区|县)(?=[\u4e00-\u9fff]{2})")
#: 莱克电气绿能科技（苏州）有限公司: a registered name with a bracketed place.
_BRACKETED_COMPANY = re.compile(r"([\u4e00-\u9fffA-Za-z]{2,16})[（(]([\u4e00-\u9fff]{2,4})[)）](?:股份)?有限(?:责任)?公司")
#: After a trade word: 科技产业, 电子行业, 汽车城 -- a sector or a place, not a company.
_NOT_COMPANY_AFTER = re.compile(r"^(?:产业|行业|领域|技术|等领域|园|城|基地|大会)")


def find_companies(text: str) -> list[Span]:
    pat = _patterns()
    spans: list[Span] = []
    # full names: ...有限公司, ...集团, ...银行
    for m in pat.company_suffixes.finditer(text):
        registered = m.group().endswith("公司")
        prefix = _left_extend(_tokens_before(text, m.start(), max_chars=20 if registered else 12),
                              max_tokens=7 if registered else 4)
        prefix = _ADMIN_HEAD.sub("", prefix)
        if len(prefix) < 2 or GENERIC_PARK_PREFIX.match(prefix) or NOT_A_NAME.match(prefix) and len(prefix) < 4:
            continue
        # 有限公司 names may carry a bracketed place: 莱克电气绿能科技（苏州）有限公司
        spans.append((m.start() - len(prefix), m.end(), "company"))
    for m in _BRACKETED_COMPANY.finditer(text):
        prefix = _left_extend(_tokens_before(text, m.end(1)), max_tokens=5)
        if len(prefix) >= 2:
            spans.append((m.end(1) - len(prefix), m.end(), "company"))
    # short names: proper name + trade word (白云纸业, 格力电器); the text after
    # the trade word is checked first, as it spares a segmentation
    for m in pat.company_trade_words.finditer(text):
        if _NOT_COMPANY_AFTER.match(text[m.end(): m.end() + 2]):
            continue
        tokens = _tokens_before(text, m.start(), max_chars=6)
        if not tokens:
            continue
        word, flag = tokens[-1]
        if word in pat.sectors or word in STOP_WORDS or not _looks_like_name(word, flag):
            continue
        spans.append((m.start() - len(word), m.end(), "company"))
    if pat.companies is not None:
        for m in pat.companies.finditer(text):
            spans.append((m.start(), m.end(), "company"))
    return spans


def _lengths_by_first_char(names: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """For each first character, the lengths of the names that start with it, longest first."""
    lengths: dict[str, set[int]] = defaultdict(set)
    for name in names:
        lengths[name[0]].add(len(name))
    return {ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()}


def _occurrences(text: str, names: Mapping[str, str],
                 lengths: Mapping[str, tuple[int, ...]] | None = None) -> list[Span]:
    """Each name's occurrences, left to right, a name's own occurrences not overlapping
    (what ``re.finditer(re.escape(name), text)`` finds), labelled ``names[name]``.

    One pass over the text whatever the number of names: at each character only the
    lengths of the names that start with it are tried.
    """
    if lengths is None:
        lengths = _lengths_by_first_char(names)
    found: list[Span] = []
    next_free: dict[str, int] = {}
    for i, ch in enumerate(text):
        for n in lengths.get(ch, ()):
            word = text[i:i + n]
            if len(word) == n and word in names and i >= next_free.get(word, 0):
                found.append((i, i + n, names[word]))
                next_free[word] = i + n
    return found


def propagate_mentions(text: str, spans: list[Span]) -> list[Span]:
    """Names found once recur: every other occurrence of a found company or
    park name in the same text gets the same label (reports repeat short names)."""
    names = {text[s:e]: lab for s, e, lab in spans if lab in ("company", "park") and e - s >= 2}
    return _occurrences(text, names)


SECTOR_TAIL = re.compile(r"^(?:产业|行业|业|企业|领域|产业链|集群|基地|板块|龙头|项目群|经济|等产业|等行业)")


def find_industries(text: str) -> list[Span]:
    """Lexicon matches; weak words (文化, 汽车) only where framed as a sector."""
    pat = _patterns()
    weak = pat.weak_industries
    spans: list[Span] = []
    org_after = pat.not_industry_before
    for m in pat.industries.finditer(text):
        after = text[m.end(): m.end() + 4]
        if org_after is not None and org_after.match(after):
            continue
        spans.append((m.start(), m.end(), "industry"))
    strong = [sp for sp in spans if text[sp[0]:sp[1]] not in weak]
    strong_ends = {e for _, e, _ in strong}
    strong_starts = {s for s, _, _ in strong}
    keep = []
    for s, e, lab in spans:
        if text[s:e] in weak:
            framed = SECTOR_TAIL.match(text[e:e + 4])
            # an enumeration item next to a strong sector: 生物医药、化工、建材等
            listed = (s - 1 in strong_ends and text[s - 1] in "、和及与") or (
                e + 1 in strong_starts and text[e] in "、和及与")
            if not (framed or listed):
                continue
        keep.append((s, e, lab))
    return keep


# ---------------------------------------------------------------- list propagation

_LIST_ITEM = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,8}")
#: What follows a list of firms: 等企业, 等5家公司, 等一批项目 (or any 等).
_LIST_TAIL = re.compile(r"等?(?:\d{1,6}家|多家|一批|知名)?(?:企业|公司|项目|龙头|品牌|集团)|等")
_PROJECT_END = re.compile(r"项目$")


def propagate_list_companies(text: str, spans: list[Span]) -> list[Span]:
    """In an enumeration 甲、乙、丙等企业/项目 with at least one recognised
    company, short unrecognised items are companies too: project lists name
    firms by short name (五纪、希玛、京鼎)."""
    extra: list[Span] = []
    company_starts = {s for s, _, lab in spans if lab == "company"}
    covered = [False] * len(text)
    for s, e, _ in spans:
        for i in range(s, e):
            covered[i] = True
    for start, end in _enumerations(text):
        items = []
        pos = start
        for part in text[start:end].split("、"):
            items.append((pos, pos + len(part)))
            pos += len(part) + 1
        if not any(s in company_starts for s, _ in items):
            continue
        tail = text[end: end + 6]
        if not _LIST_TAIL.match(tail):
            continue
        for s, e in items:
            if any(covered[s:e]):
                continue
            word = text[s:e]
            word = _PROJECT_END.sub("", word)
            if len(word) >= 2:
                extra.append((s, s + len(word), "company"))
    return extra


_LIST_END = "，,。；"
#: A run of list-item characters (bounded; :func:`_enumerations` glues cut runs back).
_ITEM_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{1,100}")


def _enumerations(text: str) -> list[tuple[int, int]]:
    """Enumerations 甲、乙、丙 closed by 等 or ，,。；: the (start, end) of each match of

        (?:[\u4e00-\u9fffA-Za-z0-9]{2,10}、){1,}[\u4e00-\u9fffA-Za-z0-9]{2,10}(?=等|，|,|。|；)

    in the order ``re.finditer`` gives them, found in one pass: the regex itself
    re-reads a long list from every character inside it (quadratic time).

    An item is a whole run of item characters (one per side of each 、), except
    the first, which may be the last 2..10 characters of its run, and the last,
    which may be a prefix of its run that stops before 等. From a run ``j``
    followed by 、, the repetition takes every following run of 2..10
    characters that is itself followed by 、 (up to run ``m``), then gives runs
    back until one of ``m+1, m, ..., j+1`` can close the list; the match ends
    where the rightmost such run closes.
    """
    runs = [m.span() for m in _ITEM_RUN.finditer(text)]
    # glue runs cut by the bound back together (a run is maximal)
    merged: list[tuple[int, int]] = []
    for s, e in runs:
        if merged and merged[-1][1] == s:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    runs = merged
    n = len(runs)
    if n < 2:
        return []
    # run k is followed by 、 and the next run starts right after it
    linked = [k + 1 < n and e < len(text) and text[e] == "、" and runs[k + 1][0] == e + 1
              for k, (s, e) in enumerate(runs)]
    if not any(linked):
        return []
    # a middle item: 2..10 characters, then 、 and another item
    middle = [linked[k] and 2 <= runs[k][1] - runs[k][0] <= 10 for k in range(n)]

    def close(k: int) -> int | None:
        """Where run k ends the list as its last item: the longest 2..10-character prefix before 等 or ，,。；."""
        s, e = runs[k]
        for length in range(min(10, e - s), 1, -1):
            cut = s + length
            if cut < e and text[cut] == "等" or cut == e and e < len(text) and text[e] in _LIST_END:
                return cut
        return None

    # only a run after a 、 can close a list (each candidate below follows a linked run)
    closes = [close(k) if k and linked[k - 1] else None for k in range(n)]
    # reach[k]: the last run of the chain of middle items that starts at k (k - 1 if k is none)
    reach = [0] * (n + 1)
    reach[n] = n - 1
    for k in range(n - 1, -1, -1):
        reach[k] = reach[k + 1] if middle[k] else k - 1
    # last_close[k]: the rightmost run <= k that can close a list (-1 if none)
    last_close = [-1] * n
    for k in range(n):
        last_close[k] = k if closes[k] is not None else (last_close[k - 1] if k else -1)

    found: list[tuple[int, int]] = []
    pos = 0
    for j in range(n - 1):
        if not linked[j]:
            continue
        s, e = runs[j]
        start = max(s, e - 10, pos)
        if e - start < 2:
            continue
        last = min(reach[j + 1] + 1, n - 1)  # candidates j+1 .. reach+1
        f = last_close[last]
        if f < j + 1:
            continue
        end = closes[f]
        found.append((start, end))
        pos = end
    return found


# ---------------------------------------------------------------- resolution

PRIORITY = {"amount": 3, "area": 3, "park": 2, "company": 2, "industry": 1}


def resolve(spans: list[Span], pinned: Iterable[Span] = ()) -> list[Span]:
    """Flat, non-overlapping spans: higher priority, then longer, then earlier wins.

    ``pinned`` spans (a user's names; flat among themselves) are kept first and
    win over every span that overlaps them.
    """
    chosen: list[Span] = list(pinned)
    candidates = set(spans)
    # one byte per character, 1 where a chosen span lies
    occupied = bytearray(max((e for _, e, _ in (*chosen, *candidates)), default=0))
    for s, e, _ in chosen:
        occupied[s:e] = b"\x01" * (e - s)
    for s, e, lab in sorted(candidates, key=lambda x: (-PRIORITY[x[2]], -(x[1] - x[0]), x[0])):
        if occupied.find(1, s, e) != -1:
            continue
        chosen.append((s, e, lab))
        occupied[s:e] = b"\x01" * (e - s)
    return sorted(chosen)


# ---------------------------------------------------------------- user lexicons

LexiconSource = Union["Lexicon", Mapping[str, Union[str, Iterable[str]]], str, "os.PathLike[str]", None]


def _normal_name(name: str) -> str:
    """A user's name as the engine sees it: normalised (simplified, half-width), trimmed."""
    return normalize(name).text.strip()


class Lexicon:
    """Names a user knows, by label: ``{"company": {"澜沧江光电"}, "park": {"苍山智造谷"}}``.

    :func:`extract` finds them verbatim in the text, longest first, and a user's
    name wins over any span of the engine's own that it overlaps. Names are
    normalised like the text the engine reads (traditional to simplified,
    full-width to half-width), so 瀾滄江光電 in a report matches 澜沧江光电 here
    and the other way round. Labels are those of :data:`zhaoshang_ner.labels.LABELS`.
    A Lexicon is immutable; build it once and pass it to every call.

    >>> lex = Lexicon.from_mapping({"company": ["澜沧江光电"]})
    >>> extract("澜沧江光电在园区投资建设新项目", lexicon=lex)[0]
    (0, 5, 'company')
    """

    __slots__ = ("_label_of", "_lengths")

    def __init__(self, entries: Mapping[str, Union[str, Iterable[str]]] | None = None) -> None:
        label_of: dict[str, str] = {}
        for label, names in (entries or {}).items():
            if label not in LABELS:
                raise ValueError(f"unknown label {label!r}: expected one of {', '.join(LABELS)}")
            if isinstance(names, str):
                names = [names]
            for raw in names:
                if not isinstance(raw, str):
                    raise TypeError(f"names must be str, got {type(raw).__name__} under {label!r}")
                name = _normal_name(raw)
                if not name:
                    raise ValueError(f"empty name under {label!r}")
                other = label_of.setdefault(name, label)
                if other != label:
                    raise ValueError(f"name {name!r} is listed as both {other!r} and {label!r}")
        self._label_of = label_of
        self._lengths = _lengths_by_first_char(label_of)

    # -- building

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Union[str, Iterable[str]]]) -> "Lexicon":
        """From ``{label: [name, ...]}``; a bare string stands for one name."""
        return cls(mapping)

    @classmethod
    def from_file(cls, path: "str | os.PathLike[str]") -> "Lexicon":
        """From a UTF-8 TSV file, one ``name<TAB>label`` per line.

        Blank lines and lines starting with ``#`` are skipped; a ``#`` after the
        label starts a comment. A malformed line or an unknown label is a
        ValueError naming the file and the line.
        """
        path = Path(path)
        entries: dict[str, list[str]] = defaultdict(list)
        seen: dict[str, tuple[str, int]] = {}
        text = path.read_text(encoding="utf-8-sig")
        for lineno, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            where = f"{path}, line {lineno}"
            name, tab, rest = stripped.partition("\t")
            label = rest.split("#", 1)[0].strip()
            name = name.strip()
            if not tab or not name or not label or "\t" in label:
                shown = stripped if len(stripped) <= 60 else stripped[:57] + "..."
                raise ValueError(f"{where}: expected 'name<TAB>label', got {shown!r}")
            if label not in LABELS:
                raise ValueError(f"{where}: unknown label {label!r} (expected one of {', '.join(LABELS)})")
            norm = _normal_name(name)
            if not norm:
                raise ValueError(f"{where}: the name {name!r} is empty once normalised")
            if norm in seen and seen[norm][0] != label:
                first_label, first_line = seen[norm]
                raise ValueError(f"{where}: {name!r} is labelled {label!r} here but {first_label!r} on line {first_line}")
            seen.setdefault(norm, (label, lineno))
            entries[label].append(name)
        return cls(entries)

    @classmethod
    def load(cls, source: LexiconSource) -> "Lexicon":
        """A Lexicon from None (empty), a ``{label: names}`` mapping, a TSV path, or a Lexicon (itself)."""
        if source is None:
            return cls()
        if isinstance(source, Lexicon):
            return source
        if isinstance(source, Mapping):
            return cls.from_mapping(source)
        if isinstance(source, (str, os.PathLike)):
            return cls.from_file(source)
        raise TypeError(f"a lexicon is a mapping {{label: names}}, a TSV path or a Lexicon, got {type(source).__name__}")

    # -- reading

    def names(self, label: str) -> frozenset[str]:
        """The (normalised) names under ``label``."""
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r}: expected one of {', '.join(LABELS)}")
        return frozenset(n for n, lab in self._label_of.items() if lab == label)

    def to_dict(self) -> dict[str, frozenset[str]]:
        """``{label: names}`` for the labels that have names."""
        out: dict[str, set[str]] = defaultdict(set)
        for name, label in self._label_of.items():
            out[label].add(name)
        return {label: frozenset(out[label]) for label in LABELS if label in out}

    def __len__(self) -> int:
        return len(self._label_of)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _normal_name(name) in self._label_of

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lexicon) and self._label_of == other._label_of

    __hash__ = None  # type: ignore[assignment]  # equality by content, like a dict

    def __repr__(self) -> str:
        counts = ", ".join(f"{label}: {len(names)}" for label, names in self.to_dict().items())
        return f"Lexicon({{{counts}}})"

    # -- matching

    def find(self, text: str) -> list[Span]:
        """The user's names in a normalised text: flat spans, longer names first, then earlier ones."""
        if not self._label_of:
            return []
        found = _occurrences(text, self._label_of, self._lengths)
        chosen: list[Span] = []
        occupied: set[int] = set()
        for s, e, lab in sorted(found, key=lambda x: (-(x[1] - x[0]), x[0])):
            if any(i in occupied for i in range(s, e)):
                continue
            chosen.append((s, e, lab))
            occupied.update(range(s, e))
        return sorted(chosen)


def extract(text: str, lexicon: LexiconSource = None) -> list[Span]:
    """All rule spans of a normalised text, flat and sorted.

    ``lexicon`` adds the user's names (a :class:`Lexicon`, or anything
    :meth:`Lexicon.load` takes); they win over the engine's own spans where the
    two overlap. Without one the output is the engine's alone.
    """
    user = Lexicon.load(lexicon).find(text) if lexicon is not None else []
    spans = find_amounts(text) + find_areas(text)
    spans += find_parks(text) + find_companies(text)
    spans += find_industries(text)
    spans = resolve(spans, user)
    spans = resolve(spans + propagate_list_companies(text, spans), user)
    spans = resolve(spans + propagate_mentions(text, spans), user)
    return spans
