"""The view state shared by every page, how it selects facilities, and its URL form.

``FilterState`` is a plain value object.  ``match`` turns it into a boolean mask over the
facility table (with facilities whose attribute is *unknown* counted separately), and
``encode`` / ``decode`` turn it into / out of the URL query string (versioned, defensive:
a malformed or hand-edited link gives defaults plus short notices, never an exception).

URL scheme, version 1 (defaults are omitted; lists are comma-separated value ids)::

    v=1  cond=smi,sed  pop=children  svc=individual,group  set=outpatient
    pay=medi_cal  lang=spanish  spa=1,4  sd=2  q=<name search>  unk=1
    measure=sites|beds  level=spa|sd  miles=5  lat=34.05  lon=-118.25  z=10
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from dashboard import taxonomy

URL_VERSION = 1
MAX_PARAM_LENGTH = 2000
MAX_QUERY_LENGTH = 100

# Group id -> URL parameter name.
GROUP_PARAMS = {
    "condition": "cond",
    "population": "pop",
    "service": "svc",
    "setting": "set",
    "payment": "pay",
    "language": "lang",
    "operator": "op",
}
SPAS = tuple(range(1, 9))
DISTRICTS = tuple(range(1, 6))
MEASURES = {
    "sites": "Matching sites per 100k residents",
    "beds": "Licensed acute psychiatric beds per 100k residents",
}
LEVELS = {"spa": "Service Planning Area (2012)", "sd": "Supervisorial district (2011 plan)"}
MILES_CHOICES = (1, 2, 3, 5, 10, 15, 20)
DEFAULT_MILES = 5


@dataclass(frozen=True)
class FilterState:
    condition: tuple[str, ...] = ()
    population: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    setting: tuple[str, ...] = ()
    payment: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    spa: tuple[int, ...] = ()
    sd: tuple[int, ...] = ()
    query: str = ""
    include_unknown: bool = False
    measure: str = "sites"
    level: str = "spa"
    miles: int = DEFAULT_MILES
    lat: float | None = None
    lon: float | None = None
    zoom: int | None = None

    def selected(self, group_id: str) -> tuple[str, ...]:
        return getattr(self, group_id)

    @property
    def attribute_filters(self) -> dict[str, tuple[str, ...]]:
        return {g.id: self.selected(g.id) for g in taxonomy.GROUPS if self.selected(g.id)}

    def describe(self) -> str:
        """A short plain-language summary (for captions and file names)."""
        parts = []
        for g in taxonomy.GROUPS:
            sel = self.selected(g.id)
            if sel:
                labels = [g.value(v).label for v in sel]
                joiner = " and " if g.mode == taxonomy.ALL else " or "
                parts.append(f"{g.label.lower()}: {joiner.join(labels)}")
        if self.spa:
            parts.append("SPA " + ", ".join(map(str, self.spa)))
        if self.sd:
            parts.append("district " + ", ".join(map(str, self.sd)))
        if self.query:
            parts.append(f'name contains "{self.query}"')
        return "; ".join(parts) if parts else "all facilities"


DEFAULT = FilterState()


# --------------------------------------------------------------------------- matching


@dataclass
class FlagIndex:
    """Boolean arrays per taxonomy value, built once per facility table.

    ``true[col]`` is where the source says yes; ``known[group]`` is where the group's
    attributes are known at all.  Matching is then a handful of numpy operations.
    """

    true: dict[str, np.ndarray]
    known: dict[str, np.ndarray]
    spa: np.ndarray
    sd: np.ndarray
    names: np.ndarray
    n: int

    @classmethod
    def build(cls, fac: pd.DataFrame) -> FlagIndex:
        true, known = {}, {}
        for g in taxonomy.GROUPS:
            for v in g.values:
                col = taxonomy.flag_column(g.id, v.id)
                true[col] = fac[col].fillna(False).to_numpy(dtype=bool)
            known[g.id] = fac[taxonomy.flag_column(g.id, g.values[0].id)].notna().to_numpy()
        names = (fac["name"].fillna("") + " " + fac["program"].fillna("")).str.lower().to_numpy()
        return cls(
            true=true,
            known=known,
            spa=fac["spa"].fillna(0).to_numpy(dtype=int),
            sd=fac["sd"].fillna(0).to_numpy(dtype=int),
            names=names,
            n=len(fac),
        )


@dataclass
class Match:
    mask: np.ndarray  # facilities shown (strict matches, plus unknowns when included)
    strict: np.ndarray  # the source says they match every attribute filter
    unknown: np.ndarray  # would match, but an attribute filtered on is unknown

    @property
    def count(self) -> int:
        return int(self.mask.sum())


def group_match(idx: FlagIndex, group_id: str, selected: Iterable[str]) -> np.ndarray:
    g = taxonomy.GROUP_BY_ID[group_id]
    cols = [idx.true[taxonomy.flag_column(group_id, v)] for v in selected]
    if not cols:
        return np.ones(idx.n, dtype=bool)
    stack = np.vstack(cols)
    return stack.all(axis=0) if g.mode == taxonomy.ALL else stack.any(axis=0)


def place_mask(idx: FlagIndex, state: FilterState) -> np.ndarray:
    """Area and name filters (attributes aside)."""
    m = np.ones(idx.n, dtype=bool)
    if state.spa:
        m &= np.isin(idx.spa, state.spa)
    if state.sd:
        m &= np.isin(idx.sd, state.sd)
    if state.query:
        q = state.query.lower()
        m &= np.fromiter((q in s for s in idx.names), dtype=bool, count=idx.n)
    return m


def match(idx: FlagIndex, state: FilterState, *, skip_group: str | None = None) -> Match:
    strict = place_mask(idx, state)
    maybe = strict.copy()
    for gid, sel in state.attribute_filters.items():
        if gid == skip_group:
            continue
        hit = group_match(idx, gid, sel)
        strict &= hit
        maybe &= hit | ~idx.known[gid]
    unknown = maybe & ~strict
    mask = strict | unknown if state.include_unknown else strict
    return Match(mask=mask, strict=strict, unknown=unknown)


def option_counts(idx: FlagIndex, state: FilterState, group_id: str) -> dict[str, int]:
    """For each value of a group: how many facilities match the *other* filters and have
    this value (what the user would get choosing it on its own in this group)."""
    base = match(idx, state, skip_group=group_id).strict
    return {
        v.id: int((base & idx.true[taxonomy.flag_column(group_id, v.id)]).sum())
        for v in taxonomy.GROUP_BY_ID[group_id].values
    }


# --------------------------------------------------------------------------- URL


def encode(state: FilterState) -> dict[str, str]:
    """Query parameters for a state; values equal to the default are left out."""
    out: dict[str, str] = {}
    for gid, param in GROUP_PARAMS.items():
        sel = state.selected(gid)
        if sel:
            out[param] = ",".join(sel)
    if state.spa:
        out["spa"] = ",".join(map(str, state.spa))
    if state.sd:
        out["sd"] = ",".join(map(str, state.sd))
    if state.query:
        out["q"] = state.query
    if state.include_unknown:
        out["unk"] = "1"
    if state.measure != DEFAULT.measure:
        out["measure"] = state.measure
    if state.level != DEFAULT.level:
        out["level"] = state.level
    if state.miles != DEFAULT.miles:
        out["miles"] = str(state.miles)
    if state.lat is not None and state.lon is not None and state.zoom is not None:
        out["lat"], out["lon"], out["z"] = f"{state.lat:.4f}", f"{state.lon:.4f}", str(state.zoom)
    if out:
        out = {"v": str(URL_VERSION), **out}
    return out


PARAM_NAMES = {
    "v",
    *GROUP_PARAMS.values(),
    "spa",
    "sd",
    "q",
    "unk",
    "measure",
    "level",
    "miles",
    "lat",
    "lon",
    "z",
}


def one_value(value) -> str:
    """A parameter may arrive repeated (a list); repeated values join like commas."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def decode(params: Mapping[str, object], *, known_extra: Iterable[str] = ()) -> tuple[FilterState, list[str]]:
    """A state from query parameters, and short notices for whatever was ignored.

    Never raises: unknown keys, unknown values, wrong types, huge values and links from
    other versions fall back to defaults with a notice.  ``known_extra`` names parameters
    that belong to other parts of the view (e.g. cost assumptions) and are not reported.
    """
    notices: list[str] = []
    kw: dict[str, object] = {}
    extra = set(known_extra)
    raw: dict[str, str] = {}
    for key, value in params.items():
        key = str(key)
        text = one_value(value)
        if key not in PARAM_NAMES:
            if key not in extra:
                notices.append(f"Ignored an unknown link setting '{_short(key)}'.")
            continue
        if len(text) > MAX_PARAM_LENGTH:
            notices.append(f"Ignored the link setting '{key}': its value is too long.")
            continue
        raw[key] = text

    version = raw.get("v")
    if version is not None and version.strip() != str(URL_VERSION):
        notices.append(
            f"This link was made by another version of the dashboard (v={_short(version)}); "
            "settings it names that still exist were kept."
        )

    for gid, param in GROUP_PARAMS.items():
        if param in raw:
            g = taxonomy.GROUP_BY_ID[gid]
            wanted = [v.strip() for v in raw[param].split(",") if v.strip()]
            good = [v for v in g.ids if v in wanted]  # taxonomy order, de-duplicated
            bad = [v for v in dict.fromkeys(wanted) if v not in g.ids]
            if bad:
                notices.append(
                    f"Ignored unknown {g.label.lower()} value(s): {', '.join(_short(b) for b in bad[:5])}."
                )
            kw[gid] = tuple(good)

    for param, allowed in (("spa", SPAS), ("sd", DISTRICTS)):
        if param in raw:
            vals, bad = [], []
            for tok in (t.strip() for t in raw[param].split(",") if t.strip()):
                n = _int(tok)
                (vals if n in allowed else bad).append(n if n in allowed else tok)
            if bad:
                label = "SPA" if param == "spa" else "district"
                notices.append(
                    f"Ignored unknown {label} value(s): {', '.join(_short(str(b)) for b in bad[:5])}."
                )
            kw[param] = tuple(sorted(set(vals)))

    if "q" in raw:
        q = " ".join(raw["q"].split())
        if len(q) > MAX_QUERY_LENGTH:
            notices.append(f"The name search was shortened to {MAX_QUERY_LENGTH} characters.")
            q = q[:MAX_QUERY_LENGTH]
        kw["query"] = q
    if "unk" in raw:
        if raw["unk"] in ("1", "0", "true", "false"):
            kw["include_unknown"] = raw["unk"] in ("1", "true")
        else:
            notices.append("Ignored the link setting 'unk': expected 1 or 0.")
    for param, allowed in (("measure", MEASURES), ("level", LEVELS)):
        if param in raw:
            if raw[param] in allowed:
                kw[param] = raw[param]
            else:
                notices.append(f"Ignored the link setting '{param}': unknown value '{_short(raw[param])}'.")
    if "miles" in raw:
        n = _int(raw["miles"])
        if n in MILES_CHOICES:
            kw["miles"] = n
        else:
            notices.append(
                f"Ignored the link setting 'miles': choose one of {', '.join(map(str, MILES_CHOICES))}."
            )
    view = [raw.get(k) for k in ("lat", "lon", "z")]
    if any(v is not None for v in view):
        lat, lon, z = _float(view[0]), _float(view[1]), _int(view[2])
        if (
            lat is not None
            and lon is not None
            and z is not None
            and 32.0 <= lat <= 35.5
            and -119.8 <= lon <= -117.0
            and 6 <= z <= 18
        ):
            kw.update(lat=round(lat, 4), lon=round(lon, 4), zoom=z)
        else:
            notices.append(
                "Ignored the map position in the link: it is incomplete or outside Los Angeles County."
            )
    return replace(DEFAULT, **kw), notices


def _short(text: str, n: int = 40) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return text if len(text) <= n else text[: n - 1] + "…"


def _int(text) -> int | None:
    try:
        f = float(str(text).strip())
    except (TypeError, ValueError):
        return None
    if not math.isfinite(f) or f != int(f) or abs(f) > 1e9:
        return None
    return int(f)


def _float(text) -> float | None:
    try:
        f = float(str(text).strip())
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
