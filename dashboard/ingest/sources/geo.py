"""LA County areas and population denominators.

SPAs (2012), census tracts (2010 definitions) with July 2018 population and poverty
estimates, and the county outline.  All WGS84 lon/lat.  (The folder also holds the 2011
supervisorial districts, superseded in 2022: not read; the districts come from
``districts_2021``.)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from dashboard.errors import SourceError
from dashboard.ingest.sources import common

KEY = "geo"
SPA_FILE = "la_county_spa_2012.geojson"
TRACT_FILE = "la_county_tracts2010_pop2018.geojson"
SPA_POP_FILE = "la_county_spa_population.csv"
BOUNDARY_FILE = "la_county_boundary.geojson"
POP_VINTAGE = "2018-07-01"


def features(data: dict, path: Path) -> pd.DataFrame:
    """GeoJSON features as a frame of their properties plus valid shapely geometries."""
    props = pd.DataFrame([f.get("properties") or {} for f in data["features"]])
    try:
        geoms = shapely.from_geojson([json.dumps(f.get("geometry")) for f in data["features"]])
    except shapely.errors.GEOSException as exc:
        raise SourceError(path, f"geometry cannot be read ({exc})", column="geometry") from None
    if pd.isna(geoms).any() or shapely.is_empty(geoms).any():
        raise SourceError(path, "feature without geometry", column="geometry")
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = np.where(invalid, shapely.make_valid(geoms), geoms)
    props["geometry"] = list(geoms)
    return props


def int_col(df: pd.DataFrame, col: str, path: Path, lo=None, hi=None, required: bool = True) -> pd.Series:
    text = df[col].map(lambda v: None if v is None or v != v else str(v))
    num = common.to_number(pd.DataFrame({col: text}), col, path, lo=lo, hi=hi, required=required)
    return num.astype("Int64") if not required else num.astype(int)


def read_spas(raw_dir: Path) -> pd.DataFrame:
    path = common.path_of(raw_dir, KEY, SPA_FILE)
    df = features(common.read_geojson(raw_dir, KEY, SPA_FILE), path)
    spa = int_col(df, "SPA_NUM", path, lo=1, hi=8)
    if sorted(spa) != list(range(1, 9)):
        raise SourceError(
            path, "expected SPAs numbered 1 to 8", column="SPA_NUM", examples=sorted(spa.tolist())
        )
    return pd.DataFrame({"spa": spa, "name": df["SPA_NAME"], "geometry": df["geometry"]})


def read_tracts(raw_dir: Path) -> pd.DataFrame:
    path = common.path_of(raw_dir, KEY, TRACT_FILE)
    df = features(common.read_geojson(raw_dir, KEY, TRACT_FILE), path)
    out = pd.DataFrame({"geoid": df["GEOID"].astype(str)})
    if (~out["geoid"].str.fullmatch(r"06037\d{6}")).any():
        raise SourceError(
            path,
            "GEOID is not an LA County tract code",
            column="GEOID",
            examples=out.loc[~out["geoid"].str.fullmatch(r"06037\d{6}"), "geoid"].tolist(),
        )
    # One zero-population tract has no SPA; the pipeline assigns it by location.
    out["spa"] = int_col(df, "SPA_2012", path, lo=1, hi=8, required=False)
    for src, dst in (
        ("pop_2018", "pop_total"),
        ("pop_0_17", "pop_0_17"),
        ("pop_18_64", "pop_18_64"),
        ("pop_65p", "pop_65p"),
        ("pov133_2018", "pov133"),
    ):
        out[dst] = int_col(df, src, path, lo=0, hi=100000)
    out["geometry"] = df["geometry"]
    return out


def read_spa_population(raw_dir: Path) -> pd.DataFrame:
    """The published SPA totals (ISD 2018 estimates), one row per SPA, for cross-checks."""
    path = common.path_of(raw_dir, KEY, SPA_POP_FILE)
    df = common.read_csv(raw_dir, KEY, SPA_POP_FILE)
    sub = df[
        (df["vintage"] == POP_VINTAGE)
        & df["indicator"].isin(["pop_total", "pop_0_17", "pop_18_64", "pop_65p", "pop_below_133fpl"])
    ].copy()
    if sub.empty:
        raise SourceError(path, f"no {POP_VINTAGE} population rows", column="vintage")
    sub["value"] = common.to_number(sub, "value", path, lo=0)
    sub["spa_num"] = common.to_number(sub, "spa_num", path, lo=0, hi=8).astype(int)
    missing = sorted(set(range(1, 9)) - set(sub.loc[sub["indicator"] == "pop_total", "spa_num"]))
    if missing:
        raise SourceError(
            path,
            f"no {POP_VINTAGE} pop_total row for SPA {missing} (truncated?)",
            column="spa_num",
            examples=missing,
            hint=common._HINT,
        )
    wide = sub.pivot_table(index="spa_num", columns="indicator", values="value", aggfunc="first")
    wide = wide.rename(columns={"pop_below_133fpl": "pov133"}).reset_index()
    return wide.rename(columns={"spa_num": "spa"})


def read_boundary(raw_dir: Path):
    path = common.path_of(raw_dir, KEY, BOUNDARY_FILE)
    df = features(common.read_geojson(raw_dir, KEY, BOUNDARY_FILE), path)
    return shapely.union_all(df["geometry"].tolist())
