"""Build the compact shipped gazetteers from ``../shared/gazetteers``.

The shared lists may not be shipped whole (their README): what ships is names
and derived aliases, with each output's sources and counts in its header.

* ``model/resources/gazetteer_parks.tsv``: one row per zone of the 2018
  catalogue: catalogue code (id), official name, aliases derived by the rules
  of :mod:`zhaoshang_ner.canonical` (高新技术产业开发区 → 高新区, 经济技术开发区 →
  经开区/经济开发区, 经济开发区 → 经开区, 工业园区 → 工业园, 省/市/县 dropped from
  the place, province prefix and 国家 dropped), province.
* ``model/resources/gazetteer_companies.tsv``: one row per company: stock
  code or ``co:`` + hash (id), full name (the most recent published), short
  names as reports write them (*ST/A/B tags dropped). Rows of one company are
  joined by stock code and by full name; aliases shorter than two characters,
  equal to the full name or claimed by two companies are not written.

* ``model/resources/gazetteer_industries.tsv``: one row per industry term:
  GB/T 4754-2017 class names (门类 left out: they are sector headings such
  as 农、林、牧、渔业) with the aliases reports write (a trailing 制造业 / 业 /
  制造 dropped: 集成电路制造 → 集成电路), and the future-industry terms, a
  term joined by 和 split in two (氢能和核聚变能 → 氢能, 核聚变能); a class
  name is never split at 和 (热力生产和供应 is one class). Names with
  其他 or 、 stay whole: their parts are not industries by themselves. A bare
  trailing 业 stays (工程 or 研究 alone are not industries).
* ``model/resources/gazetteer_forms.tsv``: every surface form of the three
  lists with its label, the dictionary the classifier's gazetteer features
  match (:mod:`zhaoshang_ner.features`), so serving reads one small file.

Run: ``python -m training.build_gazetteer [--src ../shared/gazetteers]``.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections import Counter, defaultdict
from pathlib import Path

from zhaoshang_ner.canonical import (COMPANIES_FILE, PARK_TYPE_SHORT, PARKS_FILE, _drop_admin_suffixes,
                                     company_core, name_key, park_key, set_places, share_name)
from zhaoshang_ner.features import FORMS_FILE, INDUSTRIES_FILE, Gazetteer

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = ROOT.parent / "shared" / "gazetteers"
if not DEFAULT_SRC.is_dir():
    DEFAULT_SRC = Path("/work/shared/gazetteers")

#: Sources of the newest names first: a company's canonical full name comes from the first that has one.
NAME_PRIORITY = ("SOE_SASAC_2025", "FORTUNE_CN500_2025", "ACFIC_PRIV500_2025", "ACFIC_MFGPRIV500_2025",
                 "ACFIC_SVCPRIV100_2025", "FORTUNE_G500_2025", "ISC_NET100_2025", "ISC_NETGROWTH20_2025",
                 "ISC_NETSEC20_2025", "ISC_NET100_13Y", "SOE_CENTRAL_FIN", "SOE_MOF_ADMIN", "SOE_MOF_CULTURE",
                 "ASH_TUSHARE_2021")
#: Short-name sources, newest first: the first one of a company without a full name is its name.
SHORT_PRIORITY = ("ASH_TUSHARE_2026", "ASH_ADATA_295", "ASH_TUSHARE_2021")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def _sources(src: Path) -> dict[str, dict[str, str]]:
    return {r["source_id"]: r for r in _rows(src / "SOURCES.tsv")}


def _header(title: str, used: Counter, sources: dict[str, dict[str, str]], extra: list[str]) -> list[str]:
    lines = [f"# {title}", "# Built by training/build_gazetteer.py from ../shared/gazetteers; names derived from "
             "public catalogues and rankings (used as facts; the source lists themselves are not shipped).",
             "# source_id\trows used\trepository or package\tpath\tcommit or version\tlicence as visible"]
    for sid, n in sorted(used.items()):
        s = sources.get(sid, {})
        lines.append(f"# {sid}\t{n}\t{s.get('repo_or_package', '?')}\t{s.get('path', '?')}\t"
                     f"{s.get('commit_or_version', '?')}\t{s.get('licence', '?')}")
    lines += [f"# {line}" for line in extra]
    return lines


# ---------------------------------------------------------------- parks


def _province_short(province: str) -> str:
    for tail in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市"):
        if province.endswith(tail):
            return province[: -len(tail)]
    return province


def park_aliases(name: str, province: str) -> list[str]:
    """The short forms reports use for one official zone name (see the module docstring)."""
    key = name_key(name).replace("国家级", "").replace("国家", "", 1) if "国家" in name else name_key(name)
    forms = {key}
    for long, short in PARK_TYPE_SHORT:
        if long in key:
            forms.add(key.replace(long, short, 1))
            if long == "经济技术开发区":
                forms.add(key.replace(long, "经济开发区", 1))
            break
    prov = _province_short(province)
    for form in list(forms):
        for _, short in PARK_TYPE_SHORT + (("", "经济开发区"),):
            at = form.find(short) if short else -1
            if at > 0:
                forms.add(_drop_admin_suffixes(form[:at]) + form[at:])
    for form in list(forms):
        if prov and form.startswith(prov) and len(form) - len(prov) >= 4:
            rest = form[len(prov):]
            forms.add(rest[1:] if rest[:1] in "省市" else rest)
    own = name_key(name)
    return sorted((f for f in forms if f != own and len(f) >= 4), key=lambda f: (len(f), f))


def build_parks(src: Path, sources: dict[str, dict[str, str]]) -> tuple[list[str], Counter, dict[str, int]]:
    rows = _rows(src / "parks.tsv")
    claims: defaultdict[str, set[str]] = defaultdict(set)
    for r in rows:
        claims[name_key(r["name"])].add(r["code"])
        for a in park_aliases(r["name"], r["province"]):
            claims[name_key(a)].add(r["code"])
            claims["@" + park_key(a)].add(r["code"])
    used: Counter = Counter()
    out, dropped, n_alias = [], 0, 0
    for r in rows:
        keep = []
        for a in park_aliases(r["name"], r["province"]):
            if len(claims[name_key(a)]) == 1 and len(claims["@" + park_key(a)]) == 1:
                keep.append(a)
            else:
                dropped += 1
        n_alias += len(keep)
        used[r["source_id"]] += 1
        out.append("\t".join([r["code"], r["name"], "|".join(keep), r["province"], r["type"]]))
    return out, used, {"parks": len(out), "aliases": n_alias, "ambiguous aliases dropped": dropped}


# ---------------------------------------------------------------- companies


class _UnionFind(dict):
    def find(self, x: str) -> str:
        self.setdefault(x, x)
        while self[x] != x:
            self[x] = self[self[x]]
            x = self[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self[max(ra, rb)] = min(ra, rb)


def _best_code(codes: set[str]) -> str:
    """The A-share code if there is one (B shares 2xxxxx/9xxxxx are a second line of the same firm)."""
    return min(codes, key=lambda c: (c[:1] in "29", "." not in c, c))


def build_companies(src: Path, sources: dict[str, dict[str, str]]) -> tuple[list[str], Counter, dict[str, int]]:
    rows = _rows(src / "companies.tsv")
    uf = _UnionFind()
    for r in rows:
        nodes = [f"code:{r['code'].split('.')[0]}" if r["code"] else "", f"full:{name_key(r['full_name'])}" if r["full_name"] else ""]
        nodes = [n for n in nodes if n]
        if not nodes:
            nodes = [f"short:{share_name(r['short_name'])}"]
        for n in nodes:
            uf.find(n)
        for n in nodes[1:]:
            uf.union(nodes[0], n)
        r["_node"] = nodes[0]
    # A B-share line (200xxx, 900xxx) is the same firm as the one A share with its short name (万科A/万科B).
    lines: defaultdict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["code"] and r["short_name"]:
            lines[share_name(r["short_name"])].add(r["code"].split(".")[0])
    for codes in lines.values():
        a_codes = [c for c in codes if c[:1] not in "29"]
        if len(a_codes) == 1 and len(codes) > 1:
            for c in codes:
                uf.union(f"code:{a_codes[0]}", f"code:{c}")
    groups: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        groups[uf.find(r["_node"])].append(r)
    rank = {s: i for i, s in enumerate(NAME_PRIORITY + SHORT_PRIORITY)}
    firms = []
    for members in groups.values():
        members.sort(key=lambda r: rank.get(r["source_id"], len(rank)))
        full = next((r["full_name"] for r in members if r["full_name"]), "")
        shorts = [share_name(r["short_name"]) for r in members if r["short_name"]]
        name = full or next((s for s in shorts if len(s) >= 2), "")
        if not name:
            continue
        codes = {r["code"] for r in members if r["code"]}
        fid = _best_code(codes) if codes else "co:" + hashlib.sha1(name_key(name).encode()).hexdigest()[:10]
        firms.append((fid, name, list(dict.fromkeys(shorts)), members))
    claims: defaultdict[str, set[str]] = defaultdict(set)
    for fid, name, shorts, _ in firms:
        for s in shorts:
            claims[name_key(s)].add(fid)
    used: Counter = Counter()
    out, dropped_short, dropped_ambiguous, n_alias = [], 0, 0, 0
    for fid, name, shorts, members in sorted(firms, key=lambda f: f[0]):
        own = {name_key(name)}  # a short name equal to the core stays: the features match what reports write
        keep = []
        for s in shorts:
            if len(s) < 2:
                dropped_short += 1
            elif len(claims[name_key(s)]) > 1:
                dropped_ambiguous += 1
            elif name_key(s) not in own:
                keep.append(s)
        n_alias += len(keep)
        used.update(r["source_id"] for r in members)
        out.append("\t".join([fid, name, "|".join(keep)]))
    return out, used, {"source rows": len(rows), "companies": len(out), "aliases": n_alias,
                       "aliases under 2 characters dropped": dropped_short,
                       "ambiguous aliases dropped": dropped_ambiguous}


# ---------------------------------------------------------------- industries

#: Tails a report drops from a class name, longest first (汽车制造业 → 汽车, 集成电路制造 → 集成电路).
INDUSTRY_TAILS = ("制造业", "制造")


def industry_aliases(name: str, future: bool) -> list[str]:
    """Shorter forms of one class name (a tail dropped) or future-industry term (split at 和).

    Only a future term is split: in a class name 和 joins one phrase
    (热力生产和供应, 工程和技术研究和试验发展), and only a class name loses its
    tail (未来制造 is a direction, not 未来).
    """
    if "其他" in name or "、" in name:
        return []
    forms = set()
    if future:
        forms.update(part for part in name.split("和") if len(part) >= 2)
    else:
        for tail in INDUSTRY_TAILS:
            if name.endswith(tail) and len(name) - len(tail) >= 2:
                forms.add(name[: -len(tail)])
                break
    forms.discard(name)
    return sorted(forms, key=lambda f: (len(f), f))


def build_industries(src: Path, sources: dict[str, dict[str, str]]) -> tuple[list[str], Counter, dict[str, int]]:
    used: Counter = Counter()
    seen: dict[str, str] = {}
    out, n_alias, skipped = [], 0, 0
    for r in _rows(src / "industries.tsv"):
        name = r["name"].strip()
        if r["level"] == "门类" or not name:
            skipped += 1
            continue
        if name in seen:  # a future-industry term listed by two documents
            continue
        seen[name] = r["code"] or "future"
        used[r["source_id"]] += 1
        aliases = industry_aliases(name, future=not r["code"])
        n_alias += len(aliases)
        out.append("\t".join([r["code"] or "future", name, "|".join(aliases), r["level"]]))
    return out, used, {"terms": len(out), "aliases": n_alias, "sector headings left out": skipped}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC, help="folder of the shared gazetteers")
    args = ap.parse_args(argv)
    if not (args.src / "parks.tsv").is_file():
        raise SystemExit(f"{args.src}/parks.tsv not found; pass --src FOLDER (the shared gazetteers)")
    sources = _sources(args.src)
    park_lines, park_used, park_counts = build_parks(args.src, sources)
    # company_core strips the place names the zone catalogue knows: set them before deriving cores.
    set_places([line.split("\t") for line in park_lines])
    company_lines, co_used, co_counts = build_companies(args.src, sources)
    industry_lines, ind_used, ind_counts = build_industries(args.src, sources)
    for path, title, lines, used, counts, columns in (
        (PARKS_FILE, "Development zones (parks): id = catalogue code", park_lines, park_used, park_counts,
         "id\tname\taliases\tprovince\ttype"),
        (COMPANIES_FILE, "Companies: id = stock code or co:hash of the full name", company_lines, co_used,
         co_counts, "id\tname\taliases"),
        (INDUSTRIES_FILE, "Industries: id = GB/T 4754-2017 code, or future for a future-industry term",
         industry_lines, ind_used, ind_counts, "id\tname\taliases\tlevel"),
    ):
        extra = ["counts: " + ", ".join(f"{k} {v}" for k, v in counts.items())]
        header = _header(title, used, sources, extra)
        path.write_text("\n".join(header + [columns] + lines) + "\n", encoding="utf-8")
        print("\n".join(header))
        print(f"-> {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.0f} KB)\n", file=sys.stdout)
    forms = Gazetteer.from_resources()
    forms.write(FORMS_FILE)
    print(f"-> {FORMS_FILE.relative_to(ROOT)}: {len(forms.forms)} forms", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
