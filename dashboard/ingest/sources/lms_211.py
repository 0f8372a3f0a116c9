"""LA County LMS points in the "Mental Health" category (mostly 211 LA content, 2020).

Only the location and identity are structured; services live in free text, so every
taxonomy attribute of these records is *unknown*.  Records that are not treatment sites
are marked with an exclusion reason instead of being silently dropped: by their own words
(``exclusion_reason``: administrative sites, associations, housing, correctional and
referral-only programs, descriptions that name no mental-health care), not by the 211
category alone, and P.O. boxes or places outside the county.
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
HEALTH = "Health and Mental Health"  # the category family of care; others are recreation, ...
# An advisory *body* ("SA 6 Advisory Committee"), not any name with the word in it ("West
# Advisory Christian Counseling Center" is a counselling centre).
NOT_TREATMENT = re.compile(
    r"\b(administration|advisory (board|body|commission|committee|council|group)|committee|"
    r"mental health plan|nami|national alliance)\b",
    re.IGNORECASE,
)
# What a record says it is, in its own description (or name), when that is not a treatment
# site — checked first, whatever else the text says.
NOT_A_SITE = (
    (
        "administrative office, advisory body or support organisation",
        re.compile(r"administrative site", re.I),
    ),
    ("a professional association", re.compile(r"professional organi[sz]ation", re.I)),
    (
        "housing, not treatment",
        re.compile(
            r"low-cost housing|\bhousing (corporation|division)\b|services act housing|maternity home", re.I
        ),
    ),
    ("a correctional program", re.compile(r"correctional programs", re.I)),
    ("legal services, not treatment", re.compile(r"provides legal services", re.I)),
    ("information and referral only", re.compile(r"^the \w+ provides information and referral to\b", re.I)),
)
# A record named as housing ("… Act Housing", "Homeless & Housing Division", "… Permanent
# Supportive Housing") is housing, whatever its agency's shared description says.
HOUSING_NAME = re.compile(r"\bhousing\b", re.IGNORECASE)
# Words that name mental-health care (anywhere), and words that do so in a health category.
CARE = re.compile(
    r"mental health|mentally (ill|disturbed)|mental/emotional|behavioral health|psychiatr|emotional "
    r"disturb|inpatient|full service partnership|"
    r"medication support|crisis intervention|psych testing",
    re.IGNORECASE,
)
HEALTH_CARE = re.compile(r"counsel|psychotherap|psycholog|treatment", re.IGNORECASE)
CARE_SITE_NAME = re.compile(r"\b(clinic|hospital|therapy|counseling)\b", re.IGNORECASE)


def exclusion_reason(cat1, cat2, name, street, city, description=None) -> str | None:
    """Why a 211 record is not a treatment site, or None.  By its own words: what its
    description (and name) says it is, then whether they name mental-health care — any
    category may hold a clinic ("Government Offices": a county mental health centre), and
    a mental-health category holds career centres and housing corporations too.  Without a
    description the category decides."""
    name = name if isinstance(name, str) else ""
    desc = description if isinstance(description, str) else ""
    if NOT_TREATMENT.search(name):
        return "administrative office, advisory body or support organisation"
    if not isinstance(street, str) or re.match(r"^\s*p\.?\s*o\.?\s*box", street, re.I):
        return "no street address"
    if isinstance(city, str) and city.strip().upper() in zipgeo.places_outside_la():
        return "city is outside Los Angeles County"
    for reason, pattern in NOT_A_SITE:
        if pattern.search(desc):
            return f"{reason} (its own description)"
    if HOUSING_NAME.search(name):
        return "housing, not treatment (its own name)"
    text = f"{desc} {name}"
    health = cat1 == HEALTH
    if not desc:
        if not (health and cat2 in TREATMENT_CATEGORIES):
            return f"category is not a treatment site ({cat1} / {cat2}) and no description says otherwise"
    elif not (CARE.search(text) or (health and (HEALTH_CARE.search(text) or CARE_SITE_NAME.search(name)))):
        return "its own description names no mental-health care" + ("" if health else f" ({cat1} / {cat2})")
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
        exclusion_reason(*row)
        for row in zip(
            df["cat1"], df["cat2"], out["name"], out["street"], out["city"], out["description"], strict=True
        )
    ]
    return common.canonical(out, ["description", "category", "exclusion_reason"])
