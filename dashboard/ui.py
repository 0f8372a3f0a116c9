"""The only core module that touches Streamlit: cached loading, the shared sidebar
filters, URL <-> state syncing, notices and small display helpers.

State lives in ``st.session_state`` under the widget keys below; the URL is derived from it
after every run (``sync_url``) and seeds it once, when a session opens a link.  Options are
stable value ids, so labels can carry live counts without changing the link.
"""

from __future__ import annotations

import gc
import re
import urllib.parse
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import config, registry, snapshot, taxonomy
from dashboard.analysis import costs, filters
from dashboard.analysis.filters import FilterState, FlagIndex
from dashboard.errors import SnapshotError
from dashboard.render import maps, tables

# Session-state keys of the shared view state (widget keys).  Each taxonomy value is one
# checkbox: a checkbox keeps its value when its label's live count changes (a multiselect
# would not: it carries its selection as label text, so a changed count drops it).


def value_key(group_id: str, value_id: str) -> str:
    return f"f_{group_id}__{value_id}"


K_SPA, K_SD, K_QUERY, K_UNKNOWN, K_MILES = "f_spa", "f_sd", "f_query", "f_unknown", "f_miles"
K_MEASURE, K_LEVEL = "v_measure", "v_level"
K_VIEW = "v_map_view"  # (lat, lon, zoom) after the user pans; not a widget
K_SEEDED, K_NOTICES, K_CTX = "_seeded", "_notices", "_ctx"
K_LINK, K_PAGE_PARAMS = "_link_params", "_page_params"


@dataclass
class Data:
    """The snapshot plus what every rerun needs, prepared once and shared read-only."""

    bundle: snapshot.Snapshot
    idx: FlagIndex
    source_titles: dict[str, str]
    view: pd.DataFrame  # display table of every facility, aligned with bundle.facilities
    map_data: maps.MapData  # popup data of every facility, aligned likewise
    geo_urls: dict[str, str | None]  # area polygons as cached static files ("spa", "sd", "tracts")


@st.cache_resource(show_spinner=False, max_entries=2)
def _load(folder: str, stamp: str) -> Data:
    """One shared, read-only copy of the snapshot per server process (frames are never
    mutated); ``stamp`` changes when a new snapshot is written."""
    snap = snapshot.read(folder)
    titles = {k: v["title"] for k, v in snap.manifest["sources"].items()}
    fac = snap.facilities
    data = Data(
        bundle=snap,
        idx=FlagIndex.build(fac),
        source_titles=titles,
        view=tables.facility_view(fac, titles),
        map_data=maps.prepare(fac, titles),
        geo_urls={k: maps.publish_geometry(g) for k, g in snap.geojson.items()},
    )
    # The snapshot lives as long as the process: keep its objects out of every later garbage
    # collection (a full collection over them stalled reruns by hundreds of ms at x100).
    gc.collect()
    gc.freeze()
    return data


def load_data() -> Data:
    """The committed snapshot (data/snapshot/).  When it is missing or unreadable the page
    says so in plain words, with the command that fixes it, and stops."""
    folder = config.data_dir()
    try:
        return _load(str(folder), snapshot.stamp(folder))
    except SnapshotError as exc:
        _fail_page(exc)
        raise  # unreachable: _fail_page stops the script


