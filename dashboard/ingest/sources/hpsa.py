"""Federal mental-health Health Professional Shortage Area (HPSA) designations, California
export (HRSA data-warehouse snapshot of 2023-01-17), Los Angeles County rows.

Designations are named by MSSA (Medical Service Study Area) or population group; no polygons
and no MSSA-to-tract file are available, so they stay a table.  ``HPSA_Name`` carries HTML
entities in the source ("Pomona E &amp; S"): they are decoded here.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from dashboard.errors import SourceError
from dashboard.ingest.sources import common

KEY = "hpsa_mental_health"
FILE = "hpsa_mentalhealth.csv"
STATUSES = ("Designated", "Proposed For Withdrawal", "Withdrawn")
DATES = {
    "HPSA_Designation_Date": "designated",
    "HPSA_Designation_Last_Update_Dat": "last_update",
    "Data_Warehouse_Record_Create_Dat": "as_of",
}


def _dates(df: pd.DataFrame, column: str, path: Path) -> pd.Series:
    parsed = pd.to_datetime(df[column], format="%m/%d/%Y", errors="coerce")
    bad = parsed.isna()
    if bad.any():
        raise SourceError(path, "date is not M/D/YYYY", column=column, examples=df.loc[bad, column].tolist())
    return parsed.dt.strftime("%Y-%m-%d")


def read(raw_dir: Path) -> pd.DataFrame:
    path = common.path_of(raw_dir, KEY, FILE)
    everything = common.read_csv(raw_dir, KEY, FILE)
    df = common.la_county(everything, "County_Equivalent_Name")
    if df.empty:
        raise SourceError(
            path,
            f"no Los Angeles County rows among {len(everything)} (the file looks truncated, or "
            "is another state's export)",
            column="County_Equivalent_Name",
        )
    common.check_allowed(df, "HPSA_Discipline_Class", ("Mental Health",), path, "not a mental-health HPSA")
    common.check_allowed(df, "HPSA_Status", STATUSES, path, "unknown designation status")
    ids = df["HPSA_ID"].fillna("").str.strip()
    bad = ~ids.str.fullmatch(r"\d{10}") | ids.duplicated()
    if bad.any():
        raise SourceError(
            path, "HPSA id missing, malformed or repeated", column="HPSA_ID", examples=ids[bad].tolist()
        )
    score = common.to_number(df, "HPSA_Score", path, lo=0, hi=26)
    designation_pop = common.to_number(df, "HPSA_Designation_Population", path, lo=0, hi=20_000_000)
    out = pd.DataFrame(
        {
            "hpsa_id": ids,
            "name": common.clean_text(df["HPSA_Name"]).map(html.unescape),
            "type": common.clean_text(df["Designation_Type"]),
            "population_type": common.clean_text(df["HPSA_Population_Type"]),
            "status": df["HPSA_Status"],
            "score": score.astype(int),
            "fte": common.to_number(df, "HPSA_FTE", path, lo=0, hi=10_000),
            "designation_population": designation_pop.astype(int),
            "formal_ratio": common.clean_text(df["HPSA_Formal_Ratio"]),
            "ratio_goal": common.clean_text(df["HPSA_Provider_Ratio_Goal"]),
            "shortage": common.to_number(df, "HPSA_Shortage", path, lo=0, hi=10_000, required=False),
            **{name: _dates(df, col, path) for col, name in DATES.items()},
        }
    )
    return out.sort_values(["status", "score", "hpsa_id"], ascending=[True, False, True]).reset_index(
        drop=True
    )
