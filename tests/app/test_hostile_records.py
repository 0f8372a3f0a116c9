"""Hostile facility records on every page (AppTest): no page breaks, downloads are safe.

The browser tests (tests/e2e/test_hostile_data.py) prove that no payload runs and the text
shows literally; these are the fast, browser-less part: with the hostile records in the
build (tests/fixtures/hostile.py), every page runs to its end — for the default view, which
holds all of them, and filtered to each group — and every CSV it offers keeps the text
verbatim with every formula cell defused.
"""

from __future__ import annotations

import csv
import io
import os
import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import config
from tests.app.conftest import count, metric, open_link
from tests.fixtures import hostile
from tests.fixtures.apptext import record_downloads


@pytest.fixture
def downloads(monkeypatch):
    """Every file the pages of this test offered for download (name, mimetype, bytes)."""
    return record_downloads(monkeypatch)


PAGES = ("map", "compare", "gaps", "data")
LAST_DOWNLOAD = {
    "map": "Download area table (CSV)",
    "compare": "Download episode arithmetic (CSV)",
    "gaps": "Download all tracts (CSV)",
    "data": "Records left out, with reasons",
}
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@pytest.fixture(scope="module")
def hostile_env(built, tmp_path_factory):
    """LAMH_DATA_DIR / LAMH_RAW_DIR of a build holding the hostile records (for this module)."""
    raw, data = hostile.build(config.raw_dir(), tmp_path_factory.mktemp("hostile_app"))
    old = {k: os.environ.get(k) for k in ("LAMH_DATA_DIR", "LAMH_RAW_DIR")}
    os.environ.update(LAMH_DATA_DIR=str(data), LAMH_RAW_DIR=str(raw))
    yield data
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def run_page(page: str, params: dict) -> AppTest:
    at = open_link(page, params)
    assert not at.exception, [e.value[:300] for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    assert LAST_DOWNLOAD[page] in labels, f"the {page} page stopped early: {labels}"
    return at


def csv_rows(data: bytes) -> list[list[str]]:
    lines = [ln for ln in data.decode("utf-8").splitlines(keepends=True) if not ln.startswith("#")]
    return list(csv.reader(io.StringIO("".join(lines))))


def assert_defused(name, data: bytes) -> None:
    for row in csv_rows(data):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not NUMBER.match(cell):
                raise AssertionError(f"{name}: formula cell not defused: {cell[:80]!r}")


VIEWS = {
    "all facilities": {},
    "html/js/formula records": {"q": hostile.TAG.lower()},
    "template-syntax records": {"q": hostile.JINJA_TAG.lower()},
}


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_to_its_end_with_hostile_records(page, view, hostile_env, downloads):
    at = run_page(page, VIEWS[view])
    if page == "map" and view != "all facilities":
        n = hostile.COUNT if view.startswith("html") else hostile.JINJA_COUNT
        assert count(metric(at, "Matching sites")) == n
    files = [d for d in downloads if d[1] == "text/csv"]
    assert files
    for name, _mime, data in files:
        assert_defused(name, data)


def test_facility_downloads_keep_the_text_verbatim(hostile_env, downloads):
    run_page("map", {"q": hostile.TAG.lower()})
    run_page("data", {})
    texts = [data.decode("utf-8") for name, _m, data in downloads if name and "facilities" in name]
    assert len(texts) >= 2, [d[0] for d in downloads]
    for text in texts:
        cells = {c for row in csv_rows(text.encode()) for c in row}
        assert hostile.DIRECTORY[0]["name1"] in cells  # markup verbatim, not &lt;img
        assert "'" + hostile.DIRECTORY[2]["name1"] in cells  # the formula, defused
        assert "'" + hostile.FORMULA_PLUS in cells
    all_columns = next(t for t in texts if "description" in csv_rows(t.encode())[0])
    assert "'" + hostile.LMS[0]["description"] in {c for r in csv_rows(all_columns.encode()) for c in r}
