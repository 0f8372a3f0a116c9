"""A failed refresh keeps the last good tables on every page, with a 'data as of' banner.

Setting: a good build is current; then the raw sources break (a copy of the real raw folder,
pointed at by LAMH_RAW_DIR, with one file damaged), so the app's rebuild on the next
session fails.  Every page must still render in full from the last good build, show a
warning that says how old the data are and names the file (and column) at fault, and leave
the good build current on disk.  One case fails while *writing* (disk full after the first
tables): with atomic builds nothing of the half-written build may be served.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import store
from tests.app.conftest import APP, count, metric
from tests.fixtures import rawcopy

PAGES = ("map", "compare", "gaps", "data")
LAST_DOWNLOAD = {"map": "Download area table (CSV)", "compare": "Download episode arithmetic (CSV)",
                 "gaps": "Download all tracts (CSV)", "data": "Records left out, with reasons"}
HCAI = ("hcai", "hcai_facility_list_la_county.csv")
LMS = ("lms_211", "lms_mental_health_points_la_county.csv")
BEDS = ("cdph_beds", "cdph_healthcare_facility_beds_la_county.csv")
LOCATOR = ("samhsa_locator", "samhsa_mh_providers_la_county.csv")
COSTS = ("costs", "benchmarks.csv")
SPA = ("geo", "la_county_spa_2012.geojson")
DIRECTORY = ("samhsa_directory", "samhsa_directory_2024_la_county.csv")
SPA_POP = ("geo", "la_county_spa_population.csv")

# name -> (file, breakage, words the banner must show besides the file name)
BREAKAGES = {
    "truncated mid-record": (HCAI, lambda p: rawcopy.cut_mid_record(p), ["truncated", "column"]),
    "missing file": (LMS, lambda p: p.unlink(), ["missing"]),
    "renamed column": (BEDS, lambda p: rawcopy.rename_column(p, "BED_CAPACITY", "BEDS"),
                       ["column 'BED_CAPACITY'"]),
    "wrong type": (LOCATOR, lambda p: rawcopy.set_cell(p, "latitude", "north"),
                   ["column 'latitude'", "north"]),
    "empty file": (COSTS, lambda p: rawcopy.own(p).write_bytes(b""), ["empty", "care_setting"]),
    "truncated GeoJSON": (SPA, lambda p: rawcopy.cut_bytes(p), ["truncated", "SPA_NUM"]),
    "cut at a record boundary": (DIRECTORY, lambda p: rawcopy.keep_records(p, 40), ["truncated"]),
    "SPA totals cut short": (SPA_POP, lambda p: rawcopy.keep_records(p, 20), ["spa_num"]),
}


def shown(markdown: str) -> str:
    """What a reader sees of an st.warning/st.markdown source: markdown backslash escapes
    and HTML entities resolved (the app escapes source text before it shows it)."""
    unescaped = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)  # CommonMark: any ASCII punctuation
    return html.unescape(unescaped.replace("\u200b", ""))  # zero-width spaces break autolinks


@pytest.fixture
def good_tables(built, tmp_path):
    """A private copy of the session's good build (LAMH_DATA_DIR for this test)."""
    data = tmp_path / "data"
    shutil.copytree(built.path.parent.parent, data,
                    ignore=shutil.ignore_patterns(".build.lock", ".tmp-*"))
    return data


def snapshot(data: Path) -> dict:
    return {str(p.relative_to(data)): p.stat().st_mtime_ns for p in sorted(data.rglob("*"))
            if p.is_file() and p.name != ".build.lock"}


def open_page(page: str, at: AppTest | None = None) -> AppTest:
    if at is None:
        at = AppTest.from_file(APP, default_timeout=120)
    if page != "map":
        at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    assert LAST_DOWNLOAD[page] in labels, f"the {page} page did not render in full: {labels}"
    return at


def banner(at: AppTest) -> str:
    texts = [shown(w.value) for w in at.warning if "Data as of" in shown(w.value)]
    assert len(texts) == 1, f"no 'data as of' banner: {[w.value for w in at.warning]}"
    return texts[0]


def assert_banner(at, built, fname: str, words) -> str:
    text = banner(at)
    when = built.manifest["built_at"][:16].replace("T", " ")
    assert f"Data as of {when}" in text, text
    assert "failed" in text and "last good tables" in text, text
    assert fname in text, text
    for w in words:
        assert w in text, (w, text)
    return text


