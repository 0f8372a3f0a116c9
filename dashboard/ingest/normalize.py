"""Normalised keys for matching records across sources (addresses, names)."""

from __future__ import annotations

import re

_WORDS = {
    "STREET": "ST",
    "AVENUE": "AVE",
    "AV": "AVE",
    "BOULEVARD": "BLVD",
    "ROAD": "RD",
    "DRIVE": "DR",
    "PLACE": "PL",
    "COURT": "CT",
    "LANE": "LN",
    "PARKWAY": "PKWY",
    "HIGHWAY": "HWY",
    "CIRCLE": "CIR",
    "TERRACE": "TER",
    "SQUARE": "SQ",
    "PLAZA": "PLZ",
    "EAST": "E",
    "WEST": "W",
    "NORTH": "N",
    "SOUTH": "S",
    "CENTER": "CTR",
    "CENTRE": "CTR",
    "MOUNT": "MT",
    "SAINT": "ST",
    "FIRST": "1ST",
    "SECOND": "2ND",
    "THIRD": "3RD",
    "FOURTH": "4TH",
    "FIFTH": "5TH",
    "SIXTH": "6TH",
    "SEVENTH": "7TH",
    "EIGHTH": "8TH",
    "NINTH": "9TH",
    "TENTH": "10TH",
}
# Everything from a unit designator on is dropped: "123 Main St Suite 4" -> "123 MAIN ST".
_UNIT = re.compile(r"\b(SUITE|STE|UNIT|BLDG|BUILDING|ROOM|RM|FLOOR|FL|POD|APT)\b.*|#.*")


def street_key(street: str | None) -> str | None:
    if not isinstance(street, str):
        return None
    s = street.upper()
    s = re.sub(r"[.,]", " ", s)
    s = _UNIT.sub("", s)
    s = re.sub(r"[^A-Z0-9 ]", " ", s)
    words = [_WORDS.get(w, w) for w in s.split()]
    # Ordinals: "226th", "226 th" and "226" are one street number.
    out = " ".join(words)
    out = re.sub(r"\b(\d+) ?(ST|ND|RD|TH)\b", r"\1", out)
    return out or None


def address_key(street: str | None, zip5: str | None) -> str | None:
    s = street_key(street)
    if not s or not isinstance(zip5, str):
        return None
    return f"{s}|{zip5}"


def house_key(street: str | None, zip5: str | None) -> str | None:
    """House number + first street-name word + ZIP: a looser key for spelling variants
    ("1224 N Vine St" vs "1224 Vine Street")."""
    s = street_key(street)
    if not s or not isinstance(zip5, str):
        return None
    words = [w for w in s.split() if w not in ("N", "S", "E", "W")]
    if len(words) < 2 or not words[0].isdigit():
        return None
    return f"{words[0]} {words[1]}|{zip5}"


def significant_words(name: str | None, stop: set[str]) -> set[str]:
    return set((name_key(name) or "").split()) - stop


_NAME_NOISE = re.compile(
    r"\b(INC|LLC|CORP|CORPORATION|THE|OF|AND|D P APH|DP APH|D P|APH|CAMPUS|HOSPITAL|"
    r"MEDICAL CENTER|MED CTR|HEALTH CENTER|CTR|CENTER)\b"
)


def name_key(name: str | None) -> str | None:
    if not isinstance(name, str):
        return None
    s = name.upper().replace("&", " AND ").replace("/", " ")
    s = re.sub(r"[^A-Z0-9 ]", " ", s)
    s = _NAME_NOISE.sub(" ", s)
    s = " ".join(s.split())
    return s or None
