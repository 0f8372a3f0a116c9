"""Display tables (plain labels instead of codes and flags) for the pages and downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import taxonomy

# Tables on a page show at most this many rows (downloads hold them all).
MAX_ROWS_SHOWN = 2000

PRECISION_TEXT = {
    "exact": "exact address",
    "approximate": "approximate (ZIP centroid)",
    "none": "not located",
}


def _labels(fac: pd.DataFrame, group_id: str) -> pd.Series:
    g = taxonomy.GROUP_BY_ID[group_id]
    known = fac[taxonomy.flag_column(g.id, g.values[0].id)].notna()
    parts = []
    for v in g.values:
        col = fac[taxonomy.flag_column(g.id, v.id)].fillna(False).astype(bool)
        parts.append(np.where(col, v.label, ""))
    if parts:
        stacked = np.vstack(parts).T
        joined = ["; ".join(x for x in row if x) for row in stacked]
    else:
        joined = [""] * len(fac)
    out = pd.Series(joined, index=fac.index)
    out = out.where(out != "", "none reported")
    return out.where(known, "unknown")


# The columns a page shows (the CSV download keeps every column of facility_view).
PAGE_COLUMNS = [
    "Name",
    "Program",
    "Address",
    "City",
    "ZIP",
    "Phone",
    "Website",
    "Setting",
    "Licensed acute psych beds",
    "Services",
    "Populations",
    "Payment",
    "Languages",
    "SPA",
    "Location",
    "As of",
]


def facility_view(fac: pd.DataFrame, source_titles: dict[str, str]) -> pd.DataFrame:
    """One row per facility with plain-language columns, aligned with ``fac``'s rows
    (built once per build; a rerun only picks rows by position)."""
    address = fac["street"].fillna("(address not published)") + np.where(
        fac["street2"].notna(), ", " + fac["street2"].fillna(""), ""
    )
    sources = (
        fac["sources"]
        .fillna("")
        .map(lambda s: "; ".join(source_titles.get(x, x).split(" (")[0][:70] for x in s.split(";") if x))
    )
    out = pd.DataFrame(
        {
            "Name": fac["name"],
            "Program": fac["program"].fillna(""),
            "Address": address,
            "City": fac["city"].fillna(""),
            "ZIP": fac["zip"].fillna(""),
            "Phone": fac["phone"].fillna(""),
            "Website": fac["website"].fillna(""),
            "Setting": _labels(fac, "setting"),
            "Licensed acute psych beds": fac["psych_beds"],
            "Services": _labels(fac, "service"),
            "Populations": _labels(fac, "population"),
            "Programs for": _labels(fac, "condition"),
            "Payment": _labels(fac, "payment"),
            "Languages": _labels(fac, "language"),
            "SPA": fac["spa_name"].fillna("not located"),
            "District (2011)": fac["sd"],
            "Location": fac["location_precision"].map(PRECISION_TEXT),
            "Attributes from": fac["attributes"],
            "Sources": sources,
            "As of": fac["as_of"],
            "Site id": fac["site_id"],
        }
    )
    return out.reset_index(drop=True)
