"""The only core module that touches Streamlit: cached loading, the shared sidebar
filters, URL <-> state syncing, notices and small display helpers.

State lives in ``st.session_state`` under the widget keys below; the URL is derived from it
after every run (``sync_url``) and seeds it once, when a session opens a link.  Options are
stable value ids, so labels can carry live counts without changing the link.
"""

from __future__ import annotations

import datetime
import gc
import html
import re
import urllib.parse
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import config, registry, snapshot, taxonomy
from dashboard.analysis import costs, filters, link
from dashboard.analysis.filters import FilterState, FlagIndex
from dashboard.errors import SnapshotError
from dashboard.render import maps, tables

# Session-state keys of the shared view state (widget keys).  Each taxonomy value is one
# checkbox: a checkbox keeps its value when its label's live count changes (a multiselect
# would not: it carries its selection as label text, so a changed count drops it).


def value_key(group_id: str, value_id: str) -> str:
    return f"f_{group_id}__{value_id}"


K_SPA, K_SD, K_QUERY, K_UNKNOWN, K_MILES = "f_spa", "f_sd", "f_query", "f_unknown", "f_miles"
K_DSH, K_MEASURE, K_LEVEL, K_MEMO = "f_dsh", "v_measure", "v_level", "v_memo"
K_VIEW = "v_map_view"  # (lat, lon, zoom) after the user moved the map; not a widget
K_URL = "_url"  # the query parameters of the view on screen (last seeded from or written)
K_NOTICES, K_CTX = "_notices", "_ctx"
K_PAGE_PARAMS, K_PAGE_SEEDED, K_LAST_PAGE = "_page_params", "_page_seeded", "_last_page"


@dataclass
class Data:
    """The snapshot plus what every rerun needs, prepared once and shared read-only."""

    snap: snapshot.Snapshot
    idx: FlagIndex
    source_titles: dict[str, str]
    view: pd.DataFrame  # display table of every facility, aligned with snap.facilities
    map_data: maps.MapData  # popup data of every facility, aligned likewise
    geo_urls: dict[str, str | None]  # area polygons as cached static files ("spa", "sd", "tracts")
    state_hospital_beds: int  # licensed acute psychiatric beds of the state forensic hospital
    label_points: dict  # "spa"/"sd" -> area id -> (lat, lon) of its label on the map


@st.cache_resource(show_spinner=False, max_entries=2)
def _load(folder: str, stamp: str) -> Data:
    """One shared, read-only copy of the snapshot per server process (frames are never
    mutated); ``stamp`` changes when a new snapshot is written."""
    snap = snapshot.read(folder)
    titles = {k: v["title"] for k, v in snap.manifest["sources"].items()}
    fac = snap.facilities
    data = Data(
        snap=snap,
        idx=FlagIndex.build(fac),
        source_titles=titles,
        view=tables.facility_view(fac),
        map_data=_published(maps.prepare(fac, titles)),
        geo_urls={k: maps.publish_geometry(g) for k, g in snap.geojson.items()},
        state_hospital_beds=int(fac.loc[fac["state_hospital"], "psych_beds"].sum()),
        label_points={k: maps.label_points(snap.geojson[k]) for k in ("spa", "sd")},
    )
    # The snapshot lives as long as the process: keep its objects out of every later garbage
    # collection (a full collection over them stalled reruns by hundreds of ms at x100).
    gc.collect()
    gc.freeze()
    return data


def _published(md: maps.MapData) -> maps.MapData:
    return replace(md, url=maps.publish_facilities(md))


@st.cache_resource(show_spinner=False, max_entries=8)
def _cost_defaults(snapshot_id: str, rates: str, _benchmarks: pd.DataFrame) -> costs.Assumptions:
    return costs.default_assumptions(_benchmarks, rates)


def cost_defaults(data: Data, rates: str) -> costs.Assumptions:
    """The sourced default cost inputs for ``rates``: once per snapshot, not on every rerun
    (the look-ups by benchmark id are a tenth of the cost page's run)."""
    return _cost_defaults(data.snap.id, rates, data.snap.benchmarks)


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
    return data.snap.built_on


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


