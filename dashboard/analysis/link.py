"""The shareable link: the one module that owns how the view is written into a URL.

The page is the URL path (``/``, ``/compare``, ``/gaps``, ``/data``); everything else is in
the query string, version 1.  Values equal to the default are left out; lists are
comma-separated value ids::

    v=1                                   version of this scheme
    cond pop svc set pay lang op          taxonomy values (ids from dashboard.taxonomy)
    spa=1,4  sd=2                         area filters
    q=<text>                              name contains (at most 100 characters)
    unk=1                                 include sites whose attributes are unknown
    dsh=1                                 count the state forensic hospital's beds
    miles=5                               distance threshold
    mins=30                               the time-or-distance standard's drive minutes
    measure=sites|beds  level=spa|sd      map colouring and areas
    gmap=miles|reach                      the Gaps page's tract map
    lat=34.05  lon=-118.25  z=10          map position, once the user moved the map
    memo=1                                print / memo layout
    rates los perdiem adj eval evalp ind indp grp grpp fam famp med medp
    divert sites beds wspa                cost page only: every assumption, once one differs

Decoding never raises: an unknown key, an unknown value, a wrong type, an overlong value or a
link of another version falls back to the default for that setting and adds a short notice.

Why Streamlit's widget binding (``bind="query-params"``) is not used:

* the sidebar has one checkbox per taxonomy value whose label carries a live count; bound
  widgets would each put a parameter of their own in the URL (``f_population__children``)
  instead of one readable list per group, and a multiselect (one parameter per group)
  carries its selection as label text, so a changed count drops the selection;
* an invalid value in a link must produce a notice saying what was ignored, where binding
  drops it silently;
* old links must survive changed defaults: the cost page writes every assumption once one
  differs from its default, so a link reopens the same numbers after the sourced defaults
  are updated; binding leaves out whatever equals today's default;
* the cost page's inputs belong in the link only on that page, and Back/Forward must reseed
  the whole view from the URL at once (``dashboard.ui.urlstate.sync_from_url``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

import pandas as pd

from dashboard import taxonomy
from dashboard.analysis import costs, prices
from dashboard.analysis.filters import (
    DEFAULT,
    DISTRICTS,
    GAPS_MAPS,
    LEVELS,
    MAX_QUERY_LENGTH,
    MEASURES,
    MILES_CHOICES,
    MINUTES_CHOICES,
    SPAS,
    FilterState,
)

VERSION = 1
MAX_LENGTH = 2000  # characters in one parameter's value
MAX_NUMBER_LENGTH = 50

# Taxonomy group id -> parameter.
GROUP_PARAMS = {
    "condition": "cond",
    "population": "pop",
    "service": "svc",
    "setting": "set",
    "payment": "pay",
    "language": "lang",
    "operator": "op",
}
FLAGS = {"include_unknown": "unk", "state_hospital": "dsh", "memo": "memo"}
FILTER_KEYS = frozenset(
    {
        "v",
        *GROUP_PARAMS.values(),
        *FLAGS.values(),
        "spa",
        "sd",
        "q",
        "miles",
        "mins",
        "measure",
        "level",
        "gmap",
    }
    | {"lat", "lon", "z"}
)

# Cost page: parameter -> (part of costs.Assumptions, field).
COST_PARAMS = {
    "los": ("inpatient", "length_of_stay_days"),
    "perdiem": ("inpatient", "per_diem"),
    "adj": ("inpatient", "adjustment"),
    "eval": ("outpatient", "evaluations"),
    "evalp": ("outpatient", "evaluation_price"),
    "ind": ("outpatient", "individual_sessions"),
    "indp": ("outpatient", "individual_price"),
    "grp": ("outpatient", "group_sessions"),
    "grpp": ("outpatient", "group_price"),
    "fam": ("outpatient", "family_sessions"),
    "famp": ("outpatient", "family_price"),
    "med": ("outpatient", "medication_visits"),
    "medp": ("outpatient", "medication_price"),
    "divert": ("scenario", "diverted_admissions"),
    "sites": ("scenario", "added_sites"),
    "beds": ("scenario", "added_beds"),
}
RATES_KEY = "rates"
AREA_KEY = "wspa"  # what-if SPA; not "spa", which is the sidebar's area filter
COST_KEYS = frozenset({RATES_KEY, AREA_KEY, *COST_PARAMS})
KEYS = FILTER_KEYS | COST_KEYS

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", flags=re.ASCII)


# --------------------------------------------------------------------------- shared helpers


def text_of(value) -> str:
    """A parameter may arrive repeated (a list): repeated values join like commas."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def short(text, n: int = 40) -> str:
    """Outside text for a notice: printable, at most ``n`` characters."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return text if len(text) <= n else text[: n - 1] + "…"


def _number(text) -> float | None:
    text = str(text).strip()
    if not _NUMBER.fullmatch(text):
        return None
    f = float(text)
    return f if math.isfinite(f) else None


def _int(text) -> int | None:
    f = _number(text)
    return int(f) if f is not None and f.is_integer() and abs(f) <= 1e9 else None


def _num(x: float) -> str:
    """A number as written into a link: no needless decimals, full precision."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


