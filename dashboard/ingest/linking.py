"""Which site a record is: join it, fold it, or leave it out (the matching passes).

``find`` scores a record against the sites it could be (``match.compare``) and returns the
one it matches best, or the tie; ``link`` joins it.  ``merge_nearby`` merges placed sites
that are one place; ``link_locations_only`` folds locations-only sites into the current
program they are, by phone or whole name (``match.LATE_RULES``).  ``can_join`` holds the
guards no evidence overrides.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from dashboard.ingest import match, overrides
from dashboard.ingest.counts import BuildCounts
from dashboard.ingest.normalize import (
    distinctive_phone,
    name_key,
)
from dashboard.ingest.sites import (
    COORD_PRIORITY,
    LOCATION_LABEL,
    Record,
    Site,
    SiteIndex,
    excluded_row,
    licence_ids,
    record_from_row,
    refs_of,
    site_from_row,
)
from dashboard.vocab import Precision

# Rules by which two placed sites may merge in the final pass (not ``withheld`` / ``stale``:
# those link one record to a current directory program, as history).
PLACE_RULES = ("address+suite", "address+name", "number+name", "nearby+name")


def can_join(a: Site, b: Site | Record) -> bool:
    """Guards no evidence overrides: two coded directory programs, two bed-holding
    facilities, two licence records or two licence kinds, reviewed pairs of different places."""
    if a.codes is not None and b.codes is not None:
        return False
    if a.beds is not None and b.beds is not None:
        return False
    if a.licence and b.licence and a.licence != b.licence:
        return False
    lic_a = licence_ids(a)
    lic_b = (
        licence_ids(b) if isinstance(b, Site) else ({b.source_id} if b.source == "dhcs_licensed" else set())
    )
    if lic_a and lic_b and not lic_a & lic_b:
        return False
    return not overrides.different(refs_of(a), refs_of(b))


def evidence(r, site: Site, rules=match.RULES) -> match.Evidence | None:
    """The best evidence that ``r`` (a record, or another site) is the same place as ``site``."""
    best = None
    for x in r.facets() if isinstance(r, Site) else (r,):
        for f in site.facets():
            if x is f:
                continue
            ev = match.compare(x, f)
            if ev is not None and ev.rule in rules and (best is None or ev.score > best.score):
                best = ev
    return best


@dataclass
class Found:
    site: Site | None
    evidence: match.Evidence | None
    ambiguous: list[Site] = field(default_factory=list)


def find(r, index: SiteIndex, *, rules=match.RULES, only=None) -> Found:
    """The one site ``r`` joins, or none; ties between sites are reported as ambiguous."""
    scored = []
    for s in index.candidates(r):
        if (only is not None and not only(s)) or not can_join(s, r):
            continue
        ev = evidence(r, s, rules)
        if ev is not None:
            scored.append((ev.score, ev, s))
    forced = [s for s in index.sites if overrides.same(refs_of(r), refs_of(s)) and can_join(s, r)]
    if forced:
        return Found(forced[0], match.Evidence("override", None, None, 0.0, None))
    if not scored:
        return Found(None, None)
    scored.sort(key=lambda t: t[0], reverse=True)
    top = [t for t in scored if t[0] == scored[0][0]]
    if len(top) > 1:
        return Found(None, top[0][1], [t[2] for t in top])
    return Found(scored[0][2], scored[0][1])


def link(site: Site, rec: Record, ev: match.Evidence, index: SiteIndex, counts: BuildCounts) -> None:
    """``rec`` is ``site``: note its id, fill gaps, place the site if it is at its address."""
    site.add_source(rec.source, rec.source_id)
    site.records.append(rec)
    counts.linked(ev.rule)
    if ev.rule in ("stale", "withheld"):
        rec.role = "history"
        counts.records_linked_as_history += 1
    elif not ev.at_same_address:
        rec.role = "alias"
    if rec.role != "history":
        index.add_facet(site, rec)
    if rec.role == "site" and rec.exact and not site.located and not site.withheld:
        site.place(
            rec.lat, rec.lon, Precision.EXACT, f"Exact: address matched to {LOCATION_LABEL[rec.source]}"
        )
    if ev.rule == "withheld":
        return  # the facility withholds its address now: an older one is not shown beside it
    if (
        rec.role != "site"
        and rec.street
        and match.address_relation(rec, site) not in ("suite", "street", "house")
    ):
        text = f"{rec.address_text()} ({LOCATION_LABEL[rec.source]}, {rec.as_of})"
        if text not in site.other_addresses:
            site.other_addresses.append(text)


def ambiguous_reason(found: Found) -> str:
    n, rule = len(found.ambiguous), found.evidence.rule
    return f"matches {n} sites equally ({rule}); one record never feeds two sites"


def add_records(
    frame: pd.DataFrame,
    index: SiteIndex,
    counts: BuildCounts,
    excluded: list[dict],
    untrusted: set[str],
    *,
    licence_col: str | None = None,
) -> tuple[int, int]:
    """Join each record to its site or make it a site of its own; (matched, new sites)."""
    matched = added = 0
    for _, row in frame.iterrows():
        rec = record_from_row(row, licence=row[licence_col] if licence_col else None)
        if row["source_id"] in untrusted:
            rec.lat = rec.lon = float("nan")
        found = find(rec, index)
        if found.ambiguous:
            excluded.append(excluded_row(row, ambiguous_reason(found)))
            counts.records_ambiguous += 1
            continue
        if found.site is not None:
            s = found.site
            link(s, rec, found.evidence, index, counts)
            s.website = s.website or row["website"]
            if "description" in row.index:
                s.description = s.description or row["description"]
            if licence_col:
                s.licence = s.licence or row[licence_col]
            matched += 1
            continue
        site = site_from_row(row, licence=row[licence_col] if licence_col else None)
        site.records[0] = rec
        if rec.exact:
            site.place(rec.lat, rec.lon, Precision.EXACT, f"Exact: {LOCATION_LABEL[rec.source]} coordinates")
        elif row["source_id"] in untrusted:
            site.untrusted_point = f"{LOCATION_LABEL[rec.source]} gives its point to another address too"
        index.add(site)
        added += 1
    return matched, added


def rank(site: Site) -> tuple:
    return (
        site.codes is not None,
        site.licence is not None,
        site.beds is not None,
        -COORD_PRIORITY.index(site.primary_source) if site.primary_source in COORD_PRIORITY else 0,
    )


def merge_nearby(sites: list[Site]) -> tuple[list[Site], int]:
    """Merge placed sites that the matching rules call one place (the richer absorbs the
    other); approximate points are never merged (a ZIP centroid says nothing)."""
    index = SiteIndex()
    for s in sites:
        if s.exact:
            index.add(s)
    absorbed: set[int] = set()
    n = 0
    for s in list(index.sites):
        if id(s) in absorbed:
            continue
        for o in index.candidates(s):
            if o is s or id(o) in absorbed or not o.exact:
                continue
            if not (can_join(s, o) and can_join(o, s)):
                continue
            ev = evidence(s, o, PLACE_RULES)
            if ev is None:
                continue
            keep, drop = (s, o) if rank(s) >= rank(o) else (o, s)
            absorb(keep, drop)
            for f in drop.facets():
                index.add_facet(keep, f)
            absorbed.add(id(drop))
            n += 1
            if drop is s:
                break
    return [s for s in sites if id(s) not in absorbed], n


def absorb(keep: Site, drop: Site) -> None:
    for src, sid in drop.refs:
        keep.add_source(src, sid)
    keep.records.extend(drop.records)
    keep.other_addresses.extend(a for a in drop.other_addresses if a not in keep.other_addresses)
    for attr in ("website", "phone", "description", "licence", "street", "city", "zip"):
        if getattr(keep, attr) is None and getattr(drop, attr) is not None:
            setattr(keep, attr, getattr(drop, attr))
    if keep.beds is None and drop.beds is not None:
        keep.beds, keep.beds_facid, keep.beds_name = drop.beds, drop.beds_facid, drop.beds_name
        keep.state_hospital = drop.state_hospital


def locations_only(site: Site) -> bool:
    """Known only from a 2020 locations list: no coded profile, licence or beds."""
    return (
        site.codes is None
        and site.licence is None
        and site.beds is None
        and set(site.sources) <= set(match.STALE_SOURCES)
    )


def link_locations_only(sites: list[Site], counts: BuildCounts) -> list[Site]:
    """Fold locations-only sites into the site they are, by rules the address-first pass
    cannot see (``match.LATE_RULES``):

    ``address+phone``  another site at the same street address has the same distinctive
                       number (one door, one phone, two names): one site;
    ``phone+name``     the one current directory program with that distinctive number
                       shares a distinctive name word, at any distance: an earlier listing
                       of that program (its address kept as history);
    ``name+program``   the one current directory program with the same whole name and
                       program, of an organisation with no other program listed: an earlier
                       listing, at any distance.

    A number is distinctive when it is not toll-free and at most one directory program
    gives it (an organisation's central line tells no program apart).
    """
    by_phone: dict[str, list[Site]] = defaultdict(list)
    for s in sites:
        if (p := distinctive_phone(s.phone)) is not None:
            by_phone[p].append(s)
    coded = [s for s in sites if s.codes is not None]
    by_name: dict[str | None, list[Site]] = defaultdict(list)
    for s in coded:
        by_name[match.full_name(s.name, s.program)].append(s)
    programs_of = defaultdict(int)
    for s in coded:
        programs_of[name_key(s.name)] += 1
    gone: set[int] = set()
    for s in sites:
        if id(s) in gone or not locations_only(s):
            continue
        same = [
            o for o in by_phone.get(distinctive_phone(s.phone) or "", []) if o is not s and id(o) not in gone
        ]
        programs = [o for o in same if o.codes is not None]
        if len(programs) > 1:
            same = programs = []  # an organisation's line
        here = [o for o in same if match.address_relation(s, o) in ("suite", "street", "house")]
        if len(here) == 1:
            keep, drop = (s, here[0]) if rank(s) >= rank(here[0]) else (here[0], s)
            _fold(keep, drop, "address+phone", counts, history=False)
            gone.add(id(drop))
            continue
        if len(programs) == 1 and _a_name_word_in_common(s, programs[0]):
            _fold(programs[0], s, "phone+name", counts, history=True)
            gone.add(id(s))
            continue
        named = by_name.get(match.full_name(s.name, s.program), [])
        if len(named) == 1 and programs_of[name_key(s.name)] == 1 and match.tokens(s.name, s.program):
            _fold(named[0], s, "name+program", counts, history=True)
            gone.add(id(s))
    return [s for s in sites if id(s) not in gone]


def _a_name_word_in_common(a: Site, b: Site) -> bool:
    """A distinctive word in the two names with their programs, place names left out (the
    phone already ties them: "Prototypes I-Can - Pasadena" / "HealthRIGHT 360, Prototypes
    Outpatient")."""
    return bool(
        match.tokens(a.name, a.program, a.city, b.city) & match.tokens(b.name, b.program, a.city, b.city)
    )


def _fold(keep: Site, drop: Site, rule: str, counts: BuildCounts, *, history: bool) -> None:
    """``drop``'s records are ``keep``'s: at its door (an alias) or an earlier listing."""
    for r in drop.records:
        counts.linked(rule)
        if history:
            r.role = "history"
            counts.records_linked_as_history += 1
        elif r.role == "site":
            r.role = "alias"
    if history:
        addresses = [] if keep.withheld else [r for r in drop.records if r.street]
        for r in addresses:
            if match.address_relation(r, keep) not in ("suite", "street", "house"):
                text = f"{r.address_text()} ({LOCATION_LABEL[r.source]}, {r.as_of})"
                if text not in keep.other_addresses:
                    keep.other_addresses.append(text)
        for src, sid in drop.refs:
            keep.add_source(src, sid)
        keep.records.extend(drop.records)
        if not keep.withheld:
            keep.other_addresses.extend(a for a in drop.other_addresses if a not in keep.other_addresses)
    else:
        absorb(keep, drop)
