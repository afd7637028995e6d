"""Canonical names: one id and one name per company or park, within and across reports.

Reports name the same firm or zone in several ways (广东瑞庆时代新能源科技有限公司 /
瑞庆时代; 肇庆国家高新技术产业开发区 / 肇庆市高新区 / 肇庆高新区). Two sources decide:

* the shipped gazetteers ``resources/gazetteer_parks.tsv`` (the 2018 national
  catalogue of development zones; id = catalogue code) and
  ``resources/gazetteer_companies.tsv`` (listed companies and public rankings;
  id = stock code or ``co:`` + hash), built by ``training/build_gazetteer.py``;
* within one document, short names are linked to the full name they abbreviate.

Names are compared through *keys*: :func:`name_key` (normalised text, one kind of
bracket, no spaces), :func:`park_key` (plus the zone-type and rank rules below)
and :func:`company_core` (minus place prefix and legal suffixes). The build
script and the lookups use these same functions, so a rule changes in one place.

A name found nowhere gets ``name:`` + a hash of its label and key, so the same
name gets the same id in every report (a short name alone in one report and the
full name alone in another stay two ids: nothing links them).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from .normalize import normalize_span

RESOURCES = Path(__file__).resolve().parent / "resources"
PARKS_FILE = RESOURCES / "gazetteer_parks.tsv"
COMPANIES_FILE = RESOURCES / "gazetteer_companies.tsv"

#: Labels that get canonical names; amounts, areas and industries have values or are generic.
CANONICAL_LABELS = ("company", "park")

# ---------------------------------------------------------------- keys

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "〔": "(", "〕": ")"})
_SPACE = re.compile(r"[\s\u00a0·•・]+")


def name_key(name: str) -> str:
    """The form two names are compared in: normalised, ASCII brackets, no spaces or dots."""
    return _SPACE.sub("", normalize_span(name).translate(_BRACKETS))


#: Official zone-type words and the short form reports use, longest first (高新技术产业开发区 → 高新区).
PARK_TYPE_SHORT: tuple[tuple[str, str], ...] = (
    ("高新技术产业开发区", "高新区"),
    ("高新技术产业园区", "高新区"),
    ("高新技术开发区", "高新区"),
    ("高新产业开发区", "高新区"),
    ("高新技术园区", "高新区"),
    ("经济技术开发区", "经开区"),
    ("经济开发区", "经开区"),
    ("经济开发试验区", "经开区"),
    ("工业园区", "工业园"),
    ("产业园区", "产业园"),
    ("综合保税区", "综保区"),
)
#: Rank words dropped before matching (肇庆国家高新区 = 肇庆高新区).
_RANK = re.compile(r"国家级|省级|国家(?=高新|经济|经开|级)")
_ADMIN = "省市县"


def _drop_admin_suffixes(prefix: str) -> str:
    """肇庆市 → 肇庆, 广东省肇庆市 → 广东肇庆: drop 省/市/县 after at least two characters."""
    out: list[str] = []
    run = 0
    for ch in prefix:
        if ch in _ADMIN and run >= 2:
            run = 0
            continue
        out.append(ch)
        run += 1
    return "".join(out)


def park_key(name: str) -> str:
    """A park name reduced to what reports vary least: 肇庆市国家高新技术产业开发区 → 肇庆高新区."""
    key = _RANK.sub("", name_key(name))
    for long, short in PARK_TYPE_SHORT:
        at = key.find(long)
        if at >= 0:
            key = key[:at] + short + key[at + len(long):]
            break
    for _, short in PARK_TYPE_SHORT:
        at = key.find(short)
        if at > 0:
            return _drop_admin_suffixes(key[:at]) + key[at:]
    return key


#: Bare zone words that name "the" zone of the report (高新区 alone), linked within a document.
GENERIC_PARKS = frozenset({"高新区", "经开区", "开发区", "工业园", "产业园", "综保区", "园区", "新区"})

#: Legal and generic tails of company names, longest first; stripped repeatedly.
COMPANY_SUFFIXES: tuple[str, ...] = (
    "股份有限公司", "有限责任公司", "有限公司", "股份公司", "集团公司", "总公司", "分公司", "公司",
    "(集团)", "集团", "控股", "投资", "科技", "技术", "实业", "发展", "股份",
)
#: Endings that make a mention a full (registered) name.
_LEGAL_TAILS = ("公司", "集团", "(集团)", "厂", "银行", "研究院")
_PAREN = re.compile(r"\([^()]{1,6}\)")
_SHARE_TAGS = re.compile(r"^(?:\*?ST|S\*ST|PT|S(?=[\u4e00-\u9fff])|退市)|(?<=[\u4e00-\u9fff])(?:[AB]|退)$")


def share_name(short: str) -> str:
    """An exchange short name as reports write it: *ST国华 → 国华, 万科A → 万科, 万 科Ａ → 万科."""
    return _SHARE_TAGS.sub("", name_key(short))


@dataclass
class _Places:
    """Place names (provinces, cities, counties) that open company names, from the park catalogue."""

    names: frozenset[str] = frozenset()
    longest: int = 0
    provinces: tuple[str, ...] = ()


_PLACES = _Places()


def company_core(name: str) -> str:
    """广东瑞庆时代新能源科技有限公司 → 瑞庆时代新能源: no place prefix, bracketed place, legal tail."""
    key = _PAREN.sub("", name_key(name))
    changed = True
    while changed:
        changed = False
        for suffix in COMPANY_SUFFIXES:
            if key.endswith(suffix) and len(key) - len(suffix) >= 2:
                key = key[: -len(suffix)]
                changed = True
    places = _places()
    for n in range(min(places.longest, len(key) - 2), 1, -1):
        head = key[:n]
        if head in places.names:
            rest = key[n:]
            if rest[:1] in _ADMIN:
                rest = rest[1:]
            if len(rest) >= 2:
                return rest
    return key


def _places() -> _Places:
    """The place names, read from the shipped park list on first use (so cores never depend on call order)."""
    if not _PLACES.names and PARKS_FILE.is_file():
        set_places(_read_tsv(PARKS_FILE))
    return _PLACES


def hashed_id(label: str, name: str, prefix: str = "name") -> str:
    """A stable id for a name no list knows: the same name gets the same id in every report."""
    digest = hashlib.sha1(f"{label}|{name_key(name)}".encode("utf-8")).hexdigest()[:12]
    return f"{prefix}:{digest}"


# ---------------------------------------------------------------- gazetteer


def _read_tsv(path: Path) -> list[list[str]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; build it with `python -m training.build_gazetteer`")
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows[1:]  # header


@dataclass
class _Index:
    """key → (id, name); a key claimed by two entries is dropped (ambiguous)."""

    found: dict[str, tuple[str, str]] = field(default_factory=dict)
    clash: set[str] = field(default_factory=set)

    def add(self, key: str, entry: tuple[str, str]) -> None:
        if len(key) < 2 or key in self.clash:
            return
        old = self.found.get(key)
        if old is None:
            self.found[key] = entry
        elif old[0] != entry[0]:
            del self.found[key]
            self.clash.add(key)

    def get(self, key: str) -> tuple[str, str] | None:
        return self.found.get(key)


class Canonicalizer:
    """Gazetteer lookups; the files are read on first use, once per instance."""

    def __init__(self, parks: Path | None = None, companies: Path | None = None) -> None:
        self._paths = (parks or PARKS_FILE, companies or COMPANIES_FILE)
        self._loaded = False
        self._exact: dict[str, _Index] = {}
        self._reduced: dict[str, _Index] = {}

    def _load(self) -> None:
        if self._loaded:
            return
        parks_path, companies_path = self._paths
        park_rows = _read_tsv(parks_path)
        set_places(park_rows)
        exact = {label: _Index() for label in CANONICAL_LABELS}
        reduced = {label: _Index() for label in CANONICAL_LABELS}
        for pid, name, aliases, *_ in park_rows:
            entry = (pid, name)
            for n in [name, *filter(None, aliases.split("|"))]:
                exact["park"].add(name_key(n), entry)
                reduced["park"].add(park_key(n), entry)
        for cid, name, aliases, *_ in _read_tsv(companies_path):
            entry = (cid, name)
            exact["company"].add(name_key(name), entry)
            for alias in filter(None, aliases.split("|")):
                exact["company"].add(name_key(alias), entry)
            core = company_core(name)
            if len(core) >= 3 or core != name_key(name):
                reduced["company"].add(core, entry)
        self._exact, self._reduced, self._loaded = exact, reduced, True

    def canonical(self, label: str, normalized_name: str) -> tuple[str, str] | None:
        """(id, official name) for a company or park mention, or None when no list knows it.

        Exact alias match first; then parks by :func:`park_key` (rank words and
        zone-type words reduced, 省/市/县 dropped) and companies by
        :func:`company_core` of the full name.
        """
        if label not in CANONICAL_LABELS or not normalized_name:
            return None
        self._load()
        key = name_key(normalized_name)
        hit = self._exact[label].get(key)
        if hit is None and label == "park":
            hit = self._reduced["park"].get(park_key(key))
            # 上海漕河泾新兴技术开发区: the catalogue often names a zone without its province
            province = next((p for p in _places().provinces if key.startswith(p) and len(key) - len(p) >= 4), "")
            if hit is None and province:
                rest = key[len(province):].lstrip("省市")
                hit = self._exact["park"].get(rest) or self._reduced["park"].get(park_key(rest))
        if hit is None and label == "company":
            # A short mention is compared as it stands with the cores of full names (华为 ↔ 华为投资控股
            #有限公司); only a full mention is reduced itself, else 华源科技 would meet 苏州华源控股.
            probe = company_core(key) if key.endswith(_LEGAL_TAILS) else share_name(key)
            hit = self._exact["company"].get(share_name(key)) or self._reduced["company"].get(probe)
            if hit is None and key.endswith("集团"):  # 通威集团 = 通威集团有限公司
                hit = next(filter(None, (self._exact["company"].get(key + tail)
                                         for tail in ("有限公司", "股份有限公司", "有限责任公司"))), None)
        return hit


def set_places(park_rows: Sequence[Sequence[str]]) -> None:
    """Collect place prefixes (广东, 肇庆, 北京…) from the zone names; they open company names too."""
    global _PLACES
    names: set[str] = set()
    for row in park_rows:
        province = row[3] if len(row) > 3 else ""
        if province:
            names.add(re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", province))
        key = park_key(row[1])
        for _, short in PARK_TYPE_SHORT:
            at = key.find(short)
            if at >= 2:
                names.add(key[:at])
                break
    provinces = tuple(sorted({re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", row[3])
                              for row in park_rows if len(row) > 3 and row[3]}, key=len, reverse=True))
    names = {n for n in names if 2 <= len(n) <= 4}
    _PLACES = _Places(frozenset(names), max((len(n) for n in names), default=0), provinces)


_DEFAULT: Canonicalizer | None = None


def default_canonicalizer() -> Canonicalizer:
    """The process-wide instance over the shipped files (loaded on first lookup)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Canonicalizer()
    return _DEFAULT


