"""Two replicas behind HAProxy, started as ``make serve`` starts them (deploy/serve.py).

Through the proxy, in Chromium: a deep link opens with its view, a filter changes it, a CSV
downloads (downloads live in the memory of the replica holding the session: stickiness), a
second browser lands on the other replica and sees the same figures, and when the first
browser's replica dies, its page reconnects to the other one and shows the same view (the
link holds it) — with no failed request for the map's files or the download.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from dashboard import config, snapshot
from dashboard.analysis import filters
from dashboard.analysis.filters import FilterState
from deploy import serve
from tests import harness

LINK = "/?pop=children&set=outpatient"


@pytest.fixture(scope="module")
def deployment():
    with serve.Deployment(replicas=2) as d:
        yield d


def expected(**kw) -> str:
    snap = snapshot.read(config.data_dir())
    return f"{filters.match(filters.FlagIndex.build(snap.facilities), FilterState(**kw)).count:,}"


def headline(page):
    return (
        page.locator('[data-testid="stMetric"]')
        .filter(has_text="Matching sites")
        .locator('[data-testid="stMetricValue"]')
    )


def replica_of(page) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get("lamh_replica", "")


def record_failures(page, bad: list[str]) -> None:
    """Requests of the app's own files (map files, static, media) that fail go to ``bad``."""
    page.on(
        "response",
        lambda r: (
            bad.append(f"{r.status} {r.url}")
            if r.status >= 400 and re.search(r"/(app/static|media)/", r.url)
            else None
        ),
    )


def test_replicas_behind_the_proxy_keep_sessions_and_survive_a_crash(deployment, new_page, wait_for_app):
    one, two = new_page(), new_page()
    bad: list[str] = []
    record_failures(one, bad)
    record_failures(two, bad)
    one.goto(deployment.url + LINK)
    wait_for_app(one)
    harness.map_frame(one).wait_for_selector(".lamh-marker, .marker-cluster")
    expect(headline(one)).to_have_text(expected(population=("children",), setting=("outpatient",)))

    harness.filter_value(one, "Payment accepted", "Medi-Cal (Medicaid)").click()
    both = expected(population=("children",), setting=("outpatient",), payment=("medi_cal",))
    expect(one).to_have_url(re.compile(r"pay=medi_cal"))
    expect(headline(one)).to_have_text(both)
    wait_for_app(one)
    button = one.locator('[data-testid="stDownloadButton"]').filter(has_text="Download area table (CSV)")
    with one.expect_download() as info:
        button.locator("button").click()
    assert Path(info.value.path()).read_text(encoding="utf-8").startswith("Area,Name")

    two.goto(one.url)  # the same link, another browser
    wait_for_app(two)
    expect(headline(two)).to_have_text(both)
    first, second = replica_of(one), replica_of(two)
    assert {first, second} == {"r1", "r2"}, "new browsers are spread over the replicas"

    deployment.kill(int(first[1:]) - 1)
    # Streamlit's page reconnects; the proxy sends it to the live replica (and says so in
    # its cookie), where the link reseeds the view.  The other browser is untouched.
    deadline = 60
    while replica_of(one) != second and deadline > 0:
        one.wait_for_timeout(500)
        deadline -= 0.5
    assert replica_of(one) == second, deployment.logs()[-3000:]
    wait_for_app(one)
    # A new session on the live replica holds the whole view: one more filter counts with
    # the three the link carried.
    harness.filter_value(one, "Language", "Spanish").click()
    four = expected(
        population=("children",), setting=("outpatient",), payment=("medi_cal",), language=("spanish",)
    )
    expect(headline(one)).to_have_text(four, timeout=60_000)
    wait_for_app(one)
    assert {k: v[0] for k, v in parse_qs(urlsplit(one.url).query).items()} == {
        "v": "1",
        "pop": "children",
        "set": "outpatient",
        "pay": "medi_cal",
        "lang": "spanish",
    }
    harness.map_frame(one).wait_for_selector(".lamh-marker, .marker-cluster")
    expect(headline(two)).to_have_text(both)
    assert bad == [], bad
    assert one.locator('[data-testid="stException"]').count() == 0


def test_the_proxy_configuration_names_every_replica_and_checks_their_health():
    cfg = serve.haproxy_config("127.0.0.1:8501", [9001, 9002], "dash")
    assert "server r1 127.0.0.1:9001 check cookie r1" in cfg and "server r2 127.0.0.1:9002" in cfg
    assert "cookie lamh_replica insert" in cfg and "option redispatch" in cfg
    assert "option httpchk GET /dash/_stcore/health" in cfg and "timeout tunnel" in cfg
