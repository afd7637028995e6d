"""The project-records gold: loading, validation against the entity gold, and scoring.

``annotations/records.jsonl`` holds, per document, investment-project records as
standoff links between *gold entity spans* (see ``annotations/RECORDS_GUIDE.md``).
A record names no text of its own except the evidence clause, so the file never
copies corpus text, and a record is only as right as the entity gold it points at:
``validate_records`` refuses any span that is not a gold entity of the stated label.

Scoring (``score_records``) compares predicted records (``ProjectRecord`` objects from
``zhaoshang_ner.projects.extract_projects`` or their ``to_dict()``) with the gold, with
one rule stated once here and in the guide:

* **Record match.** Within one document, a predicted record matches a gold record when
  both have a company and the company spans are equal; or, when neither has a company,
  their park spans are equal (both None counts as equal) and their evidence spans
  overlap. Matching is one-to-one and greedy: gold records in text order, each taking
  the first unmatched predicted record that matches it.
* **Links.** Each record contributes links anchored at its company span (or, without a
  company, at its park span; with neither, no links): company→park (``park``),
  anchor→amount-with-role (``amount``: span and role must both be equal), anchor→area
  (``area``: span and role), anchor→industry (``industry``). Links are compared as sets
  per document, so a link counts once however many records repeat it; P/R/F1 over
  all documents are micro-averaged.

Spans are compared exactly (character offsets), so end-to-end scores also charge
the linker for every entity boundary the engine got wrong.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .evaluate import PRF
from .gold import ANNOTATIONS, GoldDoc, read_json_lines, sha256

RECORDS_JSONL = ANNOTATIONS / "records.jsonl"

AMOUNT_ROLES = ("total_investment", "registered_capital", "contract_value", "fixed_asset",
                "output_value", "tax", "foreign_capital", "revenue", "other")
AREA_ROLES = ("land", "floor", "other")
EVENTS = ("签约", "落户", "开工", "投产", "竣工", "增资", "开业", "引进", "other")
LINK_KINDS = ("park", "amount", "area", "industry")

Pair = tuple[int, int]


@dataclass(frozen=True)
class Role:
    """An amount or area in a record, with what it measures."""

    span: Pair
    role: str


@dataclass
class GoldRecord:
    """One project record, as spans (start, end) into its document's text."""

    company: Pair | None
    partners: list[Pair] = field(default_factory=list)
    park: Pair | None = None
    amounts: list[Role] = field(default_factory=list)
    areas: list[Role] = field(default_factory=list)
    industries: list[Pair] = field(default_factory=list)
    event: str | None = None
    evidence: Pair = (0, 0)

    def anchor(self) -> tuple[str, Pair] | None:
        """What the record's links hang from: its company, else its park, else nothing."""
        if self.company is not None:
            return ("company", self.company)
        if self.park is not None:
            return ("park", self.park)
        return None

    def links(self) -> set[tuple]:
        a = self.anchor()
        if a is None:
            return set()
        out: set[tuple] = set()
        if self.company is not None and self.park is not None:
            out.add(("park", a, self.park))
        out |= {("amount", a, r.span, r.role) for r in self.amounts}
        out |= {("area", a, r.span, r.role) for r in self.areas}
        out |= {("industry", a, s) for s in self.industries}
        return out


@dataclass
class RecordsDoc:
    id: str
    sha256: str
    records: list[GoldRecord]


# ---------------------------------------------------------------- loading


def _pair(x: Any, where: str) -> Pair:
    if not (isinstance(x, (list, tuple)) and len(x) == 2 and all(isinstance(v, int) for v in x) and x[0] < x[1]):
        raise ValueError(f"{where}: expected a span [start, end] with start < end, got {x!r}")
    return (x[0], x[1])


def _opt(x: Any, where: str) -> Pair | None:
    return None if x is None else _pair(x, where)


def record_from_dict(d: Mapping[str, Any], where: str = "record") -> GoldRecord:
    """A gold record from its JSON form (the records.jsonl schema)."""
    def roles(key: str, allowed: tuple[str, ...]) -> list[Role]:
        out = []
        for i, r in enumerate(d.get(key) or []):
            if r.get("role") not in allowed:
                raise ValueError(f"{where}.{key}[{i}]: role {r.get('role')!r} is not one of {', '.join(allowed)}")
            out.append(Role(_pair(r.get("span"), f"{where}.{key}[{i}]"), r["role"]))
        return out

    event = d.get("event")
    if event is not None and event not in EVENTS:
        raise ValueError(f"{where}: event {event!r} is not one of {', '.join(EVENTS)}")
    return GoldRecord(
        company=_opt(d.get("company"), f"{where}.company"),
        partners=[_pair(p, f"{where}.partners") for p in d.get("partners") or []],
        park=_opt(d.get("park"), f"{where}.park"),
        amounts=roles("amounts", AMOUNT_ROLES),
        areas=roles("areas", AREA_ROLES),
        industries=[_pair(p, f"{where}.industries") for p in d.get("industries") or []],
        event=event,
        evidence=_pair(d.get("evidence"), f"{where}.evidence"),
    )