def _query() -> dict[str, str]:
    """The address bar's query parameters (a repeated key joins with commas)."""
    return {k: link.text_of(st.query_params.get_all(k)) for k in st.query_params}


def sync_from_url(page_path: str) -> None:
    """At the start of every run: when the address bar holds another view than the one this
    session last showed (a link just opened, Back or Forward, a page link), the widgets take
    the URL's values.  After a widget change the URL still holds the view it was made from,
    so nothing is reseeded then; ``sync_url`` writes the new view at the end of the run."""
    now = _query()
    ss = st.session_state
    if ss.get(K_URL) == now:
        return
    state, notices = link.decode(now)
    for g in taxonomy.GROUPS:
        for v in g.values:
            ss[value_key(g.id, v.id)] = v.id in state.selected(g.id)
    ss[K_SPA], ss[K_SD], ss[K_QUERY] = list(state.spa), list(state.sd), state.query
    ss[K_UNKNOWN], ss[K_DSH], ss[K_MEMO] = state.include_unknown, state.state_hospital, state.memo
    ss[K_MILES], ss[K_MEASURE], ss[K_LEVEL] = state.miles, state.measure, state.level
    ss[K_VIEW] = (state.lat, state.lon, state.zoom) if state.zoom is not None else None
    page_params = {k: v for k, v in now.items() if k in link.COST_KEYS}
    ss.setdefault(K_PAGE_PARAMS, {})[page_path] = page_params
    ss[K_PAGE_SEEDED] = False  # the page seeds its own inputs from page_link_params()
    ss[K_URL] = now
    if notices:
        ss[K_NOTICES] = notices


def page_link_params(page_path: str) -> dict[str, str]:
    """The current URL's parameters that belong to this page alone (the cost inputs)."""
    return dict(st.session_state.get(K_PAGE_PARAMS, {}).get(page_path, {}))


def page_needs_seeding() -> bool:
    """True once after the URL changed: the page sets its own inputs from the link."""
    if st.session_state.get(K_PAGE_SEEDED):
        return False
    st.session_state[K_PAGE_SEEDED] = True
    return True


def set_page_params(page_path: str, params: dict[str, str]) -> None:
    """A page's own view state beyond the shared filters (the cost page's assumptions): in
    this page's link, and in the navigation link back to it."""
    st.session_state.setdefault(K_PAGE_PARAMS, {})[page_path] = dict(params)


def current_state() -> FilterState:
    ss = st.session_state
    view = ss.get(K_VIEW)
    return FilterState(
        **{g.id: tuple(v.id for v in g.values if ss.get(value_key(g.id, v.id))) for g in taxonomy.GROUPS},
        spa=tuple(sorted(int(x) for x in ss.get(K_SPA) or ())),
        sd=tuple(sorted(int(x) for x in ss.get(K_SD) or ())),
        query=" ".join(str(ss.get(K_QUERY) or "").split())[: filters.MAX_QUERY_LENGTH],
        include_unknown=bool(ss.get(K_UNKNOWN, False)),
        state_hospital=bool(ss.get(K_DSH, False)),
        memo=bool(ss.get(K_MEMO, False)),
        measure=ss.get(K_MEASURE, filters.DEFAULT.measure),
        level=ss.get(K_LEVEL, filters.DEFAULT.level),
        miles=int(ss.get(K_MILES, filters.DEFAULT_MILES)),
        lat=view[0] if view else None,
        lon=view[1] if view else None,
        zoom=view[2] if view else None,
    )


def url_params(page_path: str, state: FilterState | None = None) -> dict[str, str]:
    return link.encode(state or current_state(), page_link_params(page_path))


def sync_url(page_path: str) -> None:
    """At the end of every run: the address bar shows the view on screen (written only when
    it changed, so a rerun adds no history entry; each real change adds one, which Back
    undoes through ``sync_from_url``)."""
    params = url_params(page_path)
    if params != _query():
        st.query_params.from_dict(params)
    st.session_state[K_URL] = params


