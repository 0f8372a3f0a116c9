"""Display tables (plain labels instead of codes and flags) for the pages and downloads."""

from __future__ import annotations

import html
import io
import re

import numpy as np
import pandas as pd

from dashboard import registry, taxonomy
from dashboard.analysis import costs
from dashboard.vocab import DISTRICT_PLAN, DRIVE_MINUTES, Precision

# Tables on a page show at most this many rows (downloads hold them all).
MAX_ROWS_SHOWN = 2000


def _labels(fac: pd.DataFrame, group_id: str) -> pd.Series:
    g = taxonomy.GROUP_BY_ID[group_id]
    known = fac[taxonomy.flag_column(g.id, g.values[0].id)].notna()
    parts = []
    for v in g.values:
        col = fac[taxonomy.flag_column(g.id, v.id)].fillna(False).astype(bool)
        parts.append(np.where(col, v.label, ""))
    if parts:
        stacked = np.vstack(parts).T
        joined = ["; ".join(x for x in row if x) for row in stacked]
    else:
        joined = [""] * len(fac)
    out = pd.Series(joined, index=fac.index)
    out = out.where(out != "", "none reported")
    return out.where(known, "unknown")


# The columns a page shows (the CSV download keeps every column of facility_view).
# The columns a page shows, the most useful first (a phone shows the first two or three; the
# CSV download keeps every column of facility_view).
PAGE_COLUMNS = [
    "Name",
    "Setting",
    "City",
    "Phone",
    "Address",
    "ZIP",
    "Website",
    "Program",
    "Populations",
    "Services",
    "Payment",
    "Languages",
    "Operated by",
    "Licensed acute psych beds",
    "SPA",
    "Location",
    "As of",
]


def facility_view(fac: pd.DataFrame) -> pd.DataFrame:
    """One row per facility with plain-language columns, aligned with ``fac``'s rows
    (built once per build; a rerun only picks rows by position)."""
    address = fac["street"].fillna("(address not published)") + np.where(
        fac["street2"].notna(), ", " + fac["street2"].fillna(""), ""
    )
    sources = (
        fac["sources"]
        .fillna("")
        .map(
            lambda s: "; ".join(
                registry.SOURCES[x].short if x in registry.SOURCES else x for x in s.split(";") if x
            )
        )
    )
    out = pd.DataFrame(
        {
            "Name": fac["name"],
            "Program": fac["program"].fillna(""),
            "Address": address,
            "City": fac["city"].fillna(""),
            "ZIP": fac["zip"].fillna(""),
            "Phone": fac["phone"].fillna(""),
            "Website": fac["website"].fillna(""),
            "Setting": _labels(fac, "setting"),
            "Licensed acute psych beds": fac["psych_beds"],
            "Services": _labels(fac, "service"),
            "Populations": _labels(fac, "population"),
            "Programs for": _labels(fac, "condition"),
            "Payment": _labels(fac, "payment"),
            "Languages": _labels(fac, "language"),
            "Operated by": _labels(fac, "operator"),
            "SPA": fac["spa_name"].fillna("not located"),
            f"District ({DISTRICT_PLAN})": fac["sd"],
            "Location": fac["location_precision"].map(lambda p: Precision(p).label),
            "Attributes from": fac["attributes"],
            "Sources": sources,
            "As of": fac["as_of"],
            "Earlier listed at": fac["other_addresses"].fillna(""),
            "Site id": fac["site_id"],
        }
    )
    return out.reset_index(drop=True)


def area_view(area_tab: pd.DataFrame, den_label: str, pop_year: str, state) -> pd.DataFrame:
    """The per-area table as shown and downloaded: plain headers, rates rounded to 0.1,
    one column per population (the residents column only when it is not the denominator)."""
    cols = {
        "area": "Area",
        "name": "Name",
        "sites": "Matching sites",
        "unknown_sites": "More that might match (attributes unknown)",
        "population": f"{den_label.capitalize()} ({pop_year})",
        "sites_per_100k": "Sites per 100k",
        "residents": f"All residents ({pop_year})",
        "beds": "Licensed acute psych beds"
        + ("" if state.state_hospital else " (without the state forensic hospital)"),
        "beds_per_100k": "Beds per 100k residents",
    }
    if den_label == "all residents":
        del cols["residents"]
    out = area_tab[list(cols)].rename(columns=cols)
    for c in ("Sites per 100k", "Beds per 100k residents"):
        out[c] = out[c].round(1)
    return out.reset_index(drop=True)


