"""Assemble sites: merge every source's records into one row per site.

The SAMHSA mental-health directory gives the sites and their attributes (one site per
program at an address).  Every other record — the substance-use directory, the 2020
locator, LA County LMS/211, the DHCS/CDPH licence list, bed-holding hospitals placed by
HCAI / CovidCareMap — is compared with the sites built so far (``match.compare``: street
and suite, house number, ZIP and neighbouring ZIPs, name, distance) and joins the one site
it matches best, or becomes a site of its own with *unknown* attributes.  A record that
matches several sites equally is left out with that reason; one record never feeds two
sites.  A 2020 record that repeats a current program at another address joins it as
history (``other_addresses``) instead of becoming a second site.

Locating tiers, recorded per site in ``location_precision``: ``exact`` (coordinates of
the site's own street address in a coordinate-bearing source, or the geocoder cache),
``approximate`` (ZIP centroid; always so when the facility withholds its address),
``none``.
"""

from __future__ import annotations

import pandas as pd

from dashboard.ingest import zipgeo
from dashboard.ingest.beds import (
    attach_beds,
    attach_phf_beds,
    licence_overruled,
)
from dashboard.ingest.counts import BuildCounts
from dashboard.ingest.geocode import CensusGeocoder
from dashboard.ingest.linking import (
    add_records,
    ambiguous_reason,
    find,
    link,
    link_locations_only,
    merge_nearby,
)
from dashboard.ingest.sites import (
    LOCATION_LABEL,
    CoordIndex,
    Site,
    SiteIndex,
    dedupe_key,
    excluded_row,
    points_at_several_addresses,
    record_from_row,
    site_from_row,
)
from dashboard.vocab import Precision


def assemble_sites(
    src: dict, geocoder: CensusGeocoder | None = None
) -> tuple[list[Site], BuildCounts, pd.DataFrame, pd.DataFrame]:
    """Merge every source into sites, in the order below (each pass sees the sites the
    earlier ones built).

    Returns (sites, counts, excluded-records table, bed facilities with their placement).
    """
    counts = BuildCounts()
    excluded: list[dict] = []
    index = SiteIndex()
    # 1-2. SAMHSA directory: the mental-health programs, then the substance-use rows.
    add_directory_programs(src["directory"], index, counts)
    add_substance_rows(src["directory"], index, counts, excluded)
    frames = {
        "samhsa_locator": src["locator"],
        "lms_211": src["lms"],
        "hcai": src["hcai"],
        "covidcaremap": src["ccm"],
    }
    untrusted = set().union(*(points_at_several_addresses(f) for f in frames.values()))
    counts.points_given_to_several_addresses = len(untrusted)
    coords = CoordIndex(frames, untrusted)
    # 3. SAMHSA locator 2020: coordinates for directory programs at the same address, an
    #    old address of a current program, or a locations-only site (attributes unknown).
    counts.locator_rows = len(src["locator"])
    counts.locator_rows_matched, counts.locator_only_sites = add_records(
        src["locator"], index, counts, excluded, untrusted
    )
    # 4-5. LA County LMS / 211 treatment sites; state-licensed facilities.
    add_lms(src["lms"], index, counts, excluded, untrusted)
    add_licensed(src["licensed"], src["beds"], index, counts, excluded, untrusted)
    # 6. Licensed acute psychiatric beds (CDPH), placed via HCAI / CovidCareMap.
    bed_rows = attach_beds(src, index, coords, counts)
    # 7. Sites placed since they were compared (licence-only and bed-only sites) that are
    #    one place with another site.
    locate(index.sites, coords, geocoder, approximate=False)
    sites, counts.sites_merged_by_proximity = merge_nearby(index.sites)
    # 8. Locations-only sites that are a current program by phone or whole name, anywhere.
    sites = link_locations_only(sites, counts)
    # 9. Locate what is still unplaced: address match, geocoder cache, ZIP centroid.
    locate(sites, coords, geocoder)
    # 10. PHF beds where a source counts them (CovidCareMap 2020; none in the bed file).
    counts.phf_beds, counts.phf_without_beds = attach_phf_beds(sites, src["ccm"])
    counts.excluded_records = len(excluded)
    return sites, counts, pd.DataFrame(excluded, columns=["source", "source_id", "name", "reason"]), bed_rows


