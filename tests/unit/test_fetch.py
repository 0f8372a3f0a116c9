"""``python -m dashboard.ingest fetch`` against a local HTTP server (never the internet)."""

from __future__ import annotations

import dataclasses
import http.server
import io
import time

import pytest

from dashboard import registry
from dashboard.ingest import fetch, pipeline
from tests.fixtures.httpserver import closed_port_url, serve, serve_directory
from tests.fixtures.rawdir import FIXTURE_RAW, copy_raw, rename_column, truncate_csv

FILES = [(s.folder, f.name) for s in registry.SOURCES.values() for f in s.files]
FOLDERS = sorted({s.folder for s in registry.SOURCES.values()})
HCAI = ("hcai_facility_list_2025", "hcai_facility_list_la_county.csv")


def run(base, dest, **kw):
    out = io.StringIO()
    results = fetch.fetch_all(base, dest, out=out, **kw)
    return {(r.folder, r.name): r for r in results}, out.getvalue()


def no_staging_left(dest):
    return not [p for p in dest.iterdir() if p.name.startswith(".fetch-")]


@pytest.fixture
def mirror(tmp_path):
    """A copy of the fixture raw folder the test may break, served over HTTP."""
    root = copy_raw(tmp_path / "mirror")
    with serve_directory(root) as (server, url):
        yield root, server, url


def test_fetch_from_a_mirror_gets_every_file_and_provenance(mirror, tmp_path, capsys):
    _root, server, url = mirror
    dest = tmp_path / "dest"
    assert fetch.main(url, dest) == 0
    for folder, name in FILES:
        assert (dest / folder / name).read_bytes() == (FIXTURE_RAW / folder / name).read_bytes()
    for folder in FOLDERS:
        assert (dest / folder / "PROVENANCE.md").read_text() == (
            FIXTURE_RAW / folder / "PROVENANCE.md"
        ).read_text()
    assert no_staging_left(dest)
    out = capsys.readouterr().out
    assert f"{len(FILES)} of {len(FILES)} files fetched, 0 failed, 0 need a mirror" in out
    assert len(server.requests) == len(FILES) + len(FOLDERS)


def test_fetched_folder_builds(mirror, tmp_path):
    _, _, url = mirror
    dest = tmp_path / "dest"
    assert fetch.main(url, dest) == 0
    b = pipeline.build(dest, tmp_path / "data", check_counts=False)
    assert b.manifest.report.licensed_acute_psych_beds.total == 160


def test_bad_file_on_the_mirror_keeps_the_existing_copy(mirror, tmp_path):
    root, _, url = mirror
    dest = copy_raw(tmp_path / "dest")  # a previous good fetch
    good = (dest / HCAI[0] / HCAI[1]).read_bytes()
    rename_column(root / HCAI[0] / HCAI[1], "Latitude", "Lat")
    truncate_csv(root / "costs" / "benchmarks.csv")
    (root / "costs" / "PROVENANCE.md").write_text("fresh provenance\n")
    results, out = run(url, dest)
    r = results[HCAI]
    assert r.status == "failed"
    assert "hcai_facility_list_la_county.csv" in r.detail and "'Latitude'" in r.detail
    assert "kept the existing copy" in r.detail
    assert (dest / HCAI[0] / HCAI[1]).read_bytes() == good
    assert results[("costs", "benchmarks.csv")].status == "failed"
    assert "truncated" in results[("costs", "benchmarks.csv")].detail
    # every other file was fetched, PROVENANCE too
    assert sum(r.status == "ok" for k, r in results.items() if k[1] != "PROVENANCE.md") == len(FILES) - 2
    assert (dest / "costs" / "PROVENANCE.md").read_text() == "fresh provenance\n"
    assert "FAILED  hcai_facility_list_2025/hcai_facility_list_la_county.csv" in out
    assert no_staging_left(dest)


def test_bad_file_exit_code(mirror, tmp_path):
    root, _, url = mirror
    (root / "geo" / "la_county_spa_2012.geojson").write_text('{"type": "FeatureCollection", "feat')
    assert fetch.main(url, tmp_path / "dest") == 1
    assert not (tmp_path / "dest" / "geo" / "la_county_spa_2012.geojson").exists()


def test_http_404_is_reported_and_keeps_the_existing_copy(mirror, tmp_path, capsys):
    root, _, url = mirror
    dest = copy_raw(tmp_path / "dest")
    before = (dest / HCAI[0] / HCAI[1]).read_bytes()
    (root / HCAI[0] / HCAI[1]).unlink()
    (root / "geo" / "PROVENANCE.md").unlink()  # optional: not a failure
    assert fetch.main(url, dest) == 1
    out = capsys.readouterr().out
    assert "HTTP 404" in out and "hcai_facility_list_la_county.csv" in out
    assert "geo/PROVENANCE.md: the mirror has no PROVENANCE.md" in out
    assert (dest / HCAI[0] / HCAI[1]).read_bytes() == before
    assert f"{len(FILES) - 1} of {len(FILES)} files fetched, 1 failed" in out


def test_http_404_without_an_existing_copy_writes_nothing(mirror, tmp_path):
    root, _, url = mirror
    (root / HCAI[0] / HCAI[1]).unlink()
    results, _ = run(url, tmp_path / "dest")
    assert results[HCAI].status == "failed" and "no copy written" in results[HCAI].detail
    assert not (tmp_path / "dest" / HCAI[0] / HCAI[1]).exists()