COUNTY_NAME = "Los Angeles County (all areas)"


def county_area_row(head) -> pd.DataFrame:
    """The whole county's figures (a ``metrics.Headline`` without area filters) as one row
    of an area table (area 0), to stand below the selected areas' rows."""
    return pd.DataFrame(
        [
            {
                "area": 0,
                "name": COUNTY_NAME,
                "sites": head.sites,
                "unknown_sites": head.unknown,
                "population": head.population,
                "sites_per_100k": head.sites_per_100k,
                "residents": head.residents,
                "beds": head.beds,
                "beds_per_100k": head.beds_per_100k,
                "selected": True,
            }
        ]
    )


def far_view(summary: pd.DataFrame, den_label: str, miles: int) -> pd.DataFrame:
    """Residents far from care per area, as shown and downloaded (share in per cent, 0.1)."""
    out = pd.DataFrame(
        {
            "Area": summary["area"],
            "Name": summary["name"],
            den_label.capitalize(): summary["residents"].astype(int),
            f"Farther than {miles} mi": summary["residents_far"].astype(int),
            "Share far (%)": (100 * summary["share_far"]).round(1),
            "Tracts": summary["tracts"].astype(int),
            "Tracts far": summary["tracts_far"].astype(int),
        }
    )
    return out.reset_index(drop=True)


def _tract_columns(t: pd.DataFrame, spa_names: pd.Series, den_label: str) -> dict:
    """The columns that say which tract a row is and how many live there."""
    return {
        "Tract (2010 GEOID)": t["geoid"],
        "SPA": t["spa"],
        "SPA name": t["spa"].map(spa_names),
        f"District ({DISTRICT_PLAN})": t["sd"],
        den_label.capitalize(): t["residents"].astype(int),
    }


def tract_view(access: pd.DataFrame, spa_names: pd.Series, den_label: str, miles: int) -> pd.DataFrame:
    """Tracts, most residents far from care first (then the farthest)."""
    t = access.sort_values(["residents_far", "miles_to_nearest"], ascending=False)
    out = pd.DataFrame(
        {
            **_tract_columns(t, spa_names, den_label),
            "Miles to nearest site": t["miles_to_nearest"].round(1),
            f"Farther than {miles} mi": t["far"],
            "Residents far": t["residents_far"].astype(int),
        }
    )
    return out.reset_index(drop=True)


def standard_view(
    summary: pd.DataFrame, names: pd.Series, den_label: str, miles: int, minutes: int
) -> pd.DataFrame:
    """Residents beyond the time-or-distance standard (``miles``, ``minutes``) per area, most
    first."""
    t = summary.sort_values("beyond", ascending=False)
    out = pd.DataFrame(
        {
            "Area": t.index,
            "Name": t.index.map(names),
            den_label.capitalize(): t["residents"].astype(int),
            f"Beyond {miles} mi and {minutes} min": t["beyond"].astype(int),
            "Share beyond (%)": (100 * t["share"]).round(2),
            f"Beyond {miles} mi, no drive time": t["unknown"].astype(int),
        }
    )
    return out.reset_index(drop=True)


def reach_view(summary: pd.DataFrame, den_label: str, miles: int) -> pd.DataFrame:
    """Capacity within reach per area beside the rate inside its lines (least first)."""
    out = pd.DataFrame(
        {
            "Area": summary["area"],
            "Name": summary["name"],
            den_label.capitalize(): summary["residents"].astype(int),
            "Sites per 100k inside the lines": summary["inside"].round(2),
            f"Sites per 100k within {miles} mi (2SFCA)": summary["reach"].round(2),
            "With distance decay (E2SFCA)": summary["reach_decay"].round(2),
            f"Residents with no site within {miles} mi": summary["residents_without"].astype(int),
        }
    )
    return out.reset_index(drop=True)


