"""Many users at once (real browsers): sessions never see each other's state.

``SESSIONS`` browser contexts (separate users, separate Streamlit sessions) open different
links at the same moment, then change different filters at the same moment, twice.  The
server runs their reruns concurrently.  After every round each session must show exactly
its own state — its own address bar, its own sidebar selections, its own headline count
computed independently from the build — and nothing may fail: no exception box, no JS
error, no traceback in the server log.  Latency (action -> address bar updated) is
printed per round and attached to the test report (``user_properties``).

This is the small, always-run concurrency check; bench/load.py measures 20+ sessions.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from dashboard import snapshot, taxonomy
from dashboard.analysis import costs, filters, link, metrics, prices
from dashboard.analysis.filters import FilterState
from tests.harness import filter_value

SIDEBAR = '[data-testid="stSidebar"]'
# A deep link (/gaps?...) makes Streamlit's frontend probe /gaps/_stcore/... first (404)
# before it finds the server root: not an app error.
STREAMLIT_PROBE = re.compile(r"status of 404 .*/_stcore/(health|host-config)")


def query(url: str) -> dict:
    return {k: ",".join(v) for k, v in parse_qs(urlsplit(url).query).items()}


def group_box(page, group_id: str):
    """The sidebar expander of a filter group (the groups come first, in taxonomy order)."""
    i = [g.id for g in taxonomy.GROUPS].index(group_id)
    box = page.locator(f'{SIDEBAR} [data-testid="stExpander"]').nth(i)
    label = taxonomy.GROUP_BY_ID[group_id].label
    assert label in box.locator("summary").inner_text(), (label, box.locator("summary").inner_text())
    return box


def facet(page, group_id: str, value_id: str) -> None:
    """Choose one value of a filter group (opening its expander first)."""
    g = taxonomy.GROUP_BY_ID[group_id]
    filter_value(page, g.label, g.value(value_id).label).click()


def name_search(page, text: str) -> None:
    box = page.locator(f'{SIDEBAR} [data-testid="stTextInput"]').filter(has_text="Name contains")
    box.locator("input").fill(text)
    box.locator("input").press("Enter")


def checkbox(page, label: str) -> None:
    page.locator(f'{SIDEBAR} [data-testid="stCheckbox"]').filter(has_text=label).locator("label").click()


def reset(page) -> None:
    page.locator(SIDEBAR).get_by_role("button", name="Reset filters").click()


def radio(page, option: str) -> None:
    page.locator('[data-testid="stRadio"]').get_by_text(option, exact=True).click()


def number(page, label: str, value: str) -> None:
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text=label).locator("input")
    box.fill(value)
    box.press("Enter")


@dataclass
class Session:
    name: str
    path: str  # "" (map), "gaps", "compare"
    params: dict  # the link it opens with
    state: FilterState = field(default=filters.DEFAULT)
    cost: dict = field(default_factory=dict)  # cost params expected in the link
    page: object = None
    latencies: list = field(default_factory=list)

    def url(self, base: str) -> str:
        q = "&".join(f"{k}={v}" for k, v in self.params.items())
        return f"{base}/{self.path}?{q}" if q else f"{base}/{self.path}"

    def expected_query(self) -> dict:
        q = link.encode(self.state)
        if self.cost:  # the cost page then writes every assumption into the link
            a, notices = link.decode_costs(self.cost, BENCHMARKS[0])
            assert notices == []
            q = {"v": "1", **q, **link.cost_params(a)}
        return q


BENCHMARKS: list = []  # the build's benchmark table, set by the test


def initial_sessions() -> list[Session]:
    return [
        Session("children-map", "", {"pop": "children"}, FilterState(population=("children",))),
        Session("inpatient-map", "", {"set": "inpatient"}, FilterState(setting=("inpatient",))),
        Session(
            "medi-cal-spanish-map",
            "",
            {"pay": "medi_cal", "lang": "spanish"},
            FilterState(payment=("medi_cal",), language=("spanish",)),
        ),
        Session(
            "seniors-gaps",
            "gaps",
            {"pop": "seniors", "miles": "10"},
            FilterState(population=("seniors",), miles=10),
        ),
        Session(
            "cost-compare",
            "compare",
            {"los": "14", "perdiem": "1000"},
            FilterState(),
            {"los": "14", "perdiem": "1000"},
        ),
    ]


# Each round: one change per session, all fired before any is awaited.
def round_two(s: Session) -> None:
    p = s.page
    if s.name == "children-map":
        filter_value(p, "Service Planning Area", "SPA 4").click()
        s.state = replace(s.state, spa=(4,))
    elif s.name == "inpatient-map":
        name_search(p, "hospital")
        s.state = replace(s.state, query="hospital")
    elif s.name == "medi-cal-spanish-map":
        checkbox(p, "Include sites whose attributes are unknown")
        s.state = replace(s.state, include_unknown=True)
    elif s.name == "seniors-gaps":
        facet(p, "payment", "medicare")
        s.state = replace(s.state, payment=("medicare",))
    else:
        number(p, "Length of stay", "20")
        s.cost = {**s.cost, "los": "20"}


def round_three(s: Session) -> None:
    p = s.page
    if s.name == "children-map":
        reset(p)
        s.state = filters.DEFAULT
    elif s.name == "inpatient-map":
        radio(p, filters.MEASURES["beds"])
        s.state = replace(s.state, measure="beds")
    elif s.name == "medi-cal-spanish-map":
        filter_value(p, "Service Planning Area", "SPA 1").click()
        s.state = replace(s.state, spa=(1,))
    elif s.name == "seniors-gaps":
        name_search(p, "center")
        s.state = replace(s.state, query="center")
    else:
        facet(p, "population", "children")
        s.state = replace(s.state, population=("children",))


def metric_value(page, label: str):
    return (
        page.locator('[data-testid="stMetric"]')
        .filter(has_text=label)
        .locator('[data-testid="stMetricValue"]')
    )


def check(s: Session, snap, idx, wait_for_app) -> None:
    """The session shows its own state: address bar, sidebar, headline."""
    p = s.page
    wait_for_app(p)
    assert query(p.url) == s.expected_query(), (s.name, p.url, s.expected_query())
    # The sidebar shows this session's selections (chosen values per group, SPA chips).
    for g in taxonomy.GROUPS:
        expect(group_box(p, g.id).locator('button[aria-pressed="true"]')).to_have_count(
            len(s.state.selected(g.id))
        )
    for a in range(1, 9):
        pressed = "true" if a in s.state.spa else "false"
        expect(filter_value(p, "Service Planning Area", f"SPA {a}")).to_have_attribute(
            "aria-pressed", pressed
        )
    if s.path == "":
        n = filters.match(idx, s.state).count
        expect(metric_value(p, "Matching sites")).to_have_text(f"{n:,}")
    elif s.path == "gaps":
        n = int(metrics.access_mask(idx, s.state).sum())
        expect(metric_value(p, "Matching sites used")).to_have_text(f"{n:,}")
    else:
        d = prices.default_assumptions(snap.benchmarks)
        ip = costs.inpatient_episode(
            replace(d.inpatient, length_of_stay_days=float(s.cost["los"]), per_diem=float(s.cost["perdiem"]))
        )
        expect(metric_value(p, "Inpatient episode")).to_have_text(f"${ip.total:,.2f}")
    assert p.locator('[data-testid="stException"]').count() == 0, s.name


def wait_for_url(s: Session, t0: float) -> None:
    want = s.expected_query()
    deadline = time.monotonic() + 30
    while query(s.page.url) != want:
        assert time.monotonic() < deadline, (s.name, s.page.url, want)
        s.page.wait_for_timeout(25)
    s.latencies.append(time.perf_counter() - t0)


@pytest.mark.slow
def test_concurrent_sessions_keep_their_own_state(
    new_page, app_server, snapshot_dir, wait_for_app, record_property
):
    snap = snapshot.read(snapshot_dir)
    idx = filters.FlagIndex.build(snap.facilities)
    BENCHMARKS[:] = [snap.benchmarks]
    log = app_server_log(app_server)
    log_start = log.stat().st_size if log else 0
    sessions = initial_sessions()
    for s in sessions:
        s.page = new_page()

    # Round 1: everyone opens their link at the same moment.
    t0 = time.perf_counter()
    for s in sessions:
        s.page.goto(s.url(app_server), wait_until="commit")
    for s in sessions:
        wait_for_app(s.page)
        wait_for_url(s, t0)
    for s in sessions:
        check(s, snap, idx, wait_for_app)

    # Rounds 2 and 3: everyone changes something at the same moment.
    for change in (round_two, round_three):
        starts = {}
        for s in sessions:
            starts[s.name] = time.perf_counter()
            change(s)
        for s in sessions:
            wait_for_url(s, starts[s.name])
        for s in sessions:
            check(s, snap, idx, wait_for_app)

    # Zero errors anywhere.
    for s in sessions:
        errors = [e for e in s.page.js_errors if not STREAMLIT_PROBE.search(e)]
        assert errors == [], (s.name, errors)
    if log:
        new = log.read_text(errors="replace")[log_start:]
        assert "Traceback" not in new and "Uncaught app execution" not in new, new[-3000:]

    rounds = [[s.latencies[i] for s in sessions] for i in range(3)]
    summary = {
        f"round_{i + 1}": {"median_s": round(statistics.median(r), 3), "max_s": round(max(r), 3)}
        for i, r in enumerate(rounds)
    }
    record_property("sessions", len(sessions))
    record_property("latency", summary)
    print(f"\n{len(sessions)} concurrent sessions, action -> address bar updated: {summary}")


def app_server_log(app_server):
    from tests.e2e import conftest

    d = getattr(conftest.app_server, "log_dir", None)
    return (d / "stderr.log") if d else None
