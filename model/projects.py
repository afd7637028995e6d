"""Investment-project records: which company landed in which park, with how much.

Users want rows, not entities. :func:`extract_projects` links the entities of
one text into :class:`ProjectRecord` rows with a rules-based linker:

1. The text is cut into paragraphs (newlines), sentences (。！？；) and clauses
   (，：) on its normalised form; every offset is mapped back to the caller's
   text, so ``text[ref.start:ref.end] == ref.text`` holds for every value and
   for the evidence.
2. An *event* is a cue word (:data:`EVENT_CUES`) normalised to the closed set
   :data:`EVENTS`. Cues inside an entity, negated (未开工) or conditional
   (投产后, 开工率) are not events. 建设 and 投资 are weak: they make a record
   only with an amount, an area or a project name beside them.
3. A sentence is split into segments, one per company that starts a clause
   with its own event (A项目签约，B项目开工 gives two). In a segment the
   company is the first one before the event verb (the subject), else the
   first after it (引进A公司); other companies in its clause are partners, and
   an enumeration (A、B、C项目签约) gives one record per company.
4. The park is one in the segment (preferring the one after 落户/入驻/在), else
   in the sentence, else the nearest earlier one in the paragraph.
5. Amounts and areas get a role from the cue word just before them
   (:data:`AMOUNT_ROLES`, :data:`AREA_ROLES`) and a qualifier from the words
   around them (:data:`QUALIFIERS`). Their numbers are the entities' own
   (``values`` parsed them once); nothing is re-parsed here.
6. A following sentence without its own company or event that starts with
   该项目/项目/其… (or follows a ；) adds its amounts, areas and industries to
   the record before it; an adjacent sentence about the same company (and the
   same or no project name) is merged into it.

``canonical``/``canonical_id`` are filled by ``zhaoshang_ner.canonical`` when
that module is installed; without it they are ``None``.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from .normalize import Normalized, normalize
from .schema import Entity, Record

if TYPE_CHECKING:
    from .api import LexiconLike

# ---------------------------------------------------------------- vocabularies

#: The closed set of events, each with its cue words (normalised, simplified text).
EVENT_CUES: dict[str, tuple[str, ...]] = {
    "签约": ("签约", "签订", "签下", "草签"),
    "签署": ("签署",),
    "落户": ("落户", "落地", "安家", "落子"),
    "入驻": ("入驻", "进驻", "入园", "入区"),
    "开工": ("开工", "动工", "奠基", "破土", "开建"),
    "投产": ("投产", "建成投产", "竣工投产", "试产", "量产", "达产", "投入生产"),
    "竣工": ("竣工", "完工", "建成", "封顶"),
    "开业": ("开业", "开张", "揭牌", "开园", "启用", "投入运营"),
    "增资": ("增资", "追加投资", "增加投资"),
    "扩产": ("扩产", "扩建", "扩能", "技改"),
    "引进": ("引进", "招引", "引入"),
    "建设": ("建设", "兴建", "新建", "建造", "筹建"),
    "投资": ("投资",),
}
EVENTS: tuple[str, ...] = tuple(EVENT_CUES)
#: Events too common to make a record on their own (建设 园区, 投资 环境).
WEAK_EVENTS = frozenset({"建设", "投资"})

#: Amount roles by cue word; the cue nearest before the amount in its clause wins.
AMOUNT_ROLES: dict[str, tuple[str, ...]] = {
    "fixed_asset": ("固定资产投资", "固投"),
    "foreign_capital": ("实际利用外资", "利用外资", "合同外资", "外商投资", "外商直接投资", "引进外资", "外资"),
    "registered_capital": ("注册资本", "注册资金"),
    "contract_value": ("签约金额", "签约总额", "签约额", "签约资金", "合同金额", "合同额", "合同投资", "协议投资", "协议金额", "签约"),
    "output_value": ("工业总产值", "年产值", "产值"),
    "tax": ("税收", "利税", "纳税", "缴税", "税金", "税额"),
    "revenue": ("主营业务收入", "营业收入", "销售收入", "营收", "销售额", "营业额", "收入"),
    "total_investment": ("投资总额", "总投资", "计划投资", "拟投资", "投资额", "投资"),
}
AMOUNT_ROLE_NAMES: tuple[str, ...] = tuple(AMOUNT_ROLES) + ("other",)

#: Area roles by cue word. An area in 亩 without a cue is land: 亩 measures land only.
AREA_ROLES: dict[str, tuple[str, ...]] = {
    "floor": ("总建筑面积", "建筑面积", "建设面积", "建面", "厂房", "办公面积", "营业面积", "使用面积", "经营面积"),
    "land": ("占地", "用地", "土地", "地块", "征地", "供地", "净地"),
}
AREA_ROLE_NAMES: tuple[str, ...] = tuple(AREA_ROLES) + ("other",)

#: Qualifier words before (prefix) or after (suffix) a figure, and what they make of it.
#: 近 (nearly) is an upper bound: the figure is close to but under the number.
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "approximate": ("大约", "大概", "约", "左右", "上下"),
    "lower_bound": ("超过", "超", "逾", "突破", "不低于", "不少于", "至少", "以上", "多", "余", "过"),
    "upper_bound": ("将近", "接近", "近", "不超过", "不高于", "最高", "最多", "不到", "以内", "以下", "之内"),
}
_QUAL_OF = {w: q for q, words in QUALIFIERS.items() for w in words}
_PREFIX_QUAL = ("大约", "大概", "约", "超过", "超", "逾", "突破", "不低于", "不少于", "至少", "过",
                "将近", "接近", "近", "不超过", "不高于", "最高", "最多", "不到")
_SUFFIX_QUAL = ("左右", "上下", "以上", "多", "余", "以内", "以下", "之内")


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_CUE_EVENT = {c: ev for ev, cues in EVENT_CUES.items() for c in cues}
# 投资 as a noun of a place's climate or an agency is no event
_EVENT_RE = re.compile(rf"(?:{_alternation(_CUE_EVENT)})(?!促进|环境|者|热土|洽谈|推介|考察|机会|机构|基金|人|方|服务)")
_NEGATED = re.compile(r"(?:未|没有|没|不|暂缓|停止|待)$")
_CONDITIONAL = re.compile(r"^(?:后|之后|率|以来|前|之前|期间|过程|时)")

_AMOUNT_ROLE_OF = {c: r for r, cues in AMOUNT_ROLES.items() for c in cues}
_AMOUNT_CUE_RE = re.compile(_alternation(_AMOUNT_ROLE_OF))
_AREA_ROLE_OF = {c: r for r, cues in AREA_ROLES.items() for c in cues}
_AREA_CUE_RE = re.compile(_alternation(_AREA_ROLE_OF))
#: How far back (characters) a role cue may stand from its figure.
ROLE_WINDOW = 20

_SENTENCE_END = "。！？!?；;\n"
_CLAUSE_END = "，,：:"
_PARTNER_VERB = re.compile(r"签署|签订|签约|合作|合资|携手|共建|共同|联合|双方")
_PARTNER_OPEN = re.compile(r"^\s*(?:并|还|同时)?(?:与|同|跟|和|携手|联合)")
#: What may stand between two items of an enumeration besides the separator: 甲二期项目、乙
_LIST_GAP_PROJECT = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9（）()]{0,10}项目")
_ANAPHORA = re.compile(r"^\s*(?:(?:据悉|据了解|据介绍|其中|目前|另外|此外)[，,]?)?"
                       r"(?:该|此|这一?|上述|其|本|项目|一期|二期|三期|全部|整个)")
_PARK_BEFORE = re.compile(r"(?:落户|入驻|进驻|落地|在|于|至|到|布局|选址|位于)$")

_CN_YEAR = "〇零一二三四五六七八九"
DATE_RE = re.compile(
    rf"(?:(?<![0-9])[12][0-9]{{3}}|[{_CN_YEAR}]{{4}})年(?:(?:[01]?[0-9]|[一二三四五六七八九十]{{1,2}})月"
    rf"(?:(?:[0-3]?[0-9]|[一二三四五六七八九十]{{1,3}})[日号])?|上半年|下半年|[一二三四1-4]季度|年底|年初|底|初)?"
    r"|(?<![0-9])[01]?[0-9]月(?:[0-3]?[0-9][日号])?(?!份额)"
    r"|今年|去年|明年|前年|本年|上年|年内|近日|日前|昨日|昨天|今天|本月|上月|上旬|中旬|下旬"
)
#: Words of a "X项目" phrase that name no project (签约项目, 重点项目, 3个项目).
_GENERIC_PROJECT = re.compile(
    r"^(?:[0-9一二三四五六七八九十百千几多数两]+[个批项大类]?|一批|各类?|该|此|这些?|上述|其|本|其他|其它|相关|配套|"
    r"重点|重大|签约|新签约|招商|招商引资|产业|工业|投资|建设|新建|续建|在建|新开工|开工|竣工|投产|优质|亿元|以上|"
    r"省|市|区|县|级|合作|引进|落户|入驻|外资|内资|好|大|示范|的|等|集中|正式|成功|顺利|共|个|全市|全区|全县|今年|去年|"
    r"类|建类|龙头|链|产业链|上下游|企业|外商|内资|民营|制造业|服务业|行业|领域|方面|园区|新|老|小|精|全年|全部|所有)*$"
)
_COUNTED = re.compile(r"[0-9xX一二三四五六七八九十两几数多]+[个大家批项类次]")
_NAMED_PROJECT = re.compile(r"[0-9一二三四五六七八九十]期|年产|生产线|基地|总部|工厂|产业园|研发中心|研究院|产业城")
_NAME_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·\-（）()]+$")
_NAME_CUT = re.compile(rf"(?:的|与|在(?!线)|于|将|由|是|为|了|等|及|{_alternation(_CUE_EVENT)}"
                       r"|正式|成功|顺利|集中|共建|打造|布局|计划|拟|预计|通过|评审|组织|推动|引导|验收|围绕"
                       r"|推进|包括|促进|促成|确保|督促|协调|加快|服务|对接|洽谈|储备|谋划|实施|在谈|跟踪|主要有|如)")


# ---------------------------------------------------------------- record types


@dataclass(frozen=True)
class Span:
    """A stretch of the caller's text: the evidence of a record."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class EntityRef:
    """One entity as a record cites it: offsets and surface from the entity, plus its canonical name."""

    label: str
    start: int
    end: int
    text: str
    normalized: str
    canonical: str | None = None
    canonical_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "start": self.start, "end": self.end, "text": self.text,
                "normalized": self.normalized, "canonical": self.canonical, "canonical_id": self.canonical_id}


