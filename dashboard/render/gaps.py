"""What the Gaps & access page shows for a view, computed in one place (pure, no Streamlit).

``build`` turns the snapshot and a view state into every figure and table of the page: the
distance from each tract to the nearest matching site, residents beyond the threshold (in
the area selection and the county), the same at other distances, areas and tracts ranked
by residents far from care, the drive-time lens and the tract map's data.  The page lays
these out; ``key`` is the part of the state they depend on, so a view is computed once and
shared (``analysis.views.LruCache``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from dashboard import snapshot
from dashboard.analysis import catchment, filters, metrics
from dashboard.analysis.filters import FilterState, FlagIndex, Match
from dashboard.analysis.views import match_key
from dashboard.render import legend, maps, tables

OTHER_DISTANCES = (1, 2, 5, 10, 15)  # miles, for the "at other distances" table


@dataclass(frozen=True)
class GapsView:
    denominator: metrics.Denominator
    matched: Match  # matching sites anywhere in the county (areas do not limit access)
    county: pd.Series  # residents, residents_far, share_far in the area selection
    distances: pd.DataFrame  # residents farther than each of OTHER_DISTANCES
    by_level: dict  # "spa"/"sd" -> areas ranked by residents far (as shown)
    tracts: pd.DataFrame  # every tract in the selection, most residents far first (as shown)
    drive_overall: pd.Series
    drive_by_level: dict  # "spa"/"sd" -> drive-time table (as shown)
    map_payload: str  # the tract layer's data (maps.tract_payload): miles to the nearest site
    distance_shading: legend.TractShading  # the tract map of miles to the nearest site
    reach_county: pd.Series  # capacity within reach (catchment.area_reach) in the selection
    reach_whole: pd.Series  # the same, county-wide
    reach_by_level: dict  # "spa"/"sd" -> within reach beside inside the lines (as shown)
    reach_tracts: pd.DataFrame  # tracts in the selection, least capacity within reach first
    reach_shading: legend.TractShading  # the tract map of capacity within reach (its layer's
    residents: pd.Series  # data is made when shown: ``reach_payload``); GEOID -> residents
    access: pd.DataFrame  # every tract's distance to a matching site (metrics.tract_access)


@dataclass(frozen=True)
class Standard:
    """Residents beyond the time-or-distance standard (``standard``): it depends on the
    standard's minutes as well as the view, and is the only part of the page that does."""

    table: pd.DataFrame  # rows "selection", "county"
    by_level: dict  # "spa"/"sd" -> residents beyond the standard per area (as shown)


def key(state: FilterState) -> FilterState:
    """What the page's content depends on: the filters, areas, distance and denominator (the
    standard's minutes change only ``standard``)."""
    return replace(match_key(state), miles=state.miles)


def build(
    snap: snapshot.Snapshot,
    idx: FlagIndex,
    state: FilterState,
    tract_url: str | None,
    miles_all: np.ndarray | None = None,
) -> GapsView:
    """The page's content for a view (``miles_all``: every tract's miles to every site, made
    once per snapshot: ``Views.miles``)."""
    state = key(state)
    tracts, fac = snap.tracts, snap.facilities
    den = metrics.denominator(state)
    matched = filters.match(idx, replace(state, spa=(), sd=()))  # sites anywhere: access crosses lines
    access = metrics.tract_access(tracts, fac, matched.mask, den, state.miles)
    by_geoid = access.set_index("geoid")
    distance = legend.distance_shading(by_geoid["miles_to_nearest"])
    in_area = access.loc[metrics.tract_mask(tracts, state)]
    by_level, drive_by_level = {}, {}
    drive = snap.drive_time.loc[metrics.tract_mask(snap.drive_time, state)]
    for level in ("spa", "sd"):
        names = snap.area_names(level)
        summary = metrics.far_summary(in_area, by=level).reset_index().rename(columns={level: "area"})
        summary.insert(1, "name", summary["area"].map(names))
        summary = summary.sort_values("residents_far", ascending=False)
        by_level[level] = tables.far_view(summary, den.label, state.miles)
        d = metrics.drive_time_summary(drive, den, by=level).reset_index().rename(columns={"key": "area"})
        d.insert(1, "name", d["area"].map(names))
        drive_by_level[level] = tables.drive_view(d, den.label)
    return GapsView(
        access=access,
        **_reach_parts(snap, matched.mask, state, by_geoid["residents"], den.label, miles_all),
        residents=by_geoid["residents"],
        denominator=den,
        matched=matched,
        county=metrics.far_summary(in_area).iloc[0],
        distances=other_distances(in_area, den.label),
        by_level=by_level,
        tracts=tables.tract_view(in_area, snap.area_names("spa"), den.label, state.miles),
        drive_overall=metrics.drive_time_summary(drive, den).iloc[0],
        drive_by_level=drive_by_level,
        distance_shading=distance,
        map_payload=maps.tract_payload(
            snap.geojson["tracts"], distance, by_geoid["residents"], url=tract_url, tip_suffix=f" {den.label}"
        ),
    )