def test_network_down_fails_every_file_fast_and_keeps_copies(tmp_path):
    dest = copy_raw(tmp_path / "dest")
    before = {k: (dest / k[0] / k[1]).read_bytes() for k in FILES}
    t0 = time.perf_counter()
    results, _ = run(closed_port_url(), dest, timeout=2)
    assert time.perf_counter() - t0 < 10
    assert all(r.status == "failed" for r in results.values())
    assert all("cannot connect" in r.detail for r in results.values())
    assert {k: (dest / k[0] / k[1]).read_bytes() for k in FILES} == before


class ShortBody(http.server.BaseHTTPRequestHandler):
    """Promises more bytes than it sends (a connection cut mid-download)."""

    def do_GET(self):
        body = (FIXTURE_RAW / "costs" / "benchmarks.csv").read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) + 500))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


def test_incomplete_download_is_a_failure(tmp_path):
    with serve(ShortBody) as (_, url):
        results, _ = run(url, tmp_path / "dest", timeout=3)
    r = results[("costs", "benchmarks.csv")]
    assert r.status == "failed"
    assert "incomplete" in r.detail.lower() or "IncompleteRead" in r.detail
    assert not (tmp_path / "dest" / "costs" / "benchmarks.csv").exists()


class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(2)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_slow_server_times_out(tmp_path, monkeypatch):
    one = registry.SOURCES["costs"]
    monkeypatch.setattr(registry, "SOURCES", {"costs": one})
    with serve(Slow) as (_, url):
        t0 = time.perf_counter()
        results, _ = run(url, tmp_path / "dest", timeout=0.5)
        assert time.perf_counter() - t0 < 1.9  # the provenance request also times out quickly
    assert results[("costs", "benchmarks.csv")].status == "failed"
    assert "timed out" in results[("costs", "benchmarks.csv")].detail


def test_without_mirror_uses_download_urls_and_reports_the_rest_as_manual(tmp_path, monkeypatch):
    served = tmp_path / "publisher"
    (served / "national").mkdir(parents=True)
    (served / "national" / "providers.csv").write_bytes(
        (FIXTURE_RAW / "samhsa_mh_locator_2020_oeps" / "samhsa_mh_providers_la_county.csv").read_bytes()
    )
    with serve_directory(served) as (server, url):
        patched = {}
        for key, src in registry.SOURCES.items():
            files = tuple(
                dataclasses.replace(
                    f, download_url=f"{url}/national/providers.csv" if key == "samhsa_locator" else None
                )
                for f in src.files
            )
            patched[key] = dataclasses.replace(src, files=files)
        monkeypatch.setattr(registry, "SOURCES", patched)
        dest = tmp_path / "dest"
        results, out = run(None, dest)
        assert server.requests == ["/national/providers.csv"]  # no PROVENANCE.md without a mirror
    loc = ("samhsa_mh_locator_2020_oeps", "samhsa_mh_providers_la_county.csv")
    assert results[loc].status == "ok"
    assert (dest / loc[0] / loc[1]).exists()
    manual = [r for r in results.values() if r.status == "manual"]
    assert len(manual) == len(FILES) - 1
    costs = results[("costs", "benchmarks.csv")]
    assert costs.detail.startswith("manual: the publisher only offers figures in many separate publications")
    assert "use --from a mirror" in costs.detail and registry.SOURCES["costs"].url in costs.detail
    directory = results[("samhsa_nsumhss_directory_2024", "samhsa_directory_2024_la_county.csv")]
    assert "Excel workbooks" in directory.detail
    assert "manual  costs/benchmarks.csv: manual:" in out


def test_plan_without_mirror_matches_the_registry():
    plan = {(folder, name): url for _key, folder, name, url in fetch.plan(None)}
    assert set(plan) == set(FILES)
    direct = {k for k, url in plan.items() if url}
    assert direct == {
        ("samhsa_mh_locator_2020_oeps", "samhsa_mh_providers_la_county.csv"),
        ("cdph_bed_types_2025", "cdph_healthcare_facility_beds_la_county.csv"),
        ("oeps_mental_health_drive_time", "mentalhealth_drive_tract_la.csv"),  # national file
        ("hpsa_mental_health_ca_2023", "hpsa_mentalhealth.csv"),  # statewide file
    }
    assert all(plan[k].startswith("https://") for k in direct)
    manual = set(plan) - direct
    # every file without a direct download says what the publisher offers instead
    assert all(
        registry.SOURCES[key].file(name).offered_as
        for key, folder, name, url in fetch.plan(None)
        if (folder, name) in manual
    )


def test_plan_with_mirror_quotes_paths():
    urls = [url for *_, url in fetch.plan("http://mirror.example/raw/")]
    assert "http://mirror.example/raw/geo/la_county_spa_2012.geojson" in urls
    assert all(u.startswith("http://mirror.example/raw/") and "//" not in u[len("http://") :] for u in urls)


def test_pipeline_cli_fetch(mirror, tmp_path, capsys):
    _, _, url = mirror
    dest = tmp_path / "dest"
    assert pipeline.main(["fetch", "--from", url, "--dest", str(dest)]) == 0
    assert (dest / HCAI[0] / HCAI[1]).exists()
    assert pipeline.main(["fetch", "--from", closed_port_url(), "--dest", str(dest)]) == 1
