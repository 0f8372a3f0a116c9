"""Plotly figures built from frames (no streamlit import).  Okabe-Ito colours, with bar
patterns so no series is told apart by colour alone."""

from __future__ import annotations

import html
import textwrap

import pandas as pd
import plotly.graph_objects as go

BLUE, VERMILLION, GREEN, ORANGE, PURPLE, GREY = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#E69F00",
    "#CC79A7",
    "#6B6B6B",
)
FONT = dict(family="sans-serif", size=13, color="#1A1A1A")


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        font=FONT,
        margin=dict(l=10, r=10, t=60, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0),
        plot_bgcolor="white",
        paper_bgcolor="white",
        bargap=0.25,
    )
    fig.update_xaxes(gridcolor="#E5E5E5", zeroline=True, zerolinecolor="#999999")
    # Dark text on every axis, legend and title (the page theme's grey ticks were ~3.7:1 on
    # white; WCAG AA asks 4.5:1).
    ink = "#1A1A1A"
    fig.update_xaxes(tickfont_color=ink, title_font_color=ink)
    fig.update_yaxes(tickfont_color=ink, title_font_color=ink)
    fig.update_layout(legend_font_color=ink, title_font_color=ink)
    return fig


def availability_figures(
    table: pd.DataFrame,
    band=None,
    denominator_label: str = "residents",
    beds_note: str = "Licensed (not staffed)",
    miles: int | None = None,
) -> tuple[go.Figure, go.Figure]:
    """Two charts with the same rows (one per area): sites per 100k by setting, and licensed
    beds per 100k residents against the benchmark band, ``beds_note`` under its title (with
    ``miles``, beds within that many miles as a marker beside each bar).  Two figures rather
    than two panels of one, so a phone shows them one above the other with their titles
    apart.  ``table`` columns: name, outpatient_per_100k, day_per_100k, residential_per_100k,
    beds_per_100k (and beds_reach_per_100k with ``miles``)."""
    y = table["name"]
    height = 140 + 42 * len(table)
    sites = go.Figure()
    for col, label, colour, pattern in (
        ("outpatient_per_100k", "Outpatient", BLUE, ""),
        ("day_per_100k", "Partial hospitalization / day treatment", GREEN, "/"),
        ("residential_per_100k", "Residential", ORANGE, "."),
    ):
        sites.add_trace(
            go.Bar(
                x=table[col],
                y=y,
                orientation="h",
                name=label,
                marker=dict(color=colour, pattern_shape=pattern, line=dict(color="#1A1A1A", width=0.5)),
                hovertemplate="%{y}: %{x:.1f} per 100k<extra>" + label + "</extra>",
            )
        )
    sites.update_layout(
        title=dict(
            text=f"Sites per 100k {denominator_label}",
            font_size=14,
            subtitle_text="Matching sites by care setting",
        )
    )
    beds = go.Figure(
        go.Bar(
            x=table["beds_per_100k"],
            y=y,
            orientation="h",
            name="Inside the area's lines",
            marker=dict(color=VERMILLION, line=dict(color="#1A1A1A", width=0.5)),
            hovertemplate="%{y}: %{x:.1f} beds per 100k inside its lines<extra></extra>",
        )
    )
    # Short titles (a phone's chart is ~360 px wide; plotly does not wrap them), details below.
    title = dict(text="Acute psychiatric beds per 100k residents", font_size=14, subtitle_text=beds_note)
    beds.update_layout(title=title, showlegend=False)
    if miles is not None:
        beds.add_trace(
            go.Scatter(
                x=table["beds_reach_per_100k"],
                y=y,
                mode="markers",
                name=f"Within {miles} mi of its residents (2SFCA)",
                marker=dict(symbol="diamond", size=11, color="#1A1A1A", line=dict(color="white", width=1)),
                hovertemplate="%{y}: %{x:.1f} beds per 100k within " + f"{miles} mi<extra></extra>",
            )
        )
        beds.update_layout(showlegend=True)
    if band is not None:
        beds.add_vrect(
            x0=band.low,
            x1=band.high,
            fillcolor=GREY,
            opacity=0.15,
            line_width=0,
            annotation_text=f"{band.low:g}–{band.high:g} target band",
            annotation_position="top left",
            annotation_font_size=11,
        )
    for fig in (sites, beds):
        fig.update_yaxes(autorange="reversed")
        _layout(fig, height + 60)
        # the title on top, the legend below the bars: the two never overlap
        fig.update_layout(
            margin=dict(l=10, r=10, t=70, b=90),
            legend=dict(orientation="h", yanchor="top", y=-0.12, x=0, xanchor="left"),
        )
    return sites, beds