def standard(snap: snapshot.Snapshot, view: GapsView, state: FilterState) -> Standard:
    """Residents beyond the time-or-distance standard (the view's distance and
    ``state.minutes`` of drive time): the selection and the county, and by SPA and district."""
    access = metrics.with_drive_time(view.access, snap.drive_time, state.minutes)
    in_area = access.loc[metrics.tract_mask(snap.tracts, state)]
    both = [metrics.beyond_standard(in_area), metrics.beyond_standard(access)]
    label = view.denominator.label
    return Standard(
        table=pd.concat(both).set_axis(["selection", "county"]),
        by_level={
            level: tables.standard_view(
                metrics.beyond_standard(in_area, by=level),
                snap.area_names(level),
                label,
                state.miles,
                state.minutes,
            )
            for level in ("spa", "sd")
        },
    )


def _reach_parts(
    snap, sites: np.ndarray, state: FilterState, residents: pd.Series, den_label: str, miles_all
) -> dict:
    """Capacity within reach (2SFCA) of every tract (``sites``: the matching ones, anywhere),
    summed up for the selection, the county, each SPA and district, the tracts with the
    least, and its tract map's shading."""
    fac, tracts = snap.facilities, snap.tracts
    reach = catchment.tract_reach(tracts, fac, sites, residents.to_numpy(), state.miles, miles_all)
    in_area = reach.loc[metrics.tract_mask(tracts, state)]
    inside = sites & metrics.place_mask_areas(fac, state)
    by_tract = reach.set_index("geoid")
    shade = legend.reach_shading(by_tract["reach"], by_tract["residents"], state.miles)
    return {
        "reach_county": catchment.area_reach(in_area).iloc[0],
        "reach_whole": catchment.area_reach(reach).iloc[0],
        "reach_by_level": {
            level: _reach_by_area(snap, in_area, fac, inside, level, den_label, state.miles)
            for level in ("spa", "sd")
        },
        "reach_tracts": tables.reach_tract_view(in_area, snap.area_names("spa"), den_label, state.miles),
        "reach_shading": shade,
    }


def reach_payload(view: GapsView, geojson: dict, url: str | None) -> str:
    """The tract layer's data for the capacity-within-reach map (made only when it is shown)."""
    return maps.tract_payload(geojson, view.reach_shading, view.residents, url, f" {view.denominator.label}")


def _reach_by_area(snap, reach, fac, site_mask, level, den_label, miles) -> pd.DataFrame:
    """Per area: capacity within reach (residents' mean) beside the sites inside its lines
    per 100k (located matching sites there / its residents; both only the part of an area
    inside the selection, as every figure of the page)."""
    summary = catchment.area_reach(reach, by=level)
    located = np.asarray(site_mask, bool) & fac["lat"].notna().to_numpy()
    inside = fac.loc[located, level].value_counts()
    summary["inside"] = metrics.per_100k(inside.reindex(summary.index).fillna(0), summary["residents"])
    summary = summary.reset_index().rename(columns={"key": "area"})
    summary.insert(1, "name", summary["area"].map(snap.area_names(level)))
    return tables.reach_view(summary.sort_values("reach"), den_label, miles)


def other_distances(access: pd.DataFrame, den_label: str) -> pd.DataFrame:
    """Residents (and tracts) farther than each of OTHER_DISTANCES, with their share."""
    miles = access["miles_to_nearest"].to_numpy()
    residents = access["residents"].to_numpy()
    total = residents.sum()
    rows = []
    for d in OTHER_DISTANCES:
        far = miles > d
        n = int(residents[far].sum())
        rows.append(
            {
                "Farther than (miles)": d,
                den_label.capitalize(): n,
                "Share (%)": round(100 * n / total, 1) if total else np.nan,
                "Tracts": int(far.sum()),
            }
        )
    return pd.DataFrame(rows)
