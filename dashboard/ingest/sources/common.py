"""Shared reading and checking for the source readers.

Every check raises :class:`dashboard.errors.SourceError` naming the file, the column and a
few offending values, so a broken or changed source fails loudly and usefully.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd

from dashboard.config import FETCH_COMMAND
from dashboard.errors import SourceError
from dashboard.ingest import normalize
from dashboard.registry import SOURCES, source_path

# Canonical columns every facility-like reader produces (plus its own extras).
CANONICAL = (
    "name",
    "program",
    "street",
    "street2",
    "city",
    "zip",
    "phone",
    "website",
    "lat",
    "lon",
    "source",
    "source_id",
    "as_of",
)

MISSING_TOKENS = ["", "NA", "N/A", "NullValue", "null", "None", "nan"]

# A generous box around LA County including San Clemente and Santa Catalina islands.
LA_BBOX = (-118.96, 32.79, -117.64, 34.83)

_HINT = (
    "Check the file against its PROVENANCE.md, or point LAMH_RAW_DIR at a complete copy "
    f"of the raw sources ({FETCH_COMMAND} can download one)."
)


def path_of(raw_dir: Path, key: str, name: str | None = None) -> Path:
    return source_path(Path(raw_dir), key, name)


def records_in(path: Path) -> int | None:
    """How many records a source file holds: CSV rows below the header (a quoted field may
    span lines), GeoJSON features.  None when the file is missing or unreadable (its reader
    says why)."""
    path = Path(path)
    try:
        if path.suffix == ".geojson":
            with open(path, encoding="utf-8") as fh:
                return len(json.load(fh).get("features") or [])
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            return max(sum(1 for row in csv.reader(fh) if row) - 1, 0)
    except (OSError, ValueError, AttributeError, csv.Error):
        return None


def _check_file(path: Path, expected: tuple[str, ...] = ()) -> None:
    # Say what the file should hold, so a missing or empty file names its columns too.
    what = f" (expected columns: {', '.join(expected)})" if expected else ""
    if not path.exists():
        raise SourceError(path, f"file is missing{what}", hint=_HINT)
    if path.stat().st_size == 0:
        raise SourceError(path, f"file is empty{what}", hint=_HINT)


def read_csv(raw_dir: Path, key: str, name: str | None = None, *, usecols=None) -> pd.DataFrame:
    """Read a source CSV as text, check its columns and that it is not truncated."""
    path = path_of(raw_dir, key, name)
    spec = SOURCES[key].file(path.name)
    _check_file(path, spec.columns)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8", encoding_errors="replace")
    except pd.errors.EmptyDataError:
        raise SourceError(path, "file has no header row", hint=_HINT) from None
    except (pd.errors.ParserError, UnicodeError, ValueError) as exc:
        raise SourceError(path, f"file cannot be parsed as CSV ({exc})", hint=_HINT) from None
    missing = [c for c in spec.columns if c not in header.columns]
    if missing:
        raise SourceError(
            path,
            "expected column is missing (renamed or dropped upstream?)",
            column=missing[0],
            examples=[f"found columns: {', '.join(map(str, header.columns[:12]))}"],
            hint=_HINT,
        )
    cols = None
    if usecols is not None:
        cols = [c for c in usecols if c in header.columns]
    # Before the full parse: a file cut inside a quoted field is reported as truncated.
    _check_not_truncated(path, [str(c) for c in header.columns])
    try:
        df = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=MISSING_TOKENS,
            usecols=cols,
            encoding="utf-8",
            encoding_errors="replace",
        )
    except (pd.errors.ParserError, UnicodeError, ValueError) as exc:
        raise SourceError(path, f"file cannot be parsed as CSV ({exc})", hint=_HINT) from None
    if df.empty:
        raise SourceError(path, "file has a header but no rows", hint=_HINT)
    return df


def _check_not_truncated(path: Path, columns: list[str]) -> None:
    """A file cut off mid-row ends without a newline and with a short last record."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        tail = fh.read()
    if tail.endswith((b"\n", b"\r")):
        return
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
    # A last line without a newline is fine if it is a complete record.
    rows = list(csv.reader(io.StringIO(last)))
    n_fields = len(rows[0]) if rows else 0
    complete = len(rows) == 1 and n_fields == len(columns) and last.count('"') % 2 == 0
    if not complete:
        # The column the last record breaks off in (the first one when nothing is readable).
        at = columns[min(max(n_fields, 1), len(columns)) - 1] if columns else None
        raise SourceError(
            path,
            "file looks truncated (the last record is incomplete)",
            column=at,
            examples=[last[-60:]],
            hint=_HINT,
        )


def read_geojson(raw_dir: Path, key: str, name: str) -> dict:
    path = path_of(raw_dir, key, name)
    spec = SOURCES[key].file(name)
    _check_file(path, spec.columns)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        what = f" (expected features with properties: {', '.join(spec.columns)})" if spec.columns else ""
        raise SourceError(path, f"file is not valid JSON (truncated?): {exc}{what}", hint=_HINT) from None
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list) or not feats:
        raise SourceError(path, "file has no GeoJSON features", hint=_HINT)
    props = feats[0].get("properties") or {}
    for col in spec.columns:
        if col not in props:
            raise SourceError(
                path,
                "expected property is missing",
                column=col,
                examples=[f"found properties: {', '.join(list(props)[:12])}"],
                hint=_HINT,
            )
    return data


