"""HCAI facility list (about 2025-02): hospital coordinates and licence types.

The file also lists HCAI field staff names and work phone numbers.  Those columns are
never read: ``usecols`` keeps only the columns below, so personal data cannot reach a
processed table, the UI or a download.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard.ingest.sources import common

KEY = "hcai"
AS_OF = "2025-02"
KEEP = (
    "FacilityNbr",
    "FacilityStatus",
    "FacilityName",
    "LicenseType",
    "StreetNbr",
    "StreetName",
    "City",
    "State",
    "Zip",
    "County",
    "Latitude",
    "Longitude",
)


def read(raw_dir: Path) -> pd.DataFrame:
    path = common.path_of(raw_dir, KEY)
    df = common.read_csv(raw_dir, KEY, usecols=KEEP)
    df = common.la_county(df, "County")
    if "FacilityStatus" in df.columns:
        df = df[df["FacilityStatus"].fillna("A") == "A"].reset_index(drop=True)
    lat, lon = common.coordinates(df, path, "Latitude", "Longitude")
    street = (df["StreetNbr"].fillna("") + " " + df["StreetName"].fillna("")).str.strip()
    out = pd.DataFrame(
        {
            "name": common.clean_text(df["FacilityName"]),
            "program": None,
            "street": common.clean_text(street),
            "street2": None,
            "city": common.clean_text(df["City"]),
            "zip": common.zip5(df["Zip"]),
            "phone": None,
            "website": None,
            "lat": lat,
            "lon": lon,
            "source": KEY,
            "source_id": "hcai-" + df["FacilityNbr"].astype(str),
            "as_of": AS_OF,
            "licence_type": common.clean_text(df["LicenseType"]),
        }
    )
    return common.canonical(out, ["licence_type"]).drop_duplicates("source_id")