def episode_figure(lines: pd.DataFrame) -> go.Figure:
    """Stacked bars: one bar per setting, one segment per cost line."""
    fig = go.Figure()
    palette = [BLUE, GREEN, ORANGE, PURPLE, GREY]  # vermillion is kept for inpatient days
    patterns = ["/", ".", "x", "-", "+"]
    order = {"inpatient": "Inpatient episode", "outpatient": "Outpatient episode"}
    for i, (label, sub) in enumerate(lines.groupby("label", sort=False)):
        inpatient = label == "Inpatient days"
        colour = VERMILLION if inpatient else palette[i % len(palette)]
        fig.add_trace(
            go.Bar(
                x=sub["subtotal"],
                y=sub["setting"].map(order),
                orientation="h",
                name=label,
                marker=dict(
                    color=colour,
                    pattern_shape="" if inpatient else patterns[i % len(patterns)],
                    line=dict(color="#1A1A1A", width=0.5),
                ),
                hovertemplate="%{y}, " + label + ": $%{x:,.2f}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", xaxis_title="USD per episode")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, 260)


# Plotly symbols for the map's facility kinds (same shapes as the interactive map).
KIND_SYMBOLS = {
    "circle": "circle",
    "square": "square",
    "triangle": "triangle-up",
    "plus": "cross",
    "diamond": "diamond",
}


def _rings(geometry: dict):
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for poly in polys:
        yield poly[0]  # outer ring; holes are not needed at this scale


def memo_map(
    geojson: dict,
    fills: dict,
    classes: list[tuple[str, str]],
    labels: list,
    points: pd.DataFrame,
    kinds: dict,
    title: str,
    bounds: tuple | None = None,
    caption: str | None = None,
    outline: dict | None = None,
) -> go.Figure:
    """The map as a static figure for memos and print (and a PNG from the chart's toolbar,
    which carries ``caption`` below the map: the view, the date and the sources):
    area fills by id, their labels ([lat, lon, name, value]), the legend's colour classes,
    and the facilities (columns lat, lon, kind, approximate) with the map's shapes.  No
    base map: nothing is fetched from other hosts.  ``outline`` (level -> (polygons, area
    ids)) draws the selected areas' lines on top, as the live map does."""
    fig = go.Figure()
    _add_areas(fig, geojson, fills)
    _add_legend_classes(fig, classes, title)
    for geo, ids in (outline or {}).values():
        _add_outline(fig, geo, ids)
    _add_sites(fig, points, kinds)
    for lat, lon, name, value in labels:
        fig.add_annotation(
            x=lon,
            y=lat,
            text=f"<b>{name}</b><br>{value}",
            showarrow=False,
            font=dict(size=10, color="#1A1A1A"),
            bgcolor="rgba(255,255,255,0.7)",
        )
    if bounds is not None:  # (lat_min, lat_max, lon_min, lon_max): frame the selection
        fig.update_xaxes(range=[bounds[2], bounds[3]])
        fig.update_yaxes(range=[bounds[0], bounds[1]])
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / 0.83)  # cos(34°): no squashing
    n = _add_caption(fig, caption)
    fig.update_layout(
        height=360 + 14 * n,
        margin=dict(l=0, r=0, t=10, b=8 + 14 * n),
        plot_bgcolor="white",
        paper_bgcolor="white",
        font=FONT,
        legend=dict(orientation="v", x=1.0, xanchor="left", y=1, groupclick="toggleitem", font_size=11),
    )
    return fig


