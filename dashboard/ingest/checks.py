"""Checks on the assembled facility table that the build report counts and the data tests
list: sites close together with similar names, and source records used by several sites.

Both look for what a planner would notice: one place shown twice.  A pair of sites within
``CLOSE_METRES`` whose names share a distinctive word is *explained* when the sources say
they are two facilities (two programs the 2024 directory lists separately, two licensed
facilities, two programs in different suites with their own phones), when neither point is
a street address (two ZIP centroids), or when a reviewed override says so; anything else is
*unexplained* and should be fixed by a rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.ingest import match, overrides
from dashboard.vocab import Precision

CLOSE_METRES = 50.0


class _Named:
    """The attributes ``match.name_relation`` and ``match.other_tenant`` read, from a
    facility-table row."""

    def __init__(self, row) -> None:
        self.name, self.program, self.city = row["name"], row["program"], row["city"]
        self.street, self.street2, self.phone = row["street"], row["street2"], row["phone"]


def explain(a: pd.Series, b: pd.Series) -> str | None:
    """Why two close sites with similar names are two sites, or None."""
    ids_a, ids_b = set(a["source_ids"].split(";")), set(b["source_ids"].split(";"))
    if overrides.different(ids_a, ids_b):
        return "reviewed: different places (overrides.py)"
    if pd.notna(a["codes"]) and pd.notna(b["codes"]):
        return "two programs the 2024 directory lists separately"
    if pd.notna(a["psych_beds"]) and pd.notna(b["psych_beds"]):
        return "two facilities with their own licensed beds"
    lic_a = {i for i in ids_a if i.startswith(("cdph-", "dhcs-")) and not i.startswith("cdph-facid-")}
    lic_b = {i for i in ids_b if i.startswith(("cdph-", "dhcs-")) and not i.startswith("cdph-facid-")}
    if (lic_a and lic_b and not lic_a & lic_b) or (
        pd.notna(a["licence"]) and pd.notna(b["licence"]) and a["licence"] != b["licence"]
    ):
        return "two licensed facilities"
    if match.other_tenant(_Named(a), _Named(b)):
        return "two programs in different suites with their own phones"
    if a["location_precision"] == Precision.APPROXIMATE == b["location_precision"]:
        return "both at a ZIP centroid (no street address to compare)"
    return None


def close_pairs(fac: pd.DataFrame, metres: float = CLOSE_METRES) -> pd.DataFrame:
    """Every pair of located sites within ``metres`` whose names are similar, explained or not."""
    loc = fac[fac["location_precision"] != Precision.NONE].reset_index(drop=True)
    lat, lon = np.radians(loc["lat"].to_numpy()), np.radians(loc["lon"].to_numpy())
    rows = []
    for i in range(len(loc)):
        dlat, dlon = lat[i + 1 :] - lat[i], lon[i + 1 :] - lon[i]
        h = np.sin(dlat / 2) ** 2 + np.cos(lat[i]) * np.cos(lat[i + 1 :]) * np.sin(dlon / 2) ** 2
        d = 2 * 6_371_000 * np.arcsin(np.sqrt(h))
        for k in np.flatnonzero(d <= metres):
            a, b = loc.iloc[i], loc.iloc[i + 1 + k]
            if not match.similar_names(_Named(a), _Named(b)):
                continue
            rows.append(
                {
                    "site_a": a["site_id"],
                    "name_a": _label(a),
                    "site_b": b["site_id"],
                    "name_b": _label(b),
                    "metres": round(float(d[k]), 1),
                    "explanation": explain(a, b),
                }
            )
    return pd.DataFrame(rows, columns=["site_a", "name_a", "site_b", "name_b", "metres", "explanation"])


def shared_records(fac: pd.DataFrame) -> dict[str, list[str]]:
    """Source record ids that appear in more than one site, with those sites' ids."""
    where: dict[str, list[str]] = {}
    for sid, ids in zip(fac["site_id"], fac["source_ids"], strict=True):
        for rid in dict.fromkeys(ids.split(";")):
            where.setdefault(rid, []).append(sid)
    return {rid: sites for rid, sites in sorted(where.items()) if len(sites) > 1}


def summary(fac: pd.DataFrame) -> dict:
    """The figures the build report shows (and the lists behind them)."""
    pairs = close_pairs(fac)
    unexplained = pairs[pairs["explanation"].isna()]
    return {
        "metres": CLOSE_METRES,
        "pairs": len(pairs),
        "explained": {k: int(v) for k, v in pairs["explanation"].value_counts().sort_index().items()},
        "unexplained": len(unexplained),
        "unexplained_pairs": unexplained.drop(columns="explanation").to_dict("records"),
    }


def _label(row) -> str:
    return " / ".join(x for x in (row["name"], row["program"]) if isinstance(x, str))
