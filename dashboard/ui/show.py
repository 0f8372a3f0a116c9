"""Streamlit helpers the pages share: notes beside counts, tables, downloads, the memo
layout's parts, the charts' toolbar and the print style."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import registry
from dashboard.analysis.filters import FilterState
from dashboard.render import tables
from dashboard.ui import urlstate
from dashboard.ui.context import Data

_PAGE_CSS = """
.lamh-share { display: flex; gap: 0.4rem; align-items: center; }
.lamh-share-link { flex: 1; min-width: 0; font: 0.8rem/1.4 ui-monospace, Menlo, Consolas, monospace;
  padding: 0.3rem 0.4rem; border: 1px solid #8c959f; border-radius: 0.3rem; background: #fff;
  color: #1A1A1A; }
.lamh-share-copy { font: inherit; font-size: 0.85rem; padding: 0.3rem 0.6rem; border: 1px solid #0072B2;
  border-radius: 0.3rem; background: #fff; color: #0072B2; cursor: pointer; }
.lamh-share-copy:focus-visible, .lamh-share-link:focus-visible {
  outline: 2px solid #0072B2; outline-offset: 1px; }
.lamh-table-wrap { overflow-x: auto; max-width: 100%; }
.lamh-table { border-collapse: collapse; font-size: 0.875rem; width: auto; max-width: 100%; }
.lamh-table th, .lamh-table td { padding: 0.25rem 0.5rem; border-bottom: 1px solid #d5d9e0; text-align: left;
  vertical-align: top; }
.lamh-table th { font-weight: 600; border-bottom: 2px solid #8c959f; }
.lamh-table td.num, .lamh-table th.num { text-align: right; font-variant-numeric: tabular-nums; }
.lamh-table td.num { white-space: nowrap; }
/* the filters' pills show their whole label and count, wrapping a long label */
[data-testid="stSidebar"] [data-testid="stButtonGroup"] button { max-width: 100%; height: auto; }
[data-testid="stSidebar"] [data-testid="stButtonGroup"] button * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stStatusWidget"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stDownloadButton"], [data-testid="stElementToolbar"],
  .lamh-screen-only { display: none !important; }
  [data-testid="stMain"], [data-testid="stAppViewContainer"] { margin: 0 !important; padding: 0 !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  [data-testid="stTable"] table, .lamh-table { font-size: 10px; }
  .lamh-table th, .lamh-table td { padding: 1px 4px; }
  [data-testid="stVerticalBlock"] { gap: 0.4rem !important; }
  h1 { font-size: 22px !important; } h2, h3 { font-size: 15px !important; break-after: avoid; }
  /* Charts and rows of figures stay whole; a long table breaks between rows, its header
     repeated on every page (a table kept whole would leave most of a page blank). */
  [data-testid="stPlotlyChart"], [data-testid="stTable"],
  [data-testid="stHorizontalBlock"] { break-inside: avoid; }
  .lamh-table tr { break-inside: avoid; }
  .lamh-table thead { display: table-header-group; }
  .lamh-table-wrap { overflow: visible !important; }
  @page { size: letter portrait; margin: 12mm; }
}
@media (max-width: 640px) {
  h1 { font-size: 1.75rem !important; }
  [data-testid="stMetricValue"] { font-size: 1.6rem !important; }
}
"""


def page_style() -> None:
    """The pages' own styles: the share box, plain tables, and print rules (no sidebar, header
    or controls; charts and tables whole)."""
    st.html(f"<style>{_PAGE_CSS}</style>")


def unknown_note(n: int, state: FilterState, where: str, what: str = "sites") -> None:
    """How many more sites might match, wherever a filtered count is, by one rule on every
    page: the sites ``where`` the page counts (the selected areas on the Map and Cost pages,
    the whole county where Gaps measures distances) that pass every filter except one whose
    attribute is unknown for them."""
    if not n:
        return
    if state.include_unknown:
        st.info(
            f"**{n:,} of these {what} have unknown attributes** ({where}): they come from "
            f"locations-only sources ({registry.cite('samhsa_locator', 'lms_211')}) that code no "
            "services, populations or payment, so they may not match.",
            icon=":material/help:",
        )
    else:
        st.warning(
            f"**{n:,} more {what} might match** {where} but are not counted: they pass every "
            "other filter, and their attributes are unknown (locations-only sources: "
            f"{registry.cite('samhsa_locator', 'lms_211')}). Tick 'Include sites whose attributes "
            "are unknown' in the sidebar to count them.",
            icon=":material/help:",
        )


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


# A memo chart's width in CSS pixels: a Letter page (8.5 in at 96 px/in) less the 12 mm print
# margins is 725 px, so the chart prints whole, legend included, at any window width.
MEMO_CHART_WIDTH = 700


def chart(fig, memo: bool, filename: str) -> None:
    """A plotly chart: as wide as its column on screen; in the memo layout a fixed width that
    fits the printed page (a copy is sized: the figure may be shared)."""
    if memo:
        fig = go.Figure(fig).update_layout(width=MEMO_CHART_WIDTH)
        st.plotly_chart(fig, width="content", config=chart_config(filename))
    else:
        st.plotly_chart(fig, width="stretch", config=chart_config(filename))


def chart_config(filename: str) -> dict:
    """Plotly's toolbar: the camera icon saves the chart as a PNG named for the page."""
    return {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2}}


def download_notes(what: str, sources: str, page_path: str, data: Data) -> list[str]:
    """The lines under a CSV's table: what it is, the sources with vintages, the link."""
    return [
        what,
        f"Sources: {sources}",
        f"Data built {data.snap.built_on}",
        f"View: {urlstate.share_link(page_path)}",
    ]


def download(
    label: str, frame: pd.DataFrame | Callable[[], pd.DataFrame], notes: list[str], name: str, data: Data
) -> None:
    """The table as a CSV (data only) and as an Excel workbook with the notes beside it (an
    "About" sheet: what it is, filters, link, sources, build date), each built only when
    clicked, from ``frame`` or what it returns; file names say page, table and date."""
    table = frame if callable(frame) else (lambda: frame)
    stem = f"la-mh-{name}-{data.snap.built_date}"
    csv_col, xlsx_col = st.columns(2)
    csv_col.download_button(
        f"{label} (CSV)",
        lambda: tables.csv_bytes(table()),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"dl_{name}",
        on_click="ignore",
    )
    xlsx_col.download_button(
        f"{label} (Excel, with notes)",
        lambda: tables.xlsx_bytes(table(), notes),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dlx_{name}",
        on_click="ignore",
    )


def memo_header(page_path: str, data: Data) -> None:
    st.markdown(
        f"**{datetime.date.today():%d %B %Y}** · data built {data.snap.built_on} · this view: "
        f"`{urlstate.share_link(page_path)}`"
    )


def figure_caption(state: FilterState, page_path: str, data: Data, sources: str) -> str:
    """The line a saved map image carries: the view, the date, the sources, the link."""
    return (
        f"Showing {state.describe()}. {datetime.date.today():%d %B %Y}; data built "
        f"{data.snap.built_on}. Sources: {sources}. View: {urlstate.share_link(page_path)}"
    )


def memo_footer(sources: str) -> None:
    st.markdown(
        f"**Sources** (with vintages): {sources}. Full list, licences and methods: Data & methods page."
    )


def memo_figures(rows: list[tuple[str, str, str]], county: list[str] | None = None) -> None:
    """The headline figures as a table that prints whole: figure, value, what it is out of,
    and (with an area selected) the whole county's value beside each."""
    frame = pd.DataFrame(rows, columns=["Figure", "Value", "Denominator and source"])
    if county is not None:
        frame.insert(2, "Los Angeles County", county)
    st.html(tables.html_table(frame))


SHORT = 20  # rows: a table this short is a plain table on screen too


def table(frame: pd.DataFrame, memo: bool, what: str = "areas", rows: int | None = None) -> None:
    """A table as the layout wants it: in the memo layout, or when it is short, a plain
    table shown whole (the first ``rows``, default all); on screen a longer one is a
    sortable grid with the page's number formats.  (A grid costs the browser ~0.2 s each
    time it is redrawn, on every change of the filters; a short plain table almost nothing.)"""
    if memo or len(frame) <= SHORT:
        memo_table(frame, what, rows=len(frame) if rows is None else rows)
    else:
        st.dataframe(frame, hide_index=True, width="stretch", column_config=number_formats(frame))


def on_demand(label: str, key: str):
    """A folded section whose content runs only while it is open (``.open``): for a large
    grid that would otherwise be redrawn on every change of the filters."""
    return st.expander(label, key=key, on_change="rerun")


MEMO_ROWS = 15


def memo_table(frame: pd.DataFrame, what: str, rows: int = MEMO_ROWS) -> None:
    """A plain table shown whole (no scroll box, prints whole), figures formatted as on
    screen: the first ``rows`` rows, and a line saying how many more the CSV holds."""
    st.html(tables.html_table(frame.head(rows)))
    if len(frame) > rows:
        st.caption(f"The first {rows} of {len(frame):,} {what}; the CSV download has them all.")
