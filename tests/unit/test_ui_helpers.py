"""Pure helpers the pages use: CSV safety, number formats, escaped text, map view logic."""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd

from dashboard.render import mapview, tables, text


def test_csv_holds_data_only_at_each_columns_precision_with_formulas_neutralised():
    df = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)", "\tx", "ok"],
            "n": [1, 2, 3, 4, 5, 6],
            "lat": [34.0439658, 34.1, 33.7, 34.0, 34.2, 34.05],
            "usd": [892.87, 0.1 + 0.2, 12.5, 10.0, 0.0, 123.456789],
            "geoid": ["06037101110"] * 6,
        }
    )
    text = tables.csv_bytes(df).decode()
    lines = text.splitlines()
    assert lines[0] == "name,n,lat,usd,geoid" and len(lines) == 1 + len(df)  # no notes below
    body = pd.read_csv(io.StringIO(text), dtype={"geoid": str})
    assert list(body["name"]) == ['\'=HYPERLINK("http://evil")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "ok"]
    assert list(body["n"]) == [1, 2, 3, 4, 5, 6]  # integers stay integers
    assert body["lat"][0] == 34.043966  # coordinates to 6 decimals (~0.1 m)
    assert list(body["usd"][:2]) == [892.87, 0.3]  # cents kept, binary noise gone
    assert body["geoid"][0] == "06037101110"


def test_the_workbook_holds_the_data_as_typed_cells_and_the_notes_beside_it():
    df = pd.DataFrame(
        {
            "Name": ['=HYPERLINK("http://evil")', "bell\x07name", None],
            "Sites": pd.array([3, 1, None], dtype="Int64"),
            "Rate": [1.25, float("nan"), 3.0],
            "GEOID": ["06037101110", "06037101120", "06037101210"],
            "Open": [True, False, True],
        }
    )
    book = openpyxl.load_workbook(
        io.BytesIO(tables.xlsx_bytes(df, ["Filter: children", "Sources: X (2024)"]))
    )
    data = book["Data"]
    rows = [[c.value for c in r] for r in data.iter_rows()]
    assert rows[0] == ["Name", "Sites", "Rate", "GEOID", "Open"]
    assert rows[1] == ['=HYPERLINK("http://evil")', 3, 1.25, "06037101110", "yes"]
    assert data["A2"].data_type == "s"  # text, not a formula
    assert rows[2][0] == "bell\ufffdname" and rows[2][2] is None  # control character replaced
    assert rows[3][:2] == [None, None]
    assert [r[0].value for r in book["About"].iter_rows()] == ["Filter: children", "Sources: X (2024)"]


def test_formatting():
    assert text.fmt_int(1234567) == "1,234,567" and text.fmt_int(float("nan")) == "–"
    assert text.fmt_rate(2.345) == "2.3" and text.fmt_pct(0.1234) == "12.3%"
    assert text.fmt_usd(-704218.4) == "−$704,218" and text.fmt_usd(5) == "$5"


def test_the_bed_note_says_which_beds_are_county_run_and_where_the_state_hospital_is():
    note = text.beds_note(3331, 1004, True, county_beds=166, county_rate=1.615)
    assert note.startswith("3,331 licensed acute psychiatric beds (CDPH")
    assert ", 166 of them in county-run hospitals (1.6 per 100k), including the state forensic" in note
    assert "county-run" not in text.beds_note(40, 0, False)


def shown(markdown: str) -> str:
    """What a markdown renderer shows of escaped text (backslash escapes and zero-width
    spaces resolved)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def test_text_escapes_markdown_and_html():
    assert text.escape_markdown("<b>*x*</b> [a](b)") == "\\<b\\>\\*x\\*\\<\\/b\\> \\[a\\]\\(b\\)"
    # Bare URLs and addresses: a zero-width space stops autolinking; what shows is unchanged.
    for raw in ("see https://evil.example now", "mail a@b.example", "www.evil.example", "mailto:x"):
        escaped = text.escape_markdown(raw)
        assert "\u200b" in escaped and shown(escaped) == raw
    # Ordinary text copies without invisible characters.
    for raw in ("population served: Children; district 2", 'name contains "a: b @ c"', "10:30"):
        assert "\u200b" not in text.escape_markdown(raw) and shown(text.escape_markdown(raw)) == raw


def test_moved_to_reports_only_moves_of_the_user():
    framed = (33.9451, -118.3162, 10)
    out = {"center": {"lat": 34.1, "lng": -118.2}, "zoom": 11}
    assert mapview.moved_to(out, framed) == (34.1, -118.2, 11)
    # The view asked for (within Leaflet's pixel snapping) is no move.
    assert mapview.moved_to({"center": {"lat": 33.94512, "lng": -118.31623}, "zoom": 10}, framed) is None
    # The map's first report, before it moved to the framed view, is no move either.
    assert mapview.moved_to({"center": {"lat": 34.26, "lng": -118.3}, "zoom": 9}, framed) is None
    # Nor is the view the previous run asked for, reported after the page asked for another.
    county = (34.26, -118.3, 9)
    assert (
        mapview.moved_to({"center": {"lat": 33.9451, "lng": -118.3162}, "zoom": 10}, county, framed) is None
    )
    assert mapview.moved_to(None, framed) is None
    assert mapview.moved_to({"center": None, "zoom": "x"}, framed) is None


def test_map_move_only_when_the_map_does_not_show_the_view_asked_for():
    county, framed = mapview.COUNTY_VIEW, (33.9451, -118.3162, 10)
    assert mapview.move(county, None, None) is None  # drawn there: no move, no extra rerun
    assert mapview.move(framed, None, None) == framed
    assert mapview.move(framed, (33.94512, -118.31621, 10), framed) is None  # shows it already
    # Asked for again after the user moved away: streamlit-folium ignores a value it was
    # given last time, so the view is nudged (Leaflet snaps the hair back).
    again = mapview.move(framed, (34.2, -118.5, 12), framed)
    assert again != framed and mapview.same_view(again, framed)


def test_plain_tables_escape_text_and_format_figures_as_the_pages_do():
    df = pd.DataFrame(
        {
            "Area": [7, 8],
            "Name": ['<img src=x onerror="alert(1)">', "Plain & simple"],
            "Sites": [1234, 5],
            "Rate": [2.345, float("nan")],
        }
    )
    markup = tables.html_table(df)
    assert "<img" not in markup and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in markup
    assert "Plain &amp; simple" in markup
    assert "<td>7</td>" in markup  # an area id, not a count: no separator, aligned as text
    assert '<td class="num">1,234</td>' in markup and '<td class="num">2.3</td>' in markup
    assert '<td class="num">–</td>' in markup  # no figure: a dash, not "nan"
    assert markup.count("<tr>") == 3 and markup.count('<th scope="col"') == 4
    assert '<th scope="col" class="num">Sites</th>' in markup  # figures' headers right-aligned too
