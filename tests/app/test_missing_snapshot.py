"""A copy of the dashboard without a usable snapshot says what is missing and how to fix it.

The committed data/snapshot/ is what every hosted copy serves.  If it is missing, incomplete
or damaged, each page shows a visible error (not a collapsed box), names what is missing,
and gives the exact command that fixes it: rebuilding when the raw sources are present,
restoring it from the repository (or fetching the sources) when they are not.
"""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import config
from tests.app.conftest import APP


def open_app(page: str = "map") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if page != "map":
        at.switch_page(f"../pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    return "\n".join(
        [e.value for e in at.error] + [m.value for m in at.markdown] + [c.value for c in at.code]
    )


@pytest.fixture
def copy_of_snapshot(tmp_path, monkeypatch):
    folder = tmp_path / "snapshot"
    shutil.copytree(config.data_dir(), folder)
    monkeypatch.setenv("LAMH_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def no_raw(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMH_RAW_DIR", str(tmp_path / "no-raw-here"))


@pytest.mark.parametrize("page", ["map", "gaps"])
def test_no_snapshot_and_no_raw_sources_says_how_to_restore_it(page, tmp_path, monkeypatch, no_raw):
    monkeypatch.setenv("LAMH_DATA_DIR", str(tmp_path / "nothing"))
    at = open_app(page)
    text = shown(at)
    assert "has no data to show" in at.error[0].value
    assert "manifest.json" in text and "facilities.parquet" in text
    assert "git checkout -- data/snapshot" in text
    assert f"{config.FETCH_COMMAND}\n{config.BUILD_COMMAND}" in text
    assert not at.metric and not at.dataframe, "nothing else may render"


def test_missing_table_with_raw_sources_present_says_to_rebuild(copy_of_snapshot):
    """The real raw sources are beside the repository here: the fix is one build."""
    (copy_of_snapshot / "tracts.parquet").unlink()
    at = open_app()
    text = shown(at)
    assert "`tracts.parquet` is missing" in text
    assert config.BUILD_COMMAND in [c.value for c in at.code]
    assert "git checkout" not in text


def test_damaged_table_is_named_not_a_traceback(copy_of_snapshot, no_raw):
    path = copy_of_snapshot / "facilities.parquet"
    path.write_bytes(path.read_bytes()[:1000])
    at = open_app("data")
    text = shown(at)
    assert "cannot be read" in text and "facilities.parquet" in text
    assert "Traceback" not in text


def test_junk_manifest(copy_of_snapshot, no_raw):
    (copy_of_snapshot / "manifest.json").write_text("{not json")
    at = open_app("compare")
    assert "cannot be read" in shown(at)