def share_link(page_path: str) -> str:
    base = st.context.url or ""
    query = urllib.parse.urlencode(url_params(page_path))
    return f"{base}?{query}" if query else base


def show_notices() -> None:
    """Notices about the link just opened.  Always one container, empty or not: an element
    that comes and goes above a page shifts the page's elements, and a shifted map is
    re-mounted (a new iframe, Leaflet and every layer drawn again)."""
    notices = st.session_state.pop(K_NOTICES, None)
    with st.container():
        if notices:
            notice_box("Some settings in the link could not be used and were reset to defaults:", notices)


def notice_box(headline: str, notices: list[str]) -> None:
    """Notices about a link: their text comes from the link, so it is shown literally."""
    st.info(
        headline + "\n\n" + "\n".join(f"- {escape_markdown(n)}" for n in notices[:8]),
        icon=":material/link_off:",
    )


# --------------------------------------------------------------------------- sidebar


def _reset() -> None:
    """Back to the default view: every filter and view setting (not the page's own inputs)."""
    ss = st.session_state
    d = filters.DEFAULT
    for g in taxonomy.GROUPS:
        for v in g.values:
            ss[value_key(g.id, v.id)] = False
    ss[K_SPA], ss[K_SD], ss[K_QUERY] = [], [], ""
    ss[K_UNKNOWN], ss[K_DSH], ss[K_MEMO] = d.include_unknown, d.state_hospital, d.memo
    ss[K_MILES], ss[K_MEASURE], ss[K_LEVEL] = d.miles, d.measure, d.level
    ss[K_VIEW] = None


def _area_changed() -> None:
    """A new area selection: the map frames it (a position the user panned to is dropped)."""
    st.session_state[K_VIEW] = None


_CLOSE_SIDEBAR_ON_PHONE = """<script>
(function () {
  if (!window.matchMedia("(max-width: 640px)").matches) { return; }
  var bar = document.querySelector('[data-testid="stSidebar"]');
  var close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (bar && close && bar.getBoundingClientRect().right > 0) { close.click(); }
})();
</script>"""


def close_sidebar_after_navigation(page_path: str) -> None:
    """On a phone the sidebar covers the page: after a page link was used, close it (as
    Streamlit's own navigation does).  The script is the app's own, no outside text."""
    last = st.session_state.get(K_LAST_PAGE)
    st.session_state[K_LAST_PAGE] = page_path
    with st.container():  # one element either way (see show_notices)
        if last is not None and last != page_path:
            st.html(_CLOSE_SIDEBAR_ON_PHONE, unsafe_allow_javascript=True, width="content")


def navigation(pages: list) -> None:
    """The page links, each carrying the current view, so moving between pages keeps the
    filters in the address bar (one history entry per move, which Back undoes)."""
    state = current_state()
    with st.sidebar:
        for p in pages:
            st.page_link(p, query_params=link.encode(state, page_link_params(p.url_path)))


