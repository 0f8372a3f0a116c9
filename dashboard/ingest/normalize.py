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


# --------------------------------------------------------------------------- phones

_EXTENSION = re.compile(r"(?:\bext\.?|\bextension|\bx)\s*(\d{1,6})\s*$", re.IGNORECASE)
TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})


def phone_digits(phone) -> str | None:
    """The ten digits of a North American number (country code and extension dropped)."""
    if not isinstance(phone, str):
        return None
    digits = re.sub(r"\D", "", _EXTENSION.sub("", phone))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) == 10 else None


def phone_text(phone) -> str | None:
    """One format for every source's phone: 323-644-2000, with ' ext. 12' when given.
    Text that is not one number is kept as written."""
    digits = phone_digits(phone)
    if digits is None:
        return phone.strip() or None if isinstance(phone, str) else None
    ext = _EXTENSION.search(phone)
    out = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return out + (f" ext. {ext.group(1)}" if ext else "")


def distinctive_phone(phone) -> str | None:
    """The digits of a number that can tell one place from another: not toll-free (a
    national intake line is no address), else None."""
    digits = phone_digits(phone)
    return digits if digits and digits[:3] not in TOLL_FREE else None


# --------------------------------------------------------------------------- names shown

# Words a name keeps in capitals when an all-capitals source name is given its proper case.
ACRONYMS = frozenset({
    "APH", "CCH", "D/P", "DMH", "FSP", "HIV", "II", "III", "IV", "LA", "L.A.", "LAC", "LGBT",
    "LGBTQ", "LLC", "MHRC", "MLK", "PACS", "PHF", "SNF", "SSG", "TAY", "UCLA", "USC", "VA",
    "YMCA", "YWCA",
})  # fmt: skip
_SMALL = frozenset({"A", "AN", "AND", "AT", "FOR", "IN", "OF", "ON", "THE", "TO", "WITH"})
# A name that ends in one of these continues in the source's second name line.
_JOINERS = _SMALL | {"&"}


def whole_name(name: str | None, program: str | None) -> tuple[str | None, str | None]:
    """(name, program) with a name the source cut at its two name lines made whole again:
    "Resnick Neuropsychiatric Hospital at" + "UCLA" is one name, not a name and a program."""
    if isinstance(name, str) and isinstance(program, str) and name.split()[-1].upper() in _JOINERS:
        return f"{name} {program}", None
    return name, program


def proper_case(text: str | None) -> str | None:
    """An all-capitals name in its proper case, acronyms and initials kept
    ("VERDUGO HILLS HOSPITAL D/P APH" -> "Verdugo Hills Hospital D/P APH"); a name that
    has lower-case letters is the publisher's own spelling and is kept."""
    if not isinstance(text, str) or re.search(r"[a-z]", text):
        return text

    def part(w: str, first: bool) -> str:
        core = w.strip(",;:()")
        if core in ACRONYMS or len(re.sub(r"[^A-Z]", "", core)) <= 1 or not core.isalpha():
            return w  # an acronym, an initial, a number, "D/P"
        if core in _SMALL and not first:
            return w.lower()
        k = next(i for i, c in enumerate(w) if c.isalpha())
        return w[: k + 1] + w[k + 1 :].lower()

    def word(w: str, first: bool) -> str:
        if w.strip(",;:()") in ACRONYMS:
            return w
        pieces = re.split(r"([-/])", w)  # "LAC/HARBOR-UCLA": each piece on its own
        return "".join(p if p in "-/" else part(p, first and j == 0) for j, p in enumerate(pieces))

    return " ".join(word(w, i == 0) for i, w in enumerate(text.split()))
