"""What the maps' colours and symbols mean: the site symbols (kind -> colour and shape),
the area colour classes (breaks, colours, legend rows) and the distance classes — pure
functions, shared by the Map and Gaps pages and the memo image."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.vocab import Kind

# Okabe-Ito colours (colour-blind safe); the symbol shape carries the same information.
KINDS = {
    k: (k.label, colour, shape)
    for k, colour, shape in (
        (Kind.OUTPATIENT, "#0072B2", "circle"),
        (Kind.INPATIENT, "#D55E00", "square"),
        (Kind.RESIDENTIAL_DAY, "#009E73", "triangle"),
        (Kind.OTHER, "#CC79A7", "plus"),
        (Kind.UNKNOWN, "#6B6B6B", "diamond"),
    )
}


# Viridis, 5 classes (colour-blind safe, monotone in lightness).
VIRIDIS5 = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")


NO_DATA = "#d9d9d9"


def symbol_svg(kind: str, approximate: bool = False, size: int = 16) -> str:
    """The marker symbol as inline SVG (also used for the legend)."""
    _label, colour, shape = KINDS.get(kind, KINDS[Kind.UNKNOWN])
    fill, dash = ("#ffffff", ' stroke-dasharray="2,1.5"') if approximate else (colour, "")
    s, h = size, size / 2
    stroke = f'stroke="{colour if approximate else "#1A1A1A"}" stroke-width="1.6"{dash}'
    if shape == "circle":
        body = f'<circle cx="{h}" cy="{h}" r="{h - 1.5}" fill="{fill}" {stroke}/>'
    elif shape == "square":
        body = f'<rect x="1.5" y="1.5" width="{s - 3}" height="{s - 3}" fill="{fill}" {stroke}/>'
    elif shape == "triangle":
        body = f'<polygon points="{h},1.5 {s - 1.5},{s - 1.5} 1.5,{s - 1.5}" fill="{fill}" {stroke}/>'
    elif shape == "plus":
        a, b = s * 0.34, s * 0.66
        pts = (
            f"{a},1 {b},1 {b},{a} {s - 1},{a} {s - 1},{b} {b},{b} {b},{s - 1} {a},{s - 1} "
            f"{a},{b} 1,{b} 1,{a} {a},{a}"
        )
        body = f'<polygon points="{pts}" fill="{fill}" {stroke}/>'
    else:
        body = f'<polygon points="{h},1 {s - 1},{h} {h},{s - 1} 1,{h}" fill="{fill}" {stroke}/>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{s}" height="{s}" '
        f'viewBox="0 0 {s} {s}" aria-hidden="true">{body}</svg>'
    )


def class_breaks(values: np.ndarray, n: int = 5) -> list[float]:
    """Upper bounds of up to ``n`` quantile classes of the finite values (rounded, unique)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return []
    qs = np.quantile(v, np.linspace(0, 1, n + 1)[1:])
    out = []
    for q in qs:
        r = float(np.round(q, 1))
        if not out or r > out[-1]:
            out.append(r)
    if out[-1] < v.max():
        out[-1] = float(np.ceil(v.max() * 10) / 10)
    return out


def colour_for(value: float, breaks: list[float]) -> str:
    if value is None or not np.isfinite(value) or not breaks:
        return NO_DATA
    for i, b in enumerate(breaks):
        if value <= b:
            return VIRIDIS5[round(i * (len(VIRIDIS5) - 1) / max(len(breaks) - 1, 1))]
    return VIRIDIS5[-1]


# The marker cluster's bubble, for the legend (markercluster draws it in the map).
CLUSTER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">'
    '<circle cx="9" cy="9" r="8" fill="#6ecc39" stroke="#1A1A1A" stroke-width="0.8"/>'
    '<text x="9" y="12.5" font-size="9" font-family="sans-serif" text-anchor="middle">12</text></svg>'
)


CLUSTER_LABEL = "numbered bubble: that many sites close together (click or zoom in)"


UNSELECTED = "#ffffff"  # areas outside the sidebar's area selection: white, dashed outline