# ---------------------------------------------------------------- one document


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _abbreviates(short: str, full: str) -> bool:
    """瑞庆时代 abbreviates 广东瑞庆时代新能源科技有限公司: a substring of it or of its core,
    or (three characters or more, same first character) a subsequence of its core. The short
    name is taken whole (三一集团 must not shrink to 三一 and meet 三一重工)."""
    if short == full or len(short) >= len(full) or short.endswith(_LEGAL_TAILS[:1]):
        return False  # a registered name (…公司) abbreviates nothing: 三一集团有限公司 ≠ 三一重工…
    core = company_core(full)
    for s in {short, share_name(short)}:
        if len(s) < 2:
            continue
        if s in full or s in core:
            return True
        if len(s) >= 3 and core and s[0] == core[0] and _is_subsequence(s, core):
            return True
    return False


class _Groups:
    """Union-find over name keys of one label."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _link_companies(keys: list[str], groups: _Groups) -> None:
    """Each shorter name joins the one longer name it abbreviates; two candidates = ambiguous."""
    by_length = sorted(keys, key=len, reverse=True)
    for i, short in enumerate(by_length):
        longer = [full for full in by_length[:i] if len(full) > len(short) and _abbreviates(short, full)]
        roots = {groups.find(full) for full in longer}
        if len(roots) == 1:
            groups.union(longer[0], short)


def _link_parks(keys: list[str], groups: _Groups, canon: Canonicalizer) -> None:
    """Same park key = same park; a bare 高新区 joins the one X高新区 of the document."""
    reduced: dict[str, list[str]] = {}
    for k in keys:
        reduced.setdefault(park_key(k), []).append(k)
    for members in reduced.values():
        for other in members[1:]:
            groups.union(members[0], other)
    for generic in GENERIC_PARKS & set(reduced):
        candidates = [members[0] for r, members in reduced.items()
                      if r != generic and r.endswith(generic) and r not in GENERIC_PARKS]
        owners = {groups.find(k) for k in candidates}
        if len(owners) > 1:  # a catalogued zone wins over spans no list knows
            owners = {groups.find(k) for k in candidates if canon.canonical("park", k)}
        if len(owners) == 1:
            groups.union(owners.pop(), reduced[generic][0])


def canonical_names(entities: Iterable, text: str | None = None, *,
                    canonicalizer: Canonicalizer | None = None) -> dict[int, tuple[str, str]]:
    """(canonical_id, canonical_name) for each company and park entity of one document, by index.

    Mentions are grouped (exact key, short name ↔ the full name it abbreviates,
    park keys, a bare 高新区 with the document's one X高新区); a group takes the
    gazetteer entry of its longest member that has one, else the longest member
    as its name and a ``name:`` hash of it as its id. ``text`` is accepted for
    callers that have it; the entities' ``normalized`` forms are what is compared.
    """
    canon = canonicalizer or default_canonicalizer()
    canon._load()  # the place names company_core strips come with the park list
    ents = list(entities)
    out: dict[int, tuple[str, str]] = {}
    for label in CANONICAL_LABELS:
        idx = [i for i, e in enumerate(ents) if e.label == label]
        if not idx:
            continue
        key_of = {i: name_key(ents[i].normalized or ents[i].text) for i in idx}
        keys = list(dict.fromkeys(k for k in key_of.values() if k))
        groups = _Groups()
        for k in keys:
            groups.find(k)
        if label == "company":
            _link_companies(keys, groups)
        else:
            _link_parks(keys, groups, canon)
        members: dict[str, list[str]] = {}
        for k in keys:
            members.setdefault(groups.find(k), []).append(k)
        resolved: dict[str, tuple[str, str]] = {}
        for root, names in members.items():
            names.sort(key=lambda n: (-len(n), n))
            hit = next((h for h in (canon.canonical(label, n) for n in names) if h), None)
            resolved[root] = hit or (hashed_id(label, names[0]), names[0])
        for i in idx:
            if key_of[i]:
                out[i] = resolved[groups.find(key_of[i])]
    return out