# --------------------------------------------------------------------------- encode


def encode(state: FilterState, cost_params: Mapping[str, str] | None = None) -> dict[str, str]:
    """Query parameters for a view; settings equal to their default are left out."""
    out: dict[str, str] = {}
    for gid, param in GROUP_PARAMS.items():
        if state.selected(gid):
            out[param] = ",".join(state.selected(gid))
    if state.spa:
        out["spa"] = ",".join(map(str, state.spa))
    if state.sd:
        out["sd"] = ",".join(map(str, state.sd))
    if state.query:
        out["q"] = state.query
    for field, param in FLAGS.items():
        if getattr(state, field):
            out[param] = "1"
    if state.measure != DEFAULT.measure:
        out["measure"] = state.measure
    if state.level != DEFAULT.level:
        out["level"] = state.level
    if state.gmap != DEFAULT.gmap:
        out["gmap"] = state.gmap
    if state.miles != DEFAULT.miles:
        out["miles"] = str(state.miles)
    if state.minutes != DEFAULT.minutes:
        out["mins"] = str(state.minutes)
    if state.lat is not None and state.lon is not None and state.zoom is not None:
        out["lat"], out["lon"], out["z"] = f"{state.lat:.4f}", f"{state.lon:.4f}", str(state.zoom)
    out.update(cost_params or {})
    return {"v": str(VERSION), **out} if out else {}


def encode_costs(a: costs.Assumptions, defaults: costs.Assumptions) -> dict[str, str]:
    """The cost page's parameters: nothing while every assumption is its default, else every
    assumption (so the link reopens the same numbers after the sourced defaults change)."""
    out = cost_params(a)
    return {} if out == cost_params(defaults) else out


def cost_params(a: costs.Assumptions) -> dict[str, str]:
    """Every assumption as link text."""
    out = {RATES_KEY: a.rates}
    for key, (part, name) in COST_PARAMS.items():
        out[key] = _num(getattr(getattr(a, part), name))
    if a.scenario.area is not None:
        out[AREA_KEY] = str(a.scenario.area)
    return out


# --------------------------------------------------------------------------- decode


def _raw(params: Mapping[str, object], keys: frozenset, limit: int, notices: list[str]) -> dict[str, str]:
    raw = {}
    for key, value in params.items():
        key, text = str(key), text_of(value)
        if key not in keys:
            continue
        if len(text) > limit:
            notices.append(f"Ignored the link setting '{key}': its value is too long.")
        else:
            raw[key] = text
    return raw


def _listed(bad: list[str], most: int = 5) -> str:
    """The ignored values, the first ``most`` by name and the rest counted."""
    names = ", ".join(short(b) for b in bad[:most])
    return names + (f" and {len(bad) - most} more" if len(bad) > most else "")


def decode(params: Mapping[str, object]) -> tuple[FilterState, list[str]]:
    """The shared view state from query parameters, and a short notice for each setting
    ignored (cost-page keys are left to ``decode_costs``)."""
    notices = [
        f"Ignored an unknown link setting '{short(k)}'." for k in map(str, params.keys()) if k not in KEYS
    ]
    raw = _raw(params, FILTER_KEYS, MAX_LENGTH, notices)
    kw: dict[str, object] = {}
    version = raw.get("v")
    if version is not None and version.strip() != str(VERSION):
        notices.append(
            f"This link was made by another version of the dashboard (v={short(version)}); "
            "settings it names that still exist were kept."
        )
    kw.update(_decode_groups(raw, notices))
    kw.update(_decode_areas(raw, notices))
    kw.update(_decode_settings(raw, notices))
    kw.update(_decode_view(raw, notices))
    return replace(DEFAULT, **kw), notices


def _decode_groups(raw: dict[str, str], notices: list[str]) -> dict[str, tuple[str, ...]]:
    """Attribute values by group, in taxonomy order; a retired id opens what replaced it."""
    kw = {}
    for gid, param in GROUP_PARAMS.items():
        if param in raw:
            g = taxonomy.GROUP_BY_ID[gid]
            wanted = [v.strip() for v in raw[param].split(",") if v.strip()]
            wanted += [v.id for v in g.values if set(v.replaces) & set(wanted)]  # retired ids
            bad = [v for v in dict.fromkeys(wanted) if v not in g.ids and not g.replaced(v)]
            if bad:
                notices.append(f"Ignored unknown {g.label.lower()} value(s): {_listed(bad)}.")
            kw[gid] = tuple(v for v in g.ids if v in wanted)  # taxonomy order, de-duplicated
    return kw