def add_directory_programs(directory: pd.DataFrame, index: SiteIndex, counts: BuildCounts) -> None:
    """SAMHSA mental-health directory programs: the attribute backbone, one site each (a
    program listed twice at one address, e.g. with two intake lines, is one site)."""
    mental = directory[directory["directory_type"] == "mental"]
    counts.directory_mental_rows = len(mental)
    by_key: dict[tuple, Site] = {}
    for _, row in mental.iterrows():
        site = site_from_row(row, codes=tuple(row["codes"]))
        k = dedupe_key(site)
        if k in by_key:
            other = by_key[k]
            other.codes = tuple(sorted(set(other.codes) | set(site.codes)))
            other.add_source(row["source"], row["source_id"])
            other.records.append(site.records[0])
            counts.directory_duplicate_rows_merged += 1
            continue
        by_key[k] = index.add(site)


def add_substance_rows(
    directory: pd.DataFrame, index: SiteIndex, counts: BuildCounts, excluded: list[dict]
) -> None:
    """Substance-use directory rows: the same facility in both directories is noted on the
    mental-health site; substance-use-only facilities are not mental-health capacity."""
    substance = directory[directory["directory_type"] == "substance"]
    counts.directory_substance_rows = len(substance)
    for _, row in substance.iterrows():
        rec = record_from_row(row)
        found = find(rec, index, only=lambda s: s.codes is not None)
        if found.site is not None:
            link(found.site, rec, found.evidence, index, counts)
            counts.directory_substance_rows_matched_to_mh += 1
        elif found.ambiguous:
            excluded.append(excluded_row(row, "substance-use directory row " + ambiguous_reason(found)))
            counts.records_ambiguous += 1
        else:
            excluded.append(excluded_row(row, "substance-use directory only (no mental-health listing)"))


def add_lms(
    lms: pd.DataFrame, index: SiteIndex, counts: BuildCounts, excluded: list[dict], untrusted: set[str]
) -> None:
    """LA County LMS / 211: treatment sites only (each record's ``exclusion_reason`` says
    why it is not one); attributes unknown."""
    counts.lms_rows = len(lms)
    counts.lms_rows_excluded = int(lms["exclusion_reason"].notna().sum())
    for _, row in lms[lms["exclusion_reason"].notna()].iterrows():
        excluded.append(excluded_row(row, row["exclusion_reason"]))
    counts.lms_rows_matched, counts.lms_only_sites = add_records(
        lms[lms["exclusion_reason"].isna()], index, counts, excluded, untrusted
    )


def add_licensed(
    licensed: pd.DataFrame,
    beds: pd.DataFrame,
    index: SiteIndex,
    counts: BuildCounts,
    excluded: list[dict],
    untrusted: set[str],
) -> None:
    """State-licensed PHFs, MHRCs, psychiatric hospitals, psychology clinics — unless the
    bed file, the better source for what a facility is, says it is something else."""
    counts.licensed_rows = len(licensed)
    other_kind = licence_overruled(licensed, beds)
    for _, row in licensed[licensed["source_id"].isin(other_kind)].iterrows():
        excluded.append(excluded_row(row, other_kind[row["source_id"]]))
    counts.licensed_rows_other_kind = len(other_kind)
    current = licensed[~licensed["source_id"].isin(other_kind)]
    counts.licensed_rows_matched, counts.licensed_only_sites = add_records(
        current, index, counts, excluded, untrusted, licence_col="licence"
    )


def locate(
    sites: list[Site], coords: CoordIndex, geocoder: CensusGeocoder | None, *, approximate: bool = True
) -> None:
    """Place unplaced sites: the same street address in a coordinate source, the geocoder
    cache, then (``approximate``) the ZIP centroid.  A withheld address is never exact."""
    for s in sites:
        if s.located:
            continue
        if not s.withheld:
            hit = coords.lookup(s.street, s.zip) if s.street else None
            if hit:
                s.place(
                    hit[0], hit[1], Precision.EXACT, f"Exact: address matched to {LOCATION_LABEL[hit[2]]}"
                )
                continue
            if geocoder is not None and s.street:
                g = geocoder.lookup(s.street, s.city, s.zip)
                if g:
                    s.place(g[0], g[1], Precision.EXACT, "Exact: US Census geocoder (cached)")
                    continue
        if not approximate:
            continue
        c = zipgeo.centroid(s.zip)
        if c:
            if s.withheld:
                why = "address withheld by the facility"
            elif s.untrusted_point:
                why = s.untrusted_point
            else:
                why = "no address match"
            s.place(
                c[0],
                c[1],
                Precision.APPROXIMATE,
                f"Approximate: ZIP {s.zip} centroid ({why}; {zipgeo.PACKAGE})",
            )