def _fail_page(exc: SnapshotError) -> None:
    st.error("**This copy of the dashboard has no data to show.**", icon=":material/error:")
    if len(exc.missing) == len(snapshot.files()):
        st.markdown(
            f"The folder `{exc.folder}` that should hold the processed snapshot is "
            f"missing or empty (it should hold {', '.join(f'`{m}`' for m in exc.missing)})."
        )
    elif exc.missing:
        st.markdown(
            f"The processed snapshot in `{exc.folder}` is incomplete: "
            f"{', '.join(f'`{m}`' for m in exc.missing)} "
            f"{'is' if len(exc.missing) == 1 else 'are'} missing."
        )
    else:
        st.markdown(f"The processed snapshot in `{exc.folder}` cannot be read.")
        st.code(exc.detail, language=None, wrap_lines=True)
    raw = config.raw_dir()
    if config.is_complete_raw(raw):
        st.markdown(f"**To fix it**, rebuild the snapshot from the raw sources found in `{raw}`:")
        st.code(config.BUILD_COMMAND, language="bash")
    else:
        st.markdown("**To fix it**, restore the snapshot that ships with the code:")
        st.code("git checkout -- data/snapshot", language="bash")
        st.markdown("or download the raw public sources and rebuild it (needs the network):")
        st.code(f"{config.FETCH_COMMAND}\n{config.BUILD_COMMAND}", language="bash")
    st.markdown("Then reload this page.")
    st.stop()


def built_on(data: Data) -> str:
    return data.bundle.built_on


def static_serving_check() -> None:
    """Maps load Leaflet from dashboard/static/: without static serving they stay blank."""
    if not st.get_option("server.enableStaticServing"):
        st.warning(
            "Static file serving is off, so maps cannot load: run the dashboard from the "
            "repository's root folder (which holds `.streamlit/config.toml`), or pass "
            "`--server.enableStaticServing true`.",
            icon=":material/map:",
        )


# --------------------------------------------------------------------------- state


def _seed_from_url() -> None:
    """Once per session: the link's parameters become the initial widget values."""
    if st.session_state.get(K_SEEDED):
        return
    st.session_state[K_SEEDED] = True
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    state, notices = filters.decode(params, known_extra=costs.PARAM_KEYS)
    for g in taxonomy.GROUPS:
        for v in g.values:
            st.session_state[value_key(g.id, v.id)] = v.id in state.selected(g.id)
    st.session_state[K_SPA] = list(state.spa)
    st.session_state[K_SD] = list(state.sd)
    st.session_state[K_QUERY] = state.query
    st.session_state[K_UNKNOWN] = state.include_unknown
    st.session_state[K_MILES] = state.miles
    st.session_state[K_MEASURE] = state.measure
    st.session_state[K_LEVEL] = state.level
    if state.zoom is not None:
        st.session_state[K_VIEW] = (state.lat, state.lon, state.zoom)
    st.session_state[K_LINK] = {k: filters.one_value(v) for k, v in params.items() if k in costs.PARAM_KEYS}
    st.session_state[K_NOTICES] = notices


def link_params() -> dict[str, str]:
    """Parameters of the opening link that belong to a page (e.g. cost assumptions)."""
    return dict(st.session_state.get(K_LINK, {}))


def set_page_params(params: dict[str, str]) -> None:
    """A page's own view state (beyond the shared filters), kept in the link."""
    st.session_state[K_PAGE_PARAMS] = dict(params)


def current_state() -> FilterState:
    ss = st.session_state
    view = ss.get(K_VIEW)
    return FilterState(
        **{g.id: tuple(v.id for v in g.values if ss.get(value_key(g.id, v.id))) for g in taxonomy.GROUPS},
        spa=tuple(sorted(int(x) for x in ss.get(K_SPA) or ())),
        sd=tuple(sorted(int(x) for x in ss.get(K_SD) or ())),
        query=" ".join(str(ss.get(K_QUERY) or "").split())[: filters.MAX_QUERY_LENGTH],
        include_unknown=bool(ss.get(K_UNKNOWN, False)),
        measure=ss.get(K_MEASURE, filters.DEFAULT.measure),
        level=ss.get(K_LEVEL, filters.DEFAULT.level),
        miles=int(ss.get(K_MILES, filters.DEFAULT_MILES)),
        lat=view[0] if view else None,
        lon=view[1] if view else None,
        zoom=view[2] if view else None,
    )


def url_params(state: FilterState) -> dict[str, str]:
    params = filters.encode(state)
    extra = st.session_state.get(K_PAGE_PARAMS, {})
    if extra:
        params = {"v": str(filters.URL_VERSION), **params, **extra}
    return params