def record_to_dict(r: GoldRecord) -> dict[str, Any]:
    return {
        "company": None if r.company is None else list(r.company),
        "partners": [list(p) for p in r.partners],
        "park": None if r.park is None else list(r.park),
        "amounts": [{"span": list(a.span), "role": a.role} for a in r.amounts],
        "areas": [{"span": list(a.span), "role": a.role} for a in r.areas],
        "industries": [list(p) for p in r.industries],
        "event": r.event,
        "evidence": list(r.evidence),
    }


def load_records(path: Path | str = RECORDS_JSONL) -> list[RecordsDoc]:
    """The records gold, one ``RecordsDoc`` per line; a malformed line is a ValueError naming it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"records gold not found at {path}: it ships in annotations/records.jsonl")
    out = []
    for n, d in read_json_lines(path):
        try:
            out.append(RecordsDoc(d["id"], d["sha256"], [record_from_dict(r, f"{path.name}:{n}:{d['id']}.records[{i}]")
                                                         for i, r in enumerate(d["records"])]))
        except KeyError as exc:
            raise ValueError(f"{path}:{n}: not a records line ({exc}): expected id, sha256, records") from exc
    return out


# ---------------------------------------------------------------- validation


def validate_records(rdocs: Sequence[RecordsDoc], gold_docs: Sequence[GoldDoc]) -> list[str]:
    """Every problem with the records gold, as one-line messages (empty when it is sound).

    Each span of a record must be exactly a gold entity span of its document with the
    right label (company and partners: company; park: park; amounts: amount; areas:
    area; industries: industry); the evidence must lie in the text and contain every
    span of its record; the text's SHA-256 must be the one the records were made on.
    """
    by_id = {d.id: d for d in gold_docs}
    problems: list[str] = []
    seen: set[str] = set()
    for rd in rdocs:
        if rd.id in seen:
            problems.append(f"{rd.id}: listed twice")
        seen.add(rd.id)
        doc = by_id.get(rd.id)
        if doc is None:
            problems.append(f"{rd.id}: no gold entity document with this id")
            continue
        if sha256(doc.text) != rd.sha256:
            problems.append(f"{rd.id}: sha256 differs from the text's: the records were made on another text")
            continue
        labels = {(e.start, e.end): e.label for e in doc.entities}
        for i, r in enumerate(rd.records):
            where = f"{rd.id} record {i}"
            slots = ([("company", r.company, "company")] + [("partners", p, "company") for p in r.partners]
                     + [("park", r.park, "park")] + [("amounts", a.span, "amount") for a in r.amounts]
                     + [("areas", a.span, "area") for a in r.areas]
                     + [("industries", s, "industry") for s in r.industries])
            for slot, span, want in slots:
                if span is None:
                    continue
                got = labels.get(span)
                if got != want:
                    what = "no gold entity" if got is None else f"a gold {got}"
                    problems.append(f"{where}: {slot} {list(span)} is {what}, expected a gold {want} span")
                elif not (r.evidence[0] <= span[0] and span[1] <= r.evidence[1]):
                    problems.append(f"{where}: {slot} {list(span)} lies outside the evidence {list(r.evidence)}")
            if r.evidence[1] > len(doc.text):
                problems.append(f"{where}: evidence {list(r.evidence)} runs past the text ({len(doc.text)} chars)")
            if r.company is None and r.park is None:
                problems.append(f"{where}: a record needs a company or a park")
    return problems


# ---------------------------------------------------------------- predictions


def _get(x: Any, key: str) -> Any:
    return x.get(key) if isinstance(x, Mapping) else getattr(x, key, None)


def _ref(x: Any) -> Pair | None:
    return None if x is None else (int(_get(x, "start")), int(_get(x, "end")))


def from_prediction(p: Any) -> GoldRecord:
    """A ``ProjectRecord`` (or its ``to_dict()``) in the gold's terms."""
    ev = _get(p, "evidence")
    return GoldRecord(
        company=_ref(_get(p, "company")),
        partners=[_ref(x) for x in _get(p, "partners") or []],
        park=_ref(_get(p, "park")),
        amounts=[Role(_ref(a), _get(a, "role") or "other") for a in _get(p, "amounts") or []],
        areas=[Role(_ref(a), _get(a, "role") or "other") for a in _get(p, "areas") or []],
        industries=[_ref(x) for x in _get(p, "industries") or []],
        event=_get(p, "event"),
        evidence=(0, 0) if ev is None else _ref(ev),
    )


# ---------------------------------------------------------------- scoring



