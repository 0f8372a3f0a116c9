import streamlit as st

from dashboard import ui

ctx = ui.page_context()
st.title("gaps")
st.info("This page is being built.")
