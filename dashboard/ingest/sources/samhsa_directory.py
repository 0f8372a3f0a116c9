"""SAMHSA 2024 National Directories (mental health + substance use), LA County rows.

Each row keeps its decoded code list; codes are decoded with the key of the same
``directory_type`` (the two directories use different code systems).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard import taxonomy
from dashboard.errors import SourceError
from dashboard.ingest.sources import common

KEY = "samhsa_directory"
AS_OF = "2024 directory (2023 survey)"
DIRECTORY_TYPES = ("mental", "substance")


def read_code_key(raw_dir: Path) -> pd.DataFrame:
    df = common.read_csv(raw_dir, KEY, "service_code_key_2024.csv")
    path = common.path_of(raw_dir, KEY, "service_code_key_2024.csv")
    common.check_allowed(df, "directory_type", DIRECTORY_TYPES, path, "unknown directory type")
    if df["code"].isna().any():
        raise SourceError(path, "code is missing", column="code")
    dup = df.duplicated(["directory_type", "code"])
    if dup.any():
        raise SourceError(
            path, "code listed twice for one directory", column="code", examples=df.loc[dup, "code"].tolist()
        )
    return df[["directory_type", "code", "label"]].reset_index(drop=True)


def _checked_codes(df: pd.DataFrame, key: pd.DataFrame, raw_dir: Path, path: Path) -> pd.Series:
    """Each row's service codes; every one must be in its directory's code key, and every
    code the taxonomy uses in the mental-health key."""
    codes = df["service_code_info"].map(taxonomy.parse_codes)
    known = {t: set(key.loc[key["directory_type"] == t, "code"]) for t in DIRECTORY_TYPES}
    unknown = sorted(
        {c for t, cs in zip(df["directory_type"], codes, strict=True) for c in cs if c not in known[t]}
    )
    if unknown:
        raise SourceError(
            path,
            "service code not in the code key of its directory type",
            column="service_code_info",
            examples=unknown,
            hint="Update service_code_key_2024.csv with the new directory's key.",
        )
    mental_unknown = sorted(taxonomy.all_codes() - known["mental"])
    if mental_unknown:
        raise SourceError(
            common.path_of(raw_dir, KEY, "service_code_key_2024.csv"),
            "the taxonomy uses codes the mental-health key does not define",
            column="code",
            examples=mental_unknown,
        )
    return codes


def read(raw_dir: Path) -> pd.DataFrame:
    """Both directories' LA County rows (told apart by ``directory_type``), with their codes
    checked against the code key, in the canonical columns."""
    path = common.path_of(raw_dir, KEY)
    df = common.read_csv(raw_dir, KEY)
    key = read_code_key(raw_dir)
    common.check_allowed(df, "directory_type", DIRECTORY_TYPES, path, "unknown directory type")
    if "state" in df.columns:
        df = df[df["state"].fillna("CA").str.upper() == "CA"]
    if df["name1"].isna().any():
        raise SourceError(
            path,
            "facility name is missing",
            column="name1",
            examples=df.loc[df["name1"].isna(), "facility_id"].tolist(),
        )

    codes = _checked_codes(df, key, raw_dir, path)

    street = common.clean_text(df["street1"])
    # "- - -" marks an address the facility asked SAMHSA not to publish.
    street = street.where(~street.fillna("").str.fullmatch(r"[-\s]*"), None)
    zips = common.zip5(df["zip"])
    if zips.isna().any():
        raise SourceError(
            path, "ZIP code is not 5 digits", column="zip", examples=df.loc[zips.isna(), "zip"].tolist()
        )

    out = pd.DataFrame(
        {
            "name": common.clean_text(df["name1"]),
            "program": common.clean_text(df["name2"]),
            "street": street,
            "street2": common.clean_text(df["street2"]),
            "city": common.clean_text(df["city"]),
            "zip": zips,
            "phone": common.clean_text(df["phone"]).combine_first(common.clean_text(df["intake1"])),
            "website": None,
            "lat": float("nan"),
            "lon": float("nan"),
            "source": KEY,
            "source_id": df["facility_id"],
            "as_of": AS_OF,
            "directory_type": df["directory_type"],
            "codes": codes,
            "address_withheld": street.isna(),
        }
    )
    return common.canonical(out, ["directory_type", "codes", "address_withheld"])


def code_labels(raw_dir: Path, directory_type: str = "mental") -> dict[str, str]:
    key = read_code_key(raw_dir)
    sub = key[key["directory_type"] == directory_type]
    return dict(zip(sub["code"], sub["label"], strict=True))
