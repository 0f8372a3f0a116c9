"""CovidCareMap hospitals (2020): fallback hospital coordinates and PHF bed totals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard.ingest.sources import common

KEY = "covidcaremap"
AS_OF = "2020"


def read(raw_dir: Path) -> pd.DataFrame:
    path = common.path_of(raw_dir, KEY)
    df = common.read_csv(raw_dir, KEY)
    df = common.la_county(df, "County")
    lat, lon = common.coordinates(df, path, "Latitude", "Longitude")
    beds = common.to_number(df, "Licensed.All.Beds", path, lo=0, hi=10000, required=False)
    ident = df["CCM_ID"] if "CCM_ID" in df.columns else pd.Series(df.index.astype(str))
    out = pd.DataFrame(
        {
            "name": common.clean_text(df["Name"]),
            "program": None,
            "street": common.clean_text(df["Address"]),
            "street2": None,
            "city": common.clean_text(df["City"]),
            "zip": common.zip5(df["Zipcode"].str.zfill(5)),
            "phone": None,
            "website": None,
            "lat": lat,
            "lon": lon,
            "source": KEY,
            "source_id": "ccm-" + ident.astype(str),
            "as_of": AS_OF,
            "hospital_type": common.clean_text(df["Hospital.Type"]),
            "licensed_beds_all": beds,
        }
    )
    return common.canonical(out, ["hospital_type", "licensed_beds_all"])