def sidebar(data: Data) -> FilterState:
    """The shared filters, defined once for every page.  Returns the resulting state."""
    idx = data.idx
    with st.sidebar:
        st.markdown("### Filters")
        state = current_state()
        st.caption(
            f"Showing: {escape_markdown(state.describe())}. "
            f"Codes from the {registry.cite('samhsa_directory')}; "
            "the number beside each value is the sites shown after checking it."
        )
        for g in taxonomy.GROUPS:
            counts = filters.option_counts(idx, state, g.id)
            with st.expander(g.label, expanded=bool(state.selected(g.id))):
                st.caption(_group_rule(g))
                for v in g.values:
                    st.checkbox(
                        f"{v.label} ({counts[v.id]:,})", key=value_key(g.id, v.id), help=_value_help(v)
                    )
        spa_names = data.snap.area_names("spa").to_dict()
        st.multiselect(
            "Service Planning Area",
            options=list(filters.SPAS),
            key=K_SPA,
            format_func=lambda a: f"SPA {a} · {spa_names.get(a, '')}",
            placeholder="All SPAs",
            on_change=_area_changed,
            help="LA County SPA boundaries of 2012. Shows sites in any selected SPA.",
        )
        st.multiselect(
            "Supervisorial district",
            options=list(filters.DISTRICTS),
            key=K_SD,
            format_func=lambda d: f"District {d}",
            placeholder="All districts",
            on_change=_area_changed,
            help=filters.DISTRICT_HELP,
        )
        st.text_input(
            "Name contains", key=K_QUERY, max_chars=filters.MAX_QUERY_LENGTH, placeholder="e.g. Didi Hirsch"
        )
        st.checkbox(
            "Include sites whose attributes are unknown",
            key=K_UNKNOWN,
            help="Sites known only from a locations list ("
            f"{registry.cite('samhsa_locator', 'lms_211')}) have no coded services, "
            "populations or payment. With this on, they are shown when an attribute filter is "
            "set, and counted apart.",
        )
        st.checkbox(
            f"Count the state forensic hospital's beds ({data.state_hospital_beds:,})",
            key=K_DSH,
            help="DSH-Metropolitan (Norwalk, SPA 7) is a state hospital for patients committed "
            "by courts from across California, not capacity for LA residents. Off: bed counts "
            "and rates everywhere leave it out. On: they include it.",
        )
        st.select_slider(
            "Distance threshold (miles)",
            options=list(filters.MILES_CHOICES),
            key=K_MILES,
            help="For 'residents farther than N miles from a matching site' (straight-line distance).",
        )
        st.button("Reset filters and view", on_click=_reset, type="secondary")
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


def share_box(page_path: str, data: Data) -> None:
    with st.sidebar:
        st.markdown("### Share this view")
        st.caption("Copy the link: it reopens this page with these filters and settings.")
        st.code(share_link(page_path), language=None, wrap_lines=True)
        st.toggle(
            "Memo layout (for printing)",
            key=K_MEMO,
            help="The page as a memo: headline figures with their denominators, a map or chart "
            "you can save as an image, the tables in full, sources with vintages, this link "
            "and today's date. Print it from the browser (Ctrl/Cmd + P).",
        )
        st.caption(f"Tables built {built_on(data)} from the public sources listed under Data & methods.")


_PRINT_CSS = """
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stStatusWidget"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stDownloadButton"], [data-testid="stElementToolbar"],
  .lamh-screen-only { display: none !important; }
  [data-testid="stMain"], [data-testid="stAppViewContainer"] { margin: 0 !important; padding: 0 !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  [data-testid="stTable"] table { font-size: 10px; }
  [data-testid="stVerticalBlock"] { gap: 0.4rem !important; }
  h1 { font-size: 22px !important; } h2, h3 { font-size: 15px !important; break-after: avoid; }
  [data-testid="stPlotlyChart"], [data-testid="stTable"] { break-inside: avoid; }
  @page { size: letter portrait; margin: 12mm; }
}
@media (max-width: 640px) {
  h1 { font-size: 1.75rem !important; }
  [data-testid="stMetricValue"] { font-size: 1.6rem !important; }
}
"""


def page_style() -> None:
    """Print rules for every page: no sidebar, header or controls; charts and tables whole."""
    st.html(f"<style>{_PRINT_CSS}</style>")


# --------------------------------------------------------------------------- context


@dataclass
class PageContext:
    data: Data
    state: FilterState
    page_path: str = ""  # the page's url_path ("" for the map, the default page)


def set_context(ctx: PageContext) -> None:
    st.session_state[K_CTX] = ctx


def page_context() -> PageContext:
    """What dashboard/app.py prepared for the page it runs."""
    return st.session_state[K_CTX]


# --------------------------------------------------------------------------- display