def _add_areas(fig: go.Figure, geojson: dict, fills: dict) -> None:
    """Area polygons, one trace per fill colour (thousands of tracts stay light); white
    areas (outside a selection) dashed."""
    rings: dict[str, tuple[list, list]] = {}
    for f in geojson["features"]:
        xs, ys = rings.setdefault(fills.get(f["properties"]["id"], "#d9d9d9"), ([], []))
        for ring in _rings(f["geometry"]):
            xs.extend([*(p[0] for p in ring), None])
            ys.extend([*(p[1] for p in ring), None])
    thin = len(geojson["features"]) > 100
    for colour, (xs, ys) in rings.items():
        dashed = colour == "#ffffff"
        line = dict(
            color="#6B6B6B" if dashed else "#333333",
            width=0.3 if thin else 0.8,
            dash="dash" if dashed else "solid",
        )
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                fill="toself",
                fillcolor=colour,
                mode="lines",
                opacity=0.8,
                line=line,
                hoverinfo="skip",
                showlegend=False,
            )
        )


def _add_outline(fig: go.Figure, geojson: dict, ids) -> None:
    """The selected areas' boundaries as one heavy black line (no fill, no legend entry)."""
    xs, ys = [], []
    for f in geojson["features"]:
        if f["properties"]["id"] in ids:
            for ring in _rings(f["geometry"]):
                xs.extend([*(p[0] for p in ring), None])
                ys.extend([*(p[1] for p in ring), None])
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line=dict(color="#000000", width=2.5),
            hoverinfo="skip",
            showlegend=False,
        )
    )


def _add_legend_classes(fig: go.Figure, classes: list[tuple[str, str]], title: str) -> None:
    """The colour classes as legend entries (no data: the areas carry the colours)."""
    for colour, label in classes:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=label,
                legendgroup="areas",
                legendgrouptitle_text=title,
                marker=dict(symbol="square", size=12, color=colour, line=dict(color="#333", width=1)),
            )
        )


def _add_sites(fig: go.Figure, points: pd.DataFrame, kinds: dict) -> None:
    """The facilities with the map's shapes and colours; approximate locations hollow."""
    for kind, (label, colour, shape) in kinds.items():
        for approx in (False, True):
            sub = points[(points["kind"] == kind) & (points["approximate"] == approx)]
            if sub.empty:
                continue
            marker = dict(
                symbol=KIND_SYMBOLS[shape] + ("-open" if approx else ""),
                size=7,
                color=colour,
                line=dict(color="#1A1A1A", width=0.6),
            )
            fig.add_trace(
                go.Scatter(
                    x=sub["lon"],
                    y=sub["lat"],
                    mode="markers",
                    legendgroup="sites",
                    legendgrouptitle_text="Facilities",
                    name=label.split(" (")[0] + (" — approximate location" if approx else ""),
                    marker=marker,
                    hoverinfo="skip",
                )
            )


def _add_caption(fig: go.Figure, caption: str | None) -> int:
    """The caption below the map (it travels with the PNG); returns its number of lines."""
    lines = caption_lines(caption) if caption else []
    for i, line in enumerate(lines):
        fig.add_annotation(
            text=line,
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            xanchor="left",
            yanchor="top",
            yshift=-4 - 14 * i,
            showarrow=False,
            align="left",
            font=dict(size=10, color="#1A1A1A"),
        )
    return len(lines)


def caption_lines(caption: str, width: int = 120) -> list[str]:
    """A caption as escaped lines for a figure's annotations (plotly reads tags in them; a
    view's text comes from a link, so it is escaped)."""
    return [html.escape(line) for line in textwrap.wrap(" ".join(caption.split()), width)]