def sync_url() -> None:
    """Write the current view state into the address bar (only when it changed)."""
    params = url_params(current_state())
    now = {k: st.query_params.get_all(k) for k in st.query_params}
    if {k: [v] for k, v in params.items()} != now:
        st.query_params.from_dict(params)


def share_link(state: FilterState) -> str:
    base = st.context.url or ""
    query = urllib.parse.urlencode(url_params(state))
    return f"{base}?{query}" if query else base


def show_notices() -> None:
    notices = st.session_state.pop(K_NOTICES, None)
    if notices:
        notice_box("Some settings in the link could not be used and were reset to defaults:", notices)


def notice_box(headline: str, notices: list[str]) -> None:
    """Notices about a link: their text comes from the link, so it is shown literally."""
    st.info(headline + "\n\n" + "\n".join(f"- {text(n)}" for n in notices[:8]), icon=":material/link_off:")


# --------------------------------------------------------------------------- sidebar


def _reset() -> None:
    for g in taxonomy.GROUPS:
        for v in g.values:
            st.session_state[value_key(g.id, v.id)] = False
    st.session_state[K_SPA] = []
    st.session_state[K_SD] = []
    st.session_state[K_QUERY] = ""
    st.session_state[K_UNKNOWN] = False


def sidebar(data: Data) -> FilterState:
    """The shared filters, defined once for every page.  Returns the resulting state."""
    _seed_from_url()
    idx = data.idx
    areas = data.bundle.areas
    with st.sidebar:
        st.markdown("### Filters")
        state = current_state()
        st.caption(
            f"Showing: {text(state.describe())}. Codes from the "
            f"{registry.cite('samhsa_directory')}; "
            "the count beside each value is the sites it would match with the other "
            "filters."
        )
        for g in taxonomy.GROUPS:
            counts = filters.option_counts(idx, state, g.id)
            with st.expander(g.label, expanded=bool(state.selected(g.id))):
                st.caption(_group_rule(g))
                for v in g.values:
                    st.checkbox(
                        f"{v.label} ({counts[v.id]:,})", key=value_key(g.id, v.id), help=_value_help(v)
                    )
        spa_names = areas[areas["level"] == "spa"].set_index("area")["name"].to_dict()
        st.multiselect(
            "Service Planning Area",
            options=list(filters.SPAS),
            key=K_SPA,
            format_func=lambda a: f"SPA {a} · {spa_names.get(a, '')}",
            placeholder="All SPAs",
            help="LA County SPA boundaries of 2012. Shows sites in any selected SPA.",
        )
        st.multiselect(
            "Supervisorial district",
            options=list(filters.DISTRICTS),
            key=K_SD,
            format_func=lambda d: f"District {d}",
            placeholder="All districts",
            help="Board of Supervisors districts of the 2011 plan (superseded in "
            "2022; the 2021 lines were not available). Shows sites in any selected district.",
        )
        st.text_input(
            "Name contains", key=K_QUERY, max_chars=filters.MAX_QUERY_LENGTH, placeholder="e.g. Didi Hirsch"
        )
        st.checkbox(
            "Include sites whose attributes are unknown",
            key=K_UNKNOWN,
            help="Sites known only from a locations list ("
            f"{registry.cite('samhsa_locator', 'lms_211')}) have no coded services, "
            "populations or payment. With this on, they "
            "are shown when an attribute filter is set, marked as unknown.",
        )
        st.select_slider(
            "Distance threshold (miles)",
            options=list(filters.MILES_CHOICES),
            key=K_MILES,
            help="For 'residents farther than N miles from a matching site' (straight-line distance).",
        )
        st.button("Reset filters", on_click=_reset, type="secondary")
    return current_state()


def _group_rule(g: taxonomy.Group) -> str:
    rule = (
        "A site matches when it offers **all** the checked values."
        if g.mode == taxonomy.ALL
        else "A site matches when it offers **any** of the checked values."
    )
    return rule + (f" {g.note}" if g.note else "")