def reach_tract_view(reach: pd.DataFrame, spa_names: pd.Series, den_label: str, miles: int) -> pd.DataFrame:
    """Tracts, least capacity within reach first (then the most residents)."""
    t = reach[reach["residents"] > 0].sort_values(["reach", "residents"], ascending=[True, False])
    out = pd.DataFrame(
        {
            **_tract_columns(t, spa_names, den_label),
            f"Sites per 100k within {miles} mi (2SFCA)": t["reach"].round(2),
            "With distance decay (E2SFCA)": t["reach_decay"].round(2),
        }
    )
    return out.reset_index(drop=True)


def continuum_view(
    cont: pd.DataFrame, den_label: str, pop_year: str, beds_label: str, miles: int
) -> pd.DataFrame:
    """The availability table as shown and downloaded (rates rounded to 0.1), with beds
    within ``miles`` (Views.continuum) beside the beds inside the lines."""
    cols = {
        "name": "Area",
        "outpatient_sites": "Outpatient sites",
        "outpatient_unknown": "More that might be outpatient (attributes unknown)",
        "day_sites": "Day treatment sites",
        "residential_sites": "Residential sites",
        "population": f"{den_label.capitalize()} ({pop_year})",
        "residents": f"All residents ({pop_year})",
        "beds": beds_label,
        "outpatient_per_100k": "Outpatient per 100k",
        "day_per_100k": "Day treatment per 100k",
        "residential_per_100k": "Residential per 100k",
        "beds_per_100k": "Beds per 100k residents",
        "beds_reach_per_100k": f"Beds per 100k residents within {miles} mi (2SFCA)",
        "beds_reach_decay_per_100k": f"Beds per 100k residents within {miles} mi (E2SFCA)",
    }
    if den_label == "all residents":
        del cols["residents"]
    out = cont[list(cols)].rename(columns=cols)
    for c in out.columns:
        if "per 100k" in c:
            out[c] = out[c].astype(float).round(1)
    return out.reset_index(drop=True)


def drive_view(summary: pd.DataFrame, den_label: str) -> pd.DataFrame:
    """Residents beyond each of the drive-time bands (vocab.DRIVE_MINUTES) per area, as shown
    and downloaded."""
    out = pd.DataFrame(
        {
            "Area": summary["area"],
            "Name": summary["name"],
            den_label.capitalize(): summary["residents"].astype(int),
        }
    )
    for m in DRIVE_MINUTES:
        out[f"Beyond {m} min"] = summary[f"beyond_{m}"].astype(int)
        out[f"Beyond {m} min (%)"] = (100 * summary[f"share_{m}"]).round(1)
    out["Tracts without a value"] = summary["tracts_without_value"].astype(int)
    return out.reset_index(drop=True)


def hpsa_view(hpsa: pd.DataFrame) -> pd.DataFrame:
    """Shortage-area designations, designated first, highest score first."""
    order = hpsa.assign(_d=hpsa["status"] != "Designated").sort_values(
        ["_d", "score"], ascending=[True, False]
    )
    return pd.DataFrame(
        {
            "Area (MSSA)": order["name"],
            "HPSA id": order["hpsa_id"].astype(str),
            "Type": order["type"],
            "Population": order["population_type"],
            "Status": order["status"],
            "Score": order["score"],
            "FTE": order["fte"],
            "Designation population": order["designation_population"],
            "Ratio": order["formal_ratio"].fillna(""),
            "Shortage (FTE)": order["shortage"],
            "Designated": order["designated"],
            "Last update": order["last_update"],
        }
    ).reset_index(drop=True)


# --------------------------------------------------------------------------- downloads


