"""Main script: ``streamlit run dashboard/app.py`` from the repository root.

Page config, the snapshot, the shared sidebar filters, navigation and URL state; the pages
themselves are ../pages/*.py.  This script lives inside dashboard/ rather than at the top
level because Streamlit switches to its legacy multipage mode when a folder named pages/
sits next to the main script (a deep link as the first request of a fresh server then shows
the wrong navigation); static files are served from dashboard/static/ for the same reason.
"""

import sys
from pathlib import Path

# `streamlit run` puts this script's folder (dashboard/) on sys.path, not the repository
# root; the console script of a hosting service does not add the working directory either.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.ui import context, show, sidebar, urlstate  # noqa: E402

st.set_page_config(
    page_title="LA County outpatient mental-health capacity",
    page_icon=":material/psychology:",
    layout="wide",
    initial_sidebar_state="auto",  # open on a desktop, closed on a phone (the page comes first)
)

PAGES_DIR = ROOT / "pages"
PAGES = [
    st.Page(PAGES_DIR / "map.py", title="Map", icon=":material/map:", url_path="map", default=True),
    st.Page(
        PAGES_DIR / "compare.py",
        title="Inpatient vs outpatient",
        icon=":material/compare_arrows:",
        url_path="compare",
    ),
    st.Page(PAGES_DIR / "gaps.py", title="Gaps & access", icon=":material/distance:", url_path="gaps"),
    st.Page(PAGES_DIR / "data.py", title="Data & methods", icon=":material/dataset:", url_path="data"),
]

# Our own page links (sidebar.navigation) carry the view in the link; Streamlit's would drop it.
page = st.navigation(PAGES, position="hidden")
context.static_serving_check()
data = context.load_data()
urlstate.sync_from_url(page.url_path)
sidebar.navigation(PAGES)
state = sidebar.sidebar(data)
context.set_page(context.PageContext(data=data, state=state, page_path=page.url_path))
show.page_style()
sidebar.close_sidebar_after_navigation(page.url_path)
urlstate.show_notices()
page.run()
sidebar.share_box(page.url_path, data)
urlstate.sync_url(page.url_path)
