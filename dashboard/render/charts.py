"""Plotly figures built from frames (no streamlit import).  Okabe-Ito colours, with bar
patterns so no series is told apart by colour alone."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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
    return fig


def availability_figure(table: pd.DataFrame, band=None, denominator_label: str = "residents") -> go.Figure:
    """Sites per 100k by setting (left) next to licensed beds per 100k (right), one row per
    area.  ``table`` columns: name, outpatient_per_100k, day_per_100k, residential_per_100k,
    beds_per_100k, beds_excl_state_per_100k."""
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.06,
        subplot_titles=(
            f"Sites per 100k {denominator_label}",
            "Licensed acute psychiatric beds per 100k residents",
        ),
    )
    y = table["name"]
    for panel, col, label, colour, pattern in (
        (1, "outpatient_per_100k", "Outpatient sites", BLUE, ""),
        (1, "day_per_100k", "Partial hospitalization / day treatment sites", GREEN, "/"),
        (1, "residential_per_100k", "Residential sites", ORANGE, "."),
        (2, "beds_per_100k", "Beds (all licensed)", VERMILLION, ""),
        (2, "beds_excl_state_per_100k", "Beds without DSH-Metropolitan", PURPLE, "x"),
    ):
        fig.add_trace(
            go.Bar(
                x=table[col],
                y=y,
                orientation="h",
                name=label,
                marker=dict(color=colour, pattern_shape=pattern, line=dict(color="#1A1A1A", width=0.5)),
                hovertemplate="%{y}: %{x:.1f} per 100k<extra>" + label + "</extra>",
            ),
            row=1,
            col=panel,
        )
    if band is not None:
        fig.add_vrect(
            x0=band.low,
            x1=band.high,
            row=1,
            col=2,
            fillcolor=GREY,
            opacity=0.15,
            line_width=0,
            annotation_text=f"{band.low:g}–{band.high:g} target band",
            annotation_position="top left",
            annotation_font_size=11,
        )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, 120 + 42 * len(table))


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