def unknown_note(m: filters.Match, state: FilterState) -> None:
    """How many more sites might match: shown wherever a filtered count is, hard to miss."""
    n = int(m.unknown.sum())
    if not n:
        return
    if state.include_unknown:
        st.info(
            f"**{n:,} of these sites have unknown attributes**: they come from locations-only "
            f"sources ({registry.cite('samhsa_locator', 'lms_211')}) that code no services, "
            "populations or payment, so they may not match.",
            icon=":material/help:",
        )
    else:
        st.warning(
            f"**{n:,} more sites might match** but are not counted: their attributes are "
            f"unknown (locations-only sources: {registry.cite('samhsa_locator', 'lms_211')}). "
            "Tick 'Include sites whose attributes are unknown' in the sidebar to count them.",
            icon=":material/help:",
        )


def beds_note(beds: int, state_beds: int, state: FilterState) -> str:
    text_ = f"{beds:,} licensed acute psychiatric beds ({registry.cite('cdph_beds')})"
    if not state_beds:
        return text_
    if state.state_hospital:
        return text_ + f", including the state forensic hospital's {state_beds:,} (switch in the sidebar)"
    return text_ + f"; the state forensic hospital's {state_beds:,} are left out (switch in the sidebar)"


def legend_html(rows: list[tuple[str, str]]) -> str:
    """Legend rows (a colour or one of the app's SVG symbols, then a label): the app's own
    text only, so it may be HTML."""
    out = []
    for swatch, label in rows:
        if swatch.startswith("<"):
            out.append(f'<div style="margin:2px 0">{swatch} {html.escape(label)}</div>')
        else:
            border = "1px dashed #6B6B6B" if swatch == maps.UNSELECTED else "1px solid #333"
            out.append(
                f'<div style="margin:2px 0"><span style="display:inline-block;width:14px;height:14px;'
                f'background:{swatch};border:{border};margin-right:6px;vertical-align:middle"></span>'
                f"{html.escape(label)}</div>"
            )
    return "".join(out)


def number_formats(frame: pd.DataFrame) -> dict:
    """st.dataframe column formats: counts with thousands separators, per cent and rates to
    one decimal (the same figures as the CSV)."""
    out = {}
    for col in frame.columns:
        if col in ("Area", "SPA") or "GEOID" in col or col.startswith("District"):
            continue
        if pd.api.types.is_integer_dtype(frame[col]):
            out[col] = st.column_config.NumberColumn(col, format="localized")
        elif pd.api.types.is_float_dtype(frame[col]):
            out[col] = st.column_config.NumberColumn(col, format="%.1f%%" if "%" in col else "%.1f")
    return out


def chart_config(filename: str) -> dict:
    """Plotly's toolbar: the camera icon saves the chart as a PNG named for the page."""
    return {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2}}


def download_notes(what: str, sources: str, page_path: str, data: Data) -> list[str]:
    """The lines under a CSV's table: what it is, the sources with vintages, the link."""
    return [what, f"Sources: {sources}", f"Data built {built_on(data)}", f"View: {share_link(page_path)}"]


def download(label: str, frame: pd.DataFrame, notes: list[str], name: str, data: Data) -> None:
    """A CSV download (built only when clicked); the file name says page, table and date."""
    st.download_button(
        label,
        lambda: tables.csv_bytes(frame, notes),
        file_name=f"la-mh-{name}-{data.snap.built_date}.csv",
        mime="text/csv",
        key=f"dl_{name}",
        on_click="ignore",
    )


def memo_header(page_path: str, data: Data) -> None:
    st.markdown(
        f"**{datetime.date.today():%d %B %Y}** · data built {built_on(data)} · this view: "
        f"`{share_link(page_path)}`"
    )


def memo_footer(sources: str) -> None:
    st.markdown(
        f"**Sources** (with vintages): {sources}. Full list, licences and methods: Data & methods page."
    )


def memo_figures(rows: list[tuple[str, str, str]]) -> None:
    """The headline figures as a table that prints whole: figure, value, what it is out of."""
    st.table(pd.DataFrame(rows, columns=["Figure", "Value", "Denominator and source"]), hide_index=True)


def table(frame: pd.DataFrame, memo: bool, what: str = "areas", rows: int | None = None) -> None:
    """A table as the layout wants it: on screen a sortable grid with the page's number
    formats; in the memo layout printed whole (the first ``rows``, default all)."""
    if memo:
        memo_table(frame, what, rows=len(frame) if rows is None else rows)
    else:
        st.dataframe(frame, hide_index=True, width="stretch", column_config=number_formats(frame))


