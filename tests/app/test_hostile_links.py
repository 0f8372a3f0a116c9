"""Hostile links (AppTest): generated and hand-picked query strings.

A shared link can be old, hand-edited, truncated by a mail client or built to break the app.
Whatever it holds — unknown keys, wrong types, huge values, repeated keys, unicode, control
characters, other versions of the scheme, cost inputs with junk — a page must

* run without an exception, down to its last element;
* apply what is valid in the link and restore the default for what is not;
* show a short notice when something was ignored (and none when nothing was);
* rewrite the address bar to a clean link (one that decodes without a notice).

The expected state is computed from the README's URL table by the generators themselves
(each generated item knows the value it stands for, or that it is junk), not by the app's
decoder.  Every page decodes the shared settings with the same code (``dashboard.ui.urlstate``
through ``dashboard.analysis.link``), so junk in them is run through one page (the map);
junk in the cost inputs on the page that owns them (compare); and every page gets a few
generated links of valid settings, to show it applies them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dashboard import taxonomy
from dashboard.analysis import costs, filters, link, prices
from tests.app.conftest import PAGES, count, metric, open_link, open_to_end

EXAMPLES = 20  # generated links with junk, on the page that owns the junk
VALID_EXAMPLES = 5  # generated links of valid settings, on every page

SHARED_NOTICE = "could not be used and were reset"
COST_NOTICE = "Some cost settings in the link could not be used"

GROUP_PARAMS = dict(link.GROUP_PARAMS)  # group id -> URL key (README table)
PARAM_TO_GROUP = {p: g for g, p in GROUP_PARAMS.items()}
IDS = {p: taxonomy.GROUP_BY_ID[g].ids for g, p in GROUP_PARAMS.items()}
FILTER_KEYS = {
    "v",
    *GROUP_PARAMS.values(),
    "spa",
    "sd",
    "q",
    "unk",
    "dsh",
    "memo",
    "miles",
    "mins",
    "measure",
    "level",
    "gmap",
    "lat",
    "lon",
    "z",
}
COST_NUMBER_KEYS = dict(link.COST_PARAMS)  # URL key -> (part, name)
COST_KEYS = {"rates", "wspa", *COST_NUMBER_KEYS}
KNOWN_KEYS = FILTER_KEYS | COST_KEYS
MILES = (1, 2, 3, 5, 10, 15, 20)
MINUTES = (10, 15, 20, 30, 45)
RATES = ("national", "la_locality")
# Streamlit keeps these for itself (embedding options): a page never sees them.
STREAMLIT_RESERVED = {"embed", "embed_options"}


# --------------------------------------------------------------------------- expectations


@dataclass
class Expected:
    """What the page should show after opening a link (defaults unless an item says so)."""

    groups: dict = field(default_factory=lambda: {g: [] for g in GROUP_PARAMS})
    spa: list = field(default_factory=list)
    sd: list = field(default_factory=list)
    query: str = ""
    unknown: bool = False
    state_hospital: bool = False
    memo: bool = False
    measure: str = "sites"
    level: str = "spa"
    gmap: str = "miles"
    miles: int = 5
    minutes: int = 30
    view: tuple | None = None
    costs: dict = field(default_factory=dict)  # URL key -> number / rates / wspa value
    shared_junk: bool = False  # something a filter setting could not use (notice on every page)
    cost_junk: bool = False  # something a cost input could not use (notice on the cost page)


@dataclass(frozen=True)
class Item:
    """One or more URL parameters and what they should do to the view."""

    params: tuple  # ((key, str | list[str]), ...)
    effect: tuple = ()  # (("field", value), ...) applied to Expected
    shared_junk: bool = False
    cost_junk: bool = False

    def apply(self, exp: Expected) -> None:
        for name, value in self.effect:
            if name.startswith("group:"):
                exp.groups[name[6:]] = list(value)
            elif name.startswith("cost:"):
                exp.costs[name[5:]] = value
            else:
                setattr(exp, name, value)
        exp.shared_junk |= self.shared_junk
        exp.cost_junk |= self.cost_junk


def build_link(items) -> tuple[dict, Expected]:
    params, exp = {}, Expected()
    for it in items:
        for k, v in it.params:
            params[k] = v
        it.apply(exp)
    return params, exp


# --------------------------------------------------------------------------- generators

# Any text a URL can carry (no lone surrogates: they cannot be percent-encoded as UTF-8).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
CONTROL = st.sampled_from(
    [
        "\x00",
        "\x01",
        "\x1b",
        "\x7f",
        "\u202e",
        "\u200b",
        "\ufeff",
        "\n",
        "\t",
        "\u2028",
        "\ud7ff",
        "\U0001f600",
        "\u0000\u0000",
    ]
)
HUGE = st.integers(10_000, 12_000).map(lambda n: "x" * n)
LETTERS = "abcdfghijklmnopqrstuvwxyzABCDFGHIJKLMNOPQRSTUVWXYZ<>\"'&;%$#!?/\\{}[]()|`~^"
# Text that is certainly not a number (holds a letter other than e/E, or a symbol).
NOT_A_NUMBER = st.builds(lambda a, c, b: a + c + b, ANY_TEXT, st.sampled_from(LETTERS), ANY_TEXT)


def as_repeated(values: list[str]) -> st.SearchStrategy:
    """A list of values as one comma-joined parameter or as the same key repeated."""
    if len(values) < 2:
        return st.just(",".join(values))
    return st.sampled_from([",".join(values), list(values), [",".join(values[:1]), ",".join(values[1:])]])


@st.composite
def group_item(draw, param):
    ids = IDS[param]
    chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4))
    kind = draw(st.sampled_from(["valid", "junk_token", "huge"]))
    gid = PARAM_TO_GROUP[param]
    if kind == "valid":
        tokens = [draw(st.sampled_from(["", " ", "  "])) + t for t in chosen]
        value = draw(as_repeated(tokens))
        return Item(((param, value),), ((f"group:{gid}", [i for i in ids if i in chosen]),))
    if kind == "junk_token":
        bad = draw(
            st.one_of(NOT_A_NUMBER, st.integers().map(str), CONTROL).filter(
                lambda s: s.strip() not in ids and "," not in s and s.strip() != ""
            )
        )
        tokens = [*chosen, bad]
        draw(st.randoms()).shuffle(tokens)
        value = draw(as_repeated(tokens))
        return Item(((param, value),), ((f"group:{gid}", [i for i in ids if i in chosen]),), shared_junk=True)
    # Valid tokens, but far more than the length limit: the whole setting is dropped.
    return Item(((param, ",".join([chosen[0]] * 2000)),), (), shared_junk=True)


@st.composite
def area_item(draw, param):
    top = 8 if param == "spa" else 5
    chosen = draw(st.lists(st.integers(1, top), min_size=1, max_size=4))
    kind = draw(st.sampled_from(["valid", "junk_token", "out_of_range"]))
    tokens = [str(n) for n in chosen]
    if kind == "valid":
        return Item(((param, draw(as_repeated(tokens))),), ((param, sorted(set(chosen))),))
    if kind == "junk_token":
        bad = draw(NOT_A_NUMBER.filter(lambda s: "," not in s and s.strip() != ""))
    else:
        bad = str(draw(st.one_of(st.integers(max_value=0), st.integers(min_value=top + 1))))
    tokens.append(bad)
    return Item(((param, draw(as_repeated(tokens))),), ((param, sorted(set(chosen))),), shared_junk=True)


@st.composite
def query_item(draw):
    kind = draw(st.sampled_from(["valid", "valid", "too_long_for_search", "huge"]))
    if kind == "valid":
        q = draw(st.text(st.characters(exclude_categories=("Cs",)), max_size=100))
        return Item((("q", q),), (("query", " ".join(q.split())),))
    if kind == "too_long_for_search":
        q = draw(st.text("abcdefghij", min_size=101, max_size=1999))
        return Item((("q", q),), (("query", q[:100]),), shared_junk=True)
    return Item((("q", draw(HUGE)),), (), shared_junk=True)


def scalar_item(param, allowed: dict, field_name: str):
    """unk / measure / level / miles: one valid value, junk, or a valid value repeated."""
    texts = list(allowed)

    @st.composite
    def strat(draw):
        kind = draw(st.sampled_from(["valid", "junk", "repeated", "huge"]))
        if kind == "valid":
            t = draw(st.sampled_from(texts))
            return Item(((param, t),), ((field_name, allowed[t]),))
        if kind == "junk":
            junk = draw(
                st.one_of(NOT_A_NUMBER, CONTROL, st.integers(-5, 100).map(str)).filter(
                    lambda s: s not in allowed
                )
            )
            return Item(((param, junk),), (), shared_junk=True)
        if kind == "repeated":
            return Item(
                ((param, [draw(st.sampled_from(texts)), draw(st.sampled_from(texts))]),), (), shared_junk=True
            )
        return Item(((param, draw(HUGE)),), (), shared_junk=True)

    return strat()


@st.composite
def view_item(draw):
    lat = draw(st.integers(320_000, 355_000)) / 10_000
    lon = draw(st.integers(-1_198_000, -1_170_000)) / 10_000
    z = draw(st.integers(6, 18))
    kind = draw(st.sampled_from(["valid", "partial", "outside", "not_numbers"]))
    if kind == "valid":
        return Item((("lat", f"{lat:.4f}"), ("lon", f"{lon:.4f}"), ("z", str(z))), (("view", (lat, lon, z)),))
    if kind == "partial":
        keys = draw(st.lists(st.sampled_from(["lat", "lon", "z"]), min_size=1, max_size=2, unique=True))
        vals = {"lat": f"{lat:.4f}", "lon": f"{lon:.4f}", "z": str(z)}
        return Item(tuple((k, vals[k]) for k in keys), (), shared_junk=True)
    if kind == "outside":
        bad = draw(
            st.sampled_from(
                [
                    ("lat", "40.7128"),
                    ("lon", "2.35"),
                    ("z", "99"),
                    ("z", "-1"),
                    ("lat", "1e308"),
                    ("lon", "-inf"),
                    ("lat", "nan"),
                ]
            )
        )
        vals = {"lat": f"{lat:.4f}", "lon": f"{lon:.4f}", "z": str(z), bad[0]: bad[1]}
        return Item(tuple(vals.items()), (), shared_junk=True)
    vals = {"lat": draw(NOT_A_NUMBER), "lon": f"{lon:.4f}", "z": str(z)}
    return Item(tuple(vals.items()), (), shared_junk=True)


@st.composite
def version_item(draw):
    if draw(st.booleans()):
        return Item((("v", "1"),))
    junk = draw(
        st.one_of(st.sampled_from(["0", "2", "-1", "1.0", "01", "v1", "", "1,1"]), ANY_TEXT).filter(
            lambda s: s.strip() != "1"
        )
    )
    return Item((("v", junk),), (), shared_junk=True)


def _cost_number_text(draw, name):
    _label, _unit, lo, hi, whole = costs.LIMITS[name]
    if whole:
        n = draw(st.integers(int(lo), int(hi)))
        return str(n), n
    cents = draw(st.integers(int(lo * 100), int(hi * 100)))
    return f"{cents / 100:.2f}", cents / 100


@st.composite
def cost_item(draw, key):
    kind = draw(st.sampled_from(["valid", "valid", "junk", "too_long"]))
    if key == "rates":
        if kind == "valid":
            r = draw(st.sampled_from(RATES))
            return Item((("rates", r),), (("cost:rates", r),))
        junk = draw(st.one_of(ANY_TEXT, CONTROL).filter(lambda s: s.strip() not in RATES))
    elif key == "wspa":
        if kind == "valid":
            n = draw(st.integers(1, 8))
            return Item((("wspa", str(n)),), (("cost:wspa", n),))
        junk = draw(st.one_of(NOT_A_NUMBER, st.sampled_from(["0", "9", "99", "-1", "1.0", "1e0"])))
    else:
        name = COST_NUMBER_KEYS[key][1]
        _label, _unit, _lo, hi, whole = costs.LIMITS[name]
        if kind == "valid":
            text, value = _cost_number_text(draw, name)
            return Item(((key, text),), ((f"cost:{key}", value),))
        junk_options = [
            NOT_A_NUMBER,
            st.sampled_from(["nan", "inf", "-inf", "1e999", "0x10", "1,000", " ", "", "--1", "1..2"]),
            st.floats(min_value=-1e12, max_value=-0.01).map(lambda x: f"{x:.2f}"),
            st.floats(min_value=hi + 1, max_value=hi * 1000 + 10).map(lambda x: f"{x:.2f}"),
        ]
        if whole:
            junk_options.append(st.integers(0, 100).map(lambda n: f"{n}.5"))
        junk = draw(st.one_of(*junk_options))
    if kind == "too_long":
        junk = "1" + "0" * 60
    return Item(((key, junk),), (), cost_junk=True)


UNKNOWN_KEY = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30),
    st.sampled_from(
        [
            "POP",
            "Pop",
            "pop ",
            " v",
            "cond[]",
            "utm_source",
            "__proto__",
            "constructor",
            "<script>alert(1)</script>",
            "q\x00",
            "spa.1",
            "x" * 5000,
        ]
    ),
).filter(lambda k: k not in KNOWN_KEYS and k.lower() not in STREAMLIT_RESERVED)


@st.composite
def unknown_item(draw):
    key = draw(UNKNOWN_KEY)
    value = draw(st.one_of(ANY_TEXT, HUGE, st.lists(ANY_TEXT, min_size=2, max_size=3)))
    return Item(((key, value),), (), shared_junk=True)


ITEM_STRATEGIES = {
    **{p: group_item(p) for p in GROUP_PARAMS.values()},
    "spa": area_item("spa"),
    "sd": area_item("sd"),
    "q": query_item(),
    "unk": scalar_item("unk", {"1": True, "0": False, "true": True, "false": False}, "unknown"),
    "dsh": scalar_item("dsh", {"1": True, "0": False}, "state_hospital"),
    "memo": scalar_item("memo", {"1": True, "0": False}, "memo"),
    "measure": scalar_item("measure", {"sites": "sites", "beds": "beds"}, "measure"),
    "level": scalar_item("level", {"spa": "spa", "sd": "sd"}, "level"),
    "gmap": scalar_item("gmap", {"miles": "miles", "reach": "reach"}, "gmap"),
    "miles": scalar_item("miles", {str(m): m for m in MILES}, "miles"),
    "mins": scalar_item("mins", {str(m): m for m in MINUTES}, "minutes"),
    "view": view_item(),
    "v": version_item(),
    **{k: cost_item(k) for k in sorted(COST_KEYS)},
}


SHARED_ITEMS = sorted(k for k in ITEM_STRATEGIES if k not in COST_KEYS)


@st.composite
def links(draw, names=tuple(SHARED_ITEMS), unknown_keys=True, valid_only=False):
    """A link: a handful of the named settings (each valid or junk), maybe unknown keys."""
    chosen = draw(st.lists(st.sampled_from(sorted(names)), max_size=8, unique=True))
    items = [draw(ITEM_STRATEGIES[n]) for n in chosen]
    if unknown_keys:
        items += draw(st.lists(unknown_item(), max_size=2))
    if valid_only:
        items = [it for it in items if not (it.shared_junk or it.cost_junk)]
    draw(st.randoms()).shuffle(items)
    return items


# --------------------------------------------------------------------------- the check


def _same_number(a, b) -> bool:
    return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)


def check_page(page: str, params: dict, exp: Expected, built) -> AppTest:
    at = open_to_end(page, params)

    # ---- notices: shown when something was ignored, short, never echoing long input
    infos = [i.value for i in at.info]
    shared = [t for t in infos if SHARED_NOTICE in t]
    cost_notes = [t for t in infos if COST_NOTICE in t]
    assert bool(shared) == exp.shared_junk, (infos, params)
    if page == "compare":
        assert bool(cost_notes) == exp.cost_junk, (infos, params)
    else:
        assert not cost_notes
    for text in shared + cost_notes:
        lines = text.count("\n- ")  # at most 8 named, the rest counted on one more line
        assert len(text) < 2_000 and lines <= 9 and (lines <= 8 or "more settings that could not" in text), (
            text
        )
        for k, v in params.items():
            for s in [k, *(v if isinstance(v, list) else [v])]:
                if len(s) > 60:
                    assert s[:60] not in text, "a long link value is echoed in the notice"

    # ---- state: valid settings applied, junk ones back at their defaults.  The address bar
    # is written from the session's state after the run, so it shows the state the page
    # used; it must also be a clean link (no unknown key, nothing a decoder would reject).
    final = dict(at.query_params)
    assert set(final) <= KNOWN_KEYS, final
    state, notices = link.decode(final)
    assert notices == [], (final, notices)
    for gid in GROUP_PARAMS:
        assert list(state.selected(gid)) == exp.groups[gid], (gid, final, params)
    assert list(state.spa) == exp.spa and list(state.sd) == exp.sd, (final, params)
    assert state.query == " ".join(exp.query.split())[:100], (final, params)
    assert state.include_unknown == exp.unknown
    assert state.state_hospital == exp.state_hospital and state.memo == exp.memo
    assert state.miles == exp.miles and state.minutes == exp.minutes
    assert state.measure == exp.measure and state.level == exp.level and state.gmap == exp.gmap
    if exp.view is None:
        assert state.zoom is None, final
    else:
        assert (state.lat, state.lon, state.zoom) == pytest.approx(exp.view), final
    if page == "map" and not state.memo:  # the headline counts the sites of that state
        idx = _index(built)
        want = filters.match(idx, state).count
        assert count(metric(at, "Matching sites")) == want
    if page == "compare":
        a, cost_notices = link.decode_costs(final, built.benchmarks)
        assert cost_notices == [], (final, cost_notices)
        d = prices.default_assumptions(built.benchmarks, exp.costs.get("rates", "national"))
        assert a.rates == exp.costs.get("rates", "national")
        # With one SPA in the sidebar and none chosen in the link, the what-if takes it.
        follows = exp.spa[0] if len(exp.spa) == 1 else None
        assert a.scenario.area == exp.costs.get("wspa", follows)
        for key, (part, name) in COST_NUMBER_KEYS.items():
            want = exp.costs.get(key, getattr(getattr(d, part), name))
            got = getattr(getattr(a, part), name)
            assert _same_number(got, want), (key, got, want, params)
    return at


_INDEX = {}


def _index(built):
    if built.id not in _INDEX:
        _INDEX[built.id] = filters.FlagIndex.build(built.facilities)
    return _INDEX[built.id]


# --------------------------------------------------------------------------- generated links


def _settings(n):
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


def test_generated_links_with_junk_in_the_shared_settings(built):
    @_settings(EXAMPLES)
    @given(items=links())
    def check(items):
        params, exp = build_link(items)
        check_page("map", params, exp, built)

    check()


def test_generated_links_with_junk_in_the_cost_inputs(built):
    @_settings(EXAMPLES)
    @given(items=links(names=(*sorted(COST_KEYS), "pop", "spa"), unknown_keys=False))
    def check(items):
        params, exp = build_link(items)
        check_page("compare", params, exp, built)

    check()


@pytest.mark.parametrize("page", PAGES)
def test_generated_valid_links_are_applied_on_every_page(page, built):
    @_settings(VALID_EXAMPLES)
    @given(items=links(unknown_keys=False, valid_only=True))
    def check(items):
        params, exp = build_link(items)
        check_page(page, params, exp, built)

    check()


# --------------------------------------------------------------------------- hand-picked links


def _huge(n=10_240):
    return "children," * (n // 9)


NASTY = {
    "repeated group key": (
        {"pop": ["children", "seniors"], "set": ["outpatient", "outpatient"]},
        [Item((), (("group:population", ["children", "seniors"]), ("group:setting", ["outpatient"])))],
    ),
    "repeated version and scalar keys": (
        {"v": ["1", "1"], "measure": ["beds", "sites"], "miles": ["5", "10"]},
        [Item((), (), shared_junk=True)],
    ),
    "10 kB value in every filter key": (
        {k: _huge() for k in sorted(FILTER_KEYS)},
        [Item((), (), shared_junk=True)],
    ),
    "10 kB key": (
        {"k" * 10_240: "1", "pop": "children"},
        [Item((), (("group:population", ["children"]),), shared_junk=True)],
    ),
    "500 unknown keys": ({f"x{i}": str(i) for i in range(500)}, [Item((), (), shared_junk=True)]),
    "unicode, RTL override and zero-width in values": (
        {
            "pop": "\u202echildren",
            "q": "\u202e\u200bDidi\u00a0Hirsch\u200f",
            "lang": "español",
            "sd": "\U0001f600",
        },
        [Item((), (("query", "\u202e\u200bDidi Hirsch\u200f"),), shared_junk=True)],
    ),
    "NUL and control characters": (
        {"q": "a\x00b\x1b[31mc", "cond": "smi\x00", "\x00": "\x00", "unk": "\x01"},
        [Item((), (("query", "a\x00b\x1b[31mc"),), shared_junk=True)],
    ),
    "markup and script in keys and values": (
        {
            "<img src=x onerror=alert(1)>": "1",
            "q": "<script>alert(1)</script>",
            "measure": '"><svg onload=alert(1)>',
            "[click me](https://evil.example)": "1",
            "cond": "![x](https://evil.example/p.png)",
        },
        [Item((), (("query", "<script>alert(1)</script>"),), shared_junk=True)],
    ),
    "version 0 with valid settings": (
        {"v": "0", "pop": "children", "miles": "10"},
        [Item((), (("group:population", ["children"]), ("miles", 10)), shared_junk=True)],
    ),
    "version 2 with valid settings": (
        {"v": "2", "set": "inpatient", "level": "sd"},
        [Item((), (("group:setting", ["inpatient"]), ("level", "sd")), shared_junk=True)],
    ),
    "future version with unknown keys of its own": (
        {"v": "2", "filters": "eyJwb3AiOiJjaGlsZHJlbiJ9", "page": "compare", "theme": "dark"},
        [Item((), (), shared_junk=True)],
    ),
    "empty values": (
        {"pop": "", "spa": "", "q": "", "v": "", "unk": "", "los": ""},
        [Item((), (), shared_junk=True, cost_junk=True)],
    ),
    "only commas": ({"pop": ",,,", "spa": " , ,"}, [Item(())]),
    "numbers in odd forms": (
        {"miles": "1e309", "z": "1e9", "lat": "NaN", "lon": "-Infinity", "spa": "0x1"},
        [Item((), (), shared_junk=True)],
    ),
    "cost keys with junk": (
        {
            "los": "-5",
            "perdiem": "abc",
            "adj": "1e999",
            "eval": "nan",
            "evalp": "0x10",
            "ind": "1,000",
            "indp": "inf",
            "grp": "--1",
            "grpp": "9" * 60,
            "fam": "1e-400x",
            "famp": "\x00",
            "med": "\u0663",
            "medp": "<b>1</b>",
            "divert": "1.5",
            "sites": "-0.5",
            "beds": "1e6",
            "rates": "NATIONAL ",
            "wspa": "08a",
        },
        [Item((), (), cost_junk=True)],
    ),
    "cost keys repeated": (
        {"los": ["14", "15"], "rates": ["national", "la_locality"], "wspa": ["3", "4"]},
        [Item((), (), cost_junk=True)],
    ),
    "cost keys at their limits": (
        {
            "los": "365",
            "perdiem": "50000",
            "adj": "0",
            "eval": "0",
            "ind": "0",
            "grp": "0",
            "fam": "0",
            "med": "0",
            "divert": "1000000",
            "sites": "10000",
            "beds": "100000",
            "wspa": "8",
            "rates": "la_locality",
        },
        [
            Item(
                (),
                (
                    ("cost:los", 365),
                    ("cost:perdiem", 50000),
                    ("cost:adj", 0),
                    ("cost:eval", 0),
                    ("cost:ind", 0),
                    ("cost:grp", 0),
                    ("cost:fam", 0),
                    ("cost:med", 0),
                    ("cost:divert", 1_000_000),
                    ("cost:sites", 10_000),
                    ("cost:beds", 100_000),
                    ("cost:wspa", 8),
                    ("cost:rates", "la_locality"),
                ),
            )
        ],
    ),
    "map view at the edges and beyond": (
        {"lat": "35.5", "lon": "-117.0", "z": "18"},
        [Item((), (("view", (35.5, -117.0, 18)),))],
    ),
    "map view partly missing": ({"lat": "34.05", "z": "11"}, [Item((), (), shared_junk=True)]),
    "every group with every value": (
        {p: ",".join(IDS[p]) for p in GROUP_PARAMS.values()},
        [Item((), tuple((f"group:{g}", list(IDS[p])) for g, p in GROUP_PARAMS.items()))],
    ),
}


COST_CASES = {name for name, (params, _) in NASTY.items() if set(params) <= COST_KEYS | {"pop", "spa"}}


@pytest.mark.parametrize("name", list(NASTY))
def test_hand_picked_nasty_links(name, built):
    """Shared-setting junk on the map page; cost-input junk on the cost page."""
    params, items = NASTY[name]
    exp = Expected()
    for it in items:
        it.apply(exp)
    check_page("compare" if name in COST_CASES else "map", params, exp, built)


def test_generators_cover_every_parameter_of_the_scheme():
    """Every URL key in the README table has a generator (so a new key gets one too)."""
    covered = set(ITEM_STRATEGIES) - {"view"} | {"lat", "lon", "z"}
    assert covered == KNOWN_KEYS == link.KEYS


def test_a_link_with_many_bad_settings_names_or_counts_every_one():
    params = {f"zz{i}": "1" for i in range(10)}  # ten unknown settings
    at = open_link("map", params)
    notice = " ".join(i.value for i in at.info)
    assert notice.count("Ignored an unknown link setting") == 8
    assert "… and 2 more settings that could not be used." in notice
