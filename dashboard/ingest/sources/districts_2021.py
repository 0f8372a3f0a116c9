"""LA County Board of Supervisors districts, the 2021 redistricting plan (in force from 2022).

A simplified third-party copy of the county's "Supervisorial District (Current)" layer: one
property, ``DISTRICT`` ("1".."5"); lines can be off by tens to a few hundred metres.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard.errors import SourceError
from dashboard.ingest.sources import common, geo

KEY = "districts_2021"
FILE = "supervisorial_districts_2021.geojson"
PLAN = "2021 plan"


def read(raw_dir: Path) -> pd.DataFrame:
    path = common.path_of(raw_dir, KEY, FILE)
    df = geo.features(common.read_geojson(raw_dir, KEY, FILE), path)
    sd = geo.int_col(df, "DISTRICT", path, lo=1, hi=5)
    if sorted(sd) != list(range(1, 6)):
        raise SourceError(
            path, "expected districts numbered 1 to 5", column="DISTRICT", examples=sorted(sd.tolist())
        )
    out = pd.DataFrame({"sd": sd, "name": [f"District {n}" for n in sd], "geometry": df["geometry"]})
    return out.sort_values("sd").reset_index(drop=True)