def legend_classes(breaks: list[float], *, unselected: bool = False) -> list[tuple[str, str]]:
    """(colour, label) per class, for the legend beside the map."""
    out, lo = [], 0.0
    for b in breaks:
        out.append((colour_for(b, breaks), f"{lo:.1f} – {b:.1f}"))
        lo = b
    out.append((NO_DATA, "no residents in the denominator"))
    if unselected:
        out.append((UNSELECTED, "outside the selected areas"))
    return out


def legend_html(rows: list[tuple[str, str]]) -> str:
    """Legend rows (a colour or one of the app's SVG symbols, then a label): the app's own
    text only, so it may be HTML."""
    out = []
    for swatch, label in rows:
        if swatch.startswith("<"):
            out.append(f'<div style="margin:2px 0">{swatch} {html.escape(label)}</div>')
        else:
            border = "1px dashed #6B6B6B" if swatch == UNSELECTED else "1px solid #333"
            out.append(
                f'<div style="margin:2px 0"><span style="display:inline-block;width:14px;height:14px;'
                f'background:{swatch};border:{border};margin-right:6px;vertical-align:middle"></span>'
                f"{html.escape(label)}</div>"
            )
    return "".join(out)


# Miles to the nearest matching site, by tract: upper bounds of the classes, then one more
# class for tracts beyond the last bound or with no matching site at all.
DISTANCE_BINS = (1, 2, 5, 10, 20)


DISTANCE_COLOURS = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154", "#000000")  # viridis, then black


DISTANCE_LABELS = ("≤ 1", "1 – 2", "2 – 5", "5 – 10", "10 – 20", "> 20 or no site")


def distance_classes(miles) -> np.ndarray:
    """Class of each distance (index into DISTANCE_COLOURS): the first bound it does not
    exceed; beyond 20 miles, or no matching site (inf / NaN), the last class."""
    m = np.asarray(miles, dtype=float)
    out = np.searchsorted(DISTANCE_BINS, m, side="left")
    out[~np.isfinite(m)] = len(DISTANCE_BINS)
    return out


def distance_legend() -> list[tuple[str, str]]:
    return list(zip(DISTANCE_COLOURS, DISTANCE_LABELS, strict=True))


@dataclass(frozen=True)
class TractShading:
    """How the tract map colours one measure: per tract (GEOID index) a value and a class
    indexing ``palette``; the legend's rows; the tooltip's unit and its text for no value."""

    values: pd.Series
    classes: pd.Series
    palette: tuple[str, ...]
    legend: list[tuple[str, str]]
    title: str
    unit: str
    none: str


def distance_shading(miles: pd.Series) -> TractShading:
    """Miles to the nearest matching site: fixed bands, farther darker, no site black."""
    return TractShading(
        values=miles,
        classes=pd.Series(distance_classes(miles), index=miles.index),
        palette=DISTANCE_COLOURS,
        legend=distance_legend(),
        title="Miles to nearest site",
        unit=" mi",
        none="no matching site",
    )


def reach_shading(reach: pd.Series, residents: pd.Series, miles: int) -> TractShading:
    """Sites per 100k within reach (2SFCA): none within reach black, then five quantile
    classes of the rest (less darker), tracts without residents grey."""
    v = reach.to_numpy(dtype=float)
    has = residents.reindex(reach.index).fillna(0).to_numpy() > 0
    breaks = class_breaks(v[has & (v > 0)])
    cls = np.where(v > 0, 1 + np.searchsorted(breaks, v, side="left").clip(0, max(len(breaks) - 1, 0)), 0)
    cls = np.where(has, cls, len(breaks) + 1)
    rows, lo = [("#000000", f"none within {miles} mi")], 0.0
    for k, b in enumerate(breaks):  # the top class open-ended: a tract of few residents
        last = k == len(breaks) - 1 and k > 0  # beside a site can reach thousands per 100k
        rows.append((VIRIDIS5[k], f"more than {lo:.1f}" if last else f"{lo:.1f} – {b:.1f}"))
        lo = b
    rows.append((NO_DATA, "no residents in the denominator"))
    return TractShading(
        values=reach.where(pd.Series(has, index=reach.index)),
        classes=pd.Series(cls, index=reach.index),
        palette=("#000000", *VIRIDIS5[: len(breaks)], NO_DATA),
        legend=rows,
        title=f"Sites per 100k within {miles} mi",
        unit=" per 100k within reach",
        none="no residents",
    )
