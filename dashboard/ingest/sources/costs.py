"""Cost and availability benchmarks (60 sourced figures, each with publisher and year).

``value`` is kept as written; ``value_num`` is the number where the source gave one
number (ranges and ratios stay text).  ``grade`` is the reliability tier assigned in the
source's PROVENANCE.md (A primary, B reputable secondary, C verify before publishing).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from dashboard.errors import SourceError
from dashboard.ingest.sources import common

KEY = "costs"

# Tiers from costs/PROVENANCE.md, "Reliability tiers".
_TIER_A = [f"OP-{i:02d}" for i in range(1, 15)] + ["IP-13", "IP-14", "IP-15", "POP-08", "POP-10", "CAP-13"]
_TIER_C = [
    "CAP-01",
    "CAP-02",
    "CAP-04",
    "CAP-06",
    "CAP-08",
    "CAP-09",
    "CAP-10",
    "CAP-11",
    "CAP-12",
    "IP-16",
    "POP-01",
    "POP-02",
    "INT-03",
    "INT-04",
]
GRADE_TEXT = {
    "A": "A: primary official or peer-reviewed",
    "B": "B: reputable secondary summary of an official source",
    "C": "C: news, advocacy or automated summary; verify before publishing",
}
SETTINGS = ("inpatient", "outpatient", "intermediate", "capacity", "population")


def grade(row_id: str) -> str:
    if row_id in _TIER_A:
        return "A"
    if row_id in _TIER_C:
        return "C"
    return "B"


def _number(text) -> float:
    if not isinstance(text, str):
        return float("nan")
    t = text.strip().replace(",", "")
    return float(t) if re.fullmatch(r"-?\d+(\.\d+)?", t) else float("nan")


def read(raw_dir: Path) -> pd.DataFrame:
    path = common.path_of(raw_dir, KEY)
    df = common.read_csv(raw_dir, KEY)
    if df["id"].isna().any() or df["id"].duplicated().any():
        raise SourceError(
            path,
            "row id missing or repeated",
            column="id",
            examples=df.loc[df["id"].duplicated(), "id"].tolist(),
        )
    bad = ~df["care_setting"].isin(SETTINGS)
    if bad.any():
        raise SourceError(
            path,
            "unknown care setting",
            column="care_setting",
            examples=df.loc[bad, "care_setting"].unique().tolist(),
        )
    out = df.copy()
    out["value_num"] = out["value"].map(_number)
    out["grade"] = out["id"].map(grade)
    out["grade_text"] = out["grade"].map(GRADE_TEXT)
    return out.reset_index(drop=True)
