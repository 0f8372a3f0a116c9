"""What a hosting service sees: a copy of the repository alone, with nothing beside it.

The repository's committed files are copied into an empty folder (no ../shared, no raw
sources, no build outputs), a new virtual environment gets ``pip install -r
requirements.txt`` and nothing else, and the plain ``streamlit run dashboard/app.py``
console script starts the app with a bare environment (no PYTHONPATH, no LAMH_* settings).
A browser that may not reach any other host then opens a deep link as the server's very
first request.  The app's own navigation, the shared filters (seeded from the link), the
page, its map areas and the map page's markers must all appear.

The virtual environment is kept in pytest's cache folder keyed by the requirements file's
hash, so a developer's second run skips the install; CI starts from a clean clone and
builds it every time.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import harness
from tests.harness import REPO_ROOT

PAGES = ["Map", "Inpatient vs outpatient", "Gaps & access", "Data & methods"]


def committed_files() -> list[str]:
    """What a clone would hold: tracked files, plus new files not ignored (work in progress
    on a developer's machine; in CI the two lists are the same)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout
    return [f for f in out.decode().split("\0") if f and (REPO_ROOT / f).is_file()]


@pytest.fixture(scope="module")
def host_venv(request) -> Path:
    """A virtual environment with exactly requirements.txt installed."""
    reqs = (REPO_ROOT / "requirements.txt").read_bytes()
    venv = Path(request.config.cache.mkdir("host-venv")) / hashlib.sha256(reqs).hexdigest()[:12]
    if not (venv / "bin" / "streamlit").is_file():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        proc = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "-r",
                str(REPO_ROOT / "requirements.txt"),
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if proc.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            pytest.fail(f"pip install -r requirements.txt failed:\n{proc.stderr[-3000:]}", pytrace=False)
    return venv


@pytest.fixture(scope="module")
def hosted(host_venv, tmp_path_factory):
    """Base URL of the app served from a bare copy of the repository."""
    clone = tmp_path_factory.mktemp("host") / "repo"
    for f in committed_files():
        (clone / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / f, clone / f)
    assert not (clone.parent / "shared").exists() and not (clone / "data" / "raw").exists()
    server = harness.AppServer(
        None,
        clone,
        command=[str(host_venv / "bin" / "streamlit")],
        clean_env=True,
        log_dir=tmp_path_factory.mktemp("host-logs"),
    )
    try:
        server.start()
    except harness.HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


def test_deep_link_as_first_request_shows_the_app(hosted, page, wait_for_app, map_frame, assert_self_hosted):
    page.goto(f"{hosted.url}/gaps?pop=children&miles=10")
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    nav = sidebar.locator('[data-testid="stPageLink"] a')  # the app's own page links
    expect(nav.first).to_be_visible()
    # each link reads "<icon name>\n\n<title>" and carries the view
    assert [t.splitlines()[-1].strip() for t in nav.all_inner_texts()] == PAGES
    assert all("pop=children" in (h or "") for h in [a.get_attribute("href") for a in nav.all()])
    chosen = harness.filter_value(page, "Population served", "Children and adolescents")
    expect(chosen).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("heading", name="Gaps & access")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]').first).to_contain_text("farther than 10 mi")
    frame = map_frame(page)
    frame.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 2000")
    assert_self_hosted(page)
    assert page.js_errors == []
    assert page.locator('[data-testid="stException"]').count() == 0


def test_map_page_draws_markers_and_areas(hosted, page, wait_for_app, map_frame, assert_self_hosted):
    page.goto(hosted.url)
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("document.querySelectorAll('.lamh-marker, .marker-cluster').length > 10")
    frame.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length >= 8")
    assert_self_hosted(page)
    assert page.js_errors == []
    log = hosted.logs()
    assert "Traceback" not in log, log
