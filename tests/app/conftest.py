"""AppTest fixtures: the committed snapshot the app serves, and an app runner."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import config, snapshot
from dashboard.analysis import filters

APP = str(config.PROJECT_ROOT / "dashboard" / "app.py")


@pytest.fixture(scope="session")
def built():
    """The snapshot every AppTest session serves (data/snapshot/, as a hosted copy does)."""
    return snapshot.read(config.data_dir())


@pytest.fixture(scope="session")
def idx(built):
    return filters.FlagIndex.build(built.facilities)


PAGES = ("map", "compare", "gaps", "data")
# The last element each page draws: its presence proves the page ran to its end.
LAST_DOWNLOAD = {
    "map": "Download area table (Excel, with notes)",
    "compare": "Download episode arithmetic (Excel, with notes)",
    "gaps": "Download all tracts (Excel, with notes)",
    "data": "Records left out, with reasons (Excel, with notes)",
}


def open_to_end(page: str, params: dict | None = None) -> AppTest:
    """open_link, then: no exception, and the page drew its last element."""
    at = open_link(page, params)
    assert not at.exception, [e.value[:300] for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    assert LAST_DOWNLOAD[page] in labels, f"the {page} page stopped early: {labels}"
    return at


def open_link(page: str | None, params: dict | None = None, timeout: float = 60) -> AppTest:
    """A fresh session whose first request is /<page>?<params> (as a shared link opens)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    if page and page != "map":
        at.switch_page(f"../pages/{page}.py")
    return at.run()


@pytest.fixture
def run(built):
    """run(page=None, params) -> AppTest of a session opened on that page and link."""

    def _run(page: str | None = None, params: dict | None = None) -> AppTest:
        at = open_link(page, params)
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _run


def metric(at: AppTest, label_start: str) -> str:
    for m in at.metric:
        if m.label.startswith(label_start):
            return m.value
    raise AssertionError(f"no metric starting {label_start!r}: {[m.label for m in at.metric]}")


def count(text: str) -> int:
    return int(text.replace(",", ""))


def numbers(frame):
    """A plain table as shown (figures formatted as text: "1,234", "12.3", "–") with its
    figures read back as numbers; text columns stay text."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        text = out[col].astype(str).str.replace(",", "", regex=False).str.strip()
        parsed = pd.to_numeric(text.where(text != "–"), errors="coerce")
        if parsed.notna().sum() == (text != "–").sum():
            out[col] = parsed
    return out


def tables_shown(at):
    """Every plain table on the page (the pages draw them as HTML), figures as numbers."""
    return [numbers(t) for h in at.main.get("html") for t in html_tables(h.proto.body)]


def html_tables(markup: str):
    """The tables of ``tables.html_table`` markup as frames of their cell texts."""
    import html
    import re

    import pandas as pd

    out = []
    for table in re.findall(r'<table class="lamh-table">(.*?)</table>', markup, flags=re.S):
        head = [html.unescape(h) for h in re.findall(r"<th\b[^>]*>(.*?)</th>", table, flags=re.S)]
        rows = [
            [html.unescape(c) for c in re.findall(r"<td\b[^>]*>(.*?)</td>", row, flags=re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[-1], flags=re.S)
        ]
        out.append(pd.DataFrame(rows, columns=head))
    return out


def facility_grid(at):
    """The map page's facility table: it is drawn only while its section is open, so open
    it (as a user does) and return the grid."""
    at.session_state["facility_table"] = True
    at.run()
    return at.dataframe[0].value


def all_tables(at):
    """Every table on the page, plain tables (figures as numbers) then grids."""
    return tables_shown(at) + [d.value for d in at.dataframe]


def share_link(at) -> str:
    """The link in the sidebar's share box."""
    import html
    import re

    for h in at.sidebar.get("html"):
        found = re.search(r'class="lamh-share-link"[^>]*value="([^"]*)"', h.proto.body)
        if found:
            return html.unescape(found.group(1))
    raise AssertionError("no share box in the sidebar")


def group_pills(at, group_id: str):
    """A filter group's pills, its folded section opened first (a folded group's pills are
    not drawn), as a user opens it."""
    key = f"f_{group_id}"
    if not any(p.key == key for p in at.pills):
        at.session_state[f"x_{group_id}"] = True
        at.run()
    return at.pills(key=key)
