"""One report as a self-contained HTML page, to check results by eye.

The text with every entity highlighted (one colour per label; hovering shows
label, normalised form, value and canonical name), a legend, and the project
rows beside it, each linking to its evidence in the text. Everything taken
from the text is escaped; the page loads nothing from anywhere (inline CSS
and a few lines of script that only highlight the evidence a row links to).

``zhaoshang-ner show report.txt --html out.html`` writes it.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Sequence

from .labels import LABELS
from .schema import Entity, Record

#: One colour per label (light enough to read black text on).
COLOURS: dict[str, str] = {
    "company": "#ffd6a5",
    "park": "#b9f2a1",
    "amount": "#9ee7f5",
    "area": "#cbc3ff",
    "industry": "#ffc2ec",
}
NAMES: dict[str, str] = {"company": "company 企业", "park": "park 园区", "amount": "amount 金额",
                         "area": "area 面积", "industry": "industry 产业"}

_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif;
margin:0;color:#222;background:#fafafa}
header{padding:10px 18px;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:17px;margin:0 0 6px}
.meta{font-size:12px;color:#666}
.legend span{display:inline-block;margin:6px 8px 0 0;padding:1px 7px;border-radius:3px;font-size:13px}
main{display:flex;gap:16px;padding:14px 18px;align-items:flex-start}
#text{flex:1 1 50%;white-space:pre-wrap;line-height:1.9;font-size:15px;background:#fff;padding:14px 18px;
border:1px solid #ddd;border-radius:4px;min-width:0}
aside{flex:1 1 50%;position:sticky;top:8px;max-height:calc(100vh - 24px);overflow:auto;min-width:0}
mark{border-radius:3px;padding:0 1px;color:inherit}
""" + "".join(f"mark.ent-{label},.legend .ent-{label}{{background:{colour}}}\n"
              for label, colour in COLOURS.items()) + """
.ev:target,.ev.active{background:#fff3a0;outline:2px solid #e0b800}
table{border-collapse:collapse;font-size:12.5px;background:#fff;width:100%}
td.ev-link,td.num{white-space:nowrap}
.sub{color:#666;font-size:11.5px}
th,td{border:1px solid #ddd;padding:3px 5px;vertical-align:top;text-align:left}
th{background:#f0f0f0;position:sticky;top:0}
.role{color:#555;font-size:11.5px}
.none{color:#999}
"""

_SCRIPT = """
function mark(id){document.querySelectorAll('.ev.active').forEach(function(e){e.classList.remove('active')});
document.querySelectorAll('.'+id).forEach(function(e){e.classList.add('active')});}
window.addEventListener('hashchange',function(){mark(location.hash.slice(1))});
if(location.hash)mark(location.hash.slice(1));
"""


