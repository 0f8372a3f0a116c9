"""Pure helpers of the UI module: CSV safety and number formatting."""

from __future__ import annotations

import io

import pandas as pd

from dashboard import ui


def test_csv_neutralises_spreadsheet_formulas():
    df = pd.DataFrame(
        {"name": ['=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)", "\tx", "ok"], "n": [1, 2, 3, 4, 5, 6]}
    )
    text = ui.csv_bytes(df, ["Filter: =cmd|' /C calc'!A0", "second\nline"]).decode()
    lines = text.splitlines()
    assert lines[0] == "# Filter: =cmd|' /C calc'!A0"  # comment lines start with '#'
    assert lines[1] == "# second line"
    body = pd.read_csv(io.StringIO(text), comment="#")
    assert list(body["name"]) == ['\'=HYPERLINK("http://evil")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "ok"]
    assert list(body["n"]) == [1, 2, 3, 4, 5, 6]  # numbers untouched


def test_formatting():
    assert ui.fmt_int(1234567) == "1,234,567" and ui.fmt_int(float("nan")) == "–"
    assert ui.fmt_rate(2.345) == "2.3" and ui.fmt_pct(0.1234) == "12.3%"
    assert ui.fmt_usd(-704218.4) == "−$704,218" and ui.fmt_usd(5) == "$5"


def test_text_escapes_markdown_and_html():
    assert ui.text("<b>*x*</b> [a](b)") == "\\<b\\>\\*x\\*\\<\\/b\\> \\[a\\]\\(b\\)"
    # Bare URLs and addresses: a zero-width space stops autolinking; what shows is unchanged.
    for raw in ("see https://evil.example now", "mail a@b.example", "www.evil.example"):
        escaped = ui.text(raw)
        assert "\u200b" in escaped and ui.unescape(escaped) == raw
