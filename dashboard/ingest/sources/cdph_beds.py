"""CDPH licensed bed types and counts (ELMS, data date 2025-01-16).

Licensed capacity, not staffed or available beds.  No coordinates: facilities are placed
through the HCAI list / CovidCareMap by name (see ``beds.attach_beds``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard.errors import SourceError
from dashboard.ingest.sources import common

KEY = "cdph_beds"
ACUTE_PSYCH = "ACUTE PSYCHIATRIC CARE"
STATE_HOSPITAL_PATTERN = "DEPARTMENT OF STATE HOSPITALS"


def read(raw_dir: Path) -> pd.DataFrame:
    path = common.path_of(raw_dir, KEY)
    df = common.read_csv(raw_dir, KEY)
    df = common.la_county(df, "COUNTY_NAME")
    if df.empty:
        raise SourceError(path, "no Los Angeles County rows", column="COUNTY_NAME")
    beds = common.to_number(df, "BED_CAPACITY", path, lo=0, hi=5000)
    if (beds % 1 != 0).any():
        raise SourceError(
            path,
            "bed count is not a whole number",
            column="BED_CAPACITY",
            examples=df.loc[beds % 1 != 0, "BED_CAPACITY"].tolist(),
        )
    facid = df["FACID"].str.strip()
    if (~facid.str.fullmatch(r"\d{9}")).any():
        raise SourceError(
            path,
            "FACID is not a 9-digit code (leading zeros lost?)",
            column="FACID",
            examples=facid[~facid.str.fullmatch(r"\d{9}")].tolist(),
        )
    out = pd.DataFrame(
        {
            "facid": facid,
            "facname": common.clean_text(df["FACNAME"]),
            "fac_type": common.clean_text(df["FAC_FDR"]),
            "bed_type": common.clean_text(df["BED_CAPACITY_TYPE"]),
            "beds": beds.astype(int),
            "data_date": df["DATA_DATE"].str.strip(),
        }
    )
    if out.duplicated(["facid", "bed_type"]).any():
        dup = out[out.duplicated(["facid", "bed_type"])]
        raise SourceError(
            path,
            "a facility lists one bed type twice",
            column="BED_CAPACITY_TYPE",
            examples=(dup["facid"] + " " + dup["bed_type"]).tolist(),
        )
    return out


def acute_psych(beds: pd.DataFrame) -> pd.DataFrame:
    """One row per facility with licensed acute psychiatric beds (summed per FACID)."""
    sub = beds[beds["bed_type"] == ACUTE_PSYCH]
    out = sub.groupby("facid", as_index=False).agg(
        facname=("facname", "first"),
        fac_type=("fac_type", "first"),
        beds=("beds", "sum"),
        data_date=("data_date", "first"),
    )
    out["state_hospital"] = out["facname"].str.upper().str.contains(STATE_HOSPITAL_PATTERN)
    return out
