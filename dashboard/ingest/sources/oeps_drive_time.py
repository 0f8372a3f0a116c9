"""OEPS drive time from each 2010 census tract to the nearest SAMHSA-listed mental-health
provider, and the providers within 30 minutes' drive (LA County rows).

Another provider list (the SAMHSA locator scraped about January 2021) than the dashboard's
sites, centroid-to-centroid free-flow driving on the OSRM road network: a travel-time lens
beside straight-line distance, never recomputed for the sidebar's filters.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard.errors import SourceError
from dashboard.ingest.sources import common

KEY = "oeps_drive_time"
FILE = "mentalhealth_drive_tract_la.csv"
# Reviewed, from the source's PROVENANCE.md: the 2012 tract id 06037137000 has a blank row
# because the travel matrix uses its 2010 id 06037930401 (the same area), which has values.
RENUMBERED = {"06037137000": "06037930401"}


def read(raw_dir: Path) -> pd.DataFrame:
    """One row per tract: ``geoid``, ``minutes`` (blank when unknown), ``providers_30min``."""
    path = common.path_of(raw_dir, KEY, FILE)
    df = common.read_csv(raw_dir, KEY, FILE)
    # national copies lost the leading zero of California's tract ids
    geoid = df["origin"].str.strip().str.zfill(11)
    df = df[geoid.str.startswith("06037")].assign(geoid=geoid).reset_index(drop=True)
    if df.empty:
        raise SourceError(path, "no Los Angeles County tract (06037...)", column="origin")
    bad = ~df["geoid"].str.fullmatch(r"06037\d{6}")
    if bad.any():
        raise SourceError(
            path, "origin is not a tract id", column="origin", examples=df.loc[bad, "origin"].tolist()
        )
    dup = df["geoid"].duplicated()
    if dup.any():
        raise SourceError(
            path, "tract listed twice", column="origin", examples=df.loc[dup, "origin"].tolist()
        )
    count = common.to_number(df, "count within 30", path, lo=0, hi=100_000)
    if (count % 1 != 0).any():
        raise SourceError(
            path, "provider count is not a whole number", column="count within 30",
            examples=df.loc[count % 1 != 0, "count within 30"].tolist(),
        )  # fmt: skip
    minutes = common.to_number(df, "minutes", path, lo=0, hi=600, required=False)
    return pd.DataFrame(
        {"geoid": df["geoid"], "minutes": minutes, "providers_30min": count.astype(int)}
    ).reset_index(drop=True)