def _value_help(v: taxonomy.Value) -> str:
    codes = (
        ", ".join(v.codes) if len(v.codes) <= 6 else f"{', '.join(v.codes[:6])} and {len(v.codes) - 6} more"
    )
    where = f"SAMHSA code(s): {codes}" + (f"; licence: {', '.join(v.licences)}" if v.licences else "")
    return where + (f". {v.note}." if v.note else ".")


def share_box(state: FilterState, data: Data) -> None:
    with st.sidebar:
        st.markdown("### Share this view")
        st.caption("Copy the link: it reopens these filters, this page and the chosen measure.")
        st.code(share_link(state), language=None, wrap_lines=True)
        st.caption(f"Tables built {built_on(data)} from the public sources listed under Data & methods.")


# --------------------------------------------------------------------------- context


@dataclass
class PageContext:
    data: Data
    state: FilterState


def set_context(ctx: PageContext) -> None:
    st.session_state[K_CTX] = ctx


def page_context() -> PageContext:
    ctx = st.session_state.get(K_CTX)
    if ctx is None:  # a page run on its own (tests): build the context the same way
        data = load_data()
        ctx = PageContext(data=data, state=sidebar(data))
        set_context(ctx)
    return ctx


# --------------------------------------------------------------------------- display


def fmt_int(n) -> str:
    return "–" if n is None or (isinstance(n, float) and not np.isfinite(n)) else f"{int(n):,}"


def fmt_rate(x, digits: int = 1) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:,.{digits}f}"


def fmt_usd(x, digits: int = 0) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    return f"{'−' if x < 0 else ''}${abs(x):,.{digits}f}"


def fmt_pct(x) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.1%}"


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_AUTOLINK_TRIGGERS = re.compile(r"(?i)(?<=www)|(?<=\\:)|(?<=\\@)")


def text(s) -> str:
    """Outside text (a source's field, a link's parameter) for st.markdown / st.info /
    st.caption, shown exactly as written: every ASCII punctuation character is
    backslash-escaped (no emphasis, link, image, heading or HTML can form), and a zero-width
    space after "www", ":" and "@" stops the renderer turning bare URLs and e-mail addresses
    into links (it does so even when they are escaped)."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(s).split()))
    return _AUTOLINK_TRIGGERS.sub("\u200b", escaped)


def unescape(markdown: str) -> str:
    """What ``text`` shows on screen (for tests and plain-text uses)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def csv_bytes(df: pd.DataFrame, header_lines: list[str]) -> bytes:
    """CSV with a '#'-commented header (filter, vintage, source) and spreadsheet-formula
    injection neutralised (cells starting with = + - @ tab or CR get a leading quote)."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(_defuse)
    head = "".join(f"# {_defuse_line(line)}\n" for line in header_lines)
    return (head + safe.to_csv(index=False)).encode("utf-8")


def _defuse(v):
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def _defuse_line(line: str) -> str:
    return " ".join(str(line).split())


def map_view_from(out: dict | None, initial: tuple | None) -> tuple[float, float, int] | None:
    """(lat, lon, zoom) the user panned/zoomed to, or None while the map still shows the
    view it opened with (so an untouched map adds nothing to the link).  Leaflet snaps the
    centre to whole pixels, so a centre within two pixels of the initial one is unchanged."""
    if not out:
        return None
    c, z = out.get("center"), out.get("zoom")
    try:
        view = (round(float(c["lat"]), 4), round(float(c["lng"]), 4), int(z))
    except (TypeError, KeyError, ValueError):
        return None
    start = initial or (*maps.LA_CENTER, maps.DEFAULT_ZOOM)
    two_pixels = 2 * 360.0 / (256 * 2 ** view[2])
    if (
        view[2] == int(start[2])
        and abs(view[0] - start[0]) <= two_pixels
        and abs(view[1] - start[1]) <= two_pixels
    ):
        return None
    return view