@dataclass(frozen=True)
class RoleValue(EntityRef):
    """An amount or area with what it measures (``role``) and how exact it is (``qualifier``).

    ``value``/``unit``/``value_range``/``value_note`` are the entity's own: a range
    (10-20亿元) has ``value`` None and ``value_range`` [low, high].
    """

    role: str = "other"
    value: float | None = None
    unit: str | None = None
    qualifier: str | None = None
    value_range: tuple[float, float] | None = None
    value_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(role=self.role, value=self.value, unit=self.unit, qualifier=self.qualifier,
                 value_range=None if self.value_range is None else list(self.value_range),
                 value_note=self.value_note)
        return d


@dataclass
class ProjectRecord:
    """One investment project or signing, as one row of the users' table."""

    company: EntityRef | None
    partners: list[EntityRef] = field(default_factory=list)
    park: EntityRef | None = None
    amounts: list[RoleValue] = field(default_factory=list)
    areas: list[RoleValue] = field(default_factory=list)
    industries: list[EntityRef] = field(default_factory=list)
    event: str | None = None
    project_name: str | None = None
    date: str | None = None
    evidence: Span = field(default_factory=lambda: Span(0, 0, ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            "company": None if self.company is None else self.company.to_dict(),
            "company_id": None if self.company is None else self.company.canonical_id,
            "partners": [p.to_dict() for p in self.partners],
            "park": None if self.park is None else self.park.to_dict(),
            "park_id": None if self.park is None else self.park.canonical_id,
            "amounts": [a.to_dict() for a in self.amounts],
            "areas": [a.to_dict() for a in self.areas],
            "industries": [i.to_dict() for i in self.industries],
            "event": self.event,
            "project_name": self.project_name,
            "date": self.date,
            "evidence": self.evidence.to_dict(),
        }


# ---------------------------------------------------------------- the linker


@dataclass
class _Ent:
    """An entity with its place in the normalised text (where the cue words are matched)."""

    entity: Entity
    s: int
    e: int
    canonical: tuple[str, str] | None

    @property
    def label(self) -> str:
        return self.entity.label

    def ref(self) -> EntityRef:
        e = self.entity
        cid, cname = self.canonical if self.canonical else (None, None)
        return EntityRef(e.label, e.start, e.end, e.text, e.normalized, cname, cid)


@dataclass
class _Cue:
    s: int
    e: int
    event: str

    @property
    def weak(self) -> bool:
        return self.event in WEAK_EVENTS


@dataclass
class _Draft:
    """A record under construction, in normalised coordinates."""

    company: _Ent | None
    partners: list[_Ent]
    park: _Ent | None
    amounts: list[tuple[_Ent, str, str | None]]
    areas: list[tuple[_Ent, str, str | None]]
    industries: list[_Ent]
    event: str
    name: tuple[int, int] | None
    date: tuple[int, int] | None
    s: int
    e: int
    sentence: int
    paragraph: int
    in_list: bool = False


class _Doc:
    """The text, its normalised form and its entities in both coordinate systems."""

    def __init__(self, text: str, entities: list[Entity]) -> None:
        self.text = text
        self.norm: Normalized = normalize(text)
        self.t = self.norm.text
        canon = _canonical(entities)
        offs = self.norm.offsets
        ents = []
        for i, ent in enumerate(entities):
            s, e = bisect_left(offs, ent.start), bisect_left(offs, ent.end)
            if e > s:
                ents.append(_Ent(ent, s, e, canon.get(i)))
        self.ents = sorted(ents, key=lambda x: (x.s, x.e))
        self._by_label = {lab: [x for x in self.ents if x.label == lab] for lab in {x.label for x in self.ents}}
        self._starts = {lab: [x.s for x in xs] for lab, xs in self._by_label.items()}
        self.figures = [x for x in self.ents if x.label in ("amount", "area")]
        self.figure_starts = [x.s for x in self.figures]
        self.covered = [False] * len(self.t)
        for x in self.ents:
            for i in range(x.s, x.e):
                self.covered[i] = True

    def in_range(self, label: str, s: int, e: int) -> list[_Ent]:
        """Entities of ``label`` lying wholly in normalised ``[s, e)``."""
        xs = self._by_label.get(label, [])
        starts = self._starts.get(label, [])
        out = []
        for x in xs[bisect_left(starts, s):bisect_left(starts, e)]:
            if x.e <= e:
                out.append(x)
        return out

    def original(self, s: int, e: int) -> tuple[int, int, str]:
        o_s, o_e = self.norm.to_original(s, e)
        return o_s, o_e, self.text[o_s:o_e]


def _canonical(entities: list[Entity]) -> dict[int, tuple[str, str]]:
    """(canonical_id, canonical_name) per entity index, from ``canonical`` if that module exists."""
    try:
        from .canonical import canonical_names  # type: ignore[attr-defined]
    except ImportError:
        return {}
    return dict(canonical_names(entities))


def _splits(t: str, s: int, e: int, ends: str, doc: _Doc) -> list[tuple[int, int]]:
    """Cut ``t[s:e]`` after each end character that is not inside an entity or between digits."""
    out = []
    start = s
    for i in range(s, e):
        ch = t[i]
        if ch not in ends or doc.covered[i]:
            continue
        if ch in ",:" and 0 < i < len(t) - 1 and t[i - 1].isdigit() and t[i + 1].isdigit():
            continue
        out.append((start, i + 1))
        start = i + 1
    if start < e:
        out.append((start, e))
    return [(a, b) for a, b in (_trim(t, a, b) for a, b in out) if b > a]


def _trim(t: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (t[s].isspace() or t[s] in "”」』\"'）)"):
        s += 1
    while e > s and t[e - 1].isspace():
        e -= 1
    return s, e


def _cues(doc: _Doc, s: int, e: int) -> list[_Cue]:
    t = doc.t
    found = []
    for m in _EVENT_RE.finditer(t, s, e):
        if any(doc.covered[m.start():m.end()]):
            continue
        if _NEGATED.search(t[max(s, m.start() - 2):m.start()]):
            continue
        found.append(_Cue(m.start(), m.end(), _CUE_EVENT[m.group()]))
    # conditional: 投产后, 开工率, and a chain ending in one (建成投产后)
    keep: list[_Cue] = []
    conditional_from = None
    for c in reversed(found):
        cond = bool(_CONDITIONAL.match(t[c.e:c.e + 2])) or (conditional_from is not None and c.e == conditional_from)
        if cond:
            conditional_from = c.s
            continue
        conditional_from = None
        keep.append(c)
    return keep[::-1]


def _qualifier(doc: _Doc, x: _Ent, lo: int) -> str | None:
    t = doc.t
    before = t[lo:x.s].rstrip()
    for w in _PREFIX_QUAL:
        if before.endswith(w):
            return _QUAL_OF[w]
    inner = x.entity.normalized
    for w in _PREFIX_QUAL:
        if inner.startswith(w):
            return _QUAL_OF[w]
    after = t[x.e:x.e + 2]
    for w in _SUFFIX_QUAL:
        if after.startswith(w) or inner.endswith(w):
            return _QUAL_OF[w]
    if re.search(r"[0-9零一二三四五六七八九十百千][多余]", inner):
        return "lower_bound"
    return None


def _roles(doc: _Doc, items: list[_Ent], clause_of, cue_re: re.Pattern, role_of: dict[str, str],
           label: str) -> list[tuple[_Ent, str, str | None]]:
    """Role and qualifier of each amount/area from the words between it and the previous figure."""
    t = doc.t
    out = []
    for x in items:
        cs, _ = clause_of(x.s)
        i = bisect_left(doc.figure_starts, x.s)
        prev_end = max(cs, x.s - ROLE_WINDOW, doc.figures[i - 1].e if i > 0 else 0)
        lo = max(cs, prev_end)
        role = "other"
        for m in cue_re.finditer(t, lo, x.s):
            role = role_of[m.group()]
        # an enumeration of figures (分别投资10亿元、6亿元) shares the first one's role
        if role == "other" and out and out[-1][0].e <= x.s and re.fullmatch(r"\s*(?:、|和|及|与)\s*", t[out[-1][0].e:x.s]):
            role = out[-1][1]
        if role == "other" and label == "area" and x.entity.normalized.endswith("亩"):
            role = "land"
        out.append((x, role, _qualifier(doc, x, lo)))
    return out


def _project_names(doc: _Doc, s: int, e: int) -> list[tuple[int, int]]:
    """"X项目" phrases in ``[s, e)``: the name run before 项目, cut after verbs, dates and particles."""
    t = doc.t
    names = []
    for m in re.finditer(r"项目(?!部|组|经理|负责人|单位|方)", t[s:e]):
        end = s + m.end()
        q = s + m.start()
        run = _NAME_RUN.search(t[max(s, q - 30):q])
        if run is None:
            continue
        a = max(s, q - 30) + run.start()
        cut = a
        for c in _NAME_CUT.finditer(t, a, q):
            if not any(doc.covered[c.start():c.end()]):
                cut = c.end()
        for d in DATE_RE.finditer(t, a, q):
            cut = max(cut, d.end())
        # a place before the name is where it is, not what it is called (在高新区华芯二期项目)
        for x in doc.in_range("park", cut, q):
            if q - x.e >= 2 and not _GENERIC_PROJECT.match(t[x.e:q]):
                cut = x.e
        for c in _NAME_CUT.finditer(t, cut, q):
            if not any(doc.covered[c.start():c.end()]):
                cut = c.end()
        core = t[cut:q]
        # an industry alone names a sector, not a project (新能源汽车产业项目)
        bare = core
        for x in sorted(doc.in_range("industry", cut, q), key=lambda x: -x.s):
            bare = bare[:x.s - cut] + bare[x.e - cut:]
        if len(core) < 2 or _GENERIC_PROJECT.match(bare) or _COUNTED.search(core):
            continue
        # a name names something: a company or park, a phase, a product line, or quotes
        named = (doc.in_range("company", cut, q) or doc.in_range("park", cut, q)
                 or any(x.s < q and x.e > cut for x in doc.ents if x.label == "company")
                 or _NAMED_PROJECT.search(core) or (cut > 0 and t[cut - 1] in "“「『《\""))
        if not named:
            continue
        names.append((cut, end))
    return names


def _dates(doc: _Doc, s: int, e: int) -> tuple[int, int] | None:
    m = DATE_RE.search(doc.t, s, e)
    return None if m is None else (m.start(), m.end())


def _segments(doc: _Doc, clauses: list[tuple[int, int]], cues: list[_Cue]) -> list[list[tuple[int, int]]]:
    """Group clauses: a clause naming a new company with its own event starts a new segment."""
    def comps(c):
        return doc.in_range("company", *c)

    def has_cue(c):
        return any(c[0] <= q.s < c[1] for q in cues)

    segs: list[list[tuple[int, int]]] = []
    for i, c in enumerate(clauses):
        if segs:
            cur = segs[-1]
            cur_has_company = any(comps(k) for k in cur)
            cur_has_event = any(has_cue(k) for k in cur)
            own_event = has_cue(c) or any(has_cue(k) for k in clauses[i + 1:] if not comps(k))
            partner = _PARTNER_OPEN.match(doc.t[c[0]:c[1]])
            if comps(c) and not partner and cur_has_company and cur_has_event and own_event:
                segs.append([c])
            else:
                cur.append(c)
        else:
            segs.append([c])
    return segs


def _gap_kind(gap: str, partner_verb: bool) -> str:
    """How two companies in one clause relate: "list" (A、B), "partner" (A与B) or "other"."""
    g = _LIST_GAP_PROJECT.sub("", gap.strip())
    if g in ("", "、", "以及") or (g in ("和", "及") and not partner_verb):
        return "list"
    if g in ("与", "同", "跟", "和", "及", "携手", "联合"):
        return "partner"
    return "other"


def _choose_companies(doc: _Doc, seg: list[tuple[int, int]], cue: _Cue) -> tuple[list[_Ent], list[_Ent]]:
    """(companies, partners): the subject company or an enumeration of them, and the others in its clause."""
    s, e = seg[0][0], seg[-1][1]
    all_comps = doc.in_range("company", s, e)
    if not all_comps:
        return [], []
    before = [x for x in all_comps if x.e <= cue.s]
    after = [x for x in all_comps if x.s >= cue.e]
    if cue.event == "引进" and after:
        primary = after[0]  # the object: a place 引进 a company
    else:
        primary = before[0] if before else all_comps[0]
    clause = next(c for c in seg if c[0] <= primary.s < c[1])
    in_clause = doc.in_range("company", *clause)
    partner_verb = bool(_PARTNER_VERB.search(doc.t[s:e]))
    i = in_clause.index(primary)
    group = [primary]
    j = i
    while j > 0 and _gap_kind(doc.t[in_clause[j - 1].e:in_clause[j].s], partner_verb) == "list":
        j -= 1
        group.insert(0, in_clause[j])
    j = i
    while j + 1 < len(in_clause) and _gap_kind(doc.t[in_clause[j].e:in_clause[j + 1].s], partner_verb) == "list":
        j += 1
        group.append(in_clause[j])
    if partner_verb:
        partners = [x for x in in_clause if x not in group]
    else:
        # only what a connector ties to the group: A与B、C
        partners, linked = [], False
        for a, b in zip(in_clause, in_clause[1:]):
            kind = _gap_kind(doc.t[a.e:b.s], partner_verb)
            linked = (a in group or (linked and a in partners)) and kind in ("partner", "list")
            if linked and b not in group and (kind == "partner" or a in partners):
                partners.append(b)
    for c in seg:
        if c != clause and _PARTNER_OPEN.match(doc.t[c[0]:c[1]]):
            partners += [x for x in doc.in_range("company", *c) if x not in partners]
    return _dedupe(group), _dedupe(partners)


def _dedupe(xs: list[_Ent]) -> list[_Ent]:
    seen, out = set(), []
    for x in xs:
        key = x.entity.normalized
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


def _choose_park(doc: _Doc, s: int, e: int, sent: tuple[int, int], para_start: int,
                 others: list[tuple[int, int]]) -> _Ent | None:
    """In the segment (after 落户/在… first), else elsewhere in the sentence but not in
    another segment (nearest before, then first after), else the nearest earlier in the paragraph."""
    parks = doc.in_range("park", s, e)
    for x in parks:
        if _PARK_BEFORE.search(doc.t[max(s, x.s - 3):x.s]):
            return x
    if parks:
        return parks[0]
    free = [x for x in doc.in_range("park", *sent) if not any(a <= x.s < b for a, b in others)]
    before = [x for x in free if x.e <= s]
    if before:
        return before[-1]
    if free:
        return free[0]
    earlier = doc.in_range("park", para_start, sent[0])
    return earlier[-1] if earlier else None


def _link(doc: _Doc) -> list[_Draft]:
    t = doc.t
    drafts: list[_Draft] = []
    sentence_no = 0
    para_start = 0
    for p_no, para in enumerate(t.split("\n")):
        p_s, p_e = para_start, para_start + len(para)
        para_start = p_e + 1
        sentences = _splits(t, p_s, p_e, _SENTENCE_END, doc)
        last_open: list[_Draft] = []  # records of the previous sentence's last segment
        for k, sent in enumerate(sentences):
            sentence_no += 1
            clauses = _splits(t, sent[0], sent[1], _CLAUSE_END, doc)
            cues = _cues(doc, *sent)

            def clause_of(pos, clauses=clauses):
                return next((c for c in clauses if c[0] <= pos < c[1]), (pos, pos))

            # a continuation (该项目总投资…, or a clause after ；): no company, no strong event
            figures = doc.in_range("amount", *sent) + doc.in_range("area", *sent)
            follows_semicolon = k > 0 and t[sentences[k - 1][1] - 1] in "；;"
            if (last_open and figures and all(q.weak for q in cues) and not doc.in_range("company", *sent)
                    and (_ANAPHORA.match(t[sent[0]:sent[1]]) or follows_semicolon)):
                for d in last_open:
                    _extend(doc, d, sent, clause_of, sentence_no)
                continue
            if not cues or not clauses:
                last_open = []
                continue
            segs = _segments(doc, clauses, cues)
            made: list[list[_Draft]] = []
            for seg in segs:
                s, e = seg[0][0], seg[-1][1]
                seg_cues = [q for q in cues if s <= q.s < e]
                if not seg_cues:
                    continue
                strong = [q for q in seg_cues if not q.weak]
                cue = strong[0] if strong else seg_cues[0]
                companies, partners = _choose_companies(doc, seg, cue)
                names = _project_names(doc, s, e)
                amounts = _roles(doc, doc.in_range("amount", s, e), clause_of, _AMOUNT_CUE_RE, _AMOUNT_ROLE_OF, "amount")
                areas = _roles(doc, doc.in_range("area", s, e), clause_of, _AREA_CUE_RE, _AREA_ROLE_OF, "area")
                if not companies and not names:
                    continue
                if not strong and not (amounts or areas or names):
                    continue
                others = [(k[0][0], k[-1][1]) for k in segs if k is not seg]
                park = _choose_park(doc, s, e, sent, p_s, others)
                industries = _dedupe(doc.in_range("industry", s, e))
                if not industries and len(segs) == 1:
                    industries = _dedupe(doc.in_range("industry", *sent))
                date = _dates(doc, s, e) or _dates(doc, *sent)
                group: list[_Draft] = []
                subjects: list[_Ent | None] = companies or [None]
                respectively = len(subjects) > 1 and "分别" in t[s:e]
                for n, comp in enumerate(subjects):
                    name = _name_for(names, comp, len(subjects) > 1)
                    group.append(_Draft(
                        company=comp, partners=list(partners), park=park,
                        amounts=_share(amounts, n, len(subjects), respectively),
                        areas=_share(areas, n, len(subjects), respectively),
                        industries=list(industries), event=cue.event, name=name, date=date,
                        s=s, e=e, sentence=sentence_no, paragraph=p_no, in_list=len(subjects) > 1))
                made.append(group)
            for group in made:
                for n, d in enumerate(group):
                    kept = _merge_into_previous(drafts, d)
                    if kept is None:
                        drafts.append(d)
                    else:
                        group[n] = kept  # a continuation extends the record that holds it
            last_open = made[-1] if made and made[-1][0].e >= segs[-1][-1][1] else []
    return drafts


def _name_for(names: list[tuple[int, int]], comp: _Ent | None, listed: bool) -> tuple[int, int] | None:
    if comp is not None:
        for n in names:
            if n[0] <= comp.s < n[1]:
                return n
    if listed or not names:
        return None
    return names[0]


def _share(items: list[tuple[_Ent, str, str | None]], n: int, count: int, respectively: bool):
    """Figures of an enumeration: one each where 分别 pairs them by order, else shared by all."""
    if not respectively or count <= 1:
        return list(items)
    out = []
    for role in dict.fromkeys(r for _, r, _ in items):
        same = [it for it in items if it[1] == role]
        if len(same) == count:
            out.append(same[n])
        else:
            out.extend(same)
    return sorted(out, key=lambda it: it[0].s)


def _extend(doc: _Doc, d: _Draft, sent: tuple[int, int], clause_of, sentence_no: int) -> None:
    """Add a continuation sentence's figures, industries, park and date to a record."""
    s, e = sent
    have = {x.s for x, _, _ in d.amounts}
    d.amounts += [it for it in _roles(doc, doc.in_range("amount", s, e), clause_of, _AMOUNT_CUE_RE,
                                      _AMOUNT_ROLE_OF, "amount") if it[0].s not in have]
    have = {x.s for x, _, _ in d.areas}
    d.areas += [it for it in _roles(doc, doc.in_range("area", s, e), clause_of, _AREA_CUE_RE,
                                    _AREA_ROLE_OF, "area") if it[0].s not in have]
    d.industries = _dedupe(d.industries + doc.in_range("industry", s, e))
    if d.park is None:
        parks = doc.in_range("park", s, e)
        d.park = parks[0] if parks else None
    if d.date is None:
        d.date = _dates(doc, s, e)
    if d.name is None and not d.in_list:
        names = _project_names(doc, s, e)
        d.name = names[0] if names else None
    d.e = max(d.e, e)
    d.sentence = sentence_no


def _merge_into_previous(drafts: list[_Draft], d: _Draft) -> _Draft | None:
    """Adjacent sentences about the same company (and project) are one record: the one it joined."""
    if not drafts or d.company is None or d.in_list:
        return None
    prev = drafts[-1]
    if (prev.in_list or prev.company is None or prev.paragraph != d.paragraph
            or prev.sentence != d.sentence - 1
            or prev.company.entity.normalized != d.company.entity.normalized):
        return None
    if d.name is not None and prev.name is not None:  # two named projects stay two
        return None
    have = {x.s for x, _, _ in prev.amounts}
    prev.amounts += [it for it in d.amounts if it[0].s not in have]
    have = {x.s for x, _, _ in prev.areas}
    prev.areas += [it for it in d.areas if it[0].s not in have]
    prev.industries = _dedupe(prev.industries + d.industries)
    prev.partners = _dedupe(prev.partners + d.partners)
    prev.park = prev.park or d.park
    prev.name = prev.name or d.name
    prev.date = prev.date or d.date
    prev.e = max(prev.e, d.e)
    prev.sentence = d.sentence
    return prev


def _finish(doc: _Doc, d: _Draft) -> ProjectRecord:
    def rv(item: tuple[_Ent, str, str | None]) -> RoleValue:
        x, role, qual = item
        ref, ent = x.ref(), x.entity
        return RoleValue(ref.label, ref.start, ref.end, ref.text, ref.normalized, ref.canonical,
                         ref.canonical_id, role=role, value=ent.value, unit=ent.unit, qualifier=qual,
                         value_range=ent.value_range, value_note=ent.value_note)

    def text_of(span: tuple[int, int] | None) -> str | None:
        return None if span is None else doc.original(*span)[2]

    ev_s, ev_e, ev_text = doc.original(d.s, d.e)
    return ProjectRecord(
        company=None if d.company is None else d.company.ref(),
        partners=[p.ref() for p in d.partners if d.company is None or p.entity.normalized != d.company.entity.normalized],
        park=None if d.park is None else d.park.ref(),
        amounts=[rv(a) for a in sorted(d.amounts, key=lambda it: it[0].s)],
        areas=[rv(a) for a in sorted(d.areas, key=lambda it: it[0].s)],
        industries=[i.ref() for i in d.industries],
        event=d.event,
        project_name=text_of(d.name),
        date=text_of(d.date),
        evidence=Span(ev_s, ev_e, ev_text),
    )


def extract_projects(text: str, record: Record | None = None, *, engine=None,
                     lexicon: "LexiconLike" = None) -> list[ProjectRecord]:
    """Project records of one text, in text order.

    ``record`` is ``predict(text)``'s result when you already have it (its entities
    are linked as they are); without it ``predict`` runs with ``engine`` and
    ``lexicon``. A text without an investment event gives an empty list.
    """
    from .api import check_text, predict

    text = check_text(text)
    if record is None:
        record = predict(text, engine=engine, lexicon=lexicon)
    elif not isinstance(record, Record):
        raise TypeError(f"record must be a Record from predict(text), got {type(record).__name__}")
    if record.text_length != len(text) or any(text[e.start:e.end] != e.text for e in record.entities):
        raise ValueError("record was made for a different text: pass the text predict() read, "
                         "or leave record=None to run predict on this text")
    if not text.strip():
        return []
    doc = _Doc(text, list(record.entities))
    return [_finish(doc, d) for d in _link(doc)]