def _esc(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def format_value(value: float | None, unit: str | None, value_range: Sequence[float] | None = None,
                 note: str | None = None) -> str:
    """19280000000 CNY → 192.8亿元; 80000 m2 → 8万平方米: the way reports write them."""
    if value is None:
        if value_range:
            return "–".join(format_value(v, unit) for v in value_range)
        return f"({note})" if note else ""
    if unit == "m2":
        return f"{value / 1e4:.4g}万平方米" if value >= 1e4 else f"{value:.4g}平方米"
    if unit == "CNY":
        if value >= 1e8:
            return f"{value / 1e8:.4g}亿元"
        return f"{value / 1e4:.4g}万元" if value >= 1e4 else f"{value:.4g}元"
    return f"{value:,.0f} {unit or ''}".strip()


def _title(e: Entity, canonical: tuple[str, str] | None) -> str:
    parts = [f"{e.label}: {e.normalized}"]
    val = format_value(e.value, e.unit, e.value_range, e.value_note)
    if val:
        parts.append(f"value: {val}")
    if canonical:
        parts.append(f"canonical: {canonical[1]} [{canonical[0]}]")
    parts.append(f"offsets {e.start}–{e.end}")
    return " · ".join(parts)


def _non_overlapping(entities: Sequence[Entity], n: int) -> list[int]:
    """Indexes of the entities to draw: in order, valid, none overlapping one already drawn."""
    keep, end = [], 0
    for i in sorted(range(len(entities)), key=lambda i: (entities[i].start, -entities[i].end)):
        e = entities[i]
        if 0 <= e.start < e.end <= n and e.start >= end:
            keep.append(i)
            end = e.end
    return keep


def _snap(pos: int, spans: list[tuple[int, int]], forward: bool) -> int:
    """Move an evidence edge that falls inside an entity to the entity's edge (marks stay whole)."""
    for s, e in spans:
        if s < pos < e:
            return e if forward else s
    return pos


def render_text(text: str, entities: Sequence[Entity], evidence: Sequence[tuple[int, int]] = (),
                canonical: dict[int, tuple[str, str]] | None = None) -> str:
    """The text as HTML: entities in ``<mark class="ent ent-LABEL">``, evidence ``i`` in spans
    of class ``ev ev-i`` (the first with ``id="ev-i"``). Offsets index ``text``."""
    canonical = canonical or {}
    drawn = _non_overlapping(entities, len(text))
    spans = [(entities[i].start, entities[i].end) for i in drawn]
    ev = []
    for k, (s, e) in enumerate(evidence):
        s, e = _snap(max(0, s), spans, False), _snap(min(len(text), e), spans, True)
        if s < e:
            ev.append((k, s, e))
    cuts = {0, len(text)}
    for s, e in spans:
        cuts.update((s, e))
    for _, s, e in ev:
        cuts.update((s, e))
    bounds = sorted(cuts)
    starts = {entities[i].start: i for i in drawn}
    out: list[str] = []
    open_ent: int | None = None
    seen_ev: set[int] = set()
    for a, b in zip(bounds, bounds[1:]):
        piece = _esc(text[a:b])
        if open_ent is None and a in starts:
            open_ent = starts[a]
        if open_ent is not None:
            e = entities[open_ent]
            piece = (f'<mark class="ent ent-{_esc(e.label)}" data-label="{_esc(e.label)}" '
                     f'data-start="{e.start}" data-end="{e.end}" title="{_esc(_title(e, canonical.get(open_ent)))}">'
                     f"{piece}</mark>")
            if b >= e.end:
                open_ent = None
        for k, s, e in reversed(ev):
            if s <= a and b <= e:
                first = k not in seen_ev
                seen_ev.add(k)
                ident = f' id="ev-{k}"' if first else ""
                piece = f'<span class="ev ev-{k}"{ident}>{piece}</span>'
        out.append(piece)
    return "".join(out)


def _ref(ref: Any) -> str:
    if ref is None:
        return '<span class="none">–</span>'
    canon = getattr(ref, "canonical", None)
    tip = f' title="{_esc(canon)} [{_esc(getattr(ref, "canonical_id", ""))}]"' if canon else ""
    return f'<mark class="ent ent-{_esc(ref.label)}"{tip}>{_esc(ref.text)}</mark>'


def _values(values: Sequence[Any], empty: str = '<span class="none">–</span>') -> str:
    """Amounts or areas: the mention, its role and qualifier, and its value where the text differs."""
    if not values:
        return empty
    rows = []
    for v in values:
        qual = f", {v.qualifier}" if getattr(v, "qualifier", None) else ""
        num = format_value(v.value, v.unit, v.value_range, v.value_note)
        rows.append(f'{_ref(v)} <span class="role">{_esc(v.role)}{_esc(qual)}</span>'
                    + (f' <span class="sub">= {_esc(num)}</span>' if num and num != v.text else ""))
    return "<br>".join(rows)


def render_projects(projects: Sequence[Any]) -> str:
    """The project rows as a table; each row's last cell links to its evidence (#ev-i)."""
    if not projects:
        return '<p class="none">No project records found.</p>'
    none = '<span class="none">–</span>'
    head = ("<tr><th>#</th><th>event</th><th>company</th><th>park</th><th>amounts · areas</th>"
            "<th>industries</th><th>evidence</th></tr>")
    rows = []
    for k, p in enumerate(projects):
        company = _ref(p.company)
        if p.partners:
            company += "<br>+ " + "、".join(_ref(x) for x in p.partners)
        if p.project_name:
            company += f'<div class="sub">{_esc(p.project_name)}</div>'
        event = _esc(p.event) + (f'<div class="sub">{_esc(p.date)}</div>' if p.date else "")
        values = "<br>".join(v for v in (_values(p.amounts, ""), _values(p.areas, "")) if v) or none
        industries = "、".join(_ref(x) for x in p.industries) or none
        ev = p.evidence
        rows.append(f'<tr id="row-{k}"><td>{k + 1}</td><td>{event}</td><td>{company}</td>'
                    f"<td>{_ref(p.park)}</td><td>{values}</td><td>{industries}</td>"
                    f'<td class="ev-link"><a href="#ev-{k}" title="{_esc(ev.text)}">{ev.start}–{ev.end}</a></td></tr>')
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _projects_of(text: str, record: Record) -> list[Any] | None:
    """The project rows, or None when this installation has no ``projects`` module."""
    try:
        from .projects import extract_projects
    except ImportError:
        return None
    return extract_projects(text, record)


def render_html(text: str, record: Record, *, title: str = "report",
                projects: Sequence[Any] | None = None) -> str:
    """The whole page for one text and its record (projects are extracted when not given)."""
    if projects is None:
        projects = _projects_of(text, record)
    try:
        from .canonical import canonical_names
        canonical = canonical_names(record.entities, text)
    except (ImportError, FileNotFoundError):
        canonical = {}
    entities = list(record.entities)
    evidence = [(p.evidence.start, p.evidence.end) for p in projects or ()]
    counts = {label: sum(1 for e in entities if e.label == label) for label in LABELS}
    legend = "".join(f'<span class="ent-{label}">{_esc(NAMES.get(label, label))} · {counts[label]}</span>'
                     for label in LABELS)
    side = ('<p class="none">Project rows need zhaoshang_ner.projects, which this installation lacks.</p>'
            if projects is None else f"<h2 style=\"font-size:15px;margin:0 0 6px\">Projects ({len(projects)})</h2>"
            + render_projects(projects))
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<title>{_esc(title)} · zhaoshang-ner</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{_esc(title)}</h1><div class=\"meta\">engine {_esc(record.engine)} · "
        f"{record.text_length} characters · {len(entities)} entities · zhaoshang-ner {_esc(record.version)}</div>"
        f"<div class=\"legend\">{legend}</div></header>"
        f"<main><div id=\"text\">{render_text(text, entities, evidence, canonical)}</div>"
        f"<aside>{side}</aside></main><script>{_SCRIPT}</script></body></html>\n"
    )


def write_html(text: str, record: Record, out: str | Path, *, title: str = "report") -> Path:
    """Write the page for one text to ``out`` (UTF-8) and return its path."""
    out = Path(out)
    if out.parent and not out.parent.is_dir():
        raise FileNotFoundError(f"folder {out.parent} does not exist; create it or choose another --html path")
    out.write_text(render_html(text, record, title=title), encoding="utf-8")
    return out