MEMO_ROWS = 15


def memo_table(frame: pd.DataFrame, what: str, rows: int = MEMO_ROWS) -> None:
    """A table printed whole (no scroll box), figures formatted as on screen: the first
    ``rows`` rows, and a line saying how many more the CSV holds."""
    shown = frame.head(rows).copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda x: "–" if pd.isna(x) else f"{x:,.1f}")
        elif pd.api.types.is_integer_dtype(shown[col]) and col not in ("Area", "SPA"):
            shown[col] = shown[col].map(lambda x: f"{x:,}")
    st.table(shown, hide_index=True)
    if len(frame) > rows:
        st.caption(f"The first {rows} of {len(frame):,} {what}; the CSV download has them all.")


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
# Where the renderer would turn bare text into a link even when it is escaped: "www.",
# "scheme://", "mailto:" / "xmpp:" and an e-mail address's "@".  A zero-width space there
# (and only there) stops it; ordinary text ("Population served: children") stays plain
# for copying.
_AUTOLINK = re.compile(
    r"(?i)(?<=www)(?=\\\.)|(?<=\\:)(?=\\/\\/)|(?<=mailto\\:)|(?<=xmpp\\:)|(?<=\w\\@)(?=\w)"
)


def escape_markdown(s) -> str:
    """Outside text (a source's field, a link's parameter) for st.markdown / st.info /
    st.caption, shown exactly as written: every ASCII punctuation character is
    backslash-escaped (no emphasis, link, image, heading or HTML can form), and a zero-width
    space goes where a bare URL or e-mail address would otherwise become a link."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(s).split()))
    return _AUTOLINK.sub("\u200b", escaped)


def view_of(out: dict | None) -> tuple | None:
    """(lat, lon, zoom) the map component last reported, or None."""
    try:
        c, z = out["center"], out["zoom"]
        return (round(float(c["lat"]), 4), round(float(c["lng"]), 4), int(z))
    except (TypeError, KeyError, ValueError):
        return None


def same_view(a: tuple, b: tuple) -> bool:
    """Two views alike but for Leaflet's snapping of the centre to whole pixels."""
    two_pixels = 2 * 360.0 / (256 * 2 ** int(a[2]))
    return int(a[2]) == int(b[2]) and abs(a[0] - b[0]) <= two_pixels and abs(a[1] - b[1]) <= two_pixels


COUNTY_VIEW = (*maps.LA_CENTER, maps.DEFAULT_ZOOM)  # where the map is drawn before it moves


def map_view_from(out: dict | None, requested: tuple, previous: tuple | None = None) -> tuple | None:
    """(lat, lon, zoom) the user moved the map to, or None while it shows a view the page
    asked for: ``requested`` (the link's position, the selected areas or the county) or,
    until the map has moved on, ``previous`` (what the last run asked for).

    The map is drawn at the county view and then moved to the requested one, and its reports
    can come before a move: the county view and the previous view are no moves of the user's."""
    view = view_of(out)
    if view is None or any(same_view(view, v) for v in (requested, COUNTY_VIEW, previous) if v):
        return None
    return view


def map_move(requested: tuple, shows: tuple | None, passed: tuple | None) -> tuple | None:
    """What to hand st_folium as (lat, lon, zoom) to show ``requested``: None while the map
    already shows it (``shows``: its last report; before any, the county view it is drawn
    at), which spares the map a move and the page a rerun.  streamlit-folium moves the map
    only when the value differs from the one it was last given (``passed``), so a view asked
    for again after the user moved away is nudged by a hair (Leaflet snaps it back)."""
    if same_view(requested, shows or COUNTY_VIEW):
        return None
    lat, lon, zoom = requested
    if passed is not None and (lat, lon) == tuple(passed[:2]):
        lat += 1e-6
    if passed is not None and zoom == passed[2]:
        zoom += 1e-6
    return (lat, lon, zoom)