def _decode_areas(raw: dict[str, str], notices: list[str]) -> dict[str, tuple[int, ...]]:
    kw = {}
    for param, allowed, label in (("spa", SPAS, "SPA"), ("sd", DISTRICTS, "district")):
        if param in raw:
            tokens = [t.strip() for t in raw[param].split(",") if t.strip()]
            good = {_int(t) for t in tokens} & set(allowed)
            bad = [t for t in tokens if _int(t) not in allowed]
            if bad:
                notices.append(f"Ignored unknown {label} value(s): {_listed(bad)}.")
            kw[param] = tuple(sorted(good))
    return kw


def _decode_settings(raw: dict[str, str], notices: list[str]) -> dict[str, object]:
    """The name search, the on/off flags, the measure, the area level, the Gaps map, the miles
    and the standard's minutes."""
    kw: dict[str, object] = {}
    if "q" in raw:
        q = " ".join(raw["q"].split())
        if len(q) > MAX_QUERY_LENGTH:
            notices.append(f"The name search was shortened to {MAX_QUERY_LENGTH} characters.")
        kw["query"] = q[:MAX_QUERY_LENGTH]
    for field, param in FLAGS.items():
        if param in raw:
            if raw[param] in ("1", "0", "true", "false"):
                kw[field] = raw[param] in ("1", "true")
            else:
                notices.append(f"Ignored the link setting '{param}': expected 1 or 0.")
    for param, allowed in (("measure", MEASURES), ("level", LEVELS), ("gmap", GAPS_MAPS)):
        if param in raw:
            if raw[param] in allowed:
                kw[param] = raw[param]
            else:
                notices.append(f"Ignored the link setting '{param}': unknown value '{short(raw[param])}'.")
    for param, field, allowed in (("miles", "miles", MILES_CHOICES), ("mins", "minutes", MINUTES_CHOICES)):
        if param in raw:
            if _int(raw[param]) in allowed:
                kw[field] = _int(raw[param])
            else:
                notices.append(
                    f"Ignored the link setting '{param}': choose one of {', '.join(map(str, allowed))}."
                )
    return kw


def _decode_view(raw: dict[str, str], notices: list[str]) -> dict[str, object]:
    """The map position, kept only when whole and inside the county's box."""
    view = [raw.get(k) for k in ("lat", "lon", "z")]
    if all(v is None for v in view):
        return {}
    lat, lon, z = _number(view[0] or ""), _number(view[1] or ""), _int(view[2] or "")
    if (
        lat is not None
        and lon is not None
        and z is not None
        and 32.0 <= lat <= 35.5
        and -119.8 <= lon <= -117.0
        and 6 <= z <= 18
    ):
        return {"lat": round(lat, 4), "lon": round(lon, 4), "zoom": z}
    notices.append("Ignored the map position in the link: it is incomplete or outside Los Angeles County.")
    return {}


def decode_costs(
    params: Mapping[str, object], benchmarks: pd.DataFrame, *, areas: Iterable[int] = SPAS
) -> tuple[costs.Assumptions, list[str]]:
    """The cost page's assumptions from query parameters (defaults for what is absent), and a
    short notice for each value ignored.  Never raises on the parameters."""
    notices: list[str] = []
    raw = {k: v.strip() for k, v in _raw(params, COST_KEYS, MAX_NUMBER_LENGTH, notices).items()}
    rates = raw.get(RATES_KEY, costs.NATIONAL)
    if rates not in costs.RATES:
        notices.append(
            f"Ignored the link setting '{RATES_KEY}={short(rates)}': choose "
            f"{' or '.join(costs.RATES)}. Using {costs.NATIONAL}."
        )
        rates = costs.NATIONAL
    d = prices.default_assumptions(benchmarks, rates)
    changes: dict[str, dict] = {"inpatient": {}, "outpatient": {}, "scenario": {}}
    for key, (part, name) in COST_PARAMS.items():
        if key not in raw:
            continue
        limit = costs.LIMITS[name]
        value = _number(raw[key])
        try:
            if value is None:
                raise costs.AssumptionError(
                    name, f"{limit.label} must be a number." if raw[key] else f"{limit.label} is blank."
                )
            x = costs.check(name, value)
        except costs.AssumptionError as exc:
            default = getattr(getattr(d, part), name)
            notices.append(
                f"Ignored the link setting '{key}={short(raw[key])}': {exc} "
                f"Using the default, {costs.fmt_number(default)}."
            )
            continue
        changes[part][name] = int(x) if limit.whole else x
    if AREA_KEY in raw:
        allowed = {int(v) for v in areas}
        area = int(raw[AREA_KEY]) if re.fullmatch(r"\d{1,3}", raw[AREA_KEY], flags=re.ASCII) else None
        if area in allowed:
            changes["scenario"]["area"] = area
        else:
            choose = f"choose an SPA from {min(allowed)} to {max(allowed)}" if allowed else "no areas"
            notices.append(f"Ignored the link setting '{AREA_KEY}={short(raw[AREA_KEY])}': {choose}.")
    a = replace(
        d,
        inpatient=replace(d.inpatient, **changes["inpatient"]),
        outpatient=replace(d.outpatient, **changes["outpatient"]),
        scenario=replace(d.scenario, **changes["scenario"]),
    )
    return a, notices