def to_number(
    df: pd.DataFrame, column: str, path: Path, *, lo=None, hi=None, required: bool = True
) -> pd.Series:
    """Parse a text column as numbers; wrong types and impossible values fail loudly."""
    raw = df[column]
    num = pd.to_numeric(raw, errors="coerce")
    bad = raw.notna() & num.isna()
    if bad.any():
        raise SourceError(
            path, "value is not a number", column=column, examples=raw[bad].head(5).tolist(), hint=_HINT
        )
    if required and num.isna().any():
        raise SourceError(
            path,
            "value is missing",
            column=column,
            examples=[f"row {i + 2}" for i in np.flatnonzero(num.isna())[:5]],
            hint=_HINT,
        )
    out_of_range = pd.Series(False, index=df.index)
    if lo is not None:
        out_of_range |= num < lo
    if hi is not None:
        out_of_range |= num > hi
    if out_of_range.any():
        raise SourceError(
            path,
            f"value outside the possible range [{lo}, {hi}]",
            column=column,
            examples=raw[out_of_range].head(5).tolist(),
            hint=_HINT,
        )
    return num.astype("float64")


def check_coordinates(df: pd.DataFrame, path: Path, lat: str = "lat", lon: str = "lon") -> None:
    """Coordinates must be numbers inside a box around LA County (islands included)."""
    x0, y0, x1, y1 = LA_BBOX
    has = df[lat].notna() & df[lon].notna()
    outside = has & ~(df[lon].between(x0, x1) & df[lat].between(y0, y1))
    if outside.any():
        ex = df.loc[outside, [lat, lon]].head(5)
        raise SourceError(
            path,
            "coordinates outside Los Angeles County (swapped latitude/longitude, or a "
            "wrong coordinate system?)",
            column=f"{lat}/{lon}",
            examples=[f"({a}, {b})" for a, b in zip(ex[lat], ex[lon], strict=True)],
            hint=_HINT,
        )


def zip5(series: pd.Series) -> pd.Series:
    """5-digit ZIP text ('90012-1234 ' -> '90012'); anything else becomes missing."""
    s = series.astype("string").str.strip().str.extract(r"^(\d{5})", expand=False)
    return s.astype(object).where(s.notna(), None)


def clean_text(series: pd.Series) -> pd.Series:
    """Strip, collapse white space; empty becomes None.  Content is kept verbatim otherwise
    (escaping for HTML happens where HTML is made)."""
    s = series.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
    s = s.where(s.notna() & (s != ""), None)
    return s.astype(object).where(s.notna(), None)


# Query parameters that only tell a website where a visitor came from.
_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_gl|ref|referrer)$", re.I)


def untracked(url: str) -> str:
    """``url`` without tracking parameters (utm_source, fbclid, ...); the rest kept as is."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [p for p in parts.query.split("&") if p and not _TRACKING.match(p.split("=", 1)[0])]
    return urlunsplit(parts._replace(query="&".join(kept)))


def website(series: pd.Series) -> pd.Series:
    """Only http(s) URLs (or bare host names, given https://) are kept as websites, without
    tracking parameters."""
    s = clean_text(series)

    def fix(u):
        if not isinstance(u, str):
            return None
        u = u.strip()
        if re.match(r"^https?://[^\s<>\"']+$", u, re.I):
            return untracked(u)
        if re.match(r"^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(/[^\s<>\"']*)?$", u, re.I):
            return untracked("https://" + u)
        return None

    return s.map(fix)


def canonical(df: pd.DataFrame, extras: list[str]) -> pd.DataFrame:
    """Every reader's last step: the canonical columns (None where the source has none),
    then its own; a placeholder phone number is no phone number."""
    for col in CANONICAL:
        if col not in df.columns:
            df[col] = None
    df["phone"] = df["phone"].map(lambda p: None if is_placeholder_phone(p) else normalize.phone_text(p))
    return df[list(CANONICAL) + [c for c in extras if c not in CANONICAL]].reset_index(drop=True)


def is_placeholder_phone(phone) -> bool:
    """A number no one answers: its ten digits, or its seven after the area code, are one
    digit repeated (888-888-8888, 213-000-0000), as sources write for "no number"."""
    digits = normalize.phone_digits(phone)
    return digits is not None and (len(set(digits)) == 1 or len(set(digits[3:])) == 1)


def la_county(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows whose county column says Los Angeles ("Los Angeles", "LOS ANGELES COUNTY", ...):
    statewide or national copies of a source read like the LA subsets."""
    county = df[column].fillna("").str.upper().str.replace(" COUNTY", "").str.strip()
    return df[county == "LOS ANGELES"].reset_index(drop=True)


def coordinates(df: pd.DataFrame, path: Path, lat: str, lon: str) -> tuple[pd.Series, pd.Series]:
    """Latitude and longitude columns as numbers, required, inside the LA County box."""
    y = to_number(df, lat, path, lo=-90, hi=90)
    x = to_number(df, lon, path, lo=-180, hi=180)
    check_coordinates(pd.DataFrame({"lat": y, "lon": x}), path)
    return y, x


def check_allowed(df: pd.DataFrame, column: str, allowed, path: Path, problem: str) -> None:
    """Every value of ``column`` is one of ``allowed`` (else SourceError naming a few)."""
    bad = ~df[column].isin(list(allowed))
    if bad.any():
        raise SourceError(path, problem, column=column, examples=df.loc[bad, column].unique().tolist())


_HOUSE_NUMBER = re.compile(r"^\s*\d+[A-Za-z]?\b")


def address_lines(line1: pd.Series, line2: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(street, street2) with the street address first.

    Some records put a building or hospital name in the first line and the street address
    in the second ("Adventist Health White Memorial" / "1701 East Cesar E Chavez, Suite
    532"): when only the second line starts with a house number, the two are swapped so
    matching compares street with street.
    """
    a, b = clean_text(line1), clean_text(line2)
    starts = lambda s: s.map(lambda v: isinstance(v, str) and bool(_HOUSE_NUMBER.match(v)))  # noqa: E731
    swap = ~starts(a) & starts(b)
    return a.where(~swap, b), b.where(~swap, a)
