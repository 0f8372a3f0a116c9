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
        df = common.la_county(df, "county")
    lat, lon = common.coordinates(df, path, "latitude", "longitude")
    street, street2 = common.address_lines(df["street1"], df["street2"])
    first_col = df.columns[0]
    out = pd.DataFrame(
        {
            "name": common.clean_text(df["name1"]),
            "program": common.clean_text(df["name2"]),
            "street": street,
            "street2": street2,
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
    return common.canonical(out, [])