@dataclass
class RecordScores:
    """Record-level and per-link scores, plus event agreement on matched records."""

    records: PRF = field(default_factory=PRF)
    links: dict[str, PRF] = field(default_factory=lambda: {k: PRF() for k in LINK_KINDS})
    event_agree: int = 0
    matched: int = 0
    docs: int = 0

    def __iadd__(self, other: "RecordScores") -> "RecordScores":
        self.records += other.records
        for k in LINK_KINDS:
            self.links[k] += other.links[k]
        self.event_agree += other.event_agree
        self.matched += other.matched
        self.docs += other.docs
        return self

    @property
    def all_links(self) -> PRF:
        total = PRF()
        for k in LINK_KINDS:
            total += self.links[k]
        return total

    def as_dict(self) -> dict[str, Any]:
        return {"docs": self.docs, "records": self.records.as_dict(),
                "links": {k: v.as_dict() for k, v in self.links.items()},
                "all_links": self.all_links.as_dict(),
                "event_accuracy": round(self.event_agree / self.matched, 4) if self.matched else None}


def _matches(g: GoldRecord, p: GoldRecord) -> bool:
    if g.company is not None or p.company is not None:
        return g.company == p.company
    return g.park == p.park and g.evidence[0] < p.evidence[1] and p.evidence[0] < g.evidence[1]


def match_records(gold: Sequence[GoldRecord], pred: Sequence[GoldRecord]) -> list[tuple[int, int]]:
    """One-to-one greedy matching: gold in text order, each taking the first matching unused prediction."""
    used: set[int] = set()
    pairs = []
    for gi in sorted(range(len(gold)), key=lambda i: gold[i].evidence):
        for pi, p in enumerate(pred):
            if pi not in used and _matches(gold[gi], p):
                used.add(pi)
                pairs.append((gi, pi))
                break
    return pairs


def score_document(gold: Sequence[GoldRecord], pred: Sequence[Any]) -> RecordScores:
    """Scores of one document's predicted records (``ProjectRecord``, dicts or ``GoldRecord``)."""
    pr = [p if isinstance(p, GoldRecord) else from_prediction(p) for p in pred]
    s = RecordScores(docs=1)
    pairs = match_records(gold, pr)
    s.records += PRF(len(gold), len(pr), len(pairs))
    s.matched = len(pairs)
    s.event_agree = sum(gold[g].event == pr[p].event for g, p in pairs)
    g_links = set().union(*(r.links() for r in gold)) if gold else set()
    p_links = set().union(*(r.links() for r in pr)) if pr else set()
    for k in LINK_KINDS:
        gk = {x for x in g_links if x[0] == k}
        pk = {x for x in p_links if x[0] == k}
        s.links[k] += PRF(len(gk), len(pk), len(gk & pk))
    return s


def score_records(gold: Mapping[str, Sequence[GoldRecord]], pred: Mapping[str, Sequence[Any]],
                  groups: Mapping[str, str] | None = None) -> dict[str, RecordScores]:
    """Scores per source group and ``"overall"``; a document missing from ``pred`` has no predictions."""
    groups = groups or {}
    out: dict[str, RecordScores] = defaultdict(RecordScores)
    for doc_id, g in gold.items():
        s = score_document(g, pred.get(doc_id, []))
        out[groups.get(doc_id, "all")] += s
        out["overall"] += s
    return dict(out)


def gold_record_of(doc: GoldDoc):
    """A ``schema.Record`` holding exactly the gold entities of ``doc``, so only a linker is scored."""
    from .schema import Entity, Record

    ents = [Entity(label=e.label, start=e.start, end=e.end, text=doc.text[e.start:e.end],
                   normalized=doc.text[e.start:e.end]) for e in doc.entities]
    return Record(engine="gold", text_length=len(doc.text), entities=ents)


def format_table(scores: Mapping[str, RecordScores], title: str) -> str:
    """A plain-text table: one row per group, record F1 and each link's F1 (with gold counts)."""
    head = f"{'group':38} {'docs':>4} {'rec P':>6} {'rec R':>6} {'rec F1':>6} " + " ".join(
        f"{k + ' F1':>11}" for k in LINK_KINDS) + f" {'links F1':>8} {'event':>5}"
    lines = [title, head]
    keys = sorted(k for k in scores if k != "overall") + (["overall"] if "overall" in scores else [])
    for k in keys:
        s = scores[k]
        ev = f"{s.event_agree / s.matched:.2f}" if s.matched else "  -"
        lines.append(f"{k[:38]:38} {s.docs:>4} {s.records.precision:6.3f} {s.records.recall:6.3f} {s.records.f1:6.3f} "
                     + " ".join(f"{s.links[x].f1:6.3f}({s.links[x].gold:>3})" for x in LINK_KINDS)
                     + f" {s.all_links.f1:8.3f} {ev:>5}")
    return "\n".join(lines)


def iter_gold(rdocs: Iterable[RecordsDoc]) -> dict[str, list[GoldRecord]]:
    return {d.id: d.records for d in rdocs}
