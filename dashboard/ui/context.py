"""The snapshot every page serves, loaded once per process, and what a page is given.

``load_data`` reads the committed snapshot (``config.data_dir()``) into one shared, read-only
``Data`` per server process; when it is missing or unreadable the page says so in plain
words, with the command that fixes it, and stops.  ``dashboard/app.py`` hands each page a
``PageContext`` (the data and the view state of this run).
"""

from __future__ import annotations

import atexit
import gc
import sys
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from dashboard import config, snapshot
from dashboard.analysis import costs, prices
from dashboard.analysis.filters import FilterState, FlagIndex
from dashboard.analysis.views import Views
from dashboard.errors import SnapshotError
from dashboard.render import mapdata, maps, tables, webfiles

K_CTX = "_ctx"


@dataclass
class Data:
    """The snapshot plus what every rerun needs, prepared once and shared read-only."""

    snap: snapshot.Snapshot
    idx: FlagIndex
    view: pd.DataFrame  # display table of every facility, aligned with snap.facilities
    map_data: mapdata.MapData  # popup data of every facility, aligned likewise
    geo_urls: dict[str, str | None]  # area polygons as cached static files ("spa", "sd", "tracts")
    state_hospital_beds: int  # licensed acute psychiatric beds of the state forensic hospital
    label_points: dict  # "spa"/"sd" -> area id -> (lat, lon) of its label on the map
    views: Views  # matches, counts, headline, area tables: computed once per view, shared


@st.cache_resource(show_spinner=False, max_entries=2)
def _load(folder: str, stamp: str) -> Data:
    """One shared, read-only copy of the snapshot per server process (frames are never
    mutated); ``stamp`` changes when a new snapshot is written."""
    snap = snapshot.read(folder)
    fac = snap.facilities
    idx = FlagIndex.build(fac)
    map_data = mapdata.prepare(fac, webfiles.source_titles(snap))
    urls = webfiles.urls(webfiles.contents(snap, map_data))  # the committed snapshot's are there
    return Data(
        snap=snap,
        idx=idx,
        view=tables.facility_view(fac),
        map_data=replace(map_data, url=urls.pop("facilities")),
        geo_urls=urls,
        state_hospital_beds=int(fac.loc[fac["state_hospital"], "psych_beds"].sum()),
        label_points={k: maps.label_points(snap.geojson[k]) for k in ("spa", "sd")},
        views=Views(fac, idx, snap.tracts, snap.areas, snap.drive_time),
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def _cost_defaults(snapshot_id: str, rates: str, _benchmarks: pd.DataFrame) -> costs.Assumptions:
    return prices.default_assumptions(_benchmarks, rates)


def cost_defaults(data: Data, rates: str) -> costs.Assumptions:
    """The sourced default cost inputs for ``rates``: once per snapshot, not on every rerun
    (the look-ups by benchmark id are a tenth of the cost page's run)."""
    return _cost_defaults(data.snap.id, rates, data.snap.benchmarks)


def load_data() -> Data:
    """The committed snapshot (data/snapshot/).  When it is missing or unreadable the page
    says so in plain words, with the command that fixes it, and stops."""
    folder = config.data_dir()
    try:
        stamp = snapshot.stamp(folder)
        data = _load(str(folder), stamp)
    except SnapshotError as exc:
        _fail_page(exc)
        raise  # unreachable: _fail_page stops the script
    _settle_process(str(folder), stamp, data)
    return data


@st.cache_resource(show_spinner=False, max_entries=2)
def _settle_process(folder: str, stamp: str, _data: Data) -> None:
    """Once per loaded snapshot (keyed as ``_load``; never per rerun): log the view cache's hits
    when the server stops (a room on one link should show few misses and many hits), and
    keep the snapshot's objects, which live as long as the process, out of every later
    garbage collection (a full collection over them stalled reruns by hundreds of ms)."""
    atexit.register(lambda: print(f"lamh view cache: {_data.views.stats()}", file=sys.stderr, flush=True))
    gc.collect()
    gc.freeze()


def _fail_page(exc: SnapshotError) -> None:
    st.error("**This copy of the dashboard has no data to show.**", icon=":material/error:")
    if len(exc.missing) == len(snapshot.files()):
        st.markdown(
            f"The folder `{exc.folder}` that should hold the processed snapshot is "
            f"missing or empty (it should hold {', '.join(f'`{m}`' for m in exc.missing)})."
        )
    elif exc.missing:
        st.markdown(
            f"The processed snapshot in `{exc.folder}` is incomplete: "
            f"{', '.join(f'`{m}`' for m in exc.missing)} "
            f"{'is' if len(exc.missing) == 1 else 'are'} missing."
        )
    else:
        st.markdown(f"The processed snapshot in `{exc.folder}` cannot be read.")
        st.code(exc.detail, language=None, wrap_lines=True)
    raw = config.raw_dir()
    if config.is_complete_raw(raw):
        st.markdown(f"**To fix it**, rebuild the snapshot from the raw sources found in `{raw}`:")
        st.code(config.BUILD_COMMAND, language="bash")
    else:
        st.markdown("**To fix it**, restore the snapshot that ships with the code:")
        st.code("git checkout -- data/snapshot", language="bash")
        st.markdown("or download the raw public sources and rebuild it (needs the network):")
        st.code(f"{config.FETCH_COMMAND}\n{config.BUILD_COMMAND}", language="bash")
    st.markdown("Then reload this page.")
    st.stop()


def static_serving_check() -> None:
    """Maps load Leaflet from dashboard/static/: without static serving they stay blank."""
    if not st.get_option("server.enableStaticServing"):
        st.warning(
            "Static file serving is off, so maps cannot load: run the dashboard from the "
            "repository's root folder (which holds `.streamlit/config.toml`), or pass "
            "`--server.enableStaticServing true`.",
            icon=":material/map:",
        )


@dataclass
class PageContext:
    data: Data
    state: FilterState
    page_path: str = ""  # the page's url_path ("" for the map, the default page)


def set_page(ctx: PageContext) -> None:
    st.session_state[K_CTX] = ctx


def page() -> PageContext:
    """What dashboard/app.py prepared for the page it runs."""
    return st.session_state[K_CTX]
