import streamlit as st

from dashboard import ui

ctx = ui.page_context()
st.title("compare")
st.info("This page is being built.")
