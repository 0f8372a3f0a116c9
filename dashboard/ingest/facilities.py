"""Assembled sites -> the snapshot's facilities table (one row per site, taxonomy flags,
map symbol class, placement, sources, beds)."""

from __future__ import annotations

import hashlib

import pandas as pd

from dashboard import taxonomy
from dashboard.errors import BuildError
from dashboard.ingest.beds import (
    licensee_operator,
)
from dashboard.ingest.normalize import (
    proper_case,
    whole_name,
)
from dashboard.ingest.sites import (
    Site,
    dedupe_key,
)
from dashboard.vocab import Kind

OPERATOR_COLUMNS = [taxonomy.flag_column("operator", v) for v in taxonomy.GROUP_BY_ID["operator"].ids]


def kind_of(flags: dict, beds) -> Kind:
    """Map symbol class: inpatient (incl. inpatient + outpatient), outpatient,
    residential / day treatment, other (e.g. crisis only), or setting unknown."""
    f = lambda v: flags[taxonomy.flag_column("setting", v)] is True  # noqa: E731
    if f("inpatient") or (beds is not None and beds > 0):
        return Kind.INPATIENT
    if f("outpatient"):
        return Kind.OUTPATIENT
    if f("residential") or f("day"):
        return Kind.RESIDENTIAL_DAY
    if flags[taxonomy.flag_column("setting", "outpatient")] is pd.NA:
        return Kind.UNKNOWN
    return Kind.OTHER


def facility_table(sites: list[Site]) -> pd.DataFrame:
    """One row per site (``_row``), in name order, with nullable integer beds and boolean
    flags; two sites with one id is a build error."""
    rows = [_row(s) for s in sites]
    # Alphabetical: tables and downloads read in this order without sorting per view.
    df = pd.DataFrame(rows)
    df = df.sort_values(
        ["name", "program", "site_id"], key=lambda c: c.str.lower(), na_position="first", kind="stable"
    ).reset_index(drop=True)
    df["psych_beds"] = df["psych_beds"].astype("Int64")
    df["phf_beds"] = df["phf_beds"].astype("Int64")
    for col in taxonomy.flag_columns():
        df[col] = df[col].astype("boolean")
    if df["site_id"].duplicated().any():
        dup = df.loc[df["site_id"].duplicated(keep=False), ["site_id", "name", "source_ids"]]
        raise BuildError(f"two sites share an id: {dup.head(4).to_dict('records')}")
    return df


def _row(s: Site) -> dict:
    """A site's columns: what it is, where, from which sources, its beds and its flags (an
    operator the directory does not give is taken from the licence holder's name)."""
    flags = taxonomy.flags_for(s.codes, s.licence)
    operator = licensee_operator(s)
    operator_known = any(flags[c] is True for c in OPERATOR_COLUMNS)
    if operator and not operator_known:
        for c in OPERATOR_COLUMNS:
            flags[c] = c == taxonomy.flag_column("operator", operator)
    ftypes = [taxonomy.FACILITY_TYPES[c] for c in (s.codes or ()) if c in taxonomy.FACILITY_TYPES]
    ident = "|".join(str(x) for x in (dedupe_key(s), s.beds_facid, sorted(s.source_ids)[0]))
    name, program = whole_name(proper_case(s.name), s.program)
    return {
        "site_id": "s" + hashlib.sha1(ident.encode(), usedforsecurity=False).hexdigest()[:10],
        "name": name,
        "program": program,
        "street": s.street,
        "street2": s.street2,
        "city": s.city,
        "zip": s.zip,
        "phone": s.phone,
        "website": s.website,
        "lat": s.lat,
        "lon": s.lon,
        "location_precision": s.precision.value,
        "location_source": s.location_source,
        "primary_source": s.primary_source,
        "as_of": s.as_of,
        "sources": ";".join(s.sources),
        "source_ids": ";".join(s.source_ids),
        "other_addresses": "; ".join(s.other_addresses) or None,
        "attributes": (
            "SAMHSA directory 2024"
            if s.codes is not None
            else f"licence only ({s.licence})"
            if s.licence
            else "unknown"
        ),
        "codes": " ".join(s.codes) if s.codes is not None else None,
        "facility_type": "; ".join(ftypes) or (s.licence or None),
        "licence": s.licence,
        "psych_beds": s.beds,
        "beds_facid": s.beds_facid,
        "beds_name": s.beds_name,
        "state_hospital": s.state_hospital,
        "description": s.description,
        "kind": kind_of(flags, s.beds).value,
        "operator_source": (
            "SAMHSA directory 2024"
            if operator_known
            else "licence holder's name (CDPH / HCAI)"
            if operator
            else None
        ),
        "licence_operator": operator,
        "phf_beds": s.phf_beds,
        "phf_beds_source": s.phf_beds_source,
        **flags,
    }
