"""SAMHSA treatment locator mental-health facilities (about 2020), with coordinates only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard.ingest.sources import common

KEY = "samhsa_locator"
AS_OF = "2020"


def read(raw_dir: Path) -> pd.DataFrame:
    path = common.path_of(raw_dir, KEY)
    df = common.read_csv(raw_dir, KEY)
    if "county" in df.columns:  # a national or statewide copy: keep LA County
        df = df[df["county"].fillna("").str.upper().str.replace(" COUNTY", "") == "LOS ANGELES"]
    df = df.reset_index(drop=True)
    lat = common.to_number(df, "latitude", path, lo=-90, hi=90)
    lon = common.to_number(df, "longitude", path, lo=-180, hi=180)
    first_col = df.columns[0]
    out = pd.DataFrame(
        {
            "name": common.clean_text(df["name1"]),
            "program": common.clean_text(df["name2"]),
            "street": common.clean_text(df["street1"]),
            "street2": common.clean_text(df["street2"]),
            "city": common.clean_text(df["city"]),
            "zip": common.zip5(df["zip"].str.zfill(5)),
            "phone": common.clean_text(df["phone"]),
            "website": common.website(df["website"]),
            "lat": lat,
            "lon": lon,
            "source": KEY,
            "source_id": "locator-" + df[first_col].fillna(pd.Series(df.index.astype(str))),
            "as_of": AS_OF,
        }
    )
    common.check_coordinates(out, path)
    return common.canonical(out, [])
