"""Reviewed matching decisions for the few record pairs no rule can decide.

Each entry names two source record ids and the reason, from reading both records (and, where
said, the publisher's own pages).  ``DIFFERENT``: never one site, whatever the rules say.
``SAME``: one site although no rule joins them.  Keep this list short: a case that a rule
can decide belongs in ``match.py``.  The build report lists every entry it applied.
"""

from __future__ import annotations

DIFFERENT: dict[frozenset[str], str] = {
    frozenset({"mental_1174", "lms-11276"}): (
        "Pacific Clinics 'Child and TAY FSP and CCSP Programs' (2024 directory, 11731 Telegraph "
        "Rd, Suite G) and 'Pacific Clinics - El Camino' (211 LA 2020, 11721 Telegraph Rd) are 40 m "
        "apart at two house numbers under two program names: nothing says the 211 listing is the "
        "directory's program, so neither is folded into the other"
    ),
}
SAME: dict[frozenset[str], str] = {
    frozenset({"locator-6904", "mental_858"}): (
        "Uplift Family Services (locator 2020) and Pacific Clinics (directory 2024) at 815 N El "
        "Centro Ave: Uplift merged into Pacific Clinics; the sources show the rename at 3680 E "
        "Imperial Hwy, where both list Suite 220 (joined there by the same-suite rule)"
    ),
    frozenset({"lms-9781", "mental_871"}): (
        "Los Angeles Child Guidance Clinic - Exposition Park Site (211 LA 2020) and Wellnest "
        "(directory 2024) at 3787 S Vermont Ave: the clinic was renamed Wellnest; the locator "
        "lists 'Wellnest, formerly LA Child Guidance Clinic' and both list 4401 Crenshaw Blvd "
        "Suite 300"
    ),
}


def _hit(table: dict[frozenset[str], str], a: set[str], b: set[str]) -> bool:
    return any(len(pair & a) == 1 and len(pair & b) == 1 and pair <= (a | b) for pair in table)


def different(a: set[str], b: set[str]) -> bool:
    """Some reviewed pair says the records in ``a`` and in ``b`` are different places."""
    return bool(DIFFERENT) and _hit(DIFFERENT, a, b)


def same(a: set[str], b: set[str]) -> bool:
    """Some reviewed pair says a record in ``a`` and one in ``b`` are one place."""
    return bool(SAME) and _hit(SAME, a, b) and not (a & b)


def table() -> list[dict]:
    """Every entry, for the manifest and the Data page."""
    return [
        {"records": sorted(pair), "decision": decision, "reason": reason}
        for decision, entries in (("different", DIFFERENT), ("same", SAME))
        for pair, reason in sorted(entries.items(), key=lambda kv: sorted(kv[0]))
    ]