@pytest.mark.parametrize("case", list(BREAKAGES))
def test_broken_source_keeps_serving_the_last_good_tables(case, built, good_tables, tmp_path,
                                                          monkeypatch):
    (key, fname), breakage, words = BREAKAGES[case]
    raw = rawcopy.linked_copy(Path(built.manifest["fingerprint"]["raw_dir"]), tmp_path / "raw")
    breakage(rawcopy.file_of(raw, key, fname))
    before = snapshot(good_tables)
    monkeypatch.setenv("LAMH_DATA_DIR", str(good_tables))
    monkeypatch.setenv("LAMH_RAW_DIR", str(raw))

    at = open_page("map")
    assert_banner(at, built, fname, words)
    assert count(metric(at, "Matching sites")) == len(built.facilities)
    # The same session on every other page: still the good tables, still the banner.
    for page in PAGES[1:]:
        at = open_page(page, at)
        assert_banner(at, built, fname, words)
    assert any(built.build_id in c.value for c in at.caption)  # Data & methods names the build

    # A new session (another user) also sees the good tables and the banner.
    at2 = open_page("gaps")
    assert_banner(at2, built, fname, words)
    # On disk: the good build is still the one served, untouched, with no leftovers.
    assert store.current_path(good_tables).name == built.build_id
    assert snapshot(good_tables) == before


def test_disk_full_while_writing_serves_nothing_half_written(built, good_tables, tmp_path,
                                                             monkeypatch):
    """The new raw data are fine (and different: fewer LMS sites) but writing the tables
    fails after the first one: the page shows the old facility count, never the new one."""
    raw = rawcopy.linked_copy(Path(built.manifest["fingerprint"]["raw_dir"]), tmp_path / "raw")
    rawcopy.drop_records(rawcopy.file_of(raw, *LMS), 40)
    real = pd.DataFrame.to_parquet
    calls = []

    def disk_full(self, *a, **k):
        calls.append(1)
        if len(calls) >= 2:
            raise OSError(28, "No space left on device")
        return real(self, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", disk_full)
    monkeypatch.setenv("LAMH_DATA_DIR", str(good_tables))
    monkeypatch.setenv("LAMH_RAW_DIR", str(raw))
    at = open_page("map")
    assert calls, "the rebuild never reached the writing step"
    text = banner(at)
    assert "No space left on device" in text
    assert count(metric(at, "Matching sites")) == len(built.facilities)
    at = open_page("data", at)
    assert store.current_path(good_tables).name == built.build_id
    on_disk = store.load(good_tables)
    assert len(on_disk.facilities) == len(built.facilities)
    pd.testing.assert_frame_equal(on_disk.facilities, built.facilities)
    leftovers = [p.name for p in (good_tables / "builds").iterdir() if p.name != built.build_id]
    assert leftovers == []


def test_no_good_tables_at_all_shows_what_went_wrong(built, tmp_path, monkeypatch):
    """Without a last good build there is nothing to serve: a clear error naming the file,
    what to do, and no traceback."""
    raw = rawcopy.linked_copy(Path(built.manifest["fingerprint"]["raw_dir"]), tmp_path / "raw")
    rawcopy.cut_mid_record(rawcopy.file_of(raw, *HCAI))
    monkeypatch.setenv("LAMH_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("LAMH_RAW_DIR", str(raw))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "could not build" in errors
    code = " ".join(c.value for c in at.code)
    assert HCAI[1] in code and "truncated" in code
    assert any("What to do" in m.value for m in at.markdown)


def test_an_unexpected_error_in_the_build_also_keeps_the_last_good_tables(built, good_tables, tmp_path,
                                                                        monkeypatch):
    """Not every failure is a SourceError/BuildError/OSError: a pandas KeyError or
    ValueError on data nobody foresaw (before the SPA-population check, a short SPA file
    gave a bare KeyError) must also leave users on the last good tables, with the banner."""
    from dashboard import pipeline

    raw = rawcopy.linked_copy(Path(built.manifest["fingerprint"]["raw_dir"]), tmp_path / "raw")
    rawcopy.drop_records(rawcopy.file_of(raw, *LMS), 1)  # fresh raw data: a rebuild is due

    def broken(*a, **k):
        raise KeyError("[2, 3, 4] not in index")

    monkeypatch.setattr(pipeline, "area_table", broken)
    monkeypatch.setenv("LAMH_DATA_DIR", str(good_tables))
    monkeypatch.setenv("LAMH_RAW_DIR", str(raw))
    at = open_page("map")
    assert "not in index" in banner(at)
    assert count(metric(at, "Matching sites")) == len(built.facilities)
    assert store.current_path(good_tables).name == built.build_id
