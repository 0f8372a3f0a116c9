"""Every facility's map data, prepared once per snapshot: the compact rows the map's script
draws and builds popups from (published as a static file the browser caches), and the
lookup tables (groups, sources, icons) they index into."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard import registry, taxonomy
from dashboard.render.legend import (
    KINDS,
    symbol_svg,
)
from dashboard.render.text import safe_json
from dashboard.vocab import Precision

POPUP_GROUPS = (
    ("setting", "Setting"),
    ("service", "Services"),
    ("population", "Populations"),
    ("condition", "Programs for"),
    ("payment", "Payment"),
    ("language", "Languages"),
    ("operator", "Operated by"),
)


def _text(value) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


# The keys of one facility in the map's data (short: every rerun sends the matching rows):
#   y, x   latitude, longitude            k   kind (KINDS key: symbol and colour)
#   q      1 = approximate location        n   name            g   program
#   a      street (and street2)            c   city and ZIP    p   phone
#   w      website                         t   facility type   b   licensed acute psych beds
#   bn     the bed file's facility name    f   per POPUP_GROUPS group: indexes of its values
#          (into meta["groups"]), or None where the group is unknown
#   s      indexes into meta["sources"]    o   as-of date
#   h      earlier addresses of the program in older sources (history), or None


@dataclass
class MapData:
    """Per build, once: the JSON-ready popup data of every facility (None where the site is
    not located), aligned with the facility table's row positions, plus the labels and
    source titles the rows point into.  A rerun only picks rows by position."""

    meta: dict
    rows: list  # per facility: its JSON (already made script- and template-safe) or None
    lat: np.ndarray
    lon: np.ndarray
    kind: np.ndarray
    located: np.ndarray
    url: str | None = None  # all of it as a static file (webfiles.urls): reruns send positions

    def payload(self, positions) -> str:
        """The meta data and the rows at ``positions`` (null where a row is None) as one
        script-safe JSON object."""
        rows = ",".join(self.rows[i] or "null" for i in positions)
        return safe_json(self.meta)[:-1] + ',"rows":[' + rows + "]}"


def prepare(fac: pd.DataFrame, source_titles: dict[str, str]) -> MapData:
    """Compact facility data for the map (keys above): labels and source titles once, then
    per facility only short fields and label indexes.  The browser builds each popup from
    this with ``textContent`` — source text is never parsed as HTML."""
    groups = [taxonomy.GROUP_BY_ID[g] for g, _ in POPUP_GROUPS]
    flags = {
        g.id: np.column_stack(
            [fac[taxonomy.flag_column(g.id, v.id)].to_numpy(dtype=object) for v in g.values]
        )
        for g in groups
    }
    source_keys = list(source_titles)
    located = (fac["location_precision"] != Precision.NONE).to_numpy()
    rows: list = []
    for i, r in enumerate(fac.to_dict("records")):
        if not located[i]:
            rows.append(None)
            continue
        per_group = []
        for g in groups:
            vals = flags[g.id][i]
            known = vals[0] is not pd.NA and vals[0] is not None
            per_group.append([j for j, v in enumerate(vals) if v is True] if known else None)
        sources = [source_keys.index(x) for x in str(r["sources"] or "").split(";") if x in source_titles]
        rows.append(safe_json(_record(r, per_group, sources)))
    meta = {
        "groups": [
            [label, [v.label for v in g.values]] for g, (_, label) in zip(groups, POPUP_GROUPS, strict=True)
        ],
        "sources": [source_titles[k] for k in source_keys],
        "icons": {k: [symbol_svg(k), symbol_svg(k, approximate=True)] for k in KINDS},
        "precision": [Precision.EXACT.label, Precision.APPROXIMATE.label],
        "beds_source": registry.cite("cdph_beds"),
    }
    return MapData(
        meta=meta,
        rows=rows,
        lat=fac["lat"].to_numpy(float),
        lon=fac["lon"].to_numpy(float),
        kind=fac["kind"].to_numpy(object),
        located=located,
    )


def _record(r: dict, per_group: list, sources: list[int]) -> dict:
    """One located facility in the map's short keys (listed above ``MapData``)."""
    street = ", ".join(x for x in (_text(r["street"]), _text(r["street2"])) if x)
    beds = r.get("psych_beds")
    return {
        "y": round(float(r["lat"]), 5),
        "x": round(float(r["lon"]), 5),
        "k": r["kind"],
        "q": 1 if r["location_precision"] == Precision.APPROXIMATE else 0,
        "n": _text(r["name"]) or "",
        "g": _text(r["program"]),
        "a": street or None,
        "c": " ".join(x for x in (_text(r["city"]), _text(r["zip"])) if x),
        "p": _text(r["phone"]),
        "w": _text(r["website"]),
        "t": _text(r["facility_type"]),
        "b": None if beds is None or beds is pd.NA else int(beds),
        "bn": _text(r.get("beds_name")),
        "f": per_group,
        "s": sources,
        "o": _text(r["as_of"]),
        "h": _text(r.get("other_addresses")),
    }