CSV_DECIMALS = 6  # coordinates to ~0.1 m; money keeps its cents; rates as the views round them


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The table as CSV, data only (header first, one row per record: pandas and spreadsheets
    read it as it is), every figure at its own precision (floats only lose binary noise past
    ``CSV_DECIMALS``).  Cells a spreadsheet would run as a formula (starting with = + - @,
    tab or CR) get a leading apostrophe.  The notes travel in the workbook (``xlsx_bytes``)."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(CSV_DECIMALS)
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_defuse)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def xlsx_bytes(df: pd.DataFrame, notes: list[str], title: str = "Data") -> bytes:
    """The table as an Excel workbook: the data sheet (figures as numbers, everything else as
    text — a tract GEOID keeps its leading zero, nothing is ever a formula) and an "About"
    sheet with the notes (what the table shows, the filters, the link, sources with vintages,
    the build date)."""
    from openpyxl import Workbook  # imported when a workbook is asked for, not with every page
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([_xml_text(str(c)) for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for values in df.itertuples(index=False, name=None):
        ws.append([_xlsx_value(v) for v in values])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
    ws.freeze_panes = "A2"
    about = wb.create_sheet("About")
    for note in notes:
        about.append([_xml_text(" ".join(str(note).split()))])
        about.cell(about.max_row, 1).data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# Characters an XML (xlsx) file cannot hold: control characters other than tab, LF, CR.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_text(s: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", s)


def _xlsx_value(v):
    """A cell's value: None for missing, numbers as numbers, the rest as text."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    return _xml_text(str(v))


def _defuse(v):
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


# Columns whose whole numbers are ids or codes, written without thousands separators.
_ID_COLUMNS = ("Area", "SPA")
NUM = ' class="num"'  # a figure's cell or header: right-aligned


def _cell(value, column: str) -> tuple[str, bool]:
    """(text, is a figure) of one cell as every page shows it: counts with thousands
    separators, other figures to one decimal, a dash where there is none."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "–", True
    if isinstance(value, (bool, np.bool_)):
        return ("yes" if value else "no"), False
    if isinstance(value, (int, np.integer)):
        if column in _ID_COLUMNS or "GEOID" in column:  # an id, not a count
            return str(value), False
        return f"{value:,}", True
    if isinstance(value, (float, np.floating)):
        return f"{value:,.1f}", True
    return str(value), False


def html_table(frame: pd.DataFrame) -> str:
    """A short table as plain HTML (every value escaped; figures formatted and right-aligned):
    what the pages show for tables of a few rows, on screen and in print.  A plain table
    costs the browser almost nothing to redraw, where a grid costs ~0.2 s each time."""
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and str(c) not in _ID_COLUMNS for c in frame.columns]
    head = "".join(
        f'<th scope="col"{NUM if num else ""}>{html.escape(str(c))}</th>'
        for c, num in zip(frame.columns, numeric, strict=True)
    )
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(frame.columns, values, strict=True):
            text, figure = _cell(value, str(col))
            cells.append(
                f'<td class="num">{html.escape(text)}</td>' if figure else f"<td>{html.escape(text)}</td>"
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<div class="lamh-table-wrap"><table class="lamh-table">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def assumptions_view(values: dict, basis: dict, area: int | None = None) -> pd.DataFrame:
    """The cost page's inputs as one table (the memo layout prints it instead of the input
    boxes): each input with its value, unit and where the value comes from — the sourced
    or illustrative default, or the user's own value beside the default."""
    rows = []
    for name, value in values.items():
        limit = costs.LIMITS[name]
        shown = costs.fmt_number(value) if value is not None else "not set"
        rows.append(
            {
                "Input": limit.label,
                "Value": shown,
                "Unit": limit.unit,
                "Source": costs.source_of(name, value, basis) if value is not None else "",
            }
        )
    rows.append(
        {
            "Input": "What-if SPA",
            "Value": f"SPA {area}" if area is not None else "none chosen",
            "Unit": "",
            "Source": "Your choice",
        }
    )
    return pd.DataFrame(rows)
