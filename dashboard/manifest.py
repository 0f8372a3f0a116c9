"""The snapshot's manifest (manifest.json), typed: what it was built from and when, its
sources as cited, and the build report.

``python -m dashboard.ingest build`` writes it as JSON (``ingest.pipeline``, ``ingest.report``);
``Manifest.from_dict`` reads it back into these classes, so a page reads
``snap.manifest.report.drive_time.tracts`` and a renamed or missing key fails when the
snapshot is read, with the key's name, instead of on one page.  Deeper tables of counts
(by rule, by reason, by SPA ...) stay plain dicts of name -> number.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass


@dataclass(frozen=True)
class Citation:
    """A source as the snapshot cites it (from ``registry.SOURCES``)."""

    title: str
    publisher: str
    vintage: str
    licence: str
    url: str
    # For a figure that is the source's own: how it was made, where, what it cannot say ("" if none).
    method: str
    geography: str
    limits: str


@dataclass(frozen=True)
class BedReport:
    """Licensed acute psychiatric beds (CDPH), PHF beds (CovidCareMap) and who runs them."""

    total: int
    facilities: int
    excluding_state_hospital: int
    by_spa: dict
    by_operator: dict  # county_run, state_run, other, other_reporting_local_government
    phf_beds: int
    phf_without_beds: list[str]
    unlocated_facilities: list[str]


@dataclass(frozen=True)
class DriveTimeReport:
    """OEPS drive minutes by tract: coverage and residents beyond each band."""

    tracts: int
    tracts_with_a_reliable_value: int
    population_with_a_reliable_value: int
    residents_beyond_minutes: dict
    tracts_without_a_value: dict
    rows_for_tracts_not_in_the_tract_table: list


@dataclass(frozen=True)
class HpsaReport:
    """Mental-health shortage-area designations in the county."""

    rows: int
    by_status: dict
    designated_by_type: dict


@dataclass(frozen=True)
class MatchingReport:
    """How records became sites: links by rule, reviewed overrides, close pairs explained."""

    links_by_rule: dict
    overrides: int
    close_pairs_with_similar_names: dict
    records_used_by_several_sites: dict


@dataclass(frozen=True)
class DistrictReport:
    """Supervisorial districts (2021 plan): how tracts are split and the population bounds."""

    plan: str
    tract_split: str
    straddle_share: float
    tracts_straddling: int
    population_in_straddling_tracts: int
    by_district: dict
    facilities_near_a_line: dict


@dataclass(frozen=True)
class Report:
    """The build report: the counts a maintainer and the Data page need."""

    facilities: int
    facilities_by_kind: dict
    facilities_by_location_precision: dict
    facilities_by_primary_source: dict
    facilities_by_source_present: dict
    facilities_by_spa: dict
    facilities_outside_any_area: int
    excluded_by_reason: dict
    by_taxonomy_value: dict
    source_rows: dict
    population_2018: int
    population_2018_by_spa: dict
    spas: int
    districts: int
    licensed_acute_psych_beds: BedReport
    matching: MatchingReport
    districts_2021: DistrictReport
    drive_time: DriveTimeReport
    hpsa: HpsaReport


@dataclass(frozen=True)
class Manifest:
    schema: int
    built_at: str  # ISO time of the build
    build_seconds: float
    content_id: str  # sha256 of the tables and polygons (snapshot.content_id)
    fingerprint: dict  # sha256 of every raw file, the ingest code's hash, the schema
    sources: dict[str, Citation]
    population_vintage: str
    code_labels: dict[str, str]  # SAMHSA service code -> its label
    bed_crosswalk: dict  # CDPH FACID -> how the reviewed crosswalk places it
    match_overrides: list  # the reviewed same/different decisions
    report: Report
    synthetic: dict | None = None  # only in a benchmark's scaled copy (bench/synthetic.py)

    @classmethod
    def from_dict(cls, d: dict) -> Manifest:
        """The manifest as read from JSON; raises ``ValueError`` naming a missing or unknown key."""
        return _build(cls, d, "manifest")

    def to_dict(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @property
    def built_on(self) -> str:
        """Build date and time, e.g. '2026-11-29 18:02'."""
        return self.built_at[:16].replace("T", " ")


def _build(cls, d, where: str):
    if not isinstance(d, dict):
        raise ValueError(f"{where}: expected an object, found {type(d).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (a snapshot of another version?)")
    kw = {}
    for f in dataclasses.fields(cls):
        if f.name not in d:
            if f.default is dataclasses.MISSING:
                raise ValueError(f"{where}: key {f.name!r} is missing (a snapshot of another version?)")
            continue
        kw[f.name] = _value(hints[f.name], d[f.name], f"{where}.{f.name}")
    return cls(**kw)


def _value(hint, v, where: str):
    """``v`` as ``hint`` says: dataclasses (and dicts of them) are built; the rest is as read."""
    if dataclasses.is_dataclass(hint):
        return _build(hint, v, where)
    if typing.get_origin(hint) is dict:
        _key, item = typing.get_args(hint)
        if dataclasses.is_dataclass(item):
            return {k: _build(item, x, f"{where}.{k}") for k, x in v.items()}
    if isinstance(hint, types.UnionType) and v is None:
        return None
    if (hint in (int, str) and not isinstance(v, hint)) or (hint is float and not isinstance(v, int | float)):
        raise ValueError(f"{where}: expected {hint.__name__}, found {type(v).__name__}")
    return v
