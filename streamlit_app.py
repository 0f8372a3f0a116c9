"""Entry point: page config, data, the shared sidebar filters, navigation, URL state."""

import streamlit as st

from dashboard import ui

st.set_page_config(
    page_title="LA County outpatient mental-health capacity",
    page_icon=":material/psychology:",
    layout="wide",
    initial_sidebar_state="expanded",
)

# Page scripts live in app_pages/, not pages/: with a pages/ folder next to this file,
# Streamlit starts in its legacy multipage mode, and if the first request a fresh server
# gets is a deep link (e.g. /gaps?...) it never leaves that mode (this navigation, the
# shared filters and the URL syncing below would not run).
PAGES = [
    st.Page("app_pages/map.py", title="Map", icon=":material/map:", url_path="map", default=True),
    st.Page("app_pages/compare.py", title="Inpatient vs outpatient", icon=":material/compare_arrows:",
            url_path="compare"),
    st.Page("app_pages/gaps.py", title="Gaps & access", icon=":material/distance:", url_path="gaps"),
    st.Page("app_pages/data.py", title="Data & methods", icon=":material/dataset:", url_path="data"),
]

page = st.navigation(PAGES, position="sidebar")
data = ui.load_data()
state = ui.sidebar(data)
ui.set_context(ui.PageContext(data=data, state=state))
ui.data_banner(data)
ui.show_notices()
page.run()
ui.share_box(ui.current_state(), data)
ui.sync_url()
