"""The 20 filter changes every latency benchmark replays, and what each should show.

A user's session: settings, payment, SPAs, populations and languages are added and removed
one at a time through the sidebar, ending where it started (all facilities), so the list
can be replayed from any offset (``states()[i]`` is the view after change i; a session can
open that view by URL and carry on with change i+1).

Each change alters the headline count and the map's "Facilities (N)" layer count, so a
browser can tell when the new view is on screen.  (Before the sidebar's attribute filters
became checkboxes, then pills, two count-labelled multiselects could drop a selection, see
bench/README; the list keeps the sequence it was measured with.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dashboard import taxonomy
from dashboard.analysis import filters
from dashboard.analysis.filters import FilterState

# widget key -> FilterState field
FIELDS = {
    **{f"f_{g.id}": g.id for g in taxonomy.GROUPS},
    "f_spa": "spa",
    "f_sd": "sd",
    "f_unknown": "include_unknown",
}


@dataclass(frozen=True)
class Change:
    op: str  # add | remove | check | uncheck
    key: str  # widget key
    value: object = None  # option value id (str) or area number (int)

    @property
    def field(self) -> str:
        return FIELDS[self.key]

    @property
    def checkbox(self) -> bool:
        """The unknown-attributes switch is a checkbox in the sidebar."""
        return self.key == "f_unknown"

    @property
    def pill(self) -> bool:
        """Attribute values and areas are pills of their group's widget in the sidebar."""
        return self.key != "f_unknown"

    @property
    def widget_key(self) -> str:
        return self.key

    @property
    def on(self) -> bool:
        return self.op in ("add", "check")

    def label(self) -> str:
        """The option text before its ' · ' suffix, as the sidebar shows it."""
        if self.key == "f_spa":
            return f"SPA {self.value}"
        if self.key == "f_sd":
            return f"District {self.value}"
        if self.key == "f_unknown":
            return "Include sites whose attributes are unknown"
        return taxonomy.GROUP_BY_ID[self.field].value(self.value).label

    def group_label(self) -> str:
        if self.key == "f_spa":
            return "Service Planning Area"
        if self.key == "f_sd":
            return "Supervisorial district"
        return taxonomy.GROUP_BY_ID[self.field].label

    def describe(self) -> str:
        sign = {"add": "+", "remove": "-", "check": "+", "uncheck": "-"}[self.op]
        return f"{sign}{self.key[2:]}:{self.value if self.value is not None else 'on'}"


CHANGES = (
    Change("add", "f_setting", "outpatient"),
    Change("add", "f_setting", "residential"),
    Change("remove", "f_setting", "outpatient"),
    Change("remove", "f_setting", "residential"),
    Change("add", "f_payment", "medi_cal"),
    Change("add", "f_payment", "medicare"),
    Change("remove", "f_payment", "medi_cal"),
    Change("remove", "f_payment", "medicare"),
    Change("add", "f_spa", 4),
    Change("add", "f_spa", 6),
    Change("add", "f_population", "children"),
    Change("add", "f_population", "seniors"),
    Change("remove", "f_population", "children"),
    Change("remove", "f_population", "seniors"),
    Change("add", "f_language", "spanish"),
    Change("check", "f_unknown"),
    Change("uncheck", "f_unknown"),
    Change("remove", "f_language", "spanish"),
    Change("remove", "f_spa", 4),
    Change("remove", "f_spa", 6),
)


def apply(state: FilterState, ch: Change) -> FilterState:
    if ch.op in ("check", "uncheck"):
        return replace(state, include_unknown=ch.op == "check")
    cur = list(getattr(state, ch.field))
    if ch.op == "add" and ch.value not in cur:
        cur.append(ch.value)
    elif ch.op == "remove" and ch.value in cur:
        cur.remove(ch.value)
    if ch.field in ("spa", "sd"):
        return replace(state, **{ch.field: tuple(sorted(cur))})
    order = taxonomy.GROUP_BY_ID[ch.field].ids
    return replace(state, **{ch.field: tuple(v for v in order if v in cur)})


def states(start: FilterState = filters.DEFAULT) -> list[FilterState]:
    """states()[0] is the start; states()[i] the view after CHANGES[i-1]."""
    out = [start]
    for ch in CHANGES:
        out.append(apply(out[-1], ch))
    return out


def widget_value(state: FilterState, key: str):
    """What the widget ``key`` holds in ``state`` (list of ids / areas, or bool)."""
    v = getattr(state, FIELDS[key])
    return bool(v) if key == "f_unknown" else list(v)


def expected(idx: filters.FlagIndex, located, state: FilterState) -> tuple[int, int]:
    """(headline 'Matching sites', map layer 'Facilities (N)') for ``state``."""
    mask = filters.match(idx, state).mask
    return int(mask.sum()), int((mask & located).sum())


def check_distinct(idx, located) -> list[str]:
    """Changes that would not alter both visible counts (a browser could not see them land)."""
    out, seq = [], states()
    for i, ch in enumerate(CHANGES):
        a, b = expected(idx, located, seq[i]), expected(idx, located, seq[i + 1])
        if a[0] == b[0] or a[1] == b[1]:
            out.append(f"{i + 1}:{ch.describe()} {a}->{b}")
    return out
