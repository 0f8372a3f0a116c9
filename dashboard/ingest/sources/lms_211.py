"""LA County LMS points in the "Mental Health" category (mostly 211 LA content, 2020).

Only the location and identity are structured; services live in free text, so every
taxonomy attribute of these records is *unknown*.  Records that are not treatment sites
(administrative offices, advisory bodies, recreation centres, P.O. boxes) are marked with
an exclusion reason instead of being silently dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from dashboard.ingest import zipgeo
from dashboard.ingest.sources import common

KEY = "lms_211"
AS_OF = "2020-07 (211 LA content)"

TREATMENT_CATEGORIES = (
    "Mental Health Programs",
    "Mental Health Counseling",
    "Mental Health Centers",
    "Health Screening and Testing",
)
# An advisory *body* ("SA 6 Advisory Committee"), not any name with the word in it ("West
# Advisory Christian Counseling Center" is a counselling centre).
NOT_TREATMENT = re.compile(
    r"\b(administration|advisory (board|body|commission|committee|council|group)|committee|"
    r"mental health plan|nami|national alliance)\b",
    re.IGNORECASE,
)


def exclusion_reason(cat1, cat2, name, street, city) -> str | None:
    if cat1 != "Health and Mental Health" or cat2 not in TREATMENT_CATEGORIES:
        return f"category is not a treatment site ({cat1} / {cat2})"
    if isinstance(name, str) and NOT_TREATMENT.search(name):
        return "administrative office, advisory body or support organisation"
    if not isinstance(street, str) or re.match(r"^\s*p\.?\s*o\.?\s*box", street, re.I):
        return "no street address"
    if isinstance(city, str) and city.strip().upper() in zipgeo.places_outside_la():
        return "city is outside Los Angeles County"
    return None


_PHONE = re.compile(r"\(?\d{3}\)?[\s.-]*\d{3}[\s.-]*\d{4}")


def voice_phone(phones) -> str | None:
    """The first non-fax number of LMS's free-text phone list."""
    if not isinstance(phones, str):
        return None
    for part in phones.split(","):
        if re.search(r"\bfax\b", part, re.I):
            continue
        m = _PHONE.search(part)
        if m:
            return m.group(0)
    return None


def read(raw_dir: Path) -> pd.DataFrame:
    path = common.path_of(raw_dir, KEY)
    df = common.read_csv(raw_dir, KEY).reset_index(drop=True)
    lat, lon = common.coordinates(df, path, "latitude", "longitude")
    street, street2 = common.address_lines(df["addrln1"], df["addrln2"])
    out = pd.DataFrame(
        {
            "name": common.clean_text(df["name"]),
            "program": None,
            "street": street,
            "street2": street2,
            "city": common.clean_text(df["city"]),
            "zip": common.zip5(df["zip"]),
            "phone": df["phones"].map(voice_phone),
            "website": common.website(df["url"]),
            "lat": lat,
            "lon": lon,
            "source": KEY,
            "source_id": "lms-" + df["OBJECTID"].astype(str),
            "as_of": AS_OF,
            "description": common.clean_text(df["description"]),
            "category": common.clean_text(df["cat2"]),
        }
    )
    out["exclusion_reason"] = [
        exclusion_reason(a, b, n, s, c)
        for a, b, n, s, c in zip(df["cat1"], df["cat2"], out["name"], out["street"], out["city"], strict=True)
    ]
    return common.canonical(out, ["description", "category", "exclusion_reason"])
