"""DHCS-licensed PHFs and MHRCs plus CDPH psychiatric hospitals and psychology clinics (2026-09).

No coordinates and no bed counts: the licence category tells the care setting, nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard import taxonomy
from dashboard.errors import SourceError
from dashboard.ingest.sources import common

KEY = "dhcs_licensed"
AS_OF = {"DHCS": "2026-09-11", "CDPH": "2026-09-01"}
CATEGORIES = (
    taxonomy.LICENCE_APH,
    taxonomy.LICENCE_PHF,
    taxonomy.LICENCE_MHRC,
    taxonomy.LICENCE_PSYCH_CLINIC,
)


def read(raw_dir: Path) -> pd.DataFrame:
    path = common.path_of(raw_dir, KEY)
    df = common.read_csv(raw_dir, KEY)
    df = common.la_county(df, "county")
    common.check_allowed(df, "category", CATEGORIES, path, "unknown licence category")
    common.check_allowed(df, "source", AS_OF, path, "unknown licensing agency")
    zips = common.zip5(df["zip"])
    # No coordinates here: a malformed ZIP would silently lose the ZIP-centroid fallback.
    bad = df["zip"].notna() & zips.isna()
    if bad.any():
        raise SourceError(
            path, "ZIP code is not 5 digits", column="zip", examples=df.loc[bad, "zip"].tolist()
        )
    out = pd.DataFrame(
        {
            "name": common.clean_text(df["name"]),
            "program": None,
            "street": common.clean_text(df["address"]),
            "street2": None,
            "city": common.clean_text(df["city"]),
            "zip": zips,
            "phone": common.clean_text(df["phone"]),
            "website": None,
            "lat": float("nan"),
            "lon": float("nan"),
            "source": KEY,
            "source_id": df["id"],
            "as_of": df["source"].map(AS_OF),
            "licence": df["category"],
            "licensing_agency": df["source"],
        }
    )
    return common.canonical(out, ["licence", "licensing_agency"])
